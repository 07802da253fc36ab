"""Fixtures of the builds app's tests: users with roles, templates in the catalog, quick worker settings."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from imagehub.roles import Role, assign_role

PASSWORD = "correct horse battery"

SHELL_LOCAL = """
variable "greeting" {
  type    = string
  default = "hello"
}

variable "password" {
  type      = string
  sensitive = true
  default   = "default-secret"
}

variable "count" {
  type    = number
  default = 2
}

variable "verbose" {
  type    = bool
  default = true
}

source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo ${var.greeting} ${var.count} ${var.verbose}", "echo password=${var.password}",
              "echo to-stderr >&2"]
  }
}
"""


@pytest.fixture
def roles(db):
    """The role groups with their permissions (a transactional test's flush removes what migrations made)."""
    importlib.import_module("imagehub.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("builds.migrations.0002_role_permissions").grant(apps, None)


@pytest.fixture
def make_user(roles):
    """Return a function creating a user with the given roles."""

    def make(username: str, *roles: Role, **fields):
        user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
        for role in roles:
            assign_role(user, role)
        return user

    return make


@pytest.fixture
def builder(make_user):
    return make_user("bob", Role.BUILDER)


@pytest.fixture
def viewer(make_user):
    return make_user("vera", Role.VIEWER)


@pytest.fixture
def make_template(db):
    """Return a function adding a template with `files` (name → text) to the catalog; returns its version 1."""
    from imagehub import catalog

    def make(name: str, files: dict[str, str]):
        template = catalog.create_template(name=name, description="", labels=[], owner=None, files=files)
        return template.versions.get(number=1)

    return make


@pytest.fixture
def shell_version(make_template):
    """A null build whose shell-local provisioner prints its variables (the password too, masked)."""
    return make_template("Shell", {"main.pkr.hcl": SHELL_LOCAL})


@pytest.fixture
def quick_worker(settings, tmp_path):
    """Worker settings for tests: quick polls and heartbeats, artifacts and ledger in a temporary directory."""
    settings.IMAGEHUB = {
        **settings.IMAGEHUB,
        "HEARTBEAT_SECONDS": 0.2,
        "LOST_AFTER_SECONDS": 1.0,
        "CONTROL_POLL_SECONDS": 0.05,
        "ARTIFACTS_DIR": tmp_path / "artifacts",
        "LEDGER_DIR": tmp_path / "ledger",
    }
    return settings.IMAGEHUB
