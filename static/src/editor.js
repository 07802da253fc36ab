// Entry point of static/js/editor.min.js: enhance every template file form on the page.

import { TemplateEditor } from "./editor/template_editor.js";

function enhance() {
  for (const form of document.querySelectorAll("form[data-editor-form]")) {
    form.templateEditor = new TemplateEditor(form);
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", enhance);
} else {
  enhance();
}
