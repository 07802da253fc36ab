"""Tests of `imagehub serve` running builds in its own worker threads, their log reaching a websocket live."""

import base64
import importlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client

from builds import services
from builds.models import Build
from imagehub import catalog
from imagehub.roles import Role, assign_role
from tests.fixtures.database import database_url

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = """
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; sleep 0.2; done"]
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(tmp_path: Path, port: int) -> subprocess.Popen:
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("IMAGEHUB_DATA_DIR", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    environment.update({"DATABASE_URL": database_url(),
                        "SECRET_KEY": settings.SECRET_KEY, "IMAGEHUB_CONTROL_POLL_SECONDS": "0.1"})
    return subprocess.Popen([str(Path(sys.executable).with_name("imagehub")), "serve", "--port", str(port),
                             "--data-dir", str(tmp_path / "data")],
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until_running(server: subprocess.Popen) -> None:
    output = []
    for line in server.stdout:
        output.append(line)
        if line.startswith("ImageHub is running at "):
            return
    raise AssertionError("the server did not start:\n" + "".join(output))


def open_websocket(port: int, path: str, cookie: str) -> socket.socket:
    """A websocket client connection, its handshake done (the server's frames are read with read_message)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Origin: http://127.0.0.1:{port}\r\nCookie: sessionid={cookie}\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    return sock


def read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def read_message(sock: socket.socket) -> dict | None:
    """The next JSON text message, or None when the server closes."""
    while True:
        first, second = read_exactly(sock, 2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", read_exactly(sock, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", read_exactly(sock, 8))[0]
        payload = read_exactly(sock, length)
        opcode = first & 0x0F
        if opcode == 8:
            return None
        if opcode == 1:
            return json.loads(payload)


@pytest.fixture
def bob(django_user_model):
    """A builder (the roles made again: a transactional test's flush removes what migrations made)."""
    importlib.import_module("imagehub.migrations.0002_roles").create_roles(apps, None)
    importlib.import_module("builds.migrations.0002_role_permissions").grant(apps, None)
    user = django_user_model.objects.create_user("bob", password="correct horse battery")
    assign_role(user, Role.BUILDER)
    return user


def test_the_embedded_server_runs_a_build_and_streams_its_log_live(bob, tmp_path):
    user = bob
    template = catalog.create_template(name="Lines", description="", labels=[], owner=user,
                                       files={"main.pkr.hcl": TEMPLATE})
    build = services.start_build(template.versions.get(), user, {})
    client = Client()
    client.force_login(user)
    port = free_port()
    server = start_server(tmp_path, port)
    try:
        wait_until_running(server)
        sock = open_websocket(port, f"/ws/builds/{build.pk}/log/", client.cookies["sessionid"].value)
        arrivals, final = [], None
        while (message := read_message(sock)) is not None:
            if message["type"] == "build.lines":
                arrivals.extend((line["seq"], line["text"], time.time()) for line in message["lines"])
            elif message["final"]:
                final = message
        sock.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)

    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED
    assert final["status"] == "succeeded" and final["last_seq"] == build.last_seq
    assert [seq for seq, _, _ in arrivals] == list(range(1, build.last_seq + 1))
    first_line = next(at for _, text, at in arrivals if text == "line 1")
    assert first_line < build.finished_at.timestamp()  # it came while the build still ran
