"""Tests of the ansible provisioner: real ansible-playbook runs against the test sshd, and the exact
arguments, environment and inventory handed to the program (recorded by a stand-in command)."""

import glob
import os
import shlex
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import pytest

from builds.engine.cancel import Cancelled
from builds.engine.plugins import ProvisionError
from builds.engine.provisioners.ansible.provisioner import AnsibleProvisioner, find_program
from builds.engine.ui import MESSAGE, SAY, STDOUT

needs_ansible = pytest.mark.skipif(find_program("ansible-playbook") is None,
                                   reason="ansible-playbook is not installed (pip install ansible-core)")
needs_sshpass = pytest.mark.skipif(find_program("sshpass") is None,
                                   reason="sshpass is not installed (apt-get install sshpass)")

# Settings that make each real run cheaper; none changes what is being tested.
FAST = ["-e", "ansible_python_interpreter=/usr/bin/python3"]
FAST_ENV = ["ANSIBLE_PIPELINING=True"]


def connection(sshd, **overrides):
    generated = {"ConnType": "ssh", "Host": sshd.host, "Port": sshd.port, "User": sshd.username,
                 "SSHPrivateKeyFile": sshd.private_key_path, "SSHAgentAuth": False, "SSHPrivateKey": "",
                 "Password": "", "PackerHTTPAddr": "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER"}
    generated.update(overrides)
    return generated


def provisioner(context, **config):
    prov = AnsibleProvisioner(config, context)
    assert prov.prepare() == []
    return prov


def playbook(tmp_path, tasks, name="playbook.yml", roles=()):
    path = tmp_path / name
    role_lines = "".join(f"    - {role}\n" for role in roles)
    path.write_text("- hosts: all\n  gather_facts: false\n" + ("  roles:\n" + role_lines if roles else "") +
                    "  tasks:\n" + "".join(f"    - {task}\n" for task in tasks))
    return path


def leftovers(prefix):
    return set(glob.glob(os.path.join(tempfile.gettempdir(), prefix + "*")))


# --------------------------------------------------------------------------- real runs


@needs_ansible
def test_a_playbook_changes_the_machine_over_ssh_with_packers_variables(context, ui, sink, cancel, sshd,
                                                                        remote_dir, tmp_path):
    target = f"{remote_dir}/made-by-ansible"
    content = ("{{ packer_build_name }} {{ packer_builder_type }} {{ greeting }} {{ lookup('env', 'MY_VAR') }} "
               "{{ group_names | join(',') }} {{ ansible_user }}")
    book = playbook(tmp_path, [f"copy: {{dest: {target}, content: \"{content}\"}}"])
    inventories = leftovers("packer-provisioner-ansible")
    prov = provisioner(context, playbook_file=str(book), groups=["web", "db"], empty_groups=["spare"],
                       extra_arguments=[*FAST, "-e", "greeting={{ .Greeting }}"],
                       ansible_env_vars=[*FAST_ENV, "MY_VAR=from-{{ .Host }}"])
    prov.provision(ui, None, connection(sshd, Greeting="hello"), cancel)
    assert Path(target).read_text() == f"test null hello from-{sshd.host} db,web {sshd.username}"
    assert os.stat(target).st_uid == int(sshd.run_as_user("id -u").stdout)
    says = sink.texts(SAY)
    assert says[0] == "Provisioning with Ansible..."
    assert sink.texts(MESSAGE)[:2] == ["Not using Proxy adapter for Ansible run:",
                                       "\tUsing ssh keys from Packer communicator..."]
    assert says[1].startswith("Executing Ansible: ansible-playbook -e packer_build_name=\"test\" ")
    assert any(line.startswith("default ") and "changed=1" in line for line in sink.texts(STDOUT))
    assert leftovers("packer-provisioner-ansible") == inventories


@needs_ansible
def test_a_private_key_given_as_text_is_used_from_a_private_temporary_file(context, ui, sink, cancel, sshd,
                                                                          remote_dir, tmp_path):
    target = f"{remote_dir}/from-key-text"
    book = playbook(tmp_path, [f"file: {{path: {target}, state: touch}}"])
    keys_before = leftovers("ansible-key")
    prov = provisioner(context, playbook_file=str(book), extra_arguments=FAST, ansible_env_vars=FAST_ENV,
                       inventory_directory=str(tmp_path), keep_inventory_file=True, host_alias="builder")
    key_text = Path(sshd.private_key_path).read_text()
    prov.provision(ui, None, connection(sshd, SSHPrivateKeyFile="", SSHPrivateKey=key_text), cancel)
    assert os.path.exists(target)
    assert leftovers("ansible-key") == keys_before
    [kept] = glob.glob(str(tmp_path / "packer-provisioner-ansible*"))
    assert Path(kept).read_text() == (f"builder ansible_host={sshd.host} ansible_user={sshd.username} "
                                      f"ansible_port={sshd.port}\n")
    assert key_text.strip().splitlines()[1] not in "\n".join(sink.texts())


@needs_ansible
@needs_sshpass
def test_a_password_login_works_through_sshpass_and_the_password_is_never_shown(context, ui, sink, cancel, sshd,
                                                                                remote_dir, tmp_path):
    target = f"{remote_dir}/from-password"
    book = playbook(tmp_path, [f"file: {{path: {target}, state: touch}}"])
    prov = provisioner(context, playbook_file=str(book), extra_arguments=FAST, ansible_env_vars=FAST_ENV)
    prov.provision(ui, None, connection(sshd, SSHPrivateKeyFile="", Password=sshd.password), cancel)
    assert os.path.exists(target)
    assert not any(sshd.password in text for text in sink.texts())
    assert leftovers("ansible-password") == set()


@needs_ansible
def test_galaxy_installs_the_roles_the_playbook_uses(context, ui, sink, cancel, sshd, remote_dir, tmp_path):
    role = tmp_path / "role-src" / "greet"
    (role / "tasks").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "tasks" / "main.yml").write_text("- copy: {dest: '{{ greet_dest }}', content: 'role ran'}\n")
    (role / "meta" / "main.yml").write_text("galaxy_info: {author: t, description: t, license: MIT, "
                                            "min_ansible_version: '2.9'}\ndependencies: []\n")
    archive = tmp_path / "greet.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(role, arcname="greet")
    requirements = tmp_path / "requirements.yml"
    requirements.write_text(f"roles:\n  - src: file://{archive}\n    name: greet\n")
    target = f"{remote_dir}/role-output"
    book = playbook(tmp_path, ["debug: {msg: done}"], roles=["greet"])
    prov = provisioner(context, playbook_file=str(book), galaxy_file=str(requirements),
                       roles_path=str(tmp_path / "roles"), extra_arguments=[*FAST, "-e", f"greet_dest={target}"],
                       ansible_env_vars=[*FAST_ENV, f"ANSIBLE_ROLES_PATH={tmp_path / 'roles'}"])
    prov.provision(ui, None, connection(sshd), cancel)
    assert Path(target).read_text() == "role ran"
    assert sink.texts(SAY).count("Executing Ansible Galaxy") == 1
    assert "- greet was installed successfully" in sink.texts(STDOUT)


@needs_ansible
def test_a_failing_playbook_reports_ansibles_exit_status(context, ui, cancel, sshd, tmp_path):
    book = playbook(tmp_path, ["fail: {msg: broken on purpose}"])
    prov = provisioner(context, playbook_file=str(book), extra_arguments=FAST, ansible_env_vars=FAST_ENV)
    with pytest.raises(ProvisionError, match=r"^Error executing Ansible: Non-zero exit status: exit status 2$"):
        prov.provision(ui, None, connection(sshd), cancel)


@needs_ansible
def test_cancel_stops_a_running_playbook_quickly(context, ui, sink, cancel, sshd, tmp_path):
    book = playbook(tmp_path, ["command: sleep 60"])
    prov = provisioner(context, playbook_file=str(book), extra_arguments=FAST, ansible_env_vars=FAST_ENV)
    threading.Thread(target=_cancel_when, args=(cancel, lambda: any("TASK [command]" in t for t in sink.texts())),
                     daemon=True).start()
    inventories = leftovers("packer-provisioner-ansible")
    started = time.monotonic()
    with pytest.raises(Cancelled):
        prov.provision(ui, None, connection(sshd), cancel)
    assert time.monotonic() - started < 20
    assert leftovers("packer-provisioner-ansible") == inventories


# --------------------------------------------------------------------------- what ansible-playbook is given


@pytest.fixture
def recorder(tmp_path):
    """A stand-in for ansible-playbook that records its arguments, environment and inventory."""
    record = tmp_path / "record"
    record.mkdir()
    program = tmp_path / "record-ansible"
    program.write_text(f"""#!/bin/sh
printf '%s\\n' "$@" > {record}/args
env > {record}/env
prev=""
for arg in "$@"; do
  if [ "$prev" = "-i" ]; then cp "$arg" {record}/inventory; echo "$arg" > {record}/inventory-path; fi
  prev="$arg"
done
echo "ran with $# arguments"
exit ${{RECORDED_EXIT:-0}}
""")
    program.chmod(0o755)

    class Recorder:
        command = str(program)

        @staticmethod
        def args():
            return (record / "args").read_text().splitlines()

        @staticmethod
        def env():
            return dict(line.split("=", 1) for line in (record / "env").read_text().splitlines() if "=" in line)

        @staticmethod
        def inventory():
            return (record / "inventory").read_text()

    return Recorder


def recorded_run(context, ui, cancel, recorder, tmp_path, generated, **config):
    book = tmp_path / "site.yml"
    book.write_text("- hosts: all\n")
    prov = provisioner(context, playbook_file=str(book), command=recorder.command, **config)
    prov.provision(ui, None, generated, cancel)
    return book


def test_arguments_follow_packers_order(context, ui, cancel, recorder, tmp_path):
    generated = {"ConnType": "ssh", "Host": "10.0.0.9", "Port": 2222, "User": "ubuntu",
                 "SSHPrivateKeyFile": "/keys/id", "PackerHTTPAddr": "10.0.0.1:8123"}
    book = recorded_run(context, ui, cancel, recorder, tmp_path, generated,
                        extra_arguments=["-v", "--tags", "{{ .Host }}"])
    inventory = Path((tmp_path / "record" / "inventory-path").read_text().strip())
    assert recorder.args() == ["-e", 'packer_build_name="test"', "-e", "packer_builder_type=null",
                               "-e", "packer_http_addr=10.0.0.1:8123",
                               "--ssh-extra-args", "'-o IdentitiesOnly=yes'",
                               "-v", "--tags", "10.0.0.9",
                               "-e", "ansible_ssh_private_key_file=/keys/id",
                               "-i", str(inventory), str(book)]
    assert recorder.inventory() == "default ansible_host=10.0.0.9 ansible_user=ubuntu ansible_port=2222\n"
    assert not inventory.exists()


def test_ssh_extra_args_replace_the_default(context, ui, cancel, recorder, tmp_path):
    recorded_run(context, ui, cancel, recorder, tmp_path, {"ConnType": "ssh", "Host": "h", "Port": 22,
                                                           "User": "u", "SSHPrivateKeyFile": "/k"},
                 ansible_ssh_extra_args=["-o ForwardAgent=yes", "-o ServerAliveInterval=30"])
    args = recorder.args()
    assert args[args.index("--ssh-extra-args") + 1] == "'-o ForwardAgent=yes' '-o ServerAliveInterval=30'"
    assert shlex.split(args[args.index("--ssh-extra-args") + 1]) == ["-o ForwardAgent=yes",
                                                                     "-o ServerAliveInterval=30"]


def test_environment_gets_packers_defaults_and_interpolated_variables(context, ui, cancel, recorder, tmp_path):
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"},
                 ansible_env_vars=["ANSIBLE_FORCE_COLOR=1", "TARGET={{ .Host }}"])
    env = recorder.env()
    assert env["ANSIBLE_FORCE_COLOR"] == "1"
    assert env["TARGET"] == "h"
    assert env["ANSIBLE_HOST_KEY_CHECKING"] == "False"
    assert env["ANSIBLE_SCP_IF_SSH"] == "True"
    assert env["PATH"] == os.environ["PATH"]


def test_use_sftp_and_a_host_key_file_drop_those_defaults(context, ui, cancel, recorder, tmp_path):
    host_key = tmp_path / "host_key"
    host_key.write_text("key")
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"},
                 use_sftp=True, ssh_host_key_file=str(host_key))
    assert "ANSIBLE_HOST_KEY_CHECKING" not in recorder.env()
    assert "ANSIBLE_SCP_IF_SSH" not in recorder.env()


def test_groups_empty_groups_alias_user_and_template_shape_the_inventory(context, ui, cancel, recorder,
                                                                         tmp_path):
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "builder", "SSHPrivateKeyFile": "/k"},
                 groups=["web"], empty_groups=["db"], host_alias="box", user="deploy",
                 inventory_file_template="{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} "
                                         "extra=1\n")
    assert recorder.inventory() == ("box ansible_host=h ansible_user=deploy extra=1\n"
                                    "[web]\nbox ansible_host=h ansible_user=deploy extra=1\n[db]\n")


def test_a_given_inventory_file_is_used_as_is_and_kept(context, ui, cancel, recorder, tmp_path):
    mine = tmp_path / "hosts.ini"
    mine.write_text("custom\n")
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"},
                 inventory_file=str(mine))
    args = recorder.args()
    assert args[args.index("-i") + 1] == str(mine)
    assert mine.read_text() == "custom\n"


def test_an_ansible_password_argument_replaces_the_key_and_is_masked(context, ui, sink, cancel, recorder,
                                                                     tmp_path):
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"},
                 extra_arguments=["-e", "ansible_password=hunter2", "-e", "db_secret=s3cr3t"])
    args = recorder.args()
    assert "ansible_ssh_private_key_file=/k" not in args
    assert "ansible_host_key_checking=False" not in args  # the environment already says so
    assert recorder.env()["ANSIBLE_HOST_KEY_CHECKING"] == "False"
    [shown] = [text for text in sink.texts(SAY) if text.startswith("Executing Ansible: ")]
    assert "hunter2" not in shown and "s3cr3t" not in shown
    assert "ansible_password=*****" in shown


def test_a_password_login_turns_host_key_checking_off_when_the_environment_does_not(context, ui, cancel,
                                                                                  recorder, tmp_path):
    host_key = tmp_path / "host_key"
    host_key.write_text("key")
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"},
                 ssh_host_key_file=str(host_key), extra_arguments=["-e", "ansible_password=pw"])
    assert recorder.args()[-5:-3] == ["-e", "ansible_host_key_checking=False"]


def test_a_password_from_the_build_goes_in_a_private_vars_file(context, ui, sink, cancel, recorder, tmp_path):
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "Password": "pw-123456"})
    args = recorder.args()
    [vars_arg] = [arg for arg in args if arg.startswith("@")]
    assert os.path.basename(vars_arg).startswith("ansible-password")
    assert not os.path.exists(vars_arg[1:])
    assert "--ssh-extra-args" not in args
    assert not any("pw-123456" in text for text in sink.texts())


def test_winrm_use_http_adds_the_scheme(context, ui, cancel, recorder, tmp_path):
    recorded_run(context, ui, cancel, recorder, tmp_path,
                 {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"},
                 ansible_winrm_use_http=True)
    assert "ansible_winrm_scheme=http" in recorder.args()


def test_a_non_zero_exit_is_an_error_with_packers_words(context, ui, cancel, recorder, tmp_path, monkeypatch):
    monkeypatch.setenv("RECORDED_EXIT", "4")
    with pytest.raises(ProvisionError, match="^Error executing Ansible: Non-zero exit status: exit status 4$"):
        recorded_run(context, ui, cancel, recorder, tmp_path,
                     {"ConnType": "ssh", "Host": "h", "Port": 22, "User": "u", "SSHPrivateKeyFile": "/k"})


@pytest.mark.parametrize(("generated", "message"), [
    ({"ConnType": "docker", "Host": "h"}, "needs an SSH connection to the machine, but this build has the "
                                          "docker communicator"),
    ({"Host": "h"}, "needs an SSH connection to the machine, but this build has no SSH connection"),
    ({"ConnType": "ssh", "Host": ""}, "generated data 'Host' is empty"),
    ({"ConnType": "ssh", "Host": "h", "User": "u"}, "found no SSH credentials"),
])
def test_missing_connection_details_are_clear_errors(context, ui, cancel, recorder, tmp_path, generated,
                                                     message):
    with pytest.raises(ProvisionError, match=message):
        recorded_run(context, ui, cancel, recorder, tmp_path, generated)
    assert not (tmp_path / "record" / "args").exists()


# --------------------------------------------------------------------------- prepare


def test_a_missing_ansible_playbook_is_reported_before_the_build(context, tmp_path):
    book = tmp_path / "p.yml"
    book.write_text("- hosts: all\n")
    problems = AnsibleProvisioner({"playbook_file": str(book), "command": "no-such-ansible-playbook"},
                                  context).prepare()
    assert problems == ["no-such-ansible-playbook not found in PATH; install ansible-core (pip install "
                        "ansible-core) or set command to its path"]
    assert AnsibleProvisioner({"playbook_file": str(book), "command": "no-such-ansible-playbook",
                               "skip_version_check": True}, context).prepare() == []


@pytest.mark.parametrize(("config", "problem"), [
    ({"playbook_file": ""}, "playbook_file must be specified."),
    ({"playbook_file": "/no/p.yml"}, "playbook_file: /no/p.yml is invalid: stat /no/p.yml: no such file or "
                                     "directory"),
    ({"playbook_file": "/tmp"}, "playbook_file: /tmp must point to a file"),
    ({"galaxy_file": "/no/r.yml"}, "galaxy_file: /no/r.yml is invalid: stat /no/r.yml: no such file or "
                                   "directory"),
    ({"ssh_host_key_file": "/no/k"}, "ssh_host_key_file: /no/k is invalid"),
    ({"ssh_authorized_key_file": "/no/k"}, "ssh_authorized_key_file: /no/k is invalid"),
    ({"local_port": 70000}, "local_port: 70000 must be a valid port"),
    ({"inventory_directory": "/no/dir"}, "inventory_directory: /no/dir is invalid"),
    ({"inventory_directory": "/etc/hostname"}, "inventory_directory: /etc/hostname must point to a directory"),
    ({"ansible_proxy_key_type": "dsa"}, 'Invalid value for ansible_proxy_key_type: "DSA". Supported values are '
                                        "ECDSA or RSA."),
])
def test_prepare_reports_packers_problems(context, tmp_path, config, problem):
    book = tmp_path / "p.yml"
    book.write_text("- hosts: all\n")
    config = {"playbook_file": str(book), "skip_version_check": True, **config}
    problems = AnsibleProvisioner(config, context).prepare()
    assert any(p.startswith(problem) for p in problems), problems


def _cancel_when(cancel, condition):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if condition():
            time.sleep(0.3)
            cancel.cancel()
            return
        time.sleep(0.05)
    cancel.cancel()
