"""Fixtures of the dashboard's tests: a user for each role, and small template file sets."""

import pytest
from django.contrib.auth import get_user_model

from imagehub.roles import Role, assign_role

PASSWORD = "correct horse battery"

MAIN = (
    'variable "region" {\n'
    "  type        = string\n"
    '  default     = "eu-west-1"\n'
    '  description = "Where the image is built."\n'
    "}\n"
    "\n"
    'source "null" "base" {\n'
    '  communicator = "none"\n'
    "}\n"
    "\n"
    "build {\n"
    '  sources = ["source.null.base"]\n'
    "}\n"
)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache and no kept list rows (the template list keeps both)."""
    from django.core.cache import cache

    from imagehub import list_rows

    cache.clear()
    list_rows.forget()


@pytest.fixture
def make_user(db):
    """Return a function creating a user with the given roles."""

    def make(username: str, *roles: Role, **fields):
        user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
        for role in roles:
            assign_role(user, role)
        return user

    return make


@pytest.fixture
def viewer(make_user):
    return make_user("vera", Role.VIEWER)


@pytest.fixture
def builder(make_user):
    return make_user("bob", Role.BUILDER)


@pytest.fixture
def editor(make_user):
    return make_user("edith", Role.EDITOR)


@pytest.fixture
def other_editor(make_user):
    return make_user("otto", Role.EDITOR)


@pytest.fixture
def admin_user(make_user):
    return make_user("ada", Role.ADMIN)


@pytest.fixture
def files():
    """A valid one-file template."""
    return {"main.pkr.hcl": MAIN}


@pytest.fixture
def template(editor, files):
    """The template "Web" with version 1 (valid, with a preset file) and version 2 (a region changed)."""
    from imagehub import catalog

    created = catalog.create_template(
        name="Web", description="The web tier.", labels=["aws", "web"], owner=editor,
        files={**files, "prod.pkrvars.hcl": 'region = "us-east-1"\n'},
    )
    changed = {**files, "main.pkr.hcl": files["main.pkr.hcl"].replace("eu-west-1", "eu-north-1"),
               "prod.pkrvars.hcl": 'region = "us-east-1"\n'}
    catalog.save_version(created, files=changed, author=editor, message="Move north", base_number=1)
    created.refresh_from_db()
    return created
