"""Schema migrations of the builds app."""
