"""Tests of signing in and out, changing one's password, and who may use the admin site."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def user():
    return get_user_model().objects.create_user("ada", password=PASSWORD)


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("grace", password=PASSWORD, is_staff=True)


def test_login_page_has_a_form_with_a_csrf_token(client):
    response = client.get("/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="username"' in page and 'name="password"' in page


def test_signing_in_with_the_right_password_leads_home(client, user):
    response = client.post("/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_signing_in_returns_to_the_page_asked_for(client, user):
    response = client.post("/login/", {"username": "ada", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"


def test_signing_in_with_a_wrong_password_shows_an_error(client, user):
    response = client.post("/login/", {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get("/").status_code == 302


def test_signed_in_users_skip_the_login_page(client, user):
    client.force_login(user)
    response = client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_signing_out_takes_a_post_and_ends_the_session(client, user):
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_password_change_needs_a_signed_in_user(client):
    response = client.get("/account/password/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/account/password/"


def test_password_change_keeps_the_user_signed_in(client, user):
    client.force_login(user)
    new_password = "a much longer passphrase 42"
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert response.redirect_chain == [("/", 302)]
    assert "Your password has been changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_change_rejects_a_wrong_old_password(client, user):
    client.force_login(user)
    response = client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_admin_site_is_open_to_staff(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_admin_site_turns_away_users_who_are_not_staff(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_site_turns_away_anonymous_visitors(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
