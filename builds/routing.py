"""Websocket routes of the builds app: a build's live log."""

from django.urls import path

from builds.consumers import BuildLogConsumer

websocket_urlpatterns = [
    path("ws/builds/<int:pk>/log/", BuildLogConsumer.as_asgi(), name="build_log_socket"),
]
