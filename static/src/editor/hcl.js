// HCL for CodeMirror: a line tokenizer (StreamLanguage) for Packer templates.
//
// It knows comments (#, //, /* */), quoted strings with ${ } interpolation
// and %{ } directives (and their $${ / %%{ escapes), heredocs (<<EOF and
// <<-EOF, with interpolation), numbers, true/false/null, block types with
// their labels, attribute names, function calls and operators. It keeps the
// bracket depth outside strings, for indentation.

import { StreamLanguage } from "@codemirror/language";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*/;
const NUMBER = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/;
const OPERATOR = /^(==|!=|<=|>=|&&|\|\||=>|\.\.\.|[=<>!+\-*/%?:])/;
const HEREDOC_START = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\s*$/;
const DIRECTIVE_KEYWORDS = new Set(["if", "else", "endif", "for", "in", "endfor"]);
const EXPRESSION_KEYWORDS = new Set(["for", "in", "if"]);
const OPENING = { "{": "brace", "[": "squareBracket", "(": "paren" };
const CLOSING = { "}": "brace", "]": "squareBracket", ")": "paren" };

// The state's `stack` holds the contexts the tokenizer is inside, innermost
// last. Entries are never changed in place (a change pushes a new object),
// so the default shallow copy of the state is a correct copy.
//   { kind: "string" }                         a quoted string
//   { kind: "heredoc", marker }                a heredoc's body
//   { kind: "template", directive, depth }     ${ ... } or %{ ... }; depth counts braces opened inside
function startState() {
  return { stack: [], depth: 0, comment: false, heredoc: null, blockLine: false };
}

function top(state) {
  return state.stack.length ? state.stack[state.stack.length - 1] : null;
}

function replaceTop(state, context) {
  state.stack = state.stack.slice(0, -1).concat([context]);
}

function push(state, context) {
  state.stack = state.stack.concat([context]);
}

function pop(state) {
  state.stack = state.stack.slice(0, -1);
}

// A heredoc starts on the line after its <<MARKER.
function beginLine(state) {
  state.blockLine = false;
  if (state.heredoc) {
    push(state, { kind: "heredoc", marker: state.heredoc });
    state.heredoc = null;
  }
}

function blockComment(stream, state) {
  while (!stream.eol()) {
    if (stream.match("*/")) {
      state.comment = false;
      return "comment";
    }
    stream.next();
  }
  return "comment";
}

// Template text: the inside of a quoted string or a heredoc line.
function templateText(stream, state, quoted) {
  if (stream.match("$${") || stream.match("%%{")) {
    return "escape";
  }
  const opening = stream.match(/^([$%])\{(~?)/);
  if (opening) {
    push(state, { kind: "template", directive: opening[1] === "%", depth: 0 });
    return "brace.special";
  }
  if (quoted) {
    if (stream.eat('"')) {
      pop(state);
      return "string";
    }
    if (stream.match(/^\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/)) {
      return "escape";
    }
  }
  const stop = quoted ? /[^"\\$%]/ : /[^$%]/;
  if (!stream.eatWhile(stop)) {
    stream.next();
  }
  if (quoted && stream.eol() && top(state)?.kind === "string") {
    // Quoted strings end with their line, closed or not.
    pop(state);
  }
  return "string";
}

function identifier(stream, state, word) {
  const context = top(state);
  if (context?.kind === "template" && context.directive && DIRECTIVE_KEYWORDS.has(word)) {
    return "keyword";
  }
  if (word === "true" || word === "false") {
    return "bool";
  }
  if (word === "null") {
    return "null";
  }
  const atLineStart = stream.string.slice(0, stream.start).trim() === "";
  if (!context && atLineStart) {
    if (stream.match(/^\s*=(?![=>])/, false)) {
      return "propertyName.definition";
    }
    if (stream.match(/^\s*("|\{|[A-Za-z_])/, false)) {
      state.blockLine = true;
      return "keyword";
    }
  }
  if (stream.string.charAt(stream.start - 1) === ".") {
    return "propertyName";
  }
  if (stream.match(/^\s*\(/, false)) {
    return "variableName.function";
  }
  if (EXPRESSION_KEYWORDS.has(word) && !stream.match(/^\s*[=.]/, false)) {
    return "keyword";
  }
  if (stream.match(/^\s*=(?![=>])/, false)) {
    return "propertyName.definition";
  }
  return "variableName";
}

function expression(stream, state) {
  if (stream.eatSpace()) {
    return null;
  }
  if (stream.match("#") || stream.match("//")) {
    stream.skipToEnd();
    return "comment";
  }
  if (stream.match("/*")) {
    state.comment = true;
    return blockComment(stream, state);
  }
  if (state.blockLine && stream.match(/^"(?:[^"\\]|\\.)*"/)) {
    return "labelName";
  }
  if (stream.eat('"')) {
    push(state, { kind: "string" });
    if (stream.eol()) {
      pop(state);
    }
    return "string";
  }
  const heredoc = stream.match(HEREDOC_START);
  if (heredoc) {
    state.heredoc = heredoc[2];
    return "string.special";
  }
  if (stream.match(NUMBER)) {
    return "number";
  }
  const word = stream.match(IDENTIFIER);
  if (word) {
    return identifier(stream, state, word[0]);
  }
  const context = top(state);
  const ch = stream.peek();
  if (context?.kind === "template" && (stream.match("~}") || ch === "}") && context.depth === 0) {
    if (ch === "}") {
      stream.next();
    }
    pop(state);
    return "brace.special";
  }
  if (OPENING[ch]) {
    stream.next();
    if (ch === "{") {
      state.blockLine = false;
    }
    if (context?.kind === "template") {
      replaceTop(state, { ...context, depth: context.depth + 1 });
    } else {
      state.depth += 1;
    }
    return OPENING[ch];
  }
  if (CLOSING[ch]) {
    stream.next();
    if (context?.kind === "template") {
      replaceTop(state, { ...context, depth: Math.max(0, context.depth - 1) });
    } else {
      state.depth = Math.max(0, state.depth - 1);
    }
    return CLOSING[ch];
  }
  if (stream.match(OPERATOR)) {
    return "operator";
  }
  if (ch === "." || ch === ",") {
    stream.next();
    return "punctuation";
  }
  stream.next();
  return "invalid";
}

function token(stream, state) {
  if (stream.sol()) {
    beginLine(state);
  }
  if (state.comment) {
    return blockComment(stream, state);
  }
  const context = top(state);
  if (context?.kind === "heredoc") {
    if (stream.sol() && stream.match(new RegExp(`^\\s*${context.marker}\\s*$`))) {
      pop(state);
      return "string.special";
    }
    return templateText(stream, state, false);
  }
  if (context?.kind === "string") {
    return templateText(stream, state, true);
  }
  return expression(stream, state);
}

function indent(state, textAfter, context) {
  if (state.comment || top(state)?.kind === "heredoc") {
    return null;
  }
  const closing = /^\s*[}\])]/.test(textAfter) ? 1 : 0;
  return Math.max(0, state.depth - closing) * context.unit;
}

export const hclParser = {
  name: "hcl",
  startState,
  token,
  blankLine: beginLine,
  indent,
  languageData: {
    commentTokens: { line: "#", block: { open: "/*", close: "*/" } },
    closeBrackets: { brackets: ["(", "[", "{", '"'] },
    indentOnInput: /^\s*[}\])]$/,
  },
};

export const hcl = StreamLanguage.define(hclParser);
