"""The webhooks pages in a real browser, end to end on the embedded server: an administrator creates a webhook to a
receiver on loopback, sends it a test ping through the server's worker, follows the delivery in the log and
expands it; a new secret and deleting the webhook each ask to be confirmed first."""

import json
import re

from playwright.sync_api import expect

from tests.imagehub.webhooks.conftest import receiver  # noqa: F401 (a fixture: the loopback receiver)

DELIVERY_TIMEOUT_MS = 30_000  # the worker's poll and one POST, on a busy machine


def test_a_webhook_is_pinged_its_delivery_followed_live_and_it_is_deleted_after_a_confirmation(page, receiver, screenshot):  # noqa: F811
    receiver.statuses = [202]
    page.goto("/webhooks/")
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("Name").fill("Loopback receiver")
    page.get_by_label("Target URL").fill(receiver.url)
    # One event no other browser test causes: the log then holds only the ping.
    page.get_by_label("image.revoked").check()
    page.get_by_role("button", name="Create webhook").click()
    page.wait_for_url(re.compile(r"/webhooks/\d+/$"))
    expect(page.locator("h1")).to_have_text("Loopback receiver")
    expect(page.locator(".facts")).to_contain_text(receiver.url)
    expect(page.locator("#webhook-deliveries")).to_contain_text("No deliveries yet.")

    page.get_by_role("button", name="Send test ping").click()
    expect(page.get_by_text("A ping is on its way")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    rows = page.locator("#webhook-deliveries tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("td").first).to_have_text("ping")
    # The page follows the delivery until the worker has made its attempt.
    expect(row).to_have_attribute("data-status", "delivered", timeout=DELIVERY_TIMEOUT_MS)
    expect(row.locator(".status")).to_have_text("Delivered")
    expect(row.locator("td").nth(3)).to_have_text("202")
    expect(row.locator("td").nth(4)).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True

    delivery_id = row.get_attribute("id").removeprefix("delivery-")
    (sent,) = receiver.requests
    assert sent["path"] == "/hook?source=imagehub"
    assert sent["headers"]["X-ImageHub-Event"] == "ping" and sent["headers"]["X-ImageHub-Delivery"] == delivery_id
    assert json.loads(sent["body"])["ping"]["webhook"]["name"] == "Loopback receiver"

    # Expanding the delivery fetches its attempt: the request's headers and the receiver's answer.
    row.locator("summary").click()
    record = row.locator(f"#delivery-record-{delivery_id}")
    expect(record).to_be_visible()
    expect(record.locator(".status")).to_have_text("Delivered")
    expect(record).to_contain_text("after 1 attempt.")
    expect(record).to_contain_text(f"X-ImageHub-Delivery: {delivery_id}")
    expect(record).to_contain_text("X-ImageHub-Signature: ")
    expect(record.locator("pre.webhook-code").last).to_contain_text("HTTP 202")
    expect(record.locator("pre.webhook-code").last).to_contain_text("answer 1")
    screenshot(page, "delivered")

    # A new secret and deleting ask first; the secret is replaced, then the webhook and its log taken away.
    asked: list[str] = []
    old_secret = page.locator("#webhook-secret code").text_content()
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="New secret").click()
    expect(page.get_by_text('Webhook "Loopback receiver" has a new secret')).to_be_visible()
    assert page.locator("#webhook-secret code").text_content() not in ("", old_secret)
    assert asked == ["Make a new secret? The receiver must be given it: signatures with the old one stop at once."]
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url("**/webhooks/")
    expect(page.get_by_text('Webhook "Loopback receiver" and its delivery log were deleted.')).to_be_visible()
    assert asked[1:] == ["Delete this webhook and its delivery log?"]
    expect(page.get_by_role("link", name="Loopback receiver")).to_have_count(0)
