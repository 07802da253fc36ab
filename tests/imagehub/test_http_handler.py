"""Tests of the ASGI handler that runs each request's synchronous work in one call on a reused thread."""

import asyncio
import threading
import time
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished, request_started
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import get_script_prefix, path, reverse

from imagehub import http_handler
from imagehub.http_handler import OneThreadASGIHandler

seen: dict[str, list] = {}


def thread_of_view(request):
    seen.setdefault("view", []).append(threading.get_ident())
    return HttpResponse(request.GET.get("say", "ok"))


def prefixed_view(request):
    return HttpResponse(f"{get_script_prefix()} {reverse('prefixed')} {request.path}")


def failing_view(request):
    raise RuntimeError("the view failed")


def slow_view(request):
    seen.setdefault("slow", []).append(threading.get_ident())
    barrier = seen["barrier"][0]
    barrier.wait(timeout=10)
    return HttpResponse("slow")


def counting_view(request):
    with seen["lock"][0]:
        seen["running"][0] += 1
        seen.setdefault("most", []).append(seen["running"][0])
    time.sleep(0.05)
    with seen["lock"][0]:
        seen["running"][0] -= 1
    return HttpResponse("counted")


def streaming_view(request):
    return StreamingHttpResponse(f"part {n};" for n in range(3))


def ordered_stream_view(request):
    def parts():
        seen.setdefault("order", []).append("first part")
        yield "one;"
        seen["order"].append("last part")
        yield "two;"

    return StreamingHttpResponse(parts())


def endless_stream_view(request):
    async def parts():
        while True:
            yield "tick;"
            await asyncio.sleep(0.01)

    return StreamingHttpResponse(parts())


async def async_view(request):
    await asyncio.sleep(0)
    return HttpResponse("async answer")


def file_view(request):
    made = seen["file"][0]
    return FileResponse(made.open("rb"), as_attachment=True, filename="disk.img")


def gated_stream_view(request):
    def parts():
        yield "one;"
        seen["gate"][0].wait(timeout=10)
        yield "two;"

    return StreamingHttpResponse(parts())


urlpatterns = [
    path("thread/", thread_of_view),
    path("prefixed/", prefixed_view, name="prefixed"),
    path("fail/", failing_view),
    path("slow/", slow_view),
    path("count/", counting_view),
    path("stream/", streaming_view),
    path("ordered-stream/", ordered_stream_view),
    path("endless-stream/", endless_stream_view),
    path("async/", async_view),
    path("file/", file_view),
    path("gated-stream/", gated_stream_view),
]


@pytest.fixture(autouse=True)
def handler_urls():
    seen.clear()
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["localhost"]):
        yield


async def get(application, url: str, root_path: str = "") -> dict:
    """Return the status and the whole body of a GET of `url`, once the application has returned."""
    path, _, query = url.partition("?")
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": root_path + path,
             "raw_path": (root_path + path).encode(), "root_path": root_path, "query_string": query.encode(),
             "headers": [(b"host", b"localhost")]}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await communicator.wait(timeout=10)
    return {"status": start["status"], "body": body}


@pytest.mark.asyncio
async def test_a_response_is_the_views_own():
    response = await get(OneThreadASGIHandler(), "/thread/?say=hello")
    assert response["status"] == 200
    assert response["body"] == b"hello"


@pytest.mark.asyncio
async def test_urls_are_reversed_under_the_script_prefix_of_each_request():
    application = OneThreadASGIHandler()
    under = await get(application, "/prefixed/", root_path="/imagehub")
    assert under["body"] == b"/imagehub/ /imagehub/prefixed/ /imagehub/prefixed/"
    # The same thread serves the next request, at the root: nothing of the last one's prefix stays.
    assert (await get(application, "/prefixed/"))["body"] == b"/ /prefixed/ /prefixed/"


@pytest.mark.asyncio
async def test_requests_one_after_another_reuse_one_thread():
    application = OneThreadASGIHandler()
    for _ in range(3):
        await get(application, "/thread/")
    assert len(set(seen["view"])) == 1
    assert seen["view"][0] != threading.get_ident()


@pytest.mark.asyncio
async def test_signals_and_the_view_run_on_the_requests_thread():
    threads = {}

    def on_started(**kwargs):
        threads["started"] = threading.get_ident()

    def on_finished(**kwargs):
        threads["finished"] = threading.get_ident()

    request_started.connect(on_started)
    request_finished.connect(on_finished)
    try:
        await get(OneThreadASGIHandler(), "/thread/")
    finally:
        request_started.disconnect(on_started)
        request_finished.disconnect(on_finished)
    assert threads == {"started": seen["view"][0], "finished": seen["view"][0]}


@pytest.mark.asyncio
async def test_requests_at_the_same_time_each_have_a_thread_of_their_own(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "REQUEST_THREADS": 2}
    # Both views must be running at once for the barrier to let either go.
    seen["barrier"] = [threading.Barrier(2)]
    application = OneThreadASGIHandler()
    first, second = await asyncio.gather(get(application, "/slow/"), get(application, "/slow/"))
    assert first["body"] == second["body"] == b"slow"
    assert len(set(seen["slow"])) == 2


@pytest.mark.asyncio
async def test_at_most_the_idle_limit_of_threads_is_kept(monkeypatch, settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "REQUEST_THREADS": 2}
    monkeypatch.setattr(http_handler, "IDLE_THREADS", 1)
    seen["barrier"] = [threading.Barrier(2)]
    application = OneThreadASGIHandler()
    await asyncio.gather(get(application, "/slow/"), get(application, "/slow/"))
    assert len(application._idle) == 1


@pytest.mark.asyncio
async def test_no_more_requests_than_the_limit_run_at_once(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "REQUEST_THREADS": 2}
    seen["lock"], seen["running"] = [threading.Lock()], [0]
    application = OneThreadASGIHandler()
    answers = await asyncio.gather(*(get(application, "/count/") for _ in range(6)))
    assert all(answer["body"] == b"counted" for answer in answers)
    assert max(seen["most"]) == 2


@pytest.mark.asyncio
async def test_requests_run_all_at_once_without_a_limit(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "REQUEST_THREADS": 0}
    seen["lock"], seen["running"] = [threading.Lock()], [0]
    application = OneThreadASGIHandler()
    await asyncio.gather(*(get(application, "/count/") for _ in range(6)))
    assert max(seen["most"]) > 2


@pytest.mark.asyncio
async def test_a_failing_view_answers_500_and_the_next_request_is_served():
    application = OneThreadASGIHandler()
    with override_settings(DEBUG=False):
        failed = await get(application, "/fail/")
    assert failed["status"] == 500
    assert (await get(application, "/thread/"))["status"] == 200


@pytest.mark.asyncio
async def test_streaming_responses_are_sent_whole():
    response = await get(OneThreadASGIHandler(), "/stream/")
    assert response["body"] == b"part 0;part 1;part 2;"


@pytest.mark.asyncio
async def test_async_views_are_answered():
    response = await get(OneThreadASGIHandler(), "/async/")
    assert response["body"] == b"async answer"


@pytest.mark.asyncio
async def test_a_streaming_response_is_closed_after_its_last_part_is_sent():
    def on_finished(**kwargs):
        seen.setdefault("order", []).append("finished")

    request_finished.connect(on_finished)
    try:
        response = await get(OneThreadASGIHandler(), "/ordered-stream/")
    finally:
        request_finished.disconnect(on_finished)
    assert response["body"] == b"one;two;"
    assert seen["order"] == ["first part", "last part", "finished"]


@pytest.mark.asyncio
async def test_a_client_that_disconnects_stops_a_streaming_response():
    finished = []

    def on_finished(**kwargs):
        finished.append(True)

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/endless-stream/",
             "raw_path": b"/endless-stream/", "query_string": b"", "headers": [(b"host", b"localhost")]}
    communicator = ApplicationCommunicator(OneThreadASGIHandler(), scope)
    request_finished.connect(on_finished)
    try:
        await communicator.send_input({"type": "http.request", "body": b""})
        assert (await communicator.receive_output(timeout=10))["type"] == "http.response.start"
        assert (await communicator.receive_output(timeout=10))["body"] == b"tick;"
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=10)
    finally:
        request_finished.disconnect(on_finished)
    assert finished == [True]


@pytest.mark.asyncio
async def test_a_file_is_sent_a_chunk_at_a_time_without_being_read_whole(tmp_path, monkeypatch, recwarn):
    made = tmp_path / "disk.img"
    content = bytes(range(256)) * 1024  # 256 KiB
    made.write_bytes(content)
    seen["file"] = [made]
    sizes = []
    real_open = Path.open

    def recording_open(self, *args, **kwargs):
        opened = real_open(self, *args, **kwargs)
        real_read = opened.read
        opened.read = lambda size=-1: sizes.append(size) or real_read(size)
        return opened

    monkeypatch.setattr(Path, "open", recording_open)
    application = OneThreadASGIHandler()
    response = await get(application, "/file/")
    assert response["status"] == 200 and response["body"] == content
    assert sizes and -1 not in sizes and max(sizes) == application.chunk_size
    assert not [warning for warning in recwarn if "consume synchronous iterators" in str(warning.message)]


@pytest.mark.asyncio
async def test_a_generators_first_part_is_sent_before_its_next_one_is_made(recwarn):
    seen["gate"] = [threading.Event()]
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": "/gated-stream/",
             "raw_path": b"/gated-stream/", "query_string": b"", "headers": [(b"host", b"localhost")]}
    communicator = ApplicationCommunicator(OneThreadASGIHandler(), scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    assert (await communicator.receive_output(timeout=10))["type"] == "http.response.start"
    assert (await communicator.receive_output(timeout=5))["body"] == b"one;"  # while the generator waits
    seen["gate"][0].set()
    assert (await communicator.receive_output(timeout=10))["body"] == b"two;"
    await communicator.wait(timeout=10)
    assert not [warning for warning in recwarn if "consume synchronous iterators" in str(warning.message)]


@pytest.mark.asyncio
async def test_the_handler_counts_the_requests_it_answers_for_the_heaps_settling(monkeypatch):
    application = OneThreadASGIHandler()
    counted = []
    monkeypatch.setattr(application._settling, "served_one", lambda: counted.append(1))
    for url in ("/thread/", "/stream/", "/fail/"):
        await get(application, url)
    assert len(counted) == 3
