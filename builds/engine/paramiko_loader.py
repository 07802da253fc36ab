"""paramiko, imported only when it is used, and then without the imports it makes but rarely needs.

paramiko is the slowest import of a build. Besides most of
``cryptography``, it imports two things the engine does not need:

* ``invoke`` (which pulls in ``unittest.mock``, ``asyncio`` and a YAML
  parser), only to run the ``Match exec`` lines of ssh_config files;
* ``importlib.metadata`` (with ``email``, ``zipfile`` and ``csv``) and a
  search of every installed distribution, only to set ``__version__``.

Two helpers keep those costs where they are needed:

* :func:`load_paramiko` imports paramiko with ``invoke`` held back (it gets a
  stand-in that imports the real module on first use, so ``Match exec``
  still works) and its version read from its own ``.dist-info`` directory
  (falling back to ``importlib.metadata`` when that cannot be found);
* :func:`defer_paramiko` puts a stand-in module in ``sys.modules`` that
  calls :func:`load_paramiko` the first time one of its attributes is read.
  The docker SDK imports paramiko for ``ssh://`` daemons only; deferred, a
  build against a local daemon never loads it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


class _ImportedOnUse:
    """Stands for a module and imports it when one of its attributes is first read."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


class _DeferredParamiko(ModuleType):
    """Stands in ``sys.modules`` for paramiko until one of its attributes is read, then imports it."""

    def __getattr__(self, attribute: str):
        return getattr(load_paramiko(), attribute)


class _PackageVersions(ModuleType):
    """Stands in for ``importlib.metadata`` while paramiko imports: answers ``version("paramiko")`` from
    paramiko's ``.dist-info`` directory; anything else imports the real module and asks it."""

    def __init__(self, known: dict[str, str]):
        super().__init__("importlib.metadata")
        self._known = known

    def version(self, name: str) -> str:
        if name in self._known:
            return self._known[name]
        return self._real().version(name)

    def __getattr__(self, attribute: str):
        return getattr(self._real(), attribute)

    def _real(self) -> ModuleType:
        if sys.modules.get("importlib.metadata") is self:
            del sys.modules["importlib.metadata"]
        return importlib.import_module("importlib.metadata")


def _installed_version(spec: importlib.machinery.ModuleSpec) -> str | None:
    """The version in the one ``paramiko-*.dist-info`` next to the package, or None if that is not so."""
    if not spec.origin:
        return None
    found = list(Path(spec.origin).parent.parent.glob("paramiko-*.dist-info"))
    if len(found) != 1:
        return None
    try:
        with open(found[0] / "METADATA", encoding="utf-8") as metadata:
            for line in metadata:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    return None
    except OSError:
        return None
    return None


def load_paramiko() -> ModuleType:
    """Return the paramiko module, imported now (as the module docstring says) unless it already is.

    Raises ModuleNotFoundError when paramiko is not installed.
    """
    module = sys.modules.get("paramiko")
    if module is not None and not isinstance(module, _DeferredParamiko):
        return module
    sys.modules.pop("paramiko", None)
    spec = importlib.util.find_spec("paramiko")
    if spec is None:
        raise ModuleNotFoundError("No module named 'paramiko'", name="paramiko")
    stand_ins: dict[str, ModuleType | None] = {}
    if "invoke" not in sys.modules:
        stand_ins["invoke"] = None  # makes "import invoke" fail, as if it were not installed
    version = _installed_version(spec)
    if "importlib.metadata" not in sys.modules and version is not None:
        stand_ins["importlib.metadata"] = _PackageVersions({"paramiko": version})
    sys.modules.update(stand_ins)
    try:
        module = importlib.import_module("paramiko")
    finally:
        for name, stand_in in stand_ins.items():
            if name in sys.modules and sys.modules[name] is stand_in:
                del sys.modules[name]
        if "importlib.metadata" in stand_ins and getattr(importlib, "metadata", None) is stand_ins[
                "importlib.metadata"]:
            del importlib.metadata  # the import system set it on the package; the real one sets it again
    config = sys.modules.get("paramiko.config")
    if "invoke" in stand_ins and config is not None and getattr(config, "invoke", False) is None:
        config.invoke = _ImportedOnUse("invoke")
    return module


def defer_paramiko() -> None:
    """Make ``import paramiko`` cheap from now on: the module loads when an attribute is first read.

    Does nothing when paramiko is already imported or not installed.
    """
    if "paramiko" in sys.modules or importlib.util.find_spec("paramiko") is None:
        return
    sys.modules["paramiko"] = _DeferredParamiko("paramiko")
