"""The ``manifest`` post-processor: appends the build's artifact to a JSON manifest, as Packer's does.

The file keeps Packer's layout byte for byte (Go's ``MarshalIndent`` with two
spaces, no final newline): ``{"builds": [...], "last_run_uuid": ...}``, each
build with ``name``, ``builder_type``, ``build_time`` (left out when
``strip_time``), ``files`` (``name`` and ``size``), ``artifact_id``,
``packer_run_uuid`` and ``custom_data``. Builds of the same run append to the
file; with ``-force`` a file left by another run is started afresh. Writers
in this process take turns, other processes are kept out by Packer's
``OUTPUT.lock`` file, and the new file replaces the old one in a single
rename, so a reader never sees half a manifest.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PluginContext, PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import (
    generated_data,
    os_error_text,
    packer_build_name,
    template_context,
    template_problem,
)
from builds.engine.post_processors.manifest import gojson

if TYPE_CHECKING:
    from builds.engine.ui import BuildUI

DEFAULT_OUTPUT = "packer-manifest.json"
LOCK_ATTEMPTS = 3
LOCK_BACKOFF_SECONDS = 0.2

_local_locks: dict[str, threading.Lock] = {}
_local_locks_guard = threading.Lock()


class ManifestPostProcessor(PostProcessor):
    """Records the artifact it is given and passes that artifact on, always keeping it."""

    type_name = "manifest"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self._problems = self._configure()

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def _configure(self) -> list[str]:
        problems = []
        self.output = self.raw.get("output") or DEFAULT_OUTPUT
        self.strip_path = bool(self.raw.get("strip_path"))
        self.strip_time = bool(self.raw.get("strip_time"))
        custom = self.raw.get("custom_data")
        self.custom_data: dict[str, str] | None = None if custom is None else dict(custom)
        problem = template_problem(self.output, self.context)
        if problem:
            problems.append(f"Error parsing target template: {problem}")
        for key, value in (self.custom_data or {}).items():
            problem = template_problem(value, self.context)
            if problem:
                problems.append(f"Error interpolating custom data {key}: {problem}")
        return problems

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        generated = generated_data(artifact)
        try:
            output = render(self.output, {}, template_context(self.context, generated))
        except TemplateError as exc:
            raise PostProcessError(f"Error parsing target template: {exc}") from None
        try:
            custom = None if self.custom_data is None else {
                key: self._render_custom(value, generated) for key, value in self.custom_data.items()}
        except TemplateError as exc:
            raise PostProcessError(f"Error interpolating custom data: {exc}") from None
        run_uuid = self.context.packer_run_uuid or os.environ.get("PACKER_RUN_UUID", "")
        entry = {
            "name": packer_build_name(self.context),
            "builder_type": self.context.build_type,
            "build_time": 0 if self.strip_time else int(time.time()),
            "files": [self._file(path) for path in artifact.files] if artifact.files else None,
            "artifact_id": artifact.id,
            "packer_run_uuid": run_uuid,
            "custom_data": custom,
        }
        with _ManifestLock(output):
            builds, last_run = _read(output)
            if self.context.force and run_uuid != last_run:
                builds = []
            builds.append(entry)
            _write(output, {"builds": [_layout(b) for b in builds], "last_run_uuid": run_uuid})
        return PostProcessResult(artifact, keep_input=True, force_keep_input=True)

    def _render_custom(self, value: str, generated: dict[str, Any]) -> str:
        # Packer interpolates custom data twice: when the configuration is decoded (no build data
        # yet) and again with the build's generated data.
        context = template_context(self.context, generated)
        return render(render(value, {}, context), generated, context)

    def _file(self, path: str) -> dict[str, Any]:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0
        return {"name": os.path.basename(path) if self.strip_path else path, "size": size}


def _layout(build: dict[str, Any]) -> dict[str, Any]:
    """The build entry in Go's field order, ``build_time`` left out when zero, custom data sorted."""
    out: dict[str, Any] = {"name": build["name"], "builder_type": build["builder_type"]}
    if build["build_time"]:
        out["build_time"] = build["build_time"]
    files = build["files"]
    out["files"] = None if files is None else [{"name": f["name"], "size": f["size"]} for f in files]
    out["artifact_id"] = build["artifact_id"]
    out["packer_run_uuid"] = build["packer_run_uuid"]
    custom = build["custom_data"]
    out["custom_data"] = None if custom is None else dict(sorted(custom.items()))
    return out


def _read(path: str) -> tuple[list[dict[str, Any]], str]:
    """Return the builds and ``last_run_uuid`` of the manifest at ``path`` (none when it does not exist)."""
    try:
        with open(path, "rb") as handle:
            contents = handle.read()
    except FileNotFoundError:
        return [], ""
    except OSError as exc:
        raise PostProcessError(f"Unable to open {path} for reading: {os_error_text(exc, 'open', path)}") from None
    if not contents:
        return [], ""
    try:
        document = json.loads(contents.decode("utf-8", errors="surrogateescape"))
        return _decode_manifest(document)
    except ValueError as exc:
        raise PostProcessError(f"Unable to parse content from {path}: {exc}") from None


def _decode_manifest(document: Any) -> tuple[list[dict[str, Any]], str]:
    if document is None:
        return [], ""
    if not isinstance(document, dict):
        raise ValueError(f"the manifest is a JSON {_json_kind(document)}, not an object")
    found, raw_builds = gojson.field(document, "builds")
    builds: list[dict[str, Any]] = []
    if found and raw_builds is not None:
        if not isinstance(raw_builds, list):
            raise ValueError(f'"builds" is a JSON {_json_kind(raw_builds)}, not an array')
        builds = [_decode_build(item, index) for index, item in enumerate(raw_builds)]
    return builds, _typed(document, "last_run_uuid", str, "", "the manifest")


def _decode_build(item: Any, index: int) -> dict[str, Any]:
    where = f"builds[{index}]"
    if item is None:
        item = {}
    if not isinstance(item, dict):
        raise ValueError(f"{where} is a JSON {_json_kind(item)}, not an object")
    build = {
        "name": _typed(item, "name", str, "", where),
        "builder_type": _typed(item, "builder_type", str, "", where),
        "build_time": _typed(item, "build_time", int, 0, where),
        "files": None,
        "artifact_id": _typed(item, "artifact_id", str, "", where),
        "packer_run_uuid": _typed(item, "packer_run_uuid", str, "", where),
        "custom_data": None,
    }
    found, files = gojson.field(item, "files")
    if found and files is not None:
        if not isinstance(files, list):
            raise ValueError(f'{where}.files is a JSON {_json_kind(files)}, not an array')
        build["files"] = []
        for position, entry in enumerate(files):
            entry = {} if entry is None else entry
            if not isinstance(entry, dict):
                raise ValueError(f"{where}.files[{position}] is a JSON {_json_kind(entry)}, not an object")
            build["files"].append({"name": _typed(entry, "name", str, "", f"{where}.files[{position}]"),
                                   "size": _typed(entry, "size", int, 0, f"{where}.files[{position}]")})
    found, custom = gojson.field(item, "custom_data")
    if found and custom is not None:
        if not isinstance(custom, dict):
            raise ValueError(f"{where}.custom_data is a JSON {_json_kind(custom)}, not an object")
        build["custom_data"] = {}
        for key, value in custom.items():
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{where}.custom_data.{key} is a JSON {_json_kind(value)}, not a string")
            build["custom_data"][key] = value or ""
    return build


def _typed(obj: dict[str, Any], name: str, kind: type, default: Any, where: str) -> Any:
    found, value = gojson.field(obj, name)
    if not found or value is None:
        return default
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not -2**63 <= value < 2**63:
            raise ValueError(f"{where}.{name} is {_json_kind(value)} {json.dumps(value)}, not a whole number")
        return value
    if not isinstance(value, kind):
        raise ValueError(f"{where}.{name} is a JSON {_json_kind(value)}, not a string")
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _write(path: str, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` through a temporary file renamed over it (mode kept, else 0664)."""
    import secrets  # only when a manifest is written, not when a template is validated

    data = gojson.marshal_indent(document).encode("utf-8", errors="surrogateescape")
    directory = os.path.dirname(path) or "."
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = None
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o664)
    except OSError as exc:
        raise PostProcessError(f"Unable to write {path}: {os_error_text(exc, 'open', path)}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise PostProcessError(f"Unable to write {path}: {os_error_text(exc, 'write', path)}") from None


class _ManifestLock:
    """Holds this process's lock for a manifest path and, like Packer, an ``OUTPUT.lock`` file."""

    def __init__(self, path: str):
        key = os.path.realpath(path)
        with _local_locks_guard:
            self._local = _local_locks.setdefault(key, threading.Lock())
        self._lock_file = path + ".lock"
        self._created = False

    def __enter__(self) -> None:
        self._local.acquire()
        for attempt in range(LOCK_ATTEMPTS):
            time.sleep(attempt * LOCK_BACKOFF_SECONDS)
            try:
                os.close(os.open(self._lock_file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                continue
            except OSError:
                break  # no directory or no permission: the write will say so
            self._created = True
            break

    def __exit__(self, *exc: object) -> None:
        try:
            if self._created:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self._lock_file)
        finally:
            self._local.release()
