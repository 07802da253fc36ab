"""Requests whose query parameters hold the NUL character are refused with a 400 that says so.

No value ImageHub reads from a URL (a page number, a filter, an image id, a
search) can hold one, and no database text column can store or compare it:
PostgreSQL refuses it outright, so a filter carrying one would end in a
server error. Forms and the API's request bodies are checked field by field
by Django's and REST framework's own validators; the query string is checked
here, once, for every request. A NUL can only reach the query string
percent-encoded, as %00.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

MESSAGE = "A query parameter holds the NUL character (%00), which no ImageHub value may contain."


class NulParameterMiddleware:
    """Answer 400 to a request whose query string holds %00 (JSON under /api/, as the API's errors are)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
