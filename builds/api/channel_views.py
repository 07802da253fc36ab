"""The API's channels: a template's channels, one with its images and history, and assigning a build to one."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from builds import channels
from builds.api import lookups
from builds.api.errors import invalid
from builds.api.image_serializers import (
    AssignChannelSerializer,
    ChannelDetailSerializer,
    ChannelSerializer,
    channel_images,
)
from builds.api.schema import answers
from builds.channel_models import Channel, validate_channel_name
from builds.models import Build
from imagehub.roles import MOVE_CHANNELS, VIEW_BUILDS


@extend_schema_view(get=extend_schema(operation_id="listChannels", summary="List a template's channels",
               description="The template's named channels (`dev`, `production`...), the build each points at "
                           "and that build's images with their status (current, outdated or revoked).",
               responses=answers({200: ChannelSerializer(many=True)}, 404)))
class ChannelList(generics.ListAPIView):
    required = {"GET": VIEW_BUILDS}
    serializer_class = ChannelSerializer

    def get_queryset(self):
        template = lookups.template(self.kwargs["slug"])
        return Channel.objects.filter(template=template).select_related("template", "updated_by").order_by("name")

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:  # a page of channels: their images and statuses read at once
            args = (list(args[0]), *args[1:])
            kwargs["context"] = {**self.get_serializer_context(), "channel_images": channel_images(args[0])}
        return super().get_serializer(*args, **kwargs)


@extend_schema_view(get=extend_schema(operation_id="getChannel", summary="Read a channel",
               description="A channel with the images of the build it points at and its latest changes.",
               responses=answers({200: ChannelDetailSerializer}, 404)))
class ChannelDetail(generics.RetrieveAPIView):
    required = {"GET": VIEW_BUILDS}
    serializer_class = ChannelDetailSerializer

    def get_object(self):
        return lookups.channel(self.kwargs["slug"], self.kwargs["name"])


class ChannelAssign(APIView):
    required = {"POST": MOVE_CHANNELS}

    @extend_schema(operation_id="assignChannel", summary="Point a channel at a build",
                   description="Assigns (or moves) channel `name` of the template to a successful build of it whose "
                               "images are not revoked; the channel is made on first use. Recorded with who and "
                               "when. Needs the builder role.",
                   request=AssignChannelSerializer, responses=answers({200: ChannelDetailSerializer}, 400, 404))
    def post(self, request, slug: str, name: str):
        template = lookups.template(slug)
        try:
            validate_channel_name(name.strip())
        except DjangoValidationError as error:
            raise invalid(error, "name")
        body = AssignChannelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        build = Build.objects.filter(pk=body.validated_data["build"]).select_related("template").first()
        if build is None:
            raise invalid(DjangoValidationError(f"ImageHub has no build #{body.validated_data['build']}."), "build")
        try:
            channel = channels.assign(template, name, build, request.user, body.validated_data["note"])
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error))
        except DjangoValidationError as error:
            raise invalid(error, "build")
        return Response(ChannelDetailSerializer(lookups.channel(slug, channel.name)).data)
