"""Packer's own ``null`` data source."""
