"""paramiko, imported only when it is used, and then without its optional ``invoke`` dependency up front.

paramiko is the slowest import of a build: it loads most of
``cryptography``, and its ``config`` module eagerly imports ``invoke``
(which pulls in ``unittest.mock``, ``asyncio`` and a YAML parser) only to
run the ``Match exec`` lines of ssh_config files. Two helpers keep that
cost where it is needed:

* :func:`load_paramiko` imports paramiko with ``invoke`` held back and gives
  it a stand-in that imports the real ``invoke`` on first use, so
  ``Match exec`` still works;
* :func:`defer_paramiko` puts a stand-in module in ``sys.modules`` that
  does the same the first time one of its attributes is read. The docker SDK
  imports paramiko for ``ssh://`` daemons only; deferred, a build against a
  local daemon never loads it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
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


def load_paramiko() -> ModuleType:
    """Return the paramiko module, imported now (without ``invoke``) unless it already is.

    Raises ModuleNotFoundError when paramiko is not installed.
    """
    module = sys.modules.get("paramiko")
    if module is not None and not isinstance(module, _DeferredParamiko):
        return module
    sys.modules.pop("paramiko", None)
    held_back = "invoke" not in sys.modules
    if held_back:
        sys.modules["invoke"] = None  # makes "import invoke" fail, as if it were not installed
    try:
        module = importlib.import_module("paramiko")
    finally:
        if held_back:
            del sys.modules["invoke"]
    config = sys.modules.get("paramiko.config")
    if held_back and config is not None and getattr(config, "invoke", False) is None:
        config.invoke = _ImportedOnUse("invoke")
    return module


def defer_paramiko() -> None:
    """Make ``import paramiko`` cheap from now on: the module loads when an attribute is first read.

    Does nothing when paramiko is already imported or not installed.
    """
    if "paramiko" in sys.modules or importlib.util.find_spec("paramiko") is None:
        return
    sys.modules["paramiko"] = _DeferredParamiko("paramiko")
