"""Database models of the builds app; the build records arrive with the build runner."""
