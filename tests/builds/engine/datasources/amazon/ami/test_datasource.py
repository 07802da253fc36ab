"""The amazon-ami data source against a moto server: selection, errors, outputs, and a template that uses it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from builds.engine.builders.amazon.errors import AwsError
from builds.engine.cancel import CancelToken
from builds.engine.cli import main
from builds.engine.datasources.amazon.ami.datasource import AmazonAmiDataSource
from builds.engine.plugins import PluginContext


def _source(arguments):
    plugin = AmazonAmiDataSource(arguments, PluginContext(build_name="", build_type="amazon-ami"))
    return plugin, plugin.prepare()


def _execute(arguments):
    plugin, problems = _source(arguments)
    assert problems == []
    return plugin.execute(CancelToken())


def _newest(images):
    """The newest image; among images created in the same second, the last listed (as the plugin sorts)."""
    return sorted(images, key=lambda image: image["CreationDate"])[-1]


def test_most_recent_picks_the_newest_matching_image(moto):
    images = moto.client("ec2").describe_images(
        Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*"]}])["Images"]
    assert len(images) > 1

    output = _execute(moto.arguments(owners=["amazon"], filters={"name": "al2023-ami-2023*"}, most_recent=True))

    newest = _newest(images)
    assert output["id"] == newest["ImageId"]
    assert output["name"] == newest["Name"]
    assert output["creation_date"] == newest["CreationDate"]
    assert output["owner"] == newest["OwnerId"]
    assert output["owner_name"] == "amazon"


def test_several_matches_without_most_recent_is_an_error(moto):
    plugin, _ = _source(moto.arguments(owners=["amazon"], filters={"name": "al2023-ami-2023*"}))

    with pytest.raises(AwsError, match="^Your query returned more than one result. Please try a more specific "
                                       "search, or set most_recent to true.$"):
        plugin.execute(CancelToken())


def test_no_match_is_an_error_that_shows_the_query(moto):
    plugin, _ = _source(moto.arguments(owners=["amazon"], filters={"name": "no-such-image-*"}))

    with pytest.raises(AwsError) as caught:
        plugin.execute(CancelToken())

    assert str(caught.value) == "No AMI was found matching filters: owners amazon; name = no-such-image-*"


def test_the_outputs_carry_the_images_tags_and_owner(moto):
    ec2 = moto.client("ec2")
    instance = ec2.run_instances(ImageId="ami-1e749f67", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image = ec2.create_image(InstanceId=instance, Name="web-base-1", TagSpecifications=[
        {"ResourceType": "image", "Tags": [{"Key": "team", "Value": "images"}, {"Key": "os", "Value": "linux"}]}])

    output = _execute(moto.arguments(owners=["self"], filters={"name": "web-base-*"}))

    assert output["id"] == image["ImageId"]
    assert output["owner"] == moto.account_id
    assert output["tags"] == {"team": "images", "os": "linux"}


def test_a_filter_value_may_list_several_values(moto):
    output = _execute(moto.arguments(owners=["amazon"], filters={"image-id": "ami-1e749f67, ami-doesnotexist"}))

    assert output["id"] == "ami-1e749f67"


def test_the_request_passes_owners_filters_and_include_deprecated():
    plugin, _ = _source({"region": "us-east-1", "owners": ["099720109477"], "filters": {"name": "ubuntu/*"},
                         "include_deprecated": True})

    assert plugin.request() == {"IncludeDeprecated": True, "Owners": ["099720109477"],
                                "Filters": [{"Name": "name", "Values": ["ubuntu/*"]}]}


def test_prepare_wants_an_owner(moto):
    _, problems = _source(moto.arguments(filters={"name": "x"}))

    assert problems == ["For security reasons, you must declare an owner."]


def test_prepare_wants_filters_or_owners(moto):
    _, problems = _source(moto.arguments())

    assert problems == ["The `filters` must be specified", "For security reasons, you must declare an owner."]


def test_prepare_reports_access_problems(moto):
    _, problems = _source(moto.arguments(region="us-esat-1", owners=["amazon"]))

    assert problems and problems[0].startswith("Invalid region 'us-esat-1'")


def _cli(tmp_path: Path, verb: str, text: str, *flags: str) -> tuple[int, str, str]:
    template = tmp_path / "t.pkr.hcl"
    template.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main([verb, *(["-color=false"] if verb == "build" else []), *flags, str(template)], out, err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def _template(moto, filters: str) -> str:
    return f'''
data "amazon-ami" "base" {{
{moto.hcl()}
  owners      = ["amazon"]
  filters     = {{ {filters} }}
  most_recent = true
}}

locals {{
  base_ami = data.amazon-ami.base.id
}}

source "null" "use" {{ communicator = "none" }}

build {{
  sources = ["source.null.use"]
  provisioner "shell-local" {{
    inline = ["echo base=${{local.base_ami}} name=${{data.amazon-ami.base.name}} > ${{path.root}}/ami.txt"]
  }}
}}
'''


def test_a_template_builds_with_the_ami_the_data_source_found(moto, tmp_path):
    images = moto.client("ec2").describe_images(
        Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn*"]}])["Images"]
    newest = _newest(images)

    code, out, err = _cli(tmp_path, "build", _template(moto, 'name = "amzn*"'))

    assert code == 0, out + err
    assert (tmp_path / "ami.txt").read_text() == f"base={newest['ImageId']} name={newest['Name']}\n"


def test_a_template_using_the_data_source_validates(moto, tmp_path):
    code, out, err = _cli(tmp_path, "validate", _template(moto, 'name = "amzn*"'))

    assert code == 0, out + err
    assert "The configuration is valid." in out


def test_a_failing_lookup_stops_the_build_with_the_data_sources_position(moto, tmp_path):
    code, out, err = _cli(tmp_path, "build", _template(moto, 'name = "no-such-image-*"'))

    shown = " ".join((out + err).split())  # diagnostics are wrapped to the terminal's width
    assert code == 1
    assert "Error: Data source failed" in shown
    assert 'line 2, in data "amazon-ami" "base"' in shown
    assert "No AMI was found matching filters: owners amazon; name = no-such-image-*" in shown
    assert not (tmp_path / "ami.txt").exists()


def test_validate_looks_the_data_up_only_when_asked_to_evaluate_data_sources(moto, tmp_path):
    template = _template(moto, 'name = "no-such-image-*"')

    assert _cli(tmp_path, "validate", template)[0] == 0  # the lookup is not made: its values are unknown

    code, out, err = _cli(tmp_path, "validate", template, "-evaluate-datasources")

    shown = " ".join((out + err).split())
    assert code == 1
    assert "Error: Data source failed" in shown and 'line 2, in data "amazon-ami" "base"' in shown
    assert "No AMI was found matching filters: owners amazon; name = no-such-image-*" in shown
    assert "The configuration is valid." not in shown
    code, out, _ = _cli(tmp_path, "validate", _template(moto, 'name = "amzn*"'), "-evaluate-datasources")
    assert (code, out.strip()) == (0, "The configuration is valid.")
