"""Where StepTempDir makes the directory it shares with the container."""

import os

from builds.engine.builders.docker.step_temp_dir import config_tmp_dir


def test_packer_tmp_dir_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("PACKER_TMP_DIR", str(tmp_path / "t"))
    made = config_tmp_dir()
    assert os.path.dirname(made) == str(tmp_path / "t") and os.path.isdir(made)
    assert os.path.basename(made).startswith("tmp")


def test_packer_config_dir_comes_next(monkeypatch, tmp_path):
    monkeypatch.delenv("PACKER_TMP_DIR", raising=False)
    monkeypatch.setenv("PACKER_CONFIG_DIR", str(tmp_path))
    assert os.path.dirname(config_tmp_dir()) == str(tmp_path / ".packer.d")


def test_without_settings_the_xdg_config_directory_is_used(monkeypatch, tmp_path):
    for name in ("PACKER_TMP_DIR", "PACKER_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert os.path.dirname(config_tmp_dir()) == str(tmp_path / "xdg" / "packer")
    (tmp_path / "home" / ".packer.d").mkdir(parents=True)
    assert os.path.dirname(config_tmp_dir()) == str(tmp_path / "home" / ".packer.d")
