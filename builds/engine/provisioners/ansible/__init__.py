"""The ``ansible`` provisioner: runs a playbook from the build host against the machine under build."""
