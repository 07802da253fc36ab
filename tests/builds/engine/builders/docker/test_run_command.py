"""Reading ``docker run`` arguments into container settings."""

import os

import pytest

from builds.engine.builders.docker.run_command import (
    DEFAULT_RUN_COMMAND,
    RunCommandError,
    expand_bind,
    parse_run_args,
)


def test_packer_default_run_command_gives_an_interactive_terminal_running_sh():
    options = parse_run_args([arg.replace("{{.Image}}", "ubuntu:24.04") for arg in DEFAULT_RUN_COMMAND])
    assert (options.image, options.command, options.entrypoint) == ("ubuntu:24.04", [], "/bin/sh")
    assert options.detach and options.interactive and options.tty
    kwargs = options.create_kwargs()
    assert kwargs["entrypoint"] == ["/bin/sh"]
    assert kwargs["stdin_open"] and kwargs["tty"] and kwargs["command"] is None


def test_options_take_values_attached_or_separate_and_repeat():
    options = parse_run_args(["-dit", "-e", "A=1", "--env=B=2", "-eC=3", "-u", "builder", "--workdir", "/w",
                              "-v", "/h:/c", "--volume=/h2:/c2:ro", "--label", "k=v", "--network=none",
                              "--privileged", "img", "sleep", "10"])
    assert options.env == ["A=1", "B=2", "C=3"]
    assert (options.user, options.workdir, options.network) == ("builder", "/w", "none")
    assert options.volumes == ["/h:/c", "/h2:/c2:ro"]
    assert options.privileged and options.tty
    assert (options.image, options.command) == ("img", ["sleep", "10"])
    assert options.create_kwargs()["labels"] == {"k": "v"}
    host = options.host_config_kwargs()
    assert host["binds"] == ["/h:/c", "/h2:/c2:ro"]
    assert host["network_mode"] == "none" and host["privileged"] is True


def test_the_image_is_the_first_argument_that_is_not_an_option():
    options = parse_run_args(["-d", "busybox", "-c", "echo"])
    assert (options.image, options.command) == ("busybox", ["-c", "echo"])


def test_boolean_options_accept_explicit_values():
    assert parse_run_args(["--privileged=false", "img"]).privileged is False
    with pytest.raises(RunCommandError, match="takes true or false"):
        parse_run_args(["--tty=maybe", "img"])


def test_an_empty_entrypoint_resets_the_image_entrypoint():
    assert parse_run_args(["--entrypoint=", "img"]).create_kwargs()["entrypoint"] == [""]


def test_host_options_map_to_the_host_configuration():
    host = parse_run_args(["--cap-add", "NET_ADMIN", "--cap-drop=MKNOD", "--device", "/dev/fuse",
                           "--tmpfs", "/run:rw,size=64m", "--tmpfs=/cache", "--runtime", "runc", "--rm",
                           "--add-host", "db:10.0.0.2", "--shm-size", "64m", "img"]).host_config_kwargs()
    assert host["cap_add"] == ["NET_ADMIN"] and host["cap_drop"] == ["MKNOD"]
    assert host["devices"] == ["/dev/fuse"]
    assert host["tmpfs"] == {"/run": "rw,size=64m", "/cache": ""}
    assert host["runtime"] == "runc" and host["auto_remove"] is True
    assert host["extra_hosts"] == {"db": "10.0.0.2"}
    assert host["shm_size"] == "64m"


@pytest.mark.parametrize("args, message", [
    (["--attach=stdout", "img"], "option --attach is not supported"),
    (["-p", "80:80", "img"], "option -p is not supported"),
    (["-d", "-i"], "names no image"),
    (["--user"], "--user needs a value"),
    (["--add-host", "nocolon", "img"], "KEY:VALUE"),
])
def test_arguments_that_cannot_make_a_container_are_refused_with_the_reason(args, message):
    with pytest.raises(RunCommandError, match=message):
        options = parse_run_args(args)
        options.host_config_kwargs()


def test_a_home_relative_volume_is_expanded_like_packer_does():
    assert expand_bind("~/data:/data") == os.path.join(os.path.expanduser("~"), "data:/data")
    assert expand_bind("/abs:/data") == "/abs:/data"
