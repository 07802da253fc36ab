"""Tests of the live log's websocket: who may watch, replay from a last seen number, live lines without duplicates or gaps."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from builds import consumers
from builds.logsink import lines_event, status_message
from builds.models import Build, BuildLogLine
from imagehub import initial_password
from imagehub.asgi import application
from imagehub.models import InitialPassword
from imagehub.roles import Role

# Transactional: the consumer reads the database from other threads. The roles come back after each flush.
pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

T0 = timezone.now() - timedelta(minutes=5)


def line(seq: int) -> dict:
    """Line `seq` as the log sink broadcasts it."""
    return {"seq": seq, "time": (T0 + timedelta(seconds=seq)).timestamp(), "source": "null.web",
            "step": "shell" if seq > 2 else "", "stream": "stderr" if seq % 5 == 0 else "stdout",
            "text": f"line {seq}"}


@sync_to_async
def store(build: Build, *seqs: int) -> None:
    """Store lines `seqs` of `build` as the sink does, before any broadcast."""
    BuildLogLine.objects.bulk_create(
        BuildLogLine(build=build, seq=seq, time=T0 + timedelta(seconds=seq), source="null.web",
                     step="shell" if seq > 2 else "", stream="stderr" if seq % 5 == 0 else "stdout",
                     text=f"line {seq}")
        for seq in seqs
    )
    Build.objects.filter(pk=build.pk).update(last_seq=max(seqs))


@sync_to_async
def finish(build: Build, status: str) -> None:
    Build.objects.filter(pk=build.pk).update(status=status, finished_at=timezone.now())


async def broadcast(build: Build, message: dict) -> None:
    await get_channel_layer().group_send(f"build-{build.pk}", message)


@pytest.fixture
def running_build(shell_version, builder):
    return Build.objects.create(template=shell_version.template, template_version=shell_version,
                                requested_by=builder, status=Build.Status.RUNNING, started_at=T0,
                                current_step="null.web: shell")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def viewer_cookie(viewer):
    return session_cookie(viewer)


def socket(build_pk: int, cookie: bytes | None, after: int | None = None) -> WebsocketCommunicator:
    path = f"/ws/builds/{build_pk}/log/" + (f"?after={after}" if after is not None else "")
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


async def received_seqs(communicator: WebsocketCommunicator) -> tuple[list[int], list[dict]]:
    """Read messages until a status message; return the seqs of the lines before it and every message."""
    seqs, messages = [], []
    while True:
        message = await communicator.receive_json_from(timeout=5)
        messages.append(message)
        if message["type"] == "build.status":
            return seqs, messages
        seqs.extend(item["seq"] for item in message["lines"])


async def test_reconnecting_with_a_last_seen_number_receives_exactly_the_missing_lines_in_order_once(
        running_build, viewer_cookie):
    await store(running_build, *range(1, 11))
    communicator = socket(running_build.pk, viewer_cookie, after=4)
    connected, _ = await communicator.connect()
    assert connected
    seqs, messages = await received_seqs(communicator)
    assert seqs == [5, 6, 7, 8, 9, 10]
    assert messages[0]["lines"][0] == line(5)
    assert messages[-1] == {"type": "build.status", "status": "running", "current_step": "null.web: shell",
                            "last_seq": 10, "final": False, "paused": False}
    # The build goes on: a batch overlapping what was replayed brings only its new lines.
    await store(running_build, 11, 12)
    await broadcast(running_build, lines_event([line(s) for s in range(9, 13)]))
    assert await communicator.receive_json_from(timeout=5) == {"type": "build.lines", "lines": [line(11), line(12)]}
    await finish(running_build, Build.Status.SUCCEEDED)
    await broadcast(running_build, status_message("succeeded", "", 12, final=True))
    final = await communicator.receive_json_from(timeout=5)
    assert final["final"] is True and final["last_seq"] == 12 and final["status"] == "succeeded"
    assert (await communicator.receive_output(timeout=5))["type"] == "websocket.close"


async def test_replay_comes_in_batches_in_seq_order(running_build, viewer_cookie, monkeypatch):
    monkeypatch.setattr(consumers, "REPLAY_BATCH", 3)
    await store(running_build, *range(1, 11))
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    seqs, messages = await received_seqs(communicator)
    assert seqs == list(range(1, 11))
    assert [[item["seq"] for item in m["lines"]] for m in messages[:-1]] == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]
    await communicator.disconnect()


async def test_live_lines_after_the_replay_are_not_duplicated(running_build, viewer_cookie):
    await store(running_build, *range(1, 6))
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    seqs, _ = await received_seqs(communicator)
    assert seqs == [1, 2, 3, 4, 5]
    # Lines 3-5 were stored before the replay read them, and their broadcast arrives after it.
    await broadcast(running_build, lines_event([line(3), line(4), line(5)]))
    await store(running_build, 6, 7)
    await broadcast(running_build, lines_event([line(6), line(7)]))
    message = await communicator.receive_json_from(timeout=5)
    assert [item["seq"] for item in message["lines"]] == [6, 7]
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_a_live_batch_that_follows_the_last_line_sent_goes_out_as_the_sink_encoded_it(
        running_build, viewer_cookie):
    await store(running_build, 1, 2)
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    await received_seqs(communicator)
    await store(running_build, 3, 4)
    event = lines_event([line(3), line(4)])
    await broadcast(running_build, event)
    assert await communicator.receive_from(timeout=5) == event["frame"]
    await communicator.disconnect()


async def test_a_live_batch_after_a_lost_one_is_preceded_by_the_missing_lines_from_the_database(
        running_build, viewer_cookie):
    await store(running_build, 1, 2)
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    await received_seqs(communicator)
    await store(running_build, 3, 4, 5, 6)
    # The broadcast of lines 3-4 never arrived (a full channel drops messages).
    await broadcast(running_build, lines_event([line(5), line(6)]))
    first = await communicator.receive_json_from(timeout=5)
    second = await communicator.receive_json_from(timeout=5)
    assert [item["seq"] for item in first["lines"]] == [3, 4]
    assert [item["seq"] for item in second["lines"]] == [5, 6]
    await communicator.disconnect()


async def test_a_final_status_comes_after_every_line_even_when_their_broadcast_was_lost(
        running_build, viewer_cookie):
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    seqs, _ = await received_seqs(communicator)
    assert seqs == []
    await store(running_build, 1, 2, 3)
    await finish(running_build, Build.Status.FAILED)
    await broadcast(running_build, status_message("failed", "", 3, final=True))
    seqs, messages = await received_seqs(communicator)
    assert seqs == [1, 2, 3]
    assert messages[-1]["final"] is True and messages[-1]["last_seq"] == 3


async def test_a_finished_build_is_replayed_whole_then_a_final_status_and_the_socket_closes(
        running_build, viewer_cookie):
    await store(running_build, *range(1, 8))
    await finish(running_build, Build.Status.CANCELLED)
    communicator = socket(running_build.pk, viewer_cookie, after=0)
    await communicator.connect()
    seqs, messages = await received_seqs(communicator)
    assert seqs == list(range(1, 8))
    assert messages[-1] == {"type": "build.status", "status": "cancelled", "current_step": "null.web: shell",
                            "last_seq": 7, "final": True, "paused": False}
    assert (await communicator.receive_output(timeout=5))["type"] == "websocket.close"


async def test_client_frames_are_ignored(running_build, viewer_cookie, builder):
    await store(running_build, 1, 2)
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    await received_seqs(communicator)
    await communicator.send_to(text_data="not json at all")
    await communicator.send_json_to({"type": "build.status", "status": "cancelled", "final": True, "last_seq": 0})
    await communicator.send_json_to({"type": "build.lines", "lines": [line(99)]})
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert await communicator.receive_nothing(timeout=0.3)
    build = await sync_to_async(Build.objects.get)(pk=running_build.pk)
    assert build.status == Build.Status.RUNNING and build.cancel_requested_at is None
    # Still connected and still forwarding.
    await store(running_build, 3)
    await broadcast(running_build, lines_event([line(3)]))
    assert [item["seq"] for item in (await communicator.receive_json_from(timeout=5))["lines"]] == [3]
    await communicator.disconnect()


@pytest.mark.parametrize("roles", [(), (Role.VIEWER,), (Role.BUILDER,), (Role.EDITOR,), (Role.ADMIN,)])
async def test_only_users_with_the_viewer_role_or_more_may_watch(running_build, make_user, roles):
    user = await sync_to_async(make_user)("someone", *roles)
    communicator = socket(running_build.pk, await sync_to_async(session_cookie)(user))
    connected, code = await communicator.connect()
    assert connected is bool(roles)
    if connected:
        await received_seqs(communicator)
        await communicator.disconnect()
    else:
        assert code == consumers.CLOSE_NOT_ALLOWED


async def test_anonymous_visitors_and_inactive_users_are_refused(running_build, make_user):
    communicator = socket(running_build.pk, None)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, consumers.CLOSE_NOT_ALLOWED)
    inactive = await sync_to_async(make_user)("gone", Role.VIEWER)
    cookie = await sync_to_async(session_cookie)(inactive)
    await sync_to_async(type(inactive).objects.filter(pk=inactive.pk).update)(is_active=False)
    connected, code = await socket(running_build.pk, cookie).connect()
    assert connected is False


async def test_a_build_that_does_not_exist_is_refused(viewer_cookie):
    connected, code = await socket(999999, viewer_cookie).connect()
    assert (connected, code) == (False, consumers.CLOSE_NOT_FOUND)


async def test_a_refused_viewer_never_joins_the_group(running_build, make_user):
    layer = get_channel_layer()
    await layer.flush()
    user = await sync_to_async(make_user)("nobody")
    communicator = socket(running_build.pk, await sync_to_async(session_cookie)(user))
    await communicator.connect()
    assert not layer.groups.get(f"build-{running_build.pk}")


async def test_the_last_seen_number_is_read_from_the_query_string():
    assert consumers.last_seen(b"after=42") == 42
    assert consumers.last_seen(b"") == 0
    assert consumers.last_seen(b"after=-3") == 0
    assert consumers.last_seen(b"after=abc") == 0
    assert consumers.last_seen(b"x=1&after=7") == 7


async def test_live_messages_reach_a_viewer_without_a_hop_through_a_thread(running_build, viewer_cookie,
                                                                          monkeypatch):
    import channels.consumer

    hops = []

    async def counted():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    communicator = socket(running_build.pk, viewer_cookie)
    await communicator.connect()
    await received_seqs(communicator)
    connecting = len(hops)
    for seq in (1, 2, 3):
        await store(running_build, seq)
        await broadcast(running_build, lines_event([line(seq)]))
        assert (await communicator.receive_json_from(timeout=5))["lines"] == [line(seq)]
    await broadcast(running_build, status_message("running", "null.web: shell", 3, final=False))
    assert (await communicator.receive_json_from(timeout=5))["last_seq"] == 3

    assert len(hops) == connecting
    await communicator.disconnect()


async def test_a_session_signed_in_with_the_printed_first_password_is_refused(running_build, make_user):
    admin = await sync_to_async(make_user)("admin", Role.ADMIN)
    await sync_to_async(initial_password.mark)(admin)
    connected, code = await socket(running_build.pk, await sync_to_async(session_cookie)(admin)).connect()
    assert (connected, code) == (False, consumers.CLOSE_NOT_ALLOWED)
    await sync_to_async(InitialPassword.objects.all().delete)()
    communicator = socket(running_build.pk, await sync_to_async(session_cookie)(admin))
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()
