"""Packer's own ``http`` data source."""
