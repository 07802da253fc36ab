"""The docker builder's configuration as typed settings, with Packer's defaults and cross-field checks.

:func:`read_settings` turns the decoded HCL arguments into
:class:`DockerSettings` and lists every problem at once, in Packer's words
where Packer has them. What ImageHub cannot do (bootstrapping from a
Dockerfile with ``build { }``, ECR logins, Windows containers) is reported
here, before anything runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from builds.engine.builders.common.communicator_settings import communicator_problems
from builds.engine.builders.docker.run_command import (
    DEFAULT_RUN_COMMAND,
    RunCommandError,
    parse_run_args,
)
from builds.engine.gotemplate import TemplateError, render

DEFAULT_CONTAINER_DIR = "/packer-files"

# The Dockerfile instructions ``docker commit --change`` accepts.
COMMIT_INSTRUCTIONS = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL",
                       "USER", "VOLUME", "WORKDIR")

ARTIFACT_NOT_USED = "No instructions given for handling the artifact; expected commit, discard, or export_path"
ARTIFACT_USE_CONFLICT = "Cannot specify more than one of commit, discard, and export_path"
EXPORT_PATH_NOT_FILE = "export_path must be a file, not a directory"


@dataclass
class DockerSettings:
    """What the docker builder's steps read, defaults applied."""

    image: str = ""
    pull: bool = True
    platform: str = ""
    run_command: list[str] = field(default_factory=lambda: list(DEFAULT_RUN_COMMAND))
    volumes: dict[str, str] = field(default_factory=dict)
    privileged: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    tmpfs: list[str] = field(default_factory=list)
    runtime: str = ""
    container_dir: str = DEFAULT_CONTAINER_DIR
    exec_user: str = ""
    pty: bool = False
    fix_upload_owner: bool = True
    commit: bool = False
    discard: bool = False
    export_path: str = ""
    changes: list[str] = field(default_factory=list)
    author: str = ""
    message: str = ""
    login: bool = False
    login_server: str = ""
    login_username: str = ""
    login_password: str = ""
    communicator: str = "docker"


def read_settings(raw: dict[str, Any]) -> tuple[DockerSettings, list[str]]:
    """Return the settings of the decoded arguments ``raw`` and the problems found (empty when valid)."""
    problems: list[str] = []
    settings = DockerSettings(
        image=_text(raw, "image"),
        pull=_flag(raw, "pull", True),
        platform=_text(raw, "platform"),
        run_command=list(raw.get("run_command") or DEFAULT_RUN_COMMAND),
        volumes=dict(raw.get("volumes") or {}),
        privileged=_flag(raw, "privileged", False),
        cap_add=list(raw.get("cap_add") or []),
        cap_drop=list(raw.get("cap_drop") or []),
        devices=list(raw.get("device") or []),
        tmpfs=list(raw.get("tmpfs") or []),
        runtime=_text(raw, "runtime"),
        container_dir=_text(raw, "container_dir") or DEFAULT_CONTAINER_DIR,
        exec_user=_text(raw, "exec_user"),
        pty=_flag(raw, "pty", False),
        fix_upload_owner=_flag(raw, "fix_upload_owner", True),
        commit=_flag(raw, "commit", False),
        discard=_flag(raw, "discard", False),
        export_path=_text(raw, "export_path"),
        changes=list(raw.get("changes") or []),
        author=_text(raw, "author"),
        message=_text(raw, "message"),
        login=_flag(raw, "login", False),
        login_server=_text(raw, "login_server"),
        login_username=_text(raw, "login_username"),
        login_password=_text(raw, "login_password"),
        communicator=_text(raw, "communicator") or "docker",
    )
    if raw.get("build"):
        problems.append("bootstrapping the image from a Dockerfile (build { }) is not supported by ImageHub; "
                        "build the image beforehand and name it in image")
    elif not settings.image:
        problems.append("missing 'image' attribute or 'build' section, either needs to be specified for a "
                        "build to run.")
    if _flag(raw, "windows_container", False):
        problems.append("windows_container is not supported by ImageHub: it builds Linux containers only")
    if _flag(raw, "ecr_login", False):
        if not settings.login_server:
            problems.append("ECR login requires login server to be provided.")
        problems.append("ecr_login is not supported by ImageHub; log in with login, login_username and "
                        "login_password")
    problems.extend(communicator_problems(raw, default="docker"))
    if settings.communicator == "dockerWindowsContainer":
        problems.append("the dockerWindowsContainer communicator is not supported by ImageHub; use docker")
    chosen = [settings.commit, settings.discard, bool(settings.export_path)]
    if sum(chosen) > 1:
        problems.append(ARTIFACT_USE_CONFLICT)
    elif not any(chosen):
        problems.append(ARTIFACT_NOT_USED)
    if settings.export_path and os.path.isdir(settings.export_path):
        problems.append(EXPORT_PATH_NOT_FILE)
    problems.extend(change_problems(settings.changes))
    try:
        parse_run_args([render(arg, {"Image": settings.image or "image"}) for arg in settings.run_command])
    except TemplateError as exc:
        problems.append(f"run_command: {exc}")
    except RunCommandError as exc:
        problems.append(str(exc))
    return settings, problems


def change_problems(changes: list[str], command: str = "docker commit") -> list[str]:
    """Say which ``changes`` (``command --change`` instructions) the daemon would refuse."""
    problems = []
    for change in changes:
        instruction = change.strip().split(None, 1)[0].upper() if change.strip() else ""
        if instruction not in COMMIT_INSTRUCTIONS:
            problems.append(f"changes: {change!r} is not a Dockerfile instruction {command} can apply; "
                            f"use one of {', '.join(COMMIT_INSTRUCTIONS)}")
    return problems


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value)


def _flag(raw: dict[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name)
    return default if value is None else bool(value)
