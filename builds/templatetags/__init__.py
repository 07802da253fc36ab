"""Template tags and filters of the builds app."""
