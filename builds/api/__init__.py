"""ImageHub's versioned JSON API under /api/v1/: authentication, permissions, serializers and views by area."""
