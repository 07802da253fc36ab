"""Contextual functions: env (variable defaults only) and the secret-store lookups ImageHub does not make."""

from __future__ import annotations

import os

from ..types import STRING
from .base import REGISTRY, FunctionError, Param, define


@define("env", Param("key", STRING))
def env(ctx, key):
    """The value of an environment variable, or an empty string when it is not set."""
    return os.environ.get(key, "")


ENV = REGISTRY.pop("env")
"""``env`` is only callable in a variable's default, as in Packer: it is kept out of the main table."""


def _unreachable(service: str, hint: str) -> FunctionError:
    """The error for a lookup in ``service``; ``hint`` has no final period (the call's message adds one)."""
    return FunctionError(
        f"ImageHub does not read {service} from templates. {hint}"
    )


_SECRET_HINT = (
    "Pass the secret as a sensitive variable instead (for example with a PKR_VAR_ environment "
    "variable or a -var-file), or read it with a data source"
)


@define("aws_secretsmanager", Param("name", STRING), Param("key", STRING))
def aws_secretsmanager(ctx, name, key):
    """A key of a secret in AWS Secrets Manager (not available in ImageHub)."""
    raise _unreachable("AWS Secrets Manager", _SECRET_HINT)


@define("aws_secretsmanager_raw", Param("name", STRING))
def aws_secretsmanager_raw(ctx, name):
    """A secret's raw value in AWS Secrets Manager (not available in ImageHub)."""
    raise _unreachable("AWS Secrets Manager", _SECRET_HINT)


@define("vault", Param("path", STRING), Param("key", STRING))
def vault(ctx, path, key):
    """A key of a secret in HashiCorp Vault (not available in ImageHub)."""
    raise _unreachable("HashiCorp Vault", _SECRET_HINT)


@define("consul_key", Param("key", STRING))
def consul_key(ctx, key):
    """A key's value in Consul (not available in ImageHub)."""
    raise _unreachable("Consul", "Pass the value as a variable instead")
