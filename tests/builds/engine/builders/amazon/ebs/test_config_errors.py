"""amazon-ebs configuration errors through ``imagehub validate``: each a validate-time message with a position.

``imagehub validate`` prints Packer's shape (``on FILE line N``, the line
itself, the message); the diagnostics behind it carry the column too, which
these tests check through the same calls the command makes. A source AMI
filter that matches nothing can only be known by asking EC2: as in Packer,
validate does not call AWS, and the build stops at its source AMI lookup,
before creating anything, with the filter's position in the error.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from builds.engine.cli import main
from builds.engine.core.prepare import BuildOptions, prepare_builds
from builds.engine.hcl.config import load_config
from builds.engine.hcl.validate import validate

HEADER = 'source "amazon-ebs" "web" {\n'
BASE = {
    "region": '"us-east-1"',
    "instance_type": '"t2.micro"',
    "source_ami": '"ami-1e749f67"',
    "ssh_username": '"ubuntu"',
    "ami_name": '"web-{{timestamp}}"',
}
BUILD = '\nbuild {\n  sources = ["source.amazon-ebs.web"]\n}\n'
FILTER_NOTHING_MATCHES = """  source_ami_filter {
    filters = {
      name = "no-such-image-*"
    }
    owners      = ["099720109477"]
    most_recent = true
  }
"""


def template(*, drop: tuple[str, ...] = (), extra: str = "", **arguments: str) -> str:
    """The source block of the issue's seed example, with arguments dropped, changed or added."""
    values = {**BASE, **arguments}
    lines = [f"  {name} = {value}\n" for name, value in values.items() if name not in drop]
    return HEADER + "".join(lines) + extra + "}\n" + BUILD


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory with AWS settings from nowhere but the template (and dummy credentials)."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("AWS_", "PKR_VAR_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    return tmp_path


def imagehub(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), out, err)
    return status, out.getvalue() + err.getvalue()


def errors_of(path: Path) -> list[tuple[str, str, int, int]]:
    """(summary, detail, line, column) of each error ``imagehub validate`` reports for ``path``."""
    config = load_config(str(path.name))
    diags = validate(config, [], [])
    if not diags.has_errors:
        prepare_builds(config, BuildOptions(check_only=True), validated=True)
    return [(d.summary, d.detail, d.subject.start.line, d.subject.start.column) for d in diags.errors]


def check(workdir: Path, text: str) -> tuple[str, list[tuple[str, str, int, int]]]:
    path = workdir / "web.pkr.hcl"
    path.write_text(text)
    status, output = imagehub("validate", path.name)
    assert status == 1, output
    return output, errors_of(path)


def test_a_missing_ami_name_points_at_the_source_block(workdir):
    output, errors = check(workdir, template(drop=("ami_name",)))

    assert errors == [("Missing required argument", 'The argument "ami_name" is required, but no definition was '
                       "found.", 1, 1)]
    assert 'on web.pkr.hcl line 1, in source "amazon-ebs" "web":' in output


def test_an_ami_name_too_short_points_at_its_value(workdir):
    output, errors = check(workdir, template(ami_name='"ab"'))

    assert errors == [("Invalid builder configuration", "ami_name must be between 3 and 128 characters long",
                       6, 14)]
    assert "on web.pkr.hcl line 6" in output and '6:   ami_name = "ab"' in output


def test_neither_source_ami_nor_a_filter_points_at_the_source_block(workdir):
    output, errors = check(workdir, template(drop=("source_ami",)))

    assert errors == [("Invalid builder configuration", "A source_ami or source_ami_filter must be specified",
                       1, 1)]
    assert "A source_ami or source_ami_filter must be specified" in output


def test_a_source_ami_filter_without_owners_points_at_the_filter(workdir):
    extra = '  source_ami_filter {\n    filters = { name = "ubuntu/*" }\n  }\n'
    _, errors = check(workdir, template(drop=("source_ami",), extra=extra))

    assert errors == [("Invalid builder configuration", "For security reasons, your source AMI filter must "
                       "declare an owner.", 6, 3)]


def test_a_bad_region_points_at_its_value(workdir):
    output, errors = check(workdir, template(region='"us-nowhere-9"'))

    assert errors == [("Invalid builder configuration", "Invalid region 'us-nowhere-9': it is not a known AWS "
                       "region. Check its spelling, or set skip_region_validation = true to use it anyway.", 2, 12)]
    assert 'on web.pkr.hcl line 2, in source "amazon-ebs" "web":' in output
    assert '2:   region = "us-nowhere-9"' in output


def test_a_bad_region_from_the_environment_points_at_the_source_block(workdir, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-nowhere-9")
    _, errors = check(workdir, template(drop=("region",)))

    assert [(line, column) for _, detail, line, column in errors if "us-nowhere-9" in detail] == [(1, 1)]


def test_skip_region_validation_accepts_an_unknown_region(workdir):
    path = workdir / "web.pkr.hcl"
    path.write_text(template(region='"us-nowhere-9"', skip_region_validation="true"))

    assert imagehub("validate", path.name) == (0, "The configuration is valid.\n")


def test_a_bad_ssh_interface_points_at_its_value(workdir):
    output, errors = check(workdir, template(ssh_interface='"carrier_pigeon"'))

    assert errors == [("Invalid builder configuration", "Unknown interface type: carrier_pigeon", 7, 19)]
    assert '7:   ssh_interface = "carrier_pigeon"' in output


def test_every_error_is_reported_at_once_each_at_its_place(workdir):
    _, errors = check(workdir, template(region='"us-nowhere-9"', ssh_interface='"carrier_pigeon"',
                                        drop=("source_ami",)))

    assert sorted((line, column) for _, _, line, column in errors) == [(1, 1), (2, 12), (6, 19)]


def test_a_filter_that_matches_nothing_is_valid_and_stops_the_build_before_anything_is_made(workdir, moto):
    path = workdir / "web.pkr.hcl"
    path.write_text(template(drop=("source_ami",), extra=FILTER_NOTHING_MATCHES,
                             custom_endpoint_ec2=f'"{moto.endpoint}"', skip_credential_validation="true"))
    assert imagehub("validate", path.name) == (0, "The configuration is valid.\n")

    status, output = imagehub("build", "-color=false", path.name)

    assert status == 1
    assert ("No AMI was found matching filters: name = no-such-image-*; owners 099720109477 "
            "(source_ami_filter at web.pkr.hcl:8,3-20)") in output
    assert "Creating temporary keypair" not in output
    assert moto.leftovers() == {}
