"""Packer's HCL2 template language: load, parse, evaluate, format and validate templates."""
