"""Tests of the admin site's catalog pages and who may use them."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_role_opens_the_admin_site_with_the_catalog(client, admin_user, template):
    client.force_login(admin_user)
    index = client.get("/admin/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "/admin/imagehub/packertemplate/" in page and "/admin/auth/user/" in page
    assert client.get("/admin/imagehub/packertemplate/").status_code == 200
    assert client.get(f"/admin/imagehub/packertemplate/{template.pk}/change/").status_code == 200
    assert client.get("/admin/auth/group/").status_code == 200


def test_versions_can_be_read_but_never_changed_or_deleted_in_the_admin(client, admin_user, template):
    client.force_login(admin_user)
    version = template.latest_version
    page = client.get(f"/admin/imagehub/templateversion/{version.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/imagehub/templateversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/imagehub/templateversion/add/").status_code == 403
    assert template.versions.count() == 2


def test_templates_are_created_in_the_catalog_not_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/imagehub/packertemplate/add/").status_code == 403


@pytest.mark.parametrize("role_user", ["viewer", "builder", "editor"])
def test_other_roles_stay_out_of_the_admin_site(client, request, role_user):
    client.force_login(request.getfixturevalue(role_user))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_templates_cannot_be_deleted_in_the_admin(client, admin_user, template):
    client.force_login(admin_user)
    change = client.get(f"/admin/imagehub/packertemplate/{template.pk}/change/").content.decode()
    assert f"/admin/imagehub/packertemplate/{template.pk}/delete/" not in change
    assert client.post(f"/admin/imagehub/packertemplate/{template.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = client.get("/admin/imagehub/packertemplate/").content.decode()
    assert "delete_selected" not in listing
    bulk = client.post("/admin/imagehub/packertemplate/",
                       {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    template.refresh_from_db()
    assert template.versions.count() == 2


def test_a_template_keeps_its_name_and_slug_when_changed_in_the_admin(client, admin_user, template, editor):
    from imagehub import catalog

    catalog.create_template(name="Db", description="", labels=[], owner=editor, files={"main.pkr.hcl": "build {}\n"})
    client.force_login(admin_user)
    page = client.get(f"/admin/imagehub/packertemplate/{template.pk}/change/").content.decode()
    assert 'name="name"' not in page and 'name="slug"' not in page
    response = client.post(f"/admin/imagehub/packertemplate/{template.pk}/change/", {
        "name": "Db", "slug": "db", "description": "Changed in the admin.", "labels": [],
        "owner": editor.pk, "_save": "Save",
    })
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.slug) == ("Web", "web")
    assert template.description == "Changed in the admin."
