"""Tests for the amazon-ebs builder's arguments (github.com/hashicorp/amazon v1.8.2)."""

import pytest

from builds.engine.builders.amazon.ebs.config import SCHEMA
from builds.engine.communicators.config import SCHEMA as COMMUNICATOR_SCHEMA


def _names(text):
    return set(text.split())


# The builder's HCL spec in the plugin's v1.8.2 release, minus the communicator arguments.
UPSTREAM_ARGUMENTS = _names(
    """
    access_key ami_description ami_groups ami_name ami_org_arns ami_ou_arns ami_product_codes
    ami_regions ami_users ami_virtualization_type associate_public_ip_address availability_zone
    block_duration_minutes capacity_reservation_group_arn capacity_reservation_id
    capacity_reservation_preference custom_endpoint_ec2 decode_authorization_messages
    deprecate_at disable_stop_instance ebs_optimized ena_support enable_nitro_enclave
    enable_t2_unlimited enable_unlimited_credits encrypt_boot fleet_tags force_delete_snapshot
    force_deregister iam_instance_profile imds_support insecure_skip_tls_verify instance_type
    kms_key_id max_retries mfa_code no_ephemeral pause_before_ssm profile region
    region_kms_key_ids run_tags run_volume_tags secret_key security_group_id security_group_ids
    session_manager_port shared_credentials_file shutdown_behavior skip_ami_run_tags
    skip_create_ami skip_credential_validation skip_metadata_api_check skip_profile_validation
    skip_region_validation skip_save_build_region snapshot_copy_duration_minutes snapshot_groups
    snapshot_tags snapshot_users source_ami spot_allocation_strategy spot_instance_types
    spot_price spot_price_auto_product spot_tags sriov_support ssh_interface subnet_id tags
    temporary_security_group_source_cidrs temporary_security_group_source_public_ip tenancy
    token user_data user_data_file vpc_id windows_password_timeout
    """
)

UPSTREAM_BLOCKS = {
    # name: repeated
    "ami_block_device_mappings": True,
    "assume_role": False,
    "aws_polling": False,
    "deregistration_protection": False,
    "fast_launch": False,
    "fleet_tag": True,
    "launch_block_device_mappings": True,
    "license_specifications": True,
    "metadata_options": False,
    "placement": False,
    "run_tag": True,
    "run_volume_tag": True,
    "security_group_filter": False,
    "snapshot_tag": True,
    "source_ami_filter": False,
    "spot_tag": True,
    "subnet_filter": False,
    "tag": True,
    "temporary_iam_instance_profile_policy_document": False,
    "vault_aws_engine": False,
    "vpc_filter": False,
}

NESTED = {
    "ami_block_device_mappings": "delete_on_termination device_name encrypted iops kms_key_id "
    "no_device snapshot_id throughput virtual_name volume_size volume_type",
    "assume_role": "duration_seconds external_id policy policy_arns role_arn session_name tags "
    "transitive_tag_keys",
    "aws_polling": "delay_seconds max_attempts",
    "deregistration_protection": "enabled with_cooldown",
    "fast_launch": "enable_fast_launch max_parallel_launches region_launch_templates "
    "target_resource_count template_id template_name template_version",
    "fleet_tag": "key value",
    "license_specifications": "license_configuration_request",
    "metadata_options": "http_endpoint http_put_response_hop_limit http_tokens "
    "instance_metadata_tags",
    "placement": "host_id host_resource_group_arn tenancy",
    "run_volume_tag": "name value",
    "security_group_filter": "filter filters",
    "source_ami_filter": "filters include_deprecated most_recent owners",
    "subnet_filter": "filter filters most_free random",
    "temporary_iam_instance_profile_policy_document": "Statement Version",
    "vault_aws_engine": "engine_name name role_arn ttl",
    "vpc_filter": "filter filters",
}


def test_schema_declares_exactly_the_upstream_arguments_and_the_communicator():
    assert set(SCHEMA.attributes) == UPSTREAM_ARGUMENTS | set(COMMUNICATOR_SCHEMA.attributes)


def test_schema_declares_exactly_the_upstream_blocks_with_their_repetition():
    assert {name: block.repeated for name, block in SCHEMA.blocks.items()} == UPSTREAM_BLOCKS


@pytest.mark.parametrize(("block", "names"), NESTED.items())
def test_nested_blocks_declare_the_upstream_arguments(block, names):
    schema = SCHEMA.blocks[block].schema
    assert set(schema.attributes) | set(schema.blocks) == _names(names)


def test_tags_come_as_maps_and_as_repeated_key_value_blocks():
    for plural, singular in [
        ("tags", "tag"),
        ("run_tags", "run_tag"),
        ("spot_tags", "spot_tag"),
        ("fleet_tags", "fleet_tag"),
        ("snapshot_tags", "snapshot_tag"),
    ]:
        assert SCHEMA.attributes[plural].type == "map(string)"
        assert set(SCHEMA.blocks[singular].schema.attributes) == {"key", "value"}
    assert SCHEMA.attributes["run_volume_tags"].type == "map(string)"
    assert set(SCHEMA.blocks["run_volume_tag"].schema.attributes) == {"name", "value"}


def test_only_ami_name_is_required_at_the_top_level():
    assert {n for n, a in SCHEMA.attributes.items() if a.required} == {"ami_name"}
    assert not any(block.required for block in SCHEMA.blocks.values())


@pytest.mark.parametrize("cross_field", ["region", "instance_type", "source_ami", "ssh_username"])
def test_arguments_required_only_in_combination_are_optional(cross_field):
    assert not SCHEMA.attributes[cross_field].required


def test_every_block_device_needs_a_device_name():
    for mapping in ("launch_block_device_mappings", "ami_block_device_mappings"):
        attributes = SCHEMA.blocks[mapping].schema.attributes
        assert attributes["device_name"].required
        assert attributes["volume_size"].type == "number"
        assert attributes["encrypted"].type == "bool"


def test_fast_launch_region_templates_repeat_and_need_a_region():
    regional = SCHEMA.blocks["fast_launch"].schema.blocks["region_launch_templates"]
    assert regional.repeated
    assert regional.schema.attributes["region"].required
    assert regional.schema.attributes["template_version"].type == "number"


def test_the_policy_document_keeps_iam_capitalisation():
    document = SCHEMA.blocks["temporary_iam_instance_profile_policy_document"].schema
    statement = document.blocks["Statement"]
    assert statement.repeated
    assert {n: a.type for n, a in statement.schema.attributes.items()} == {
        "Effect": "string",
        "Action": "list(string)",
        "Resource": "list(string)",
    }


def test_filters_take_a_map_and_repeated_name_value_blocks():
    for name in ("vpc_filter", "subnet_filter", "security_group_filter"):
        schema = SCHEMA.blocks[name].schema
        assert schema.attributes["filters"].type == "map(string)"
        assert schema.blocks["filter"].repeated
        assert set(schema.blocks["filter"].schema.attributes) == {"name", "value"}
    assert not SCHEMA.blocks["source_ami_filter"].schema.attributes["owners"].required


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("ami_regions", "list(string)"),
        ("region_kms_key_ids", "map(string)"),
        ("snapshot_copy_duration_minutes", "number"),
        ("associate_public_ip_address", "bool"),
        ("ena_support", "bool"),
        ("encrypt_boot", "bool"),
        ("windows_password_timeout", "string"),
        ("session_manager_port", "number"),
        ("temporary_security_group_source_cidrs", "list(string)"),
        ("spot_price", "string"),
        ("max_retries", "number"),
    ],
)
def test_arguments_have_the_upstream_types(name, type_):
    assert SCHEMA.attributes[name].type == type_


def test_credentials_are_sensitive():
    for name in ("access_key", "secret_key", "token", "mfa_code", "ssh_password"):
        assert SCHEMA.attributes[name].sensitive, name
    assert not SCHEMA.attributes["profile"].sensitive


@pytest.mark.parametrize(
    ("name", "replacement"),
    [
        ("enable_t2_unlimited", "enable_unlimited_credits"),
        ("tenancy", "placement"),
        ("spot_price_auto_product", "no longer used"),
        ("skip_metadata_api_check", "ignored"),
    ],
)
def test_deprecated_arguments_warn_with_what_to_do(name, replacement):
    assert replacement in SCHEMA.attributes[name].deprecated
