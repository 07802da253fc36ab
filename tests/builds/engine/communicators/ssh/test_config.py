"""Tests for SSHConfig: Packer's defaults, the arguments it reads, and every problem prepare reports."""

import pytest

from builds.engine.communicators.ssh.config import USERNAME_REQUIRED, SSHConfig
from builds.engine.communicators.ssh.keys import generate_key_pair


def _config(**args) -> SSHConfig:
    return SSHConfig.from_arguments({"ssh_username": "admin", **args})


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "id_ed25519"
    path.write_text(generate_key_pair("ed25519").private_key)
    return str(path)


def test_defaults_are_packers():
    config = _config()

    assert (config.port, config.timeout, config.handshake_attempts) == (22, 300.0, 10)
    assert (config.keep_alive_interval, config.read_write_timeout) == (5.0, 0.0)
    assert config.file_transfer_method == "scp"
    assert config.temporary_key_pair_type == "rsa"
    assert not config.pty and config.bastion is None
    assert config.prepare() == []


def test_setting_only_ssh_timeout_leaves_handshake_attempts_unlimited():
    config = _config(ssh_timeout="2m")

    assert (config.timeout, config.handshake_attempts) == (120.0, 0)


def test_setting_only_handshake_attempts_leaves_the_timeout_unlimited():
    config = _config(ssh_handshake_attempts=3)

    assert (config.timeout, config.handshake_attempts) == (0.0, 3)


def test_ssh_wait_timeout_overrides_ssh_timeout():
    assert _config(ssh_timeout="1m", ssh_wait_timeout="90s").timeout == 90.0


def test_negative_keep_alive_interval_disables_keep_alives():
    assert _config(ssh_keep_alive_interval="-1s").keep_alive_interval == -1.0


def test_arguments_are_read_into_typed_fields():
    config = _config(ssh_host="10.0.0.5", ssh_port=2222.0, ssh_password="pw", ssh_pty=True,
                     ssh_read_write_timeout="5m", pause_before_connecting="10s",
                     ssh_file_transfer_method="sftp", ssh_ciphers=["aes128-ctr"],
                     temporary_key_pair_type="ed25519", ssh_private_key=list(b"KEY"),
                     ssh_keypair_name="kp", ssh_clear_authorized_keys=True)

    assert (config.host, config.port, config.address) == ("10.0.0.5", 2222, "10.0.0.5:2222")
    assert (config.pty, config.read_write_timeout, config.pause_before_connecting) == (True, 300.0, 10.0)
    assert (config.file_transfer_method, config.ciphers) == ("sftp", ("aes128-ctr",))
    assert (config.private_key, config.keypair_name, config.clear_authorized_keys) == (b"KEY", "kp", True)
    assert config.temporary_key_pair_type == "ed25519"


def test_ipv6_address_is_bracketed():
    assert _config(ssh_host="fe80::1", ssh_port=22).address == "[fe80::1]:22"


def test_bastion_gets_port_22_and_borrows_the_private_key(key_file):
    config = _config(ssh_private_key_file=key_file, ssh_bastion_host="jump", ssh_bastion_username="j")

    assert (config.bastion.host, config.bastion.port, config.bastion.username) == ("jump", 22, "j")
    assert config.bastion.private_key_file == key_file
    assert config.prepare() == []


def test_secrets_are_not_in_the_repr_but_are_listed_for_masking():
    config = _config(ssh_password="hunter22", ssh_bastion_host="jump", ssh_bastion_username="j",
                     ssh_bastion_password="bastion-pw",
                     ssh_private_key=list(generate_key_pair("ed25519").private_key.encode()))

    assert "hunter22" not in repr(config) and "bastion-pw" not in repr(config)
    assert "PRIVATE KEY" not in repr(config)
    secrets = config.secrets()
    assert "hunter22" in secrets and "bastion-pw" in secrets
    assert len(secrets) > 2  # the key's lines


def test_a_username_is_required():
    assert SSHConfig.from_arguments({}).prepare() == [USERNAME_REQUIRED]


@pytest.mark.parametrize(("args", "problem"), [
    ({"ssh_file_transfer_method": "rsync"},
     "ssh_file_transfer_method ('rsync') is invalid, valid methods: sftp, scp"),
    ({"ssh_certificate_file": "/c"},
     "ssh_private_key_file must be specified if ssh_certificate_file is specified"),
    ({"ssh_bastion_host": "jump", "ssh_bastion_username": "j"},
     "ssh_bastion_password, ssh_bastion_private_key_file or ssh_bastion_agent_auth must be specified"),
    ({"ssh_bastion_host": "jump", "ssh_bastion_password": "p"},
     "ssh_bastion_username must be specified with ssh_bastion_host"),
    ({"ssh_bastion_host": "jump", "ssh_bastion_username": "j", "ssh_bastion_password": "p",
      "ssh_proxy_host": "proxy"},
     "please specify either ssh_bastion_host or ssh_proxy_host, not both"),
    ({"ssh_port": 70000}, "ssh_port 70000 is invalid: it must be between 1 and 65535"),
    ({"temporary_key_pair_type": "dsa"},
     'temporary_key_pair_type "dsa" is not supported: OpenSSH no longer accepts DSA keys; '
     'use "ed25519" or "rsa"'),
    ({"temporary_key_pair_bits": 512}, "temporary_key_pair_bits 512 is too small for rsa: it must be at least 1024"),
    ({"temporary_key_pair_type": "ecdsa", "temporary_key_pair_bits": 300},
     "temporary_key_pair_bits 300 is invalid for ecdsa: it must be one of 256, 384 or 521"),
    ({"ssh_timeout": "soon"},
     'ssh_timeout: invalid duration "soon"; write a duration such as "30s", "5m" or "1h30m"'),
    ({"ssh_timeout": "10"},
     'ssh_timeout: missing unit in duration "10"; write a duration such as "30s", "5m" or "1h30m"'),
    ({"ssh_port": 22.5}, "ssh_port: expected a whole number, got 22.5"),
    ({"ssh_local_tunnels": ["8080:localhost:80"]},
     "ssh_local_tunnels: port forwarding is not supported by ImageHub's SSH communicator"),
])
def test_prepare_reports_the_problem(args, problem):
    assert problem in _config(**args).prepare()


def test_prepare_reports_an_unusable_proxy():
    problems = _config(ssh_proxy_host="proxy").prepare()

    assert problems == ["ssh_proxy_host: connecting through a SOCKS proxy is not supported by ImageHub; "
                        "use ssh_bastion_host to reach the machine through a jump host"]


def test_prepare_reports_a_missing_key_file(tmp_path):
    missing = str(tmp_path / "nope")

    assert _config(ssh_private_key_file=missing).prepare() == [
        f"ssh_private_key_file is invalid: No such file or directory: {missing}"]


def test_prepare_reports_a_file_that_is_not_a_key(tmp_path):
    path = tmp_path / "not-a-key"
    path.write_text("hello\n")

    [problem] = _config(ssh_private_key_file=str(path)).prepare()

    assert problem.startswith(f"ssh_private_key_file is invalid: {path}: not a private key")


def test_prepare_reports_a_passphrase_protected_key(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    path = tmp_path / "locked"
    path.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(b"passphrase")))

    [problem] = _config(ssh_private_key_file=str(path)).prepare()

    assert "protected by a passphrase" in problem


def test_prepare_reports_every_problem_at_once():
    problems = SSHConfig.from_arguments({"ssh_file_transfer_method": "ftp", "ssh_timeout": "x",
                                         "temporary_key_pair_type": "dsa"}).prepare()

    assert len(problems) == 4


def test_prepare_changes_nothing(key_file):
    config = _config(ssh_private_key_file=key_file, ssh_bastion_host="jump", ssh_bastion_username="j")
    before = repr(config)

    config.prepare()

    assert repr(config) == before
