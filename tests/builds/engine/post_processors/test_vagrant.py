"""Tests of the vagrant post-processor: boxes for aws, docker and file artifacts, Packer's Vagrantfile text,
settings, errors, cancellation, and a vagrant -> compress chain."""

from __future__ import annotations

import gzip
import io
import os
import tarfile

import pytest

from builds.engine import registry
from builds.engine.artifact import Artifact
from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.chains import ChainLink, run_chains
from builds.engine.plugins import PluginContext, PostProcessError
from builds.engine.post_processors.compress.post_processor import CompressPostProcessor
from builds.engine.post_processors.vagrant import box
from builds.engine.post_processors.vagrant import post_processor as vagrant_module
from builds.engine.post_processors.vagrant.post_processor import BUILDER_ID, VagrantPostProcessor
from builds.engine.ui import MESSAGE, SAY, BuildUI, ListSink

AMI_ID = "us-west-2:ami-456,us-east-1:ami-123"

AWS_VAGRANTFILE = """
# The contents below were provided by the Packer Vagrant post-processor

Vagrant.configure("2") do |config|
  config.vm.provider "aws" do |aws|
    
\taws.region_config "us-east-1", ami: "ami-123"
\t
\taws.region_config "us-west-2", ami: "ami-456"
\t
  end
end


# The contents below (if any) are custom contents provided by the
# Packer template during image build.

"""  # noqa: W293 - Packer's template leaves the indentation of its range line alone


@pytest.fixture(autouse=True)
def amd64_host(monkeypatch):
    monkeypatch.setattr(vagrant_module.platform, "machine", lambda: "x86_64")


@pytest.fixture
def aws_context(tmp_path):
    return PluginContext(build_name="amazon-ebs.web", build_type="amazon-ebs", source_name="web",
                         template_dir=str(tmp_path))


@pytest.fixture
def ami():
    return Artifact("mitchellh.amazonebs", id=AMI_ID,
                    state={"amis": {"us-east-1": "ami-123", "us-west-2": "ami-456"},
                           "generated_data": {"SourceAMI": "ami-1e749f67"}})


def vagrant(context, **config) -> VagrantPostProcessor:
    plugin = VagrantPostProcessor(config, context)
    assert plugin.prepare() == []
    return plugin


def box_members(source) -> dict[str, bytes]:
    """The files of a box (a path, or a file object holding its bytes) by name."""
    arguments = {"fileobj": source} if isinstance(source, io.BytesIO) else {"name": source}
    with tarfile.open(**arguments) as archive:
        return {member.name: archive.extractfile(member).read() for member in archive.getmembers()}


def test_an_ami_artifact_becomes_an_aws_box_mapping_each_region_to_its_ami(aws_context, ami, ui, sink, cancel,
                                                                            workdir):
    result = vagrant(aws_context).post_process(ui, ami, cancel)
    target = "packer_web_aws_amd64.box"
    with open(target, "rb") as handle:
        assert handle.read(2) == b"\x1f\x8b"
    with tarfile.open(target) as archive:
        assert archive.getnames() == ["Vagrantfile", "metadata.json"]
    members = box_members(target)
    assert members["metadata.json"] == b'{"architecture":"amd64","provider":"aws"}\n'
    assert members["Vagrantfile"].decode() == AWS_VAGRANTFILE
    assert sink.texts(SAY) == ["Creating a dummy Vagrant box to ensure the host system can create one correctly",
                               "Creating Vagrant box for 'aws' provider"]
    assert sink.texts(MESSAGE) == ["Compressing: Vagrantfile", "Compressing: metadata.json"]
    artifact = result.artifact
    assert (artifact.builder_id, artifact.id, artifact.files) == (BUILDER_ID, "aws", [target])
    assert artifact.string() == f"'aws' provider box: {target}"
    assert (result.keep_input, result.force_keep_input) == (True, True)


def test_box_entries_keep_the_mode_and_modification_time_of_their_files(aws_context, ami, ui, cancel, workdir):
    before = int(os.path.getmtime(workdir)) - 5
    target = vagrant(aws_context).post_process(ui, ami, cancel).artifact.files[0]
    with tarfile.open(target) as archive:
        for member in archive.getmembers():
            assert member.isreg()
            assert member.mtime >= before
            assert member.mode == 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_region_listed_twice_keeps_its_last_ami(aws_context, ui, cancel, workdir):
    artifact = Artifact("mitchellh.amazonebs", id="eu-west-1:ami-1,eu-west-1:ami-2")
    target = vagrant(aws_context).post_process(ui, artifact, cancel).artifact.files[0]
    text = box_members(target)["Vagrantfile"].decode()
    assert 'aws.region_config "eu-west-1", ami: "ami-2"' in text
    assert "ami-1" not in text


@pytest.mark.parametrize("artifact_id", ["", "ami-123", "us-east-1:ami-1:extra", "us-east-1:ami-1,"])
def test_an_id_that_is_not_region_ami_pairs_is_an_error(aws_context, ui, cancel, workdir, artifact_id):
    with pytest.raises(PostProcessError) as caught:
        vagrant(aws_context).post_process(ui, Artifact("mitchellh.amazonebs", id=artifact_id), cancel)
    assert str(caught.value) == f"Poorly formatted artifact ID: {artifact_id}"
    assert not list(workdir.glob("*.box"))


def test_an_artifact_of_an_unknown_builder_is_refused_with_a_hint(aws_context, ui, cancel, workdir):
    with pytest.raises(PostProcessError) as caught:
        vagrant(aws_context).post_process(ui, Artifact("fnoeding.null"), cancel)
    assert str(caught.value).splitlines() == [
        "Unknown artifact type, can't build box: fnoeding.null",
        "Set provider_override to say which Vagrant provider the box is for."]


def test_an_artifact_for_a_provider_imagehub_cannot_package_is_refused(aws_context, ui, cancel, workdir):
    with pytest.raises(PostProcessError, match="cannot build boxes for the 'virtualbox' provider yet; "
                                               "it builds them for aws, docker, file"):
        vagrant(aws_context).post_process(ui, Artifact("mitchellh.virtualbox", files=["disk.vmdk"]), cancel)


def test_custom_vagrantfile_template_is_rendered_with_the_box_data_and_appended(aws_context, ami, ui, sink,
                                                                                cancel, workdir):
    (workdir / "extra.rb").write_text(
        '# {{ .Provider }} box of {{ .BuildName }} ({{ .Architecture }}) from {{ .ArtifactId }}\n'
        'config.vm.box_url = "{{ .SourceAMI }}" # {{ .Missing }} {{ build_type }}\n')
    result = vagrant(aws_context, vagrantfile_template="extra.rb").post_process(ui, ami, cancel)
    text = box_members(result.artifact.files[0])["Vagrantfile"].decode()
    custom = ('# aws box of web (amd64) from us-west-2:ami-456,us-east-1:ami-123\n'
              'config.vm.box_url = "ami-1e749f67" # <no value> amazon-ebs\n')
    assert text == AWS_VAGRANTFILE[:-1] + custom + "\n"
    assert sink.texts(MESSAGE)[0] == "Using custom Vagrantfile: extra.rb"


def test_a_missing_vagrantfile_template_is_a_configuration_problem(aws_context, workdir):
    plugin = VagrantPostProcessor({"vagrantfile_template": "nowhere.rb"}, aws_context)
    assert plugin.prepare() == ["vagrantfile_template 'nowhere.rb' does not exist"]


def test_a_generated_vagrantfile_template_may_appear_during_the_build(aws_context, ami, ui, cancel, workdir):
    plugin = vagrant(aws_context, vagrantfile_template="later.rb", vagrantfile_template_generated=True)
    (workdir / "later.rb").write_text("# made by a provisioner\n")
    text = box_members(plugin.post_process(ui, ami, cancel).artifact.files[0])["Vagrantfile"].decode()
    assert text.endswith("# made by a provisioner\n\n")


def test_a_generated_vagrantfile_template_still_missing_fails_the_box(aws_context, ami, ui, cancel, workdir):
    plugin = vagrant(aws_context, vagrantfile_template="later.rb", vagrantfile_template_generated=True)
    with pytest.raises(PostProcessError, match="^open later.rb: no such file or directory$"):
        plugin.post_process(ui, ami, cancel)


def test_output_template_names_the_box_and_its_directories_are_created(aws_context, ami, ui, cancel, workdir):
    plugin = vagrant(aws_context, output="boxes/{{ .Provider }}/{{ .BuildName }}-{{ .Architecture }}.box",
                     architecture="arm64")
    result = plugin.post_process(ui, ami, cancel)
    assert result.artifact.files == ["boxes/aws/web-arm64.box"]
    assert box_members("boxes/aws/web-arm64.box")["metadata.json"] == (
        b'{"architecture":"arm64","provider":"aws"}\n')


def test_output_may_name_the_input_artifact_id(aws_context, ui, cancel, workdir):
    artifact = Artifact("mitchellh.amazonebs", id="us-east-1:ami-9")
    result = vagrant(aws_context, output="{{ .ArtifactId }}.box").post_process(ui, artifact, cancel)
    assert result.artifact.files == ["us-east-1:ami-9.box"]


def test_a_bad_output_template_is_a_configuration_problem(aws_context):
    problems = VagrantPostProcessor({"output": "{{ .Provider"}, aws_context).prepare()
    assert len(problems) == 1 and problems[0].startswith("Error parsing output template: ")


@pytest.mark.parametrize("machine, expected", [("x86_64", "amd64"), ("aarch64", "arm64"), ("i686", "i386"),
                                               ("armv7l", "arm"), ("s390x", "s390x")])
def test_the_default_architecture_is_the_hosts_in_gos_words(monkeypatch, machine, expected):
    monkeypatch.setattr(vagrant_module.platform, "machine", lambda: machine)
    assert vagrant_module.host_architecture() == expected


def _payload(tmp_path):
    (tmp_path / "notes.txt").write_text("vagrant box notes\n" * 20_000)
    return str(tmp_path / "notes.txt")


def test_compression_level_zero_writes_a_plain_tar(aws_context, ami, ui, cancel, workdir):
    result = vagrant(aws_context, compression_level=0, include=[_payload(workdir)]).post_process(ui, ami, cancel)
    target = result.artifact.files[0]
    with tarfile.open(target, "r:") as archive:
        assert archive.getnames() == ["Vagrantfile", "metadata.json", "notes.txt"]
    assert os.path.getsize(target) > 360_000


def test_compression_level_changes_how_small_the_box_is(aws_context, ami, ui, cancel, workdir):
    sizes = {}
    for level in (-2, 1, 9):
        plugin = vagrant(aws_context, compression_level=level, include=[_payload(workdir)],
                         output=f"level{level}.box")
        target = plugin.post_process(ui, ami, cancel).artifact.files[0]
        data = (workdir / target).read_bytes()
        assert box_members(io.BytesIO(gzip.decompress(data)))["notes.txt"] == b"vagrant box notes\n" * 20_000
        sizes[level] = len(data)
    assert sizes[9] < sizes[1] < sizes[-2]


@pytest.mark.parametrize("level, problem", [
    (10, "compression_level 10: Invalid compression level. Expected an integer from -1 to 9."),
    (-3, "compression_level -3: Invalid compression level. Expected an integer from -1 to 9."),
    (1.5, "compression_level must be a whole number, not 1.5"),
])
def test_a_compression_level_gzip_cannot_use_is_a_configuration_problem(aws_context, level, problem):
    assert VagrantPostProcessor({"compression_level": level}, aws_context).prepare() == [problem]


def test_include_files_go_to_the_top_of_the_box(aws_context, ami, ui, sink, cancel, workdir):
    (workdir / "extra").mkdir()
    (workdir / "extra" / "info.json").write_text('{"author": "ops"}')
    (workdir / "metadata.json").write_text('{"provider": "aws", "note": "included"}')
    plugin = vagrant(aws_context, include=["extra/info.json", "metadata.json"])
    members = box_members(plugin.post_process(ui, ami, cancel).artifact.files[0])
    assert members["info.json"] == b'{"author": "ops"}'
    assert members["metadata.json"] == b'{"provider": "aws", "note": "included"}'  # an included file wins
    assert sink.texts(MESSAGE)[:2] == ["Copying from include: extra/info.json", "Copying from include: metadata.json"]
    assert sink.texts(MESSAGE)[2:] == ["Compressing: Vagrantfile", "Compressing: info.json",
                                       "Compressing: metadata.json"]


def test_a_missing_include_file_fails_the_box(aws_context, ami, ui, cancel, workdir):
    with pytest.raises(PostProcessError) as caught:
        vagrant(aws_context, include=["gone.txt"]).post_process(ui, ami, cancel)
    assert str(caught.value) == "Error copying include file: gone.txt\n\nopen gone.txt: no such file or directory"


def test_a_docker_image_becomes_a_docker_box_that_does_not_insist_on_keeping_it(ui, cancel, workdir):
    context = PluginContext(build_name="docker.app", build_type="docker", source_name="app")
    artifact = Artifact("packer.post-processor.docker-tag", id="team/app:1.0")
    result = vagrant(context).post_process(ui, artifact, cancel)
    members = box_members("packer_app_docker_amd64.box")
    assert members["metadata.json"] == b'{"architecture":"amd64","provider":"docker"}\n'
    assert members["Vagrantfile"].decode().startswith(
        '\n# The contents below were provided by the Packer Vagrant post-processor\n\n'
        'Vagrant.configure("2") do |config|\n\tconfig.vm.provider :docker do |docker, override|\n'
        '\t\tdocker.image = "team/app:1.0"\n\tend\nend\n\n')
    assert (result.artifact.id, result.keep_input, result.force_keep_input) == ("docker", False, True)


def test_provider_override_packs_an_artifice_artifacts_files_as_a_file_box(context, ui, sink, cancel, workdir):
    (workdir / "out").mkdir()
    (workdir / "out" / "disk.img").write_bytes(b"disk" * 1000)
    artifact = Artifact("packer.post-processor.artifice", files=["out/disk.img"])
    result = vagrant(context, provider_override="file").post_process(ui, artifact, cancel)
    members = box_members(result.artifact.files[0])
    assert result.artifact.files == ["packer_web_file_amd64.box"]
    assert members["disk.img"] == b"disk" * 1000
    assert members["metadata.json"] == b'{"architecture":"amd64","provider":"file"}\n'
    assert "Copying: out/disk.img" in sink.texts(MESSAGE)


@pytest.mark.parametrize("name, problem", [
    ("vbox", "The given provider_override vbox is not valid. Please choose from one of aws, azure, digitalocean, "
             "docker, file, google, hyperv, libvirt, lxc, parallels, scaleway, virtualbox, vmware"),
    ("virtualbox", "provider_override virtualbox: ImageHub cannot build boxes for the 'virtualbox' provider yet; "
                   "it builds them for aws, docker, file"),
])
def test_provider_override_must_name_a_provider_imagehub_packages(context, name, problem):
    assert VagrantPostProcessor({"provider_override": name}, context).prepare() == [problem]


def test_an_override_for_the_provider_in_use_fails_as_in_packer(aws_context, ami, ui, cancel, workdir):
    plugin = vagrant(aws_context, override={"aws": "compression_level = 0"})
    with pytest.raises(PostProcessError) as caught:
        plugin.post_process(ui, ami, cancel)
    assert str(caught.value).splitlines()[0] == "Error overriding config for aws: '' expected a map, got 'string'"


def test_an_override_for_another_provider_is_ignored(aws_context, ami, ui, cancel, workdir):
    result = vagrant(aws_context, override={"vmware": "x"}).post_process(ui, ami, cancel)
    assert result.artifact.id == "aws"


def test_a_cancel_during_compression_stops_and_removes_the_half_written_box(aws_context, ami, cancel, workdir):
    class CancellingSink(ListSink):
        def emit(self, line):
            super().emit(line)
            if line.text == "Compressing: notes.txt":
                cancel.cancel()

    (workdir / "notes.txt").write_bytes(os.urandom(3 << 20))
    plugin = vagrant(aws_context, include=["notes.txt"])
    with pytest.raises(Cancelled):
        plugin.post_process(BuildUI("amazon-ebs.web", CancellingSink()), ami, cancel)
    assert not (workdir / "packer_web_aws_amd64.box").exists()


def test_the_host_check_fails_for_a_level_gzip_cannot_use(workdir):
    assert box.level_problem(-2) is None and box.level_problem(9) is None
    with pytest.raises(PostProcessError, match="Invalid compression level"):
        box.check_host(11, CancelToken())


def test_the_registry_runs_vagrant_with_this_class():
    assert registry.implementation("post-processor", "vagrant") is VagrantPostProcessor
    assert registry.lookup("post-processor", "vagrant").implemented


@pytest.mark.parametrize("keep_input_artifact", [None, False])
def test_a_vagrant_then_compress_chain_compresses_the_box_and_keeps_the_amis(aws_context, ami, ui, sink, cancel,
                                                                             workdir, keep_input_artifact):
    chain = [ChainLink("vagrant", vagrant(aws_context), "", keep_input_artifact),
             ChainLink("compress", CompressPostProcessor({}, aws_context))]
    outcome = run_chains([chain], ami, ui, cancel)
    assert outcome.errors == [] and not outcome.cancelled
    builder_artifact, compressed = outcome.artifacts
    assert builder_artifact is ami  # the box refers to the AMIs, so they are kept whatever the user says
    assert compressed.files == ["packer_web_amazon-ebs"]
    assert not (workdir / "packer_web_aws_amd64.box").exists()  # the intermediate box was not kept
    with tarfile.open("packer_web_amazon-ebs") as archive:
        assert archive.getnames() == ["packer_web_aws_amd64.box"]
        inner = archive.extractfile("packer_web_aws_amd64.box").read()
    assert box_members(io.BytesIO(inner))["Vagrantfile"].decode() == AWS_VAGRANTFILE
    assert sink.texts(SAY)[0] == "Running post-processor:  (type vagrant)"
    assert [line.build for line in sink.lines if line.text == "Compressing: metadata.json"] == [
        "file.web (vagrant)"]


def test_separate_vagrant_and_compress_blocks_each_receive_the_ami_artifact(aws_context, ami, ui, cancel, workdir):
    chains = [[ChainLink("vagrant", vagrant(aws_context))], [ChainLink("compress", CompressPostProcessor({},
                                                                                                        aws_context))]]
    outcome = run_chains(chains, ami, ui, cancel)
    # compress gets the AMI artifact, which has no files: Packer's semantics, an empty archive
    assert [a.builder_id for a in outcome.artifacts] == ["mitchellh.amazonebs", BUILDER_ID,
                                                         "packer.post-processor.compress"]
    with tarfile.open("packer_web_amazon-ebs") as archive:
        assert archive.getnames() == []
