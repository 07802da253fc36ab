"""ImageHub's own data sources: images from its registry's channels."""
