"""The SDK's errors re-exported for callers that must tell them apart, the engine's own AwsError, and their messages.

Importing this module loads botocore's exceptions and nothing more of the SDK.
"""

from __future__ import annotations

from collections.abc import Iterable

import botocore.exceptions

# The SDK's errors, for callers that must tell them apart (see :func:`error_code`).
ClientError = botocore.exceptions.ClientError
BotoCoreError = botocore.exceptions.BotoCoreError
WaiterError = botocore.exceptions.WaiterError


class AwsError(Exception):
    """AWS cannot be used as configured (no credentials, a role that cannot be assumed, invalid
    credentials); the message says what and what to do, and holds no secret."""


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a failed call (``"InvalidGroup.NotFound"``), or None for other errors."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") or None
    return None


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """Return a one-line explanation of a failed AWS call: ``"<Code>: <message>"`` for API errors,
    the SDK's own sentence for others; any of ``secrets`` in it is replaced by ``<sensitive>``."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Error"
        message = (error.get("Message") or "").strip()
        operation = getattr(exc, "operation_name", "")
        text = f"{code}: {message}" if message else code
        if operation:
            text = f"{text} ({operation})"
    elif isinstance(exc, botocore.exceptions.NoCredentialsError):
        text = NO_CREDENTIALS
    elif isinstance(exc, botocore.exceptions.EndpointConnectionError):
        text = f"Could not connect to the AWS endpoint {exc.kwargs.get('endpoint_url', '')}"
    elif isinstance(exc, WaiterError):
        last = exc.last_response if isinstance(exc.last_response, dict) else {}
        reason = last.get("Error", {}).get("Message") or exc.kwargs.get("reason") or ""
        text = f"Timed out or failed waiting ({exc.name}): {reason}".rstrip(": ")
    else:
        text = str(exc).strip() or type(exc).__name__
    text = " ".join(text.split())
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<sensitive>")
    return text


# The message of a session that finds no credentials anywhere.
NO_CREDENTIALS = (
    "No valid credential sources found for AWS. Set access_key and secret_key, a profile, the "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or a shared credentials file; "
    "see https://developer.hashicorp.com/packer/integrations/hashicorp/amazon#authentication"
)


def encoded_authorization_message(exc: BaseException) -> str | None:
    """The encoded message of an authorization failure (to decode through STS), or None when ``exc`` has none."""
    if error_code(exc) not in ("UnauthorizedOperation", "AccessDenied"):
        return None
    message = exc.response.get("Error", {}).get("Message", "")  # type: ignore[attr-defined]
    marker = "Encoded authorization failure message:"
    if marker not in message:
        return None
    return message.split(marker, 1)[1].strip().split()[0] if message.split(marker, 1)[1].strip() else None
