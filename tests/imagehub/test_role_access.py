"""Tests that every catalog page and endpoint admits exactly the roles it should."""

import pytest

from imagehub.roles import Role

pytestmark = pytest.mark.django_db

READ = [
    ("get", "/templates/"),
    ("get", "/templates/web/"),
    ("get", "/templates/web/history/"),
    ("get", "/templates/web/diff/"),
    ("get", "/templates/web/versions/1/"),
    ("get", "/templates/web/versions/1/export/"),
    ("get", "/templates/web/versions/1/variables/"),
    ("post", "/templates/web/versions/1/variables/"),
]
EDIT = [
    ("get", "/templates/new/"),
    ("post", "/templates/new/"),
    ("get", "/templates/import/"),
    ("post", "/templates/import/"),
    ("get", "/templates/web/details/"),
    ("post", "/templates/web/details/"),
    ("get", "/templates/web/edit/"),
    ("post", "/templates/web/edit/"),
    ("post", "/templates/web/versions/1/restore/"),
    ("post", "/templates/validate/"),
    ("post", "/templates/fmt/"),
]
ROLES = {
    "no role": (),
    "viewer": (Role.VIEWER,),
    "builder": (Role.BUILDER,),
    "editor": (Role.EDITOR,),
    "admin": (Role.ADMIN,),
}
MAY_READ = {"viewer", "builder", "editor", "admin"}
MAY_EDIT = {"editor", "admin"}


def request(client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {})


def outcome(response) -> str:
    """How a request fared: "login" (sent to sign in), "forbidden" or "served"."""
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    return "served"


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, template):
    for method, url in READ + EDIT:
        response = request(client, method, url)
        assert outcome(response) == "login", (method, url)
        assert response["Location"] == f"/login/?next={url}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_read_and_edit_exactly_what_it_should(client, template, make_user, role):
    client.force_login(make_user("someone", *ROLES[role]))
    expected = dict.fromkeys(READ, "served" if role in MAY_READ else "forbidden")
    expected.update(dict.fromkeys(EDIT, "served" if role in MAY_EDIT else "forbidden"))
    seen = {(m, u): outcome(request(client, m, u)) for m, u in READ + EDIT}
    assert seen == expected
    if role not in MAY_EDIT:
        assert template.versions.count() == 2


@pytest.mark.parametrize(
    ("roles", "url", "says"),
    [
        ((), "/templates/", "may not read the template catalog. Ask an administrator for the <strong>viewer</strong> role"),
        ((Role.VIEWER,), "/templates/web/edit/", "may not change templates. Ask an administrator for the <strong>editor</strong> role"),
    ],
)
def test_the_refusal_says_which_role_to_ask_for(client, template, make_user, roles, url, says):
    client.force_login(make_user("someone", *roles))
    response = client.get(url)
    assert response.status_code == 403
    assert says in response.content.decode()


def test_superusers_may_do_everything(client, template, make_user):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert client.get("/templates/web/edit/").status_code == 200
    assert client.get("/templates/").status_code == 200


def test_a_signed_out_htmx_request_redirects_the_whole_page(client, template):
    response = client.get("/templates/?q=w", headers={"HX-Request": "true",
                                                       "HX-Current-URL": "http://testserver/templates/?q=w"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/templates/%3Fq%3Dw"


def test_the_templates_link_is_shown_to_readers_only(client, make_user):
    client.force_login(make_user("nobody"))
    assert 'href="/templates/"' not in client.get("/").content.decode()
    client.force_login(make_user("vera", Role.VIEWER))
    assert 'href="/templates/"' in client.get("/").content.decode()


def test_editing_links_are_shown_to_editors_only(client, template, viewer, editor):
    client.force_login(viewer)
    page = client.get("/templates/web/").content.decode()
    assert "/templates/web/edit/" not in page
    assert "/templates/new/" not in client.get("/templates/").content.decode()
    client.force_login(editor)
    assert "/templates/web/edit/" in client.get("/templates/web/").content.decode()
    assert "/templates/new/" in client.get("/templates/").content.decode()


def test_restore_buttons_are_shown_to_editors_only(client, template, viewer, editor):
    client.force_login(viewer)
    assert "Restore" not in client.get("/templates/web/history/").content.decode()
    client.force_login(editor)
    assert "Restore" in client.get("/templates/web/history/").content.decode()
