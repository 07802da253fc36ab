"""The ASGI application: Django views over HTTP, Channels consumers over websockets."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagehub.settings")

# Django is set up here, before anything that imports models or consumers.
django.setup(set_prefix=False)

from imagehub.http_handler import OneThreadASGIHandler  # noqa: E402

django_application = OneThreadASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from imagehub.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

from django.conf import settings  # noqa: E402

from builds import reaper  # noqa: E402

if settings.IMAGEHUB["WEB_REAPS_LOST_BUILDS"]:
    # A build whose only worker died is marked lost even while no worker runs (builds.reaper).
    reaper.watch()

from imagehub import heap  # noqa: E402

# What start-up made lives as long as the process: out of the garbage collector's full collections.
heap.settle()
