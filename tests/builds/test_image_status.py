"""Tests of image statuses: current, outdated (with the reason) and revoked."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from builds import channels, lineage, revocation
from builds.channel_models import ImageUse
from builds.image_status import CURRENT, OUTDATED, REVOKED, statuses

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"
FILES = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}


@pytest.fixture
def versions(make_template):
    return {name: make_template(name, FILES) for name in ("base", "middle", "app")}


@pytest.fixture
def chain(versions, make_ami_build, image_of):
    base = make_ami_build(versions["base"], UBUNTU)
    middle = make_ami_build(versions["middle"], image_of(base).image_id)
    app = make_ami_build(versions["app"], image_of(middle).image_id)
    return [base, middle, app]


def judge(*builds, image_of, region="us-east-1", now=None):
    """The statuses of the builds' images (and their ancestors), in the order of `builds`."""
    ids = lineage.with_ancestors([image_of(build, region).pk for build in builds])
    found = statuses(lineage.nodes(ids), now)
    return [found[image_of(build, region).pk] for build in builds]


def test_a_chain_built_from_the_latest_images_is_current(chain, image_of):
    assert [status.state for status in judge(*chain, image_of=image_of)] == [CURRENT] * 3


def test_a_new_base_image_marks_the_images_below_the_old_one_outdated_saying_why(chain, versions, make_ami_build,
                                                                                 image_of):
    newer = make_ami_build(versions["base"], UBUNTU)

    base, middle, app = judge(*chain, image_of=image_of)

    assert base.state == CURRENT
    assert middle.state == OUTDATED
    assert middle.reason == (f"base has a newer image than {image_of(chain[0]).image_id}, the one it was built "
                             f"from: {image_of(newer).image_id} from build #{newer.pk}.")
    assert app.state == OUTDATED
    assert app.reason == (f"It was built from middle #{chain[1].pk} ({image_of(chain[1]).image_id}), which is "
                          "outdated.")


@pytest.mark.parametrize("newer", ["failed", "revoked", "other region", "other source"])
def test_a_newer_build_that_failed_was_revoked_or_made_another_image_does_not_outdate(chain, versions,
                                                                                      make_ami_build, image_of,
                                                                                      builder, newer):
    build = make_ami_build(versions["base"], UBUNTU, status="failed" if newer == "failed" else "succeeded",
                           region="eu-west-1" if newer == "other region" else "us-east-1",
                           source="amazon-ebs.other" if newer == "other source" else "amazon-ebs.web")
    if newer == "failed":
        lineage.record_build(build)  # a failed build's images are recorded too
    if newer == "revoked":
        revocation.revoke(image_of(build), builder, "bad")

    assert judge(chain[1], image_of=image_of)[0].state == CURRENT


def test_an_image_taken_from_a_channel_is_outdated_only_when_that_channel_moves(versions, make_ami_build, image_of,
                                                                               builder):
    base = make_ami_build(versions["base"], UBUNTU)
    production = channels.assign(versions["base"].template, "production", base, builder)
    middle = make_ami_build(versions["middle"], image_of(base).image_id, record=False)
    ImageUse.objects.create(build=middle, image=image_of(base), channel=production)
    lineage.record_build(middle)
    newer = make_ami_build(versions["base"], UBUNTU)
    channels.assign(versions["base"].template, "dev", newer, builder)

    assert judge(middle, image_of=image_of)[0].state == CURRENT

    channels.assign(versions["base"].template, "production", newer, builder)
    [status] = judge(middle, image_of=image_of)
    assert status.state == OUTDATED
    assert status.reason == (f'It was built from channel "production" of base, which now points at build '
                             f"#{newer.pk} instead of build #{base.pk}.")


def test_a_revoked_image_is_revoked_with_its_reason_and_the_images_below_outdated(chain, builder, image_of):
    revocation.revoke(image_of(chain[0]), builder, "bad kernel", descendants=True)
    revocation.restore(image_of(chain[2]), builder)

    base, middle, app = judge(*chain, image_of=image_of)

    assert base.state == REVOKED and base.reason.endswith("by bob: bad kernel")
    assert middle.state == REVOKED
    assert f"with its ancestor base #{chain[0].pk} ({image_of(chain[0]).image_id}): bad kernel" in middle.reason
    assert app.state == OUTDATED
    assert app.reason == f"It was built from middle #{chain[1].pk} ({image_of(chain[1]).image_id}), which is revoked."


def test_a_scheduled_revocation_is_announced_and_then_takes_effect(chain, builder, image_of):
    later = timezone.now() + timedelta(hours=2)
    revocation.revoke(image_of(chain[1]), builder, "end of life", at=later)

    middle, app = judge(chain[1], chain[2], image_of=image_of)
    assert middle.state == CURRENT and middle.revoke_scheduled_at == later
    assert app.state == CURRENT

    middle, app = judge(chain[1], chain[2], image_of=image_of, now=later + timedelta(minutes=1))
    assert (middle.state, app.state) == (REVOKED, OUTDATED)


def test_judging_many_images_takes_a_few_queries(versions, make_ami_build, image_of):
    builds = [make_ami_build(versions["base"], UBUNTU)]
    for _ in range(20):
        builds.append(make_ami_build(versions["middle"], image_of(builds[-1]).image_id))
    nodes = lineage.nodes(lineage.with_ancestors([image_of(builds[-1]).pk]))

    with CaptureQueriesContext(connection) as queries:
        statuses(nodes)

    assert len(queries) <= 3
