"""The one factory of Docker Engine API clients: every ``docker`` SDK object the engine uses is made here.

The daemon is found as the ``docker`` command line finds it: an explicit
address or socket path, else ``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY`` and
``DOCKER_CERT_PATH``), else ``unix:///var/run/docker.sock``. Other modules
catch the SDK's errors through the names re-exported here, so nothing else
imports ``docker``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from builds.engine.paramiko_loader import defer_paramiko

defer_paramiko()  # the SDK imports paramiko for ssh:// daemons only; it loads when one is used

import docker  # noqa: E402
import docker.errors  # noqa: E402
import docker.utils  # noqa: E402

DEFAULT_HOST = "unix:///var/run/docker.sock"

# The SDK's errors, for callers that must tell them apart.
DockerException = docker.errors.DockerException
APIError = docker.errors.APIError
NotFound = docker.errors.NotFound
DockerClient = docker.DockerClient


class DockerUnavailable(Exception):
    """The Docker daemon cannot be reached; the message says where it was looked for and what to do."""


def docker_host(address: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Return the daemon address to use: ``address``, else ``DOCKER_HOST``, else the default socket.

    A bare filesystem path (``/run/docker.sock``) is taken as a unix socket.
    """
    env = os.environ if env is None else env
    host = address or env.get("DOCKER_HOST") or DEFAULT_HOST
    if host.startswith("/"):
        host = "unix://" + host
    return host


def docker_client(address: str | None = None, *, env: Mapping[str, str] | None = None,
                  timeout: float = 1800, connect_timeout: float = 15) -> docker.DockerClient:
    """Return a client connected to the daemon at :func:`docker_host` (``address``, ``env``).

    The API version is negotiated with the daemon within ``connect_timeout``
    seconds, so the call fails fast when it is not running: raises
    :class:`DockerUnavailable` with the address tried. Later calls may take
    up to ``timeout`` seconds each (a commit or an import of a big image is
    one long call; streamed transfers wait that long between chunks only).
    """
    env = dict(os.environ if env is None else env)
    host = docker_host(address, env)
    settings = docker.utils.kwargs_from_env(environment=env)
    settings["base_url"] = host
    if not host.startswith(("tcp://", "https://")):
        settings.pop("tls", None)
    try:
        client = docker.DockerClient(version="auto", timeout=connect_timeout, **settings)
    except DockerException as exc:
        raise DockerUnavailable(
            f"Cannot connect to the Docker daemon at {host}: {describe_error(exc)}. "
            "Is dockerd running? Set DOCKER_HOST to the daemon's address if it listens elsewhere."
        ) from exc
    client.api.timeout = timeout
    return client


def describe_error(exc: BaseException) -> str:
    """Return the daemon's own explanation of a failed call, without the SDK's HTTP wrapping."""
    if isinstance(exc, APIError) and exc.explanation:
        explanation = exc.explanation
        if isinstance(explanation, bytes):
            explanation = explanation.decode("utf-8", "replace")
        return str(explanation).strip()
    return str(exc).strip() or type(exc).__name__
