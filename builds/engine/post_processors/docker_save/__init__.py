"""The ``docker-save`` post-processor: saves the image a docker build produced to a tar file."""
