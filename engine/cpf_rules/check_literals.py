"""Stage 3, the size of number literals: within the bounds of a number in the facts.

A literal of a rule file (``500 EUR``, ``0.5``, a what-if value) is held exactly; CPF-E206
refuses one beyond 12 digits before the decimal point or 12 after it, the bounds of a
number in a facts document (CPF-F108, :mod:`cpf_rules.limits`), so that every value a
rule file writes is one a holder's facts could hold and no literal is so long that
reading or evaluating it stalls.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from . import ast
from .diagnostics import DiagnosticBag
from .limits import MAX_DECIMALS, MAX_INTEGER_DIGITS

_WHOLE_LIMIT = 10**MAX_INTEGER_DIGITS


def check_literal_size(bag: DiagnosticBag, expr: ast.Quantity) -> None:
    """CPF-E206: a number literal within the bounds of facts (CPF-F107), so that every
    value a rule file writes is one a holder's facts could hold (12 digits before the
    decimal point, 12 after)."""
    value = expr.value
    if value.denominator == 1 and -_WHOLE_LIMIT < value.numerator < _WHOLE_LIMIT:
        return  # most literals: a whole number of at most 12 digits
    before, after = literal_digits(value)
    if before <= MAX_INTEGER_DIGITS and after <= MAX_DECIMALS:
        return
    found = f"{before} digit(s) before the decimal point and {after} after it"
    expected = f"at most {MAX_INTEGER_DIGITS} digits before the decimal point and {MAX_DECIMALS} after it"
    bag.error(
        "CPF-E206",
        f"number too large or too precise: {found}",
        expr.span,
        hint="amounts, hours and shares of the law need far fewer digits; check the number",
        expected=expected,
        found=found,
    )


def literal_digits(value: Fraction) -> tuple[int, int]:
    """Digits of a number literal before and after the decimal point (a literal is a
    terminating decimal; trailing zeros after the point are not counted).

    >>> literal_digits(Fraction(12345678901234567890123456789)), literal_digits(Fraction(-1, 8))
    ((29, 0), (0, 3))
    """
    magnitude = abs(value)
    whole = magnitude.numerator // magnitude.denominator
    before = Decimal(whole).adjusted() + 1 if whole else 0  # no str(): exact for any length
    denominator, after = magnitude.denominator, 0
    while denominator != 1 and after <= MAX_DECIMALS:
        denominator = denominator // math.gcd(denominator, 10)
        after += 1
    if denominator != 1:  # more than MAX_DECIMALS places, or not a decimal (never from the parser)
        after = MAX_DECIMALS + 1
    return before, after
