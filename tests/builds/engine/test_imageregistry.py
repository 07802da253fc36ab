"""Tests of the engine's image registry: the ImageHub server over HTTP, none configured, and the installed one."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from builds.engine import imageregistry
from builds.engine.imageregistry import HttpRegistry, NoRegistry, RegistryRefusal


@pytest.fixture
def server():
    """A loopback HTTP server answering each path with the (status, body) set in `answers`, recording requests."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            requests.append((self.path, self.headers.get("Authorization")))
            status, body = answers.get(self.path.split("?")[0], (404, {"error": "no such thing"}))
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            return None

    answers: dict = {}
    requests: list = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.answers, httpd.requests = answers, requests
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


CHANNEL_PATH = "/api/v1/templates/golden%20base/channels/production/image"


def test_a_channel_image_is_read_with_the_token(server):
    server.answers[CHANNEL_PATH] = (200, {"id": "ami-1", "region": "us-east-1"})

    image = HttpRegistry(server.url, "ihp_secret").channel_image("golden base", "production", "us-east-1")

    assert image == {"id": "ami-1", "region": "us-east-1"}
    assert server.requests == [(CHANNEL_PATH + "?region=us-east-1", "Bearer ihp_secret")]


def test_the_servers_refusal_is_the_message(server):
    server.answers[CHANNEL_PATH] = (409, {"error": "The image ami-1 is revoked: CVE-1."})

    with pytest.raises(RegistryRefusal, match="^The image ami-1 is revoked: CVE-1.$"):
        HttpRegistry(server.url, "t").channel_image("golden base", "production", "")


@pytest.mark.parametrize("status, body, token, message", [
    (401, {"error": "x"}, "", "did not accept the token in IMAGEHUB_TOKEN \\(it is not set\\); create one with "
                             "imagehub manage api_token"),
    (403, {"error": "Your account may not read images."}, "t", "^Your account may not read images.$"),
    (502, "<html>bad gateway</html>", "t", "answered HTTP 502"),
    (200, "<html>a login page</html>", "t", "answered .* with something other than JSON; is IMAGEHUB_URL"),
])
def test_answers_that_are_not_images_are_explained(server, status, body, token, message):
    server.answers[CHANNEL_PATH] = (status, body)

    with pytest.raises(RegistryRefusal, match=message):
        HttpRegistry(server.url, token).channel_image("golden base", "production", "")


def test_a_source_image_check_passes_or_is_refused(server):
    registry = HttpRegistry(server.url, "t")
    server.answers["/api/v1/images/check"] = (200, {})
    registry.check_source("ami-1", "us-east-1")
    assert server.requests[-1][0] == "/api/v1/images/check?id=ami-1&region=us-east-1"

    server.answers["/api/v1/images/check"] = (409, {"error": "The source image ami-1 is revoked."})
    with pytest.raises(RegistryRefusal, match="The source image ami-1 is revoked."):
        registry.check_source("ami-1", "us-east-1")


def test_an_unreachable_server_is_named(free_port):
    with pytest.raises(RegistryRefusal, match=f"ImageHub at http://127.0.0.1:{free_port} \\(IMAGEHUB_URL\\) could "
                                              "not be reached"):
        HttpRegistry(f"http://127.0.0.1:{free_port}", "t", timeout=5).check_source("ami-1", "")


def test_the_environment_chooses_the_server_or_none():
    configured = imageregistry.from_environment({"IMAGEHUB_URL": " https://hub.example/ ", "IMAGEHUB_TOKEN": "t"})
    assert isinstance(configured, HttpRegistry) and configured.url == "https://hub.example"
    assert isinstance(imageregistry.from_environment({}), NoRegistry)


def test_without_a_server_channels_cannot_be_read_and_every_source_image_may_be_used():
    NoRegistry().check_source("ami-1", "us-east-1")
    with pytest.raises(RegistryRefusal, match='channel "production" of template "base" needs an ImageHub server: '
                                              "set IMAGEHUB_URL"):
        NoRegistry().channel_image("base", "production", "")


def test_an_installed_registry_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("IMAGEHUB_URL", "http://127.0.0.1:9")
    installed = NoRegistry()
    imageregistry.install(installed)
    try:
        assert imageregistry.current() is installed
    finally:
        imageregistry.install(None)
    assert isinstance(imageregistry.current(), HttpRegistry)
