// Positions in a CodeMirror document from the engine's 1-based line and column (counted in characters).

// Return the document offset of `line`:`column`, clamped to the document.
export function offsetAt(doc, line, column) {
  if (line < 1) {
    return 0;
  }
  if (line > doc.lines) {
    return doc.length;
  }
  const { from, text } = doc.line(line);
  let index = 0;
  for (let remaining = column - 1; remaining > 0 && index < text.length; remaining -= 1) {
    index += text.codePointAt(index) > 0xffff ? 2 : 1;
  }
  return from + index;
}

// Return the [from, to] offsets of a diagnostic's range in `doc`; `to` is never before `from`.
export function rangeOffsets(doc, range) {
  const from = offsetAt(doc, range.start.line, range.start.column);
  const to = offsetAt(doc, range.end.line, range.end.column);
  return [from, Math.max(from, to)];
}
