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

Messages to one group are handed to the layer one after the other, in the
order they were sent, whatever thread sent them. `send` waits until the
layer took the message (and so every earlier one to its group), unless told
not to: the log sink sends a build's lines and goes on storing the next
batch while the layer takes them, and waits only for the final status. At
most MAX_WAITING messages of this process wait for the layer; a sender
beyond that waits for room.
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import threading

from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

SEND_TIMEOUT = 5.0  # seconds to wait for the layer to take a message before giving up on it
MAX_WAITING = 16

_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None
_own_loop: asyncio.AbstractEventLoop | None = None
_room = threading.BoundedSemaphore(MAX_WAITING)
_last_sent: dict[str, concurrent.futures.Future] = {}  # per group, the delivery of its latest message


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


def send(group: str, message: dict, *, wait: bool = True) -> bool:
    """Send `message` to `group` after the messages sent to it before; return whether the layer took it (False:
    no layer, none listens here, or it failed). Without `wait`, return once it is on its way (True)."""
    layer = get_channel_layer()
    if layer is None:
        return False
    loop = _target_loop(layer)
    if loop is None:
        return False
    if not _room.acquire(timeout=SEND_TIMEOUT):
        logger.warning("Could not send a %s message to %s: the channel layer takes none", message.get("type"), group)
        return False
    with _lock:
        delivery = asyncio.run_coroutine_threadsafe(_deliver(layer, group, message, _last_sent.get(group)), loop)
        _last_sent[group] = delivery
    delivery.add_done_callback(lambda done: _delivered(group, message, done))
    if not wait:
        return True
    try:
        delivery.result(SEND_TIMEOUT)
    except concurrent.futures.TimeoutError:
        delivery.cancel()
        return False
    except Exception:  # logged by _delivered; a lost message is replayed from the database by the consumer
        return False
    return True


async def _deliver(layer, group: str, message: dict, previous: concurrent.futures.Future | None) -> None:
    if previous is not None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wrap_future(previous)
    await layer.group_send(group, message)


def _delivered(group: str, message: dict, delivery: concurrent.futures.Future) -> None:
    _room.release()
    with _lock:
        if _last_sent.get(group) is delivery:
            del _last_sent[group]
    error = "it was given up" if delivery.cancelled() else delivery.exception()
    if error is not None:
        logger.warning("Could not send a %s message to %s: %r", message.get("type"), group, error)
