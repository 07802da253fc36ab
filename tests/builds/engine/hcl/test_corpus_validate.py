"""validate and inspect over the shared corpus of real templates: only real problems are reported.

Each corpus file is loaded on its own, validated and inspected. The tables
below list, per file, the error summaries it is expected to produce, with the
reason they are real: most come from multi-file projects split into single
files (variables, locals or sources declared in a sibling file), from files the
template reads that are not in the corpus, and from Packer's own test fixtures
written against mock plugins. Files that came from the same project directory
are also validated together as a directory (copied to a temporary directory at
run time), where their cross-file references must resolve.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest

from builds.engine.cli import main as cli_main
from builds.engine.hcl.config import load_config
from builds.engine.hcl.parser import parse
from builds.engine.hcl.validate import validate
from tests import corpus
from tests.corpus import CORPUS

pytestmark = pytest.mark.corpus

TEMPLATES = CORPUS / "templates"
FIXTURES = CORPUS / "packer-fixtures"

# How much CPU time loading, validating and inspecting one corpus file may take: the slowest takes ~50 ms
# warm, but the first file of a plugin pays for importing its libraries. (CPU time, so that other work
# on a shared machine does not count.)
SECONDS_PER_FILE = 20

UNDECLARED_VAR = "Reference to undeclared input variable"
UNDECLARED_LOCAL = "Reference to undeclared local value"
UNDECLARED_DATA = "Reference to undeclared data source"
UNKNOWN_SOURCE = "Unknown source"
UNSET = "Unset variable"  # the summary names the variable; compared without the name
FILE_MISSING = "Error in function call"  # file()/templatefile() of a file that is not in the corpus
# Packer's hcl2template test data configures mock plugins registered under real type names
# ("amazon-ebs" with arguments "string", "int", "nested" ...); the real plugins refuse them.
MOCK_PLUGIN = {"Unsupported argument", "Unsupported block type", "Missing required argument"}

# Warnings every file may give: plugins ImageHub does not implement, deprecated arguments,
# HCP Packer and top-level communicator blocks that are read but unused, and advice.
ALLOWED_WARNINGS = re.compile(
    r'Unknown (builder|provisioner|post-processor|data source) type "[a-z0-9-]+"'
    r"|Deprecated argument|HCP Packer registry not used|Communicator block ignored|Filter matches no source"
    r"|Undefined variable|Separate post-processors do not chain"
)

# Error summaries expected of each file validated on its own. "split" means: a file of a multi-file
# project whose other files (declaring what it references) are not beside it.
EXPECTED_ERRORS: dict[str, set[str]] = {
    "001_cisagov_skeleton-packer_packer.pkr.hcl": set(),
    "002_hashicorp_packer-plugin-amazon_build.pkr.hcl": set(),
    "003_hashicorp_packer-plugin-amazon_burstable_spot_instances.pkr.hcl": set(),
    "004_hashicorp_packer-plugin-amazon_template.pkr.hcl": set(),
    "005_hashicorp_packer-plugin-amazon_interpolated_ebs_surrogate_private_key_file.pkr.hcl": set(),
    "006_hashicorp_packer-plugin-amazon_template.pkr.hcl": set(),
    # split: its variables are in 008
    "007_aws-samples_ec2-ami-windows-with-ansible-n-packer_main.pkr.hcl": {UNDECLARED_VAR},
    "008_aws-samples_ec2-ami-windows-with-ansible-n-packer_variables.pkr.hcl": set(),
    # split: name, description and aws_region come from a variables file that is not in the corpus
    "009_Lee-KyungSeok_homeparty-infra_sources.pkr.hcl": {UNDECLARED_VAR},
    # split: its source amazon-ebs.amzn2 is in 009
    "010_Lee-KyungSeok_homeparty-infra_main.pkr.hcl": {UNKNOWN_SOURCE},
    "011_guruprasad1809_packer_win1py.pkr.hcl": set(),
    # instance_type and region have no default: the project passes them with -var
    "012_guruprasad1809_packer_ubuntu.pkr.hcl": {UNSET},
    "013_psrikrishna_cipipeline_ami.pkr.hcl": set(),
    "014_WithSecureLabs_cloud-security-vm_aws-ubuntu.pkr.hcl": set(),
    # split: vpc_id, subnet_id, volume_type ... are declared in the project's variables file
    "015_ankitcharolia_packer-images_aws-ubuntu.pkr.hcl": {UNDECLARED_VAR},
    "016_battleofthebots_golden-image_aws-ubuntu.pkr.hcl": set(),
    # aws_access_key and aws_secret_key have no default (packer 1.6.6 agrees)
    "017_unknowntpo_playground-2022_packer.pkr.hcl": {UNSET},
    # a stray markdown list item at line 2 (packer 1.6.6 gives the same error)
    "018_unknowntpo_playground-2022_docker-ubuntu.pkr.hcl": {"Argument or block definition required"},
    # split: part03's variables, locals and amazon-ami data source live in files not in the corpus
    "019_devopshobbies_packer-tutorial_source.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL, UNDECLARED_DATA},
    # split: its sources are in 019; docker_image is declared elsewhere
    "020_devopshobbies_packer-tutorial_build.pkr.hcl": {UNDECLARED_VAR, UNKNOWN_SOURCE},
    # the values are in 023 (a -var-file); see the directory tests
    "022_spkumar17_packer_ami_repo_variables.pkr.hcl": {UNSET},
    "024_cyscale_fincorp_lamp-ami.pkr.hcl": set(),
    # split: variables in 028, locals in 026
    "025_jenkins-infra_packer-images_sources.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    # split: variables in 028; file() reads images-versions.yaml and jdks-infos.yaml, not in the corpus
    "026_jenkins-infra_packer-images_locals.pkr.hcl": {UNDECLARED_VAR, FILE_MISSING},
    # split: locals in 026, sources in 025
    "027_jenkins-infra_packer-images_build-jenkins-agent-windows.pkr.hcl": {UNDECLARED_LOCAL, UNKNOWN_SOURCE},
    # agent_os_type and agent_os_version have no default: the project's CI passes them
    "028_jenkins-infra_packer-images_variables.pkr.hcl": {UNSET},
    # docker_username, docker_password and docker_repo_base have no default (packer 1.6.6 agrees)
    "029_huyz_packer-ansible-molecule_docker-ubuntu.pkr.hcl": {UNSET},
    "030_gkwa_openbenz_010-docker-ubuntu.pkr.hcl": set(),
    "031_unknowntpo_playground-2022_docker-ubuntu.pkr.hcl": set(),
    # inline = "touch ..." is a string where the shell provisioner takes a list (packer 1.6.6 agrees)
    "034_hashicorp_packer-plugin-docker_fix_upload_owner.pkr.hcl": {"Incorrect attribute value type"},
    # split: packer/docker's variables file is not in the corpus
    "035_GoogleCloudPlatform_slurm-gcp_main.pkr.hcl": {UNDECLARED_VAR},
    # split: build_name and build_source are declared in part08's variables file
    "036_devopshobbies_packer-tutorial_build.pkr.hcl": {UNDECLARED_VAR},
    # split: ubuntu/'s variables file (ubuntu_series, kernel, ...) is not in the corpus
    "038_canonical_packer-maas_ubuntu-cloudimg.pkr.hcl": {UNDECLARED_VAR},
    "039_canonical_packer-maas_windows.pkr.hcl": set(),
    "040_canonical_packer-maas_mariner-packer.pkr.hcl": set(),
    # templatefile() reads http/rocky9.ks.pkrtpl.hcl, not in the corpus
    "041_canonical_packer-maas_rocky9.pkr.hcl": {FILE_MISSING},
    # split: the project's variables file and local.name are not in the corpus
    "042_tenminutevpn_tenminutevpn_sources.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    # split: source qemu.image is in 042; its variables file is not in the corpus
    "043_tenminutevpn_tenminutevpn_build.pkr.hcl": {UNDECLARED_VAR, UNKNOWN_SOURCE},
    # image_name, image_version, iso_url, iso_checksum have no default (packer 1.6.6 agrees)
    "044_maartenbeeckmans_packer-debian_build-qemu.debian.pkr.hcl": {UNSET},
    # os_version, architecture and checksum have no default: the action passes them
    "045_cross-platform-actions_haiku-builder_main.pkr.hcl": {UNSET},
    "046_hashicorp_packer-plugin-qemu_efi-debian.pkr.hcl": set(),
    # split: variables in 048; file() reads data/meta-data, not in the corpus
    "047_vmware-samples_packer-examples-for-vsphere_linux-ubuntu.pkr.hcl": {UNDECLARED_VAR, FILE_MISSING},
    # 34 variables without default, set by the project's shared .pkrvars.hcl files
    "048_vmware-samples_packer-examples-for-vsphere_variables.pkr.hcl": {UNSET},
    # split: windows-server's variables file is not in the corpus
    "049_vmware-samples_packer-examples-for-vsphere_windows-server.pkr.hcl": {UNDECLARED_VAR},
    # split: vm_network_device is declared in tests/network's variables file
    "050_vmware-samples_packer-examples-for-vsphere_test.pkr.hcl": {UNDECLARED_VAR},
    "052_hashicorp_packer-plugin-vsphere_alpine.pkr.hcl": set(),
    # image_name, class_name and storage_class have no default
    "053_hashicorp_packer-plugin-vsphere_jenkins-template.pkr.hcl": {UNSET},
    "054_rgl_windows-vagrant_windows-2022-uefi-vsphere.pkr.hcl": set(),
    # split: variables in variable.ubuntu.pkr.hcl (not in the corpus), locals in 058
    "055_actions_runner-images_source.ubuntu.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    # split: variables in 057, source azure-arm.image in source.windows.pkr.hcl (not in the corpus)
    "056_actions_runner-images_build.windows-2022.pkr.hcl": {UNDECLARED_VAR, UNKNOWN_SOURCE},
    "057_actions_runner-images_variable.windows.pkr.hcl": set(),
    # split: image_os and os_disk_size_gb are declared in variable.ubuntu.pkr.hcl
    "058_actions_runner-images_locals.ubuntu.pkr.hcl": {UNDECLARED_VAR},
    # split: the example's variables file is not in the corpus (061 only sets values)
    "059_hashicorp_packer-plugin-azure_winserver2022dcg2.pkr.hcl": {UNDECLARED_VAR},
    "060_hashicorp_packer-plugin-azure_example_hcp_ancestry.pkr.hcl": set(),
    # split: variables in 063
    "062_GoogleCloudPlatform_slurm-gcp_main.pkr.hcl": {UNDECLARED_VAR},
    # project_id, zone and source_image_project_id have no default
    "063_GoogleCloudPlatform_slurm-gcp_variables.pkr.hcl": {UNSET},
    "064_hashicorp_packer-plugin-googlecompute_custom_endpoint.pkr.hcl": set(),
    # split: account_file and project_id are declared in the example's variables file
    "065_hashicorp_packer-plugin-ansible_all_options.json.pkr.hcl": {UNDECLARED_VAR},
    # split: variables in 068
    "066_chef_bento_pkr-builder.pkr.hcl": {UNDECLARED_VAR},
    "067_chef_bento_pkr-sources.pkr.hcl": {UNDECLARED_VAR},
    # os_name, os_version and os_arch have no default: set by an os_pkrvars file such as 069
    "068_chef_bento_pkr-variables.pkr.hcl": {UNSET},
    # vagrant_box has no default
    "070_rgl_windows-vagrant_windows-2022-uefi.pkr.hcl": {UNSET},
    # split: the template directory's variables file is not in the corpus
    "071_Orange-Cyberdefense_moxpack_windows-server-2022-x64.pkr.hcl": {UNDECLARED_VAR},
    # proxmox_* and network settings have no default: set by the project's .pkrvars.hcl
    "072_Orange-Cyberdefense_moxpack_main.pkr.hcl": {UNSET},
    # do_token has no default
    "073_digitalocean_marketplace-pi-hole-vpn_main.pkr.hcl": {UNSET},
    # source_vm_name, build_id, vm_username ... have no default: the pipeline passes them
    "074_actions_runner-images_macOS-15.anka.pkr.hcl": {UNSET},
    # split: part05's variables file is not in the corpus
    "075_devopshobbies_packer-tutorial_source.pkr.hcl": {UNDECLARED_VAR},
    "076_hashicorp_packer_template.pkr.hcl": set(),
    "077_hashicorp_packer_build.pkr.hcl": set(),
    "078_gkwa_openbenz_010-docker-ubuntu.pkr.hcl": set(),
    # split: os_name, ami_owner, ami_instance_type ... are declared in the project's variables file
    "079_AngryLuke_hcp-packer-aws-ami_aws-ubuntu.pkr.hcl": {UNDECLARED_VAR},
    "080_Josh-Tracy_terraform-aws-packer-configurations_aws-ubuntu.pkr.hcl": set(),
    "081_EthanWeber7_packer-terraform-ansible-example_aws-ubuntu.pkr.hcl": set(),
    "082_Mbaoma_redis-jenkins-ami_aws-ubuntu.pkr.hcl": set(),
    # split: variables and local.env_config come from files not in the corpus
    "083_SupreethKunder_gpu-bake-ami_main.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    "084_d4r-hub_rhel8-packer-aws_main.pkr.hcl": set(),
    # --- hashicorp/packer test fixtures and examples
    "command__test-fixtures__fmt__formatted.pkr.hcl": set(),
    # a fmt fixture: region has no value and amazon-ebs needs ami_name
    "command__test-fixtures__fmt__unformatted.pkr.hcl": {UNSET, "Missing required argument"},
    # malformed on purpose: a block header without braces
    "command__test-fixtures__fmt_errs__malformed.pkr.hcl": {"Invalid block definition"},
    # an inspect fixture: its sources are not declared (on purpose) and shell has no "files" argument
    "command__test-fixtures__hcl__inspect__aws-builds.pkr.hcl": {UNKNOWN_SOURCE, "Unsupported argument"},
    # an inspect fixture: unknown_string, unknown_list_of_string, unknown_unknown are unset on purpose
    "command__test-fixtures__hcl__inspect__fruit_string.pkr.hcl": {UNSET},
    "command__test-fixtures__hcl__inspect__virtualbox-builds.pkr.hcl": set(),
    # invalid on purpose: the build uses source.file.cho, which does not exist
    "command__test-fixtures__validate-invalid__missing_build_block.pkr.hcl": {UNKNOWN_SOURCE},
    "command__test-fixtures__validate__build.pkr.hcl": set(),
    "command__test-fixtures__validate__build_with_vars.pkr.hcl": set(),
    # invalid on purpose: formatdate("YYYY-MM-DDX", ...) has the unknown verb X
    "command__test-fixtures__validate__circular_error.pkr.hcl": {"Invalid function argument"},
    "command__test-fixtures__validate__datasource.pkr.hcl": set(),
    # invalid on purpose: a top-level "src" block
    "command__test-fixtures__validate__invalid_block_type.pkr.hcl": {"Unsupported block type"},
    # invalid on purpose: "version" in the packer block
    "command__test-fixtures__validate__invalid_packer_block.pkr.hcl": {"Unsupported argument"},
    # the file source "vanilla" has no target: Packer's test skips it with -except
    "command__test-fixtures__validate__validate_except.pkr.hcl": {"Missing required argument"},
    "command__test-fixtures__validate__var-file-tests__basic.pkr.hcl": set(),
    # invalid on purpose: foo has no default
    "command__test-fixtures__validate__var_foo_with_no_default.pkr.hcl": {UNSET},
    # split (examples/hcl/linux): sources are in the source.*.pkr.hcl files
    "examples__hcl__linux__build.alpine.pkr.hcl": {UNKNOWN_SOURCE},
    "examples__hcl__linux__build.ubuntu.pkr.hcl": {UNKNOWN_SOURCE},
    # split: variables and locals are in the variables.*.pkr.hcl files
    "examples__hcl__linux__source.esxi-vmware-iso.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    "examples__hcl__linux__source.parallels-iso.pkr.hcl": {UNDECLARED_LOCAL},
    "examples__hcl__linux__source.qemu.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    "examples__hcl__linux__source.virtualbox-iso.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    "examples__hcl__linux__source.vmware-iso.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    "examples__hcl__linux__source.vmware-vmx.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL},
    # split, and vcenter_endpoint, esxi_host ... have no default
    "examples__hcl__linux__source.vsphere-iso.pkr.hcl": {UNDECLARED_VAR, UNDECLARED_LOCAL, UNSET},
    "examples__hcl__linux__variables.16.04.pkr.hcl": {UNDECLARED_VAR},
    "examples__hcl__linux__variables.18.04.pkr.hcl": {UNDECLARED_VAR},
    "examples__hcl__linux__variables.alpine.pkr.hcl": {UNDECLARED_LOCAL},
    # fileset(".", "etc/http/*")[0] on purpose fails when etc/http is missing, as it is here
    "examples__hcl__linux__variables.common.pkr.hcl": {"Invalid index"},
    # mock plugins; sources declared in another fixture
    "hcl2template__testdata__build__basic.pkr.hcl": MOCK_PLUGIN | {UNKNOWN_SOURCE},
    "hcl2template__testdata__build__variables.pkr.hcl": set(),
    "hcl2template__testdata__communicator__basic.pkr.hcl": set(),
    # mock plugins; split (testdata/complete): variables, locals and sources in its siblings
    "hcl2template__testdata__complete__build.pkr.hcl": MOCK_PLUGIN | {UNKNOWN_SOURCE, UNDECLARED_VAR,
                                                                      UNDECLARED_LOCAL},
    "hcl2template__testdata__complete__datasource.pkr.hcl": {"Unsupported argument", "Missing required argument"},
    "hcl2template__testdata__complete__sources.pkr.hcl": {UNDECLARED_LOCAL, UNDECLARED_DATA},
    "hcl2template__testdata__complete__variables.pkr.hcl": {UNDECLARED_DATA},
    "hcl2template__testdata__datasources__basic.pkr.hcl": MOCK_PLUGIN,
    "hcl2template__testdata__format__formatted.pkr.hcl": MOCK_PLUGIN | {UNKNOWN_SOURCE},
    "hcl2template__testdata__format__unformatted.pkr.hcl": MOCK_PLUGIN | {UNKNOWN_SOURCE},
    "hcl2template__testdata__sources__basic.pkr.hcl": set(),
    "hcl2template__testdata__variables__basic.pkr.hcl": set(),
    # split (testdata/variables/complicated): a.pkr.hcl to d.pkr.hcl refer to one another
    "hcl2template__testdata__variables__complicated__a.pkr.hcl": {UNDECLARED_LOCAL},
    "hcl2template__testdata__variables__complicated__b.pkr.hcl": {UNDECLARED_VAR},
    "hcl2template__testdata__variables__complicated__c.pkr.hcl": set(),
    "hcl2template__testdata__variables__complicated__d.pkr.hcl": set(),
    "hcl2template__testdata__variables__optional_attributes.pkr.hcl": set(),
    # invalid on purpose: the default fails the variable's validation rule
    "hcl2template__testdata__variables__validation__invalid_default.pkr.hcl": {"Invalid value for variable"},
    "hcl2template__testdata__variables__validation__valid.pkr.hcl": set(),
    "hcl2template__testdata__variables__validation__valid_map__definition.pkr.hcl": set(),
}

# Files from one project directory, validated together: (directory, files, -var-file files, expected errors).
GROUPS: dict[str, tuple[Path, tuple[str, ...], tuple[str, ...], set[str]]] = {
    "aws-samples": (TEMPLATES, ("007_", "008_"), (), set()),
    # variables.pkr.hcl (name, description, aws_region) is not in the corpus
    "homeparty-infra": (TEMPLATES, ("009_", "010_"), (), {UNDECLARED_VAR}),
    # part03's variables, locals and data source file is not in the corpus
    "packer-tutorial part03": (TEMPLATES, ("019_", "020_"), (),
                               {UNDECLARED_VAR, UNDECLARED_LOCAL, UNDECLARED_DATA}),
    "spkumar17 with values.pkrvars.hcl": (TEMPLATES, ("022_",), ("023_",), set()),
    # agent_os_type/agent_os_version are required on the command line; the YAML files are not in the corpus
    "jenkins-infra": (TEMPLATES, ("025_", "026_", "027_", "028_"), (), {UNSET, FILE_MISSING}),
    # the project's variables file and local.name are not in the corpus
    "tenminutevpn": (TEMPLATES, ("042_", "043_"), (), {UNDECLARED_VAR, UNDECLARED_LOCAL}),
    # the variables are set by shared .pkrvars.hcl files; data/meta-data is not in the corpus
    "vsphere ubuntu 22.04": (TEMPLATES, ("047_", "048_"), (), {UNSET, FILE_MISSING}),
    # variable.ubuntu.pkr.hcl is not in the corpus
    "runner-images ubuntu": (TEMPLATES, ("055_", "058_"), (), {UNDECLARED_VAR}),
    # source.windows.pkr.hcl (source azure-arm.image) is not in the corpus
    "runner-images windows": (TEMPLATES, ("056_", "057_"), (), {UNKNOWN_SOURCE}),
    # the example's variables file is not in the corpus; 061 sets values for it
    "azure windows_custom_image": (TEMPLATES, ("059_", "061_"), (), {UNDECLARED_VAR}),
    # project_id, zone, source_image_project_id are required; source_image_family defaults to null, so
    # the image family local interpolates null until the user sets it
    "slurm-gcp": (TEMPLATES, ("062_", "063_"), (), {UNSET, "Invalid template interpolation value"}),
    "bento with ubuntu-24.04 vars": (TEMPLATES, ("066_", "067_", "068_"), ("069_",), set()),
    # vcenter/esxi settings have no default; the fileset() check wants an etc/http directory
    "packer examples/hcl/linux": (FIXTURES, ("examples__hcl__linux__",), (), {UNSET, "Invalid index"}),
    # mock plugins only
    "hcl2template complete": (FIXTURES, ("hcl2template__testdata__complete__",), (), MOCK_PLUGIN),
    "hcl2template variables/complicated": (FIXTURES, ("hcl2template__testdata__variables__complicated__",), (),
                                           set()),
    # the auto-loaded values fail the map's validation rule, on purpose
    "hcl2template valid_map with invalid values": (
        FIXTURES, ("hcl2template__testdata__variables__validation__valid_map__",), (),
        {"Invalid value for variable"}),
    "validate var-file-tests": (FIXTURES, ("command__test-fixtures__validate__var-file-tests__basic.pkr.hcl",),
                                ("command__test-fixtures__validate__var-file-tests__basic.pkrvars.hcl",), set()),
}

def require_corpus() -> None:
    corpus.require_corpus("templates", "packer-fixtures")


def corpus_templates() -> list[Path]:
    if not (TEMPLATES.is_dir() and FIXTURES.is_dir()):
        return []
    return sorted(TEMPLATES.glob("*.pkr.hcl")) + sorted(FIXTURES.glob("*.pkr.hcl"))


def params(paths: list[Path]) -> list:
    """One parameter per file, or a single placeholder that fails or skips without a corpus."""
    if not paths:
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(path, id=path.name) for path in paths]


def error_summaries(diags) -> set[str]:
    return {UNSET if d.summary.startswith(UNSET + ' "') else d.summary for d in diags.errors}


def assert_well_formed(diags, texts: dict[str, str]) -> None:
    """Warnings are of the allowed kinds, and every diagnostic points at a line of a loaded file."""
    for diag in diags.warnings:
        assert ALLOWED_WARNINGS.fullmatch(diag.summary), f"unexpected warning: {diag.summary}: {diag.detail}"
    for diag in diags:
        assert diag.subject is not None, f"no position: {diag.summary}"
        text = texts[diag.subject.filename]
        assert 1 <= diag.subject.start.line <= text.count("\n") + 1, f"line out of range: {diag}"


def inspect(path: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    status = cli_main(["inspect", str(path)], out, err)
    assert status in (0, 1), err.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("path", params(corpus_templates()))
def test_template_reports_only_its_real_problems(path):
    require_corpus()
    started = time.process_time()
    config = load_config(path, cwd=path.parent, env={})
    diags = validate(config)
    output = inspect(path)
    elapsed = time.process_time() - started
    assert error_summaries(diags) == EXPECTED_ERRORS[path.name], "\n".join(
        f"{d.subject.start.line if d.subject else '?'}: {d.summary}: {d.detail}" for d in diags.errors)
    assert_well_formed(diags, config.texts)
    if config.template is not None:
        assert "> input-variables:" in output or "> local-variables:" in output or "> builds:" in output
    assert elapsed < SECONDS_PER_FILE, f"{path.name} took {elapsed:.2f} s"


def test_expectation_table_covers_exactly_the_corpus():
    require_corpus()
    assert {p.name for p in corpus_templates()} == set(EXPECTED_ERRORS)


@pytest.mark.parametrize("path", params(sorted(CORPUS.glob("*/*.pkrvars.hcl")) if CORPUS.is_dir() else []))
def test_variable_files_parse_cleanly(path):
    require_corpus()
    tree, diags = parse(path.read_text(encoding="utf-8"), path.name)
    assert not diags.has_errors, [d.summary for d in diags]
    assert tree.body.attributes and not tree.body.blocks


@pytest.mark.parametrize("group", list(GROUPS), ids=list(GROUPS))
def test_project_directory_resolves_its_cross_file_references(group, tmp_path):
    require_corpus()
    directory, prefixes, var_prefixes, expected = GROUPS[group]
    members = [p for p in sorted(directory.iterdir()) if p.name.startswith(prefixes)]
    var_files = [p for p in sorted(directory.iterdir()) if p.name.startswith(var_prefixes)] if var_prefixes else []
    assert members, f"no corpus files start with {prefixes}"
    assert len(var_files) == len(var_prefixes)
    for member in members:
        shutil.copy(member, tmp_path / member.name)
    started = time.process_time()
    config = load_config(tmp_path, var_files=[str(p) for p in var_files], cwd=tmp_path, env={})
    diags = validate(config)
    output = inspect(tmp_path)
    elapsed = time.process_time() - started
    assert error_summaries(diags) == expected, "\n".join(
        f"{d.subject.filename if d.subject else '?'}:{d.subject.start.line if d.subject else '?'}: {d.summary}: "
        f"{d.detail}" for d in diags.errors)
    assert_well_formed(diags, config.texts)
    assert "> builds:" in output or "> input-variables:" in output
    assert elapsed < SECONDS_PER_FILE * len(members)

