"""The site header every page opens with: the main navigation and the signed-in account, written in Python.

Every page shows it, so it is written here rather than by the template
engine: the engine's version (seven URL reversals, three permission checks
each looking up the authentication backends again, a dozen conditions) took
a third of a small page's time. The permissions come from the user's set,
read once per request; the URLs are reversed once per script prefix. The
sign-out form takes the page's CSRF token (masked once per page).
"""

from functools import cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# (URL name, label, permission needed or None, what makes the link current: ("name", url_name) or
# ("namespace", namespace)) of the main navigation, in order.
NAVIGATION = (
    ("home", "Home", None, ("name", "home")),
    ("catalog:template_list", "Templates", "imagehub.view_packertemplate", ("namespace", "catalog")),
    ("builds:build_list", "Builds", "builds.view_build", ("namespace", "builds")),
    ("webhooks:webhook_list", "Webhooks", "auth.change_user", ("namespace", "webhooks")),
)
ACCOUNT = (("password_change", "Change password"), ("api_tokens", "API tokens"))


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    """Return the page's <header>: the brand, and for a signed-in user the links they may follow and their
    account (name, password, API tokens, sign out)."""
    request = context["request"]
    user = context.get("user") or request.user
    urls = _urls(get_script_prefix())
    parts = [format_html('<a class="brand" href="{}">ImageHub</a>', urls["home"])]
    if user.is_authenticated:
        match = getattr(request, "resolver_match", None)
        here = {"name": match.url_name, "namespace": match.namespace} if match else {}
        granted = user.get_all_permissions()
        links = [(urls[name], _current(here.get(kind) == value), label)
                 for name, label, permission, (kind, value) in NAVIGATION
                 if permission is None or permission in granted]
        if user.is_staff:
            links.append((urls["admin:index"], "", "Administration"))
        parts.append(format_html('<nav class="site-nav" aria-label="Main">{}</nav>',
                                 format_html_join("", '<a href="{}"{}>{}</a>', links)))
        account = format_html_join("", '<a href="{}"{}>{}</a>',
                                   ((urls[name], _current(here.get("name") == name), label) for name, label in ACCOUNT))
        parts.append(format_html(
            '<div class="account"><span class="account-name">{}</span>{}<form method="post" action="{}">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="link-button">Sign out</button></form></div>',
            user.get_username(), account, urls["logout"], context.get("csrf_token", "")))
    return format_html('<header class="site-header">{}</header>', mark_safe("".join(parts)))  # each part escaped


def _current(current: bool) -> SafeString:
    return mark_safe(' aria-current="page"') if current else mark_safe("")


@cache
def _urls(prefix: str) -> dict[str, str]:
    """The header's URLs under the script prefix `prefix` (the current one, which reverse() uses)."""
    names = [name for name, *_ in NAVIGATION] + [name for name, _ in ACCOUNT] + ["admin:index", "logout"]
    return {name: reverse(name) for name in names}
