"""The ``file`` provisioner: copies files or inline content to or from the machine under build."""
