// The validate endpoint's answer as editor marks: its HTML list, and its diagnostics at their places.

import { rangeOffsets } from "./positions.js";

// Return the diagnostics list of the fragment `html` and the data it carries
// (`{valid, error_count, warning_count, diagnostics}`, see imagehub.editing_views.validate).
export function readFragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const element = template.content.querySelector("#diagnostics");
  const script = element?.querySelector("#diagnostics-data");
  if (!element || !script) {
    throw new Error("the answer is not a diagnostics list");
  }
  return { element, data: JSON.parse(script.textContent) };
}

// Return the diagnostics of `file` as CodeMirror lint diagnostics in `doc`, the text that was
// checked; `changes` (a ChangeSet, or null) maps them onto the text as it is now.
export function editorDiagnostics(found, file, doc, changes) {
  const marks = [];
  for (const diagnostic of found) {
    if (!diagnostic.range || diagnostic.range.filename !== file) {
      continue;
    }
    let [from, to] = rangeOffsets(doc, diagnostic.range);
    if (changes) {
      from = changes.mapPos(from, 1);
      to = Math.max(from, changes.mapPos(to, -1));
    }
    marks.push({
      from,
      to,
      severity: diagnostic.severity === "warning" ? "warning" : "error",
      message: diagnostic.detail ? `${diagnostic.summary}: ${diagnostic.detail}` : diagnostic.summary,
      renderMessage: () => renderMessage(diagnostic),
    });
  }
  return marks;
}

function renderMessage(diagnostic) {
  const box = document.createElement("div");
  const summary = document.createElement("strong");
  summary.textContent = diagnostic.summary;
  box.append(summary);
  if (diagnostic.context) {
    box.append(` in ${diagnostic.context}`);
  }
  if (diagnostic.detail) {
    const detail = document.createElement("p");
    detail.className = "cm-diagnostic-detail";
    detail.textContent = diagnostic.detail;
    box.append(detail);
  }
  return box;
}
