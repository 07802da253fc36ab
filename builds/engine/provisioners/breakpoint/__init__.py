"""The ``breakpoint`` provisioner: pauses the build until the user presses enter."""
