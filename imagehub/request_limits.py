"""The answer to a request too large for Django to read: the catalog's limit named, never a bare 400.

Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE, with more than
DATA_UPLOAD_MAX_NUMBER_FIELDS fields or DATA_UPLOAD_MAX_NUMBER_FILES files,
as a bad request, often before any view runs (the CSRF check reads the form).
`bad_request`, the project's handler400, answers those requests as the page
or endpoint they were sent to answers a file set that is too large; any
other bad request gets Django's own answer. UploadLimitMiddleware refuses an
import over the upload limit from its Content-Length, before the CSRF check
parses the whole upload into files.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import defaults

from imagehub.catalog import format_size, limit
from imagehub.editing_views import upload_too_large, validation_refused, wants_json
from imagehub.forms import TemplateImportForm

UNREAD_FORMS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
# Content Too Large: the status of a request refused for its size.
TOO_LARGE = 413


class UploadLimitMiddleware:
    """Answer an import POST larger than the upload limit allows before anything parses its body.

    It must come before django.middleware.csrf.CsrfViewMiddleware, whose check parses the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if request.method != "POST" or request.resolver_match.view_name != "catalog:template_import":
            return None
        return upload_too_large(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Return the answer to a bad request: for a form too large to read, the catalog's limit and what to do."""
    if not isinstance(exception, UNREAD_FORMS):
        return defaults.bad_request(request, exception)
    problem = unread_form_problem(request, exception)
    view = request.resolver_match.view_name if request.resolver_match else ""
    if view == "catalog:validate":
        return validation_refused(request, [problem])
    if view == "catalog:fmt":
        # The editor shows a 422 answer's error next to the file it tried to format.
        return JsonResponse({"error": problem, "diagnostics": []}, status=422)
    if wants_json(request):
        return JsonResponse({"error": "invalid", "message": problem}, status=TOO_LARGE)
    if view == "catalog:template_import":
        context = {"form": TemplateImportForm(), "problem": problem}
        return render(request, "imagehub/catalog/template_import.html", context, status=TOO_LARGE)
    context = {"problem": problem, "back": _back(request, view)}
    return render(request, "imagehub/request_too_large.html", context, status=TOO_LARGE)


def unread_form_problem(request: HttpRequest, exception: Exception) -> str:
    """Return, for the user to read, why the form was not read and what the catalog allows."""
    files = limit("CATALOG_MAX_FILES")
    if isinstance(exception, TooManyFilesSent):
        return (f"The upload has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files, more than are read at "
                f"once, so nothing was imported; a template may have at most {files} files. Upload a .zip or "
                ".tar.gz of the template's directory instead.")
    if isinstance(exception, TooManyFieldsSent):
        return (f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields, more than are read, so "
                f"nothing was saved; a template may have at most {files} files.")
    sent = int(request.META.get("CONTENT_LENGTH") or 0)
    size = f" of {format_size(sent)}" if sent else ""
    return (f"The form{size} is larger than the {format_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} that are "
            f"read, so nothing was saved; a template may be at most "
            f"{format_size(limit('CATALOG_MAX_TOTAL_BYTES'))}, and a file at most "
            f"{format_size(limit('CATALOG_MAX_FILE_BYTES'))}.")


def _back(request: HttpRequest, view: str) -> str:
    """The page to go back to: the form that was sent, when it has a page of its own."""
    match = request.resolver_match
    if view in ("catalog:template_edit", "catalog:template_create", "catalog:template_details"):
        return reverse(view, kwargs=match.kwargs)
    return reverse("home")
