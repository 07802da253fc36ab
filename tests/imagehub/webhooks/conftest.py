"""Fixtures of the webhooks' tests: a receiver on loopback, webhooks, quick retry settings, and the builds' fixtures."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from imagehub.roles import Role
from tests.builds.conftest import (  # noqa: F401 (fixtures)
    builder,
    image_of,
    make_ami_build,
    make_template,
    make_user,
    quick_worker,
    roles,
    viewer,
)

NULL_TEMPLATE = {"main.pkr.hcl": 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'}


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers with the next of `statuses`
    (the last one repeats)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses = [200]
        self.location = ""
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.arrived:
                    index = len(receiver.requests)
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()),
                                              "body": body, "at": time.monotonic()})
                    status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                    receiver.arrived.notify_all()
                answer = f"answer {index + 1}".encode()
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?source=imagehub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict]:
        """Wait until `count` requests arrived; return them all."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"{len(self.requests)} requests arrived, not {count}")
            return list(self.requests)

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def receiver():
    """A loopback receiver answering 200 unless its `statuses` are changed."""
    running = Receiver()
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def quick_webhooks(settings):
    """Retries after 0.2 s then 0.4 s (three attempts in all), a 2 s timeout, stalled deliveries resumed at once."""
    settings.IMAGEHUB = {**settings.IMAGEHUB, "WEBHOOK_RETRY_SECONDS": [0.2, 0.4], "WEBHOOK_TIMEOUT_SECONDS": 2.0,
                         "WEBHOOK_RESUME_AFTER_SECONDS": 0.0, "PUBLIC_URL": "https://hub.example.com"}
    return settings.IMAGEHUB


@pytest.fixture
def admin_user(make_user):  # noqa: F811 (the builds' fixture, imported above)
    return make_user("ada", Role.ADMIN)


@pytest.fixture
def make_webhook(admin_user):
    """Return a function creating an active webhook to `url` for `events` (all by default)."""
    from imagehub.webhooks import services

    def make(url: str, events=("*",), name: str = "CI", active: bool = True):
        return services.create_webhook(name=name, url=url, events=list(events), active=active, user=admin_user)

    return make
