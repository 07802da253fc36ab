"""Tests of `imagehub serve`: its helpers in-process, and the real server in a subprocess."""

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from imagehub import initial_password, serve
from tests.fixtures.dashboard import (
    PASSWORD_LINE,
    READY_LINE,
    SETTINGS_VARIABLES,
    STARTUP_TIMEOUT,
    ServerProcess,
    wait_for_port,
)


@pytest.mark.parametrize("text", ["1", "8000", "65535"])
def test_port_number_accepts_tcp_ports(text):
    assert serve.port_number(text) == int(text)


@pytest.mark.parametrize("text", ["0", "65536", "-1", "http", ""])
def test_port_number_rejects_anything_else(text):
    with pytest.raises(argparse.ArgumentTypeError):
        serve.port_number(text)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("hub.example.com", False),
    ],
)
def test_is_loopback_recognises_addresses_of_this_machine_only(host, loopback):
    assert serve.is_loopback(host) is loopback


def test_display_url_brackets_ipv6_addresses():
    assert serve.display_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert serve.display_url("::1", 8080) == "http://[::1]:8080/"
    assert serve.display_url("[::1]", 8080) == "http://[::1]:8080/"


def test_listening_beyond_loopback_asks_for_allowed_hosts(monkeypatch, capsys):
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    serve.warn_about_allowed_hosts("0.0.0.0")
    assert "set ALLOWED_HOSTS" in capsys.readouterr().err


@pytest.mark.parametrize(("host", "allowed"), [("127.0.0.1", None), ("0.0.0.0", "hub.example.com")])
def test_no_allowed_hosts_note_when_not_needed(monkeypatch, capsys, host, allowed):
    if allowed is None:
        monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    else:
        monkeypatch.setenv("ALLOWED_HOSTS", allowed)
    serve.warn_about_allowed_hosts(host)
    assert capsys.readouterr().err == ""


@pytest.mark.django_db
def test_create_first_admin_creates_a_superuser_once():
    password = serve.create_first_admin()
    assert password is not None and len(password) == serve.PASSWORD_LENGTH
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    assert initial_password.is_marked(admin)
    assert serve.create_first_admin() is None
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_create_first_admin_leaves_an_existing_installation_alone():
    get_user_model().objects.create_user("ada", password="x" * 20)
    assert serve.create_first_admin() is None
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_create_first_admin_passwords_differ():
    first = serve.create_first_admin()
    get_user_model().objects.all().delete()
    assert serve.create_first_admin() != first


@pytest.fixture
def start_server():
    servers: list[ServerProcess] = []

    def start(data_dir: Path, port: int) -> ServerProcess:
        server = ServerProcess(data_dir, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()


def submit(opener, url: str, fields: dict[str, str]) -> tuple[str, str]:
    """Fill the form at `url` with `fields` and send it as a browser would; return the final URL and page."""
    with opener.open(url, timeout=10) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', form).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    with opener.open(url, data=body, timeout=10) as response:
        return response.url, response.read().decode()


def sign_in(base_url: str, username: str, password: str, opener=None) -> tuple[str, str]:
    """Sign in through the login form as a browser would; return the final URL and page."""
    opener = opener or urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    return submit(opener, base_url + "login/", {"username": username, "password": password, "next": "/"})


def test_serve_sets_up_signs_in_and_stops_cleanly(tmp_path, free_port, start_server):
    data_dir = tmp_path / "data"
    server = start_server(data_dir, free_port)
    password = server.wait_for(PASSWORD_LINE).group(1)
    base_url = server.wait_for(READY_LINE).group(1)
    assert base_url == f"http://127.0.0.1:{free_port}/"
    wait_for_port(free_port)

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    url, page = sign_in(base_url, "admin", password, opener)
    assert url == base_url + "account/password/"
    assert initial_password.MESSAGE in page
    new = "the administrator's own passphrase"
    url, page = submit(opener, url, {"old_password": password, "new_password1": new, "new_password2": new})
    assert url == base_url
    assert "Signed in as" in page and "admin" in page
    assert "Packer-compatible image build engine" in page
    url, page = sign_in(base_url, "admin", password)
    assert url == base_url + "login/"
    assert "Please enter a correct username and password" in page

    assert server.stop(signal.SIGTERM) == 0
    assert server.lines[-1] == "ImageHub stopped."
    assert (data_dir / "db.sqlite3").is_file()
    assert (data_dir / "secret_key").is_file()


def test_a_second_start_keeps_the_administrator(tmp_path, free_port, start_server):
    data_dir = tmp_path / "data"
    first = start_server(data_dir, free_port)
    password = first.wait_for(PASSWORD_LINE).group(1)
    first.wait_for(READY_LINE)
    assert first.stop(signal.SIGINT) == 0

    second = start_server(data_dir, free_port)
    base_url = second.wait_for(READY_LINE).group(1)
    url, _ = sign_in(base_url, "admin", password)
    assert url == base_url + "account/password/"
    assert second.stop(signal.SIGINT) == 0
    assert not any(PASSWORD_LINE.search(line) for line in second.lines)
    assert not any("migrations" in line for line in second.lines)
    with sqlite3.connect(data_dir / "db.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM auth_user").fetchone() == (1,)


def test_serve_explains_a_port_that_is_taken(tmp_path, free_port):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", free_port))
        squatter.listen()
        env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
        result = subprocess.run(
            [str(Path(sys.executable).with_name("imagehub")), "serve", "--port", str(free_port),
             "--data-dir", str(tmp_path / "data")],
            capture_output=True,
            text=True,
            env=env,
            timeout=STARTUP_TIMEOUT,
        )
    assert result.returncode == 1
    assert f"imagehub serve: cannot listen on 127.0.0.1 port {free_port}" in result.stderr
    assert "Address already in use" in result.stderr
