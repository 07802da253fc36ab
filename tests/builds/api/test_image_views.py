"""The API's lineage: an image with its status and why, its ancestors from the root, its descendants breadth first."""

import pytest

pytestmark = pytest.mark.django_db

FILES = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}


@pytest.fixture
def chain(make_template, make_ami_build, image_of):
    """base (from an external Ubuntu AMI) → app, then a newer base build that makes the app outdated."""
    base_version = make_template("Base", FILES)
    app_version = make_template("App", FILES)
    base = image_of(make_ami_build(base_version, "ami-0ubuntu0000000001"))
    app = image_of(make_ami_build(app_version, base.image_id))
    newer = image_of(make_ami_build(base_version, "ami-0ubuntu0000000001"))
    return base, app, newer


def test_an_image_shows_what_it_is_and_why_it_is_outdated(api, tokens, chain):
    base, app, newer = chain

    status, answer = api.get(f"images/{app.pk}/", tokens["viewer"])

    assert status == 200
    assert answer["id"] == app.pk and answer["image_id"] == app.image_id and answer["region"] == "us-east-1"
    assert answer["kind"] == "artifact" and answer["template"] == "app" and answer["parent"] == base.pk
    assert answer["build"] == app.build_id and answer["status"] == "outdated" and answer["status_reason"]
    assert api.get(f"images/{newer.pk}/", tokens["viewer"])[1]["status"] == "current"


def test_ancestors_run_from_the_external_root_to_the_parent(api, tokens, chain):
    base, app, _ = chain

    status, answer = api.get(f"images/{app.pk}/ancestors/", tokens["viewer"])

    assert status == 200
    assert [(node["kind"], node["image_id"]) for node in answer] == [("external", "ami-0ubuntu0000000001"),
                                                                     ("artifact", base.image_id)]
    assert answer[0]["template"] is None and answer[1]["template"] == "base" and answer[1]["status"] == "current"


def test_descendants_are_breadth_first_and_limited(api, tokens, chain, make_template, make_ami_build, image_of):
    base, app, _ = chain
    leaf = image_of(make_ami_build(make_template("Leaf", FILES), app.image_id))

    status, answer = api.get(f"images/{base.pk}/descendants/", tokens["viewer"])
    assert status == 200 and [node["id"] for node in answer] == [app.pk, leaf.pk]
    assert [node["status"] for node in answer] == ["outdated", "outdated"]

    assert [node["id"] for node in api.get(f"images/{base.pk}/descendants/?limit=1", tokens["viewer"])[1]] == [
        app.pk]
    assert api.get(f"images/{base.pk}/descendants/?limit=0", tokens["viewer"])[0] == 400


def test_a_revoked_image_says_so_with_the_reason(api, tokens, chain, builder):
    from builds import revocation

    base, app, _ = chain
    revocation.revoke(base, builder, "CVE-2026-0001")

    answer = api.get(f"images/{base.pk}/", tokens["viewer"])[1]

    assert answer["status"] == "revoked" and "CVE-2026-0001" in answer["status_reason"]
    assert answer["revoke_reason"] == "CVE-2026-0001" and answer["revoke_at"]
    assert api.get(f"images/{app.pk}/", tokens["viewer"])[1]["status"] == "outdated"


def test_a_missing_image_is_a_404(api, tokens, db):
    assert api.get("images/999/", tokens["viewer"]) == (404, {"detail": "ImageHub has no image 999 in its lineage."})
    assert api.get("images/999/ancestors/", tokens["viewer"])[0] == 404
    assert api.get("images/999/descendants/", tokens["viewer"])[0] == 404
