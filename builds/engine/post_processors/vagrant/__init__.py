"""The ``vagrant`` post-processor: packages the artifact as a Vagrant box."""
