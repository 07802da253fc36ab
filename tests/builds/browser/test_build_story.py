"""Builds in a real browser, end to end on the embedded server: start a build, watch its log live, open its
artifacts; cancel a long build and see it clean up."""

import json
import re
from urllib.parse import urlparse

from playwright.sync_api import expect

BUILD_TIMEOUT_MS = 90_000  # a build on a busy machine


def ssh_source(sshd) -> str:
    arguments = "\n".join(f"  {name} = {json.dumps(value)}" for name, value in sshd.arguments().items())
    return f'source "null" "ssh" {{\n{arguments}\n}}\n'


def live_template(sshd) -> str:
    """A build over SSH that prints, pauses, prints more (in colour and to stderr), and keeps a manifest file."""
    return ssh_source(sshd) + """
build {
  sources = ["source.null.ssh"]

  provisioner "shell" {
    inline = ["echo first line", "sleep 4", "printf '\\u001b[32mgreen\\u001b[0m last line\\\\n'", "echo to-stderr >&2"]
  }

  post-processors {
    post-processor "manifest" {
      output = "manifest.json"
    }
    post-processor "artifice" {
      files = ["manifest.json"]
    }
  }
}
"""


def long_template(sshd) -> str:
    return ssh_source(sshd) + """
build {
  sources = ["source.null.ssh"]

  provisioner "shell" {
    inline = ["echo started", "sleep 300", "echo never"]
  }
}
"""


def log_texts(page) -> list[str]:
    return page.locator("#build-log .build-log-row[data-seq] .build-log-text").all_inner_texts()


def log_line(page, text: str):
    """The log row whose text is exactly `text`."""
    return page.locator("#build-log .build-log-row", has=page.locator(".build-log-text").get_by_text(text, exact=True))


def test_a_build_is_started_watched_live_and_its_artifacts_opened(page, import_template, sshd, screenshot):
    slug = import_template("Live build", {"main.pkr.hcl": live_template(sshd)})
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.goto(f"/templates/{slug}/")
    page.get_by_role("link", name="Variables", exact=True).click()
    page.get_by_role("button", name="Build", exact=True).click()
    page.wait_for_url(re.compile(r"/builds/\d+/$"))
    build_url = page.url

    status = page.locator("#build-summary [data-build-status]")
    # The first line arrives while the build is still running (it sleeps before the next).
    expect(log_line(page, "first line")).to_be_visible(timeout=BUILD_TIMEOUT_MS)
    expect(status).to_have_text("Running")
    assert "last line" not in " ".join(log_texts(page))
    expect(page.locator("#build-log-connection")).to_have_text("Live")
    screenshot(page, "running")
    # A dropped connection resumes after the last line the page holds.
    held = page.evaluate("document.getElementById('build-log').buildLog.store.contiguous")
    with page.expect_websocket() as reconnected:
        page.evaluate("document.getElementById('build-log').buildLog.connection.socket.close()")
    assert sockets[0].endswith("/log/?after=0")
    assert int(reconnected.value.url.rsplit("=", 1)[1]) >= held >= 1

    expect(status).to_have_text("Succeeded", timeout=BUILD_TIMEOUT_MS)
    expect(page.locator("#build-log-connection")).to_have_text(re.compile(r"^Complete: \d+ lines$"))
    texts = log_texts(page)
    assert texts.index("first line") < texts.index("green last line") < texts.index("to-stderr")
    stderr = log_line(page, "to-stderr")
    expect(stderr).to_have_class(re.compile(r"\bbuild-log-stderr\b"))
    expect(stderr.locator(".build-log-text")).to_have_css("color", "rgb(255, 138, 128)")
    green = log_line(page, "green last line").locator(".ansi-fg-2")
    expect(green).to_have_text("green")
    held = page.evaluate("document.getElementById('build-log').buildLog.store.seqs")
    assert held == list(range(1, len(held) + 1))
    assert page.locator("#build-log-connection").inner_text() == f"Complete: {len(held)} lines"
    # The timeline shows the steps that ran; the summary was re-fetched as the status changed.
    expect(page.locator("#build-summary .timeline-step", has_text="provisioner shell")).to_be_visible()
    screenshot(page, "succeeded")

    # The artifacts, from the build list.
    page.get_by_role("link", name="Builds", exact=True).first.click()
    row = page.locator("tr", has=page.locator(f'a[href="{urlparse(build_url).path}"]'))
    expect(row.locator(".status")).to_have_text("Succeeded")
    row.get_by_role("link", name=re.compile(r"\d+ artifacts?")).click()
    page.wait_for_url(re.compile(r"/builds/\d+/#artifacts$"))
    manifest = page.get_by_role("link", name="manifest.json")
    with page.expect_download() as download:
        manifest.click()
    saved = json.loads(download.value.path().read_text())
    assert saved["builds"][0]["name"] == "ssh" and saved["builds"][0]["builder_type"] == "null"

    # The whole log as text.
    raw = page.context.request.get(build_url + "log.txt").text()
    assert "==> null.ssh: to-stderr" in raw and "    null.ssh: first line" in raw


def test_a_long_build_is_cancelled_and_the_page_shows_its_cleanup(page, import_template, sshd, screenshot):
    slug = import_template("Long build", {"main.pkr.hcl": long_template(sshd)})
    page.goto(f"/templates/{slug}/versions/1/variables/")
    page.get_by_role("button", name="Build with defaults").click()
    page.wait_for_url(re.compile(r"/builds/\d+/$"))
    expect(log_line(page, "started")).to_be_visible(timeout=BUILD_TIMEOUT_MS)
    expect(page.locator("[data-build-status]")).to_have_text("Running")

    page.get_by_role("button", name="Cancel").click()
    page.wait_for_load_state()
    status = page.locator("#build-summary [data-build-status]")
    expect(status).to_have_text("Cancelled", timeout=BUILD_TIMEOUT_MS)
    expect(log_line(page, "Build was cancelled by admin. Cleaning up...")).to_be_visible()
    expect(page.locator("#build-log-connection")).to_have_text(re.compile(r"^Complete: \d+ lines$"))
    texts = log_texts(page)
    assert "never" not in texts
    assert texts.index("started") < texts.index("Build was cancelled by admin. Cleaning up...")
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.locator(".timeline-step", has_text="StepConnect (cleanup)")).to_be_visible()
    screenshot(page, "cancelled")
