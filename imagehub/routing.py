"""Websocket URL routes, the ASGI counterpart of imagehub.urls.

Each app with websocket consumers keeps its routes in its own `routing`
module, added to this list.
"""

import builds.routing

websocket_urlpatterns: list = [
    *builds.routing.websocket_urlpatterns,
]
