"""Websocket routes of the builds app: a build's live log."""

from django.urls import path

from builds.consumers import BuildLogConsumer

websocket_urlpatterns = [
    path("ws/builds/<int:pk>/log/", BuildLogConsumer.as_asgi()),
]


def log_socket_path(build_pk: int) -> str:
    """Return the websocket path of a build's live log (the browser adds `?after=<last seq>`)."""
    return f"/ws/builds/{build_pk}/log/"
