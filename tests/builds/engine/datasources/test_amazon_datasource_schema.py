"""Tests for the amazon-ami and amazon-parameterstore data sources' arguments."""

from builds.engine.builders.amazon.schema import ACCESS_SCHEMA
from builds.engine.registry import lookup

ACCESS_ARGUMENTS = {
    "access_key",
    "custom_endpoint_ec2",
    "decode_authorization_messages",
    "insecure_skip_tls_verify",
    "max_retries",
    "mfa_code",
    "profile",
    "region",
    "secret_key",
    "shared_credentials_file",
    "skip_credential_validation",
    "skip_metadata_api_check",
    "token",
}


def _schema(type_name):
    return lookup("data", type_name).schema


def test_the_shared_access_group_has_the_upstream_arguments_and_blocks():
    assert set(ACCESS_SCHEMA.attributes) == ACCESS_ARGUMENTS
    assert set(ACCESS_SCHEMA.blocks) == {"assume_role", "vault_aws_engine", "aws_polling"}


def test_amazon_ami_takes_access_arguments_and_the_ami_filter():
    schema = _schema("amazon-ami")
    filter_arguments = {"filters", "owners", "most_recent", "include_deprecated"}
    assert set(schema.attributes) == ACCESS_ARGUMENTS | filter_arguments
    assert set(schema.blocks) == {"assume_role", "vault_aws_engine", "aws_polling"}
    assert schema.attributes["filters"].type == "map(string)"
    assert schema.attributes["owners"].type == "list(string)"


def test_amazon_ami_requires_owners_though_a_builder_filter_does_not():
    assert {n for n, a in _schema("amazon-ami").attributes.items() if a.required} == {"owners"}
    builder_filter = lookup("builder", "amazon-ebs").schema.blocks["source_ami_filter"].schema
    assert not builder_filter.attributes["owners"].required


def test_amazon_parameterstore_requires_the_parameter_name():
    schema = _schema("amazon-parameterstore")
    assert set(schema.attributes) == ACCESS_ARGUMENTS | {"name", "with_decryption"}
    assert {n for n, a in schema.attributes.items() if a.required} == {"name"}
    assert schema.attributes["with_decryption"].type == "bool"


def test_data_source_credentials_are_sensitive():
    for type_name in ("amazon-ami", "amazon-parameterstore"):
        attributes = _schema(type_name).attributes
        assert all(attributes[n].sensitive for n in ("access_key", "secret_key", "token"))
