"""The build list's filters: template, status, who started it, when, and with which builder."""

from datetime import datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property

from builds.engine import registry
from builds.models import Build
from imagehub import change_token
from imagehub.models import PackerTemplate

# The token changes with every template and build, not with a user's new name: that shows within this time.
CHOICES_SECONDS = 60


class BuildFilterForm(forms.Form):
    """GET parameters of the build list; `apply(builds)` narrows a queryset to what they ask for.

    Unknown values are errors of their field and filter nothing, so a stale
    link shows every build with the mistake marked rather than an error page.
    """

    template = forms.ChoiceField(required=False, label="Template")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Build.Status.choices], label="Status")
    user = forms.ChoiceField(required=False, label="Started by")
    builder = forms.ChoiceField(required=False, label="Builder")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, fixed_template: PackerTemplate | None = None, token: str | None = None):
        """`token` (imagehub.change_token) lets the choices come from the process's cache while it holds."""
        super().__init__(data)
        self.fixed_template = fixed_template
        templates, users = _choices(token)
        if fixed_template is not None:
            del self.fields["template"]
        else:
            self.fields["template"].choices = [("", "Any template"), *templates]
        self.fields["user"].choices = [("", "Anyone"), *((name, name) for name in users)]
        self.fields["builder"].choices = [("", "Any builder"),
                                          *((name, name) for name in registry.type_names("builder"))]

    def apply(self, builds: QuerySet) -> QuerySet:
        """Return `builds` narrowed by every valid filter."""
        self.is_valid()
        values = {name: value for name, value in getattr(self, "cleaned_data", {}).items()
                  if value not in (None, "")}
        return narrow(builds, values, self.fixed_template)

    def cache_key(self) -> str:
        """What the filters ask for, as text: the same for every page of the same filtered list."""
        return filters_key(query_string(self.data) if self.is_bound else "", self.fixed_template)


class RequestFilters:
    """A request's build filters: what the list's results need of them, and their form only when asked for.

    A page of the list whose results and filters' form are both kept from
    earlier requests needs no form, and neither do the results of a list that
    no filter narrows (the page alone, by far the most common): making one
    (its fields copied, its choices set) costs more than the rest of such a
    page's own work. Filters given are applied by the form, which checks
    them.
    """

    def __init__(self, data: QueryDict, *, fixed_template: PackerTemplate | None = None, token: str | None = None):
        self.data, self.fixed_template, self.token = data, fixed_template, token
        self._query = query_string(data)

    @cached_property
    def form(self) -> BuildFilterForm:
        return BuildFilterForm(self.data or None, fixed_template=self.fixed_template, token=self.token)

    @property
    def is_bound(self) -> bool:
        """Whether the request gave any parameter (a page, a filter), as the form's is_bound."""
        return bool(self.data)

    def apply(self, builds: QuerySet) -> QuerySet:
        """The form's apply(builds): `builds` narrowed by every valid filter (and the fixed template)."""
        return self.form.apply(builds) if self._query else narrow(builds, {}, self.fixed_template)

    def cache_key(self) -> str:
        """The form's cache_key(), without making the form."""
        return filters_key(self._query, self.fixed_template)


def narrow(builds: QuerySet, values: dict, fixed_template: PackerTemplate | None) -> QuerySet:
    """`builds` narrowed by the filters' checked `values` (those given), and to `fixed_template`'s if given."""
    if fixed_template is not None:
        builds = builds.filter(template=fixed_template)
    elif "template" in values:
        builds = builds.filter(template__slug=values["template"])
    if "status" in values:
        builds = builds.filter(status=values["status"])
    if "user" in values:
        builds = builds.filter(requested_by__username=values["user"])
    if "builder" in values:
        builds = builds.with_builder_type(values["builder"])
    zone = timezone.get_current_timezone()
    if "since" in values:
        builds = builds.filter(queued_at__gte=datetime.combine(values["since"], time.min, zone))
    if "until" in values:
        builds = builds.filter(queued_at__lte=datetime.combine(values["until"], time.max, zone))
    return builds


def query_string(data: QueryDict) -> str:
    """The filters in `data` (a request's GET) as a query string, without `page`."""
    kept = data.copy()
    kept.pop("page", None)
    return kept.urlencode()


def filters_key(query: str, fixed_template: PackerTemplate | None) -> str:
    """What filters given as `query` (from query_string) ask for, as text: the same for every page of the same
    filtered list."""
    fixed = fixed_template.pk if fixed_template is not None else ""
    return f"{fixed}?{query}"


def _choices(token: str | None) -> tuple[list[tuple[str, str]], list[str]]:
    """The templates (slug, name) and the names of the users who started a build, cached under `token`."""
    key = change_token.cache_key("builds:filter-choices", token)
    found = cache.get(key) if token is not None else None
    if found is None:
        templates = list(PackerTemplate.objects.order_by("name").values_list("slug", "name"))
        # Whether a user started any build is one index probe each; a join with every build and DISTINCT
        # would read all of them.
        users = get_user_model().objects.filter(Exists(Build.objects.filter(requested_by=OuterRef("pk"))))
        found = (templates, list(users.order_by("username").values_list("username", flat=True)))
        if token is not None:
            cache.set(key, found, CHOICES_SECONDS)
    return found
