"""Trimmed copies of botocore's service models and endpoint data, derived once and cached on disk.

botocore's EC2 model describes some 800 operations in megabytes of JSON;
reading it and making a client class with a method per operation took about
0.15 s of CPU at every start of ``imagehub build``, and the endpoint data of
every AWS service another 0.05 s. The engine calls a few dozen operations, so
a client is made from a copy of the model that keeps only those
(:data:`OPERATIONS`), the shapes they reference (followed transitively) and
no documentation, and the endpoint resolver reads the endpoint data of the
services the engine and botocore's credential providers use
(:data:`ENDPOINT_SERVICES`), every partition and region kept.

The copies are derived from the installed botocore's own data the first time
they are needed and written atomically under the user's cache directory
(``$XDG_CACHE_HOME/imagehub/botocore/<botocore version>/``, ``~/.cache`` by
default): ``<service>/<api version>/service-2.json`` and ``endpoints.json``.
A copy that cannot be read, lacks an operation or cannot be written is
derived again or used from memory; botocore's full model stays the fallback
(see ``loader.py``).

Importing this module loads no SDK code beyond botocore's package: ``imagehub
validate`` reads the region list from the endpoint copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import botocore

# Every operation the amazon builders, data sources and the sweeper call, by service, in botocore's
# Python names; tests/builds/engine/builders/amazon/test_models.py finds every call in the code and
# checks that this list holds exactly those (and the operations of the waiters they use).
OPERATIONS: Mapping[str, frozenset[str]] = {
    "ec2": frozenset({
        "authorize_security_group_ingress", "cancel_spot_instance_requests", "copy_image", "create_fleet",
        "create_image", "create_key_pair", "create_launch_template", "create_security_group", "create_tags",
        "delete_key_pair", "delete_launch_template", "delete_security_group", "delete_snapshot",
        "delete_tags", "delete_volume", "deregister_image", "describe_images",
        "describe_instance_type_offerings", "describe_instances", "describe_key_pairs",
        "describe_launch_templates", "describe_regions", "describe_security_groups", "describe_snapshots",
        "describe_spot_instance_requests", "describe_subnets", "describe_volumes", "describe_vpcs",
        "disable_image_deregistration_protection", "enable_fast_launch", "enable_image_deprecation",
        "enable_image_deregistration_protection", "modify_image_attribute", "modify_instance_attribute",
        "modify_snapshot_attribute", "run_instances", "stop_instances", "terminate_instances",
    }),
    "iam": frozenset({
        "add_role_to_instance_profile", "create_instance_profile", "create_role", "delete_instance_profile",
        "delete_role", "delete_role_policy", "detach_role_policy", "get_instance_profile", "get_role",
        "list_attached_role_policies", "list_instance_profiles", "list_instance_profiles_for_role",
        "list_role_policies", "list_roles", "put_role_policy", "remove_role_from_instance_profile",
    }),
    "ssm": frozenset({"get_parameter"}),
}

# Services whose endpoint data is kept: those the engine makes clients of, and those botocore's
# credential providers do (STS for roles and web identities, SSO and its token service, sign-in).
ENDPOINT_SERVICES = frozenset({*OPERATIONS, "sts", "sso", "sso-oidc", "signin"})

_ENDPOINTS_KEY = "imagehubServices"  # the services an endpoint copy keeps, to tell a stale copy


def cache_root() -> Path:
    """Where the copies of this botocore version live (``$XDG_CACHE_HOME`` when absolute, else ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "imagehub" / "botocore" / botocore.__version__


def service_model_path(service: str, api_version: str) -> Path:
    """The cached trimmed model of ``service`` at ``api_version``."""
    return cache_root() / service / api_version / "service-2.json"


def endpoints_path() -> Path:
    """The cached trimmed endpoint data."""
    return cache_root() / "endpoints.json"


def python_names(model: Mapping[str, Any]) -> set[str]:
    """The Python names of a service model's operations (``DescribeImages`` -> ``describe_images``)."""
    return {botocore.xform_name(name) for name in model.get("operations", {})}


def trim_service_model(model: Mapping[str, Any], operations: Iterable[str]) -> dict[str, Any]:
    """Return a copy of ``model`` holding only ``operations`` (Python names) and the shapes they reference,
    without documentation.

    Raises KeyError naming an operation the model does not have.
    """
    by_python_name = {botocore.xform_name(name): name for name in model["operations"]}
    kept: dict[str, Any] = {}
    pending: list[str] = []
    for python_name in sorted(operations):
        name = by_python_name[python_name]
        operation = _undocumented(model["operations"][name])
        for key in ("input", "output"):
            if key in operation:
                pending.append(operation[key]["shape"])
        pending.extend(error["shape"] for error in operation.get("errors", []))
        kept[name] = operation
    shapes: dict[str, Any] = {}
    while pending:
        shape_name = pending.pop()
        if shape_name in shapes:
            continue
        shape = _undocumented(model["shapes"][shape_name])
        if "members" in shape:
            shape["members"] = {member: _undocumented(ref) for member, ref in shape["members"].items()}
            pending.extend(ref["shape"] for ref in shape["members"].values())
        for key in ("member", "key", "value"):
            if key in shape:
                shape[key] = _undocumented(shape[key])
                pending.append(shape[key]["shape"])
        shapes[shape_name] = shape
    trimmed = {key: value for key, value in model.items() if key not in ("operations", "shapes", "documentation")}
    trimmed["operations"] = kept
    trimmed["shapes"] = shapes
    return trimmed


def _undocumented(node: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key != "documentation"}


def trim_endpoints(data: Mapping[str, Any], services: Iterable[str]) -> dict[str, Any]:
    """Return a copy of botocore's endpoint data keeping, in every partition, only ``services``."""
    wanted = set(services)
    partitions = [{**partition, "services": {name: value for name, value in partition.get("services", {}).items()
                                             if name in wanted}}
                  for partition in data.get("partitions", [])]
    return {**data, "partitions": partitions, _ENDPOINTS_KEY: sorted(wanted)}


def builtin_endpoints_file() -> Path:
    """botocore's own endpoint data."""
    return Path(botocore.__file__).parent / "data" / "endpoints.json"


def endpoint_data() -> dict[str, Any]:
    """The endpoint data of :data:`ENDPOINT_SERVICES` in every partition, from the cache (derived from
    botocore's file and cached when missing or stale)."""
    def derive() -> dict[str, Any]:
        return trim_endpoints(json.loads(builtin_endpoints_file().read_text(encoding="utf-8")), ENDPOINT_SERVICES)

    def current(data: Any) -> bool:
        return isinstance(data, dict) and isinstance(data.get("partitions"), list) and \
            data.get(_ENDPOINTS_KEY) == sorted(ENDPOINT_SERVICES)

    return cached_json(endpoints_path(), derive, current)


def cached_json(path: Path, derive: Callable[[], Any], current: Callable[[Any], bool]) -> Any:
    """The JSON document at ``path`` when it passes ``current``; otherwise ``derive()``'s, written to ``path``
    atomically (a failure to write leaves it in memory only)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if data is not None and current(data):
        return data
    data = derive()
    write_atomically(path, json.dumps(data, separators=(",", ":")))
    return data


def write_atomically(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` through a temporary file renamed over it; return whether it was written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True

