"""Sending channel-layer messages to a build's group from worker threads, in order, on the right event loop.

Channels' in-memory layer keeps its queues in the event loop of the server
process (daphne's), and asyncio queues are not thread-safe: a worker thread
must not call the layer from a loop of its own (as `async_to_sync` would),
or a consumer waiting on that queue is not woken. So `imagehub serve`
registers its loop with `use_server_loop`, and every message is run on it
with `asyncio.run_coroutine_threadsafe`. A process without a server (a
`db_worker`, `imagehub build --record`) sends through a loop thread of its
own, which only a layer that crosses processes (Redis) needs; with the
in-memory layer nobody else could listen there, so nothing is sent.

`send` waits for each message to be handed to the layer, so messages of one
build arrive in the order they were sent.
"""

import asyncio
import logging
import threading

from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0  # seconds to wait for the layer to take a message before giving up on it

_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None
_own_loop: asyncio.AbstractEventLoop | None = None


def group_name(build_pk: int) -> str:
    """The group of a build's live log."""
    return f"build-{build_pk}"


def use_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Send through `loop`, the server's running event loop (None: the server stopped)."""
    global _server_loop
    with _lock:
        _server_loop = loop


def _target_loop(layer) -> asyncio.AbstractEventLoop | None:
    global _own_loop
    with _lock:
        if _server_loop is not None and not _server_loop.is_closed():
            return _server_loop
        if isinstance(layer, InMemoryChannelLayer):
            return None
        if _own_loop is None:
            _own_loop = asyncio.new_event_loop()
            threading.Thread(target=_own_loop.run_forever, name="channel layer", daemon=True).start()
        return _own_loop


def send(group: str, message: dict) -> bool:
    """Send `message` to `group`; return whether the layer took it (False: no layer, or none listens here)."""
    layer = get_channel_layer()
    if layer is None:
        return False
    loop = _target_loop(layer)
    if loop is None:
        return False
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
    try:
        future.result(SEND_TIMEOUT)
    except Exception as error:  # a lost message is replayed from the database by the consumer
        future.cancel()
        logger.warning("Could not send a %s message to %s: %r", message.get("type"), group, error)
        return False
    return True
