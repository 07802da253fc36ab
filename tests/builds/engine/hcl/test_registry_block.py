"""Tests of reading the channels a build's hcp_packer_registry block names."""

from pathlib import Path

from builds.engine.hcl.config import load_config
from builds.engine.hcl.registry_block import registry_channels


def _channels(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    (tmp_path / "main.pkr.hcl").write_text(text)
    config = load_config(".")
    return registry_channels(config, config.template.builds)


def test_the_channels_of_every_build_block_are_read_once_each_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    channels, problems = _channels(tmp_path, '''
variable "stage" {
  default = "qa"
}
source "null" "a" {
  communicator = "none"
}
build {
  name = "one"
  hcp_packer_registry {
    bucket_name = "web"
    channels    = ["dev", var.stage]
  }
  sources = ["source.null.a"]
}
build {
  name = "two"
  hcp_packer_registry {
    channels = ["production", "dev"]
  }
  sources = ["source.null.a"]
}
build {
  name    = "three"
  sources = ["source.null.a"]
}
''')

    assert (channels, problems) == (["dev", "qa", "production"], [])


def test_channels_that_are_not_a_list_of_names_are_reported_with_their_position(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    channels, problems = _channels(tmp_path, '''
source "null" "a" {
  communicator = "none"
}
build {
  hcp_packer_registry {
    channels = "production"
  }
  sources = ["source.null.a"]
}
''')

    assert channels == []
    assert problems == ["main.pkr.hcl:7,16-28: channels must be a list of channel names, such as "
                        '["dev", "production"].']
