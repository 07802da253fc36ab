"""The ``checksum`` post-processor: writes checksums of the artifact's files."""
