"""The Packer-compatible build engine: a plain Python library with no Django in it."""

__version__ = "0.1.0"
