"""The ``artifice`` post-processor: replaces the artifact with a list of files on the build host."""
