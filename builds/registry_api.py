"""The JSON API's image registry endpoints, under /api/v1/: what `imagehub build` asks from a terminal.

- `GET /api/v1/templates/<template>/channels/<channel>/image?region=<region>`:
  the channel's image (see `builds.registry_answers.channel_image_data`):
  "which AMI is `production` of golden-base in us-east-1?" in one GET.
  404 when the template, channel or an image in the region is missing, 409
  when the image is revoked; the JSON's "error" says which and what to do.
- `GET /api/v1/images/check?id=<image id>&region=<region>`: 200 when a build
  may start from the image, 409 with the reason when it is revoked.

Callers authenticate with a personal API token (`Authorization: Bearer
<token>`, see builds.tokens: its scope narrows its owner's permissions) or a
signed-in session, and need the permission to see builds (every role has
it). Their answers keep the shape the engine's registry client reads (an
"error" key, also when credentials are missing or wrong), so they read
credentials with `tokens.request_user` rather than the API's
authentication classes; they are DRF views so that the schema documents
them.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.response import Response

from builds import channels, tokens
from builds.channels import ImageRefused, ImageRevoked
from builds.registry_answers import channel_image_data
from imagehub.roles import VIEW_BUILDS

SECURITY = [{"bearerToken": []}, {"cookieAuth": []}]


class RegistryErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What is missing or refused, and what to do.")


class RegistryImageSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The image id (an AMI id, a Docker image id).")
    region = serializers.CharField(allow_blank=True)
    template = serializers.CharField(help_text="The template's name.")
    channel = serializers.CharField()
    build_id = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The number of the template version the build built.")
    source = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class ImageCheckAnswerSerializer(serializers.Serializer):
    id = serializers.CharField()
    region = serializers.CharField(allow_blank=True)
    revoked = serializers.BooleanField()


def _errors(*codes: int) -> dict:
    described = {400: "The request misses a parameter.", 401: "No credentials, or a token ImageHub does not know.",
                 403: "The account may not read images (the viewer role may).",
                 404: "The template, the channel or an image in the region is missing.",
                 409: "The image is revoked; the error says why."}
    return {code: OpenApiResponse(RegistryErrorSerializer, description=described[code]) for code in codes}


class RegistryCredentials(BaseAuthentication):
    """The user `tokens.request_user` finds (bearer token, else session), or none: never an error of its own."""

    def authenticate(self, request):
        user = tokens.request_user(request._request)
        return (user, None) if user is not None else None


def _refusal(request) -> Response | None:
    user = request.user
    if user is None or not user.is_authenticated:
        return Response({"error": "Send a personal API token (Authorization: Bearer <token>; imagehub manage "
                                  "api_token USER NAME makes one), or sign in."}, status=401)
    if not user.has_perm(VIEW_BUILDS):
        return Response({"error": "Your account may not read ImageHub's images; ask an administrator for the "
                                  "viewer role."}, status=403)
    return None


def _refused(error: ImageRefused) -> Response:
    return Response({"error": str(error)}, status=409 if isinstance(error, ImageRevoked) else 404)


@extend_schema(operation_id="getChannelImage", summary="Which image a channel points at in a region",
               description="The image channel `name` of a template (its slug or name) points at in `region`: "
                           "e.g. which AMI is production for golden-base in us-east-1, in one GET. The region "
                           "may be left out when the build made one image.",
               parameters=[OpenApiParameter("region", str, description="e.g. us-east-1")], auth=SECURITY,
               responses={200: RegistryImageSerializer, **_errors(401, 403, 404, 409)})
@api_view(["GET"])
@authentication_classes([RegistryCredentials])
@permission_classes([])
def channel_image(request, template: str, name: str) -> Response:
    """Return the image channel `name` of `template` (slug or name) points at in ?region=."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    try:
        image, channel = channels.channel_image(template, name, request.query_params.get("region", "").strip())
    except ImageRefused as error:
        return _refused(error)
    return Response(channel_image_data(image, channel))


@extend_schema(operation_id="checkSourceImage", summary="Whether a build may start from an image",
               description="200 when a build may start from image `id` in `region`, 409 with the reason when it "
                           "is revoked.",
               parameters=[OpenApiParameter("id", {"type": "string", "minLength": 1,
                                                  "pattern": "^[^\\x00]*[^\\s\\x00][^\\x00]*$"}, required=True,
                                            description="e.g. ami-0abc..."),
                           OpenApiParameter("region", str, description="e.g. us-east-1")], auth=SECURITY,
               responses={200: ImageCheckAnswerSerializer, **_errors(400, 401, 403, 409)})
@api_view(["GET"])
@authentication_classes([RegistryCredentials])
@permission_classes([])
def image_check(request) -> Response:
    """Return 200 when a build may start from ?id= in ?region=, 409 with the reason when it is revoked."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    image_id, region = request.query_params.get("id", "").strip(), request.query_params.get("region", "").strip()
    if not image_id:
        return Response({"error": "Say which image: ?id=<image id>&region=<region>."}, status=400)
    try:
        channels.check_source_image(image_id, region)
    except ImageRefused as error:
        return _refused(error)
    return Response({"id": image_id, "region": region, "revoked": False})
