"""The core of ``imagehub build``: preparing builds from a template and running them."""
