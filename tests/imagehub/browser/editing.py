"""What the browser tests do in the template editor: find it, replace its text, move in it, read it."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

ACTIVE_EDITOR = ".editor-view:visible .cm-content"


def editor(page: Page) -> Locator:
    """Return the text area of the editor of the open file tab."""
    return page.locator(ACTIVE_EDITOR)


def wait_until_ready(page: Page) -> None:
    """Return once the editor has replaced the form's text areas."""
    page.locator("form.editor-enhanced").wait_for()


def replace_text(page: Page, text: str) -> None:
    """Select everything in the open file and put `text` in its place, as a paste would."""
    editor(page).click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(text)


def go_to(page: Page, line: int, column: int = 1) -> None:
    """Put the cursor at `line`:`column` (1-based) with the keyboard."""
    editor(page).click()
    page.keyboard.press("ControlOrMeta+Home")
    for _ in range(line - 1):
        page.keyboard.press("ArrowDown")
    for _ in range(column - 1):
        page.keyboard.press("ArrowRight")


def text_of(page: Page) -> str:
    """Return the text of the open file, as the editor holds it."""
    return page.evaluate(
        "() => document.querySelector('form[data-editor-form]').templateEditor.active.view.state.doc.toString()"
    )


def marked_lines(page: Page, severity: str = "error") -> list[int]:
    """Return the line numbers (1-based) of the open file whose text carries a `severity` mark."""
    return page.evaluate(
        """(severity) => {
            const view = document.querySelector('form[data-editor-form]').templateEditor.active.view;
            const marks = view.contentDOM.querySelectorAll('.cm-lintRange-' + severity);
            const lines = [...marks].map((mark) => view.state.doc.lineAt(view.posAtDOM(mark)).number);
            return [...new Set(lines)].sort((a, b) => a - b);
        }""",
        severity,
    )
