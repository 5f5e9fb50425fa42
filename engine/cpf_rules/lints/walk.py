"""Generic walks over the syntax tree, shared by the lints, the formatter and the docs.

Base helpers (they import only :mod:`cpf_rules.ast`): the sub-expressions of an
expression, every expression of a declaration, the names an expression reads, and the
*shape* of a node — the node with its source positions and source texts left out, so
that two conditions written in different places (or before and after ``cpf fmt``)
compare equal when they say the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from .. import ast

# Fields that say where a node was written or how, not what it means.
_LAYOUT_FIELDS = frozenset({"span", "name_span", "body_text", "condition_text"})


def shape(node: Any) -> Any:
    """A hashable value equal for two nodes that differ only by position and layout.

    >>> from cpf_rules.syntax import parse_value
    >>> shape(parse_value("a  and (b)", "x")) == shape(parse_value("a and b", "y"))
    True
    """
    cls = type(node)
    names = _SHAPE_FIELDS.get(cls, _UNSEEN)
    if names is _UNSEEN:
        names = _SHAPE_FIELDS[cls] = _shape_fields(cls)
    if names is not None:
        return (cls.__name__, tuple([(name, shape(getattr(node, name))) for name in names]))
    if isinstance(node, tuple | list):
        return tuple([shape(item) for item in node])
    return node


_UNSEEN: Any = object()
_SHAPE_FIELDS: dict[type, tuple[str, ...] | None] = {}
"""Each class met by :func:`shape`: the fields that say what a node means (None: not a dataclass)."""


def _shape_fields(cls: type) -> tuple[str, ...] | None:
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _LAYOUT_FIELDS)


children = ast.sub_expressions
"""The direct sub-expressions of an expression, in source order (defined in :mod:`cpf_rules.ast`)."""


def descendants(expr: ast.Expr) -> Iterator[ast.Expr]:
    """``expr`` and every expression below it, depth first (in source order).

    Iterative: each node is yielded once, not passed up through every generator above it.
    """
    pending = [expr]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(children(node)))


def declaration_expressions(decl: ast.Declaration) -> Iterator[ast.Expr]:
    """The top expressions of a declaration: defaults, dated values, bodies, conditions."""
    if isinstance(decl, ast.RecordDecl):
        yield from (f.default for f in decl.fields if f.default is not None)
    elif isinstance(decl, ast.InputDecl):
        if decl.default is not None:
            yield decl.default
    elif isinstance(decl, ast.ParameterDecl):
        yield from (v.value for v in decl.values if v.value is not None)
    elif isinstance(decl, ast.RuleDecl):
        yield decl.body
        for exception in decl.exceptions:
            yield exception.condition
            yield exception.body


def declaration_types(decl: ast.Declaration) -> Iterator[ast.TypeRef]:
    """Every written type of a declaration (field types, formals, result type)."""
    if isinstance(decl, ast.RecordDecl):
        yield from (f.type for f in decl.fields)
    elif isinstance(decl, ast.InputDecl | ast.ParameterDecl):
        yield decl.type
    elif isinstance(decl, ast.RuleDecl):
        yield from (formal.type for formal in decl.formals)
        yield decl.type


def names_read(expr: ast.Expr) -> Iterator[tuple[str, ast.Expr]]:
    """Every name an expression reads (bare names, called names, ``Enum.case`` targets)."""
    for node in descendants(expr):
        if isinstance(node, ast.Name | ast.Call):
            yield node.name, node


def calls_in(decl: ast.Declaration) -> Iterator[ast.Call]:
    """Every call written in a declaration."""
    for top in declaration_expressions(decl):
        for node in descendants(top):
            if isinstance(node, ast.Call):
                yield node


def conjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """``a and (b and c)`` → [a, b, c]."""
    if isinstance(expr, ast.Binary) and expr.op == "and":
        return conjuncts(expr.left) + conjuncts(expr.right)
    return [expr]


def disjuncts(expr: ast.Expr) -> list[ast.Expr]:
    """``a or (b or c)`` → [a, b, c]."""
    if isinstance(expr, ast.Binary) and expr.op == "or":
        return disjuncts(expr.left) + disjuncts(expr.right)
    return [expr]
