"""The catalog in a real browser, end to end: write a template, fix a typo the editor shows, save, compare, restore, launch."""

import re

from playwright.sync_api import expect

from tests.imagehub.browser.editing import (
    go_to,
    marked_lines,
    replace_text,
    text_of,
    wait_until_ready,
)

STORY = """\
variable "disk_size" {
  type        = number
  default     = 8
  description = "Disk size in GB."
  validation {
    condition     = var.disk_size >= 8
    error_message = "The disk must be at least 8 GB."
  }
}

source "null" "base" {
  communicator = "none"
}

build {
  sources = ["source.null.base"]
}
"""


def test_a_template_is_written_checked_saved_compared_restored_and_launched(page, screenshot):
    page.goto("/templates/new/")
    wait_until_ready(page)
    page.get_by_role("textbox", name="Name", exact=True).fill("Story")
    replace_text(page, STORY)
    status = page.locator(".editor-status")
    expect(status).to_have_text("Valid")

    # A typo on line 12: "communicator" loses an m.
    go_to(page, 12, 6)
    page.keyboard.press("Backspace")
    expect(status).to_have_text("1 error")
    assert marked_lines(page) == [12]
    problem = page.locator("#diagnostics .diagnostic-error")
    expect(problem).to_have_count(1)
    expect(problem).to_have_attribute("data-line", "12")
    expect(problem).to_contain_text('An argument named "comunicator" is not expected here.')
    expect(page.locator(".editor-tab-count")).to_have_text("1")
    page.locator(".cm-lintRange-error").hover()
    expect(page.locator(".cm-tooltip-lint")).to_contain_text("Unsupported argument")
    screenshot(page, "diagnostic")

    page.keyboard.type("m")
    expect(status).to_have_text("Valid")
    assert marked_lines(page) == []
    assert text_of(page) == STORY
    page.get_by_role("button", name="Create template").click()
    expect(page).to_have_url(re.compile(r"/templates/story/$"))
    expect(page.locator(".messages")).to_contain_text("Created Story with version 1.")
    screenshot(page, "created")

    # Version 2: a larger default, saved with Ctrl-S.
    page.goto("/templates/story/edit/")
    wait_until_ready(page)
    go_to(page, 3, 17)
    page.keyboard.press("Delete")
    page.keyboard.type("16")
    expect(page.locator(".editor-unsaved")).to_be_visible()
    page.keyboard.press("ControlOrMeta+s")
    expect(page).to_have_url(re.compile(r"/templates/story/$"))
    expect(page.locator(".messages")).to_contain_text("Saved version 2 (valid).")

    page.goto("/templates/story/history/")
    page.get_by_role("link", name="Changes").click()
    expect(page.locator("tr.diff-removed")).to_contain_text("default     = 8")
    expect(page.locator("tr.diff-added")).to_contain_text("default     = 16")
    expect(page.locator("tr.diff-added ins")).to_have_text("16")
    screenshot(page, "diff")

    page.goto("/templates/story/versions/1/")
    page.get_by_role("button", name="Restore this version").click()
    expect(page.locator(".messages")).to_contain_text("Restored version 1 as version 3.")

    page.goto("/templates/story/versions/3/variables/")
    size = page.get_by_label("disk_size")
    expect(size).to_have_value("8")
    size.fill("4")
    page.get_by_role("button", name="Check values").click()
    expect(page.locator(".field-invalid")).to_contain_text("The disk must be at least 8 GB.")
    screenshot(page, "variable-form")
