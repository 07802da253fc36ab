"""The syntax tree of an HCL file: bodies, attributes, blocks and expressions, each with its range."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from builds.engine.hcl.diagnostics import Range


@dataclass(slots=True, eq=False)
class Attribute:
    """``name = expr`` inside a body."""

    name: str
    expr: Expr
    range: Range
    name_range: Range


@dataclass(slots=True, eq=False)
class Block:
    """``type "label" ... { body }``."""

    type: str
    labels: list[str]
    body: Body
    range: Range  # from the type name to the closing brace
    type_range: Range
    label_ranges: list[Range] = field(default_factory=list)

    @property
    def def_range(self) -> Range:
        """The header of the block (type and labels), where Packer points its diagnostics."""
        end = self.label_ranges[-1] if self.label_ranges else self.type_range
        return self.type_range.cover(end)


@dataclass(slots=True, eq=False)
class Body:
    """The contents of a file or a block: attributes (unique by name) and blocks (in order)."""

    attributes: dict[str, Attribute]
    blocks: list[Block]
    range: Range

    def blocks_of(self, type_name: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_name]


@dataclass(slots=True, eq=False)
class File:
    """A parsed file: its body and its text (kept for diagnostics' source snippets)."""

    filename: str
    body: Body
    text: str


# --------------------------------------------------------------------------- expressions


@dataclass(slots=True, eq=False)
class Expr:
    range: Range


@dataclass(slots=True, eq=False)
class Literal(Expr):
    """null, true/false or a number."""

    value: Any


@dataclass(slots=True, eq=False)
class TemplateIf:
    """``%{ if cond }...%{ else }...%{ endif }`` inside a template."""

    cond: Expr
    then_parts: list[TemplatePart]
    else_parts: list[TemplatePart]
    range: Range


@dataclass(slots=True, eq=False)
class TemplateFor:
    """``%{ for k, v in coll }...%{ endfor }`` inside a template."""

    key_var: str | None
    value_var: str
    coll: Expr
    parts: list[TemplatePart]
    range: Range


TemplatePart = str | Expr | TemplateIf | TemplateFor


@dataclass(slots=True, eq=False)
class Template(Expr):
    """A quoted string or heredoc: literal text, interpolations and directives."""

    parts: list[TemplatePart]
    heredoc: bool = False

    @property
    def is_literal(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    def literal_text(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))


@dataclass(slots=True, eq=False)
class TemplateWrap(Expr):
    """A template that is exactly one interpolation, ``"${expr}"``: its value keeps its type."""

    wrapped: Expr


@dataclass(slots=True, eq=False)
class Variable(Expr):
    """A bare name: ``var``, ``local``, a for-expression symbol."""

    name: str


@dataclass(slots=True, eq=False)
class GetAttr(Expr):
    """``obj.name``."""

    obj: Expr
    name: str
    name_range: Range


@dataclass(slots=True, eq=False)
class Index(Expr):
    """``obj[key]`` (also the legacy ``obj.0``)."""

    obj: Expr
    key: Expr


@dataclass(slots=True, eq=False)
class AnonSymbol(Expr):
    """The element currently visited by a splat expression."""


@dataclass(slots=True, eq=False)
class Splat(Expr):
    """``source[*].each`` or ``source.*.each``; ``each`` is evaluated with :class:`AnonSymbol` bound."""

    source: Expr
    each: Expr
    full: bool  # ``[*]`` (True) or the attribute-only ``.*`` (False)


@dataclass(slots=True, eq=False)
class FunctionCall(Expr):
    name: str
    args: list[Expr]
    expand_final: bool  # the last argument was followed by ``...``
    name_range: Range


@dataclass(slots=True, eq=False)
class TupleCons(Expr):
    items: list[Expr]


@dataclass(slots=True, eq=False)
class ObjectItem:
    key: Expr
    value: Expr
    key_is_name: bool  # a bare identifier key, taken literally (``{ a = 1 }``)


@dataclass(slots=True, eq=False)
class ObjectCons(Expr):
    items: list[ObjectItem]


@dataclass(slots=True, eq=False)
class Conditional(Expr):
    cond: Expr
    true_expr: Expr
    false_expr: Expr


@dataclass(slots=True, eq=False)
class BinaryOp(Expr):
    op: str
    lhs: Expr
    rhs: Expr


@dataclass(slots=True, eq=False)
class UnaryOp(Expr):
    op: str
    operand: Expr


@dataclass(slots=True, eq=False)
class Parens(Expr):
    """``( expr )``: kept so that ``{ (a) = 1 }`` uses ``a``'s value as the key."""

    inner: Expr


@dataclass(slots=True, eq=False)
class ForExpr(Expr):
    """``[for k, v in coll : value if cond]`` or ``{for k, v in coll : key => value... if cond}``."""

    key_var: str | None
    value_var: str
    coll: Expr
    key_expr: Expr | None  # set for object results
    value_expr: Expr
    cond: Expr | None
    group: bool  # ``...`` after the value: group values by key


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
