"""The JSON API's image registry endpoints, under /api/v1/: what `imagehub build` asks from a terminal.

- `GET /api/v1/templates/<template>/channels/<channel>/image?region=<region>`:
  the channel's image (see `builds.registry_answers.channel_image_data`):
  "which AMI is `production` of golden-base in us-east-1?" in one GET.
  404 when the template, channel or an image in the region is missing, 409
  when the image is revoked; the JSON's "error" says which and what to do.
- `GET /api/v1/images/check?id=<image id>&region=<region>`: 200 when a build
  may start from the image, 409 with the reason when it is revoked.

Callers authenticate with a personal API token (`Authorization: Bearer
<token>`, see builds.tokens) or a signed-in session, and need the
permission to see builds (every role has it).
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from builds import channels, tokens
from builds.channels import ImageRefused, ImageRevoked
from builds.registry_answers import channel_image_data
from imagehub.roles import VIEW_BUILDS


def _refusal(request: HttpRequest) -> JsonResponse | None:
    user = tokens.request_user(request)
    if user is None:
        return JsonResponse({"error": "Send a personal API token (Authorization: Bearer <token>; imagehub manage "
                                      "api_token USER NAME makes one), or sign in."}, status=401)
    if not user.has_perm(VIEW_BUILDS):
        return JsonResponse({"error": "Your account may not read ImageHub's images; ask an administrator for the "
                                      "viewer role."}, status=403)
    return None


def _refused(error: ImageRefused) -> JsonResponse:
    return JsonResponse({"error": str(error)}, status=409 if isinstance(error, ImageRevoked) else 404)


@require_GET
def channel_image(request: HttpRequest, template: str, name: str) -> JsonResponse:
    """Return the image channel `name` of `template` (slug or name) points at in ?region=."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    try:
        image, channel = channels.channel_image(template, name, request.GET.get("region", "").strip())
    except ImageRefused as error:
        return _refused(error)
    return JsonResponse(channel_image_data(image, channel))


@require_GET
def image_check(request: HttpRequest) -> JsonResponse:
    """Return 200 when a build may start from ?id= in ?region=, 409 with the reason when it is revoked."""
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    image_id, region = request.GET.get("id", "").strip(), request.GET.get("region", "").strip()
    if not image_id:
        return JsonResponse({"error": "Say which image: ?id=<image id>&region=<region>."}, status=400)
    try:
        channels.check_source_image(image_id, region)
    except ImageRefused as error:
        return _refused(error)
    return JsonResponse({"id": image_id, "region": region, "revoked": False})
