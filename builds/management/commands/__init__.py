"""The builds app's management commands."""
