"""Tests of personal API tokens: issued once, kept as a digest, naming their user."""

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from builds.tokens import PREFIX, ApiToken, issue_token, request_user, user_for_token

pytestmark = pytest.mark.django_db


def test_a_token_is_shown_once_and_only_its_digest_is_kept(viewer):
    text = issue_token(viewer, "ci")

    token = ApiToken.objects.get()
    assert text.startswith(PREFIX) and len(text) > 40
    assert text not in token.digest and token.name == "ci"
    assert user_for_token(text) == viewer
    assert ApiToken.objects.get().last_used_at is not None


def test_a_bearer_token_names_the_requests_user_before_the_session(viewer, builder):
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {issue_token(viewer, 'ci')}")
    request.user = builder
    assert request_user(request) == viewer
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer ihp_unknown")
    request.user = builder
    assert request_user(request) is None
    request = RequestFactory().get("/")
    request.user = builder
    assert request_user(request) == builder


def test_the_management_command_prints_a_working_token(viewer, capsys):
    call_command("api_token", "vera", "laptop")

    assert user_for_token(capsys.readouterr().out.strip()) == viewer
    with pytest.raises(CommandError, match='There is no active account "nobody"'):
        call_command("api_token", "nobody", "laptop")


def test_a_tokens_permissions_are_its_owners_that_its_scope_also_grants(make_user, builder):
    from asgiref.sync import async_to_sync
    from django.contrib.auth import get_user_model

    from imagehub.roles import EDIT_TEMPLATES, MOVE_CHANNELS, START_BUILDS, VIEW_BUILDS

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    reader = user_for_token(issue_token(root, "read-only", "viewer"))
    assert reader.has_perm(VIEW_BUILDS) and not reader.has_perm(START_BUILDS)
    assert not reader.has_perms([VIEW_BUILDS, START_BUILDS]) and START_BUILDS not in reader.get_all_permissions()
    assert reader.token_scope == "viewer" and reader.unscoped_has_perm(START_BUILDS)
    assert async_to_sync(reader.ahas_perm)(VIEW_BUILDS) and not async_to_sync(reader.ahas_perms)([START_BUILDS])

    mover = user_for_token(issue_token(builder, "ci", "builder"))
    assert mover.has_perm(START_BUILDS) and mover.has_perm(MOVE_CHANNELS) and not mover.has_perm(EDIT_TEMPLATES)
    # A scope above the owner's roles grants nothing more than the owner has.
    assert not user_for_token(issue_token(builder, "odd", "admin")).has_perm(EDIT_TEMPLATES)


def test_a_user_may_scope_tokens_only_to_roles_they_hold(make_user, viewer, builder):
    from builds.tokens import ScopeRefused, check_scope, held_scopes
    from imagehub.roles import Role

    assert held_scopes(viewer) == ["viewer"]
    assert held_scopes(builder) == ["viewer", "builder"]
    assert held_scopes(make_user("eddie", Role.EDITOR)) == ["viewer", "editor"]
    assert held_scopes(make_user("ada", Role.ADMIN)) == ["viewer", "builder", "editor", "admin"]
    assert held_scopes(make_user("nobody")) == []
    check_scope(builder, "builder")
    with pytest.raises(ScopeRefused, match="bob does not hold the editor role, so a token of theirs may not be "
                                           "scoped editor; choose viewer, builder."):
        check_scope(builder, "editor")
    with pytest.raises(ScopeRefused, match='"owner" is not a token scope'):
        check_scope(builder, "owner")


def test_the_management_command_scopes_the_token_and_refuses_a_scope_above_the_users_roles(builder, capsys):
    call_command("api_token", "bob", "ci", "--scope", "builder")

    assert ApiToken.objects.get(name="ci").scope == "builder"
    assert user_for_token(capsys.readouterr().out.strip()) == builder
    with pytest.raises(CommandError, match="bob does not hold the admin role"):
        call_command("api_token", "bob", "deploy", "--scope", "admin")
    assert not ApiToken.objects.filter(name="deploy").exists()
