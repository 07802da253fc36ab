"""Fixtures of the browser tests: one `imagehub serve` and one headless Chromium for the session.

The server runs in a subprocess on its embedded defaults (daphne, SQLite in a
temporary data directory); the tests sign in as its first administrator. One
browser context, signed in once, is shared by the tests; each test gets a new
page in it. Tests name their templates after themselves, so they do not meet.

Screenshots go to $IMAGEHUB_TEST_ARTIFACTS (default: a new temporary
directory, named at the end of the run); a failing test leaves one of its page.
"""

from __future__ import annotations

import io
import os
import re
import signal
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import find_free_port
from tests.fixtures.dashboard import PASSWORD_LINE, ServerProcess, wait_for_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Generous: the machine is shared with other test suites.
TIMEOUT_MS = 15_000

_artifact_directory: Path | None = None


@dataclass(frozen=True)
class Dashboard:
    """The server under test: where it answers, and its administrator's sign-in."""

    base_url: str
    username: str
    password: str


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory) -> Dashboard:
    port = find_free_port()
    server = ServerProcess(tmp_path_factory.mktemp("dashboard") / "data", port)
    try:
        password = server.wait_for(PASSWORD_LINE).group(1)
        wait_for_port(port)
        yield Dashboard(f"http://127.0.0.1:{port}", "admin", password)
    finally:
        if server.process.poll() is None:
            server.stop(signal.SIGTERM)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The directory the screenshots are saved in."""
    global _artifact_directory
    named = os.environ.get("IMAGEHUB_TEST_ARTIFACTS", "").strip()
    path = Path(named) if named else Path(tempfile.mkdtemp(prefix="imagehub-browser-"))
    path.mkdir(parents=True, exist_ok=True)
    _artifact_directory = path
    return path


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not CHROMIUM.exists():
        pytest.fail(f"The browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium "
                    "(bash .ci/run installs it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def signed_in(browser, dashboard) -> BrowserContext:
    """The session's browser context, signed in as the administrator."""
    context = browser.new_context(base_url=dashboard.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill(dashboard.username)
    page.get_by_label("Password").fill(dashboard.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{dashboard.base_url}/")
    page.close()
    yield context
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(signed_in, artifacts, request) -> Page:
    """A new page of the signed-in context; JavaScript errors on it fail the test."""
    page = signed_in.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    def console(message) -> None:
        # Answers such as fmt's 422 are part of the conversation, not errors of the page's code.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console: {message.text}")

    page.on("console", console)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            page.screenshot(path=artifacts / f"{request.node.name}-failed.png")
        except PlaywrightError as error:
            errors.append(f"(no screenshot of the failure: {error})")
    page.close()
    assert not errors, "JavaScript errors on the page:\n" + "\n".join(errors)


@pytest.fixture
def screenshot(artifacts, request):
    """Return a function saving a full-page screenshot of a page as <test>-<name>.png."""

    def save(page: Page, name: str) -> Path:
        path = artifacts / f"{request.node.name}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.fixture
def make_template(signed_in):
    """Return a function creating a template from `files` ({name: text}) through the import page."""

    def make(name: str, files: dict[str, str]) -> str:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            for file_name, text in files.items():
                bundle.writestr(file_name, text)
        token = next(cookie["value"] for cookie in signed_in.cookies() if cookie["name"] == "csrftoken")
        response = signed_in.request.post(
            "/templates/import/",
            headers={"X-CSRFToken": token},
            multipart={
                "name": name,
                "files": {"name": "template.zip", "mimeType": "application/zip", "buffer": archive.getvalue()},
            },
        )
        assert response.ok, response.text()
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        assert response.url.endswith(f"/templates/{slug}/"), response.url
        return slug

    return make


def pytest_terminal_summary(terminalreporter):
    if _artifact_directory is not None:
        terminalreporter.write_line(f"Browser screenshots: {_artifact_directory}")
