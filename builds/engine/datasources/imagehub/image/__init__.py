"""The ``imagehub-image`` data source: the image a template's channel points at, in a region."""
