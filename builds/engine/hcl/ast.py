"""The syntax tree of an HCL file: bodies, attributes, blocks and expressions, each with its range."""

from __future__ import annotations

from typing import Any

from builds.engine.hcl.diagnostics import Range


class Node:
    """Base of the tree's classes: attributes in ``__slots__``, equal only to itself, a field-by-field repr.

    Plain classes rather than dataclasses: every command that reads a template
    imports this module, and making two dozen dataclasses costs more start-up
    time than the rest of parsing a typical file.
    """

    __slots__ = ()

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The node's attributes, the base class's first (the order of ``__init__``'s parameters)."""
        return tuple(name for klass in reversed(cls.__mro__) for name in klass.__dict__.get("__slots__", ()))

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.field_names())
        return f"{type(self).__name__}({values})"


class Attribute(Node):
    """``name = expr`` inside a body."""

    __slots__ = ("name", "expr", "range", "name_range")

    def __init__(self, name: str, expr: Expr, range: Range, name_range: Range) -> None:
        self.name = name
        self.expr = expr
        self.range = range
        self.name_range = name_range


class Block(Node):
    """``type "label" ... { body }``."""

    __slots__ = ("type", "labels", "body", "range", "type_range", "label_ranges")

    def __init__(self, type: str, labels: list[str], body: Body, range: Range, type_range: Range,
                 label_ranges: list[Range] | None = None) -> None:
        self.type = type
        self.labels = labels
        self.body = body
        self.range = range  # from the type name to the closing brace
        self.type_range = type_range
        self.label_ranges = [] if label_ranges is None else label_ranges

    @property
    def def_range(self) -> Range:
        """The header of the block (type and labels), where Packer points its diagnostics."""
        end = self.label_ranges[-1] if self.label_ranges else self.type_range
        return self.type_range.cover(end)


class Body(Node):
    """The contents of a file or a block: attributes (unique by name) and blocks (in order)."""

    __slots__ = ("attributes", "blocks", "range")

    def __init__(self, attributes: dict[str, Attribute], blocks: list[Block], range: Range) -> None:
        self.attributes = attributes
        self.blocks = blocks
        self.range = range

    def blocks_of(self, type_name: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_name]


class File(Node):
    """A parsed file: its body and its text (kept for diagnostics' source snippets)."""

    __slots__ = ("filename", "body", "text")

    def __init__(self, filename: str, body: Body, text: str) -> None:
        self.filename = filename
        self.body = body
        self.text = text


# --------------------------------------------------------------------------- expressions


class Expr(Node):
    """Base of the expression nodes: every expression knows its range."""

    __slots__ = ("range",)

    def __init__(self, range: Range) -> None:
        self.range = range


class Literal(Expr):
    """null, true/false or a number."""

    __slots__ = ("value",)

    def __init__(self, range: Range, value: Any) -> None:
        self.range = range
        self.value = value


class TemplateIf(Node):
    """``%{ if cond }...%{ else }...%{ endif }`` inside a template."""

    __slots__ = ("cond", "then_parts", "else_parts", "range")

    def __init__(
        self, cond: Expr, then_parts: list[TemplatePart], else_parts: list[TemplatePart], range: Range
    ) -> None:
        self.cond = cond
        self.then_parts = then_parts
        self.else_parts = else_parts
        self.range = range


class TemplateFor(Node):
    """``%{ for k, v in coll }...%{ endfor }`` inside a template."""

    __slots__ = ("key_var", "value_var", "coll", "parts", "range")

    def __init__(
        self, key_var: str | None, value_var: str, coll: Expr, parts: list[TemplatePart], range: Range
    ) -> None:
        self.key_var = key_var
        self.value_var = value_var
        self.coll = coll
        self.parts = parts
        self.range = range


TemplatePart = str | Expr | TemplateIf | TemplateFor


class Template(Expr):
    """A quoted string or heredoc: literal text, interpolations and directives."""

    __slots__ = ("parts", "heredoc")

    def __init__(self, range: Range, parts: list[TemplatePart], heredoc: bool = False) -> None:
        self.range = range
        self.parts = parts
        self.heredoc = heredoc

    @property
    def is_literal(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    def literal_text(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))


class TemplateWrap(Expr):
    """A template that is exactly one interpolation, ``"${expr}"``: its value keeps its type."""

    __slots__ = ("wrapped",)

    def __init__(self, range: Range, wrapped: Expr) -> None:
        self.range = range
        self.wrapped = wrapped


class Variable(Expr):
    """A bare name: ``var``, ``local``, a for-expression symbol."""

    __slots__ = ("name",)

    def __init__(self, range: Range, name: str) -> None:
        self.range = range
        self.name = name


class GetAttr(Expr):
    """``obj.name``."""

    __slots__ = ("obj", "name", "name_range")

    def __init__(self, range: Range, obj: Expr, name: str, name_range: Range) -> None:
        self.range = range
        self.obj = obj
        self.name = name
        self.name_range = name_range


class Index(Expr):
    """``obj[key]`` (also the legacy ``obj.0``)."""

    __slots__ = ("obj", "key")

    def __init__(self, range: Range, obj: Expr, key: Expr) -> None:
        self.range = range
        self.obj = obj
        self.key = key


class AnonSymbol(Expr):
    """The element currently visited by a splat expression."""

    __slots__ = ()
class Splat(Expr):
    """``source[*].each`` or ``source.*.each``; ``each`` is evaluated with :class:`AnonSymbol` bound."""

    __slots__ = ("source", "each", "full")

    def __init__(self, range: Range, source: Expr, each: Expr, full: bool) -> None:
        self.range = range
        self.source = source
        self.each = each
        self.full = full  # ``[*]`` (True) or the attribute-only ``.*`` (False)


class FunctionCall(Expr):

    __slots__ = ("name", "args", "expand_final", "name_range")

    def __init__(self, range: Range, name: str, args: list[Expr], expand_final: bool,
                 name_range: Range) -> None:
        self.range = range
        self.name = name
        self.args = args
        self.expand_final = expand_final  # the last argument was followed by ``...``
        self.name_range = name_range


class TupleCons(Expr):

    __slots__ = ("items",)

    def __init__(self, range: Range, items: list[Expr]) -> None:
        self.range = range
        self.items = items


class ObjectItem(Node):

    __slots__ = ("key", "value", "key_is_name")

    def __init__(self, key: Expr, value: Expr, key_is_name: bool) -> None:
        self.key = key
        self.value = value
        self.key_is_name = key_is_name  # a bare identifier key, taken literally (``{ a = 1 }``)


class ObjectCons(Expr):

    __slots__ = ("items",)

    def __init__(self, range: Range, items: list[ObjectItem]) -> None:
        self.range = range
        self.items = items


class Conditional(Expr):

    __slots__ = ("cond", "true_expr", "false_expr")

    def __init__(self, range: Range, cond: Expr, true_expr: Expr, false_expr: Expr) -> None:
        self.range = range
        self.cond = cond
        self.true_expr = true_expr
        self.false_expr = false_expr


class BinaryOp(Expr):

    __slots__ = ("op", "lhs", "rhs")

    def __init__(self, range: Range, op: str, lhs: Expr, rhs: Expr) -> None:
        self.range = range
        self.op = op
        self.lhs = lhs
        self.rhs = rhs


class UnaryOp(Expr):

    __slots__ = ("op", "operand")

    def __init__(self, range: Range, op: str, operand: Expr) -> None:
        self.range = range
        self.op = op
        self.operand = operand


class Parens(Expr):
    """``( expr )``: kept so that ``{ (a) = 1 }`` uses ``a``'s value as the key."""

    __slots__ = ("inner",)

    def __init__(self, range: Range, inner: Expr) -> None:
        self.range = range
        self.inner = inner


class ForExpr(Expr):
    """``[for k, v in coll : value if cond]`` or ``{for k, v in coll : key => value... if cond}``."""

    __slots__ = ("key_var", "value_var", "coll", "key_expr", "value_expr", "cond", "group")

    def __init__(self, range: Range, key_var: str | None, value_var: str, coll: Expr,
                 key_expr: Expr | None, value_expr: Expr, cond: Expr | None, group: bool) -> None:
        self.range = range
        self.key_var = key_var
        self.value_var = value_var
        self.coll = coll
        self.key_expr = key_expr  # set for object results
        self.value_expr = value_expr
        self.cond = cond
        self.group = group  # ``...`` after the value: group values by key


def traversal_of(expr: Expr) -> tuple[str, list[str | int]] | None:
    """Return (root name, static steps) when ``expr`` is a plain reference like ``var.a["b"][0]``."""
    steps: list[str | int] = []
    node = expr
    while True:
        if isinstance(node, GetAttr):
            steps.append(node.name)
            node = node.obj
        elif isinstance(node, Index) and isinstance(node.key, (Literal, Template)):
            key = node.key
            if isinstance(key, Template):
                if not key.is_literal:
                    return None
                steps.append(key.literal_text())
            elif isinstance(key.value, (int, str)) and not isinstance(key.value, bool):
                steps.append(key.value)
            else:
                return None
            node = node.obj
        elif isinstance(node, Variable):
            steps.reverse()
            return node.name, steps
        else:
            return None


def walk(expr: Expr):
    """Yield ``expr`` and every expression nested in it, depth first."""
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            continue
        if isinstance(node, (TemplateIf, TemplateFor)):
            if isinstance(node, TemplateIf):
                stack.append(node.cond)
                stack.extend(node.then_parts)
                stack.extend(node.else_parts)
            else:
                stack.append(node.coll)
                stack.extend(node.parts)
            continue
        yield node
        if isinstance(node, Template):
            stack.extend(node.parts)
        elif isinstance(node, TemplateWrap):
            stack.append(node.wrapped)
        elif isinstance(node, (GetAttr,)):
            stack.append(node.obj)
        elif isinstance(node, Index):
            stack.extend((node.obj, node.key))
        elif isinstance(node, Splat):
            stack.extend((node.source, node.each))
        elif isinstance(node, FunctionCall):
            stack.extend(node.args)
        elif isinstance(node, TupleCons):
            stack.extend(node.items)
        elif isinstance(node, ObjectCons):
            for item in node.items:
                stack.extend((item.key, item.value))
        elif isinstance(node, Conditional):
            stack.extend((node.cond, node.true_expr, node.false_expr))
        elif isinstance(node, BinaryOp):
            stack.extend((node.lhs, node.rhs))
        elif isinstance(node, UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, Parens):
            stack.append(node.inner)
        elif isinstance(node, ForExpr):
            stack.extend(e for e in (node.coll, node.key_expr, node.value_expr, node.cond) if e is not None)


def references(expr: Expr) -> list[tuple[str, list[str | int], Range]]:
    """Return every static reference (root, steps, range) in ``expr``, outermost first.

    For-expression and template-for symbols are included; callers filter by root
    name (``var``, ``local``, ``data``, ``source``...). A reference is taken at
    its longest static form, so ``var.a.b`` yields one entry, not three.
    """
    found: list[tuple[str, list[str | int], Range]] = []
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Expr):
            trav = traversal_of(node)
            if trav is not None:
                found.append((trav[0], trav[1], node.range))
                # dynamic parts inside a static traversal are impossible; nothing more to visit
                continue
            if isinstance(node, (GetAttr, Index)):
                stack.append(node.obj)
                if isinstance(node, Index):
                    stack.append(node.key)
                continue
        for child in _children(node):
            stack.append(child)
    return found


def _children(node: Any) -> list[Any]:
    if isinstance(node, TemplateIf):
        return [node.cond, *node.then_parts, *node.else_parts]
    if isinstance(node, TemplateFor):
        return [node.coll, *node.parts]
    if isinstance(node, Template):
        return list(node.parts)
    if isinstance(node, TemplateWrap):
        return [node.wrapped]
    if isinstance(node, Splat):
        return [node.source, node.each]
    if isinstance(node, FunctionCall):
        return list(node.args)
    if isinstance(node, TupleCons):
        return list(node.items)
    if isinstance(node, ObjectCons):
        out: list[Any] = []
        for item in node.items:
            if not item.key_is_name:
                out.append(item.key)
            out.append(item.value)
        return out
    if isinstance(node, Conditional):
        return [node.cond, node.true_expr, node.false_expr]
    if isinstance(node, BinaryOp):
        return [node.lhs, node.rhs]
    if isinstance(node, UnaryOp):
        return [node.operand]
    if isinstance(node, Parens):
        return [node.inner]
    if isinstance(node, ForExpr):
        return [e for e in (node.coll, node.key_expr, node.value_expr, node.cond) if e is not None]
    return []
