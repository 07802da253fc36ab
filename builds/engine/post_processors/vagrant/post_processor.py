"""The ``vagrant`` post-processor: turns an artifact into a Vagrant box for its provider, as Packer's does.

The provider comes from the artifact's builder id (see
:mod:`builds.engine.post_processors.vagrant.providers`) or from
``provider_override``. The box is built in a temporary directory: the
``include`` files, what the provider contributes, ``metadata.json`` (the
provider's fields plus ``architecture``) and a ``Vagrantfile`` made of the
provider's part and the rendered ``vagrantfile_template``; it is then written
to ``output`` (a Go template with ``.ArtifactId``, ``.BuildName``,
``.Provider``, ``.Architecture`` and the build's generated data; by default
``packer_{{ .BuildName }}_{{ .Provider }}_{{ .Architecture }}.box``).

As in Packer, the post-processor insists on its choice of keeping the input
artifact: the ``aws`` provider keeps the AMIs whatever ``keep_input_artifact``
says (the box is useless without them), the others drop their input unless
the user keeps it. ``override`` is a map of strings in HCL, which Packer
cannot apply to its settings, so an entry for the provider in use fails the
build as it does in Packer.
"""

from __future__ import annotations

import os
import platform
import tempfile
from dataclasses import dataclass
from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PluginContext, PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import (
    FilesArtifact,
    generated_data,
    os_error_text,
    packer_build_name,
    template_context,
    template_problem,
)
from builds.engine.post_processors.vagrant import box
from builds.engine.post_processors.vagrant.providers import (
    PACKER_PROVIDERS,
    PROVIDER_BY_BUILDER_ID,
    PROVIDERS,
    Provider,
    copy_contents,
)
from builds.engine.ui import BuildUI

BUILDER_ID = "mitchellh.post-processor.vagrant"
DEFAULT_OUTPUT = "packer_{{ .BuildName }}_{{ .Provider }}_{{ .Architecture }}.box"

BOX_VAGRANTFILE = ("\n# The contents below were provided by the Packer Vagrant post-processor\n{provider}\n\n"
                   "# The contents below (if any) are custom contents provided by the\n"
                   "# Packer template during image build.\n{custom}\n")

# Go's names for the machine types Python reports (Packer defaults ``architecture`` to Go's
# ``runtime.GOARCH``, with ``386`` written ``i386``).
_GO_ARCHITECTURES = {
    "x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
    "i386": "i386", "i486": "i386", "i586": "i386", "i686": "i386", "x86": "i386",
    "armv6l": "arm", "armv7l": "arm", "armv8l": "arm", "arm": "arm",
    "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
    "mips64": "mips64", "mips64el": "mips64le", "mips": "mips", "mipsel": "mipsle", "loongarch64": "loong64",
}


def host_architecture() -> str:
    """Return this machine's architecture as Packer names it by default (``amd64``, ``arm64``, ``i386``...)."""
    machine = platform.machine().lower()
    return _GO_ARCHITECTURES.get(machine, machine)


@dataclass
class BoxSettings:
    """The settings one box is made with, once configuration-time templates are rendered."""

    compression_level: int
    include: list[str]
    output: str  # still a template: rendered per box with the artifact's data
    vagrantfile_template: str
    architecture: str


class VagrantPostProcessor(PostProcessor):
    """Packages the artifact as a Vagrant box; the box file becomes the new artifact."""

    type_name = "vagrant"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self._problems = self._configure()

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def _configure(self) -> list[str]:
        problems: list[str] = []
        level = self.raw.get("compression_level")
        if level is None:
            level = box.DEFAULT_LEVEL
        if isinstance(level, float) and not level.is_integer():
            problems.append(f"compression_level must be a whole number, not {level}")
            level = box.DEFAULT_LEVEL
        problem = box.level_problem(int(level))
        if problem:
            problems.append(f"compression_level {int(level)}: {problem}")
        output = self.raw.get("output") or DEFAULT_OUTPUT
        problem = template_problem(output, self.context)
        if problem:
            problems.append(f"Error parsing output template: {problem}")
        # Packer interpolates these when it reads the configuration; ``output`` waits for the artifact.
        include = [self._rendered("include", item, problems) for item in self.raw.get("include") or []]
        template = self._rendered("vagrantfile_template", self.raw.get("vagrantfile_template") or "", problems)
        architecture = self._rendered("architecture", self.raw.get("architecture") or "", problems)
        self.settings = BoxSettings(int(level), include, output, template, architecture or host_architecture())
        self.provider_override = self._rendered("provider_override", self.raw.get("provider_override") or "",
                                                problems)
        self.override: dict[str, Any] = dict(self.raw.get("override") or {})
        if template and not self.raw.get("vagrantfile_template_generated") and not os.path.exists(template):
            problems.append(f"vagrantfile_template '{template}' does not exist")
        if self.provider_override:
            problem = _provider_override_problem(self.provider_override)
            if problem:
                problems.append(problem)
        return problems

    def _rendered(self, name: str, text: str, problems: list[str]) -> str:
        try:
            return render(text, {}, template_context(self.context))
        except TemplateError as exc:
            problems.append(f"{name}: {exc}")
            return text

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        name = self.provider_override or PROVIDER_BY_BUILDER_ID.get(artifact.builder_id)
        if name is None:
            raise PostProcessError(f"Unknown artifact type, can't build box: {artifact.builder_id}\n"
                                   "Set provider_override to say which Vagrant provider the box is for.")
        provider_class = PROVIDERS.get(name)
        if provider_class is None:
            raise PostProcessError(_unsupported(name))
        settings = self._settings_for(name)
        ui.say("Creating a dummy Vagrant box to ensure the host system can create one correctly")
        box.check_host(settings.compression_level, cancel)
        ui.say(f"Creating Vagrant box for '{name}' provider")
        target = self._make_box(ui, artifact, name, provider_class(), settings, cancel)
        result = FilesArtifact(BUILDER_ID, id=name, files=[target], description=f"'{name}' provider box: {target}")
        return PostProcessResult(result, keep_input=provider_class.keep_input_artifact, force_keep_input=True)

    def _settings_for(self, name: str) -> BoxSettings:
        value = self.override.get(name)
        if value is None:
            return self.settings
        raise PostProcessError(f"Error overriding config for {name}: '' expected a map, got 'string'\n"
                               f"override.{name} cannot change any setting in an HCL template; set the "
                               "options in the post-processor block itself.")

    def _make_box(self, ui: BuildUI, artifact: Artifact, name: str, provider: Provider, settings: BoxSettings,
                  cancel: CancelToken) -> str:
        generated = generated_data(artifact)
        data = {**generated, "ArtifactId": artifact.id, "BuildName": packer_build_name(self.context),
                "Provider": name, "Architecture": settings.architecture}
        context = template_context(self.context, generated)
        try:
            target = render(settings.output, data, context)
        except TemplateError as exc:
            raise PostProcessError(str(exc)) from None
        with tempfile.TemporaryDirectory(prefix="packer") as directory:
            for source in settings.include:
                cancel.raise_if_cancelled()
                ui.message(f"Copying from include: {source}")
                try:
                    copy_contents(os.path.join(directory, os.path.basename(source)), source)
                except PostProcessError as exc:
                    raise PostProcessError(f"Error copying include file: {source}\n\n{exc}") from None
            vagrantfile, metadata = provider.process(ui, artifact, directory, cancel)
            box.write_metadata(directory, {**metadata, "architecture": settings.architecture})
            custom = ""
            if settings.vagrantfile_template:
                ui.message(f"Using custom Vagrantfile: {settings.vagrantfile_template}")
                custom = _custom_vagrantfile(settings.vagrantfile_template, data, context)
            _write_text(os.path.join(directory, "Vagrantfile"),
                        BOX_VAGRANTFILE.format(provider=vagrantfile, custom=custom))
            box.write_box(target, directory, settings.compression_level, cancel, say=ui.message)
        return target


def _custom_vagrantfile(path: str, data: dict[str, Any], context) -> str:
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise PostProcessError(os_error_text(exc, "open", path)) from None
    try:
        return render(text, data, context)
    except TemplateError as exc:
        raise PostProcessError(str(exc)) from None


def _write_text(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
    except OSError as exc:
        raise PostProcessError(os_error_text(exc, "open", path)) from None


def _provider_override_problem(name: str) -> str | None:
    if name not in PACKER_PROVIDERS:
        return (f"The given provider_override {name} is not valid. "
                f"Please choose from one of {', '.join(PACKER_PROVIDERS)}")
    if name not in PROVIDERS:
        return f"provider_override {name}: {_unsupported(name)}"
    return None


def _unsupported(name: str) -> str:
    return (f"ImageHub cannot build boxes for the '{name}' provider yet; "
            f"it builds them for {', '.join(sorted(PROVIDERS))}")
