"""The ``shell-local`` provisioner: runs commands on the machine running the build."""
