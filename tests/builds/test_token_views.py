"""The API tokens page: a signed-in user lists, makes (text shown once, scope no higher than their roles) and
deletes their own tokens, with htmx swapping the list in place."""

import pytest

from builds.tokens import ApiToken, issue_token, user_for_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, builder):
    client.force_login(builder)
    return client


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/tokens/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_lists_only_the_users_tokens_and_offers_the_scopes_they_hold(signed_in, builder, viewer):
    issue_token(builder, "ci", "builder")
    issue_token(viewer, "someone-elses")

    page = signed_in.get("/account/tokens/").content.decode()

    assert "<td>ci</td>" in page and "someone-elses" not in page
    assert '<option value="viewer" selected' in page and '<option value="builder"' in page  # least by default
    assert '<option value="editor"' not in page
    assert 'href="/account/tokens/"' in page  # the user menu links the page


def test_a_new_token_is_shown_once_and_works(signed_in, builder):
    response = signed_in.post("/account/tokens/new/", {"name": "laptop", "scope": "viewer"}, HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert response.status_code == 200 and fragment.lstrip().startswith('<div id="api-tokens">')
    token = ApiToken.objects.get(user=builder, name="laptop")
    assert token.scope == "viewer"
    text = fragment.split('<code class="token-text" id="new-token">')[1].split("</code>")[0]
    assert user_for_token(text) == builder
    assert text not in signed_in.get("/account/tokens/").content.decode()


def test_a_scope_above_the_users_roles_or_a_bad_name_is_refused_with_the_reason(signed_in, builder):
    response = signed_in.post("/account/tokens/new/", {"name": "deploy", "scope": "admin"})
    assert response.status_code == 400
    assert "bob does not hold the admin role" in response.content.decode()

    issue_token(builder, "ci")
    page = signed_in.post("/account/tokens/new/", {"name": "ci", "scope": "viewer"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and "You already have a token called &quot;ci&quot;" in page.content.decode()
    page = signed_in.post("/account/tokens/new/", {"name": " ", "scope": "viewer"})
    assert page.status_code == 400 and "Give the token a name" in page.content.decode()
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["ci"]


def test_a_user_deletes_their_own_token_but_not_anothers(signed_in, builder, viewer):
    mine = issue_token(builder, "ci")
    theirs = issue_token(viewer, "theirs")
    pk = ApiToken.objects.get(name="ci").pk

    response = signed_in.post(f"/account/tokens/{pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "The token is deleted" in response.content.decode()
    assert user_for_token(mine) is None

    other = ApiToken.objects.get(name="theirs").pk
    assert signed_in.post(f"/account/tokens/{other}/delete/").status_code == 404
    assert user_for_token(theirs) == viewer
    assert signed_in.get(f"/account/tokens/{other}/delete/").status_code == 405
