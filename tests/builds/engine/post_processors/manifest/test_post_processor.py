"""Tests of the manifest post-processor: Packer's file layout, appending, -force, and safe concurrent writes."""

import json
import os
import threading

import pytest

from builds.engine.artifact import Artifact
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.manifest import post_processor as manifest_module
from builds.engine.post_processors.manifest.post_processor import ManifestPostProcessor

RUN = "11111111-2222-3333-4444-555555555555"


def manifest(context, **config):
    plugin = ManifestPostProcessor(config, context)
    assert plugin.prepare() == []
    return plugin


@pytest.fixture
def frozen_time(monkeypatch):
    monkeypatch.setattr(manifest_module.time, "time", lambda: 1700000000.5)


@pytest.fixture
def artifact(workdir):
    (workdir / "out").mkdir()
    (workdir / "out" / "a.txt").write_text("hello world\n")
    return Artifact("packer.file", id="File", files=["out/a.txt"], description="Stored file: out/a.txt")


def test_a_new_manifest_has_packers_layout_byte_for_byte(context, ui, cancel, artifact, frozen_time, workdir):
    manifest(context, custom_data={"b": "2", "a": "1"}).post_process(ui, artifact, cancel)
    assert (workdir / "packer-manifest.json").read_text() == f"""{{
  "builds": [
    {{
      "name": "web",
      "builder_type": "file",
      "build_time": 1700000000,
      "files": [
        {{
          "name": "out/a.txt",
          "size": 12
        }}
      ],
      "artifact_id": "File",
      "packer_run_uuid": "{RUN}",
      "custom_data": {{
        "a": "1",
        "b": "2"
      }}
    }}
  ],
  "last_run_uuid": "{RUN}"
}}"""


def test_manifest_passes_its_input_on_and_insists_on_keeping_it(context, ui, cancel, artifact):
    result = manifest(context).post_process(ui, artifact, cancel)
    assert result.artifact is artifact
    assert result.keep_input and result.force_keep_input


def test_builds_append_to_an_existing_manifest_and_the_last_run_is_recorded(context, ui, cancel, artifact, workdir):
    first = manifest(context, output="m.json")
    first.post_process(ui, artifact, cancel)
    context.packer_run_uuid = "run-2"
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    document = json.loads((workdir / "m.json").read_text())
    assert [b["packer_run_uuid"] for b in document["builds"]] == [RUN, "run-2"]
    assert document["last_run_uuid"] == "run-2"


def test_force_starts_afresh_only_when_the_manifest_is_from_another_run(context, ui, cancel, artifact, workdir):
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    context.force = True
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    assert len(json.loads((workdir / "m.json").read_text())["builds"]) == 2
    context.packer_run_uuid = "run-2"
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    document = json.loads((workdir / "m.json").read_text())
    assert [b["packer_run_uuid"] for b in document["builds"]] == ["run-2"]


def test_strip_path_keeps_file_names_and_strip_time_drops_build_time(context, ui, cancel, artifact, workdir):
    manifest(context, strip_path=True, strip_time=True).post_process(ui, artifact, cancel)
    build = json.loads((workdir / "packer-manifest.json").read_text())["builds"][0]
    assert build["files"] == [{"name": "a.txt", "size": 12}]
    assert "build_time" not in build
    assert list(build) == ["name", "builder_type", "files", "artifact_id", "packer_run_uuid", "custom_data"]


def test_unset_custom_data_and_an_artifact_without_files_are_null(context, ui, cancel, workdir):
    manifest(context).post_process(ui, Artifact("x", id="ami-1"), cancel)
    build = json.loads((workdir / "packer-manifest.json").read_text())["builds"][0]
    assert build["custom_data"] is None and build["files"] is None
    assert build["artifact_id"] == "ami-1"


def test_a_missing_file_is_listed_with_size_zero(context, ui, cancel, workdir):
    manifest(context).post_process(ui, Artifact("x", files=["gone.img"]), cancel)
    build = json.loads((workdir / "packer-manifest.json").read_text())["builds"][0]
    assert build["files"] == [{"name": "gone.img", "size": 0}]


def test_custom_data_is_rendered_with_template_functions_and_the_build_data(context, ui, cancel, workdir):
    artifact = Artifact("x", id="i-1", state={"generated_data": {"SourceAMI": "ami-9"}})
    plugin = manifest(context, custom_data={"who": "{{build_name}}-{{build_type}}",
                                            "source": '{{ build "SourceAMI" }}', "field": "{{.SourceAMI}}"})
    plugin.post_process(ui, artifact, cancel)
    custom = json.loads((workdir / "packer-manifest.json").read_text())["builds"][0]["custom_data"]
    # Packer renders custom data once without build data first, so ``.Field`` stays empty.
    assert custom == {"field": "<no value>", "source": "ami-9", "who": "web-file"}


def test_text_is_escaped_as_go_escapes_it(context, ui, cancel, workdir):
    (workdir / "a&b<c>é.txt").write_text("x")
    manifest(context, custom_data={"k": "\u2028\t"}).post_process(ui, Artifact("x", files=["a&b<c>é.txt"]), cancel)
    text = (workdir / "packer-manifest.json").read_text(encoding="utf-8")
    assert '"name": "a\\u0026b\\u003cc\\u003eé.txt"' in text
    assert '"k": "\\u2028\\t"' in text


def test_existing_builds_are_rewritten_in_packers_layout(context, ui, cancel, artifact, workdir):
    (workdir / "m.json").write_text(json.dumps({
        "Builds": [{"NAME": "old", "builder_type": "null", "build_time": 0, "files": [], "extra": 1,
                    "custom_data": {"z": "1", "a": None}}],
        "last_run_uuid": "older", "comment": "dropped"}))
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    document = json.loads((workdir / "m.json").read_text())
    assert list(document) == ["builds", "last_run_uuid"]
    assert document["builds"][0] == {"name": "old", "builder_type": "null", "files": [], "artifact_id": "",
                                     "packer_run_uuid": "", "custom_data": {"a": "", "z": "1"}}


@pytest.mark.parametrize("content, detail", [
    ("{not json", "Expecting property name"),
    ('{"builds": {}}', '"builds" is a JSON object, not an array'),
    ('{"builds": [{"build_time": 1.5}]}', "builds[0].build_time is number 1.5, not a whole number"),
    ('{"builds": [{"files": [{"size": "big"}]}]}', "builds[0].files[0].size is string"),
])
def test_an_unreadable_existing_manifest_fails_with_its_path(context, ui, cancel, artifact, workdir, content, detail):
    (workdir / "m.json").write_text(content)
    with pytest.raises(PostProcessError, match="Unable to parse content from m.json: ") as caught:
        manifest(context, output="m.json").post_process(ui, artifact, cancel)
    assert detail in str(caught.value)
    assert (workdir / "m.json").read_text() == content


def test_a_missing_output_directory_is_reported(context, ui, cancel, artifact):
    with pytest.raises(PostProcessError, match="Unable to write nowhere/m.json: open nowhere/m.json: no such file"):
        manifest(context, output="nowhere/m.json").post_process(ui, artifact, cancel)


def test_writing_keeps_the_files_mode_and_leaves_no_temporary_or_lock_file(context, ui, cancel, artifact, workdir):
    (workdir / "m.json").write_text("")
    os.chmod(workdir / "m.json", 0o600)
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    assert os.stat(workdir / "m.json").st_mode & 0o777 == 0o600
    assert sorted(os.listdir(workdir)) == ["m.json", "out"]


def test_a_lock_file_left_by_someone_else_is_not_removed(context, ui, cancel, artifact, workdir, monkeypatch):
    monkeypatch.setattr(manifest_module, "LOCK_BACKOFF_SECONDS", 0.0)
    (workdir / "m.json.lock").write_text("")
    manifest(context, output="m.json").post_process(ui, artifact, cancel)
    assert (workdir / "m.json.lock").exists()
    assert len(json.loads((workdir / "m.json").read_text())["builds"]) == 1


def test_builds_finishing_together_all_land_in_the_manifest(context, ui, cancel, artifact, workdir):
    plugins = [manifest(context, output="m.json") for _ in range(8)]
    threads = [threading.Thread(target=p.post_process, args=(ui, artifact, cancel)) for p in plugins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(json.loads((workdir / "m.json").read_text())["builds"]) == 8


def test_prepare_reports_a_malformed_output_template(context):
    plugin = ManifestPostProcessor({"output": "{{ .Foo", "custom_data": {"k": "{{ nope }}"}}, context)
    problems = plugin.prepare()
    assert len(problems) == 2
    assert problems[0].startswith("Error parsing target template: ")
    assert problems[1].startswith("Error interpolating custom data k: ") and '"nope" not defined' in problems[1]


def test_output_template_functions_are_rendered(context, ui, cancel, artifact, workdir):
    manifest(context, output="{{build_name}}.json").post_process(ui, artifact, cancel)
    assert (workdir / "web.json").exists()
