"""The ``shell-local`` post-processor: runs commands on the build host after a build."""
