"""The catalog's editing pages and endpoints: create, import, details, edit and save, restore, validate, format.

The save, validate and format endpoints are what the browser editor talks
to; their requests and answers are described on each view.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from imagehub import analysis, archives, catalog
from imagehub.catalog import CatalogError, InvalidFiles, StaleVersion
from imagehub.catalog_views import get_template, get_version
from imagehub.diffs import diff_file_sets
from imagehub.forms import (
    TemplateCreateForm,
    TemplateDetailsForm,
    TemplateImportForm,
    VersionSaveForm,
    posted_files,
)
from imagehub.roles import EDIT_TEMPLATES, permission_required

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Room for the form fields that come with an upload.
UPLOAD_OVERHEAD_BYTES = 64 * 1024

edit_permission = permission_required(EDIT_TEMPLATES, "change templates")


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect to `url`: a client redirect for htmx, so the whole page changes, else an HTTP one."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def wants_json(request: HttpRequest) -> bool:
    """Return whether the client asked for JSON before HTML (the editor's fetch calls do)."""
    return request.headers.get("Accept", "").startswith("application/json")


def refuse_content_type(request: HttpRequest) -> JsonResponse | None:
    """Return a 415 answer unless the request body is form data, which the endpoints read."""
    if request.content_type in FORM_CONTENT_TYPES:
        return None
    return JsonResponse(
        {"error": f"Send form data ({' or '.join(FORM_CONTENT_TYPES)}), not {request.content_type or 'nothing'}."},
        status=415,
    )


def _apply_error(form, error: CatalogError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
@edit_permission
def template_create(request: HttpRequest) -> HttpResponse:
    """Return the new-template form; on a valid POST, create the template (version 1) and open it."""
    form = TemplateCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = catalog.create_template(
                name=data["name"], description=data["description"], labels=data["labels"],
                owner=request.user, files={data["file_name"].strip(): data["content"]},
            )
        except InvalidFiles as error:
            form.add_error("content", error.message)
        except CatalogError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"Created {template.name} with version 1.")
            return go_to(request, reverse("catalog:template_detail", args=[template.slug]))
    context = {"form": form, **_editor_limits()}
    return render(request, "imagehub/catalog/template_create.html", context)


@require_http_methods(["GET", "POST"])
@edit_permission
def template_import(request: HttpRequest) -> HttpResponse:
    """Return the import form; on POST, make a template of the uploaded files or archives.

    Uploads over the size limit are refused from their Content-Length, before they are parsed.
    """
    if request.method == "POST":
        refused = upload_too_large(request)
        if refused:
            return refused
        if request.content_type != "multipart/form-data":
            problem = "Upload files with the form (multipart/form-data); nothing was received."
            return _import_refused(request, problem, status=415)
    form = TemplateImportForm(request.POST if request.method == "POST" else None)
    skipped: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = archives.read_uploads(request.FILES.getlist("files"))
            skipped = upload.skipped
            template = catalog.create_template(
                name=data["name"] or upload.suggested_name, description=data["description"],
                labels=data["labels"], owner=request.user, files=upload.files, message="Imported",
            )
        except CatalogError as error:
            _apply_error(form, error)
        else:
            text = f"Imported {template.name}: {len(upload.files)} files as version 1."
            if skipped:
                text += " Skipped (not template files): " + ", ".join(skipped) + "."
            messages.success(request, text)
            return go_to(request, reverse("catalog:template_detail", args=[template.slug]))
    return render(request, "imagehub/catalog/template_import.html", {"form": form, "skipped": skipped})


def upload_too_large(request: HttpRequest) -> HttpResponse | None:
    """Return the import page's 413 answer when the upload's Content-Length is over the upload limit, else None.

    imagehub.request_limits.UploadLimitMiddleware asks this before the CSRF check parses the upload.
    """
    limit = catalog.limit("CATALOG_MAX_UPLOAD_BYTES")
    if int(request.META.get("CONTENT_LENGTH") or 0) <= limit + UPLOAD_OVERHEAD_BYTES:
        return None
    return _import_refused(request, f"The upload is too large: uploads may be at most {catalog.format_size(limit)}.",
                           status=413)


def _import_refused(request: HttpRequest, problem: str, *, status: int) -> HttpResponse:
    context = {"form": TemplateImportForm(), "problem": problem}
    return render(request, "imagehub/catalog/template_import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@edit_permission
def template_details(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the form of a template's description and labels; on a valid POST, change them."""
    template = get_template(slug)
    initial = {"description": template.description, "labels": [label.name for label in template.labels.all()]}
    form = TemplateDetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        catalog.update_details(template, description=form.cleaned_data["description"],
                               labels=form.cleaned_data["labels"])
        messages.success(request, "Saved the description and labels.")
        return go_to(request, reverse("catalog:template_detail", args=[template.slug]))
    return render(request, "imagehub/catalog/template_details.html", {"template": template, "form": form})


@require_http_methods(["GET", "POST"])
@edit_permission
def template_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the edit form of a template's files; on POST, save them as the next version.

    POST fields: `base_version` (the version the edit started from),
    `message`, and the files as `file_name`/`file_content` pairs (see
    imagehub.forms). Text that does not parse is saved, as an invalid version.
    A stale `base_version` is answered 409 with the form still holding the
    posted text, the newer version named and compared with it. With
    `Accept: application/json` the answers are JSON (see _json_answer).
    """
    template = get_template(slug)
    latest = template.latest_version
    if request.method == "GET":
        context = _edit_context(template, latest.file_texts() if latest else {}, latest.number if latest else 0)
        return render(request, "imagehub/catalog/template_edit.html", context)

    save_form = VersionSaveForm(request.POST)
    if not save_form.is_valid():
        return _edit_refused(request, template, {}, latest.number if latest else 0,
                             "The form is missing its base version; reload the page.", status=400)
    base_number = save_form.cleaned_data["base_version"]
    base = template.versions.filter(number=base_number).first()
    try:
        files = posted_files(request.POST, base.file_texts() if base else {})
    except InvalidFiles as error:
        return _edit_refused(request, template, {}, base_number, error.message, status=400)
    try:
        result = catalog.save_version(template, files=files, author=request.user,
                                      message=save_form.cleaned_data["message"], base_number=base_number)
    except StaleVersion as stale:
        newer = stale.latest.file_texts()
        return _edit_refused(request, template, files, stale.latest.number, stale.message, status=409,
                             diffs=diff_file_sets(newer, files), stale=stale)
    except InvalidFiles as error:
        return _edit_refused(request, template, files, base_number, error.message, status=400)
    version = result.version
    if wants_json(request):
        return _json_answer(template, version, created=result.created)
    if result.created:
        errors = f"{version.error_count} error{pluralize(version.error_count)}"
        state = "valid" if version.is_valid else f"with {errors}, as an invalid version"
        messages.success(request, f"Saved version {version.number} ({state}).")
    else:
        messages.info(request, f"Nothing changed: version {version.number} already has these files.")
    return go_to(request, reverse("catalog:template_detail", args=[template.slug]))


def _edit_context(template, files: dict[str, str], base_number: int, **extra) -> dict:
    return {
        "template": template,
        "files": sorted(files.items()),
        "save_form": VersionSaveForm(initial={"base_version": base_number}),
        "base_number": base_number,
        **_editor_limits(),
        **extra,
    }


def _editor_limits() -> dict:
    """The limits the browser editor applies before it sends a file set."""
    return {
        "live_check_bytes": catalog.limit("CATALOG_LIVE_CHECK_BYTES"),
        "max_file_bytes": catalog.limit("CATALOG_MAX_FILE_BYTES"),
        "max_total_bytes": catalog.limit("CATALOG_MAX_TOTAL_BYTES"),
    }


def _edit_refused(request, template, files: dict[str, str], base_number: int, message: str, *, status: int,
                  diffs=None, stale: StaleVersion | None = None) -> HttpResponse:
    if wants_json(request):
        data = {"error": "stale" if stale else "invalid", "message": message}
        if stale:
            data["latest_version"] = stale.latest.number
        return JsonResponse(data, status=status)
    if not files:
        files = dict(zip(request.POST.getlist("file_name"), request.POST.getlist("file_content"), strict=False))
    context = _edit_context(template, files, base_number, problem=message, diffs=diffs, stale=stale)
    context["save_form"] = VersionSaveForm(
        initial={"base_version": base_number, "message": request.POST.get("message", "")}
    )
    return render(request, "imagehub/catalog/template_edit.html", context, status=status)


def _json_answer(template, version, *, created: bool) -> JsonResponse:
    """The save's JSON answer: the latest version after the save and what validation found in it."""
    return JsonResponse({
        "created": created,
        "version": version.number,
        "is_valid": version.is_valid,
        "error_count": version.error_count,
        "warning_count": version.warning_count,
        "diagnostics": version.diagnostics,
        "url": reverse("catalog:version_detail", args=[template.slug, version.number]),
    })


@require_POST
@edit_permission
def version_restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Save the files of version `number` as the template's next version, and open the template."""
    template = get_template(slug)
    result = catalog.restore_version(get_version(template, number), author=request.user)
    if result.created:
        messages.success(request, f"Restored version {number} as version {result.version.number}.")
    else:
        messages.info(request, f"Nothing to restore: the latest version already has the files of version {number}.")
    return go_to(request, reverse("catalog:template_detail", args=[template.slug]))


@require_POST
@edit_permission
def validate(request: HttpRequest) -> HttpResponse:
    """Validate a posted file set (`file_name`/`file_content` pairs) as one template.

    Answers JSON `{"valid", "error_count", "warning_count", "diagnostics"}`, each
    diagnostic `{"severity", "summary", "detail", "context", "range"?}` with
    `range` `{"filename", "start": {"line", "column"}, "end": {...}}`
    (1-based). An htmx request gets the diagnostics list as HTML instead,
    carrying the same JSON in `<script id="diagnostics-data">`, and the
    client event `imagehub:validated` with the counts. Refuses anything but
    form data (415).
    """
    refused = refuse_content_type(request)
    if refused:
        return refused
    try:
        files = catalog.check_files(posted_files(request.POST, {}))
    except InvalidFiles as error:
        return validation_refused(request, error.problems)
    found = analysis.check(files)
    return _validation_answer(request, _result(found.diagnostics, found.error_count, found.warning_count))


def validation_refused(request: HttpRequest, problems: list[str]) -> HttpResponse:
    """Answer the validate endpoint with `problems`, the reasons the posted file set cannot be a template.

    The answer has the shape of any other validation's, each problem an error without a position.
    """
    data = _result([{"severity": "error", "summary": problem, "detail": "", "context": ""} for problem in problems],
                   len(problems), 0)
    return _validation_answer(request, data)


def _validation_answer(request: HttpRequest, data: dict) -> HttpResponse:
    if not request.htmx:
        return JsonResponse(data)
    response = render(request, "imagehub/catalog/_diagnostics.html",
                      {"diagnostics": data["diagnostics"], "data": data, "live": True})
    return trigger_client_event(response, "imagehub:validated",
                                {"error_count": data["error_count"], "warning_count": data["warning_count"]})


def _result(diagnostics: list[dict], errors: int, warnings: int) -> dict:
    return {"valid": errors == 0, "error_count": errors, "warning_count": warnings, "diagnostics": diagnostics}


@require_POST
@edit_permission
def fmt(request: HttpRequest) -> JsonResponse:
    """Format one posted file (`name`, `content`) as `packer fmt` does.

    Answers `{"formatted": text, "changed": bool}`, or 422
    `{"error": message, "diagnostics": [...]}` when the text does not parse,
    the file is not an HCL file or is larger than a file may be
    (CATALOG_MAX_FILE_BYTES), 400 without `name`, 415 for anything but form
    data. CRLF line endings in the posted text are read as LF.
    """
    refused = refuse_content_type(request)
    if refused:
        return refused
    name = request.POST.get("name", "").strip()
    if not name:
        return JsonResponse({"error": "Name the file to format (the name field)."}, status=400)
    content = request.POST.get("content", "").replace("\r\n", "\n")
    size, most = len(content.encode("utf-8")), catalog.limit("CATALOG_MAX_FILE_BYTES")
    if size > most:
        message = (f"{name} is {catalog.format_size(size)}; a file may be at most {catalog.format_size(most)}, "
                   "so it is not formatted.")
        return JsonResponse({"error": message, "diagnostics": []}, status=422)
    result = analysis.format_file(name, content)
    if result.text is None:
        return JsonResponse({"error": result.message, "diagnostics": result.diagnostics}, status=422)
    return JsonResponse({"formatted": result.text, "changed": result.changed})

