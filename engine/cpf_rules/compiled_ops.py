"""Stage 5, compiled (building blocks): what the compiled closures share.

The shapes of closure :class:`~cpf_rules.compiled.CompiledRuleSet` builds most (a call
with one or two arguments), counting its step inline as the interpreter counts one per
node; and the operators chosen once from the checked types of their operands (numbers,
years, dates).
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import ast
from .diagnostics import Span
from .evaluation_errors import MISSING
from .types import Type

if TYPE_CHECKING:
    from .compiled_evaluation import CompiledEvaluation

Code = Callable[["CompiledEvaluation", dict[str, Any]], Any]
"""A compiled expression: evaluates in an evaluation, with the local names bound."""

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "*": operator.mul,
}


def calendar_add(left: Any, right: Any) -> Any:
    if isinstance(left, datetime.date):
        return left + datetime.timedelta(days=int(right))
    if isinstance(left, int):  # a year plus a whole number of years
        return left + int(right)
    return left + right


def calendar_subtract(left: Any, right: Any) -> Any:
    if isinstance(left, datetime.date):
        if isinstance(right, datetime.date):
            return Fraction((left - right).days)
        return left - datetime.timedelta(days=int(right))
    if isinstance(left, int):  # year - year is a number of years; year - n a year
        return Fraction(left - right) if isinstance(right, int) else left - int(right)
    return left - right


def ticked(span: Span, inner: Code) -> Code:
    """``inner`` after one step counted (the interpreter counts one per node). The hot
    closures count their step inline instead, saving a call per node."""

    def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        return inner(ev, env)

    return code


def on_one_argument(span: Span, argument: Code, apply: Callable[[CompiledEvaluation, Any], Any]) -> Code:
    """A call with one argument (a rule or parameter for a period, a yearly fact, a
    rounding): its step, the argument, then ``apply`` unless the argument is missing."""

    def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        value = argument(ev, env)
        return MISSING if value is MISSING else apply(ev, value)

    return code


def on_two_arguments(span: Span, first: Code, second: Code, apply: Callable[[Any, Any], Any]) -> Code:
    """An operator or a two-argument function: its step, both operands, then ``apply``
    unless one of them is missing."""

    def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        a, b = first(ev, env), second(ev, env)
        if a is MISSING or b is MISSING:
            return MISSING
        return apply(a, b)

    return code


def _fraction_comparison(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``compare`` on two numbers. Two fractions are compared on their cross products
    (denominators are positive), which skips the abstract-class checks of
    ``Fraction.__lt__`` and friends (about 4× faster); anything else as Python does."""

    def on_numbers(a: Any, b: Any) -> Any:
        if type(a) is Fraction and type(b) is Fraction:
            # The slots behind the numerator and denominator properties (a property
            # call each otherwise): CPython's fractions.Fraction from 3.0 to 3.14.
            return compare(a._numerator * b._denominator, b._numerator * a._denominator)  # type: ignore[attr-defined]
        return compare(a, b)

    return on_numbers


FRACTION_LESS = _fraction_comparison(operator.lt)
FRACTION_GREATER = _fraction_comparison(operator.gt)


def arithmetic(op: str, left_type: Type | None, right: ast.Expr) -> Callable[[Any, Any], Any]:
    """The function of a binary operator, chosen once from the checked type of its left
    operand: numbers (fractions) use the operator itself; years and dates their
    calendar arithmetic (``calendar_add``, ``calendar_subtract``), with a constant whole number of years
    (``y - 1``) turned into an int at compile time."""
    kind = left_type.kind if left_type is not None else None
    if op in ("<", "<=", ">", ">=") and kind == "number":
        return _fraction_comparison(COMPARE[op])
    if op not in ("+", "-"):
        return COMPARE[op]
    if kind == "number":
        return operator.add if op == "+" else operator.sub
    if kind == "year" and isinstance(right, ast.Quantity) and right.value.denominator == 1:
        years = int(right.value)
        return (lambda a, _b: a + years) if op == "+" else (lambda a, _b: a - years)
    return calendar_add if op == "+" else calendar_subtract
