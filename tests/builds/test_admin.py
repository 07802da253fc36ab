"""Tests of the admin site's build pages: readable, never a way to change a build or see its secrets."""

import pytest

from builds import services

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_builds_without_their_encrypted_values(client, builder, shell_version,
                                                                      django_user_model):
    build = services.start_build(shell_version, builder, {"password": "pw-123"})
    client.force_login(django_user_model.objects.create_superuser("root-admin", password="x"))

    listing = client.get("/admin/builds/build/")
    page = client.get(f"/admin/builds/build/{build.pk}/change/")

    assert listing.status_code == 200 and page.status_code == 200
    assert build.sensitive_variables not in page.content.decode()
    assert client.get("/admin/builds/build/add/").status_code == 403
