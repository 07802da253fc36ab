"""The resource ledger: every temporary cloud resource a build creates, written down the moment it exists.

Packer forgets what it created when a build crashes; ImageHub records each
temporary resource (key pair, security group, instance, volume, IAM profile,
and an AMI a failed build must deregister) as soon as the cloud API answers,
durably, before doing anything else. Cleanup marks entries deleted, without
waiting for the disk: a mark lost in a machine crash only makes the sweeper
find a resource already gone. What is left once a build is over is what
``imagehub sweep`` removes.

The CLI keeps the ledger in files (one JSON-lines file per build run, under
``$IMAGEHUB_LEDGER_DIR`` or ``<data dir>/ledger``); the dashboard can supply
its own :class:`Ledger` backed by its database.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Tags put on every temporary resource, so a sweeper can find them even without the ledger.
TAG_BUILD_ID = "imagehub:build-id"
TAG_CREATED_AT = "imagehub:created-at"
TAG_TEMPORARY = "imagehub:temporary"


@dataclass
class LedgerEntry:
    """One temporary resource."""

    kind: str  # "instance", "key-pair", "security-group", "volume", "iam-instance-profile", "iam-role", "ami", ...
    id: str  # the provider's id (for key pairs: the name)
    region: str
    build_id: str
    provider: str = "aws"
    created: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"endpoint": "..."} or snapshot ids
    deleted: float | None = None


class Ledger(Protocol):
    """Where a build records its temporary resources."""

    def record(self, entry: LedgerEntry) -> None:
        """Store ``entry`` durably before returning."""

    def mark_deleted(self, build_id: str, kind: str, resource_id: str) -> None:
        """Note that a resource is gone."""

    def entries(self, build_id: str | None = None, include_deleted: bool = False) -> list[LedgerEntry]:
        """The resources recorded (for one build, or all), without the deleted ones unless asked."""

    def is_running(self, build_id: str) -> bool:
        """Whether the build that owns ``build_id`` is still running (its resources must not be swept)."""


def default_directory() -> Path:
    """``$IMAGEHUB_LEDGER_DIR``, else ``ledger`` in ImageHub's data directory."""
    explicit = os.environ.get("IMAGEHUB_LEDGER_DIR")
    if explicit:
        return Path(explicit)
    data = os.environ.get("IMAGEHUB_DATA_DIR")
    if data:
        return Path(data) / "ledger"
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "imagehub" / "ledger"


class FileLedger:
    """A ledger in a directory: ``<build_id>.jsonl`` (append-only, fsynced) and ``<build_id>.owner``.

    The owner file names the host and process running the build; a build whose
    process is gone from this host is not running any more.
    """

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory else default_directory()
        self._lock = threading.Lock()
        self._claimed: set[str] = set()

    def _path(self, build_id: str, suffix: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in build_id)
        return self.directory / f"{safe}{suffix}"

    def claim(self, build_id: str) -> None:
        """Mark ``build_id`` as run by this process (call when the build starts).

        Nothing is written until the build records its first resource, so builds that create none leave
        no trace.
        """
        self._claimed.add(build_id)

    def release(self, build_id: str) -> None:
        """Mark ``build_id`` as finished (its remaining entries are leftovers)."""
        self._claimed.discard(build_id)
        self._path(build_id, ".owner").unlink(missing_ok=True)

    def _write_owner(self, build_id: str) -> None:
        owner = {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time()}
        self._path(build_id, ".owner").write_text(json.dumps(owner))

    def record(self, entry: LedgerEntry) -> None:
        self._append(entry.build_id, {"op": "create", **asdict(entry)}, durable=True)

    def mark_deleted(self, build_id: str, kind: str, resource_id: str) -> None:
        self._append(build_id, {"op": "delete", "kind": kind, "id": resource_id, "at": time.time()}, durable=False)

    def _append(self, build_id: str, record: dict[str, Any], durable: bool) -> None:
        """Append ``record`` to the build's file; with ``durable``, on the disk before returning (the
        write alone survives the process being killed; the disk survives the machine going down)."""
        line = json.dumps(record, sort_keys=True) + "\n"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if build_id in self._claimed and not self._path(build_id, ".owner").exists():
                self._write_owner(build_id)
            fd = os.open(self._path(build_id, ".jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self, build_id: str | None = None, include_deleted: bool = False) -> list[LedgerEntry]:
        if not self.directory.is_dir():
            return []
        files = [self._path(build_id, ".jsonl")] if build_id else sorted(self.directory.glob("*.jsonl"))
        out: list[LedgerEntry] = []
        for path in files:
            out.extend(self._read(path, include_deleted))
        return out

    def _read(self, path: Path, include_deleted: bool) -> list[LedgerEntry]:
        found: dict[tuple[str, str], LedgerEntry] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        for raw in text.splitlines():
            try:
                record = json.loads(raw)
            except ValueError:
                continue  # a line cut short by a crash
            if record.get("op") == "create":
                record.pop("op")
                entry = LedgerEntry(**{k: v for k, v in record.items() if k in LedgerEntry.__dataclass_fields__})
                found[(entry.kind, entry.id)] = entry
            elif record.get("op") == "delete":
                entry = found.get((record.get("kind"), record.get("id")))
                if entry is not None:
                    entry.deleted = record.get("at")
        return [e for e in found.values() if include_deleted or e.deleted is None]

    def is_running(self, build_id: str) -> bool:
        try:
            owner = json.loads(self._path(build_id, ".owner").read_text())
        except (FileNotFoundError, ValueError):
            return False
        if owner.get("host") != socket.gethostname():
            return True  # another machine's build: assume it runs until its owner file goes
        try:
            os.kill(int(owner.get("pid", 0)), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def build_ids(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.jsonl")) if self.directory.is_dir() else []


class MemoryLedger:
    """A ledger kept in memory (tests, and builds that opt out of persistence)."""

    def __init__(self) -> None:
        self._entries: list[LedgerEntry] = []
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def record(self, entry: LedgerEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def mark_deleted(self, build_id: str, kind: str, resource_id: str) -> None:
        with self._lock:
            for entry in self._entries:
                if entry.build_id == build_id and entry.kind == kind and entry.id == resource_id:
                    entry.deleted = time.time()

    def entries(self, build_id: str | None = None, include_deleted: bool = False) -> list[LedgerEntry]:
        with self._lock:
            return [e for e in self._entries if (build_id is None or e.build_id == build_id)
                    and (include_deleted or e.deleted is None)]

    def is_running(self, build_id: str) -> bool:
        return build_id in self._running

    def claim(self, build_id: str) -> None:
        self._running.add(build_id)

    def release(self, build_id: str) -> None:
        self._running.discard(build_id)
