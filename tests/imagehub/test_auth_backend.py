"""Tests for imagehub.auth_backend: the signed-in user and their permissions (direct and through roles) in one
query, and permissions alone in one query for a user found otherwise."""

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


def test_the_signed_in_user_is_read_whole_in_one_query(django_assert_num_queries):
    user = get_user_model().objects.create_user("ursula", password="pw", email="u@example.com", first_name="Ursula")
    backend = ModelBackendOneQuery()
    with django_assert_num_queries(1):
        found = backend.get_user(user.pk)
    assert found == user and found.email == "u@example.com" and found.first_name == "Ursula"
    assert found.check_password("pw") and not found._state.adding and found._state.db == "default"
    with django_assert_num_queries(1):
        assert backend.get_user(str(user.pk)) == user  # as the session keeps it


def test_an_unknown_inactive_or_malformed_user_key_gives_no_user():
    backend = ModelBackendOneQuery()
    gone = get_user_model().objects.create_user("gone", is_active=False)
    assert backend.get_user(gone.pk) is None
    assert backend.get_user(gone.pk + 1000) is None
    assert backend.get_user("not a key") is None


def test_the_signed_in_user_comes_with_their_permissions(django_assert_num_queries):
    user = get_user_model().objects.create_user("mixed")
    assign_role(user, Role.BUILDER)
    user.user_permissions.add(Permission.objects.get(codename="add_build"))
    backend = ModelBackendOneQuery()
    with django_assert_num_queries(1):
        found = backend.get_user(user.pk)
        permissions = found.get_all_permissions()
        assert found.has_perm(START_BUILDS) and not found.has_perm(EDIT_TEMPLATES)
    assert permissions == ModelBackend().get_all_permissions(fresh(user))
    assert "builds.add_build" in permissions


def test_a_signed_in_user_without_permissions_has_none_without_asking_again(django_assert_num_queries):
    user = get_user_model().objects.create_user("nobody")
    with django_assert_num_queries(1):
        assert ModelBackendOneQuery().get_user(user.pk).get_all_permissions() == set()


def test_a_signed_in_superuser_has_every_permission():
    root = get_user_model().objects.create_superuser("root", password="pw-long-enough-1")
    found = ModelBackendOneQuery().get_user(root.pk)
    assert found.get_all_permissions() == ModelBackend().get_all_permissions(fresh(root))
    assert len(found.get_all_permissions()) == Permission.objects.count()


def test_the_signed_in_user_on_a_request_has_their_role(client, django_assert_max_num_queries):
    user = get_user_model().objects.create_user("reader", password="pw-long-enough-1")
    assign_role(user, Role.VIEWER)
    client.force_login(user)
    response = client.get("/")
    assert response.wsgi_request.user == user
    assert response.wsgi_request.user.has_perm(VIEW_TEMPLATES)
    assert not response.wsgi_request.user.has_perm(START_BUILDS)
