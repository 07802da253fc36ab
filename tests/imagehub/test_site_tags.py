"""Tests of the site header: the links each role sees, the current page marked, and signing out."""

import re

import pytest
from django.contrib.auth import get_user_model

from imagehub.roles import Role

pytestmark = pytest.mark.django_db


def header(client, path: str = "/") -> str:
    page = client.get(path).text
    return page[page.index('<header class="site-header">'):page.index("</header>") + len("</header>")]


def links(text: str) -> list[str]:
    return re.findall(r"<a [^>]*>([^<]+)</a>", text)


@pytest.mark.parametrize(("role", "expected"), [
    (Role.VIEWER, ["ImageHub", "Home", "Templates", "Builds", "Change password", "API tokens"]),
    (Role.BUILDER, ["ImageHub", "Home", "Templates", "Builds", "Change password", "API tokens"]),
    (Role.ADMIN, ["ImageHub", "Home", "Templates", "Builds", "Webhooks", "Administration", "Change password",
                  "API tokens"]),
])
def test_each_role_sees_the_links_it_may_follow(client, make_user, role, expected):
    client.force_login(make_user("someone", role))
    assert links(header(client)) == expected


def test_a_user_without_a_role_sees_home_and_their_account_and_a_superuser_everything(client, make_user):
    client.force_login(make_user("nobody"))
    assert links(header(client)) == ["ImageHub", "Home", "Change password", "API tokens"]
    client.force_login(get_user_model().objects.create_superuser("root", password="root password 1"))
    assert links(header(client)) == ["ImageHub", "Home", "Templates", "Builds", "Webhooks", "Administration",
                                     "Change password", "API tokens"]


@pytest.mark.parametrize(("path", "current"), [
    ("/", "Home"), ("/templates/", "Templates"), ("/builds/", "Builds"), ("/webhooks/", "Webhooks"),
    ("/account/password/", "Change password"), ("/account/tokens/", "API tokens"),
])
def test_the_current_section_is_marked(client, admin_user, path, current):
    client.force_login(admin_user)
    marked = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', header(client, path))
    assert marked == [current]


def test_the_name_is_escaped_and_signing_out_posts_the_requests_csrf_token(client, make_user):
    client.force_login(make_user("<b>&", Role.VIEWER))
    text = header(client)
    assert '<span class="account-name">&lt;b&gt;&amp;</span>' in text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    assert client.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/").status_code == 302  # signed out: home asks to sign in


def test_a_signed_out_visitor_sees_only_the_brand(client):
    page = client.get("/login/").text
    text = page[page.index('<header class="site-header">'):page.index("</header>")]
    assert links(text + "</header>") == ["ImageHub"]
