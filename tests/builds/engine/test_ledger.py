"""The resource ledger in files: durable records, deletions, a crash's cut line, and who runs a build."""

from __future__ import annotations

import json
import os

from builds.engine.ledger import FileLedger, LedgerEntry, MemoryLedger, default_directory


def entry(kind: str = "key-pair", resource_id: str = "packer_1", build_id: str = "b-1") -> LedgerEntry:
    return LedgerEntry(kind, resource_id, "us-east-1", build_id, extra={"endpoint": "http://127.0.0.1:1"})


def test_a_record_is_in_the_file_when_record_returns(tmp_path):
    FileLedger(tmp_path).record(entry())

    [found] = FileLedger(tmp_path).entries("b-1")  # another process reads only the file

    assert (found.kind, found.id, found.region, found.extra) == ("key-pair", "packer_1", "us-east-1",
                                                                  {"endpoint": "http://127.0.0.1:1"})


def test_deleted_entries_are_left_out_unless_asked_for(tmp_path):
    ledger = FileLedger(tmp_path)
    ledger.record(entry("key-pair", "packer_1"))
    ledger.record(entry("security-group", "sg-1"))
    ledger.mark_deleted("b-1", "key-pair", "packer_1")

    assert [e.id for e in ledger.entries("b-1")] == ["sg-1"]
    assert [(e.id, e.deleted is not None) for e in ledger.entries("b-1", include_deleted=True)] == [
        ("packer_1", True), ("sg-1", False)]


def test_a_line_cut_short_by_a_crash_is_skipped_and_the_rest_is_read(tmp_path):
    ledger = FileLedger(tmp_path)
    ledger.record(entry("key-pair", "packer_1"))
    with open(tmp_path / "b-1.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"op": "create", "kind": "instance", "id": "i-1"})[:25])

    assert [e.id for e in ledger.entries()] == ["packer_1"]


def test_a_claimed_build_runs_while_its_process_lives_and_not_once_released(tmp_path):
    ledger = FileLedger(tmp_path)
    ledger.claim("b-1")
    ledger.record(entry())

    owner = json.loads((tmp_path / "b-1.owner").read_text())
    assert owner["pid"] == os.getpid()
    assert FileLedger(tmp_path).is_running("b-1")

    ledger.release("b-1")

    assert not FileLedger(tmp_path).is_running("b-1")
    assert [e.id for e in FileLedger(tmp_path).entries("b-1")] == ["packer_1"]  # leftovers for the sweeper


def test_a_build_whose_owner_process_is_gone_is_not_running(tmp_path):
    (tmp_path / "b-2.owner").write_text(json.dumps({"host": os.uname().nodename, "pid": 2 ** 22 + 12345}))

    assert not FileLedger(tmp_path).is_running("b-2")


def test_a_build_that_records_nothing_leaves_no_trace(tmp_path):
    ledger = FileLedger(tmp_path / "ledger")
    ledger.claim("b-3")
    ledger.release("b-3")

    assert not (tmp_path / "ledger").exists()


def test_build_ids_are_made_safe_as_file_names(tmp_path):
    FileLedger(tmp_path).record(entry(build_id="../evil/b 4"))

    assert [p.name for p in tmp_path.iterdir()] == [".._evil_b_4.jsonl"]


def test_the_directory_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IMAGEHUB_LEDGER_DIR", str(tmp_path / "explicit"))
    assert default_directory() == tmp_path / "explicit"

    monkeypatch.delenv("IMAGEHUB_LEDGER_DIR")
    monkeypatch.setenv("IMAGEHUB_DATA_DIR", str(tmp_path / "data"))
    assert default_directory() == tmp_path / "data" / "ledger"


def test_the_memory_ledger_answers_as_the_file_ledger_does():
    ledger = MemoryLedger()
    ledger.claim("b-1")
    ledger.record(entry("key-pair", "packer_1"))
    ledger.record(entry("security-group", "sg-1"))
    ledger.mark_deleted("b-1", "key-pair", "packer_1")

    assert ledger.is_running("b-1")
    assert [e.id for e in ledger.entries("b-1")] == ["sg-1"]
    ledger.release("b-1")
    assert not ledger.is_running("b-1")


def test_a_record_waits_for_the_disk_and_a_deletion_mark_does_not(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    ledger = FileLedger(tmp_path)

    ledger.record(entry())
    assert len(synced) == 1

    ledger.mark_deleted("b-1", "key-pair", "packer_1")
    assert len(synced) == 1
    assert ledger.entries("b-1") == []
