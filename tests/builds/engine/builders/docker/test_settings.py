"""The docker builder's settings: Packer's defaults and every problem reported at once."""

import pytest

from builds.engine.builders.docker.run_command import DEFAULT_RUN_COMMAND
from builds.engine.builders.docker.settings import (
    ARTIFACT_NOT_USED,
    ARTIFACT_USE_CONFLICT,
    EXPORT_PATH_NOT_FILE,
    read_settings,
)


def test_defaults_match_packer():
    settings, problems = read_settings({"image": "ubuntu", "commit": True})
    assert problems == []
    assert settings.pull is True and settings.fix_upload_owner is True
    assert settings.run_command == DEFAULT_RUN_COMMAND
    assert settings.container_dir == "/packer-files"
    assert settings.communicator == "docker"


def test_explicit_false_values_are_kept():
    settings, _ = read_settings({"image": "ubuntu", "discard": True, "pull": False, "fix_upload_owner": False})
    assert settings.pull is False and settings.fix_upload_owner is False


@pytest.mark.parametrize("arguments, problem", [
    ({"image": "u"}, ARTIFACT_NOT_USED),
    ({"image": "u", "commit": True, "discard": True}, ARTIFACT_USE_CONFLICT),
    ({"image": "u", "commit": True, "export_path": "x.tar"}, ARTIFACT_USE_CONFLICT),
    ({"commit": True}, "missing 'image' attribute or 'build' section"),
    ({"image": "u", "commit": True, "changes": ["FROM scratch"]}, "'FROM scratch' is not a Dockerfile instruction"),
    ({"image": "u", "commit": True, "run_command": ["-d", "--publish", "80"]}, "--publish is not supported"),
    ({"image": "u", "commit": True, "run_command": ["-d", "{{.Image"]}, "run_command:"),
    ({"build": {"path": "Dockerfile"}, "commit": True}, "build { }) is not supported"),
    ({"image": "u", "commit": True, "windows_container": True}, "windows_container is not supported"),
    ({"image": "u", "commit": True, "ecr_login": True}, "ECR login requires login server"),
    ({"image": "u", "commit": True, "communicator": "telnet"}, "communicator must be one of"),
])
def test_each_problem_is_reported(arguments, problem):
    _, problems = read_settings(arguments)
    assert any(problem in p for p in problems), problems


def test_export_path_must_not_be_a_directory(tmp_path):
    _, problems = read_settings({"image": "u", "export_path": str(tmp_path)})
    assert problems == [EXPORT_PATH_NOT_FILE]


def test_all_problems_come_at_once():
    _, problems = read_settings({"changes": ["RUN x"], "windows_container": True})
    assert len(problems) == 4


def test_commit_changes_accept_every_instruction_docker_commit_applies():
    changes = ["CMD [\"sh\"]", "ENTRYPOINT /bin/sh", "ENV A=1", "EXPOSE 80", "LABEL a=b", "ONBUILD RUN x",
               "USER nobody", "VOLUME /data", "WORKDIR /app", "STOPSIGNAL SIGTERM", "healthcheck NONE"]
    assert read_settings({"image": "u", "commit": True, "changes": changes})[1] == []
