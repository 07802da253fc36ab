"""The ``compress`` post-processor: archives and compresses the artifact's files."""
