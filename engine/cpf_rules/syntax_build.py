"""Stage 1, the ast builder: one method per grammar rule, from a rule's children to a node.

Both parsers of syntax.py call these methods: the fast path (syntax_fast.py) at each
reduction, the Lark path on each node of Lark's tree, bottom-up. A method receives the
rule's children (tokens and the nodes already built) and, if marked :func:`with_meta`,
the rule's positions (``meta.line``, ``meta.column``, ``meta.end_line``,
``meta.end_column``, as Lark's ``propagate_positions`` computes them). Tokens are
strings with a ``type`` and positions (``lark.Token`` or syntax_fast's own). The method
names are the grammar's rule names and aliases; a rule without a method (``start``)
keeps its list of children. Lark is not imported here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from . import ast
from .diagnostics import CpfError, Diagnostic, Severity, Span

F = TypeVar("F", bound=Callable[..., Any])

META_METHODS: set[str] = set()
"""The names of the methods that take ``(meta, children)`` rather than ``(children)``."""


def with_meta(function: F) -> F:
    """Mark a builder method as taking the rule's positions first."""
    META_METHODS.add(function.__name__)
    return function


def _span_of(file: str, meta: Any) -> Span:
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _token_span(file: str, token: Any) -> Span:
    line = token.line or 1
    column = token.column or 1
    end_line = token.end_line or line
    end_column = token.end_column or column + 1
    return Span(file, line, column, end_line, end_column)


def _unquote(token: Any) -> str:
    raw = str(token)[1:-1]
    return raw.replace('\\"', '"').replace("\\\\", "\\")


class AstBuilder:
    """Lark tree → ast nodes. Each method receives the node's meta for its span."""

    def __init__(self, file: str, source: str) -> None:
        self.file = file
        self.source = source
        self._lines: list[str] | None = None

    def _text(self, node: Any) -> str:
        """:func:`node_text`, the source split into lines once per file, not once per rule."""
        if self._lines is None:
            self._lines = source_lines(self.source)
        return _lines_text(node.span, self._lines)

    def _span(self, meta: Any) -> Span:
        """The node's span from Lark's meta; the fast parser (syntax_fast.py) gives the Span itself."""
        return meta if type(meta) is Span else _span_of(self.file, meta)

    # -- annotations and small pieces
    def cite_ref(self, children: list[Any]) -> ast.Citation:
        locator = _unquote(children[1]) if len(children) > 1 else None
        return ast.Citation(_token_span(self.file, children[0]), str(children[0]), locator)

    def cite(self, children: list[Any]) -> list[ast.Citation]:
        return list(children)

    @with_meta
    def uncertain(self, meta: Any, children: list[Any]) -> ast.Flag:
        return ast.Flag(self._span(meta), "uncertain", _unquote(children[0]))

    @with_meta
    def interpretation(self, meta: Any, children: list[Any]) -> ast.Flag:
        return ast.Flag(self._span(meta), "interpretation", _unquote(children[0]))

    def label(self, children: list[Any]) -> tuple[str, str]:
        return ("label", _unquote(children[0]))

    @with_meta
    def simple_type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(self._span(meta), "simple", str(children[0]))

    @with_meta
    def rate_type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(self._span(meta), "rate", str(children[0]), str(children[1]))

    @with_meta
    def list_type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(self._span(meta), "list", str(children[0]))

    # -- declarations
    @with_meta
    def enum_case(self, meta: Any, children: list[Any]) -> ast.EnumCase:
        label = children[1][1] if len(children) > 1 else None
        return ast.EnumCase(self._span(meta), str(children[0]), label)

    @with_meta
    def enum_decl(self, meta: Any, children: list[Any]) -> ast.EnumDecl:
        name = str(children[0])
        label = None
        rest = children[1:]
        if rest and isinstance(rest[0], tuple):
            label = rest[0][1]
            rest = rest[1:]
        return ast.EnumDecl(self._span(meta), name, label, tuple(rest))

    def field_default(self, children: list[Any]) -> tuple[str, Any]:
        return ("default", children[0])

    @with_meta
    def field_decl(self, meta: Any, children: list[Any]) -> ast.FieldDecl:
        default = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "default"), None)
        label = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "label"), None)
        bounds = next((c for c in children[2:] if isinstance(c, ast.Bounds)), None)
        return ast.FieldDecl(self._span(meta), str(children[0]), children[1], default, label, bounds)

    @with_meta
    def record_decl(self, meta: Any, children: list[Any]) -> ast.RecordDecl:
        label = next((c[1] for c in children[1:] if isinstance(c, tuple)), None)
        fields = tuple(c for c in children[1:] if isinstance(c, ast.FieldDecl))
        return ast.RecordDecl(self._span(meta), str(children[0]), label, fields)

    def input_path(self, children: list[Any]) -> tuple[str | None, str]:
        if len(children) == 2:
            return (str(children[0]), str(children[1]))
        return (None, str(children[0]))

    def optional(self, children: list[Any]) -> tuple[str, None]:
        return ("optional", None)

    def default(self, children: list[Any]) -> tuple[str, Any]:
        return ("default", children[0])

    @with_meta
    def input_decl(self, meta: Any, children: list[Any]) -> ast.InputDecl:
        section, name = children[0]
        type_ref = children[1]
        optional = any(isinstance(c, tuple) and c[0] == "optional" for c in children[2:])
        default = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "default"), None)
        label = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "label"), None)
        bounds = next((c for c in children[2:] if isinstance(c, ast.Bounds)), None)
        return ast.InputDecl(self._span(meta), section, name, type_ref, optional, default, label, bounds)

    # -- the range of an input or a field: `between 0 and 12`, `at least 0`, `at most 1`
    @with_meta
    def between(self, meta: Any, children: list[Any]) -> ast.Bounds:
        return ast.Bounds(self._span(meta), children[0], children[1])

    @with_meta
    def at_least(self, meta: Any, children: list[Any]) -> ast.Bounds:
        return ast.Bounds(self._span(meta), children[0], None)

    @with_meta
    def at_most(self, meta: Any, children: list[Any]) -> ast.Bounds:
        return ast.Bounds(self._span(meta), None, children[0])

    def none_value(self, children: list[Any]) -> None:
        return None

    @with_meta
    def dated_value(self, meta: Any, children: list[Any]) -> ast.DatedValue:
        start = _parse_date(children[0], self.file)
        value = children[1]
        annotations = _flatten(children[2:])
        citations = tuple(a for a in annotations if isinstance(a, ast.Citation))
        flags = tuple(a for a in annotations if isinstance(a, ast.Flag))
        return ast.DatedValue(self._span(meta), start, value, citations, flags)

    @with_meta
    def parameter_decl(self, meta: Any, children: list[Any]) -> ast.ParameterDecl:
        label = next((c[1] for c in children[2:] if isinstance(c, tuple)), None)
        values = tuple(c for c in children[2:] if isinstance(c, ast.DatedValue))
        return ast.ParameterDecl(self._span(meta), str(children[0]), children[1], label, values)

    @with_meta
    def formal(self, meta: Any, children: list[Any]) -> ast.Formal:
        return ast.Formal(self._span(meta), str(children[0]), children[1])

    def formals(self, children: list[Any]) -> tuple[str, tuple[ast.Formal, ...]]:
        return ("formals", tuple(children))

    @with_meta
    def exception(self, meta: Any, children: list[Any]) -> ast.ExceptionDecl:
        name = str(children[0])
        rest = _flatten(children[1:])
        label = next((c[1] for c in rest if isinstance(c, tuple)), None)
        citations = tuple(c for c in rest if isinstance(c, ast.Citation))
        flags = tuple(c for c in rest if isinstance(c, ast.Flag))
        condition, body = rest[-2], rest[-1]
        return ast.ExceptionDecl(self._span(meta), name, label, citations, flags, condition, body)

    @with_meta
    def rule_decl(self, meta: Any, children: list[Any]) -> ast.RuleDecl:
        name = str(children[0])
        rest = children[1:]
        formals: tuple[ast.Formal, ...] = ()
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "formals":
            formals = rest[0][1]
            rest = rest[1:]
        type_ref = rest[0]
        rest = _flatten(rest[1:])
        label = next((c[1] for c in rest if isinstance(c, tuple)), None)
        citations = tuple(c for c in rest if isinstance(c, ast.Citation))
        flags = tuple(c for c in rest if isinstance(c, ast.Flag))
        exceptions = tuple(c for c in rest if isinstance(c, ast.ExceptionDecl))
        plain = [c for c in rest if not isinstance(c, (tuple, ast.Citation, ast.Flag, ast.ExceptionDecl))]
        body = plain[0]
        body_text = self._text(body)
        return ast.RuleDecl(
            self._span(meta), name, formals, type_ref, label, citations, flags, body, exceptions, body_text
        )

    # -- expressions
    @with_meta
    def quantity(self, meta: Any, children: list[Any]) -> ast.Quantity:
        text = str(children[0])
        unit = str(children[1]) if len(children) > 1 else None
        # Through Decimal: Fraction("…") refuses texts of more than 4,300 digits (a ValueError);
        # the checker reports any literal longer than the limits (CPF-E206) at its place.
        return ast.Quantity(self._span(meta), Fraction(Decimal(text)), unit, "." not in text)

    @with_meta
    def date_literal(self, meta: Any, children: list[Any]) -> ast.DateLiteral:
        return ast.DateLiteral(self._span(meta), _parse_date(children[0], self.file))

    @with_meta
    def text_literal(self, meta: Any, children: list[Any]) -> ast.TextLiteral:
        return ast.TextLiteral(self._span(meta), _unquote(children[0]))

    @with_meta
    def true_literal(self, meta: Any, children: list[Any]) -> ast.BoolLiteral:
        return ast.BoolLiteral(self._span(meta), True)

    @with_meta
    def false_literal(self, meta: Any, children: list[Any]) -> ast.BoolLiteral:
        return ast.BoolLiteral(self._span(meta), False)

    @with_meta
    def name(self, meta: Any, children: list[Any]) -> ast.Name:
        return ast.Name(self._span(meta), str(children[0]))

    def arguments(self, children: list[Any]) -> tuple[str, tuple[Any, ...]]:
        return ("arguments", tuple(children))

    @with_meta
    def call(self, meta: Any, children: list[Any]) -> ast.Call:
        token = children[0]
        args = children[1][1] if len(children) > 1 else ()
        return ast.Call(self._span(meta), str(token), _token_span(self.file, token), args)

    @with_meta
    def field(self, meta: Any, children: list[Any]) -> ast.FieldAccess:
        return ast.FieldAccess(self._span(meta), children[0], str(children[1]))

    @with_meta
    def negate(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary(self._span(meta), "-", children[0])

    @with_meta
    def not_op(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary(self._span(meta), "not", children[0])

    def _binary(self, op: str, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary(self._span(meta), op, children[0], children[1])

    @with_meta
    def or_op(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("or", meta, c)

    @with_meta
    def and_op(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("and", meta, c)

    @with_meta
    def eq(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("==", meta, c)

    @with_meta
    def ne(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("!=", meta, c)

    @with_meta
    def lt(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("<", meta, c)

    @with_meta
    def le(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("<=", meta, c)

    @with_meta
    def gt(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary(">", meta, c)

    @with_meta
    def ge(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary(">=", meta, c)

    @with_meta
    def add(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("+", meta, c)

    @with_meta
    def sub(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("-", meta, c)

    @with_meta
    def mul(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("*", meta, c)

    @with_meta
    def div(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("/", meta, c)

    @with_meta
    def otherwise(self, meta: Any, c: list[Any]) -> ast.Otherwise:
        return ast.Otherwise(self._span(meta), c[0], c[1])

    @with_meta
    def if_expr(self, meta: Any, c: list[Any]) -> ast.If:
        return ast.If(self._span(meta), c[0], c[1], c[2], " ".join(self._text(c[0]).split()))

    @with_meta
    def let_expr(self, meta: Any, c: list[Any]) -> ast.Let:
        return ast.Let(self._span(meta), str(c[0]), c[1], c[2])

    def aggregate_kind(self, children: list[Any]) -> str:
        return str(children[0])

    def aggregate_filter(self, children: list[Any]) -> tuple[str, Any]:
        return ("filter", children[0])

    @with_meta
    def aggregate(self, meta: Any, c: list[Any]) -> ast.Aggregate:
        condition = c[4][1] if len(c) > 4 else None
        return ast.Aggregate(self._span(meta), c[0], c[1], str(c[2]), c[3], condition)


def _flatten(children: list[Any]) -> list[Any]:
    """Expand the citation lists of ``cite A, B`` into the surrounding children."""
    flat: list[Any] = []
    for child in children:
        if isinstance(child, list):
            flat.extend(child)
        else:
            flat.append(child)
    return flat


def _parse_date(token: Any, file: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(token))
    except ValueError:
        raise CpfError(
            [
                Diagnostic(
                    "CPF-E003",
                    Severity.ERROR,
                    f"'{token}' is not a valid calendar date",
                    _token_span(file, token),
                    hint="dates are written YYYY-MM-DD and must exist (2019-02-30 does not)",
                )
            ]
        ) from None


def expression_text(node: Any, source: str) -> str:
    """Source text of an expression node, whitespace collapsed (used in traces)."""
    return " ".join(node_text(node, source).split())


def node_text(node: Any, source: str) -> str:
    """Source text of a node (its span), as written."""
    return _lines_text(node.span, source_lines(source))


def source_lines(source: str) -> list[str]:
    """The lines of a rule file as Lark numbers them: cut at ``\\n`` only (a form feed, a
    lone ``\\r`` or U+2028 is a character of its line, not a line break, unlike
    ``str.splitlines``), a ``\\r`` before the ``\\n`` dropped."""
    return [line[:-1] if line.endswith("\r") else line for line in source.split("\n")]


def _lines_text(span: Span, lines: list[str]) -> str:
    chunk = lines[span.line - 1 : span.end_line]
    if not chunk:
        return ""
    chunk[-1] = chunk[-1][: span.end_column - 1]
    chunk[0] = chunk[0][span.column - 1 :]
    return "\n".join(chunk)
