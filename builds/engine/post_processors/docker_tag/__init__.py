"""The ``docker-tag`` post-processor: tags the image a docker build produced."""
