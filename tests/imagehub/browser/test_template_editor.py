"""The template editor (static/src/editor/) in a real browser: highlighting, tabs, checks, format, save, limits."""

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from imagehub import analysis
from tests.imagehub.browser.editing import (
    editor,
    go_to,
    marked_lines,
    replace_text,
    text_of,
    wait_until_ready,
)

TEN_SOURCES = Path(__file__).parents[2] / "bench" / "fixtures" / "ten_sources" / "ten_sources.pkr.hcl"

MAIN = """\
source "null" "base" {
  communicator = "none"
}

build {
  sources = ["source.null.base"]
}
"""

VARIABLES = """\
variable "size" {
  type    = number
  default = 8
}
"""


def classes_of(page, text: str) -> str:
    """Return the classes of the innermost highlighted span holding exactly `text` in the open editor."""
    return page.evaluate(
        """(text) => {
            const spans = [...document.querySelectorAll('.editor-view:not([hidden]) .cm-line span')];
            const found = spans.find((span) => span.textContent === text);
            return found ? found.className : '';
        }""",
        text,
    )


def test_hcl_is_highlighted_by_kind_of_token(page, make_template):
    make_template("Highlighting", {"main.pkr.hcl": MAIN})
    page.goto("/templates/highlighting/edit/")
    wait_until_ready(page)
    replace_text(page, """\
# a comment
locals {
  name    = "web-${var.id}"
  count   = 3
  enabled = true
  script  = <<-EOF
    echo ${local.name}
  EOF
}
source "null" "base" {
  communicator = upper("none") // trailing
}
""")
    expected = {
        "# a comment": "hcl-comment",
        "locals": "hcl-keyword",
        "source": "hcl-keyword",
        '"null"': "hcl-label",
        "communicator": "hcl-attribute",
        "${": "hcl-interpolation",
        "3": "hcl-number",
        "true": "hcl-atom",
        "<<-EOF": "hcl-heredoc",
        "upper": "hcl-function",
        "// trailing": "hcl-comment",
    }
    assert {text: classes_of(page, text) for text in expected} == expected
    assert "hcl-string" in classes_of(page, '"web-')


def test_brackets_match_and_search_finds_text(page, make_template):
    make_template("Brackets", {"main.pkr.hcl": MAIN})
    page.goto("/templates/brackets/edit/")
    wait_until_ready(page)
    go_to(page, 1, 23)  # just after the opening brace of the source block
    expect(page.locator(".cm-matchingBracket")).to_have_count(2)

    page.keyboard.press("ControlOrMeta+f")
    search = page.locator(".cm-search input[name=search]")
    expect(search).to_be_focused()
    search.press_sequentially("sources")
    search.press("Enter")
    assert page.evaluate(
        """() => {
            const view = document.querySelector('form[data-editor-form]').templateEditor.active.view;
            const range = view.state.selection.main;
            return [view.state.doc.lineAt(range.from).number, view.state.sliceDoc(range.from, range.to)];
        }"""
    ) == [6, "sources"]


def test_each_file_is_a_tab_and_a_problem_in_the_list_opens_its_file(page, make_template, screenshot):
    make_template("Tabs", {"main.pkr.hcl": MAIN, "variables.pkr.hcl": VARIABLES})
    page.goto("/templates/tabs/edit/")
    wait_until_ready(page)
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_text(["main.pkr.hcl", "variables.pkr.hcl", "New file"])
    expect(page.locator(".editor-status")).to_have_text("Valid")

    tabs.nth(1).click()
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    go_to(page, 3, 14)
    page.keyboard.type(" x")  # default = 8 x
    expect(page.locator(".editor-tab-count")).to_have_text(["", "1", ""])
    expect(tabs.nth(1).locator(".editor-tab-count")).to_be_visible()
    expect(tabs.nth(0).locator(".editor-tab-count")).to_be_hidden()
    assert marked_lines(page) == [3]
    screenshot(page, "tabs")

    tabs.nth(0).click()
    page.locator("#diagnostics [data-file='variables.pkr.hcl']").first.click()
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    assert page.evaluate(
        """() => {
            const view = document.querySelector('form[data-editor-form]').templateEditor.active.view;
            return view.state.doc.lineAt(view.state.selection.main.head).number;
        }"""
    ) == 3


def test_a_new_file_is_named_in_its_tab_and_saved_with_the_others(page, make_template):
    make_template("New File", {"main.pkr.hcl": MAIN})
    page.goto("/templates/new-file/edit/")
    wait_until_ready(page)
    page.get_by_role("tab", name="New file").click()
    page.get_by_label("File name").fill("variables.pkr.hcl")
    expect(page.get_by_role("tab", name="variables.pkr.hcl")).to_be_visible()
    replace_text(page, VARIABLES)
    expect(page.locator(".editor-status")).to_have_text("Valid")
    page.get_by_role("button", name="Save version").click()
    expect(page.locator(".messages")).to_contain_text("Saved version 2 (valid).")
    expect(page.locator("#file-variables\\.pkr\\.hcl")).to_contain_text('variable "size"')


def test_checks_wait_for_a_pause_in_typing(page, make_template):
    make_template("Pauses", {"main.pkr.hcl": MAIN})
    page.goto("/templates/pauses/edit/")
    wait_until_ready(page)
    expect(page.locator(".editor-status")).to_have_text("Valid")
    checks = []
    page.on("request", lambda request: checks.append(request) if request.url.endswith("/templates/validate/") else None)
    go_to(page, 8, 1)
    page.keyboard.type("# twenty-five characters.", delay=60)
    assert checks == []
    for _ in range(50):
        if checks:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(1500)
    assert len(checks) == 1
    assert checks[0].headers["x-csrftoken"]
    assert "# twenty-five characters." in checks[0].post_data


def test_format_shows_the_change_and_leaves_saving_to_the_user(page, make_template, screenshot):
    make_template("Format", {"main.pkr.hcl": MAIN})
    page.goto("/templates/format/edit/")
    wait_until_ready(page)
    untidy = MAIN.replace('communicator = "none"', 'communicator = "none"\n  pause_before="1s"')
    replace_text(page, untidy)
    page.get_by_role("button", name="Format").click()
    notice = page.locator(".editor-notice")
    expect(notice).to_contain_text("Formatted main.pkr.hcl: 1 line changed, highlighted below. Not saved yet")
    assert text_of(page) == MAIN.replace('communicator = "none"', 'communicator = "none"\n  pause_before = "1s"')
    expect(page.locator(".cm-formatted-line")).to_have_count(1)
    expect(page.locator(".editor-unsaved")).to_be_visible()
    screenshot(page, "formatted")

    notice.get_by_role("button", name="Undo the formatting").click()
    assert text_of(page) == untidy
    expect(notice).to_be_hidden()
    page.get_by_role("button", name="Format").click()
    expect(notice).to_contain_text("Formatted main.pkr.hcl")
    page.goto("/templates/format/history/")
    expect(page.locator(".version-table tbody tr")).to_have_count(1)


def test_format_of_many_scattered_changes_gives_exactly_fmts_text(page, make_template):
    tidy = TEN_SOURCES.read_text()
    messy = re.sub(r" +=", " =", tidy).replace("{\n", "{   \n")
    assert messy != tidy
    make_template("Format Many", {"main.pkr.hcl": messy})
    page.goto("/templates/format-many/edit/")
    wait_until_ready(page)
    page.get_by_role("button", name="Format").click()
    expect(page.locator(".editor-notice")).to_contain_text("Formatted main.pkr.hcl")
    assert text_of(page) == analysis.format_file("main.pkr.hcl", messy).text == tidy


def test_format_of_text_that_does_not_parse_says_why(page, make_template):
    make_template("Format Broken", {"main.pkr.hcl": MAIN})
    page.goto("/templates/format-broken/edit/")
    wait_until_ready(page)
    replace_text(page, "a = \n")
    page.get_by_role("button", name="Format").click()
    expect(page.locator(".editor-notice")).to_have_text(re.compile("main.pkr.hcl has syntax errors; fix them to format it."))
    assert text_of(page) == "a = \n"


def test_leaving_with_unsaved_changes_asks_first(page, make_template):
    make_template("Leaving", {"main.pkr.hcl": MAIN})
    page.goto("/templates/leaving/edit/")
    wait_until_ready(page)
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    # Unchanged: leaving asks nothing.
    page.get_by_role("link", name="Overview").click()
    expect(page).to_have_url(re.compile(r"/templates/leaving/$"))
    page.go_back()
    wait_until_ready(page)
    go_to(page, 2, 1)
    page.keyboard.type("# changed\n")
    page.get_by_role("link", name="Overview").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(re.compile(r"/templates/leaving/edit/$"))


def test_large_files_and_long_lines_stay_responsive_and_are_checked_on_request(page, make_template):
    long_line = '  description = "' + "x" * 200_000 + '"\n'
    body = "".join(f'  tags_{n} = "{n}"\n' for n in range(20_000))
    big = 'locals {\n' + long_line + body + '}\n'
    make_template("Large", {"main.pkr.hcl": MAIN, "large.pkr.hcl": big})
    checks = []
    page.on("request", lambda request: checks.append(request) if request.url.endswith("/templates/validate/") else None)
    started = time.monotonic()
    page.goto("/templates/large/edit/")
    wait_until_ready(page)
    expect(page.locator(".editor-status")).to_contain_text("Over 128 KB: checked when you press")
    page.get_by_role("tab", name="large.pkr.hcl").click()
    go_to(page, 2, 1)
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("y")
    expect(editor(page).locator(".cm-line").first).to_be_visible()
    assert text_of(page).startswith('locals {\n' + long_line[:-2] + 'y"\n')
    # Rendering is virtual: a few screens of lines are in the page, not 20,000.
    assert editor(page).locator(".cm-line").count() < 200
    assert time.monotonic() - started < 15
    page.wait_for_timeout(600)
    assert checks == []
    page.get_by_role("button", name="Check without saving").click()
    expect(page.locator(".editor-status")).to_have_text("Valid")
    assert len(checks) == 1


def test_without_javascript_the_plain_form_edits_and_saves(browser, dashboard, make_template):
    make_template("No Script", {"main.pkr.hcl": MAIN})
    context = browser.new_context(base_url=dashboard.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.get_by_label("Username").fill(dashboard.username)
        page.get_by_label("Password").fill(dashboard.password)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/templates/no-script/edit/")
        expect(page.locator(".cm-editor")).to_have_count(0)
        text = page.get_by_label("Text of main.pkr.hcl")
        expect(text).to_be_visible()
        text.fill(MAIN.replace("build {", "# Saved without JavaScript.\nbuild {"))
        page.get_by_role("button", name="Save version").click()
        expect(page.locator(".messages")).to_contain_text("Saved version 2 (valid).")
        expect(page.locator("#file-main\\.pkr\\.hcl")).to_contain_text("# Saved without JavaScript.")
    finally:
        context.close()


def test_a_save_over_the_catalogs_size_limit_is_not_sent_and_the_text_stays(page, make_template):
    padding = "# padding to the size limit\n" * (1024 * 1024 // 28 - 40)
    make_template("Near Limit", {"main.pkr.hcl": MAIN + padding, "more.pkr.hcl": padding})
    saves = []
    page.on("request", lambda request: saves.append(request) if request.method == "POST" else None)
    page.goto("/templates/near-limit/edit/")
    wait_until_ready(page)
    page.get_by_role("tab", name="more.pkr.hcl").click()
    go_to(page, 1, 1)
    page.keyboard.insert_text("# " + "over the limit " * 4500 + "\n")  # one line: a paste of many is slow
    page.get_by_role("button", name="Save version").click()
    expect(page.locator(".editor-notice")).to_contain_text(
        re.compile(r"The files come to 2\.\d MB; a template may be at most 2\.0 MB\. Nothing was saved; "
                   r"your text is still here\.")
    )
    expect(page).to_have_url(re.compile(r"/templates/near-limit/edit/$"))
    assert not [request for request in saves if request.url.endswith("/templates/near-limit/edit/")]
    assert text_of(page).startswith("# " + "over the limit " * 4500 + "\n# padding")
