"""The API tokens page in a real browser: reached from the user menu, a new token is shown once and answers the
JSON API from outside the browser, and deleting it (in place, with htmx) makes the API refuse it."""

import json
import urllib.error
import urllib.request

from playwright.sync_api import expect


def _api_status(base_url: str, token: str) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/templates/", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_token_made_on_the_page_works_once_shown_and_stops_when_deleted(page, dashboard, screenshot):
    page.goto("/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    page.get_by_label("Name").fill("browser-ci")
    page.get_by_label("Scope").select_option("viewer")
    page.get_by_role("button", name="Create token").click()
    shown = page.locator("#new-token")
    expect(shown).to_contain_text("ihp_")
    token = shown.inner_text().strip()
    screenshot(page, "api-token-created")
    assert _api_status(dashboard.base_url, token) == 200

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="browser-ci")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("The token is deleted")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="browser-ci")).to_have_count(0)
    assert _api_status(dashboard.base_url, token) == 401
