"""The catalog's reading pages: the template list, a template, its history, a version, a diff, an export, a launch form.

Every view answers a full page, or for an htmx request that is not boosted
the page's fragment (a `{% partialdef %}` of the same template). The launch
form also starts builds, through builds.launch.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from builds import launch as launch_options
from imagehub import archives, change_token, list_rows, variable_forms
from imagehub.diffs import diff_file_sets
from imagehub.models import PackerTemplate, TemplateVersion
from imagehub.roles import (
    FORBIDDEN_TEMPLATE,
    START_BUILDS,
    VIEW_TEMPLATES,
    Role,
    permission_required,
)

TEMPLATES_PER_PAGE = 25
# How long the list's results are kept at most; any change to the catalog replaces them sooner.
RESULTS_CACHE_SECONDS = 300
VERSIONS_PER_PAGE = 50

# Each sort is served by an index, so a page costs the same with many templates.
SORTS = {
    "name": ((Lower("name").asc(),), "Name, A to Z"),
    "-name": ((Lower("name").desc(),), "Name, Z to A"),
    "-updated": (("-updated", "-pk"), "Recently saved"),
    "updated": (("updated", "pk"), "Least recently saved"),
}
DEFAULT_SORT = "name"

read_permission = permission_required(VIEW_TEMPLATES, "read the template catalog")


def page_or_fragment(request: HttpRequest, template_name: str, fragment: str, context: dict,
                     status: int = 200) -> HttpResponse:
    """Render the page `template_name`, or only its partial `fragment` for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        template_name = f"{template_name}#{fragment}"
    return render(request, template_name, context, status=status)


def get_template(slug: str) -> PackerTemplate:
    """Return the template at `slug` with its owner and latest version; raise Http404 when there is none."""
    return get_object_or_404(PackerTemplate.objects.select_related("owner", "latest_version__author"), slug=slug)


def get_version(template: PackerTemplate, number: int) -> TemplateVersion:
    """Return version `number` of `template`; raise Http404 when there is none."""
    version = get_object_or_404(TemplateVersion.objects.select_related("author"), template=template, number=number)
    version.template = template
    return version


@require_GET
@read_permission
def template_list(request: HttpRequest) -> HttpResponse:
    """Return the list of templates: searched by name or label, filtered by a label, sorted, paginated.

    The results (the page's fragment) show nothing that depends on who asks,
    so they are cached by query and by imagehub.change_token: any change
    to what they show makes new results.
    """
    key = change_token.cache_key("imagehub:template-list", change_token.current(), sorted(request.GET.lists()))
    results = cache.get_or_set(
        key, lambda: render_to_string("imagehub/catalog/template_list.html#results", _results(request), request),
        RESULTS_CACHE_SECONDS)
    results = mark_safe(results)  # rendered by the template engine, which escaped it
    if request.htmx and not request.htmx.boosted:
        return HttpResponse(results)
    context = {
        "results": results,
        "query": _query(request),
        "label": _label(request),
        "sort": _sort(request),
        "sorts": [(key, title) for key, (_, title) in SORTS.items()],
    }
    return render(request, "imagehub/catalog/template_list.html", context)


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:100]


def _label(request: HttpRequest) -> str:
    return request.GET.get("label", "").strip()[:50]


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", DEFAULT_SORT)
    return sort if sort in SORTS else DEFAULT_SORT


def _results(request: HttpRequest) -> dict:
    """The context of the list's results: one page of templates, as rendered rows (see list_rows)."""
    query, label, sort = _query(request), _label(request), _sort(request)
    templates = PackerTemplate.objects.only("changed").order_by(*SORTS[sort][0])
    if query:
        labelled = PackerTemplate.labels.through.objects.filter(label__name__icontains=query)
        templates = templates.filter(Q(name__icontains=query) | Q(pk__in=labelled.values("packertemplate_id")))
    if label:
        templates = templates.filter(labels__name=label)
    page = Paginator(templates, TEMPLATES_PER_PAGE).get_page(request.GET.get("page"))
    return {"page": page, "rows": list_rows.rows(list_rows.keys(list(page))), "query": query,
            "label": label}


@require_GET
@read_permission
def template_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Return a template's page: its details, and its latest version's summary, diagnostics and files."""
    template = get_template(slug)
    version = template.latest_version
    context = {
        "template": template,
        "version": version,
        "files": list(version.files.all()) if version else [],
        "labels": template.labels.all(),
    }
    return render(request, "imagehub/catalog/template_detail.html", context)


@require_GET
@read_permission
def version_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Return a template's history: its versions, newest first, to compare, open or restore."""
    template = get_template(slug)
    versions = template.versions.select_related("author").defer("diagnostics", "summary").order_by("-number")
    page = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"template": template, "page": page}
    return page_or_fragment(request, "imagehub/catalog/version_list.html", "versions", context)


@require_GET
@read_permission
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Return one version: its message, author, validity, diagnostics, summary and files."""
    template = get_template(slug)
    version = get_version(template, number)
    context = {"template": template, "version": version, "files": list(version.files.all())}
    return render(request, "imagehub/catalog/version_detail.html", context)


@require_GET
@read_permission
def version_diff(request: HttpRequest, slug: str) -> HttpResponse:
    """Return the difference between two versions, `from` and `to` (default: the latest and the one before)."""
    template = get_template(slug)
    numbers = list(template.versions.order_by("-number").values_list("number", flat=True))
    latest = numbers[0] if numbers else 0
    errors = []
    to_number = _number(request.GET.get("to"), latest)
    from_number = _number(request.GET.get("from"), max(to_number - 1, 1))
    for which, number in (("from", from_number), ("to", to_number)):
        if number not in numbers:
            errors.append(f"There is no version {number} of {template.name} to compare ({which}).")
    diffs = []
    if not errors:
        old = get_version(template, from_number).file_texts()
        new = get_version(template, to_number).file_texts()
        diffs = diff_file_sets(old, new)
    context = {
        "template": template,
        "numbers": numbers,
        "from_number": from_number,
        "to_number": to_number,
        "diffs": diffs,
        "errors": errors,
    }
    return page_or_fragment(request, "imagehub/catalog/version_diff.html", "diff", context,
                            status=404 if errors else 200)


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return -1


@require_GET
@read_permission
def version_export(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Return a version's files as a .zip download."""
    version = get_version(get_template(slug), number)
    response = HttpResponse(archives.export_zip(version), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archives.export_name(version)}"'
    return response


@require_http_methods(["GET", "POST"])
@read_permission
def variable_form(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Return a version's launch form; on POST, check the values and show the resolved variables.

    `preset` (query or form field) names a variables file of the version whose values fill the form.
    With `action=build` (builder role) the checked values, the chosen sources
    and the on-error policy start a build, and the browser goes to its page.
    """
    template = get_template(slug)
    version = get_version(template, number)
    files = version.file_texts()
    posted = request.method == "POST"
    building = posted and request.POST.get("action") == "build"
    may_build = request.user.has_perm(START_BUILDS)
    if building and not may_build:
        return render(request, FORBIDDEN_TEMPLATE, {"action": "start builds", "role": Role.BUILDER}, status=403)
    preset = request.POST.get("preset") if posted else request.GET.get("preset")
    launch = variable_forms.load(files, preset or "")
    form = options = None
    if launch.loaded:
        form = variable_forms.VariableForm(launch, request.POST if posted else None)
        if may_build:
            options = launch_options.BuildOptionsForm(launch_options.source_names(launch.config),
                                                      request.POST if building else None)
    checked = posted and form is not None and form.is_valid()
    if building and checked and options.is_valid():
        try:
            build = launch_options.start(version, request.user, form, options)
        except ValidationError as error:
            form.add_error(None, error)
            checked = False
        else:
            url = reverse("builds:build_detail", args=[build.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "template": template,
        "version": version,
        "launch": launch,
        "presets": variable_forms.presets(files),
        "form": form,
        "options": options,
        "checked": checked and not building,
    }
    return page_or_fragment(request, "imagehub/catalog/variable_form.html", "launch", context)
