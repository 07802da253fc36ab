"""Tests of broadcasting from worker threads onto the server's event loop with the in-memory layer."""

import asyncio
import threading
import time

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from builds import broadcast


@pytest.fixture
def server_loop():
    """An event loop running in its own thread, as daphne's does, registered as the server's."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    broadcast.use_server_loop(loop)
    yield loop
    broadcast.use_server_loop(None)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def on(loop, coroutine, timeout=2.0):
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)


def test_the_default_layer_is_the_in_memory_one():
    assert isinstance(get_channel_layer(), InMemoryChannelLayer)


def test_a_consumer_waiting_on_the_server_loop_is_woken_by_a_worker_thread(server_loop):
    layer = get_channel_layer()
    channel = on(server_loop, layer.new_channel())
    on(server_loop, layer.group_add("build-7", channel))
    waiting = asyncio.run_coroutine_threadsafe(layer.receive(channel), server_loop)
    message = {"type": "build.lines", "lines": [{"seq": 1}]}

    worker = threading.Thread(target=lambda: broadcast.send("build-7", message))
    worker.start()
    worker.join(5)

    assert waiting.result(1.0) == message


def test_messages_arrive_in_the_order_they_were_sent(server_loop):
    layer = get_channel_layer()
    channel = on(server_loop, layer.new_channel())
    on(server_loop, layer.group_add("build-8", channel))

    for seq in range(1, 51):
        assert broadcast.send("build-8", {"type": "build.lines", "lines": [{"seq": seq}]})

    received = [on(server_loop, layer.receive(channel))["lines"][0]["seq"] for _ in range(50)]
    assert received == list(range(1, 51))


def test_messages_sent_without_waiting_arrive_in_the_order_sent_and_a_waited_one_after_them(server_loop):
    layer = get_channel_layer()
    channel = on(server_loop, layer.new_channel())
    on(server_loop, layer.group_add("build-10", channel))
    slow_send = layer.group_send

    async def uneven_group_send(group, message):  # later messages would overtake earlier ones if not kept in line
        await asyncio.sleep(0.02 if message["lines"][0]["seq"] % 3 == 0 else 0)
        await slow_send(group, message)

    layer.group_send = uneven_group_send
    try:
        for seq in range(1, 31):
            assert broadcast.send("build-10", {"type": "build.lines", "lines": [{"seq": seq}]}, wait=False)
        assert broadcast.send("build-10", {"type": "build.lines", "lines": [{"seq": 31}]})
        # The waited one was taken, so every message before it was too.
        received = [on(server_loop, layer.receive(channel), timeout=0.5)["lines"][0]["seq"] for _ in range(31)]
    finally:
        layer.group_send = slow_send
    assert received == list(range(1, 32))


def test_a_sender_waits_for_room_when_the_layer_takes_nothing(server_loop, monkeypatch):
    monkeypatch.setattr(broadcast, "SEND_TIMEOUT", 0.3)
    layer = get_channel_layer()
    stuck = asyncio.Event()

    async def stuck_group_send(group, message):
        await stuck.wait()

    monkeypatch.setattr(layer, "group_send", stuck_group_send)
    sent = [broadcast.send("build-11", {"type": "build.lines"}, wait=False) for _ in range(broadcast.MAX_WAITING)]
    started = time.monotonic()

    assert broadcast.send("build-11", {"type": "build.lines"}, wait=False) is False
    assert time.monotonic() - started >= 0.3 and all(sent)
    server_loop.call_soon_threadsafe(stuck.set)
    deadline = time.monotonic() + 5
    while broadcast._last_sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not broadcast._last_sent


def test_without_a_server_the_in_memory_layer_is_not_used():
    assert broadcast.send("build-9", {"type": "build.lines", "lines": []}) is False


def redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="needs the Redis server at 127.0.0.1:6379")
def test_a_process_without_a_server_sends_through_redis_in_order(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:6379/7"]}}}
    group = f"build-test-{threading.get_ident()}"

    async def listen() -> list[int]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        sender = threading.Thread(target=lambda: [
            broadcast.send(group, {"type": "build.lines", "lines": [{"seq": seq}]}) for seq in range(1, 21)])
        sender.start()
        received = [(await asyncio.wait_for(layer.receive(channel), 5))["lines"][0]["seq"] for _ in range(20)]
        sender.join(5)
        await layer.group_discard(group, channel)
        return received

    assert asyncio.run(listen()) == list(range(1, 21))


@pytest.mark.skipif(not redis_reachable(), reason="needs the Redis server at 127.0.0.1:6379")
def test_a_consumer_of_the_configured_redis_layer_outlasts_a_quiet_spell(settings):
    from channels_redis.core import RedisChannelLayer

    from imagehub import config

    settings.CHANNEL_LAYERS = config.channel_layers(
        {"REDIS_URL": "redis://127.0.0.1:6379/7", "REDIS_PREFIX": f"quiet-{threading.get_ident()}:"})
    quiet = RedisChannelLayer.brpop_timeout + 1.5  # longer than one blocking read on the server

    async def listen() -> dict:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("build-quiet", channel)
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(quiet)
        await layer.group_send("build-quiet", {"type": "build.lines", "lines": [{"seq": 1}]})
        message = await asyncio.wait_for(waiting, 5)
        await layer.group_discard("build-quiet", channel)
        return message

    assert asyncio.run(listen())["lines"] == [{"seq": 1}]
