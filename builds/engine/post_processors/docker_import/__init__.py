"""The ``docker-import`` post-processor: imports an exported container file as an image."""
