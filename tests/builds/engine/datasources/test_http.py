"""Packer's own `http` data source against an HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import io
import os
import threading
from pathlib import Path

import pytest

from builds.engine.cancel import CancelToken
from builds.engine.cli import main
from builds.engine.datasources.http.datasource import HttpDataSource
from builds.engine.plugins import PluginContext


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        if self.path == "/missing":
            self.send_error(404)
            return
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/text")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length).decode() if length else ""
        text = f"{self.command} {self.path} {sent} {self.headers.get('X-Asked', '')}".strip()
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("x-tag", "one")
        self.send_header("X-Tag", "two")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, *args) -> None:
        return


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _execute(**arguments):
    plugin = HttpDataSource(arguments, PluginContext(build_name="", build_type="http"))
    assert plugin.prepare() == []
    return plugin.execute(CancelToken())


def test_a_get_gives_the_body_url_and_headers_joined_as_packer_joins_them(server):
    output = _execute(url=f"{server}/text")

    assert output["url"] == f"{server}/text"
    assert output["body"] == "GET /text"
    assert output["request_headers"]["X-Tag"] == "one, two"
    assert output["request_headers"]["Content-Type"] == "text/plain; charset=utf-8"


def test_method_headers_and_body_are_sent_and_redirects_followed(server):
    assert _execute(url=f"{server}/echo", method="POST", request_body="payload",
                    request_headers={"X-Asked": "please"})["body"] == "POST /echo payload please"
    assert _execute(url=f"{server}/moved")["body"] == "GET /text"


def test_an_answer_outside_2xx_is_an_error_with_its_status(server):
    plugin = HttpDataSource({"url": f"{server}/missing"}, PluginContext(build_name="", build_type="http"))
    plugin.prepare()

    with pytest.raises(RuntimeError, match=r"^HTTP request error\. Response code: 404$"):
        plugin.execute(CancelToken())


def test_a_refused_connection_is_an_error_that_says_so():
    plugin = HttpDataSource({"url": "http://127.0.0.1:1/"}, PluginContext(build_name="", build_type="http"))
    plugin.prepare()

    with pytest.raises(RuntimeError, match=r'^GET "http://127\.0\.0\.1:1/": Connection refused$'):
        plugin.execute(CancelToken())


def test_no_url_and_an_unknown_method_are_configuration_problems():
    plugin = HttpDataSource({"url": "", "method": "NONEEXISTING"}, PluginContext(build_name="", build_type="http"))

    assert plugin.prepare() == ["the `url` must be specified",
                                "the `method` must be one of [HEAD GET POST PUT DELETE OPTIONS PATCH]"]


TEMPLATE = """
source "null" "example" {
  communicator = "none"
}

data "http" "basic" {
  url = "URL"
}

locals {
  body = data.http.basic.body
}

build {
  sources = ["source.null.example"]

  provisioner "shell-local" {
    inline = ["echo got ${local.body} > got.txt"]
  }
}
"""


def _build(tmp_path: Path, url: str) -> tuple[int, str]:
    (tmp_path / "t.pkr.hcl").write_text(TEMPLATE.replace("URL", url))
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["build", "-color=false", "t.pkr.hcl"], out, out)
    finally:
        os.chdir(cwd)
    return code, " ".join(out.getvalue().split())


def test_a_build_uses_the_body_and_a_failing_request_stops_it_with_the_data_sources_position(server, tmp_path):
    assert _build(tmp_path, f"{server}/text")[0] == 0
    assert (tmp_path / "got.txt").read_text() == "got GET /text\n"

    code, shown = _build(tmp_path, f"{server}/missing")
    assert code == 1
    assert 'Error: Data source failed on t.pkr.hcl line 6, in data "http" "basic"' in shown
    assert "data.http.basic: HTTP request error. Response code: 404" in shown
