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


def test_images_and_channels_are_read_only_and_a_leaked_token_is_deleted_without_showing_its_digest(
        client, viewer, make_template, make_ami_build, builder, django_user_model):
    from builds import channels
    from builds.tokens import ApiToken, issue_token, user_for_token

    version = make_template("golden-base", {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                                                             'build {\n  sources = ["source.null.a"]\n}\n'})
    build = make_ami_build(version, "ami-0ubuntu0000000001")
    channel = channels.assign(version.template, "production", build, builder)
    text = issue_token(viewer, "laptop")
    token = ApiToken.objects.get()
    client.force_login(django_user_model.objects.create_superuser("root-admin", password="x"))

    image = build.images.get()
    assert client.get("/admin/builds/imagenode/").status_code == 200
    assert image.image_id in client.get(f"/admin/builds/imagenode/{image.pk}/change/").content.decode()
    assert client.get("/admin/builds/channel/").status_code == 200
    assert client.post(f"/admin/builds/channel/{channel.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/builds/apitoken/{token.pk}/change/").content.decode()
    assert "laptop" in page and token.digest not in page

    client.post(f"/admin/builds/apitoken/{token.pk}/delete/", {"post": "yes"})

    assert user_for_token(text) is None


def test_cascades_are_read_with_their_steps_and_never_changed(client, make_template, make_ami_build, builder, image_of,
                                                              django_user_model):
    from builds import cascades
    from builds.cascade_models import Cascade

    template = 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'
    base, app = (make_template(name, {"main.pkr.hcl": template}) for name in ("base", "app"))
    first = make_ami_build(base, "ami-0ubuntu0000000001")
    make_ami_build(app, image_of(first).image_id)
    cascade = cascades.start(image_of(make_ami_build(base, "ami-0ubuntu0000000001")), builder)
    client.force_login(django_user_model.objects.create_superuser("root-admin", password="x"))

    assert client.get("/admin/builds/cascade/").status_code == 200
    page = client.get(f"/admin/builds/cascade/{cascade.pk}/change/")
    assert page.status_code == 200 and "app" in page.content.decode()
    assert client.post(f"/admin/builds/cascade/{cascade.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Cascade.objects.filter(pk=cascade.pk).exists()
