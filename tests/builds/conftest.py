"""Fixtures of the builds app's tests: users with roles, templates in the catalog, quick worker settings."""

import importlib
import itertools
import uuid

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


@pytest.fixture(autouse=True)
def no_kept_rows():
    """The build list's kept rows and the process's cache are per process; each test starts without either
    (a rolled-back test's build ids come back in the next)."""
    from django.core.cache import cache

    from builds import list_rows

    cache.clear()
    list_rows.forget()


@pytest.fixture
def roles(db):
    """The role groups with their permissions (a transactional test's flush removes what migrations made)."""
    importlib.import_module("imagehub.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("builds.migrations.0002_role_permissions").grant(apps, None)
    importlib.import_module("builds.migrations.0004_lineage_permissions_backfill").grant(apps, None)


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


@pytest.fixture
def make_ami_build(builder):
    """Return a function recording a finished amazon-ebs build of `version` from `source_ami` (its artifact as the
    worker stores it: an AMI in `region` and in each of `copies`) and, unless `record` is false, its lineage."""
    from django.utils import timezone

    from builds import lineage
    from builds.models import Artifact, Build

    numbers = itertools.count(1)

    def make(version, source_ami: str, *, region: str = "us-east-1", copies=(), status="succeeded", record=True,
             user=builder, source_name: str = "ubuntu-noble", source="amazon-ebs.web"):
        now = timezone.now()
        build = Build(template=version.template, template_version=version, requested_by=user, status=status,
                      started_at=now, finished_at=now)
        build.set_sources([(source, "amazon-ebs")])
        build.save()
        amis = {name: f"ami-{uuid.uuid4().hex[:17]}" for name in (region, *copies)}
        source_ami_facts = {"id": source_ami, "name": f"{source_name}-{next(numbers)}", "owner": "099720109477",
                            "owner_name": "amazon", "creation_date": "2026-01-02T03:04:05.000Z",
                            "tags": {"Distribution": "Ubuntu"}}
        Artifact.objects.create(
            build=build, source=source, builder_type="amazon-ebs", builder_id="mitchellh.amazonebs",
            artifact_id=",".join(f"{name}:{ami}" for name, ami in sorted(amis.items())), region_ids=amis,
            source_image_id=source_ami,
            metadata={"amis": amis, "source_ami": source_ami_facts, "generated_data": {"BuildRegion": region}})
        if record and status == "succeeded":
            lineage.record_build(build)
        return build

    return make


@pytest.fixture
def image_of(db):
    """Return a function giving the lineage node of a build's image in a region (us-east-1 by default)."""
    from builds.lineage_models import ImageNode

    def find(build, region: str = "us-east-1"):
        return ImageNode.objects.select_related("template").get(build=build, region=region)

    return find
