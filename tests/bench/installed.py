"""ImageHub installed for a benchmark as README.md installs it: ``pip install .``, not editable."""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def install_imagehub(into: Path) -> list[str]:
    """Install the checkout, not editable, into a new virtualenv under ``into``; return its console script.

    The new environment reaches the running interpreter's packages (the
    dependencies) through a path file; its own copy of ImageHub is built by pip
    and compiled to bytecode, as pip does by default.
    """
    venv = into / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())
    (site / "imagehub-bench-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-compile", "--disable-pip-version-check", str(REPO)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    subprocess.run([str(python), "-m", "compileall", "-q", str(site / "builds"), str(site / "imagehub")],
                   check=True, stdout=subprocess.DEVNULL)
    return [str(venv / "bin" / "imagehub")]


@functools.cache
def installed_command() -> tuple[str, ...]:
    """Return the console script of one installation made for this process, removed when it exits."""
    scratch = Path(tempfile.mkdtemp(prefix="imagehub-bench-install-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return tuple(install_imagehub(scratch))
