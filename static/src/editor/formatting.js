// "Format": the server's fmt applied to one file as an undoable change, with the changed lines marked.

import { isolateHistory } from "@codemirror/commands";
import { setDiagnostics } from "@codemirror/lint";

import { editorDiagnostics } from "./diagnostics.js";
import { fileName, plural } from "./dom.js";
import { markFormatted } from "./format_marks.js";
import { lineHunks, splitLines } from "./linediff.js";
import { csrfToken, post } from "./requests.js";

// Format `file` of `editor` with the fmt endpoint at `url`; tell the user what happened
// through editor.notice (the change is not saved).
export async function formatFile(editor, file, url) {
  const name = fileName(file);
  if (!name) {
    editor.notice("Name the file before formatting it.", "error");
    return;
  }
  const doc = file.view.state.doc;
  const text = doc.toString();
  const data = new FormData();
  data.append("name", name);
  data.append("content", text);
  try {
    const response = await post(url, data, { token: csrfToken(editor.form), json: true, accepted: [200, 422] });
    const answer = await response.json();
    const unchanged = file.view.state.doc.eq(doc);
    if (response.status === 422) {
      if (unchanged && answer.diagnostics?.length) {
        file.view.dispatch(setDiagnostics(file.view.state, editorDiagnostics(answer.diagnostics, name, doc, null)));
      }
      editor.notice(answer.error, "error");
    } else if (!unchanged) {
      editor.notice(`${name} changed while it was being formatted; press Format again.`, "error");
    } else if (!answer.changed) {
      editor.notice(`${name} is already formatted.`, "info");
    } else {
      const count = applyFormatted(file.view, text, answer.formatted);
      editor.notice(
        `Formatted ${name}: ${plural(count, "line")} changed, highlighted below. Not saved yet: save to keep it.`,
        "info",
        file,
      );
    }
  } catch (error) {
    editor.notice(`Not formatted: ${error.message}`, "error");
  }
}

function lineStarts(lines) {
  const starts = [0];
  for (const line of lines) {
    starts.push(starts[starts.length - 1] + line.length);
  }
  return starts;
}

// Replace only the lines that differ (so the cursor and marks elsewhere stay), as one undo step,
// and mark the new lines; return how many lines changed.
function applyFormatted(view, oldText, newText) {
  const oldLines = splitLines(oldText);
  const newLines = splitLines(newText);
  const hunks = lineHunks(oldLines, newLines);
  const oldStarts = lineStarts(oldLines);
  const newStarts = lineStarts(newLines);
  const changes = hunks.map((hunk) => ({
    from: oldStarts[hunk.fromA],
    to: oldStarts[hunk.toA],
    insert: newLines.slice(hunk.fromB, hunk.toB).join(""),
  }));
  const marked = [];
  for (const hunk of hunks) {
    for (let line = hunk.fromB; line < hunk.toB; line += 1) {
      marked.push(newStarts[line]);
    }
  }
  view.dispatch({
    changes,
    effects: markFormatted.of(marked),
    userEvent: "format",
    annotations: isolateHistory.of("full"),
  });
  return hunks.reduce((total, hunk) => total + Math.max(hunk.toA - hunk.fromA, hunk.toB - hunk.fromB), 0);
}
