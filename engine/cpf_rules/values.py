"""Exact numbers, named roundings and the printing of values (base layer).

Arithmetic is done on :class:`fractions.Fraction`, so that ``500 × 700 / 1607`` is held
exactly and the rounding the law names is applied to the exact value: a ``Decimal``
quotient would already be rounded to 28 digits, and rounding that up to the cent can
be off by one cent (``2/3 × 3`` would give 2.000…01, rounded up to 2.01). Results leave
the engine as :class:`decimal.Decimal`.

The roundings, each named after what the law says:

- ``round_up_to_cent``: R6323-1 II and R6323-22 ("arrondi au centime d'euro supérieur").
- ``round_half_up_to_cent``: the usual rounding to the nearest cent, half away from zero.
- ``round_up_to_hour``: R6323-1 III (hours version) and décret 2017-928 art. 3 ("arrondi
  à l'heure supérieure" / "nombre entier immédiatement supérieur").
- ``round_to_nearest_hour``: décret 2017-928 art. 2 (CEC euros to hours, "arrondi à
  l'entier le plus proche"), half away from zero.

>>> round_up_to_cent(Fraction(500 * 700, 1607))
Fraction(1089, 5)
>>> to_decimal(round_up_to_cent(Fraction(500 * 700, 1607)), places=2)
Decimal('217.80')
>>> round_up_to_cent(Fraction(2, 3) * 3) == 2
True
>>> round_up_to_hour(Fraction(24 * 800, 1607))
Fraction(12, 1)
>>> round_to_nearest_hour(Fraction(5, 2)), round_to_nearest_hour(Fraction(-5, 2))
(Fraction(3, 1), Fraction(-3, 1))
>>> format_money(Fraction(144000, 100))
'1 440,00 €'
"""

from __future__ import annotations

import math
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation, Overflow
from fractions import Fraction


def _ceil_to(value: Fraction, step: Fraction) -> Fraction:
    return Fraction(math.ceil(value / step)) * step


def _half_up_to(value: Fraction, step: Fraction) -> Fraction:
    scaled = abs(value) / step
    rounded = math.floor(scaled + Fraction(1, 2))
    return Fraction(rounded) * step * (1 if value >= 0 else -1)


CENT = Fraction(1, 100)
HOUR = Fraction(1)


def round_up_to_cent(value: Fraction) -> Fraction:
    """Round up to the next cent (towards +∞), as R6323-1 II requires."""
    return _ceil_to(value, CENT)


def round_half_up_to_cent(value: Fraction) -> Fraction:
    """Round to the nearest cent, halves away from zero."""
    return _half_up_to(value, CENT)


def round_up_to_hour(value: Fraction) -> Fraction:
    """Round up to the next whole hour, as R6323-1 III (hours version) requires."""
    return _ceil_to(value, HOUR)


def round_to_nearest_hour(value: Fraction) -> Fraction:
    """Round to the nearest whole hour, halves away from zero."""
    return _half_up_to(value, HOUR)


ROUNDINGS = {
    "round_up_to_cent": round_up_to_cent,
    "round_half_up_to_cent": round_half_up_to_cent,
    "round_up_to_hour": round_up_to_hour,
    "round_to_nearest_hour": round_to_nearest_hour,
}


def is_terminating(value: Fraction) -> bool:
    """True when the value has a finite decimal expansion (denominator 2^a·5^b)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _exact_context() -> Context:
    """A decimal context wide enough that no operation on our values rounds or overflows."""
    return Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation, Overflow])


def decimal_places(denominator: int) -> int:
    """The number of decimal places of a terminating fraction with this denominator:
    the larger exponent of 2 and 5 in it (8 = 2³ → 3: 1/8 = 0.125)."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    return max(twos, fives)


_INEXACT_PLACES = 20


def to_decimal(value: Fraction, places: int | None = None) -> Decimal:
    """The exact Decimal of a terminating fraction (``places`` pads with zeros).

    Exact whatever the number of digits: the digits are computed on integers, never by
    a division in a 28-digit context (``12345678901234567890123456789`` stays itself).
    A non-terminating value is rounded half-even to 20 decimal places; callers that
    need exactness check :func:`is_terminating` first (rendering marks it ``≈``).

    >>> to_decimal(Fraction(12345678901234567890123456789, 100), places=2)
    Decimal('123456789012345678901234567.89')
    >>> to_decimal(Fraction(10**30, 3))
    Decimal('333333333333333333333333333333.33333333333333333333')
    """
    context = _exact_context()
    if is_terminating(value):
        exponent = decimal_places(value.denominator)
        coefficient = value.numerator * (10**exponent // value.denominator)
        result = Decimal(coefficient).scaleb(-exponent, context)
        if places is not None and exponent < places:
            result = result.quantize(Decimal(1).scaleb(-places), context=context)
        return result.normalize(context) if places is None and exponent == 0 else result
    return Decimal(round(value * 10**_INEXACT_PLACES)).scaleb(-_INEXACT_PLACES, context)


def plain_number(value: Fraction, places: int | None = None) -> str:
    """Machine form: ``217.80``, ``96``, ``0.43559427504667081518`` (non-terminating)."""
    decimal = to_decimal(value, places)
    text = format(decimal, "f")
    if places is None and "." in text and is_terminating(value):
        text = text.rstrip("0").rstrip(".")
    return text


def _group(integer_part: str) -> str:
    sign = "-" if integer_part.startswith("-") else ""
    digits = integer_part.lstrip("-")
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + " ".join(groups)


def french_number(value: Fraction, places: int | None = None) -> str:
    """French form: thousands separated by spaces, decimal comma; ``≈`` when inexact.

    >>> french_number(Fraction(1234567, 1000))
    '1 234,567'
    >>> french_number(Fraction(700, 1607))
    '≈ 0,435594'
    """
    if not is_terminating(value) and places is None:
        text = format(to_decimal(value).quantize(Decimal("0.000001"), context=_exact_context()), "f")
        prefix = "≈ "
    else:
        text = plain_number(value, places)
        prefix = ""
    integer_part, _, fraction_part = text.partition(".")
    grouped = _group(integer_part)
    return prefix + (grouped + "," + fraction_part if fraction_part else grouped)


def format_money(value: Fraction) -> str:
    return french_number(value, 2) + " €" if is_terminating(value) else french_number(value) + " €"


def format_hours(value: Fraction) -> str:
    return french_number(value) + " h"
