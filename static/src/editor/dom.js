// Small helpers for the editor's own markup and messages.

// Return a new `tag` element with `className` and, when given, `text`.
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

// Return "1 error", "2 errors".
export function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// Return a byte count as the catalog writes it: "512 bytes", "12 KB", "1.5 MB".
export function formatSize(count) {
  if (count >= 1024 * 1024) {
    return `${(count / (1024 * 1024)).toFixed(1)} MB`;
  }
  if (count >= 1024) {
    return `${Math.round(count / 1024)} KB`;
  }
  return `${count} bytes`;
}

// Return the file name a file panel's name field holds ("" when it has none).
export function fileName(file) {
  return file.nameInput ? file.nameInput.value.trim() : "";
}
