"""AwsAccess and the sessions it makes: arguments, checks, credential precedence, endpoints, masked errors; against a
moto server where it calls AWS."""

from __future__ import annotations

import os

import pytest

from builds.engine.builders.amazon.access import AwsAccess, Polling
from builds.engine.builders.amazon.errors import AwsError, ClientError
from builds.engine.hcl.values import UNKNOWN

CREDENTIALS_FILE = """\
[default]
aws_access_key_id = AKIDFILEDEFAULT
aws_secret_access_key = file-default-secret

[work]
aws_access_key_id = AKIDFILEWORK
aws_secret_access_key = file-work-secret
"""

CONFIG_FILE = """\
[profile work]
region = eu-west-3
"""


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No AWS settings from the host: no variables, empty shared files, no metadata service."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    (tmp_path / "credentials").write_text("")
    (tmp_path / "config").write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


@pytest.fixture
def shared_files(clean_env):
    (clean_env / "credentials").write_text(CREDENTIALS_FILE)
    (clean_env / "config").write_text(CONFIG_FILE)
    return clean_env


def _access_key(access: AwsAccess) -> str:
    return access.session().get_credentials().get_frozen_credentials().access_key


# -- arguments ------------------------------------------------------------------------------------


def test_from_arguments_reads_the_access_arguments_and_defaults_max_retries_to_ten():
    access = AwsAccess.from_arguments({
        "access_key": "AKID", "secret_key": "s3cret", "region": "eu-west-1", "profile": "work",
        "custom_endpoint_ec2": "http://127.0.0.1:5000", "insecure_skip_tls_verify": True,
        "skip_credential_validation": True, "skip_region_validation": True, "ami_name": "ignored",
        "assume_role": {"role_arn": "arn:aws:iam::123456789012:role/builder", "session_name": "s",
                        "external_id": "x", "duration_seconds": 900, "policy_arns": ["arn:p"],
                        "tags": {"team": "images"}},
        "aws_polling": {"delay_seconds": 2, "max_attempts": 7},
    })

    assert (access.access_key, access.secret_key, access.region, access.profile) == (
        "AKID", "s3cret", "eu-west-1", "work")
    assert access.max_retries == 10
    assert access.insecure_skip_tls_verify and access.skip_credential_validation and access.skip_region_validation
    assert access.assume_role.request_arguments() == {
        "RoleSessionName": "s", "ExternalId": "x", "DurationSeconds": 900, "PolicyArns": [{"arn": "arn:p"}],
        "Tags": [{"Key": "team", "Value": "images"}]}
    assert access.polling == Polling(delay_seconds=2, max_attempts=7)


def test_an_assume_role_block_without_a_role_arn_is_ignored_as_in_packer():
    assert AwsAccess.from_arguments({"assume_role": {"session_name": "s"}}).assume_role is None


def test_secret_values_are_listed_and_not_shown_in_repr():
    access = AwsAccess.from_arguments({"access_key": "AKIDSECRET", "secret_key": "very-secret", "token": "tok3n"})

    assert access.secrets() == ["AKIDSECRET", "very-secret", "tok3n"]
    assert "very-secret" not in repr(access) and "AKIDSECRET" not in repr(access)


# -- prepare --------------------------------------------------------------------------------------


def test_prepare_accepts_a_known_region(clean_env):
    assert AwsAccess.from_arguments({"region": "eu-central-1"}).prepare() == []


def test_prepare_wants_both_keys_or_neither(clean_env):
    problems = AwsAccess.from_arguments({"region": "us-east-1", "access_key": "AKID"}).prepare()

    assert problems == ["`access_key` and `secret_key` must both be either set or not set."]


def test_prepare_reports_a_missing_region(clean_env):
    problems = AwsAccess.from_arguments({}).prepare()

    assert len(problems) == 1 and problems[0].startswith("No region")


def test_the_region_may_come_from_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert AwsAccess.from_arguments({}).resolved_region() == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    assert AwsAccess.from_arguments({}).resolved_region() == "eu-north-1"
    assert AwsAccess.from_arguments({}).prepare() == []


def test_the_region_may_come_from_the_profile(shared_files):
    access = AwsAccess.from_arguments({"profile": "work"})

    assert access.resolved_region() == "eu-west-3"
    assert access.prepare() == []


def test_prepare_reports_an_unknown_region_unless_validation_is_skipped(clean_env):
    problems = AwsAccess.from_arguments({"region": "us-esat-1"}).prepare()

    assert problems == ["Invalid region 'us-esat-1': it is not a known AWS region. Check its spelling, or set "
                        "skip_region_validation = true to use it anyway."]
    assert AwsAccess.from_arguments({"region": "us-esat-1", "skip_region_validation": True}).prepare() == []


def test_prepare_reports_a_profile_that_does_not_exist(shared_files):
    problems = AwsAccess.from_arguments({"region": "us-east-1", "profile": "nope"}).prepare()

    assert problems == ["The profile 'nope' was not found in the shared credentials and config files."]


def test_prepare_reports_an_endpoint_that_is_not_a_url(clean_env):
    problems = AwsAccess.from_arguments({"region": "us-east-1", "custom_endpoint_ec2": "ftp://host"}).prepare()

    assert problems and "custom_endpoint_ec2 'ftp://host' is not a URL" in problems[0]


def test_a_bare_endpoint_host_means_https():
    assert AwsAccess.from_arguments({"custom_endpoint_ec2": "ec2.example.com"}).ec2_endpoint == "https://ec2.example.com"


def test_prepare_reports_vault_as_unsupported(clean_env):
    problems = AwsAccess.from_arguments({"region": "us-east-1", "vault_aws_engine": {"name": "r"}}).prepare()

    assert len(problems) == 1 and problems[0].startswith("vault_aws_engine is not supported")


def test_prepare_skips_checks_of_values_known_only_at_build_time(clean_env):
    access = AwsAccess.from_arguments({"region": UNKNOWN, "access_key": UNKNOWN, "secret_key": "s"})

    assert access.prepare() == []


# -- credentials ----------------------------------------------------------------------------------


def test_static_keys_beat_the_profile_and_the_environment(shared_files, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    access = AwsAccess.from_arguments({"region": "us-east-1", "profile": "work",
                                       "access_key": "AKIDSTATIC", "secret_key": "static-secret"})

    assert _access_key(access) == "AKIDSTATIC"


def test_an_explicit_profile_beats_the_environment(shared_files, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")

    assert _access_key(AwsAccess.from_arguments({"region": "us-east-1", "profile": "work"})) == "AKIDFILEWORK"


def test_the_environment_beats_the_shared_files(shared_files, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")

    assert _access_key(AwsAccess.from_arguments({"region": "us-east-1"})) == "AKIDENV"


def test_the_shared_files_default_profile_is_the_last_resort(shared_files):
    assert _access_key(AwsAccess.from_arguments({"region": "us-east-1"})) == "AKIDFILEDEFAULT"


def test_shared_credentials_file_names_the_credentials_file(clean_env, tmp_path):
    other = tmp_path / "other-credentials"
    other.write_text("[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = x\n")
    access = AwsAccess.from_arguments({"region": "us-east-1", "shared_credentials_file": str(other)})

    assert _access_key(access) == "AKIDOTHER"


def test_no_credentials_anywhere_is_a_clear_error(clean_env):
    access = AwsAccess.from_arguments({"region": "us-east-1", "skip_metadata_api_check": True})

    with pytest.raises(AwsError, match="No valid credential sources found"):
        access.session()


def test_secrets_include_the_credentials_in_use(shared_files):
    access = AwsAccess.from_arguments({"region": "us-east-1"})
    access.session()

    assert "file-default-secret" in access.secrets()


# -- clients against moto -------------------------------------------------------------------------


def test_ec2_calls_go_to_custom_endpoint_ec2(moto):
    access = AwsAccess.from_arguments(moto.arguments())
    moto.client("ec2").create_key_pair(KeyName="seen-through-the-endpoint")

    names = [k["KeyName"] for k in access.ec2().describe_key_pairs()["KeyPairs"]]

    assert names == ["seen-through-the-endpoint"]
    assert access.ec2().meta.endpoint_url == moto.endpoint


def test_ec2_clients_in_other_regions_use_the_same_endpoint(moto):
    access = AwsAccess.from_arguments(moto.arguments())

    client = access.ec2("eu-west-1")

    assert client.meta.region_name == "eu-west-1" and client.meta.endpoint_url == moto.endpoint


def test_clients_are_made_once_per_service_and_region(moto):
    access = AwsAccess.from_arguments(moto.arguments())

    assert access.ec2() is access.ec2()
    assert access.ec2() is not access.ec2("eu-west-1")


def test_clients_retry_max_retries_times_and_may_skip_tls_checks(moto):
    access = AwsAccess.from_arguments(moto.arguments(max_retries=3, insecure_skip_tls_verify=True))

    client = access.ec2()

    assert client.meta.config.retries == {"total_max_attempts": 4, "mode": "standard"}
    assert client._endpoint.http_session._verify is False


def test_other_services_honour_aws_endpoint_url(moto):
    access = AwsAccess.from_arguments(moto.arguments(custom_endpoint_ec2=None))

    assert access.validate_credentials() == f"arn:aws:sts::{moto.account_id}:user/moto"
    assert access.ssm().meta.endpoint_url == moto.endpoint


def test_validation_is_skipped_when_asked(clean_env):
    access = AwsAccess.from_arguments({"region": "us-east-1", "skip_credential_validation": True})

    assert access.validate_credentials() == ""


def test_an_unreachable_sts_fails_validation_clearly(clean_env, free_port, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port}")  # nothing listens there
    access = AwsAccess.from_arguments({"region": "us-east-1", "access_key": "AKID", "secret_key": "wrong-secret",
                                       "max_retries": 1})

    with pytest.raises(AwsError) as caught:
        access.validate_credentials()

    assert "could not be validated" in str(caught.value)
    assert "Could not connect to the AWS endpoint" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)


def test_assume_role_signs_with_the_roles_credentials(moto):
    access = AwsAccess.from_arguments(moto.arguments(
        assume_role={"role_arn": f"arn:aws:iam::{moto.account_id}:role/builder", "session_name": "imagehub"}))

    key = _access_key(access)

    assert key.startswith("ASIA") and key != "testing"
    assert access.validate_credentials().endswith(":assumed-role/builder/imagehub")


# -- errors ---------------------------------------------------------------------------------------


def test_the_access_masks_its_own_secrets_in_errors():
    access = AwsAccess.from_arguments({"access_key": "AKIDSECRET", "secret_key": "sssh"})

    assert "AKIDSECRET" not in access.describe_error(
        ClientError({"Error": {"Code": "AuthFailure", "Message": "AKIDSECRET is bad"}}, "DescribeImages"))


# -- polling --------------------------------------------------------------------------------------


def test_polling_prefers_the_block_then_the_environment_then_the_defaults():
    assert Polling(3, 5).waiter_config(15, 40, env={"AWS_POLL_DELAY_SECONDS": "9"}) == {"Delay": 3, "MaxAttempts": 5}
    assert Polling().waiter_config(15, 40, env={"AWS_POLL_DELAY_SECONDS": "9", "AWS_MAX_ATTEMPTS": "2"}) == {
        "Delay": 9, "MaxAttempts": 2}
    assert Polling().waiter_config(15, 40, env={}) == {"Delay": 15, "MaxAttempts": 40}


def test_a_timeout_without_attempts_becomes_attempts_at_two_seconds():
    assert Polling().waiter_config(15, 40, env={"AWS_TIMEOUT_SECONDS": "60"}) == {"Delay": 2, "MaxAttempts": 30}
