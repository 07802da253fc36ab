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
