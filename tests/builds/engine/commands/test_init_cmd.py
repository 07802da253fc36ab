"""``imagehub init``: required_plugins checked against the built-in plugins; required_version checked first."""

import io

import pytest

from builds.engine.cli import main


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def init(workdir, packer_block: str) -> tuple[int, str, str]:
    (workdir / "t.pkr.hcl").write_text(packer_block)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(["init", "t.pkr.hcl"], stdout, stderr)
    return status, stdout.getvalue(), stderr.getvalue()


def plugins(*entries: str) -> str:
    return "packer {\n  required_plugins {\n" + "".join(f"    {e}\n" for e in entries) + "  }\n}\n"


def test_satisfied_requirements(workdir):
    status, out, err = init(workdir, plugins(
        'amazon = { source = "github.com/hashicorp/amazon", version = ">= 1.0.0" }',
        'docker = {\n      source  = "github.com/hashicorp/docker"\n      version = "~> 1"\n    }'))
    assert (status, err) == (0, "")
    assert out == (
        'github.com/hashicorp/amazon v1.8.2 is built into ImageHub (satisfies ">= 1.0.0")\n'
        'github.com/hashicorp/docker v1.1.4 is built into ImageHub (satisfies "~> 1")\n')


def test_unsatisfied_version(workdir):
    status, out, err = init(workdir, plugins(
        'amazon = { source = "github.com/hashicorp/amazon", version = ">= 9.0.0" }'))
    assert (status, out) == (1, "")
    assert err == ('Failed getting the "github.com/hashicorp/amazon" plugin:\n'
                   'github.com/hashicorp/amazon v1.8.2 is built into ImageHub but does not satisfy ">= 9.0.0"\n')


def test_unknown_plugin_source(workdir):
    status, out, err = init(workdir, plugins(
        'amazon = { source = "github.com/hashicorp/amazon", version = ">= 1.0.0" }',
        'azure = { source = "github.com/hashicorp/azure", version = ">= 2.0" }'))
    assert status == 1
    assert out == 'github.com/hashicorp/amazon v1.8.2 is built into ImageHub (satisfies ">= 1.0.0")\n'
    assert err == ('Failed getting the "github.com/hashicorp/azure" plugin:\n'
                   'ImageHub has no built-in plugin for github.com/hashicorp/azure, so none satisfies ">= 2.0"\n')


def test_malformed_source_address(workdir):
    status, _, err = init(workdir, plugins('bad = { source = "https://github.com/x/y", version = ">= 1" }'))
    assert status == 1
    assert err.startswith('Invalid plugin requirement "bad":\nThe source "https://github.com/x/y" is invalid:\n'
                          "* A source URL must not contain a scheme (e.g. https://).\n")


def test_short_source_address_works_with_a_warning(workdir):
    status, out, err = init(workdir, plugins('docker = { source = "hashicorp/docker", version = "~> 1" }'))
    assert status == 0
    assert out == 'github.com/hashicorp/docker v1.1.4 is built into ImageHub (satisfies "~> 1")\n'
    assert err.startswith('Warning: "hashicorp/docker" is short for "github.com/hashicorp/docker"')


def test_entry_that_is_not_an_object(workdir):
    status, out, _ = init(workdir, plugins('x = "github.com/hashicorp/amazon"'))
    assert status == 1
    assert out == (
        "Error: Invalid required_plugins entry\n\n"
        "  on t.pkr.hcl line 3, in packer:\n"
        '   3:     x = "github.com/hashicorp/amazon"\n\n'
        'The entry "x" must be an object with "source" and "version" attributes.\n\n')


def test_unsatisfied_required_version_stops_init(workdir):
    status, out, _ = init(workdir, 'packer {\n  required_version = ">= 5.0"\n}\n' + plugins(
        'amazon = { source = "github.com/hashicorp/amazon", version = ">= 1.0.0" }'))
    assert status == 1
    assert out.startswith("Error: Unsupported Packer Core version\n\n  on t.pkr.hcl line 2, in packer:\n"
                          '   2:   required_version = ">= 5.0"\n')
    assert "built into ImageHub" not in out


def test_template_without_requirements(workdir):
    status, out, _ = init(workdir, 'source "null" "x" {\n  communicator = "none"\n}\n')
    assert status == 0
    assert out.startswith("No plugins requirement found, make sure you reference a template\n")


def test_other_template_errors_do_not_stop_init(workdir):
    status, out, _ = init(workdir, plugins('amazon = { source = "github.com/hashicorp/amazon", version = ">= 1" }')
                          + 'locals {\n  a = var.nope\n}\n')
    assert status == 0
    assert out == 'github.com/hashicorp/amazon v1.8.2 is built into ImageHub (satisfies ">= 1")\n'


def test_syntax_errors_stop_init(workdir):
    status, out, _ = init(workdir, "packer {\n")
    assert status == 1
    assert out.startswith("Error: Unclosed configuration block\n")
