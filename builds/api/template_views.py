"""The API's templates and versions: list and read them, and save a new version through the catalog."""

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from builds.api import lookups
from builds.api.schema import answers
from builds.api.template_serializers import (
    NewVersionSerializer,
    TemplateSerializer,
    VersionDetailSerializer,
    VersionSerializer,
)
from imagehub import analysis, catalog
from imagehub.models import PackerTemplate, TemplateVersion
from imagehub.roles import EDIT_TEMPLATES, VIEW_TEMPLATES


@extend_schema_view(get=extend_schema(operation_id="listTemplates", summary="List templates",
               description="The catalog's templates by name; `label` and `search` narrow the list.",
               parameters=[OpenApiParameter("label", str, description="Only templates with this label."),
                           OpenApiParameter("search", str, description="Only templates whose name contains this.")],
               responses=answers({200: TemplateSerializer(many=True)}, 404)))
class TemplateList(generics.ListAPIView):
    required = {"GET": VIEW_TEMPLATES}
    serializer_class = TemplateSerializer

    def get_queryset(self):
        found = PackerTemplate.objects.select_related("owner", "latest_version").prefetch_related("labels")
        label = self.request.query_params.get("label", "").strip()
        if label:
            found = found.filter(labels__name=label.lower())
        search = self.request.query_params.get("search", "").strip()
        if search:
            found = found.filter(name__icontains=search)
        return found.order_by("name")


@extend_schema_view(get=extend_schema(operation_id="getTemplate", summary="Read a template",
               description="One template by its slug.", responses=answers({200: TemplateSerializer}, 404)))
class TemplateDetail(generics.RetrieveAPIView):
    required = {"GET": VIEW_TEMPLATES}
    serializer_class = TemplateSerializer

    def get_object(self):
        return lookups.template(self.kwargs["slug"])


class VersionList(generics.ListAPIView):
    required = {"GET": VIEW_TEMPLATES, "POST": EDIT_TEMPLATES}
    serializer_class = VersionSerializer

    def get_queryset(self):
        template = lookups.template(self.kwargs["slug"])
        return TemplateVersion.objects.filter(template=template).select_related("template", "author").defer(
            "diagnostics", "summary").order_by("-number")

    @extend_schema(operation_id="listTemplateVersions", summary="List a template's versions",
                   description="The versions of a template, newest first.",
                   responses=answers({200: VersionSerializer(many=True)}, 404))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="createTemplateVersion", summary="Save a new version of a template",
        description="Saves `files` as the template's next version, validated as the editor validates it: "
                    "files that do not parse or validate still make a version, with `is_valid` false and the "
                    "`diagnostics`, unless `require_valid` asks for a 400 with them (nothing saved). Files the "
                    "catalog refuses (bad names, too large, no template file) answer 400 listing every problem; "
                    "a newer version than `base` answers 409. Files equal to the latest version's answer 200 "
                    "with that version. Needs the editor role.",
        request=NewVersionSerializer,
        responses=answers({201: VersionDetailSerializer,
                           200: OpenApiResponse(VersionDetailSerializer, description="The files equal the latest "
                                                                                     "version's; nothing saved.")},
                          400, 404, 409))
    def post(self, request, slug: str):
        template = lookups.template(slug)
        body = NewVersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        latest = template.latest_version.number if template.latest_version_id else 0
        base = body.validated_data.get("base", latest)
        files = body.validated_data["files"]
        try:
            if body.validated_data["require_valid"]:
                refusal = _invalid(catalog.check_files(files))
                if refusal is not None:
                    return refusal
            saved = catalog.save_version(template, files=files, author=request.user,
                                         message=body.validated_data["message"], base_number=base)
        except catalog.InvalidFiles as error:
            raise ValidationError({"files": error.problems})
        except catalog.StaleVersion as error:
            return Response({"detail": error.message, "latest": error.latest.number}, status=status.HTTP_409_CONFLICT)
        answer = VersionDetailSerializer(lookups.version(slug, saved.version.number)).data
        where = {"Location": reverse("api:version_detail", args=[slug, saved.version.number])}
        return Response(answer, status=status.HTTP_201_CREATED if saved.created else status.HTTP_200_OK,
                        headers=where if saved.created else None)


def _where(diagnostic: dict) -> str:
    place = diagnostic.get("range") or {}
    start = place.get("start") or {}
    if place.get("filename"):
        return f"{place['filename']}:{start.get('line', 0)}:{start.get('column', 0)}: "
    return ""


def _invalid(files: dict[str, str]) -> Response | None:
    """The 400 for files that do not validate, with every error where it is and the diagnostics; else None."""
    found = analysis.check(files)
    if found.is_valid:
        return None
    problems = [f"{_where(d)}{d.get('summary', '')}: {d.get('detail', '')}".rstrip(": ")
                for d in found.diagnostics if d.get("severity") == "error"]
    detail = (f"The files do not validate ({found.error_count} error{'s' if found.error_count != 1 else ''}); "
              f"nothing was saved. {' '.join(problems)}")
    return Response({"detail": detail, "errors": {"files": problems}, "diagnostics": found.diagnostics},
                    status=status.HTTP_400_BAD_REQUEST)


@extend_schema_view(get=extend_schema(operation_id="getTemplateVersion", summary="Read a template version with its files",
               description="One version of a template: its files, and what validation found when it was saved.",
               responses=answers({200: VersionDetailSerializer}, 404)))
class VersionDetail(generics.RetrieveAPIView):
    required = {"GET": VIEW_TEMPLATES}
    serializer_class = VersionDetailSerializer

    def get_object(self):
        return lookups.version(self.kwargs["slug"], self.kwargs["number"])
