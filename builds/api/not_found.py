"""The API's answer for a URL under /api/ that names nothing: a JSON 404, never the dashboard's HTML page (nor
its CSRF refusal: a token's POST to a wrong URL is told the URL is wrong)."""

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def unknown_url(request: HttpRequest, rest: str = "") -> JsonResponse:
    """404 saying which URL is unknown, and the URL with a final slash when that one exists."""
    detail = f"ImageHub's API has no URL {request.path}."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not unknown_url:
            detail += f" Did you mean {request.path}/?"
    return JsonResponse({"detail": detail + " The schema at /api/v1/schema/ lists every URL."}, status=404)
