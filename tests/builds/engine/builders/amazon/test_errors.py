"""The SDK's errors told apart and explained: codes of API errors, one-line messages with secrets masked."""

from __future__ import annotations

from builds.engine.builders.amazon.errors import ClientError, describe_error, error_code


def _client_error(code, message, operation="DescribeImages"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_describe_error_gives_the_code_the_message_and_the_operation():
    assert describe_error(_client_error("InvalidAMIID.NotFound", "The image id '[ami-1]' does not exist")) == (
        "InvalidAMIID.NotFound: The image id '[ami-1]' does not exist (DescribeImages)")


def test_describe_error_masks_secrets():
    exc = _client_error("AuthFailure", "key AKIDSECRET\nis not valid")

    assert describe_error(exc, ["AKIDSECRET"]) == "AuthFailure: key <sensitive> is not valid (DescribeImages)"


def test_error_code_names_api_errors_only():
    assert error_code(_client_error("DependencyViolation", "in use")) == "DependencyViolation"
    assert error_code(ValueError("x")) is None
