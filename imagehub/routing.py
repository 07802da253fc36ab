"""Websocket URL routes, the ASGI counterpart of imagehub.urls.

Each app with websocket consumers keeps its routes in its own `routing`
module; add them to this list, e.g. `*builds.routing.websocket_urlpatterns`.
Until then the list is empty and every websocket connection is refused.
"""

websocket_urlpatterns: list = []
