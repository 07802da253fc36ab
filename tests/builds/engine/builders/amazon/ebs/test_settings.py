"""amazon-ebs settings: Packer's defaults, and every problem prepare reports, in Packer's words."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.ebs.settings import read_settings
from builds.engine.plugins import PluginContext

VALID = {"region": "us-east-1", "access_key": "AKID", "secret_key": "secret", "ami_name": "web-{{timestamp}}",
         "instance_type": "t2.micro", "source_ami": "ami-1e749f67", "ssh_username": "ubuntu"}


def _read(force: bool = False, **changes):
    arguments = {**VALID, **changes}
    arguments = {name: value for name, value in arguments.items() if value is not None}
    return read_settings(arguments, PluginContext("amazon-ebs.web", "amazon-ebs", force=force))


def test_a_valid_configuration_has_no_problems_and_packers_defaults():
    settings, problems = _read()

    assert problems == []
    assert settings.ami.name.startswith("web-") and settings.ami.name[4:].isdigit()
    assert settings.run.temporary_key_pair_name.startswith("packer_")
    assert settings.run.temporary_security_group_source_cidrs == ["0.0.0.0/0"]
    assert settings.run.shutdown_behavior == "stop"
    assert settings.run.capacity_reservation_preference == "none"
    assert (settings.run.metadata.http_endpoint, settings.run.metadata.http_tokens) == ("enabled", "optional")


def test_the_ami_name_is_rendered_once_with_the_amazon_clean_resource_name():
    settings, problems = _read(ami_name="Web {{ clean_resource_name `a:b` }}")

    assert problems == []
    assert settings.ami.name == "Web a-b"


@pytest.mark.parametrize(("changes", "message"), [
    ({"ami_name": None}, "ami_name must be specified"),
    ({"ami_name": "ab"}, "ami_name must be between 3 and 128 characters long"),
    ({"ami_name": "web:1"}, "AMIName should only contain alphanumeric characters"),
    ({"source_ami": None}, "A source_ami or source_ami_filter must be specified"),
    ({"source_ami": None, "source_ami_filter": {"filters": {"name": "ubuntu*"}}},
     "For security reasons, your source AMI filter must declare an owner."),
    ({"ssh_interface": "carrier_pigeon"}, "Unknown interface type: carrier_pigeon"),
    ({"ssh_interface": "session_manager", "iam_instance_profile": "p"},
     'ssh_interface "session_manager" is not supported by ImageHub'),
    ({"region": "us-eest-1"}, "Invalid region 'us-eest-1'"),
    ({"ami_regions": ["mars-north-1"]}, "Invalid region(s) in ami_regions: mars-north-1"),
    ({"instance_type": None}, "either instance_type or spot_instance_types must be specified"),
    ({"spot_instance_types": ["t3.micro"]}, "either instance_type or spot_instance_types must be specified, not both"),
    ({"spot_tags": {"a": "b"}}, "spot_tags should not be set when not requesting a spot instance"),
    ({"user_data": "x", "user_data_file": "/etc/hostname"}, "Only one of user_data or user_data_file can be specified."),
    ({"user_data_file": "/nonexistent/user-data"}, "user_data_file not found: /nonexistent/user-data"),
    ({"security_group_id": "sg-1", "security_group_ids": ["sg-2"]},
     "Only one of security_group_id or security_group_ids can be specified."),
    ({"temporary_security_group_source_cidrs": ["10.0.0.0/33"]},
     "Error parsing CIDR in temporary_security_group_source_cidrs"),
    ({"shutdown_behavior": "hibernate"}, "shutdown_behavior only accepts 'stop' or 'terminate' values."),
    ({"temporary_key_pair_type": "dsa"}, "temporary_key_pair_type requires either rsa or ed25519 as its value"),
    ({"ssh_keypair_name": "mine"}, "ssh_private_key_file must be provided or ssh_agent_auth enabled when "
                                   "ssh_keypair_name is specified."),
    ({"metadata_options": {"http_tokens": "sometimes"}}, "http_tokens requires either optional or required"),
    ({"imds_support": "v1"}, 'The only valid imds_support values are "v2.0" or the empty string'),
    ({"deprecate_at": "tomorrow"}, 'deprecate_at is not a valid time: "tomorrow"'),
    ({"kms_key_id": "alias/mine"}, "If you have set either region_kms_key_ids or kms_key_id, encrypt_boot must "
                                   "also be true."),
    ({"region_kms_key_ids": {"eu-west-1": "alias/k"}, "encrypt_boot": True},
     "Region eu-west-1 is in region_kms_key_ids but not in ami_regions"),
    ({"access_key": None}, "`access_key` and `secret_key` must both be either set or not set."),
    ({"enable_unlimited_credits": True, "instance_type": "m5.large"},
     "Error: Instance Type: m5.large is not within the supported types for Unlimited credits."),
    ({"launch_block_device_mappings": [{"device_name": "/dev/sdb", "volume_type": "gp2", "throughput": 200}]},
     'Throughput is only valid for gp3 volumes, "/dev/sdb" is of type gp2'),
    ({"spot_price": "0.1", "ena_support": True}, "Spot instances do not support modification"),
    ({"fast_launch": {"enable_fast_launch": True}}, "fast_launch is not supported by ImageHub"),
    ({"ssh_username": None}, "An ssh_username must be specified"),
])
def test_each_configuration_error_is_reported_in_packers_words(changes, message):
    _settings, problems = _read(**changes)

    assert any(message in problem for problem in problems), problems


def test_every_problem_is_reported_at_once():
    _settings, problems = _read(ami_name=None, source_ami=None, ssh_interface="bad", region="nowhere-1")

    assert len(problems) == 4, problems


def test_force_implies_force_deregister_and_tag_blocks_merge_into_tag_maps():
    settings, problems = _read(force=True, tags={"a": "1"}, tag=[{"key": "b", "value": "2"}],
                               run_volume_tag=[{"name": "v", "value": "3"}])

    assert problems == []
    assert settings.ami.force_deregister
    assert settings.ami.tags == {"a": "1", "b": "2"}
    assert settings.run_volume_tags == {"v": "3"}


def test_the_build_region_is_not_a_copy_target_and_copy_regions_are_deduplicated():
    settings, problems = _read(ami_regions=["us-west-2", "us-east-1", "us-west-2"])

    assert problems == []
    assert settings.ami.regions == ["us-west-2"]


def test_no_temporary_key_pair_is_planned_when_the_template_gives_a_password_or_a_key_pair_name():
    with_password, _ = _read(ssh_password="pw")
    with_agent, _ = _read(ssh_keypair_name="mine", ssh_agent_auth=True)

    assert with_password.run.temporary_key_pair_name == ""
    assert with_agent.run.temporary_key_pair_name == ""
