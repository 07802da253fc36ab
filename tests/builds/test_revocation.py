"""Tests of revoking images now or later, alone or with their descendants, and restoring them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from builds import revocation
from builds.lineage_models import ImageNode
from imagehub.roles import Role

pytestmark = pytest.mark.django_db

UBUNTU = "ami-0ubuntu0000000001"


@pytest.fixture
def chain(make_template, make_ami_build, image_of):
    """Images base → middle → app (two apps), and an unrelated one from the same external root."""
    files = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}
    versions = [make_template(name, files) for name in ("base", "middle", "app")]
    base = make_ami_build(versions[0], UBUNTU)
    middle = make_ami_build(versions[1], image_of(base).image_id)
    apps = [make_ami_build(versions[2], image_of(middle).image_id) for _ in range(2)]
    other = make_ami_build(versions[0], UBUNTU)
    return {"base": image_of(base), "middle": image_of(middle), "apps": [image_of(a) for a in apps],
            "other": image_of(other)}


def test_revoking_an_image_alone_leaves_its_descendants(chain, builder):
    assert revocation.revoke(chain["base"], builder, "  bad kernel  ") == 1

    base = chain["base"]
    assert base.is_revoked() and base.revoke_reason == "bad kernel" and base.revoked_by == builder
    assert base.revoked_cause is None
    assert ImageNode.objects.revoked().count() == 1


def test_revoking_with_descendants_revokes_every_image_below_each_naming_the_ancestor(chain, builder):
    count = revocation.revoke(chain["base"], builder, "bad kernel", descendants=True)

    assert count == 4
    revoked = ImageNode.objects.revoked()
    assert set(revoked.values_list("pk", flat=True)) == {chain["base"].pk, chain["middle"].pk,
                                                         *(app.pk for app in chain["apps"])}
    assert set(revoked.exclude(pk=chain["base"].pk).values_list("revoked_cause", flat=True)) == {chain["base"].pk}
    assert not chain["other"].is_revoked() and not chain["base"].parent.is_revoked()


def test_an_image_revoked_on_its_own_keeps_its_revocation_when_an_ancestor_is_revoked_later(chain, builder):
    revocation.revoke(chain["apps"][0], builder, "its own reason")
    revocation.revoke(chain["base"], builder, "bad kernel", descendants=True)

    app = ImageNode.objects.get(pk=chain["apps"][0].pk)
    assert (app.revoke_reason, app.revoked_cause) == ("its own reason", None)


def test_a_scheduled_revocation_takes_effect_at_its_time(chain, builder):
    later = timezone.now() + timedelta(days=3)
    revocation.revoke(chain["middle"], builder, "end of support", at=later, descendants=True)

    middle = ImageNode.objects.get(pk=chain["middle"].pk)
    assert not middle.is_revoked() and middle.is_revocation_scheduled()
    assert middle.is_revoked(later)
    assert ImageNode.objects.revoked().count() == 0
    assert ImageNode.objects.revoked(later + timedelta(seconds=1)).count() == 3


def test_restoring_lifts_the_revocation_of_the_image_and_of_the_descendants_it_reached(chain, builder):
    revocation.revoke(chain["apps"][1], builder, "its own reason")
    revocation.revoke(chain["base"], builder, "bad kernel", descendants=True)

    assert revocation.restore(chain["base"], builder) == 3

    assert set(ImageNode.objects.revoked().values_list("pk", flat=True)) == {chain["apps"][1].pk}
    assert ImageNode.objects.get(pk=chain["middle"].pk).revoke_reason == ""


def _node(image):
    return ImageNode.objects.get(pk=image.pk)


def test_restoring_an_ancestor_gives_a_descendant_back_its_own_later_scheduled_revocation(chain, builder, make_user):
    later = timezone.now() + timedelta(days=30)
    planner = make_user("pat", Role.BUILDER)
    revocation.revoke(chain["middle"], planner, "end of support", at=later)

    assert revocation.revoke(chain["base"], builder, "bad kernel", descendants=True) == 4
    middle = _node(chain["middle"])
    assert middle.is_revoked() and middle.revoked_cause_id == chain["base"].pk

    assert revocation.restore(chain["base"], builder) == 4

    middle = _node(chain["middle"])
    assert not middle.is_revoked() and middle.is_revocation_scheduled()
    assert (middle.revoke_at, middle.revoke_reason, middle.revoked_by, middle.revoked_cause) == (
        later, "end of support", planner, None)
    assert middle.own_revoke_at is None
    assert not any(_node(app).revoke_at for app in chain["apps"])


def test_restoring_an_ancestor_leaves_the_revocation_another_ancestor_gave_with_its_descendants(chain, builder):
    later = timezone.now() + timedelta(days=30)
    revocation.revoke(chain["middle"], builder, "end of support", at=later, descendants=True)
    revocation.revoke(chain["base"], builder, "bad kernel", descendants=True)
    assert {_node(app).revoked_cause_id for app in chain["apps"]} == {chain["base"].pk}

    revocation.restore(chain["base"], builder)

    middle = _node(chain["middle"])
    assert (middle.revoke_at, middle.revoked_cause) == (later, None)
    for app in chain["apps"]:
        app = _node(app)
        assert (app.revoke_at, app.revoked_cause_id, app.revoke_reason) == (later, middle.pk, "end of support")


def test_an_image_built_before_a_scheduled_revocation_with_descendants_comes_due_is_revoked_with_them(
        chain, builder, make_template, make_ami_build, image_of):
    later = timezone.now() + timedelta(days=3)
    revocation.revoke(chain["base"], builder, "end of support", at=later, descendants=True)
    files = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                             'build {\n  sources = ["source.null.a"]\n}\n'}

    late_middle = image_of(make_ami_build(make_template("late-middle", files), chain["base"].image_id))
    late_app = image_of(make_ami_build(make_template("late-app", files), chain["apps"][0].image_id))
    grandchild = image_of(make_ami_build(make_template("late-grandchild", files), late_middle.image_id))

    for image in (late_middle, late_app, grandchild):
        assert (image.revoke_at, image.revoked_cause_id) == (later, chain["base"].pk)
        assert not image.is_revoked() and image.is_revoked(later)
    assert revocation.restore(chain["base"], builder) == 7
    assert ImageNode.objects.filter(revoke_at__isnull=False).count() == 0


def test_an_image_built_from_one_revoked_alone_is_not_revoked(chain, builder, make_template, make_ami_build,
                                                              image_of):
    revocation.revoke(chain["base"], builder, "end of support", at=timezone.now() + timedelta(days=3))
    files = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\n'
                             'build {\n  sources = ["source.null.a"]\n}\n'}

    late = image_of(make_ami_build(make_template("late", files), chain["base"].image_id))

    assert late.parent_id == chain["base"].pk and late.revoke_at is None


def test_a_revocation_needs_a_reason(chain, builder):
    with pytest.raises(ValidationError, match="Say why the image is revoked"):
        revocation.revoke(chain["base"], builder, "   ")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_only_builders_revoke_and_restore(chain, make_user, role):
    user = make_user("someone", role)
    with pytest.raises(PermissionDenied, match="builder role"):
        revocation.revoke(chain["base"], user, "no")
    with pytest.raises(PermissionDenied):
        revocation.restore(chain["base"], user)


def _children(parent: ImageNode, count: int) -> list[int]:
    """`count` images built from `parent` (made directly, as many builds would), their ids in order."""
    ImageNode.objects.bulk_create(
        ImageNode(kind=ImageNode.Kind.ARTIFACT, image_id=f"ami-{parent.pk:06d}{n:09d}", region="us-east-1",
                  builder_type="amazon-ebs", template_id=parent.template_id, parent=parent) for n in range(count))
    return list(ImageNode.objects.filter(parent=parent).order_by("pk").values_list("pk", flat=True))


def test_restoring_many_descendants_takes_them_a_batch_at_a_time(chain, builder, make_user, monkeypatch):
    """An image may have more descendants than a query takes parameters (PostgreSQL: 65,535)."""
    from django.db import connection

    many = _children(chain["middle"], 230)
    own = timezone.now() + timedelta(days=9)
    revocation.revoke(ImageNode.objects.get(pk=many[7]), make_user("ada", Role.BUILDER), "its own", at=own)
    revocation.revoke(chain["base"], builder, "bad kernel", descendants=True)
    monkeypatch.setattr(revocation, "BATCH", 50)
    largest = []

    def count_parameters(execute, sql, params, many, context):
        largest.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count_parameters):
        restored = revocation.restore(chain["base"], builder)

    assert restored == 2 + 230 + 2  # base, middle, the apps and the children: the one with its own revocation
    assert max(largest) <= 50 + 3   # still has it, due later, so it too is not revoked now
    assert not ImageNode.objects.revoked().exists()
    kept = ImageNode.objects.get(pk=many[7])
    assert (kept.revoke_at, kept.revoke_reason, kept.revoked_cause) == (own, "its own", None)
    assert ImageNode.objects.filter(revoke_at__isnull=False).count() == 1
