"""Tests of the cascade pages: the offer on the image pages, the plan preview, starting, the progress page that
polls while running, cancelling, the list, and the build page naming its cascade."""

import re

import pytest

from builds import cascades
from builds.cascade_models import Cascade
from builds.models import Build
from tests.builds.conftest import PASSWORD
from tests.builds.test_cascade_plan import NULL_TEMPLATE, UBUNTU
from tests.builds.test_cascades import finish

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_template, make_ami_build, image_of):
    versions = {name: make_template(name, {"main.pkr.hcl": NULL_TEMPLATE}) for name in ("base", "middle", "app")}
    old_base = make_ami_build(versions["base"], UBUNTU)
    middle = make_ami_build(versions["middle"], image_of(old_base).image_id)
    middle.variables = {"base_ami": "ami-visible"}
    middle.sensitive_names = ["token"]
    middle.save()
    app = make_ami_build(versions["app"], image_of(middle).image_id)
    new_base = make_ami_build(versions["base"], UBUNTU)
    return {"old_base": old_base, "middle": middle, "app": app, "new_base": new_base}


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_image_page_and_the_templates_images_offer_to_rebuild_descendants(client, chain, builder, image_of):
    signed_in(client, builder)
    plan_url = f"/builds/images/{image_of(chain['new_base']).pk}/cascade/"

    assert f'href="{plan_url}"' in client.get(f"/builds/images/{image_of(chain['new_base']).pk}/").content.decode()
    assert f'href="{plan_url}"' in client.get(f"/builds/templates/{chain['new_base'].template.slug}/images/")\
        .content.decode()
    assert "rebuild-descendants" not in client.get(f"/builds/images/{image_of(chain['app']).pk}/").content.decode()


def test_the_plan_lists_the_steps_in_order_with_masked_values_and_a_start_button(client, chain, builder, image_of):
    response = signed_in(client, builder).get(f"/builds/images/{image_of(chain['new_base']).pk}/cascade/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r'<tr data-template="([^"]+)"', page) == ["middle", "app"]
    assert "base_ami=ami-visible" in page and "token=(sensitive)" in page
    assert f'action="/builds/images/{image_of(chain["new_base"]).pk}/cascade/start/"' in page
    assert "Start 2 rebuilds" in text(response)
    assert not Cascade.objects.exists()


def test_a_viewer_sees_the_plan_without_a_start_button_and_may_not_start_it(client, chain, viewer, image_of):
    signed_in(client, viewer)
    node = image_of(chain["new_base"])

    page = client.get(f"/builds/images/{node.pk}/cascade/").content.decode()
    response = client.post(f"/builds/images/{node.pk}/cascade/start/")

    assert "cascade/start/" not in page and "Someone with the builder role can start this cascade." in page
    assert response.status_code == 403 and not Cascade.objects.exists()


def test_starting_goes_to_the_cascade_page_which_polls_until_the_cascade_is_over(client, chain, builder, image_of):
    signed_in(client, builder)
    response = client.post(f"/builds/images/{image_of(chain['new_base']).pk}/cascade/start/")
    cascade = Cascade.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/builds/cascades/{cascade.pk}/"

    page = client.get(f"/builds/cascades/{cascade.pk}/").content.decode()
    fragment = client.get(f"/builds/cascades/{cascade.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in page and "<html" not in fragment and 'id="cascade-progress"' in fragment
    assert re.findall(r'data-template="([^"]+)" data-status="([^"]+)"', page) == [("middle", "queued"),
                                                                               ("app", "waiting")]
    queued = cascade.steps.get(template__name="middle").build
    assert f'href="/builds/{queued.pk}/"' in page and "0 of 2 steps done" in text(client.get(
        f"/builds/cascades/{cascade.pk}/"))

    finish(queued, source_ami=image_of(chain["new_base"]).image_id)
    finish(cascade.steps.get(template__name="app").build, source_ami=image_of(queued).image_id)
    done = client.get(f"/builds/cascades/{cascade.pk}/")
    assert "hx-trigger" not in done.content.decode() and "2 of 2 steps done" in text(done)
    assert f'<a href="/builds/cascades/{cascade.pk}/">cascade #{cascade.pk}</a> (succeeded)' in client.get(
        f"/builds/{queued.pk}/").content.decode()


def test_a_cancelled_cascades_page_polls_until_its_running_build_has_stopped(client, chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = cascade.steps.get(template__name="middle").build
    Build.objects.filter(pk=middle.pk).update(status=Build.Status.RUNNING)
    cascades.cancel(cascade, builder)
    signed_in(client, builder)

    stopping = client.get(f"/builds/cascades/{cascade.pk}/").content.decode()
    assert 'data-status="cancelled"' in stopping and 'hx-trigger="every 2s"' in stopping
    finish(middle, status=Build.Status.CANCELLED)
    stopped = client.get(f"/builds/cascades/{cascade.pk}/")
    assert "hx-trigger" not in stopped.content.decode() and "2 of 2 steps done" in text(stopped)


def test_cancelling_from_the_cascade_page_needs_the_builder_role(client, chain, builder, viewer, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)

    refused = signed_in(client, viewer).post(f"/builds/cascades/{cascade.pk}/cancel/")
    assert refused.status_code == 403
    assert "Cancel cascade" not in client.get(f"/builds/cascades/{cascade.pk}/").content.decode()
    response = signed_in(client, builder).post(f"/builds/cascades/{cascade.pk}/cancel/",
                                               headers={"HX-Request": "true"})

    assert response.status_code == 200 and response["HX-Redirect"] == f"/builds/cascades/{cascade.pk}/"
    assert Cascade.objects.get().status == Cascade.Status.CANCELLED
    assert Build.objects.get(pk=cascade.steps.get(template__name="middle").build_id).status == "cancelled"


def test_the_cascade_list_shows_each_cascade_with_its_progress(client, chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)

    response = signed_in(client, builder).get("/builds/cascades/")

    assert response.status_code == 200
    assert f'href="/builds/cascades/{cascade.pk}/"' in response.content.decode()
    assert "0/2" in text(response) and "Running" in text(response)
    assert 'href="/builds/cascades/"' in client.get("/builds/").content.decode()


def test_starting_a_cascade_with_nothing_below_comes_back_with_the_reason(client, chain, builder, image_of):
    response = signed_in(client, builder).post(f"/builds/images/{image_of(chain['app']).pk}/cascade/start/",
                                               follow=True)

    assert "Nothing was built from the images of app: there is nothing to rebuild." in text(response)
    assert not Cascade.objects.exists()


def test_the_plan_offers_no_start_while_a_cascade_from_the_template_runs(client, chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)

    response = signed_in(client, builder).get(f"/builds/images/{image_of(chain['new_base']).pk}/cascade/")

    assert "cascade/start/" not in response.content.decode()
    assert (f'A cascade from base is still running (<a href="/builds/cascades/{cascade.pk}/">cascade #{cascade.pk}</a>)'
            in response.content.decode())
