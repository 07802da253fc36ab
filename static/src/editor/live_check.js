// Validation as you type: the file set goes to the validate endpoint after a pause, one request at a time.
//
// The pause is CHECK_PAUSE_MS after the last change, or twice the server's
// last answer time when that is longer (up to MAX_CHECK_PAUSE_MS), so a slow
// server is not flooded. File sets over the form's live-check size are
// checked only when asked. Diagnostics are placed in the text that was sent
// and mapped through the changes made while the request was out.

import { setDiagnostics } from "@codemirror/lint";
import { ChangeSet } from "@codemirror/state";

import { editorDiagnostics, readFragment } from "./diagnostics.js";
import { fileName, plural } from "./dom.js";
import { csrfToken, post } from "./requests.js";

const CHECK_PAUSE_MS = 400;
const MAX_CHECK_PAUSE_MS = 4000;

export class LiveCheck {
  // `editor` is the TemplateEditor whose files are checked and whose status and tabs show the result.
  constructor(editor, { url, maxBytes }) {
    this.editor = editor;
    this.url = url;
    this.maxBytes = maxBytes;
    this.timer = null;
    this.running = null;
    this.again = false;
    this.pause = CHECK_PAUSE_MS;
  }

  // Check after the pause (or `delay` ms), unless the files are over the live-check size.
  schedule(delay = this.pause) {
    if (!this.url) {
      return;
    }
    clearTimeout(this.timer);
    const size = this.editor.checkedFiles().reduce((total, file) => total + file.view.state.doc.length, 0);
    if (size > this.maxBytes) {
      const limit = Math.round(this.maxBytes / 1024);
      this.editor.setStatus(`Over ${limit} KB: checked when you press “Check without saving”.`, "paused");
      return;
    }
    this.timer = setTimeout(() => this.run(), delay);
  }

  // Record a change of `file` made while its text is being checked.
  changed(file, changes) {
    if (file.changesSinceCheck) {
      file.changesSinceCheck = file.changesSinceCheck.compose(changes);
    }
  }

  // Check the files now; while a check is out, ask for another once it is back.
  async run() {
    clearTimeout(this.timer);
    if (this.running) {
      this.again = true;
      return;
    }
    const data = new FormData();
    for (const file of this.editor.files) {
      file.checkedDoc = null;
      file.changesSinceCheck = null;
    }
    for (const file of this.editor.checkedFiles()) {
      const doc = file.view.state.doc;
      data.append("file_name", fileName(file));
      data.append("file_content", doc.toString());
      file.checkedDoc = doc;
      file.changesSinceCheck = ChangeSet.empty(doc.length);
    }
    this.running = new AbortController();
    const started = performance.now();
    this.editor.setStatus("Checking…", "busy");
    try {
      const response = await post(this.url, data, {
        token: csrfToken(this.editor.form),
        htmx: true,
        signal: this.running.signal,
      });
      this.show(readFragment(await response.text()));
    } catch (error) {
      if (error.name !== "AbortError") {
        this.editor.setStatus(`Not checked: ${error.message}`, "failed");
      }
    } finally {
      this.running = null;
      const took = performance.now() - started;
      this.pause = Math.min(MAX_CHECK_PAUSE_MS, Math.max(CHECK_PAUSE_MS, 2 * took));
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  show({ element: list, data }) {
    document.getElementById(this.editor.diagnosticsId)?.replaceWith(list);
    for (const file of this.editor.files) {
      const marks = file.checkedDoc
        ? editorDiagnostics(data.diagnostics, fileName(file), file.checkedDoc, file.changesSinceCheck)
        : [];
      file.checkedDoc = null;
      file.changesSinceCheck = null;
      file.view.dispatch(setDiagnostics(file.view.state, marks));
      file.counts = {
        error: marks.filter((mark) => mark.severity === "error").length,
        warning: marks.filter((mark) => mark.severity === "warning").length,
      };
      this.editor.updateTab(file);
    }
    const warnings = data.warning_count ? plural(data.warning_count, "warning") : "";
    if (data.error_count) {
      this.editor.setStatus([plural(data.error_count, "error"), warnings].filter(Boolean).join(", "), "invalid");
    } else {
      this.editor.setStatus(warnings ? `Valid, ${warnings}` : "Valid", "valid");
    }
  }
}
