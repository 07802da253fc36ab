"""``AnsibleProvisioner``: runs ``ansible-playbook`` on this machine against the machine under build.

Packer's plugin, by default, puts an SSH proxy of its own between Ansible and
the communicator. ImageHub always lets Ansible connect to the machine
directly over SSH with the communicator's credentials (Packer's
``use_proxy = false``): the inventory names the machine's address, port and
user, and the key goes to Ansible as a private temporary file. The proxy's
arguments (``local_port``, ``ssh_host_key_file``, ``ssh_authorized_key_file``,
``ansible_proxy_key_type``, ``sftp_command``, ``use_proxy``) are checked as
Packer checks them and otherwise have no effect.

The build's generated data must hold the connection, under Packer's names:

* ``ConnType``: ``"ssh"`` (other communicators are refused with a message);
* ``Host``, ``Port`` and ``User``: where and as whom to log in;
* one credential: ``SSHPrivateKeyFile`` (a path), ``SSHPrivateKey`` (the key
  text), ``SSHAgentAuth`` (true to use the SSH agent) or ``Password``
  (Ansible then needs the ``sshpass`` program);
* optionally ``PackerHTTPAddr``, passed as ``packer_http_addr``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from builds.engine.localexec import LocalExecError
from builds.engine.localexec import run as run_local
from builds.engine.plugins import PluginContext, Provisioner, ProvisionError
from builds.engine.provisioners.ansible import inventory
from builds.engine.provisioners.scripting import Interpolator, packer_build_name

if TYPE_CHECKING:
    from builds.engine.cancel import CancelToken
    from builds.engine.communicators.base import Communicator
    from builds.engine.ui import BuildUI

HTTP_ADDR_NOT_IMPLEMENTED = "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER"
PROXY_KEY_TYPES = ("RSA", "ECDSA")
SECRET_MASK = "*****"


class AnsibleProvisioner(Provisioner):
    """Packer's ``ansible`` provisioner (github.com/hashicorp/ansible), connecting directly over SSH."""

    type_name = "ansible"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self.command = config.get("command") or "ansible-playbook"
        self.galaxy_command = config.get("galaxy_command") or "ansible-galaxy"
        self.host_alias = config.get("host_alias") or "default"
        self.playbook_file = config.get("playbook_file") or ""
        self.galaxy_file = config.get("galaxy_file") or ""
        self.inventory_file = config.get("inventory_file") or ""
        self.inventory_directory = config.get("inventory_directory") or ""
        self.inventory_template = config.get("inventory_file_template") or inventory.DEFAULT_INVENTORY_TEMPLATE
        self.user = config.get("user") or ""
        self.groups = list(config.get("groups") or [])
        self.empty_groups = list(config.get("empty_groups") or [])
        self.extra_arguments = list(config.get("extra_arguments") or [])
        self.ssh_extra_args = list(config.get("ansible_ssh_extra_args") or [])
        self.env_vars = list(config.get("ansible_env_vars") or [])
        if not config.get("ssh_host_key_file"):
            self.env_vars.append("ANSIBLE_HOST_KEY_CHECKING=False")
        if not config.get("use_sftp"):
            self.env_vars.append("ANSIBLE_SCP_IF_SSH=True")
        if config.get("ansible_winrm_use_http") and not any(
                arg.startswith("ansible_winrm_scheme") for arg in self.extra_arguments):
            self.extra_arguments += ["-e", "ansible_winrm_scheme=http"]

    def prepare(self) -> list[str]:
        """Return the configuration's problems in Packer's words, plus a missing ``ansible-playbook``
        (unless ``skip_version_check``); runs nothing."""
        problems = []
        for name in ("playbook_file", "galaxy_file", "ssh_authorized_key_file", "ssh_host_key_file"):
            path = self.raw.get(name) or ""
            if name == "playbook_file" and not path:
                problems.append("playbook_file must be specified.")
            elif path:
                problems.extend(_file_problem(name, path))
        port = self.raw.get("local_port")
        if port is not None and int(port) > 65535:
            problems.append(f"local_port: {int(port)} must be a valid port")
        if self.inventory_directory:
            if not os.path.exists(self.inventory_directory):
                problems.append(f"inventory_directory: {self.inventory_directory} is invalid: stat "
                                f"{self.inventory_directory}: no such file or directory")
            elif not os.path.isdir(self.inventory_directory):
                problems.append(f"inventory_directory: {self.inventory_directory} must point to a directory")
        key_type = (self.raw.get("ansible_proxy_key_type") or "ECDSA").upper()
        if key_type not in PROXY_KEY_TYPES:
            problems.append(f'Invalid value for ansible_proxy_key_type: "{key_type}". '
                            "Supported values are ECDSA or RSA.")
        if not self.raw.get("skip_version_check") and find_program(self.command) is None:
            problems.append(f"{self.command} not found in PATH; install ansible-core "
                            "(pip install ansible-core) or set command to its path")
        return problems

    def provision(self, ui: BuildUI, communicator: Communicator, generated: dict[str, Any],
                  cancel: CancelToken) -> None:
        """Run the playbook (after ``ansible-galaxy`` when ``galaxy_file`` is set); raises
        ``ProvisionError`` when the connection details are missing or Ansible fails, ``Cancelled`` when
        cancelled (Ansible's process group is killed)."""
        ui.say("Provisioning with Ansible...")
        interpolator = Interpolator(self.context, generated)
        env_vars = [interpolator.render(var, "ansible env vars") for var in self.env_vars]
        extra_arguments = [interpolator.render(arg, "extra_arguments") for arg in self.extra_arguments]
        connection = self._connection(generated)
        ui.message("Not using Proxy adapter for Ansible run:\n\tUsing ssh keys from Packer communicator...")

        created: list[str] = []
        try:
            key_file = connection["key_file"]
            if connection["key_text"]:
                key_file = inventory.write_private_file(connection["key_text"], "ansible-key")
                created.append(key_file)
            password_file = ""
            if connection["password"]:
                password_file = inventory.write_password_vars(connection["password"])
                created.append(password_file)
            inventory_path = self.inventory_file
            if not inventory_path:
                inventory_path = self._write_inventory(interpolator, generated, connection["user"])
                if not self.raw.get("keep_inventory_file"):
                    created.append(inventory_path)
            environment = dict(os.environ)
            environment.update(var.split("=", 1) for var in env_vars if "=" in var)
            if self.galaxy_file:
                self._run_galaxy(ui, environment, cancel)
            args = self._arguments(generated, extra_arguments, env_vars, key_file, password_file,
                                   inventory_path)
            self._run_playbook(ui, args, environment, extra_arguments, generated, cancel)
        finally:
            for path in created:
                _remove(path)

    def _connection(self, generated: dict[str, Any]) -> dict[str, str]:
        conn_type = generated.get("ConnType") or ""
        if conn_type != "ssh":
            described = f"the {conn_type} communicator" if conn_type else "no SSH connection"
            raise ProvisionError(f"the ansible provisioner needs an SSH connection to the machine, but this "
                                 f"build has {described}: ImageHub runs Ansible over SSH directly, without "
                                 "Packer's proxy adapter")
        host = str(generated.get("Host") or "")
        if not host:
            raise ProvisionError("the ansible provisioner needs the machine's address, but the build did not "
                                 "provide one (generated data 'Host' is empty)")
        user = self.user or str(generated.get("User") or "")
        key_file = str(generated.get("SSHPrivateKeyFile") or "")
        key_text = ""
        password = ""
        if not key_file and not generated.get("SSHAgentAuth"):
            key_text = _text(generated.get("SSHPrivateKey"))
            if not key_text:
                password = str(generated.get("Password") or "")
                if not password:
                    raise ProvisionError("the ansible provisioner found no SSH credentials for the machine: "
                                         "the build provides no private key, agent or password")
                if find_program("sshpass") is None:
                    raise ProvisionError("the machine accepts only a password, and Ansible needs the sshpass "
                                         "program to log in with one: install sshpass (apt-get install "
                                         "sshpass), or give the build an SSH key")
        return {"user": user, "key_file": key_file, "key_text": key_text, "password": password}

    def _write_inventory(self, interpolator: Interpolator, generated: dict[str, Any], user: str) -> str:
        host_line = interpolator.render(self.inventory_template, "inventory_file_template",
                                        HostAlias=self.host_alias, User=user)
        text = inventory.inventory_text(host_line, self.groups, self.empty_groups)
        try:
            return inventory.write_inventory(text, self.inventory_directory or None)
        except OSError as exc:
            raise ProvisionError(f"Error preparing inventory file: {exc.strerror or exc}") from None

    def _arguments(self, generated: dict[str, Any], extra_arguments: list[str], env_vars: list[str],
                   key_file: str, password_file: str, inventory_path: str) -> list[str]:
        args = ["-e", f'packer_build_name="{packer_build_name(self.context)}"',
                "-e", f"packer_builder_type={self.context.build_type}"]
        http_addr = generated.get("PackerHTTPAddr")
        if http_addr and http_addr != HTTP_ADDR_NOT_IMPLEMENTED:
            args += ["-e", f"packer_http_addr={http_addr}"]
        if key_file:
            ssh_extra = ("'" + "' '".join(self.ssh_extra_args) + "'") if self.ssh_extra_args \
                else "'-o IdentitiesOnly=yes'"
            args += ["--ssh-extra-args", ssh_extra]
        args += extra_arguments
        has_password = password_file or _mentions("ansible_password", args)
        if key_file and not has_password:
            args += ["-e", f"ansible_ssh_private_key_file={key_file}"]
        if password_file:
            args += ["-e", f"@{password_file}"]
        if has_password and not _mentions("ansible_host_key_checking", args) \
                and not _mentions("ANSIBLE_HOST_KEY_CHECKING", env_vars):
            args += ["-e", "ansible_host_key_checking=False"]
        return args + ["-i", inventory_path, os.path.abspath(self.playbook_file)]

    def _run_galaxy(self, ui: BuildUI, environment: dict[str, str], cancel: CancelToken) -> None:
        with open(self.galaxy_file, encoding="utf-8", errors="replace") as handle:
            requirements = handle.read()
        has_roles = any(line.startswith("roles:") for line in requirements.splitlines())
        has_collections = any(line.startswith("collections:") for line in requirements.splitlines())
        force = (["-f"] if self.raw.get("galaxy_force_install") else []) + \
            (["--force-with-deps"] if self.raw.get("galaxy_force_with_deps") else [])
        runs = []
        if has_roles or not has_collections:
            roles_path = ["-p", self.raw["roles_path"]] if self.raw.get("roles_path") else []
            runs.append(["install", "-r", self.galaxy_file, *force, *roles_path])
        if has_collections:
            collections_path = ["-p", self.raw["collections_path"]] if self.raw.get("collections_path") else []
            runs.append(["collection", "install", "-r", self.galaxy_file, *force, *collections_path])
        for args in runs:
            ui.say("Executing Ansible Galaxy")
            status = self._execute(self.galaxy_command, args, environment, ui, cancel)
            if status != 0:
                raise ProvisionError(f"Error executing Ansible: Error executing Ansible Galaxy: Non-zero exit "
                                     f"status: exit status {status}")

    def _run_playbook(self, ui: BuildUI, args: list[str], environment: dict[str, str],
                      extra_arguments: list[str], generated: dict[str, Any], cancel: CancelToken) -> None:
        shown = " ".join([self.command, *args])
        secrets = [arg.split("=", 1)[1] for arg in extra_arguments
                   if "=" in arg and any(word in arg.split("=", 1)[0].lower() for word in ("password", "secret"))]
        secrets += [str(generated[key]) for key in ("WinRMPassword", "Password") if generated.get(key)]
        for secret in secrets:
            if secret:
                shown = shown.replace(secret, SECRET_MASK)
        ui.say(f"Executing Ansible: {shown}")
        status = self._execute(self.command, args, environment, ui, cancel)
        if status != 0:
            raise ProvisionError(f"Error executing Ansible: Non-zero exit status: exit status {status}")

    def _execute(self, command: str, args: list[str], environment: dict[str, str], ui: BuildUI,
                 cancel: CancelToken) -> int:
        program = find_program(command) or command
        try:
            return run_local([program, *args], cancel=cancel, stdout=_trimmed(ui.stdout),
                             stderr=_trimmed(ui.stderr), env=environment)
        except LocalExecError as exc:
            raise ProvisionError(f"Error executing Ansible: {exc}") from None


def find_program(command: str) -> str | None:
    """Return the path of ``command`` from PATH, else from the directory of the running Python (a
    virtual environment's ``bin``), or None when it is in neither."""
    found = shutil.which(command)
    if found is None and os.sep not in command:
        found = shutil.which(command, path=os.path.dirname(sys.executable))
    return found


def _trimmed(write: Callable[[str], None]) -> Callable[[str], None]:
    def deliver(line: str) -> None:
        write(line.rstrip())
    return deliver


def _file_problem(name: str, path: str) -> list[str]:
    if not os.path.exists(path):
        return [f"{name}: {path} is invalid: stat {path}: no such file or directory"]
    if os.path.isdir(path):
        return [f"{name}: {path} must point to a file"]
    return []


def _mentions(name: str, args: list[str]) -> bool:
    """Packer's checkArg: whether any argument, split at ``=``, has a part equal to ``name``."""
    return any(name in arg.split("=") for arg in args)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, list):
        return bytes(value).decode("utf-8")
    return str(value or "")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
