"""Tags rendered with the build's template data and the amazon plugin's clean_resource_name."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.common.tags import (
    build_info,
    clean_ami_name,
    render_tags,
    specifications,
)
from builds.engine.gotemplate import TemplateContext

SOURCE = {"ImageId": "ami-1", "Name": "ubuntu/images/trusty", "OwnerId": "099720109477",
          "ImageOwnerAlias": "amazon", "CreationDate": "2017-07-27T00:00:00.000Z",
          "Tags": [{"Key": "Distro", "Value": "ubuntu"}]}


def test_tags_see_the_source_ami_and_the_build_region():
    tags = render_tags({"Base": "{{ .SourceAMI }} {{ .SourceAMIName }}", "Where": "{{ .BuildRegion }}",
                        "Distro": "{{ .SourceAMITags.Distro }}", "{{ .SourceAMIOwnerName }}": "owner"},
                       build_info("eu-west-1", SOURCE), TemplateContext())

    assert tags == [{"Key": "Base", "Value": "ami-1 ubuntu/images/trusty"}, {"Key": "Where", "Value": "eu-west-1"},
                    {"Key": "Distro", "Value": "ubuntu"}, {"Key": "amazon", "Value": "owner"}]


def test_a_broken_tag_template_names_the_tag():
    with pytest.raises(ValueError, match="Error processing tag: Bad:{{ nope }}"):
        render_tags({"Bad": "{{ nope }}"}, {}, TemplateContext())


def test_clean_resource_name_keeps_case_and_the_ami_name_alphabet():
    assert clean_ami_name("My AMI: v1.2 (x86)*") == "My AMI- v1.2 (x86)-"


def test_no_tags_make_no_specifications():
    assert specifications([], "instance") == []
    assert specifications([{"Key": "a", "Value": "b"}], "image", "snapshot") == [
        {"ResourceType": "image", "Tags": [{"Key": "a", "Value": "b"}]},
        {"ResourceType": "snapshot", "Tags": [{"Key": "a", "Value": "b"}]}]
