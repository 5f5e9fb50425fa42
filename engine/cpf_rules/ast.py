"""Syntax tree of rule files: read-only dataclasses (:mod:`cpf_rules.readonly`), each with its source span.

Produced by :mod:`cpf_rules.syntax` from Lark's parse tree; consumed by the resolver,
the checker and the evaluator. Nothing here depends on Lark: later stages never see a
Lark ``Tree``. Citations and flags live on the node they annotate, so any later error
or trace line can say "art. L6323-11 — rules/x.cpf:42:7".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import fields
from fractions import Fraction
from typing import Any

from .diagnostics import Span
from .readonly import readonly


class _Node:
    """Value semantics shared by every node: equality, hash and repr by fields, in field
    order, as ``@dataclass`` would generate them (``eq=False, repr=False`` below).

    Defined once here rather than generated for each of the 28 classes: a generated
    method is compiled when the module is imported, and every ``cpf`` process imports
    this one (about 6 ms of start-up, measured with callgrind).
    """

    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in _field_names(type(self))])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _field_names(type(self)))
        return f"{type(self).__qualname__}({shown})"


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


# ---- annotations -------------------------------------------------------------------


@readonly(eq=False, repr=False)
class Citation(_Node):
    """``cite CT:L6323-11 "al. 2"``: an article of legal_refs/ and an optional locator."""

    span: Span
    ref: str
    locator: str | None


@readonly(eq=False, repr=False)
class Flag(_Node):
    """``uncertain "..."`` or ``interpretation "..."``: shown as a warning in results."""

    span: Span
    kind: str  # "uncertain" | "interpretation"
    text: str


# ---- types ---------------------------------------------------------------------------


@readonly(eq=False, repr=False)
class TypeRef(_Node):
    """A written type: ``money``, ``money/hours`` (a rate), ``list LedgerEvent``."""

    span: Span
    kind: str  # "simple" | "rate" | "list"
    name: str
    denominator: str | None = None


# ---- expressions ---------------------------------------------------------------------


@readonly(eq=False, repr=False)
class Quantity(_Node):
    """A number with an optional unit: ``500 EUR``, ``24 h``, ``15 EUR/h``, ``0.5``."""

    span: Span
    value: Fraction
    unit: str | None
    is_integer: bool


@readonly(eq=False, repr=False)
class DateLiteral(_Node):
    """A date written in a rule: ``2019-01-01``."""

    span: Span
    value: datetime.date


@readonly(eq=False, repr=False)
class TextLiteral(_Node):
    """A quoted text: ``"salarié"``."""

    span: Span
    value: str


@readonly(eq=False, repr=False)
class BoolLiteral(_Node):
    """``true`` or ``false``."""

    span: Span
    value: bool


@readonly(eq=False, repr=False)
class Name(_Node):
    """A bare name: a local, an enum case, an input or a rule without period."""

    span: Span
    name: str


@readonly(eq=False, repr=False)
class Call(_Node):
    """``credit(y - 1)``, ``annual_amount(y.start)``, ``min(a, b)``."""

    span: Span
    name: str
    name_span: Span
    args: tuple[Expr, ...]


@readonly(eq=False, repr=False)
class FieldAccess(_Node):
    """``y.start``, ``e.amount``, ``Status.employee``."""

    span: Span
    target: Expr
    name: str


@readonly(eq=False, repr=False)
class Unary(_Node):
    """``-x`` or ``not c``."""

    span: Span
    op: str  # "-" | "not"
    operand: Expr


@readonly(eq=False, repr=False)
class Binary(_Node):
    """``a + b``, ``a <= b``, ``c and d``: arithmetic, comparison or logic."""

    span: Span
    op: str  # + - * / == != < <= > >= and or
    left: Expr
    right: Expr


@readonly(eq=False, repr=False)
class Otherwise(_Node):
    """``a otherwise b``: ``b`` when ``a`` is absent from the facts or has no dated value."""

    span: Span
    left: Expr
    right: Expr


@readonly(eq=False, repr=False)
class If(_Node):
    """``if c then a else b``; ``condition_text`` is the condition as written, for traces."""

    span: Span
    condition: Expr
    then: Expr
    orelse: Expr
    condition_text: str


@readonly(eq=False, repr=False)
class Let(_Node):
    """``let x = value in body``: a local name for a sub-expression."""

    span: Span
    name: str
    value: Expr
    body: Expr


@readonly(eq=False, repr=False)
class Aggregate(_Node):
    """``sum(e.amount for e in ledger if e.kind == training_paid)``."""

    span: Span
    kind: str  # sum | count | any | all
    body: Expr
    variable: str
    source: Expr
    condition: Expr | None


Expr = (
    Quantity
    | DateLiteral
    | TextLiteral
    | BoolLiteral
    | Name
    | Call
    | FieldAccess
    | Unary
    | Binary
    | Otherwise
    | If
    | Let
    | Aggregate
)


def sub_expressions(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``expr``, in source order."""
    children = _SUB_EXPRESSIONS.get(type(expr))
    return children(expr) if children is not None else ()


_SUB_EXPRESSIONS: dict[type, Callable[[Any], tuple[Expr, ...]]] = {
    Call: lambda e: e.args,
    FieldAccess: lambda e: (e.target,),
    Unary: lambda e: (e.operand,),
    Binary: lambda e: (e.left, e.right),
    Otherwise: lambda e: (e.left, e.right),
    If: lambda e: (e.condition, e.then, e.orelse),
    Let: lambda e: (e.value, e.body),
    Aggregate: lambda e: (e.source, e.body) if e.condition is None else (e.source, e.body, e.condition),
}
"""The sub-expressions of each kind of expression that has some (the leaves have none)."""


def expression_height(expr: Expr) -> int:
    """The number of expressions on the longest path from ``expr`` down to a leaf (a leaf: 1).

    Iterative: a tree deeper than the parser accepts gets an answer, not a RecursionError.
    """
    height = 0
    pending = [(expr, 1)]
    while pending:
        node, level = pending.pop()
        height = max(height, level)
        pending.extend((child, level + 1) for child in sub_expressions(node))
    return height


# ---- declarations --------------------------------------------------------------------


@readonly(eq=False, repr=False)
class EnumCase(_Node):
    """One case of an enum: ``employee "salarié"``."""

    span: Span
    name: str
    label: str | None


@readonly(eq=False, repr=False)
class EnumDecl(_Node):
    """``enum Status``: a closed list of cases, each with its French label."""

    span: Span
    name: str
    label: str | None
    cases: tuple[EnumCase, ...]


@readonly(eq=False, repr=False)
class Bounds(_Node):
    """``between 0 and 12``, ``at least 0``, ``at most 1``: the range of an input's or a
    field's values, both ends included (a missing end: None). Each end is a number literal,
    negated or not (a :class:`Quantity` or a ``-`` :class:`Unary` of one), in the declared
    type's unit; the facts schema refuses a value outside (CPF-F105)."""

    span: Span
    low: Expr | None
    high: Expr | None


@readonly(eq=False, repr=False)
class FieldDecl(_Node):
    """One field of a record: its name, written type, optional default and label, and its range."""

    span: Span
    name: str
    type: TypeRef
    default: Expr | None
    label: str | None
    bounds: Bounds | None = None


@readonly(eq=False, repr=False)
class RecordDecl(_Node):
    """``record LedgerEvent``: the shape of the entries of a list in the facts."""

    span: Span
    name: str
    label: str | None
    fields: tuple[FieldDecl, ...]


@readonly(eq=False, repr=False)
class InputDecl(_Node):
    """``input year.worked_hours : hours default 0 h "..."``.

    ``section`` is ``year`` (one entry per calendar year, read as ``worked_hours(y)``),
    another object of the facts document (``holder``), or None for a top-level list.
    ``bounds``: the range written after the type (``decimal between 0 and 12``), if any.
    """

    span: Span
    section: str | None
    name: str
    type: TypeRef
    optional: bool
    default: Expr | None
    label: str | None
    bounds: Bounds | None = None


@readonly(eq=False, repr=False)
class DatedValue(_Node):
    """``from 2019-01-01 = 500 EUR cite CT:R6323-1 "I"``; ``value`` None means ``none``."""

    span: Span
    start: datetime.date
    value: Expr | None
    citations: tuple[Citation, ...]
    flags: tuple[Flag, ...]


@readonly(eq=False, repr=False)
class ParameterDecl(_Node):
    """``parameter annual_amount : money``: a value of the law by date, each one cited."""

    span: Span
    name: str
    type: TypeRef
    label: str | None
    values: tuple[DatedValue, ...]


@readonly(eq=False, repr=False)
class Formal(_Node):
    """One formal parameter of a rule: ``y : year``."""

    span: Span
    name: str
    type: TypeRef


@readonly(eq=False, repr=False)
class ExceptionDecl(_Node):
    """``exception name when condition = body``: replaces a rule's body when its condition holds."""

    span: Span
    name: str
    label: str | None
    citations: tuple[Citation, ...]
    flags: tuple[Flag, ...]
    condition: Expr
    body: Expr


@readonly(eq=False, repr=False)
class RuleDecl(_Node):
    """``rule credit(y : year) : money = ...``: a computed value, cited, with its exceptions."""

    span: Span
    name: str
    formals: tuple[Formal, ...]
    type: TypeRef
    label: str | None
    citations: tuple[Citation, ...]
    flags: tuple[Flag, ...]
    body: Expr
    exceptions: tuple[ExceptionDecl, ...]
    body_text: str


Declaration = EnumDecl | RecordDecl | InputDecl | ParameterDecl | RuleDecl


@readonly(eq=False, repr=False)
class Module(_Node):
    """One parsed rule file."""

    path: str
    source: str
    declarations: tuple[Declaration, ...]
