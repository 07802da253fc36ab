"""The API's builds: list, start (builds.services.start_build), read with steps, cancel, log lines, artifacts."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from builds import services
from builds.api import lookups, params
from builds.api.build_serializers import (
    ArtifactSerializer,
    BuildDetailSerializer,
    BuildSerializer,
    LogPageSerializer,
    StartBuildSerializer,
)
from builds.api.errors import invalid
from builds.api.schema import answers
from builds.models import Artifact, Build, BuildLogLine
from imagehub.roles import CONTROL_BUILDS, START_BUILDS, VIEW_BUILDS

MAX_LOG_LINES = 5000
STATUSES = tuple(Build.Status.values)


def _detail(build: Build) -> dict:
    return BuildDetailSerializer(lookups.build(build.pk)).data


class BuildList(generics.ListAPIView):
    required = {"GET": VIEW_BUILDS, "POST": START_BUILDS}
    serializer_class = BuildSerializer

    def get_queryset(self):
        found = Build.objects.select_related("template", "template_version", "requested_by")
        wanted = self.request.query_params.get("status", "")
        if wanted:
            if wanted not in STATUSES:
                raise ValidationError({"status": [f'"{wanted}" is not a build status: use one of '
                                                  f'{", ".join(STATUSES)}.']})
            found = found.filter(status=wanted)
        slug = self.request.query_params.get("template", "")
        if slug:
            found = found.filter(template=lookups.template(slug))
        return found.order_by("-queued_at", "-pk")

    @extend_schema(operation_id="listBuilds", summary="List builds",
                   description="Builds, newest first; `status` and `template` narrow the list.",
                   parameters=[OpenApiParameter("status", str, enum=STATUSES, description="Only builds in this "
                                                                                          "status."),
                               OpenApiParameter("template", str, description="Only builds of the template with "
                                                                             "this slug.")],
                   responses=answers({200: BuildSerializer(many=True)}, 400, 404))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="startBuild", summary="Start a build",
                   description="Queues a build of a template version with the given variables, source selection "
                               "and on-error policy, checked as the launch form checks them: every problem is a "
                               "400 whose `errors` names the field (`variables.<name>` for a variable's value). "
                               "Needs the builder role.",
                   request=StartBuildSerializer, responses=answers({201: BuildDetailSerializer}, 400, 404))
    def post(self, request):
        body = StartBuildSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        given = body.validated_data
        if "version" in given:
            version = lookups.version(given["template"], given["version"])
        else:
            template = lookups.template(given["template"])
            if not template.latest_version_id:
                raise ValidationError({"template": [f'Template "{template.slug}" has no version to build.']})
            version = lookups.version(template.slug, template.latest_version.number)
        try:
            build = services.start_build(version, request.user, given["variables"], only=given["only"],
                                         except_=given["except"], on_error=given["on_error"],
                                         preset=given["preset"])
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error))
        except DjangoValidationError as error:
            raise invalid(error, "variables" if hasattr(error, "error_dict") else "non_field_errors")
        return Response(_detail(build), status=status.HTTP_201_CREATED,
                        headers={"Location": reverse("api:build_detail", args=[build.pk])})


@extend_schema_view(get=extend_schema(operation_id="getBuild", summary="Read a build",
               description="A build's full record, exactly the JSON export on its page: status, the version "
                           "built, what it was given (sensitive values masked), worker host, exit reason, "
                           "its steps with their timing and its artifacts (images by region, files with "
                           "checksums, source image).",
               responses=answers({200: BuildDetailSerializer}, 404)))
class BuildDetail(generics.RetrieveAPIView):
    required = {"GET": VIEW_BUILDS}
    serializer_class = BuildDetailSerializer

    def get_object(self):
        return lookups.build(self.kwargs["pk"])


class BuildCancel(APIView):
    required = {"POST": CONTROL_BUILDS}

    @extend_schema(operation_id="cancelBuild", summary="Cancel a build",
                   description="A queued build is cancelled at once; a running one is asked to stop (its status "
                               "changes when its worker has cleaned up). A build that is over answers 409. Needs "
                               "the builder role.",
                   request=None, responses=answers({202: BuildDetailSerializer}, 404, 409))
    def post(self, request, pk: int):
        build = lookups.build(pk)
        try:
            services.cancel_build(build, request.user)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error))
        except DjangoValidationError as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(_detail(build), status=status.HTTP_202_ACCEPTED)


class BuildLog(APIView):
    required = {"GET": VIEW_BUILDS}

    @extend_schema(operation_id="getBuildLogLines", summary="Read a build's log lines after a number",
                   description="The lines numbered above `after`, at most `limit` of them, in order. Ask again "
                               "with `after` set to the answer's `last_seq` until `final` is true.",
                   parameters=[OpenApiParameter("after", {**params.ID_SCHEMA},
                                                description="Give lines numbered above this (default 0: from "
                                                            "the first)."),
                               OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LOG_LINES},
                                                description="At most this many lines (default 1000).")],
                   responses=answers({200: LogPageSerializer}, 400, 404))
    def get(self, request, pk: int):
        after = params.integer(request, "after", 0, 0)
        limit = params.integer(request, "limit", 1000, 1, MAX_LOG_LINES)
        build = Build.objects.filter(pk=pk).only("status", "last_seq").first()
        if build is None:
            raise lookups.no_build(pk)
        lines = BuildLogLine.objects.messages(build, after=after, limit=limit)
        last = lines[-1]["seq"] if lines else after
        page = {"build": build.pk, "status": build.status, "lines": lines, "last_seq": last,
                "final": build.is_over and last >= build.last_seq}
        return Response(LogPageSerializer(page).data)


@extend_schema_view(get=extend_schema(operation_id="listBuildArtifacts", summary="List a build's artifacts",
               description="What the build produced: images per region, files, with their lineage nodes.",
               responses=answers({200: ArtifactSerializer(many=True)}, 404)))
class BuildArtifacts(generics.ListAPIView):
    required = {"GET": VIEW_BUILDS}
    serializer_class = ArtifactSerializer

    def get_queryset(self):
        build = lookups.build(self.kwargs["pk"])
        return Artifact.objects.filter(build=build).prefetch_related("images").order_by("id")


@extend_schema_view(get=extend_schema(operation_id="getArtifact", summary="Read an artifact",
               description="One artifact: its images by region, files (name, size, SHA-256), the image it was "
                           "built from, and its lineage nodes.",
               responses=answers({200: ArtifactSerializer}, 404)))
class ArtifactDetail(generics.RetrieveAPIView):
    required = {"GET": VIEW_BUILDS}
    serializer_class = ArtifactSerializer

    def get_object(self):
        return lookups.artifact(self.kwargs["pk"])
