"""Tests of running post-processor chains: Packer's order of artifacts, keep rules, destruction and errors."""

import gzip
import json
import os
import re
import shutil
import subprocess

import pytest

from builds.engine.artifact import Artifact
from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.chains import ChainLink, run_chains, select_chains, skips
from builds.engine.plugins import PluginContext, PostProcessError, PostProcessor, PostProcessResult
from builds.engine.registry import implementation
from builds.engine.ui import SAY, BuildUI, ListSink


class Tracked(Artifact):
    """An artifact that records when it is destroyed."""

    def __init__(self, name, log, fail=False):
        super().__init__("test", id=name, description=name)
        self.log = log
        self.fail = fail

    def destroy(self):
        self.log.append(f"destroy {self.id}")
        if self.fail:
            raise OSError(f"cannot remove {self.id}")


class Fake(PostProcessor):
    """A post-processor that returns a new artifact (or fails) and records what it was given."""

    type_name = "fake"

    def __init__(self, name, log, keep=False, force=False, fail=None, returns="new", on_run=None):
        super().__init__({}, PluginContext("null.web", "null"))
        self.name, self.log, self.keep, self.force = name, log, keep, force
        self.fail, self.returns, self.on_run = fail, returns, on_run

    def prepare(self):
        return []

    def post_process(self, ui, artifact, cancel):
        self.log.append(f"{self.name}({artifact.id})")
        ui.say(f"{self.name} working")
        if self.on_run:
            self.on_run()
        if self.fail:
            raise self.fail
        if self.returns == "none":
            return PostProcessResult(None)
        out = artifact if self.returns == "same" else Tracked(self.name, self.log)
        return PostProcessResult(out, keep_input=self.keep, force_keep_input=self.force)


@pytest.fixture
def log():
    return []


@pytest.fixture
def sink():
    return ListSink()


@pytest.fixture
def ui(sink):
    return BuildUI("null.web", sink)


@pytest.fixture
def builder(log):
    return Tracked("builder", log)


def link(plugin, type_name="fake", name="", keep=None, **filters):
    return ChainLink(type_name, plugin, name, keep, **filters)


def ids(outcome):
    return [a.id for a in outcome.artifacts]


def test_a_build_without_chains_keeps_the_builders_artifact(ui, builder, log):
    outcome = run_chains([], builder, ui, CancelToken())
    assert ids(outcome) == ["builder"] and log == [] and outcome.errors == []


def test_a_builder_without_an_artifact_runs_no_post_processor(ui, log):
    outcome = run_chains([[link(Fake("a", log))]], None, ui, CancelToken())
    assert outcome.artifacts == [] and log == []


def test_every_chain_starts_from_the_builders_artifact_and_links_pass_theirs_on(ui, builder, log):
    chains = [[link(Fake("a", log)), link(Fake("b", log))], [link(Fake("c", log))]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert log == ["a(builder)", "b(a)", "destroy a", "c(builder)", "destroy builder"]
    assert ids(outcome) == ["b", "c"]


@pytest.mark.parametrize("plugin_keep, force, user, kept", [
    (False, False, None, False),
    (True, False, None, True),
    (True, True, None, True),
    (False, False, True, True),
    (True, False, False, False),
    (True, True, False, True),  # the plugin insists: the user's false is ignored
    (False, True, False, False),
    (False, True, True, True),
])
def test_the_users_keep_input_artifact_overrides_the_plugin_unless_it_insists(ui, builder, log, plugin_keep, force,
                                                                              user, kept):
    chains = [[link(Fake("a", log, keep=plugin_keep, force=force), keep=user)]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert ids(outcome) == (["builder", "a"] if kept else ["a"])
    assert ("destroy builder" in log) is not kept


def test_an_intermediate_artifact_is_listed_when_the_next_link_keeps_it_and_destroyed_otherwise(ui, builder, log):
    chains = [[link(Fake("a", log)), link(Fake("b", log, keep=True)), link(Fake("c", log))]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert ids(outcome) == ["a", "c"]
    assert log == ["a(builder)", "b(a)", "c(b)", "destroy b", "destroy builder"]


def test_the_order_of_artifacts_is_packers(ui, builder, log):
    # checksum; compress (kept by the user) -> manifest; shell-local: as Packer 1.6.6 lists them.
    chains = [[link(Fake("checksum", log, keep=True, force=True))],
              [link(Fake("compress", log), keep=True), link(Fake("manifest", log, keep=True, force=True,
                                                                returns="same"))],
              [link(Fake("shell-local", log, keep=True, force=True, returns="same"))]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert ids(outcome) == ["builder", "checksum", "compress", "compress", "builder"]
    assert not any(entry.startswith("destroy") for entry in log)


def test_a_failing_post_processor_ends_its_chain_and_the_next_chain_runs(ui, builder, log):
    chains = [[link(Fake("a", log)), link(Fake("b", log, fail=PostProcessError("boom"))), link(Fake("c", log))],
              [link(Fake("d", log, keep=True))]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert outcome.errors == ["Post-processor failed: boom"]
    assert ids(outcome) == ["builder", "d"]
    assert log == ["a(builder)", "b(a)", "d(builder)"]  # a's artifact is neither listed nor destroyed


def test_a_post_processor_returning_no_artifact_ends_its_chain_quietly(ui, builder, log):
    chains = [[link(Fake("a", log, returns="none")), link(Fake("b", log))]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert outcome.artifacts == [] and outcome.errors == []
    assert log == ["a(builder)", "destroy builder"]


def test_failed_destroys_are_reported_in_packers_words(ui, log):
    builder = Tracked("builder", log, fail=True)
    middle = Tracked("mid", log, fail=True)

    class ReturnsMiddle(Fake):
        def post_process(self, ui, artifact, cancel):
            return PostProcessResult(middle)

    chains = [[link(ReturnsMiddle("a", log)), link(Fake("b", log), type_name="compress")]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert outcome.errors == [
        "Failed cleaning up prior artifact: cannot remove mid; pp is compress",
        "Error destroying builder artifact: cannot remove builder; bad artifact: []string{}",
    ]


def test_post_processors_are_announced_under_the_build_and_speak_under_their_type(ui, sink, builder, log):
    chains = [[link(Fake("a", log), type_name="manifest", name="manifest"),
               link(Fake("b", log), type_name="checksum"),
               link(Fake("c", log), type_name="compress", name="pack")]]
    run_chains(chains, builder, ui, CancelToken())
    assert [(line.build, line.step, line.text) for line in sink.lines] == [
        ("null.web", "", "Running post-processor: manifest"),
        ("null.web (manifest)", "manifest", "a working"),
        ("null.web", "", "Running post-processor:  (type checksum)"),
        ("null.web (checksum)", "checksum", "b working"),
        ("null.web", "", "Running post-processor: pack (type compress)"),
        ("null.web (compress)", "compress", "c working"),
    ]


def test_the_ui_is_restored_after_a_post_processor_fails(ui, builder, log):
    run_chains([[link(Fake("a", log, fail=PostProcessError("x")))]], builder, ui, CancelToken())
    assert (ui.build, ui.step) == ("null.web", "")


def test_bugs_in_a_post_processor_are_not_hidden(ui, builder, log):
    with pytest.raises(ZeroDivisionError):
        run_chains([[link(Fake("a", log, fail=ZeroDivisionError()))]], builder, ui, CancelToken())
    assert (ui.build, ui.step) == ("null.web", "")


def test_a_build_cancelled_before_post_processing_runs_none(ui, builder, log):
    cancel = CancelToken()
    cancel.cancel()
    outcome = run_chains([[link(Fake("a", log))]], builder, ui, cancel)
    assert outcome.cancelled and outcome.artifacts == [] and log == []


def test_cancelling_during_a_chain_stops_and_destroys_nothing_more(ui, builder, log):
    cancel = CancelToken()
    chains = [[link(Fake("a", log, on_run=cancel.cancel)), link(Fake("b", log))], [link(Fake("c", log))]]
    outcome = run_chains(chains, builder, ui, cancel)
    assert outcome.cancelled
    assert log == ["a(builder)"]
    assert ids(outcome) == ["builder"]


def test_a_post_processor_raising_cancelled_stops_the_chains(ui, builder, log):
    chains = [[link(Fake("a", log, keep=True))], [link(Fake("b", log, fail=Cancelled("stop")))],
              [link(Fake("c", log))]]
    outcome = run_chains(chains, builder, ui, CancelToken())
    assert outcome.cancelled and outcome.errors == []
    assert ids(outcome) == ["builder", "a"]
    assert log == ["a(builder)", "b(builder)"]


@pytest.mark.parametrize("only, except_, skipped", [
    ([], [], False),
    (["null.web"], [], False),
    (["null.db"], [], True),
    ([], ["null.web"], True),
    ([], ["null.db"], False),
    (["null.*"], [], True),  # names are compared exactly, as in Packer
])
def test_only_and_except_compare_the_source_name_exactly(only, except_, skipped):
    assert skips(only, except_, "null.web") is skipped


def test_selecting_drops_skipped_links_and_chains_left_empty(log):
    a, b, c = (link(Fake(n, log)) for n in "abc")
    b.only = ["null.db"]
    c.except_ = ["null.web"]
    assert select_chains([[a, b], [c]], "null.web") == [[a]]


def test_a_skipped_first_link_lets_the_next_one_decide_about_the_builders_artifact(ui, builder, log):
    skipped = link(Fake("a", log), only=["null.db"])
    keeper = link(Fake("b", log, keep=True))
    outcome = run_chains(select_chains([[skipped, keeper]], "null.web"), builder, ui, CancelToken())
    assert ids(outcome) == ["builder", "b"]


# --- side by side with packer -------------------------------------------------------------

PACKER = shutil.which("packer")

SIDE_BY_SIDE = {
    "checksum": [("checksum", "", None, {
        "checksum_types": ["md5", "sha256"],
        "output": "out/{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum"})],
    "archive": [("compress", "", True, {"output": "out/arch.tar.gz"}),
                ("manifest", "", None, {"output": "out/manifest.json", "strip_time": True,
                                        "custom_data": {"a": "b", "x<y": "&{{build_name}}"}})],
    "artifice": [("artifice", "", None, {"files": ["out/a.txt", "out/*.checksum", "missing"]})],
    "shell": [("shell-local", "sl", None, {"inline": ["echo name=$PACKER_BUILD_NAME type=$PACKER_BUILDER_TYPE"]})],
}


def _hcl(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _packer_template():
    blocks = []
    for chain in SIDE_BY_SIDE.values():
        inner = []
        for type_name, name, keep, config in chain:
            body = dict(config)
            if name:
                body = {"name": name, **body}
            if keep is not None:
                body["keep_input_artifact"] = keep
            lines = "\n".join(f"    {k} = {_hcl(v)}" for k, v in body.items())
            inner.append(f'  post-processor "{type_name}" {{\n{lines}\n  }}')
        blocks.append("\n".join(inner) if len(inner) == 1 else "  post-processors {\n" + "\n".join(inner) + "\n  }")
    return ('source "file" "web" {\n  content = "hello world\\n"\n  target = "out/a.txt"\n}\n'
            'build {\n  sources = ["source.file.web"]\n' + "\n".join(blocks) + "\n}\n")


def _normalise(line):
    return re.sub(r"packer-shell\w+", "packer-shell*", line)


@pytest.mark.packer
@pytest.mark.skipif(PACKER is None, reason="packer binary not installed")
def test_chains_match_packer_side_by_side(tmp_path, monkeypatch):
    theirs, ours = tmp_path / "packer", tmp_path / "imagehub"
    theirs.mkdir()
    ours.mkdir()
    (theirs / "t.pkr.hcl").write_text(_packer_template())
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "PACKER_NO_COLOR": "1"}
    env.pop("PACKER_LOG", None)
    run = subprocess.run([PACKER, "build", "-machine-readable", "t.pkr.hcl"], cwd=theirs, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    records = [line.split(",", 3) for line in run.stdout.splitlines() if line.count(",") >= 3]
    their_lines = []
    for _, _, kind, rest in records:
        if kind == "ui" and rest.startswith(("say,", "message,")):
            text = rest.split(",", 1)[1].replace("%!(PACKER_COMMA)", ",")
            if text.startswith("Build 'file.web' finished"):
                break
            their_lines.append(_normalise(text))
    their_artifacts = [rest.split(",", 2)[2].replace("%!(PACKER_COMMA)", ",") for _, _, kind, rest in records
                       if kind == "artifact" and rest.split(",")[1] == "string"]
    run_uuid = json.loads((theirs / "out" / "manifest.json").read_text())["last_run_uuid"]

    (ours / "out").mkdir()
    shutil.copy2(theirs / "out" / "a.txt", ours / "out" / "a.txt")
    monkeypatch.chdir(ours)
    context = PluginContext("file.web", "file", source_name="web", packer_run_uuid=run_uuid)
    chains = []
    for chain in SIDE_BY_SIDE.values():
        links = []
        for type_name, name, keep, config in chain:
            plugin = implementation("post-processor", type_name)(config, context)
            assert plugin.prepare() == []
            links.append(ChainLink(type_name, plugin, name, keep))
        chains.append(links)
    sink = ListSink()
    builder = Artifact("packer.file", id="File", files=["out/a.txt"], description="Stored file: out/a.txt")
    outcome = run_chains(chains, builder, BuildUI("file.web", sink), CancelToken())
    assert outcome.errors == []
    our_lines = [_normalise(f"==> {line.build}: {line.text}" if line.stream == SAY else f"    {line.build}: {line.text}")
                 for line in sink.lines]
    assert our_lines == their_lines
    assert [a.string() for a in outcome.artifacts] == their_artifacts

    for name in ("web_file_md5.checksum", "web_file_sha256.checksum"):
        assert (ours / "out" / name).read_bytes() == (theirs / "out" / name).read_bytes(), name
    # Byte for byte but for the archive's size: gzip streams differ between compressors.
    sizes = re.compile(r'("name": "out/arch.tar.gz",\n\s+"size": )\d+')
    assert sizes.sub(r"\1N", (ours / "out" / "manifest.json").read_text()) == sizes.sub(
        r"\1N", (theirs / "out" / "manifest.json").read_text())
    assert gzip.decompress((ours / "out" / "arch.tar.gz").read_bytes()) == gzip.decompress(
        (theirs / "out" / "arch.tar.gz").read_bytes())


def test_each_post_processor_reports_its_start_and_outcome_under_the_build(ui, builder, log):
    events = []
    ui.on_step = events.append
    chains = [[link(Fake("a", log), type_name="compress"),
               link(Fake("b", log, fail=PostProcessError("boom")), type_name="checksum")]]

    run_chains(chains, builder, ui, CancelToken())

    assert [(e.build, e.step, e.phase, e.outcome) for e in events] == [
        ("null.web", "compress", "post-process", ""), ("null.web", "compress", "post-process", "ok"),
        ("null.web", "checksum", "post-process", ""), ("null.web", "checksum", "post-process", "failed")]
