"""The site header every page opens with: the main navigation and the signed-in account, written in Python.

Every page shows it, so it is written here rather than by the template
engine: the engine's version (seven URL reversals, three permission checks
each looking up the authentication backends again, a dozen conditions) took
a third of a small page's time. The permissions come from the user's set,
read once per request; the URLs are reversed (and escaped) once per script
prefix. The sign-out form takes the page's CSRF token (masked once per
page). It is written with f-strings: format_html's checks for lazy values
on every argument cost more than the rest.
"""

import html
from functools import cache

from django import template
from django.urls import get_script_prefix, reverse
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
    parts = [f'<header class="site-header"><a class="brand" href="{urls["home"]}">ImageHub</a>']
    if user.is_authenticated:
        match = getattr(request, "resolver_match", None)
        here = {"name": match.url_name, "namespace": match.namespace} if match else {}
        granted = user.get_all_permissions()
        parts.append('<nav class="site-nav" aria-label="Main">')
        parts.extend(f'<a href="{urls[name]}"{_current(here.get(kind) == value)}>{label}</a>'
                     for name, label, permission, (kind, value) in NAVIGATION
                     if permission is None or permission in granted)
        if user.is_staff:
            parts.append(f'<a href="{urls["admin:index"]}">Administration</a>')
        parts.append(f'</nav><div class="account"><span class="account-name">{html.escape(user.get_username())}'
                     "</span>")
        parts.extend(f'<a href="{urls[name]}"{_current(here.get("name") == name)}>{label}</a>'
                     for name, label in ACCOUNT)
        token = html.escape(str(context.get("csrf_token", "")))
        parts.append(f'<form method="post" action="{urls["logout"]}"><input type="hidden" '
                     f'name="csrfmiddlewaretoken" value="{token}"><button type="submit" class="link-button">'
                     "Sign out</button></form></div>")
    parts.append("</header>")
    return mark_safe("".join(parts))  # the user's name and the token escaped; the rest is ImageHub's own text


def _current(current: bool) -> str:
    return ' aria-current="page"' if current else ""


@cache
def _urls(prefix: str) -> dict[str, str]:
    """The header's URLs under the script prefix `prefix` (the current one, which reverse() uses)."""
    names = [name for name, *_ in NAVIGATION] + [name for name, _ in ACCOUNT] + ["admin:index", "logout"]
    return {name: html.escape(reverse(name)) for name in names}
