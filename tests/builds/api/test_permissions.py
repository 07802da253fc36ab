"""Every endpoint × every role: 401 without credentials, 403 naming the role (or token scope) to ask for, and the
precise permission each method needs (viewers read, builders start, cancel and move, editors save versions)."""

import pytest

pytestmark = pytest.mark.django_db

READ = ("viewer", "builder", "editor", "admin")
BUILD = ("builder", "admin")
EDIT = ("editor", "admin")


def _endpoints(world) -> list[tuple[str, str, dict | None, tuple, int]]:
    build, image, artifact = world["first"].pk, world["image"].pk, world["artifact"].pk
    files = {"main.pkr.hcl": 'source "null" "b" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.b"]\n}\n'}
    return [
        ("GET", "templates/", None, READ, 200),
        ("GET", "templates/shell/", None, READ, 200),
        ("GET", "templates/shell/versions/", None, READ, 200),
        ("GET", "templates/shell/versions/1/", None, READ, 200),
        ("POST", "templates/shell/versions/", {"files": files, "message": "b"}, EDIT, 201),
        ("GET", "builds/", None, READ, 200),
        ("POST", "builds/", {"template": "shell", "version": 1, "variables": {"count": "3"}}, BUILD, 201),
        ("GET", f"builds/{build}/", None, READ, 200),
        ("POST", f"builds/{world['queued'].pk}/cancel/", None, BUILD, 202),
        ("GET", f"builds/{build}/log/?after=0", None, READ, 200),
        ("GET", f"builds/{build}/artifacts/", None, READ, 200),
        ("GET", f"artifacts/{artifact}/", None, READ, 200),
        ("GET", f"images/{image}/", None, READ, 200),
        ("GET", f"images/{image}/ancestors/", None, READ, 200),
        ("GET", f"images/{image}/descendants/", None, READ, 200),
        ("GET", "templates/golden-base/channels/", None, READ, 200),
        ("GET", "templates/golden-base/channels/production/", None, READ, 200),
        ("POST", "templates/golden-base/channels/production/assign/", {"build": world["second"].pk}, BUILD, 200),
        ("GET", "templates/golden-base/channels/production/image?region=us-east-1", None, READ, 200),
    ]


ENDPOINT_COUNT = 19


def test_without_credentials_every_endpoint_answers_401_saying_how_to_authenticate(api, world):
    for method, path, body, _, _ in _endpoints(world):
        status, answer = api.call(method, path, body)

        assert status == 401, (method, path)
        message = answer.get("detail") or answer.get("error")
        assert "Authorization: Bearer" in message and "sign in" in message, (method, path)


@pytest.mark.parametrize("role", [*READ, "narrowed"])
def test_each_role_may_do_exactly_what_its_permissions_allow(api, world, tokens, role):
    """One test per role walks every endpoint (in order: the write endpoints each act once)."""
    for method, path, body, allowed, success in _endpoints(world):
        status, answer = api.call(method, path, body, tokens[role])

        if role in allowed or (role == "narrowed" and allowed == READ):
            assert status == success, (method, path, answer)
            continue
        assert status == 403, (method, path, answer)
        wanted = "builder" if allowed == BUILD else "editor"
        if role == "narrowed":
            assert "This token is scoped viewer, which may not" in answer["detail"]
            assert f"use a token scoped {wanted}" in answer["detail"]
        else:
            assert answer["detail"].startswith("Your account may not")
            assert f"ask an administrator for the {wanted} role" in answer["detail"]


def test_the_endpoint_table_covers_every_url_of_the_api(world):
    from builds.api import urls

    tested = len(_endpoints(world))
    served = [pattern for pattern in urls.urlpatterns if pattern.name not in ("schema", "image_check", "unknown_url")]
    methods = sum(len(getattr(pattern.callback.view_class, "required", {"GET": "its own check"}))
                  for pattern in served)
    assert tested == ENDPOINT_COUNT == methods


def test_a_signed_in_session_reads_but_must_send_the_csrf_token_to_change(world, role_users):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(role_users["builder"])
    assert browser.get("/api/v1/builds/").status_code == 200

    refused = browser.post(f"/api/v1/builds/{world['queued'].pk}/cancel/", content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]

    browser.get("/")  # a dashboard page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(f"/api/v1/builds/{world['queued'].pk}/cancel/", content_type="application/json",
                            HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 202 and accepted.json()["status"] == "cancelled"


def test_an_unknown_token_is_401_with_the_bearer_challenge(api, world, client):
    response = client.get("/api/v1/templates/", HTTP_AUTHORIZATION="Bearer ihp_not-a-token")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="ImageHub API"'
    assert "not a token ImageHub knows" in response.json()["detail"]
    assert api.get("templates/", "")[0] == 401
