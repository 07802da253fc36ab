"""Communicators: how the engine reaches a machine under build (SSH, WinRM, Docker, none)."""
