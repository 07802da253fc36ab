"""imagehub sweep: flags, output and exit statuses, against a moto server."""

from __future__ import annotations

import io
import time

from builds.engine.cli import main
from builds.engine.ledger import (
    TAG_BUILD_ID,
    TAG_CREATED_AT,
    TAG_TEMPORARY,
    FileLedger,
    LedgerEntry,
)


def sweep(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["sweep", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def leave_key_pair(moto, ledger_dir, build_id: str, *, record: bool = True) -> str:
    """A temporary key pair of a build that died, tagged and (with ``record``) in the ledger."""
    name = f"packer_{build_id}"
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    moto.client("ec2").create_key_pair(KeyName=name, TagSpecifications=[{"ResourceType": "key-pair", "Tags": [
        {"Key": TAG_BUILD_ID, "Value": build_id}, {"Key": TAG_CREATED_AT, "Value": created},
        {"Key": TAG_TEMPORARY, "Value": "true"}]}])
    if record:
        FileLedger(ledger_dir).record(LedgerEntry("key-pair", name, "us-east-1", build_id,
                                                  extra={"endpoint": moto.endpoint}))
    return name


def test_sweep_deletes_what_a_dead_build_left_and_says_so(moto, tmp_path):
    name = leave_key_pair(moto, tmp_path, "dead-1")

    code, out, err = sweep("-ledger-dir", str(tmp_path))

    assert (code, err) == (0, "")
    assert out == (f"Deleted key pair {name} in us-east-1 (build dead-1)\n"
                   "Swept 1 resource(s) of 1 build(s).\n")
    assert moto.leftovers() == {}


def test_dry_run_lists_and_keeps(moto, tmp_path):
    name = leave_key_pair(moto, tmp_path, "dead-2")

    code, out, _ = sweep("-dry-run", f"-ledger-dir={tmp_path}")

    assert code == 0
    assert out == (f"Would delete key pair {name} in us-east-1 (build dead-2)\n"
                   "1 resource(s) would be deleted.\n")
    assert moto.leftovers() == {"key-pairs": [name]}


def test_older_than_and_region_reach_resources_known_only_by_tags(moto, tmp_path):
    name = leave_key_pair(moto, tmp_path, "untracked-1", record=False)

    assert sweep("-ledger-dir", str(tmp_path), "-region", "us-east-1")[1] == "Nothing to sweep.\n"
    code, out, _ = sweep("-ledger-dir", str(tmp_path), "-region", "us-east-1", "-older-than", "0s")

    assert code == 0
    assert f"Deleted key pair {name} in us-east-1 (build untracked-1)\n" in out


def test_what_cannot_be_deleted_makes_the_sweep_fail_with_advice(moto, tmp_path):
    FileLedger(tmp_path).record(LedgerEntry("ami", "bogus", "us-east-1", "dead-3", extra={"endpoint": moto.endpoint}))

    code, out, _ = sweep("-ledger-dir", str(tmp_path))

    assert code == 1
    assert "Could not delete AMI bogus in us-east-1 (build dead-3): InvalidAMIID" in out
    assert out.endswith("1 resource(s) could not be deleted; they stay in the ledger. Fix the cause shown above "
                        "(permissions, a resource still in use) and run imagehub sweep again, or delete them by "
                        "hand.\n")


def test_a_failed_search_fails_the_sweep(moto, tmp_path, free_port, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port}")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    code, out, _ = sweep("-ledger-dir", str(tmp_path), "-region", "us-east-1")

    assert code == 1
    assert "Could not search us-east-1 by tags: Could not connect to the AWS endpoint" in out
    assert "Some searches failed" in out


def test_no_region_anywhere_is_an_error(moto, tmp_path):
    code, out, err = sweep("-ledger-dir", str(tmp_path))

    assert (code, out) == (1, "")
    assert err.startswith("Error: No region to search: give -region")


def test_a_bad_duration_is_refused_as_a_flag_error(tmp_path):
    code, out, err = sweep("-older-than", "soon")

    assert code == 1
    assert 'invalid value "soon" for flag -older-than' in err
    assert out.startswith("Usage: imagehub sweep [options]")


def test_help_prints_the_usage():
    code, out, _ = sweep("-help")

    assert code == 0 and "-older-than=D" in out
