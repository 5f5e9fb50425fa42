"""Stage 3, the declared ranges of inputs and record fields (``decimal between 0 and 12``).

A range bounds what the facts may hold; the facts schema enforces it
(:mod:`cpf_rules.facts_schema`). Checked here, each at its place in the rule file:

- CPF-E207, an end that does not fit the declared type: a range on something that is
  not a number (a date, an enum), an end in another unit (``hours between 0 and 24``
  lacks its ``h``), a fraction for an integer, an end too precise for the schema;
- CPF-E208, a range that admits nothing or contradicts the declaration: the lower end
  above the upper one, a negative end for hours, money or days (the facts hold none
  below 0 already), a default outside the range.

The ends are number literals (the grammar allows nothing else); their size is checked
with every literal (CPF-E206).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from . import ast
from .bounds import bound_value, number_text, range_words, survives_schema
from .diagnostics import DiagnosticBag
from .resolve import Symbols
from .types import Type


def check_declared_bounds(symbols: Symbols, bag: DiagnosticBag, infer: Callable[[ast.Expr], Type]) -> None:
    """CPF-E207/E208 on every range of an input or a record field; ``infer`` types an end
    (the checker's, so that the ends' types are recorded with every expression's)."""
    for record in symbols.records.values():
        for f in record.fields:
            if f.bounds is not None:
                what = f"field `{record.name}.{f.name}`"
                _check(bag, infer, what, f.bounds, symbols.type_of(f.type), f.default)
    for decl in symbols.inputs.values():
        if decl.bounds is not None:
            place = f"{decl.section}.{decl.name}" if decl.section else decl.name
            _check(bag, infer, f"input `{place}`", decl.bounds, symbols.type_of(decl.type), decl.default)


def _unit_words(declared: Type) -> str:
    """How the ends of a range of this type are written, for an ``expected``."""
    if declared.unit.dimensionless:
        return "a whole number without unit (12)" if declared.integer else "a number without unit (12 or 0.5)"
    return f"a number with its unit ({declared.unit.symbol()}), e.g. 24 {declared.unit.symbol()}"


def _check(
    bag: DiagnosticBag,
    infer: Callable[[ast.Expr], Type],
    what: str,
    bounds: ast.Bounds,
    declared: Type,
    default: ast.Expr | None,
) -> None:
    if declared.kind == "unknown":
        return  # the type itself was reported
    if declared.kind != "number":
        bag.error(
            "CPF-E207",
            f"{what} is of type {declared.display()}: a range applies to numbers only",
            bounds.span,
            expected="a number type (decimal, integer, hours, money, days)",
            found=declared.display(),
            hint="remove the range; an enum lists its cases, a date is checked as a date",
        )
        return
    ends: list[Fraction | None] = []
    fits = True
    for side, end in (("lower", bounds.low), ("upper", bounds.high)):
        if end is None:
            ends.append(None)
            continue
        fits = _check_end(bag, infer, what, side, end, declared) and fits
        ends.append(bound_value(end))
    if not fits:
        return
    low, high = ends
    unit = None if declared.unit.dimensionless else declared.unit.symbol()
    if low is not None and high is not None and low > high:
        bag.error(
            "CPF-E208",
            f"the range of {what} is empty: its lower end {number_text(low)} is above its upper end {number_text(high)}",
            bounds.span,
            expected="between LOW and HIGH with LOW at most HIGH",
            found=range_words(low, high, unit),
            hint=f"write {range_words(high, low, unit)}",
        )
        return
    if unit is not None and ((low is not None and low < 0) or (high is not None and high < 0)):
        bag.error(
            "CPF-E208",
            f"the range of {what} goes below 0, but a facts document holds no negative {declared.display()}",
            bounds.span,
            expected=f"ends at least 0 {unit}",
            found=range_words(low, high, unit),
            hint=f"a number of {declared.display()} is at least 0 already: remove the lower end or write at least 0 {unit}",
        )
        return
    value = bound_value(default)
    if (
        default is not None
        and value is not None
        and infer(default).unit == declared.unit  # a default in another unit is CPF-E201 already
        and not _inside(value, low, high)
    ):
        bag.error(
            "CPF-E208",
            f"the default of {what} is outside its range",
            default.span,
            expected=f"a default {range_words(low, high, unit)}",
            found=number_text(value) + (f" {unit}" if unit else ""),
            hint="a default is a value the facts could hold: put it inside the range, or widen the range",
        )


def _check_end(
    bag: DiagnosticBag, infer: Callable[[ast.Expr], Type], what: str, side: str, end: ast.Expr, declared: Type
) -> bool:
    """Whether one end fits the declared type (a diagnostic if not)."""
    reported = len(bag.items)
    found = infer(end)  # reports a literal longer than the facts allow (CPF-E206)
    value = bound_value(end)
    if len(bag.items) > reported:
        return False  # CPF-E206 says it: not also "too precise for the schema"
    if found.kind != "number" or value is None:
        return False  # the grammar writes only numbers here
    expected = _unit_words(declared)
    if found.unit != declared.unit:
        symbol = declared.unit.symbol()
        hint = f"write {number_text(abs(value))} {symbol}" if not declared.unit.dimensionless else "remove the unit"
        written = "without a unit" if found.unit.dimensionless else f"in {found.unit.symbol()}"
        kind = (
            "has no unit" if declared.unit.dimensionless else f"is in {declared.unit.symbol()} ({declared.display()})"
        )
        bag.error(
            "CPF-E207",
            f"the {side} end of the range of {what} is written {written}, but the {what.split()[0]} {kind}",
            end.span,
            expected=expected,
            found=number_text(value) + (" (no unit)" if found.unit.dimensionless else f" {found.unit.symbol()}"),
            hint=hint,
        )
        return False
    if declared.integer and declared.unit.dimensionless and value.denominator != 1:
        bag.error(
            "CPF-E207",
            f"the {side} end of the range of {what} is not a whole number, but {what} is an integer",
            end.span,
            expected=expected,
            found=number_text(value),
        )
        return False
    if not survives_schema(value):
        bag.error(
            "CPF-E207",
            f"the {side} end of the range of {what} is too precise for the facts schema",
            end.span,
            expected="an end of at most 15 significant digits",
            found=number_text(value),
            hint="JSON Schema writes the ends as binary floating-point numbers; round the end",
        )
        return False
    return True


def _inside(value: Fraction, low: Fraction | None, high: Fraction | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)
