"""Tests of the dashboard's pages and the base layout they share."""

import re
from importlib.metadata import version

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("ada", password="correct horse battery")


def test_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_home_says_what_imagehub_is_and_which_version_runs(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Packer-compatible image build engine" in page
    assert version("imagehub") in page
    assert "ada" in page


def test_home_refuses_post(client, user):
    client.force_login(user)
    assert client.post("/").status_code == 405


def test_administration_link_is_shown_to_staff_only(client, user):
    client.force_login(user)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    user.is_staff = True
    user.save()
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_body_carries_the_csrf_token_for_htmx_requests(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/").content.decode()
    match = re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"(\w+)\"\}'>", page)
    assert match, "hx-headers with the CSRF token is missing from <body>"
    # htmx sends it as a header; a POST carrying only that header is accepted.
    response = client.post("/logout/", headers={"X-CSRFToken": match.group(1)})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_pages_load_the_vendored_htmx(client):
    page = client.get("/login/").content.decode()
    assert '<script src="/static/vendor/htmx/htmx-2.0.11.min.js" defer></script>' in page


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/imagehub.css",
        "/static/vendor/htmx/htmx-2.0.11.min.js",
        "/static/vendor/htmx/htmx-ext-ws-2.0.4.min.js",
        "/static/admin/css/base.css",
    ],
)
def test_static_files_are_served_without_debug_or_collectstatic(client, settings, path):
    assert settings.DEBUG is False
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
