// The catalog's file form, enhanced: one CodeMirror editor per file in tabs, checked as you type.
//
// The page's form stays what is submitted (and what works without
// JavaScript); the editors mirror their text into its text areas. The form
// is marked up as follows:
//
//   form[data-editor-form]          data-validate-url, data-fmt-url, data-live-check-bytes
//                                   (larger file sets are checked only on request),
//                                   data-diagnostics (id of the problem list, default "diagnostics"),
//                                   data-editor-unsaved when the page shows text not yet saved,
//                                   data-max-file-bytes, data-max-total-bytes (the catalog's limits:
//                                   a larger file set is not sent, so its text stays in the page)
//     [data-editor-files]           where the tabs go
//       [data-editor-file]          one per file: a panel, shown as a tab
//         input[data-file-name]     the file's name (hidden, or a text field for a new file)
//         textarea[data-file-content]
//         input[data-file-remove]   optional: leave the file out of the next version
//     button[data-editor-check]     optional: check now (shown by the editor if hidden)
//     button[data-editor-save]      optional: the submit button Ctrl-S presses
//
// Elements marked [data-editor-only] anywhere on the page are shown once the editor runs.

import { undo } from "@codemirror/commands";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

import { element, fileName, formatSize, plural } from "./dom.js";
import { fileEditorExtensions } from "./extensions.js";
import { formatFile } from "./formatting.js";
import { LiveCheck } from "./live_check.js";
import { offsetAt } from "./positions.js";

const MIRROR_PAUSE_MS = 300;
const UNSAVED_PAUSE_MS = 250;
const DEFAULT_LIVE_CHECK_BYTES = 256 * 1024;

export class TemplateEditor {
  constructor(form) {
    this.form = form;
    this.fmtUrl = form.dataset.fmtUrl;
    this.liveCheck = new LiveCheck(this, {
      url: form.dataset.validateUrl,
      maxBytes: Number(form.dataset.liveCheckBytes) || DEFAULT_LIVE_CHECK_BYTES,
    });
    this.diagnosticsId = form.dataset.diagnostics || "diagnostics";
    this.unsavedAtLoad = form.hasAttribute("data-editor-unsaved");
    this.submitting = false;
    this.mirrorTimer = null;
    this.unsavedTimer = null;
    this.noticeFile = null;

    const container = form.querySelector("[data-editor-files]");
    this.buildToolbar(container);
    this.files = [...container.querySelectorAll("[data-editor-file]")].map((panel, index) =>
      this.addFile(panel, index),
    );
    this.activate(this.files[0], false);
    form.classList.add("editor-enhanced");
    for (const node of document.querySelectorAll("[data-editor-only]")) {
      node.hidden = false;
    }
    for (const button of form.querySelectorAll("[data-editor-check]")) {
      button.hidden = false;
    }
    this.listen();
    this.updateUnsaved();
    this.liveCheck.schedule(0);
  }

  buildToolbar(container) {
    const toolbar = element("div", "editor-toolbar");
    this.tabList = element("div", "editor-tabs");
    this.tabList.setAttribute("role", "tablist");
    this.tabList.setAttribute("aria-label", "Files");
    const actions = element("div", "editor-actions");
    this.unsavedBadge = element("span", "badge badge-warning editor-unsaved", "Unsaved changes");
    this.unsavedBadge.hidden = true;
    this.status = element("span", "editor-status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.formatButton = element("button", "button button-secondary button-small", "Format");
    this.formatButton.type = "button";
    this.formatButton.title = "Format the open file as packer fmt does (not saved until you save)";
    this.formatButton.hidden = !this.fmtUrl;
    actions.append(this.unsavedBadge, this.status, this.formatButton);
    toolbar.append(this.tabList, actions);
    this.noticeBox = element("div", "editor-notice");
    this.noticeBox.setAttribute("role", "status");
    this.noticeBox.hidden = true;
    container.before(toolbar, this.noticeBox);
  }

  addFile(panel, index) {
    const file = {
      panel,
      nameInput: panel.querySelector("[data-file-name]"),
      textarea: panel.querySelector("textarea[data-file-content]"),
      removeBox: panel.querySelector("[data-file-remove]"),
      mirrored: true,
      checkedDoc: null,
      changesSinceCheck: null,
      counts: { error: 0, warning: 0 },
    };
    panel.id ||= `editor-file-${index + 1}`;
    panel.setAttribute("role", "tabpanel");
    const host = element("div", "editor-view");
    file.textarea.after(host);
    file.textarea.hidden = true;
    const label =
      file.textarea.getAttribute("aria-label") || file.textarea.labels[0]?.textContent.trim() || "Template text";
    file.view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: file.textarea.value,
        extensions: fileEditorExtensions({
          label,
          onSave: () => this.save(),
          onChange: (update) => this.changed(file, update),
        }),
      }),
    });
    file.initialDoc = file.view.state.doc;

    file.tab = element("button", "editor-tab");
    file.tab.type = "button";
    file.tab.id = `${panel.id}-tab`;
    file.tab.setAttribute("role", "tab");
    file.tab.setAttribute("aria-controls", panel.id);
    panel.setAttribute("aria-labelledby", file.tab.id);
    file.tabName = element("span", "editor-tab-name");
    file.tabCount = element("span", "editor-tab-count");
    file.tab.append(file.tabName, file.tabCount);
    file.tab.addEventListener("click", () => this.activate(file, true));
    this.tabList.append(file.tab);
    this.updateTab(file);

    file.nameInput?.addEventListener("input", () => {
      this.updateTab(file);
      this.liveCheck.schedule();
      this.updateUnsavedSoon();
    });
    file.removeBox?.addEventListener("change", () => {
      this.updateTab(file);
      this.liveCheck.schedule();
      this.updateUnsaved();
    });
    return file;
  }

  updateTab(file) {
    file.tabName.textContent = fileName(file) || "New file";
    file.tab.classList.toggle("editor-tab-removed", Boolean(file.removeBox?.checked));
    const { error, warning } = file.counts;
    file.tabCount.hidden = !(error || warning);
    file.tabCount.textContent = error || warning ? String(error || warning) : "";
    file.tabCount.className = `editor-tab-count ${error ? "editor-tab-errors" : "editor-tab-warnings"}`;
    file.tabCount.title = error ? plural(error, "error") : plural(warning, "warning");
  }

  activate(file, focus) {
    for (const other of this.files) {
      const active = other === file;
      other.panel.hidden = !active;
      other.tab.setAttribute("aria-selected", String(active));
      other.tab.tabIndex = active ? 0 : -1;
    }
    this.active = file;
    if (focus) {
      file.view.focus();
    }
  }

  listen() {
    this.form.addEventListener("submit", (event) => {
      this.flush();
      const problem = this.sizeProblem();
      if (problem) {
        event.preventDefault();
        this.notice(`${problem} Nothing was saved; your text is still here.`, "error");
      }
      this.submitting = !event.defaultPrevented;
    });
    // Runs before htmx sees the click, so the check uses the editors' text.
    this.form.addEventListener(
      "click",
      (event) => {
        if (event.target.closest("[data-editor-check]")) {
          event.preventDefault();
          event.stopPropagation();
          this.liveCheck.run();
        }
      },
      true,
    );
    this.form.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s" && !event.defaultPrevented) {
        event.preventDefault();
        this.save();
      }
    });
    this.tabList.addEventListener("keydown", (event) => this.moveBetweenTabs(event));
    this.formatButton.addEventListener("click", async () => {
      this.formatButton.disabled = true;
      await formatFile(this, this.active, this.fmtUrl);
      this.formatButton.disabled = false;
    });
    window.addEventListener("beforeunload", (event) => {
      if (!this.submitting && this.isDirty()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("pageshow", () => {
      this.submitting = false;
    });
    document.addEventListener("click", (event) => {
      const item = event.target.closest(`#${this.diagnosticsId} [data-file]`);
      if (item) {
        this.reveal(item.dataset.file, Number(item.dataset.line), Number(item.dataset.column));
      }
    });
  }

  moveBetweenTabs(event) {
    const index = this.files.indexOf(this.active);
    const moves = { ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: this.files.length - 1 };
    if (!(event.key in moves)) {
      return;
    }
    event.preventDefault();
    const next = this.files[(moves[event.key] + this.files.length) % this.files.length];
    this.activate(next, false);
    next.tab.focus();
  }

  // Show `name` at `line`:`column` (1-based) with the cursor there.
  reveal(name, line, column) {
    const file = this.files.find((candidate) => fileName(candidate) === name);
    if (!file) {
      return;
    }
    this.activate(file, false);
    const at = offsetAt(file.view.state.doc, line || 1, column || 1);
    file.view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
    file.view.focus();
  }

  changed(file, update) {
    file.mirrored = false;
    this.liveCheck.changed(file, update.changes);
    clearTimeout(this.mirrorTimer);
    this.mirrorTimer = setTimeout(() => this.flush(), MIRROR_PAUSE_MS);
    if (this.noticeFile === file && !update.transactions.some((tr) => tr.isUserEvent("format"))) {
      // Typing after a format: "Undo the formatting" would now undo something else.
      this.hideNotice();
    }
    this.liveCheck.schedule();
    this.updateUnsavedSoon();
  }

  // Copy every editor's text into its text area, where the form submits it from.
  flush() {
    clearTimeout(this.mirrorTimer);
    for (const file of this.files) {
      if (!file.mirrored) {
        file.textarea.value = file.view.state.doc.toString();
        file.mirrored = true;
      }
    }
  }

  save() {
    this.flush();
    this.form.requestSubmit(this.form.querySelector("[data-editor-save]") ?? undefined);
  }

  // Return why the files are too large to save, as the catalog says it, or "" when they are not.
  sizeProblem() {
    const maxFile = Number(this.form.dataset.maxFileBytes);
    const maxTotal = Number(this.form.dataset.maxTotalBytes);
    const encoder = new TextEncoder();
    const problems = [];
    let total = 0;
    for (const file of this.checkedFiles()) {
      const size = encoder.encode(file.view.state.doc.toString()).length;
      total += size;
      if (maxFile && size > maxFile) {
        problems.push(`${fileName(file)} is ${formatSize(size)}; a file may be at most ${formatSize(maxFile)}.`);
      }
    }
    if (maxTotal && total > maxTotal) {
      problems.push(`The files come to ${formatSize(total)}; a template may be at most ${formatSize(maxTotal)}.`);
    }
    return problems.join(" ");
  }

  isDirty() {
    return (
      this.unsavedAtLoad ||
      this.files.some(
        (file) =>
          Boolean(file.removeBox?.checked) ||
          !file.view.state.doc.eq(file.initialDoc) ||
          (file.nameInput?.type === "text" && file.nameInput.value !== file.nameInput.defaultValue),
      )
    );
  }

  updateUnsavedSoon() {
    clearTimeout(this.unsavedTimer);
    this.unsavedTimer = setTimeout(() => this.updateUnsaved(), UNSAVED_PAUSE_MS);
  }

  updateUnsaved() {
    this.unsavedBadge.hidden = !this.isDirty();
  }

  setStatus(text, state = "") {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  // The files a check includes: named, and not marked for removal.
  checkedFiles() {
    return this.files.filter((file) => fileName(file) && !file.removeBox?.checked);
  }

  hideNotice() {
    this.noticeBox.hidden = true;
    this.noticeFile = null;
  }

  notice(text, kind, undoable = null) {
    this.noticeBox.hidden = false;
    this.noticeFile = undoable;
    this.noticeBox.className = `editor-notice editor-notice-${kind}`;
    this.noticeBox.replaceChildren(element("span", "", text));
    if (undoable) {
      const undoButton = element("button", "link-button", "Undo the formatting");
      undoButton.type = "button";
      undoButton.addEventListener("click", () => {
        undo(undoable.view);
        this.hideNotice();
        undoable.view.focus();
      });
      this.noticeBox.append(" ", undoButton);
    }
    const dismiss = element("button", "link-button", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => this.hideNotice());
    this.noticeBox.append(" ", dismiss);
  }
}
