"""Tests of the roles: their groups and permissions, and staff status following the admin role."""

import pytest
from django.contrib.auth.models import Group

from imagehub.roles import ADMINISTER, EDIT_TEMPLATES, VIEW_TEMPLATES, Role, assign_role

pytestmark = pytest.mark.django_db


def test_the_migration_creates_the_four_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "builder", "editor", "admin"}


@pytest.mark.parametrize(
    ("role", "view", "edit", "administer"),
    [
        (Role.VIEWER, True, False, False),
        (Role.BUILDER, True, False, False),
        (Role.EDITOR, True, True, False),
        (Role.ADMIN, True, True, True),
    ],
)
def test_each_role_grants_its_permissions(make_user, role, view, edit, administer):
    user = make_user("someone", role)
    assert user.has_perm(VIEW_TEMPLATES) is view
    assert user.has_perm(EDIT_TEMPLATES) is edit
    assert user.has_perm(ADMINISTER) is administer


def test_a_user_without_a_role_may_do_nothing(make_user):
    user = make_user("nobody")
    assert not user.has_perm(VIEW_TEMPLATES)


def test_joining_the_admin_role_grants_staff_status_and_leaving_revokes_it(make_user):
    user = make_user("ada")
    assert not user.is_staff
    assign_role(user, Role.ADMIN)
    assert user.is_staff
    user.refresh_from_db()
    assert user.is_staff
    user.groups.clear()
    user.refresh_from_db()
    assert not user.is_staff


def test_staff_status_follows_changes_made_from_the_group_side(make_user):
    user = make_user("ada")
    admins = Group.objects.get(name="admin")
    admins.user_set.add(user)
    user.refresh_from_db()
    assert user.is_staff
    admins.user_set.clear()
    user.refresh_from_db()
    assert not user.is_staff


def test_other_roles_do_not_grant_staff_status(make_user):
    user = make_user("ed", Role.EDITOR, Role.BUILDER)
    user.refresh_from_db()
    assert not user.is_staff


def test_superusers_stay_staff_without_the_admin_role(make_user):
    user = make_user("root", is_superuser=True, is_staff=True)
    assign_role(user, Role.VIEWER)
    user.groups.clear()
    user.refresh_from_db()
    assert user.is_staff
