"""ImageHub's Django project: settings, URLs, the ASGI application and the `imagehub` command."""
