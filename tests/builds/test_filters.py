"""Tests of the build list's filters: the choices they offer."""

import pytest

from builds.filters import BuildFilterForm
from builds.models import Build
from imagehub.roles import Role

pytestmark = pytest.mark.django_db


def add_builds(version, user, count: int) -> None:
    for _ in range(count):
        made = Build(template=version.template, template_version=version, requested_by=user,
                     status=Build.Status.SUCCEEDED)
        made.set_sources([("null.web", "null")])
        made.save()


def test_started_by_offers_each_user_who_started_a_build_once_by_name(make_user, shell_version):
    zoe, adam = make_user("zoe", Role.BUILDER), make_user("adam", Role.BUILDER)
    make_user("idle", Role.BUILDER)
    add_builds(shell_version, zoe, 3)
    add_builds(shell_version, adam, 1)
    assert BuildFilterForm().fields["user"].choices == [("", "Anyone"), ("adam", "adam"), ("zoe", "zoe")]


def test_started_by_offers_no_one_before_the_first_build(make_user):
    make_user("idle", Role.BUILDER)
    assert BuildFilterForm().fields["user"].choices == [("", "Anyone")]
