"""The ``shell`` provisioner: uploads and runs shell scripts on the machine under build."""
