"""Packer's JSON variant of HCL (``*.pkr.json``): JSON read with positions and mapped onto the syntax tree.

Objects under block-type keys become blocks (one JSON object level per
label), strings become templates (``"${var.x}"``), and which keys of a plugin
body are nested blocks is taken from the plugin's schema, as HCL's JSON
syntax requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostics, Pos, Range, error

_TOP_LABELS = {"packer": 0, "variable": 1, "variables": 0, "locals": 0, "local": 1, "data": 2, "source": 2,
               "build": 0}
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WS = re.compile(r"[ \t\r\n]*")


class _JSONError(Exception):
    def __init__(self, message: str, pos: Pos):
        self.message = message
        self.pos = pos


@dataclass(slots=True)
class _Node:
    kind: str  # object, array, string, number, true, false, null
    value: Any  # list of (key _Node, value _Node) for objects; list of _Node for arrays; python value otherwise
    range: Range


def parse_json(text: str, filename: str) -> tuple[ast.File, Diagnostics]:
    """Parse a ``.pkr.json`` file into the same tree a ``.pkr.hcl`` file gives."""
    diags = Diagnostics()
    empty = ast.Body({}, [], Range(filename, Pos(1, 1, 0), Pos(1, 1, 0)))
    try:
        root = _Reader(text, filename).document()
    except _JSONError as exc:
        diags.add(error("Invalid JSON", exc.message, Range(filename, exc.pos,
                                                           Pos(exc.pos.line, exc.pos.column + 1, exc.pos.byte + 1))))
        return ast.File(filename, empty, text), diags
    if root.kind != "object":
        diags.error("Invalid JSON template", "The root of a .pkr.json file must be an object.", root.range)
        return ast.File(filename, empty, text), diags
    body = _Mapper(filename, diags).top(root)
    return ast.File(filename, body, text), diags


class _Reader:
    """A small JSON reader that remembers where every value starts and ends."""

    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.i = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(self, offset: int) -> Pos:
        import bisect

        line = bisect.bisect_right(self.line_starts, offset)
        return Pos(line, offset - self.line_starts[line - 1] + 1, offset)

    def rng(self, start: int, end: int) -> Range:
        return Range(self.filename, self.pos(start), self.pos(end))

    def skip(self) -> None:
        self.i = _WS.match(self.text, self.i).end()

    def document(self) -> _Node:
        self.skip()
        node = self.value(0)
        self.skip()
        if self.i != len(self.text):
            raise _JSONError("Extra characters after the JSON value.", self.pos(self.i))
        return node

    def value(self, depth: int) -> _Node:
        if depth > 500:
            raise _JSONError("The JSON value is nested too deeply.", self.pos(self.i))
        self.skip()
        if self.i >= len(self.text):
            raise _JSONError("Unexpected end of file; a JSON value is expected.", self.pos(self.i))
        ch = self.text[self.i]
        start = self.i
        if ch == "{":
            return self.obj(depth)
        if ch == "[":
            self.i += 1
            items: list[_Node] = []
            self.skip()
            if self.text.startswith("]", self.i):
                self.i += 1
                return _Node("array", items, self.rng(start, self.i))
            while True:
                items.append(self.value(depth + 1))
                self.skip()
                if self.text.startswith(",", self.i):
                    self.i += 1
                    continue
                if self.text.startswith("]", self.i):
                    self.i += 1
                    return _Node("array", items, self.rng(start, self.i))
                raise _JSONError('Expected "," or "]" in the array.', self.pos(self.i))
        if ch == '"':
            return _Node("string", self.string(), self.rng(start, self.i))
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.i):
                self.i += len(word)
                return _Node(word, val, self.rng(start, self.i))
        match = _NUMBER.match(self.text, self.i)
        if match:
            self.i = match.end()
            literal = match.group(0)
            number = int(literal) if re.fullmatch(r"-?\d+", literal) else float(literal)
            return _Node("number", number, self.rng(start, self.i))
        raise _JSONError(f"Unexpected character {ch!r}; a JSON value is expected.", self.pos(self.i))

    def obj(self, depth: int) -> _Node:
        start = self.i
        self.i += 1
        members: list[tuple[_Node, _Node]] = []
        self.skip()
        if self.text.startswith("}", self.i):
            self.i += 1
            return _Node("object", members, self.rng(start, self.i))
        while True:
            self.skip()
            if not self.text.startswith('"', self.i):
                raise _JSONError("Expected a property name in double quotes.", self.pos(self.i))
            key_start = self.i
            key = _Node("string", self.string(), self.rng(key_start, self.i))
            self.skip()
            if not self.text.startswith(":", self.i):
                raise _JSONError('Expected ":" after the property name.', self.pos(self.i))
            self.i += 1
            members.append((key, self.value(depth + 1)))
            self.skip()
            if self.text.startswith(",", self.i):
                self.i += 1
                continue
            if self.text.startswith("}", self.i):
                self.i += 1
                return _Node("object", members, self.rng(start, self.i))
            raise _JSONError('Expected "," or "}" in the object.', self.pos(self.i))

    def string(self) -> str:
        import json

        start = self.i
        self.i += 1
        text = self.text
        while self.i < len(text):
            ch = text[self.i]
            if ch == "\\":
                self.i += 2
                continue
            if ch == '"':
                self.i += 1
                try:
                    return json.loads(text[start:self.i])
                except ValueError as exc:
                    raise _JSONError(f"Invalid string: {exc.msg}.", self.pos(start)) from None
            if ch == "\n":
                break
            self.i += 1
        raise _JSONError("Unterminated string.", self.pos(start))


class _Mapper:
    """Maps JSON values onto blocks and attributes, using Packer's block structure and plugin schemas."""

    def __init__(self, filename: str, diags: Diagnostics):
        self.filename = filename
        self.diags = diags

    def top(self, root: _Node) -> ast.Body:
        blocks: list[ast.Block] = []
        attributes: dict[str, ast.Attribute] = {}
        for key, value in self._members(root):
            name = key.value
            labels = _TOP_LABELS.get(name)
            if labels is None:
                attributes[name] = ast.Attribute(name, self.expr(value), key.range.cover(value.range), key.range)
                continue
            blocks.extend(self.blocks(name, key, value, labels, self._schema_for_top(name)))
        return ast.Body(attributes, blocks, root.range)

    def _members(self, node: _Node):
        return [(k, v) for k, v in node.value if k.value != "//"]

    def _schema_for_top(self, name: str):
        return {
            "packer": ({"required_plugins": 0}, None),
            "variable": ({"validation": 0}, None),
            "build": ({"source": 1, "provisioner": 1, "post-processor": 1, "post-processors": 0,
                       "error-cleanup-provisioner": 1, "hcp_packer_registry": 0}, None),
        }.get(name, ({}, name))

    def blocks(self, type_name: str, key: _Node, value: _Node, labels: int, schema) -> list[ast.Block]:
        """Blocks of ``type_name`` from a JSON value: one object level per label, arrays for repeats."""
        if value.kind == "array":
            out: list[ast.Block] = []
            for item in value.value:
                out.extend(self.blocks(type_name, key, item, labels, schema))
            return out
        if value.kind != "object":
            self.diags.error("Incorrect JSON value type", f'A JSON object is required here, to define "{type_name}" '
                             "blocks.", value.range)
            return []
        return self._labelled(type_name, key, value, labels, [], [], schema)

    def _labelled(self, type_name: str, key: _Node, value: _Node, remaining: int, labels: list[str],
                  label_ranges: list[Range], schema) -> list[ast.Block]:
        if remaining == 0:
            body = self.body(value, schema, type_name, labels)
            return [ast.Block(type_name, list(labels), body, key.range.cover(value.range), key.range,
                              list(label_ranges))]
        if value.kind == "array":
            out: list[ast.Block] = []
            for item in value.value:
                out.extend(self._labelled(type_name, key, item, remaining, labels, label_ranges, schema))
            return out
        if value.kind != "object":
            self.diags.error("Incorrect JSON value type", f'A JSON object is required here, with one property per '
                             f'"{type_name}" label.', value.range)
            return []
        out = []
        for label_key, inner in self._members(value):
            out.extend(self._labelled(type_name, key, inner, remaining - 1, [*labels, label_key.value],
                                      [*label_ranges, label_key.range], schema))
        return out

    def body(self, node: _Node, schema, type_name: str, labels: list[str]) -> ast.Body:
        if node.kind != "object":
            self.diags.error("Incorrect JSON value type", "A JSON object is required here, for the block's body.",
                             node.range)
            return ast.Body({}, [], node.range)
        nested, plugin_kind = schema
        block_names = dict(nested)
        if plugin_kind is not None and labels:
            block_names.update(_plugin_blocks(plugin_kind, labels[0]))
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for key, value in self._members(node):
            name = key.value
            if name in block_names:
                child_schema = self._child_schema(type_name, name)
                blocks.extend(self.blocks(name, key, value, block_names[name], child_schema))
                continue
            expr = self.type_expr(value) if (type_name == "variable" and name == "type") else self.expr(value)
            attributes[name] = ast.Attribute(name, expr, key.range.cover(value.range), key.range)
        return ast.Body(attributes, blocks, node.range)

    def _child_schema(self, parent: str, name: str):
        if parent == "build" and name in ("provisioner", "error-cleanup-provisioner"):
            return ({}, "provisioner")
        if parent == "build" and name == "post-processor":
            return ({}, "post-processor")
        if parent == "build" and name == "source":
            return ({}, "build-source")
        if parent == "build" and name == "post-processors":
            return ({"post-processor": 1}, None)
        if parent == "post-processors":
            return ({}, "post-processor")
        return ({}, None)

    def expr(self, node: _Node) -> ast.Expr:
        kind = node.kind
        if kind == "string":
            return self.template(node)
        if kind in ("number", "true", "false", "null"):
            return ast.Literal(node.range, node.value)
        if kind == "array":
            return ast.TupleCons(node.range, [self.expr(item) for item in node.value])
        items = [ast.ObjectItem(self.template(k), self.expr(v), False) for k, v in self._members(node)]
        return ast.ObjectCons(node.range, items)

    def template(self, node: _Node) -> ast.Expr:
        text = node.value
        if "${" not in text and "%{" not in text:
            return ast.Template(node.range, [text] if text else [])
        from builds.engine.hcl.parser import parse_template

        tree, tdiags = parse_template(text, self.filename)
        if tree is None or tdiags.has_errors:
            for diag in tdiags:
                diag.subject = node.range
                self.diags.add(diag)
            return ast.Template(node.range, [text])
        parts = tree.parts
        if len(parts) == 1 and isinstance(parts[0], ast.Expr):
            return ast.TemplateWrap(node.range, parts[0])
        return ast.Template(node.range, parts)

    def type_expr(self, node: _Node) -> ast.Expr:
        if node.kind != "string":
            return self.expr(node)
        from builds.engine.hcl.parser import parse_expression

        expr, tdiags = parse_expression(node.value, self.filename)
        if expr is None or tdiags.has_errors:
            for diag in tdiags:
                diag.subject = node.range
                self.diags.add(diag)
            return ast.Literal(node.range, None)
        return expr


def _plugin_blocks(kind: str, type_name: str) -> dict[str, int]:
    """Nested block names (with their label counts) of a plugin's schema; none for unknown plugins."""
    from builds.engine import registry

    if kind == "build-source":
        kind = "builder"
        type_name = type_name.split(".")[-2] if type_name.count(".") >= 1 else type_name
    registry_kind = {"source": "builder", "data": "data"}.get(kind, kind)
    if registry_kind not in registry.KINDS:
        return {}
    spec = registry.lookup(registry_kind, type_name)
    if spec is None:
        return {"dynamic": 1}
    names = {name: len(block.labels) for name, block in spec.schema.blocks.items()}
    names["dynamic"] = 1
    return names
