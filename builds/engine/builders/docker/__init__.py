"""The ``docker`` builder: runs a container, provisions it and commits, exports or discards it."""
