"""The argument groups the amazon plugin's builders and data sources share (amazon v1.8.2).

They mirror the plugin's ``common`` configs: :data:`ACCESS_SCHEMA`
(``AccessConfig``), :data:`AMI_SCHEMA` (``AMIConfig`` with its snapshot
arguments), :data:`RUN_SCHEMA` (``RunConfig``, which embeds the communicator),
:data:`BLOCK_DEVICE_SCHEMA` and :data:`AMI_FILTER_SCHEMA`.

Cross-field rules (checked by prepare, not by the schema):

* ``access_key`` and ``secret_key`` are given together or not at all, and not
  with ``vault_aws_engine``.
* ``region`` is not checked by prepare: it may come from ``AWS_REGION`` or the
  shared config profile instead.
* one of ``source_ami`` and ``source_ami_filter`` is required; without
  ``source_ami`` the filter must list ``owners``.
* exactly one of ``instance_type`` and ``spot_instance_types``.
* ``spot_tags``/``spot_tag`` and ``fleet_tags``/``fleet_tag`` need ``spot_price``.
* ``user_data`` and ``user_data_file`` exclude each other, as do
  ``security_group_id`` and ``security_group_ids``, ``tenancy`` and
  ``placement.tenancy``, ``capacity_reservation_id`` and
  ``capacity_reservation_group_arn`` (and either of them with
  ``capacity_reservation_preference``).
* ``region_kms_key_ids`` regions must be in ``ami_regions``; a KMS key needs
  ``encrypt_boot = true``.
* ``ami_name`` is 3 to 128 characters of ``[A-Za-z0-9()[] ./-'@_]``.
* ``ssh_interface`` is one of ``public_ip``, ``private_ip``, ``public_dns``,
  ``private_dns``, ``ipv6``, ``session_manager``; ``session_manager`` needs
  ``iam_instance_profile`` or ``temporary_iam_instance_profile_policy_document``
  and does not work with WinRM.
* ``ssh_keypair_name`` needs ``ssh_private_key_file`` or ``ssh_agent_auth``.
* ``temporary_key_pair_type`` is ``rsa`` or ``ed25519``; ``shutdown_behavior``
  is ``stop`` or ``terminate``; ``metadata_options`` values are
  ``enabled``/``disabled`` and ``optional``/``required``, hop limit 1 to 64.
"""

from __future__ import annotations

from builds.engine.communicators.config import SCHEMA as COMMUNICATOR_SCHEMA
from builds.engine.schema import Attribute, Block, Schema, attrs

# ``tag { key = ... value = ... }``: the block form of a tag map.
KEY_VALUE_SCHEMA = Schema(attrs(key="string", value="string"))

# ``run_volume_tag { name = ... value = ... }`` and ``filter { name = ... value = ... }``.
NAME_VALUE_SCHEMA = Schema(attrs(name="string", value="string"))

ASSUME_ROLE_SCHEMA = Schema(
    attrs(
        role_arn="string",
        duration_seconds="number",
        external_id="string",
        policy="string",
        policy_arns="list(string)",
        session_name="string",
        tags="map(string)",
        transitive_tag_keys="list(string)",
    )
)

VAULT_AWS_ENGINE_SCHEMA = Schema(
    attrs(name="string", role_arn="string", ttl="string", engine_name="string")
)

AWS_POLLING_SCHEMA = Schema(attrs(max_attempts="number", delay_seconds="number"))

ACCESS_SCHEMA = Schema(
    attrs(
        access_key=Attribute("string", sensitive=True),
        custom_endpoint_ec2="string",
        shared_credentials_file="string",
        decode_authorization_messages="bool",
        insecure_skip_tls_verify="bool",
        max_retries="number",
        mfa_code=Attribute("string", sensitive=True),
        profile="string",
        region="string",
        secret_key=Attribute("string", sensitive=True),
        skip_metadata_api_check=Attribute(
            "bool", deprecated="skip_metadata_api_check is ignored by the amazon plugin"
        ),
        skip_credential_validation="bool",
        token=Attribute("string", sensitive=True),
    ),
    {
        "assume_role": Block(ASSUME_ROLE_SCHEMA),
        "vault_aws_engine": Block(VAULT_AWS_ENGINE_SCHEMA),
        "aws_polling": Block(AWS_POLLING_SCHEMA),
    },
)

# ``source_ami_filter { }`` in builders; the body of the ``amazon-ami`` data source.
AMI_FILTER_SCHEMA = Schema(
    attrs(
        filters="map(string)",
        owners="list(string)",
        most_recent="bool",
        include_deprecated="bool",
    )
)

DEREGISTRATION_PROTECTION_SCHEMA = Schema(attrs(enabled="bool", with_cooldown="bool"))

AMI_SCHEMA = Schema(
    attrs(
        ami_name=Attribute("string", required=True),
        ami_description="string",
        ami_virtualization_type="string",
        ami_users="list(string)",
        ami_groups="list(string)",
        ami_org_arns="list(string)",
        ami_ou_arns="list(string)",
        ami_product_codes="list(string)",
        ami_regions="list(string)",
        skip_region_validation="bool",
        snapshot_copy_duration_minutes="number",
        tags="map(string)",
        ena_support="bool",
        sriov_support="bool",
        force_deregister="bool",
        force_delete_snapshot="bool",
        encrypt_boot="bool",
        kms_key_id="string",
        region_kms_key_ids="map(string)",
        skip_save_build_region="bool",
        imds_support="string",
        deprecate_at="string",
        snapshot_tags="map(string)",
        snapshot_users="list(string)",
        snapshot_groups="list(string)",
    ),
    {
        "tag": Block(KEY_VALUE_SCHEMA, repeated=True),
        "snapshot_tag": Block(KEY_VALUE_SCHEMA, repeated=True),
        "deregistration_protection": Block(DEREGISTRATION_PROTECTION_SCHEMA),
    },
)

# ``vpc_filter { }`` and ``security_group_filter { }``.
NAME_VALUE_FILTER_SCHEMA = Schema(
    attrs(filters="map(string)"),
    {"filter": Block(NAME_VALUE_SCHEMA, repeated=True)},
)

SUBNET_FILTER_SCHEMA = NAME_VALUE_FILTER_SCHEMA.merged(
    Schema(attrs(most_free="bool", random="bool"))
)

# ``temporary_iam_instance_profile_policy_document { }``: an IAM policy, with IAM's capitalised keys.
POLICY_DOCUMENT_SCHEMA = Schema(
    attrs(Version="string"),
    {
        "Statement": Block(
            Schema(attrs(Effect="string", Action="list(string)", Resource="list(string)")),
            repeated=True,
        )
    },
)

LICENSE_SPECIFICATION_SCHEMA = Schema(
    blocks={
        "license_configuration_request": Block(Schema(attrs(license_configuration_arn="string")))
    }
)

PLACEMENT_SCHEMA = Schema(
    attrs(host_resource_group_arn="string", host_id="string", tenancy="string")
)

METADATA_OPTIONS_SCHEMA = Schema(
    attrs(
        http_endpoint="string",
        http_tokens="string",
        http_put_response_hop_limit="number",
        instance_metadata_tags="string",
    )
)

RUN_SCHEMA = Schema(
    attrs(
        associate_public_ip_address="bool",
        availability_zone="string",
        block_duration_minutes="number",
        capacity_reservation_preference="string",
        capacity_reservation_id="string",
        capacity_reservation_group_arn="string",
        disable_stop_instance="bool",
        ebs_optimized="bool",
        enable_nitro_enclave="bool",
        enable_t2_unlimited=Attribute(
            "bool", deprecated="enable_t2_unlimited is deprecated; use enable_unlimited_credits"
        ),
        enable_unlimited_credits="bool",
        iam_instance_profile="string",
        fleet_tags="map(string)",
        skip_profile_validation="bool",
        shutdown_behavior="string",
        instance_type="string",
        run_tags="map(string)",
        security_group_id="string",
        security_group_ids="list(string)",
        source_ami="string",
        spot_allocation_strategy="string",
        spot_instance_types="list(string)",
        spot_price="string",
        spot_price_auto_product=Attribute(
            "string", deprecated="spot_price_auto_product is deprecated and no longer used"
        ),
        spot_tags="map(string)",
        subnet_id="string",
        tenancy=Attribute("string", deprecated="tenancy is deprecated; use placement { tenancy }"),
        temporary_security_group_source_cidrs="list(string)",
        temporary_security_group_source_public_ip="bool",
        user_data="string",
        user_data_file="string",
        vpc_id="string",
        windows_password_timeout="string",
        ssh_interface="string",
        pause_before_ssm="string",
        session_manager_port="number",
    ),
    {
        "fleet_tag": Block(KEY_VALUE_SCHEMA, repeated=True),
        "temporary_iam_instance_profile_policy_document": Block(POLICY_DOCUMENT_SCHEMA),
        "security_group_filter": Block(NAME_VALUE_FILTER_SCHEMA),
        "run_tag": Block(KEY_VALUE_SCHEMA, repeated=True),
        "source_ami_filter": Block(AMI_FILTER_SCHEMA),
        "spot_tag": Block(KEY_VALUE_SCHEMA, repeated=True),
        "subnet_filter": Block(SUBNET_FILTER_SCHEMA),
        "license_specifications": Block(LICENSE_SPECIFICATION_SCHEMA, repeated=True),
        "placement": Block(PLACEMENT_SCHEMA),
        "vpc_filter": Block(NAME_VALUE_FILTER_SCHEMA),
        "metadata_options": Block(METADATA_OPTIONS_SCHEMA),
    },
).merged(COMMUNICATOR_SCHEMA)

# One ``launch_block_device_mappings { }`` or ``ami_block_device_mappings { }`` entry.
BLOCK_DEVICE_SCHEMA = Schema(
    attrs(
        delete_on_termination="bool",
        device_name=Attribute("string", required=True),
        encrypted="bool",
        iops="number",
        no_device="bool",
        snapshot_id="string",
        throughput="number",
        virtual_name="string",
        volume_type="string",
        volume_size="number",
        kms_key_id="string",
    )
)
