"""Tests for imagehub.auth_backend: a user's permissions, direct and through roles, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from imagehub.auth_backend import ModelBackendOneQuery
from imagehub.roles import EDIT_TEMPLATES, START_BUILDS, VIEW_TEMPLATES, Role, assign_role

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_permissions_of_roles_and_direct_grants_come_in_one_query(django_assert_num_queries):
    user = get_user_model().objects.create_user("mixed")
    assign_role(user, Role.VIEWER)
    user.user_permissions.add(Permission.objects.get(codename="add_build"))
    user = fresh(user)
    with django_assert_num_queries(1):
        permissions = ModelBackendOneQuery().get_all_permissions(user)
        assert user.has_perm(VIEW_TEMPLATES) and user.has_perm(START_BUILDS)
        assert not user.has_perm(EDIT_TEMPLATES)
    assert permissions == ModelBackend().get_all_permissions(fresh(user))


def test_a_user_of_another_role_does_not_lend_theirs():
    editor = get_user_model().objects.create_user("editor")
    assign_role(editor, Role.EDITOR)
    viewer = get_user_model().objects.create_user("viewer")
    assign_role(viewer, Role.VIEWER)
    assert not fresh(viewer).has_perm(EDIT_TEMPLATES)
    assert fresh(editor).has_perm(EDIT_TEMPLATES)


def test_a_superuser_has_every_permission():
    root = get_user_model().objects.create_superuser("root", password="pw-long-enough-1")
    assert len(ModelBackendOneQuery().get_all_permissions(fresh(root))) == Permission.objects.count()


def test_an_inactive_user_has_no_permissions():
    user = get_user_model().objects.create_user("gone", is_active=False)
    assign_role(user, Role.ADMIN)
    assert ModelBackendOneQuery().get_all_permissions(fresh(user)) == set()
