"""The amazon-parameterstore data source against a moto server."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.errors import AwsError
from builds.engine.cancel import CancelToken
from builds.engine.datasources.amazon.parameterstore.datasource import (
    AmazonParameterStoreDataSource,
)
from builds.engine.plugins import PluginContext


def _source(arguments):
    plugin = AmazonParameterStoreDataSource(arguments, PluginContext(build_name="", build_type="amazon-parameterstore"))
    return plugin, plugin.prepare()


def _execute(arguments):
    plugin, problems = _source(arguments)
    assert problems == []
    return plugin.execute(CancelToken())


def test_a_string_parameter_gives_its_value_version_and_arn(moto):
    ssm = moto.client("ssm")
    ssm.put_parameter(Name="/images/base", Value="ami-1", Type="String")
    ssm.put_parameter(Name="/images/base", Value="ami-2", Type="String", Overwrite=True)

    output = _execute(moto.arguments(name="/images/base"))

    assert output == {"value": "ami-2", "version": "2",
                      "arn": f"arn:aws:ssm:us-east-1:{moto.account_id}:parameter/images/base"}


def test_a_secure_string_is_decrypted_only_when_asked(moto):
    moto.client("ssm").put_parameter(Name="db-password", Value="hunter2", Type="SecureString")

    assert _execute(moto.arguments(name="db-password", with_decryption=True))["value"] == "hunter2"
    assert _execute(moto.arguments(name="db-password"))["value"] != "hunter2"


def test_a_missing_parameter_is_named_in_the_error(moto):
    plugin, _ = _source(moto.arguments(name="/no/such"))

    with pytest.raises(AwsError, match='^The parameter name "/no/such" not found$'):
        plugin.execute(CancelToken())


def test_a_missing_version_is_its_own_error(moto):
    moto.client("ssm").put_parameter(Name="versioned", Value="v1", Type="String")
    plugin, _ = _source(moto.arguments(name="versioned:7"))

    with pytest.raises(AwsError, match='^The parameter version "versioned:7" not found$'):
        plugin.execute(CancelToken())


def test_prepare_wants_a_name(moto):
    _, problems = _source(moto.arguments())

    assert problems == ["a 'name' must be provided"]
