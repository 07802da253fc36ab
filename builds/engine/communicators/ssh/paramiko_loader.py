"""paramiko, imported without loading its optional ``invoke`` dependency until something uses it.

paramiko's ``config`` module imports ``invoke`` eagerly, only to run the
``Match exec`` lines of ssh_config files; ``invoke`` in turn imports
``unittest.mock``, ``asyncio`` and a YAML parser, which costs a build over
SSH tens of milliseconds of start-up for a feature the engine never uses.
Here paramiko is imported with ``invoke`` held back, then given a stand-in
that imports the real module on first use, so ``Match exec`` still works
for any code that reads ssh_config files through paramiko.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


class _ImportedOnUse:
    """Stands for a module and imports it when one of its attributes is first read."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


def load_paramiko() -> ModuleType:
    """Return the paramiko module, importing it without ``invoke`` if neither is imported yet."""
    if "paramiko" in sys.modules or "invoke" in sys.modules:
        return importlib.import_module("paramiko")
    sys.modules["invoke"] = None  # makes "import invoke" fail, as if it were not installed
    try:
        module = importlib.import_module("paramiko")
    finally:
        del sys.modules["invoke"]
    config = importlib.import_module("paramiko.config")
    if getattr(config, "invoke", False) is None:
        config.invoke = _ImportedOnUse("invoke")
    return module


paramiko = load_paramiko()
