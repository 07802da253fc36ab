"""Management commands of the builds app."""
