"""amazon-ebs secrets through ``imagehub build``: ``secret_key`` and ``token`` never reach the output, the
machine-readable output, an error message, a post-processor's file or the resource ledger."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from builds.engine.cli import main

SECRET_KEY = "wJalrXUtnFEMI-imagehub-secret-key"
TOKEN = "FwoGZXIvYXdzEImagehubSessionToken0123456789"

TEMPLATE = """
source "amazon-ebs" "web" {{
  access_key                 = "AKIAIMAGEHUBEXAMPLE"
  secret_key                 = "{secret_key}"
  token                      = "{token}"
  region                     = "us-east-1"
  custom_endpoint_ec2        = "{endpoint}"
  skip_credential_validation = true
  ami_name                   = "web-{{{{timestamp}}}}"
  instance_type              = "t2.micro"
  source_ami                 = "ami-1e749f67"
  ssh_username               = "{user}"
  ssh_host                   = "127.0.0.1"
  ssh_port                   = {port}
}}

build {{
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {{
    inline = {commands}
  }}

  post-processor "manifest" {{
    output = "manifest.json"
  }}
}}
"""


def build(workdir: Path, moto, sshd, commands: list[str], *flags: str) -> tuple[int, str]:
    quoted = "[" + ", ".join(f'"{command}"' for command in commands) + "]"
    (workdir / "web.pkr.hcl").write_text(TEMPLATE.format(secret_key=SECRET_KEY, token=TOKEN, endpoint=moto.endpoint,
                                                         user=sshd.username, port=sshd.port, commands=quoted))
    out, err = io.StringIO(), io.StringIO()
    status = main(["build", "-color=false", *flags, "web.pkr.hcl"], out, err)
    return status, out.getvalue() + err.getvalue()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IMAGEHUB_LEDGER_DIR", str(tmp_path / "ledger"))
    return tmp_path


def written(directory: Path) -> str:
    """Everything the build wrote under ``directory`` (the manifest, the ledger), as one text."""
    paths = [path for path in sorted(directory.rglob("*")) if path.is_file() and path.name != "web.pkr.hcl"]
    return "\n".join(path.read_text(errors="replace") for path in paths)


def assert_no_secret(text: str) -> None:
    for secret in (SECRET_KEY, TOKEN):
        assert secret not in text
        assert base64.b64encode(secret.encode()).decode() not in text


def test_a_build_that_prints_the_secrets_shows_neither_in_any_output(workdir, moto, sshd_with_moto_keys):
    commands = [f"echo secret={SECRET_KEY}", f"echo token={TOKEN} >&2", f"printf %s {TOKEN} | base64 -w0"]

    status, output = build(workdir, moto, sshd_with_moto_keys, commands, "-machine-readable")

    assert status == 0, output
    assert "secret=<sensitive>" in output and "token=<sensitive>" in output
    assert_no_secret(output)
    assert (workdir / "manifest.json").exists() and list((workdir / "ledger").glob("*.jsonl"))
    assert_no_secret(written(workdir))


def test_a_failing_build_keeps_the_secrets_out_of_its_errors(workdir, moto, sshd_with_moto_keys):
    commands = [f"echo could not use {SECRET_KEY} with {TOKEN} >&2", "exit 7"]

    status, output = build(workdir, moto, sshd_with_moto_keys, commands)

    assert status == 1
    assert "Script exited with non-zero exit status: 7" in output
    assert "could not use <sensitive> with <sensitive>" in output
    assert_no_secret(output)
    assert_no_secret(written(workdir))
    assert moto.leftovers() == {}

