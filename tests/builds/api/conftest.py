"""Fixtures of the JSON API's tests: a user per role with a token, and a client that speaks JSON with a token."""

import json

import pytest
from django.test import Client

from builds.tokens import issue_token
from imagehub.roles import Role

ROLES = ("viewer", "builder", "editor", "admin")


class Api:
    """A test client for /api/v1/: `call(method, path, body=None, token=None)` returns (status, JSON body)."""

    def __init__(self, client: Client):
        self.client = client

    def call(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        path = path if path.startswith("/api/") else f"/api/v1/{path.lstrip('/')}"
        if body is None:
            response = getattr(self.client, method.lower())(path, **headers)
        else:
            response = getattr(self.client, method.lower())(path, data=json.dumps(body),
                                                            content_type="application/json", **headers)
        answer = json.loads(response.content) if response.content else None
        self.last_response = response
        return response.status_code, answer

    def get(self, path: str, token: str | None = None):
        return self.call("GET", path, token=token)

    def post(self, path: str, body=None, token: str | None = None):
        return self.call("POST", path, {} if body is None else body, token)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def role_users(make_user) -> dict:
    """A user holding each role, by role name."""
    return {role: make_user(f"{role}-user", Role(role)) for role in ROLES}


@pytest.fixture
def tokens(role_users) -> dict:
    """A token of each role's user scoped to that role, by role name; "narrowed": the admin's token scoped viewer."""
    found = {role: issue_token(user, "ci", role) for role, user in role_users.items()}
    found["narrowed"] = issue_token(role_users["admin"], "read-only", "viewer")
    return found


@pytest.fixture
def world(shell_version, make_template, make_ami_build, builder, image_of):
    """What the endpoints act on: the Shell template (slug "shell") with a queued build, and Golden Base
    (slug "golden-base") with a successful AMI build on its production channel and a second one to move it to."""
    from builds import channels, services

    queued = services.start_build(shell_version, builder, {})
    golden = make_template("Golden Base", {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                                                           'build {\n  sources = ["source.null.a"]\n}\n'})
    first = make_ami_build(golden, "ami-0ubuntu0000000001")
    second = make_ami_build(golden, "ami-0ubuntu0000000001")
    channels.assign(golden.template, "production", first, builder)
    return {"queued": queued, "first": first, "second": second, "image": image_of(first),
            "artifact": first.artifacts.get()}
