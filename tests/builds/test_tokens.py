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
