"""Tests of the one-time first password: it signs in only to choose another, then it is gone."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from imagehub import initial_password, serve
from imagehub.models import InitialPassword
from tests.imagehub.conftest import PASSWORD

NEW_PASSWORD = "a passphrase of my own 42"
CHANGE_PAGE = "/account/password/"
PAGES = ["/", "/templates/", "/templates/new/", "/builds/", "/account/tokens/", "/admin/", "/admin/password_change/"]


@pytest.fixture
def first_admin(db):
    """The administrator the first start creates, and the password it printed."""
    password = serve.create_first_admin()
    return get_user_model().objects.get(username=serve.ADMIN_USERNAME), password


@pytest.fixture
def admin_client(first_admin):
    """A client signed in through the login form with the printed password."""
    client = Client()
    response = client.post("/login/", {"username": "admin", "password": first_admin[1]})
    assert response.status_code == 302
    return client


def change(client: Client, old: str, new: str = NEW_PASSWORD):
    return client.post(CHANGE_PAGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_the_first_start_marks_the_administrators_password_as_the_printed_one(first_admin):
    admin, password = first_admin
    assert admin.check_password(password)
    assert initial_password.is_marked(admin)
    assert InitialPassword.objects.count() == 1


def test_a_user_created_otherwise_is_not_marked(make_user):
    assert not initial_password.is_marked(make_user("ada"))


def test_signing_in_with_the_printed_password_leads_to_the_change_page(admin_client):
    response = admin_client.get("/", follow=True)
    assert response.redirect_chain == [(CHANGE_PAGE, 302)]
    page = response.content.decode()
    assert initial_password.MESSAGE in page
    assert 'name="new_password1"' in page


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_printed_password_to_the_change_page(admin_client, path):
    response = admin_client.get(path)
    assert (response.status_code, response["Location"]) == (302, CHANGE_PAGE)


def test_a_form_post_is_sent_to_the_change_page_and_does_nothing(admin_client):
    response = admin_client.post("/account/tokens/new/", {"name": "ci", "scope": "viewer"})
    assert (response.status_code, response["Location"]) == (302, CHANGE_PAGE)
    assert not get_user_model().objects.get(username="admin").api_tokens.exists()


@pytest.mark.parametrize("path", ["/", "/templates/", "/builds/"])
def test_an_htmx_request_is_redirected_by_hx_redirect(admin_client, path):
    response = admin_client.get(path, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == CHANGE_PAGE
    assert response.content == b""


@pytest.mark.parametrize("path", ["/api/v1/templates/", "/api/v1/builds/"])
def test_the_api_answers_403_saying_to_change_the_password(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert detail.startswith(initial_password.MESSAGE)
    assert CHANGE_PAGE in detail


def test_the_change_page_and_signing_out_stay_open(admin_client):
    assert admin_client.get(CHANGE_PAGE).status_code == 200
    response = admin_client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert admin_client.get("/login/").status_code == 200
    assert admin_client.get("/")["Location"] == "/login/?next=/"


def test_changing_the_password_lifts_the_redirect_and_the_printed_one_fails(first_admin, admin_client):
    admin, printed = first_admin
    response = change(admin_client, printed)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert not initial_password.is_marked(admin)
    for path in PAGES:
        assert admin_client.get(path).status_code == 200, path
    assert admin_client.get("/api/v1/templates/").status_code == 200
    assert initial_password.MESSAGE not in admin_client.get(CHANGE_PAGE).content.decode()

    assert not Client().login(username="admin", password=printed)
    again = Client()
    assert again.login(username="admin", password=NEW_PASSWORD)
    assert again.get("/").status_code == 200


def test_the_printed_password_cannot_be_chosen_again(first_admin, admin_client):
    admin, printed = first_admin
    response = change(admin_client, printed, new=printed)
    assert response.status_code == 200
    assert "This is the password printed when ImageHub first started" in response.content.decode()
    assert initial_password.is_marked(admin)
    assert admin_client.get("/")["Location"] == CHANGE_PAGE


def test_another_session_signed_in_with_the_printed_password_is_signed_out_by_the_change(first_admin):
    admin, printed = first_admin
    first, second = Client(), Client()
    for client in (first, second):
        assert client.login(username="admin", password=printed)
    change(first, printed)
    assert second.get("/")["Location"] == "/login/?next=/"
    assert second.login(username="admin", password=NEW_PASSWORD)
    assert second.get("/").status_code == 200


def test_a_password_set_on_the_admin_site_lifts_the_mark(first_admin, make_user):
    admin, printed = first_admin
    other = Client()
    other.force_login(make_user("grace", is_staff=True, is_superuser=True))
    response = other.post(f"/admin/auth/user/{admin.pk}/password/",
                          {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert not initial_password.is_marked(admin)
    client = Client()
    assert client.login(username="admin", password=NEW_PASSWORD)
    assert client.get("/").status_code == 200


def test_manage_changepassword_lifts_the_mark(first_admin, monkeypatch):
    admin, printed = first_admin
    monkeypatch.setattr("django.contrib.auth.management.commands.changepassword.getpass.getpass",
                        lambda prompt="": NEW_PASSWORD)
    out = io.StringIO()
    call_command("changepassword", "admin", stdout=out)
    assert "Password changed successfully for user 'admin'" in out.getvalue()
    assert not initial_password.is_marked(admin)
    assert not Client().login(username="admin", password=printed)


def test_a_normal_user_is_never_redirected(make_user):
    make_user("ada", is_staff=True, is_superuser=True)
    client = Client()
    assert client.post("/login/", {"username": "ada", "password": PASSWORD}).status_code == 302
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get("/", headers={"HX-Request": "true"}).get("HX-Redirect") is None
    assert initial_password.MESSAGE not in client.get(CHANGE_PAGE).content.decode()


def queries_of_a_page(user, middleware: list[str]) -> list[str]:
    """The SQL of one request for the home page by `user`, signed in, with the given middleware."""
    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        client.force_login(user)
        client.get("/")  # the first request reads what is read once per process
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_normal_user_costs_no_extra_query_per_request(make_user, settings):
    user = make_user("ada", is_staff=True, is_superuser=True)
    without = [name for name in settings.MIDDLEWARE if name != "imagehub.initial_password.InitialPasswordMiddleware"]
    assert len(without) == len(settings.MIDDLEWARE) - 1
    before = queries_of_a_page(user, without)
    after = queries_of_a_page(user, settings.MIDDLEWARE)
    assert len(after) == len(before)
    assert not any(InitialPassword._meta.db_table in sql for sql in after)

