"""The ``manifest`` post-processor: records each build's artifacts in a JSON file."""
