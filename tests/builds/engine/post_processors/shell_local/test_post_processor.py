"""Tests of the shell-local post-processor, run for real on this machine."""

import pytest

from builds.engine.artifact import Artifact
from builds.engine.cancel import Cancelled
from builds.engine.plugins import PostProcessError
from builds.engine.post_processors.shell_local.post_processor import ShellLocalPostProcessor
from builds.engine.ui import SAY, STDOUT


def shell_local(context, **config):
    plugin = ShellLocalPostProcessor(config, context)
    assert plugin.prepare() == []
    return plugin


def test_commands_see_the_build_name_and_type_and_the_artifact_passes_through(context, ui, sink, cancel):
    artifact = Artifact("packer.file", files=["a.txt"])
    result = shell_local(context, inline=["echo $PACKER_BUILD_NAME $PACKER_BUILDER_TYPE"]).post_process(
        ui, artifact, cancel)
    assert sink.texts(STDOUT) == ["web file"]
    assert sink.texts(SAY)[0].startswith("Running local shell script: ")
    assert result.artifact is artifact
    assert result.keep_input and result.force_keep_input


def test_templates_see_the_artifacts_generated_data(context, ui, sink, cancel):
    artifact = Artifact("b", state={"generated_data": {"ID": "i-123"}})
    shell_local(context, inline=["echo {{.ID}} {{build `ID`}}"]).post_process(ui, artifact, cancel)
    assert sink.texts(STDOUT) == ["i-123 i-123"]


def test_a_failing_script_fails_the_post_processor(context, ui, cancel):
    with pytest.raises(PostProcessError, match=r"Script exited with non-zero exit status: 3\. "
                                               r"Allowed exit codes are: \[0\]"):
        shell_local(context, inline=["exit 3"]).post_process(ui, Artifact("b"), cancel)


def test_allowed_exit_codes_are_respected(context, ui, cancel):
    shell_local(context, inline=["exit 3"], valid_exit_codes=[0, 3]).post_process(ui, Artifact("b"), cancel)


def test_a_one_element_execute_command_is_run_by_sh_c_as_packer_did(context, ui, sink, cancel, tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("echo from script\n")
    plugin = shell_local(context, script=str(script), execute_command=["echo wrapped {{.Script}}"])
    assert plugin.config.execute_command == ["sh", "-c", "echo wrapped {{.Script}}"]
    plugin.post_process(ui, Artifact("b"), cancel)
    assert sink.texts(STDOUT) == [f"wrapped {script}"]


def test_prepare_reports_the_shared_configuration_rules(context):
    assert ShellLocalPostProcessor({}, context).prepare() == [
        "Command, Inline, Script and Scripts options cannot all be empty."]


def test_a_cancelled_build_stops_the_script(context, ui, cancel):
    cancel.cancel()
    with pytest.raises(Cancelled):
        shell_local(context, inline=["sleep 5"]).post_process(ui, Artifact("b"), cancel)
