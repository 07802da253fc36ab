"""Parity of -on-error: what a failed provisioner leaves on the target under each mode, and the exit code."""

from __future__ import annotations

import pytest

from tests.parity.conftest import BuildRun, tree

TEMPLATE = "on_error"
QUESTION = "[c] Clean up and exit, [a] abort without cleanup"


CASES = {
    # id: (mode, answer on stdin, whether the error-cleanup-provisioner runs)
    "cleanup": ("cleanup", None, True),
    "abort": ("abort", None, False),
    "run-cleanup-provisioner": ("run-cleanup-provisioner", None, True),
    "ask-a": ("ask", "a", False),
    "ask-c": ("ask", "c", True),
    "ask-until-known": ("ask", "r\nx\nc", True),
}


@pytest.fixture(scope="module")
def runs(parity) -> dict[str, BuildRun]:
    """One build per case, all at once."""
    return parity.run_many({
        case: ("imagehub", TEMPLATE, f"-on-error={mode}", {"stdin": None if answer is None else answer + "\n"})
        for case, (mode, answer, _) in CASES.items()
    })


@pytest.mark.parametrize("case", ["cleanup", "abort", "run-cleanup-provisioner", "ask-a", "ask-c"])
def test_failed_provisioner_stops_the_build_and_cleanup_follows_the_mode(runs, case):
    mode, answer, cleans_up = CASES[case]
    run = runs[case]
    assert run.returncode == 1, run.describe()
    remote = tree(run.remote_dir)
    expected = {
        "first": ("file", 0o644, b"first\n"),
        "broken": ("file", 0o644, b"broken\n"),
        # a script that fails is not removed, whatever the mode
        "failing.sh": remote.get("failing.sh"),
    }
    if cleans_up:
        expected["cleaned-up"] = ("file", 0o644, b"provisioning failed\n")
    assert remote == expected, run.describe()
    assert remote["failing.sh"] is not None and b"exit 7" in remote["failing.sh"][2]
    assert list(run.out_dir.iterdir()) == [], "no post-processor runs after a failed build"
    assert "--> null.target: Script exited with non-zero exit status: 7" in run.stdout
    assert (QUESTION in run.stdout) == (mode == "ask")
    skipped = f"Skipped cleanup (-on-error={mode})"
    assert (skipped in run.stdout) == (mode in ("abort", "run-cleanup-provisioner") or answer == "a"), run.stdout
    assert ("Provisioning with error-cleanup-provisioner shell..." in run.stdout) == cleans_up


def test_ask_repeats_the_question_until_the_answer_is_known(runs):
    run = runs["ask-until-known"]
    assert run.returncode == 1, run.describe()
    assert run.stdout.count(f"{QUESTION}: ") == 3
    assert (run.remote_dir / "cleaned-up").read_text() == "provisioning failed\n"
