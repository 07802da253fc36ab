"""Parity of -only/-except over two sources: which builds, provisioners and post-processors run."""

from __future__ import annotations

import json
import os

import pytest

from tests.parity.conftest import PACKER, BuildRun, manifest_shape, tree

TEMPLATE = "only_except"

ALPHA = {"alpha.ran": b"alpha\n", "alpha-only": b"only\n"}
BETA = {"beta.ran": b"beta\n", "beta.not-alpha": b"except\n"}

# flags -> (files on the target, local files, builds named in the manifest)
SCENARIOS = {
    "all": ((), ALPHA | BETA, ["beta.post", "manifest.json"], ["alpha", "beta"]),
    "only-alpha": (("-only=null.alpha",), ALPHA, ["manifest.json"], ["alpha"]),
    "except-alpha": (("-except=null.alpha",), BETA, ["beta.post", "manifest.json"], ["beta"]),
    "only-glob": (("-only=*.beta",), BETA, ["beta.post", "manifest.json"], ["beta"]),
    "except-post-processor-name": (("-except=record",), ALPHA | BETA, ["beta.post"], []),
    "except-source-and-post-processor-type": (("-except=null.alpha,shell-*",), BETA, ["manifest.json"],
                                              ["beta"]),
}


COMPARED = ["all", "only-alpha", "except-post-processor-name"]  # also run with packer, when installed


@pytest.fixture(scope="module")
def runs(parity) -> dict[tuple[str, str], BuildRun]:
    """Every scenario under imagehub, and the compared ones under packer, all at once; keyed by
    (tool, scenario)."""
    jobs = {("imagehub", name): ("imagehub", TEMPLATE, *flags) for name, (flags, *_) in SCENARIOS.items()}
    if os.path.exists(PACKER):
        jobs.update({("packer", name): ("packer", TEMPLATE, *SCENARIOS[name][0]) for name in COMPARED})
    return parity.run_many(jobs)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_selection_decides_what_runs_on_the_target_and_locally(runs, scenario):
    _, remote_files, local_files, manifest_builds = SCENARIOS[scenario]
    run = runs[("imagehub", scenario)]
    assert run.returncode == 0, run.describe()
    assert tree(run.remote_dir) == {name: ("file", 0o644, content) for name, content in remote_files.items()}
    assert sorted(p.name for p in run.out_dir.iterdir()) == local_files
    if "beta.post" in local_files:
        assert (run.out_dir / "beta.post").read_text() == "beta\n"
    if manifest_builds:
        builds = json.loads((run.out_dir / "manifest.json").read_text())["builds"]
        assert sorted(b["name"] for b in builds) == manifest_builds
        assert {b["builder_type"] for b in builds} == {"null"}
    for source in ("alpha", "beta"):
        built = f"{source}.ran" in remote_files
        assert (f"Build 'null.{source}' finished" in run.stdout) == built, run.stdout


def test_only_and_except_together_are_refused(parity):
    run = parity.run("imagehub", TEMPLATE, "-only=null.alpha", "-except=null.beta")
    assert run.returncode == 1
    assert "Only one of -except or -only may be specified." in run.stderr
    assert tree(run.remote_dir) == {}


@pytest.mark.packer
@pytest.mark.parametrize("scenario", COMPARED)
def test_packer_selects_the_same_builds_provisioners_and_post_processors(packer, runs, scenario):
    ours, theirs = runs[("imagehub", scenario)], runs[("packer", scenario)]
    assert (ours.returncode, theirs.returncode) == (0, 0), theirs.describe()
    assert tree(ours.remote_dir) == tree(theirs.remote_dir)
    assert sorted(p.name for p in ours.out_dir.iterdir()) == sorted(p.name for p in theirs.out_dir.iterdir())
    if (theirs.out_dir / "manifest.json").exists():
        assert (manifest_shape(ours.out_dir / "manifest.json", ours.out_dir)
                == manifest_shape(theirs.out_dir / "manifest.json", theirs.out_dir))
