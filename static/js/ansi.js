/* ANSI escape sequences in log text: SGR colours turned into styled segments, every other sequence dropped.
 *
 * Nothing here parses text as HTML: a segment's text goes into the page as a
 * text node, its colours as class names (the 16 standard colours) or as
 * CSSOM style values (256-colour and 24-bit colours).
 */
(function (global) {
  "use strict";

  // CSI sequences (ESC [ ... final byte), OSC strings (ESC ] ... BEL or ESC \), two-byte escapes, a lone ESC.
  const SEQUENCE = /\x1b(?:\[([0-9;:?<=>]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\^_`a-z{|}~]|)/g;
  const CUBE_LEVELS = [0, 95, 135, 175, 215, 255];

  function hasEscapes(text) {
    return text.indexOf("\x1b") !== -1;
  }

  // The text without any escape sequence: what a reader sees, and what search looks at.
  function plain(text) {
    return hasEscapes(text) ? text.replace(SEQUENCE, "") : text;
  }

  function paletteColour(index) {
    if (index < 16) return index;
    if (index < 232) {
      const n = index - 16;
      const r = CUBE_LEVELS[Math.floor(n / 36)];
      const g = CUBE_LEVELS[Math.floor(n / 6) % 6];
      const b = CUBE_LEVELS[n % 6];
      return `rgb(${r}, ${g}, ${b})`;
    }
    const grey = 8 + 10 * (index - 232);
    return `rgb(${grey}, ${grey}, ${grey})`;
  }

  function byte(value) {
    const n = Number(value);
    return Number.isFinite(n) ? Math.max(0, Math.min(255, Math.trunc(n))) : 0;
  }

  // An extended colour (38/48): "5;n" or "2;r;g;b", from `params` at `at` (the index after 38/48).
  // Returns [colour or undefined, how many parameters it used].
  function extendedColour(params, at) {
    const mode = Number(params[at]);
    if (mode === 5 && at + 1 < params.length) {
      const index = Number(params[at + 1]);
      return [index >= 0 && index <= 255 ? paletteColour(index) : undefined, 2];
    }
    if (mode === 2 && at + 3 < params.length) {
      return [`rgb(${byte(params[at + 1])}, ${byte(params[at + 2])}, ${byte(params[at + 3])})`, 4];
    }
    return [undefined, params.length - at];
  }

  // The colon form (38:2::r:g:b or 38:5:n) keeps its sub-parameters in one parameter.
  function colonColour(param) {
    const parts = param.split(":");
    if (parts[1] === "5") return paletteColour(byte(parts[2]));
    if (parts[1] === "2") {
      const rgb = parts.length >= 6 ? parts.slice(3, 6) : parts.slice(2, 5);
      return `rgb(${byte(rgb[0])}, ${byte(rgb[1])}, ${byte(rgb[2])})`;
    }
    return undefined;
  }

  function emptyStyle() {
    return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false, strike: false };
  }

  function isPlainStyle(style) {
    return style.fg === null && style.bg === null && !style.bold && !style.dim && !style.italic &&
      !style.underline && !style.inverse && !style.strike;
  }

  // Apply one SGR sequence's parameters to `style` (a copy is returned).
  function applySgr(style, paramText) {
    const next = Object.assign({}, style);
    const params = paramText === "" ? ["0"] : paramText.split(";");
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      if (param.indexOf(":") !== -1) {
        const head = Number(param.split(":")[0]);
        if (head === 38) next.fg = colonColour(param) ?? next.fg;
        else if (head === 48) next.bg = colonColour(param) ?? next.bg;
        else if (head === 4) next.underline = param !== "4:0";
        continue;
      }
      const code = param === "" ? 0 : Number(param);
      if (code === 0) Object.assign(next, emptyStyle());
      else if (code === 1) next.bold = true;
      else if (code === 2) next.dim = true;
      else if (code === 3) next.italic = true;
      else if (code === 4) next.underline = true;
      else if (code === 7) next.inverse = true;
      else if (code === 9) next.strike = true;
      else if (code === 21 || code === 22) { next.bold = false; next.dim = false; }
      else if (code === 23) next.italic = false;
      else if (code === 24) next.underline = false;
      else if (code === 27) next.inverse = false;
      else if (code === 29) next.strike = false;
      else if (code >= 30 && code <= 37) next.fg = code - 30;
      else if (code === 39) next.fg = null;
      else if (code >= 40 && code <= 47) next.bg = code - 40;
      else if (code === 49) next.bg = null;
      else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
      else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
      else if (code === 38 || code === 48) {
        const [colour, used] = extendedColour(params, i + 1);
        if (colour !== undefined) next[code === 38 ? "fg" : "bg"] = colour;
        i += used;
      }
    }
    return next;
  }

  // Split `text` into [segmentText, style] pairs, styles as SGR sequences left them (null: no style).
  function segments(text) {
    if (!hasEscapes(text)) return [[text, null]];
    const result = [];
    let style = emptyStyle();
    let last = 0;
    SEQUENCE.lastIndex = 0;
    let match;
    while ((match = SEQUENCE.exec(text)) !== null) {
      if (match.index > last) result.push([text.slice(last, match.index), isPlainStyle(style) ? null : style]);
      if (match[2] === "m" && (match[1] === undefined || /^[0-9;:]*$/.test(match[1]))) {
        style = applySgr(style, match[1] || "");
      }
      last = SEQUENCE.lastIndex;
    }
    if (last < text.length) result.push([text.slice(last), isPlainStyle(style) ? null : style]);
    return result;
  }

  // Put a segment's style on `element`: classes for flags and standard colours, CSSOM values otherwise.
  function styleElement(element, style) {
    let fg = style.fg;
    let bg = style.bg;
    if (style.inverse) {
      // Swapped: a default colour becomes the log's paper (text) or ink (background).
      [fg, bg] = [bg, fg];
      if (fg === null) element.classList.add("ansi-inverse-fg");
      if (bg === null) element.classList.add("ansi-inverse-bg");
    }
    if (typeof fg === "number") element.classList.add(`ansi-fg-${fg}`);
    else if (typeof fg === "string") element.style.color = fg;
    if (typeof bg === "number") element.classList.add(`ansi-bg-${bg}`);
    else if (typeof bg === "string") element.style.backgroundColor = bg;
    for (const flag of ["bold", "dim", "italic", "underline", "strike"]) {
      if (style[flag]) element.classList.add(`ansi-${flag}`);
    }
  }

  global.ImageHubAnsi = { segments, plain, hasEscapes, styleElement };
})(window);
