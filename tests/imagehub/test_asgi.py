"""Tests of the ASGI application's protocol routing."""

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from imagehub.asgi import application


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_http_requests_reach_the_django_views():
    communicator = HttpCommunicator(application, "GET", "/login/", headers=[(b"host", b"localhost")])
    # The first request imports the views and compiles templates: seconds on a loaded machine.
    response = await communicator.get_response(timeout=30)
    assert response["status"] == 200
    assert b'name="csrfmiddlewaretoken"' in response["body"]


@pytest.mark.asyncio
async def test_websockets_from_another_origin_are_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/anything/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert connected is False


@pytest.mark.asyncio
async def test_websockets_to_an_unrouted_path_are_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/no-such-route/", headers=[(b"origin", b"http://localhost")]
    )
    with pytest.raises(ValueError, match="No route found for path"):
        await communicator.connect()
