"""StepSourceAMIInfo: the source AMI by id or filter, most_recent, and the enhanced-networking check."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.common.run_settings import AmiFilter
from builds.engine.builders.amazon.common.step_source_ami_info import StepSourceAMIInfo
from builds.engine.steps import StepError
from tests.builds.engine.builders.amazon.conftest import SOURCE_AMI, new_state, output


@pytest.fixture
def fresh(moto):
    return new_state(moto)


def test_the_source_ami_is_found_by_id_with_what_lineage_needs(fresh):
    StepSourceAMIInfo(SOURCE_AMI, AmiFilter(), False, "").run(fresh)

    image = fresh.source_image
    assert image["ImageId"] == SOURCE_AMI
    assert image["Name"].startswith("ubuntu") and image["OwnerId"] and image["CreationDate"]
    assert f"Found Image ID: {SOURCE_AMI}" in output(fresh)


def test_a_filter_needs_most_recent_when_several_images_match(fresh):
    wanted = AmiFilter(filters={"name": "amzn-ami-*"}, owners=["amazon"])
    with pytest.raises(StepError, match="more than one result"):
        StepSourceAMIInfo("", wanted, False, "").run(fresh)

    wanted.most_recent = True
    StepSourceAMIInfo("", wanted, False, "").run(fresh)

    assert fresh.source_image["Name"].startswith("amzn-ami-")


def test_no_match_is_reported_with_the_filters(fresh):
    nothing = AmiFilter(filters={"name": "no-such-image-*"}, owners=["self"])

    with pytest.raises(StepError, match="No AMI was found matching filters: name = no-such-image-\\*; owners self"):
        StepSourceAMIInfo("", nothing, False, "").run(fresh)


def test_an_unknown_source_ami_is_an_error(fresh):
    with pytest.raises(StepError, match="Error querying AMI: InvalidAMIID.NotFound"):
        StepSourceAMIInfo("ami-00000000000000000", AmiFilter(), False, "").run(fresh)


def test_enhanced_networking_needs_an_hvm_source_unless_the_ami_is_declared_hvm(fresh, moto):
    paravirtual = moto.client("ec2").describe_images(
        Owners=["amazon"], Filters=[{"Name": "virtualization-type", "Values": ["paravirtual"]}])["Images"][0]["ImageId"]

    with pytest.raises(StepError, match="Cannot enable enhanced networking, source AMI .* is not HVM"):
        StepSourceAMIInfo(paravirtual, AmiFilter(), True, "").run(fresh)
    with pytest.raises(StepError, match="AMIVirtType 'paravirtual' is not HVM"):
        StepSourceAMIInfo(paravirtual, AmiFilter(), True, "paravirtual").run(fresh)
    StepSourceAMIInfo(paravirtual, AmiFilter(), True, "hvm").run(fresh)


def test_a_source_ami_the_registry_refuses_stops_the_build_with_its_reason(fresh):
    from builds.engine import imageregistry
    from builds.engine.imageregistry import ImageRegistry, RegistryRefusal

    class Refusing(ImageRegistry):
        checked: list = []

        def channel_image(self, template, channel, region):
            raise AssertionError("not asked")

        def check_source(self, image_id, region):
            self.checked.append((image_id, region))
            raise RegistryRefusal(f"The source image {image_id} is revoked: CVE-1.")

    registry = Refusing()
    imageregistry.install(registry)
    try:
        with pytest.raises(StepError, match=f"^The source image {SOURCE_AMI} is revoked: CVE-1.$"):
            StepSourceAMIInfo(SOURCE_AMI, AmiFilter(), False, "").run(fresh)
    finally:
        imageregistry.install(None)
    assert registry.checked == [(SOURCE_AMI, "us-east-1")]
