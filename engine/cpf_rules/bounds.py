"""The declared range of an input or a record field (``between 0 and 12``): its ends as numbers and in words.

Written in a rule file after the type (grammar/cpf.lark, ``bounds``), built as
:class:`~cpf_rules.ast.Bounds`, checked by :mod:`cpf_rules.check_bounds` (CPF-E207,
CPF-E208) and enforced on facts documents by the JSON Schema's ``minimum`` and
``maximum`` (:mod:`cpf_rules.facts_schema`; a value outside is CPF-F105). The language
server's hover and the documentation site show it in the same words (:func:`declared_words`),
and list a record's fields with their types and ranges the same way (:func:`record_fields`).
Base layer: imports nothing of ours but the syntax tree (and the checked type, for annotations).

>>> range_words(Fraction(0), Fraction(12))
'between 0 and 12'
>>> range_words(Fraction(0), None, "h"), range_words(None, Fraction(1, 2))
('at least 0 h', 'at most 0.5')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from . import ast

if TYPE_CHECKING:
    from .types import Type

Range = tuple[Fraction | None, Fraction | None]
"""The lower and the upper end of a range, both included; None: that side is open."""


def bound_value(expr: ast.Expr | None) -> Fraction | None:
    """The number an end of a range (or a default) writes: ``12``, ``24 h``, ``-1.5``; None
    for anything else (the grammar allows only these for an end; a default may be anything)."""
    if isinstance(expr, ast.Quantity):
        return expr.value
    if isinstance(expr, ast.Unary) and expr.op == "-" and isinstance(expr.operand, ast.Quantity):
        return -expr.operand.value
    return None


def declared_range(bounds: ast.Bounds | None) -> Range:
    """The ends written in ``bounds`` (both None without a range)."""
    if bounds is None:
        return None, None
    return bound_value(bounds.low), bound_value(bounds.high)


def declared_words(type_: Type, bounds: ast.Bounds | None) -> str:
    """The range of a value of ``type_`` as a rule file writes it, each end with the type's
    unit (``between 0 h and 24 h``); empty without a range."""
    unit = None if type_.kind != "number" or type_.unit.dimensionless else type_.unit.symbol()
    return range_words(*declared_range(bounds), unit)


def declared_text(type_: Type, bounds: ast.Bounds | None) -> str:
    """A declared type as a rule file writes it, with its range if any: ``decimal between 0 and 12``."""
    return _with_range(type_.display(), declared_words(type_, bounds))


def _with_range(type_text: str, words: str) -> str:
    return f"{type_text} {words}" if words else type_text


@dataclass(frozen=True)
class DeclaredField:
    """One field of a record as the hover and the documentation site show it."""

    name: str
    type: str
    """The type as a rule file writes it: ``decimal``, ``money``, ``LedgerKind``."""
    range: str
    """Its declared range in words (``between 0 and 1``); empty without one."""
    label: str | None

    @property
    def declared(self) -> str:
        """Type and range as the field's declaration writes them: ``decimal between 0 and 1``."""
        return _with_range(self.type, self.range)


def record_fields(record: ast.RecordDecl, type_of: Callable[[ast.TypeRef], Type]) -> list[DeclaredField]:
    """The fields of ``record`` in declaration order, each with its type and declared range;
    ``type_of`` gives the checked type of a written one (``Symbols.type_of``)."""
    fields = []
    for decl in record.fields:
        type_ = type_of(decl.type)
        fields.append(DeclaredField(decl.name, type_.display(), declared_words(type_, decl.bounds), decl.label))
    return fields


def number_text(value: Fraction) -> str:
    """A terminating decimal as a rule file writes it: ``12``, ``0.5``, ``-1.25``.

    >>> number_text(Fraction(-5, 4)), number_text(Fraction(366))
    ('-1.25', '366')
    """
    if value.denominator == 1:
        return str(value.numerator)
    places = 0
    while (value * 10**places).denominator != 1 and places < 40:
        places += 1
    return format(Decimal(value.numerator) / Decimal(value.denominator), f".{places}f")


def range_words(low: Fraction | None, high: Fraction | None, unit: str | None = None) -> str:
    """``between LOW and HIGH``, ``at least LOW`` or ``at most HIGH`` (ends with their unit
    symbol if given); empty for an open range."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"between {number_text(low)}{suffix} and {number_text(high)}{suffix}"
    if low is not None:
        return f"at least {number_text(low)}{suffix}"
    if high is not None:
        return f"at most {number_text(high)}{suffix}"
    return ""


def schema_number(value: Fraction) -> int | float:
    """An end as a JSON Schema number: an int when whole, else the float whose shortest
    text is the decimal written (CPF-E207 refuses an end that would not survive this:
    more than 15 significant digits); both validators compare facts with that decimal."""
    if value.denominator == 1:
        return value.numerator
    return float(number_text(value))


def survives_schema(value: Fraction) -> bool:
    """Whether :func:`schema_number` keeps ``value`` exactly (read back as its shortest decimal text)."""
    if value.denominator == 1:
        return True
    return Fraction(Decimal(repr(schema_number(value)))) == value
