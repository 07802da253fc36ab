"""Tests of the image pages: an image's lineage with its picture, a template's images and channels, the build
page's images; who may see them and which forms they get."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from builds import channels, revocation
from imagehub.roles import Role

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"
FILES = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}
ROLES = {"no role": (), "viewer": (Role.VIEWER,), "editor": (Role.EDITOR,), "builder": (Role.BUILDER,),
         "admin": (Role.ADMIN,)}


@pytest.fixture
def chain(make_template, make_ami_build, image_of, builder):
    """golden-base → golden-middle → app images, base on production; then a newer base (so the others are
    outdated)."""
    versions = {name: make_template(name, FILES) for name in ("golden-base", "golden-middle", "app")}
    base = make_ami_build(versions["golden-base"], UBUNTU, copies=("eu-west-1",))
    channels.assign(versions["golden-base"].template, "production", base, builder)
    middle = make_ami_build(versions["golden-middle"], image_of(base).image_id)
    app = make_ami_build(versions["app"], image_of(middle).image_id)
    newer = make_ami_build(versions["golden-base"], UBUNTU)
    return {"base": image_of(base), "middle": image_of(middle), "app": image_of(app), "newer": image_of(newer),
            "versions": versions}


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.mark.parametrize("role", ROLES)
def test_the_image_pages_are_for_every_role_and_the_forms_for_builders(client, chain, make_user, role):
    client.force_login(make_user("someone", *ROLES[role]))
    image_page = client.get(f"/builds/images/{chain['middle'].pk}/")
    images_page = client.get("/builds/templates/golden-base/images/")

    if not ROLES[role]:
        assert (image_page.status_code, images_page.status_code) == (403, 403)
        return
    assert (image_page.status_code, images_page.status_code) == (200, 200)
    may_act = role in ("builder", "admin")
    assert ("Revoke this image" in image_page.content.decode()) == may_act
    assert ("Assign a channel" in images_page.content.decode()) == may_act
    assert ("Roll back" in images_page.content.decode()) == may_act


def test_anonymous_visitors_are_sent_to_sign_in(client, chain):
    for url in (f"/builds/images/{chain['base'].pk}/", "/builds/templates/golden-base/images/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_image_page_shows_its_status_ancestors_to_the_external_root_and_descendants(client, chain, viewer):
    client.force_login(viewer)

    response = client.get(f"/builds/images/{chain['middle'].pk}/")

    text = page_text(response)
    base, app = chain["base"], chain["app"]
    assert "Outdated" in text and f"golden-base has a newer image than {base.image_id}" in text
    ancestors = text.split("Ancestors", 1)[1].split("Descendants", 1)[0]
    assert ancestors.index("ubuntu-noble") < ancestors.index(f"golden-base #{base.build_id}")
    assert f"app #{app.build_id} {app.image_id}" in text.split("Descendants", 1)[1]
    assert f"Built from {base.image_id} (found by source image id)" in text
    svg = response.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="lineage-node ') == 4  # the external root, base, middle, app
    assert f'href="/builds/images/{base.pk}/"' in svg and 'aria-current="page"' in svg
    assert "lineage-node-outdated lineage-node-focus" in svg
    assert "production" in svg  # the channel at base's build


def test_an_external_image_page_shows_what_the_builder_knew_and_all_that_was_built_from_it(client, chain, viewer):
    client.force_login(viewer)

    text = page_text(client.get(f"/builds/images/{chain['base'].parent_id}/"))

    assert "External base image" in text and "amazon (099720109477)" in text
    assert "2026-01-02T03:04:05.000Z" in text and "Distribution=Ubuntu" in text
    assert "An external image is a root" in text
    descendants = text.split("Descendants", 1)[1]
    for name in ("base", "middle", "app", "newer"):
        assert chain[name].image_id in descendants


def test_a_revoked_image_shows_its_revocation_and_flags_its_channels(client, chain, builder):
    revocation.revoke(chain["base"], builder, "CVE-2026-0001", descendants=True)
    client.force_login(builder)

    text = page_text(client.get(f"/builds/images/{chain['base'].pk}/"))
    assert "Revoked" in text and "by bob: CVE-2026-0001" in text
    assert "these channels point at a revoked image" in text
    assert "Restore with the images it revoked" in text and "Revoke this image" not in text
    middle = page_text(client.get(f"/builds/images/{chain['middle'].pk}/"))
    assert f"with its ancestor golden-base #{chain['base'].build_id} ({chain['base'].image_id}): CVE-2026-0001" \
        in middle

    images = client.get("/builds/templates/golden-base/images/").content.decode()
    assert "channel-badge channel-flagged" in images
    assert "Points at a revoked image" in images
    build_page = page_text(client.get(f"/builds/{chain['base'].build_id}/"))
    assert f"{chain['base'].image_id} in us-east-1 Revoked" in build_page


def test_a_template_images_page_draws_what_its_versions_produced_and_lists_its_channels_with_history(
        client, chain, viewer, builder):
    channels.assign(chain["versions"]["golden-base"].template, "production", chain["newer"].build, builder,
                    note="passed QA")
    client.force_login(viewer)

    response = client.get("/builds/templates/golden-base/images/")

    text = page_text(response)
    svg = response.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
    for name in ("base", "newer", "middle", "app"):
        assert f'href="/builds/images/{chain[name].pk}/"' in svg
    assert f"production build #{chain['newer'].build_id} : {chain['newer'].image_id} us-east-1" in text
    assert (f"Assigned: build #{chain['base'].build_id} → build #{chain['newer'].build_id} (passed QA) bob"
            in text)
    assert 'aria-current="page">Images</a>' in response.content.decode()


def test_an_image_page_takes_the_same_queries_however_long_the_chain(client, make_template, make_ami_build,
                                                                      image_of, viewer):
    version = make_template("deep", FILES)
    builds = [make_ami_build(version, UBUNTU)]
    client.force_login(viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/builds/images/{image_of(builds[0]).pk}/").status_code == 200
        return len(captured)

    for _ in range(2):
        builds.append(make_ami_build(version, image_of(builds[-1]).image_id))
    short = queries()
    for _ in range(8):
        builds.append(make_ami_build(version, image_of(builds[-1]).image_id))
    assert queries() == short


def test_descendants_come_a_page_at_a_time_nearest_first_with_their_statuses(client, make_template, make_ami_build,
                                                                             image_of, viewer, monkeypatch):
    from builds import image_views

    monkeypatch.setattr(image_views, "DESCENDANTS_PER_PAGE", 2)
    versions = [make_template(name, FILES) for name in ("base", "middle", "app")]
    top = make_ami_build(versions[0], UBUNTU)
    children = [make_ami_build(versions[1], image_of(top).image_id) for _ in range(2)]
    grandchild = make_ami_build(versions[2], image_of(children[0]).image_id)
    client.force_login(viewer)

    first = page_text(client.get(f"/builds/images/{image_of(top).pk}/"))
    second = page_text(client.get(f"/builds/images/{image_of(top).pk}/?page=2"))

    assert "Descendants 1 to 2, nearest first. Next descendants" in first
    assert all(image_of(child).image_id in first for child in children)
    assert image_of(grandchild).image_id not in first
    assert "Descendants 3 to 3, nearest first. Previous descendants" in second
    rows = second.split("Descendants", 1)[1]
    assert f"app #{grandchild.pk} {image_of(grandchild).image_id} us-east-1 middle #{children[0].pk}" in rows
    # judged with its parent from the first page, which has a newer image
    assert f"Outdated middle has a newer image than {image_of(children[0]).image_id}" in rows
    assert "No more descendants" in page_text(client.get(f"/builds/images/{image_of(top).pk}/?page=3"))
