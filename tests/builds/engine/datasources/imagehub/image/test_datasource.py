"""The imagehub-image data source: its arguments, its output in a template, and the registry's refusals."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from builds.engine import imageregistry
from builds.engine.cli import main
from builds.engine.datasources.imagehub.image.datasource import ImagehubImageDataSource
from builds.engine.imageregistry import ImageRegistry, RegistryRefusal
from builds.engine.plugins import PluginContext


class Registry(ImageRegistry):
    """A registry holding one channel image, or refusing every question with `refusal`."""

    def __init__(self, refusal: str = ""):
        self.refusal = refusal
        self.asked: list[tuple[str, str, str]] = []

    def channel_image(self, template, channel, region):
        self.asked.append((template, channel, region))
        if self.refusal:
            raise RegistryRefusal(self.refusal)
        return {"id": "ami-0base", "region": region, "template": "Golden Base", "channel": channel, "build_id": 12,
                "version": 3, "source": "amazon-ebs.web", "name": "", "created_at": "2026-11-21T10:00:00+00:00"}

    def check_source(self, image_id, region):
        return None


@pytest.fixture
def registry():
    def install(refusal: str = "") -> Registry:
        installed = Registry(refusal)
        imageregistry.install(installed)
        return installed

    yield install
    imageregistry.install(None)


TEMPLATE = '''
data "imagehub-image" "base" {
  template = "golden-base"
  channel  = "production"
  region   = "us-east-1"
}

source "file" "out" {
  content = "${data.imagehub-image.base.id} ${data.imagehub-image.base.build_id} ${data.imagehub-image.base.version}"
  target  = "base.txt"
}

build {
  sources = ["source.file.out"]
}
'''


def _cli(tmp_path: Path, verb: str, text: str = TEMPLATE) -> tuple[int, str]:
    template = tmp_path / "t.pkr.hcl"
    template.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main([verb, *(["-color=false"] if verb == "build" else []), str(template)], out, err)
    finally:
        os.chdir(cwd)
    return code, " ".join((out.getvalue() + err.getvalue()).split())


def test_a_template_builds_from_the_channels_image(registry, tmp_path):
    asked = registry()

    code, shown = _cli(tmp_path, "build")

    assert code == 0, shown
    assert asked.asked == [("golden-base", "production", "us-east-1")]
    assert (tmp_path / "base.txt").read_text() == "ami-0base 12 3"


def test_a_refused_image_stops_the_build_at_the_data_source_with_the_reason(registry, tmp_path):
    registry("The image ami-0base that channel \"production\" of Golden Base points at is revoked: CVE-1.")

    code, shown = _cli(tmp_path, "build")

    assert code == 1
    assert "Error: Data source failed" in shown and 'line 2, in data "imagehub-image" "base"' in shown
    assert "data.imagehub-image.base: The image ami-0base that channel \"production\" of Golden Base points at is " \
           "revoked: CVE-1." in shown
    assert not (tmp_path / "base.txt").exists()


def test_validate_asks_no_registry(registry, tmp_path):
    asked = registry("unreachable")

    code, shown = _cli(tmp_path, "validate")

    assert code == 0, shown
    assert asked.asked == []


def test_without_a_server_the_build_says_how_to_name_one(tmp_path, monkeypatch):
    monkeypatch.delenv("IMAGEHUB_URL", raising=False)

    code, shown = _cli(tmp_path, "build")

    assert code == 1
    assert "needs an ImageHub server: set IMAGEHUB_URL" in shown


def test_template_and_channel_are_needed():
    plugin = ImagehubImageDataSource({"template": " ", "channel": ""},
                                     PluginContext(build_name="", build_type="imagehub-image"))

    problems = plugin.prepare()

    assert [(problem, problem.argument) for problem in problems] == [
        ("template must name a template of the ImageHub catalog", "template"),
        ('channel must name one of the template\'s channels, e.g. "production"', "channel")]
