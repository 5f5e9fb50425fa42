"""Exact column values for the batch kernel: rationals as int64 numerator/denominator pairs.

A value of the vectorised evaluator is a :class:`Vec`: its data (a Python scalar when
every holder has the same value — parameters, periods, constants — or a NumPy array
with one entry per holder or per list item), and three masks: ``missing`` (an absent
optional fact), ``undefined`` (a parameter with no value on the date, which
``otherwise`` in the same rule may still catch) and ``fallback`` (rows the vector path
cannot answer exactly: an error the scalar engine must report, or a number too large
for 64-bit integers). A masked row is never silently wrong: the batch runner sends
every ``fallback`` row to the scalar engine.

Numbers are :class:`Num`: ``numerator / denominator`` with int64 arrays (or Python
ints), the denominator positive. No float ever holds money. Every multiplication is
guarded: rows whose operands exceed 2**31 in magnitude are flagged ``fallback``.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

Mask = Any
"""``False`` (no row) or a boolean array."""

LIMIT = 2**31
"""Operands below this magnitude multiply and add without overflowing int64."""

ORDINAL_EPOCH = datetime.date(1970, 1, 1).toordinal()


@dataclass(slots=True)
class Num:
    """An exact rational per row: ``num / den``, den > 0 (ints or int64 arrays)."""

    num: Any
    den: Any

    @staticmethod
    def of(value: Fraction | int) -> Num:
        fraction = Fraction(value)
        return Num(fraction.numerator, fraction.denominator)

    @property
    def scalar(self) -> bool:
        return not isinstance(self.num, np.ndarray) and not isinstance(self.den, np.ndarray)

    def fraction(self) -> Fraction:
        return Fraction(int(self.num), int(self.den))


@dataclass(slots=True)
class Vec:
    """A column (or a uniform scalar) with its masks; ``level`` 1 is a list-item column."""

    data: Any
    missing: Mask = False
    undefined: Mask = False
    fallback: Mask = False
    level: int = 0


def is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray)


def any_rows(mask: Mask) -> bool:
    return bool(np.any(mask)) if is_array(mask) else bool(mask)


def union(*masks: Mask) -> Mask:
    result: Mask = False
    for mask in masks:
        if mask is False:
            continue
        result = mask if result is False else (result | mask)
    return result


def _guard(values: list[Any]) -> tuple[Mask, list[Any]]:
    """Rows where an operand is too large for exact int64 arithmetic: flagged, zeroed."""
    bad: Mask = False
    for value in values:
        if is_array(value):
            if value.size and (int(value.max()) >= LIMIT or int(value.min()) <= -LIMIT):
                bad = union(bad, np.abs(value) >= LIMIT)
        elif abs(int(value)) >= LIMIT:
            return True, [1 if not is_array(v) and abs(int(v)) >= LIMIT else v for v in values]
    if bad is False:
        return False, values
    cleaned = [np.where(bad, 1, v) if is_array(v) else v for v in values]
    return bad, cleaned


def _reduce(num: Any, den: Any) -> Num:
    if is_array(den):
        common = np.gcd(num, den)
        common = np.where(common == 0, 1, common)
        return Num(num // common, den // common)
    if is_array(num):
        return Num(num, den)
    common = math.gcd(int(num), int(den)) or 1
    return Num(int(num) // common, int(den) // common)


def common_denominator(value: Num) -> Num:
    """The same numbers over one scalar denominator (the lcm of theirs), when that stays exact in int64.

    Amounts read from facts have few distinct denominators (1, 2, 4, 5, 10, 20, 25, 50,
    100 for euros and cents), so sums and comparisons then run on integers only.
    """
    if not is_array(value.den):
        return value
    denominators = np.unique(value.den)
    lcm = 1
    for den in denominators.tolist():
        lcm = math.lcm(lcm, int(den))
        if lcm >= LIMIT:
            return value
    scaled_max = int(np.abs(value.num).max(initial=0)) * lcm
    if scaled_max >= LIMIT:
        return value
    return Num(value.num * (lcm // value.den), lcm)


def add(a: Num, b: Num, sign: int = 1) -> tuple[Num, Mask]:
    if not is_array(a.den) and not is_array(b.den):
        if a.den == b.den:
            bad, (x, y) = _guard([a.num, b.num])
            return Num(x + sign * y, a.den), bad
        lcm = math.lcm(int(a.den), int(b.den))
        bad, (x, y) = _guard([a.num * (lcm // a.den), b.num * (lcm // b.den)])
        return _reduce(x + sign * y, lcm), bad
    bad, (an, ad, bn, bd) = _guard([a.num, a.den, b.num, b.den])
    return _reduce(an * bd + sign * bn * ad, ad * bd), bad


def multiply(a: Num, b: Num) -> tuple[Num, Mask]:
    bad, (an, ad, bn, bd) = _guard([a.num, a.den, b.num, b.den])
    return _reduce(an * bn, ad * bd), bad


def divide(a: Num, b: Num) -> tuple[Num, Mask, Mask]:
    """``a / b``; the third value marks division by zero (CPF-R006 in the scalar engine)."""
    zero = b.num == 0
    bad, (an, ad, bn, bd) = _guard([a.num, a.den, b.num, b.den])
    if is_array(zero) or zero:
        bn = np.where(zero, 1, bn) if is_array(zero) else 1
    num, den = an * bd, ad * bn
    negative = den < 0
    if is_array(negative):
        num, den = np.where(negative, -num, num), np.abs(den)
    elif negative:
        num, den = -num, -den
    return _reduce(num, den), bad, zero


def compare(a: Num, b: Num) -> tuple[Any, Any, Mask]:
    """Two comparable integers per row (``a.num·b.den`` and ``b.num·a.den``) and the overflow rows."""
    if not is_array(a.den) and not is_array(b.den) and a.den == b.den:
        return a.num, b.num, False
    bad, (an, ad, bn, bd) = _guard([a.num, a.den, b.num, b.den])
    return an * bd, bn * ad, bad


def where(condition: Any, a: Num, b: Num) -> Num:
    if not is_array(a.den) and not is_array(b.den):
        if a.den == b.den:
            return Num(np.where(condition, a.num, b.num), a.den)
        lcm = math.lcm(int(a.den), int(b.den))  # one scalar denominator keeps later steps on integers
        if lcm < LIMIT and _within(a.num) and _within(b.num):  # so the products below fit in int64
            x, y = a.num * (lcm // int(a.den)), b.num * (lcm // int(b.den))
            if _within(x) and _within(y):
                return Num(np.where(condition, x, y), lcm)
    return Num(np.where(condition, a.num, b.num), np.where(condition, a.den, b.den))


def _within(value: Any) -> bool:
    if is_array(value):
        return not value.size or (int(value.max()) < LIMIT and int(value.min()) > -LIMIT)
    return abs(int(value)) < LIMIT


def choose(condition: Any, a: Any, b: Any) -> Any:
    """Row-wise ``a if condition else b`` for any data (numbers, booleans, dates, texts)."""
    if isinstance(a, Num) or isinstance(b, Num):
        return where(condition, as_num(a), as_num(b))
    if isinstance(a, datetime.date):  # dates in columns are ordinals
        a = a.toordinal()
    if isinstance(b, datetime.date):
        b = b.toordinal()
    return np.where(condition, a, b)


def as_num(value: Any) -> Num:
    return value if isinstance(value, Num) else Num.of(value)


def ceil_to(value: Num, step: Fraction) -> tuple[Num, Mask]:
    """``ceil(value / step) * step`` exactly (R6323-1 II rounds up to the cent)."""
    bad, (num, den) = _guard([value.num * step.denominator, value.den * step.numerator])
    units = -((-num) // den)
    return _reduce(units * step.numerator, step.denominator), bad


def half_up_to(value: Num, step: Fraction) -> tuple[Num, Mask]:
    """Nearest multiple of ``step``, halves away from zero."""
    bad, (num, den) = _guard([value.num * step.denominator, value.den * step.numerator])
    magnitude = (2 * np.abs(num) + den) // (2 * den)
    units = np.where(np.asarray(num) >= 0, magnitude, -magnitude)
    if not is_array(units) or units.ndim == 0:
        units = int(units)
    return _reduce(units * step.numerator, step.denominator), bad


def to_fraction(value: Num, row: int) -> Fraction:
    num = value.num[row] if is_array(value.num) else value.num
    den = value.den[row] if is_array(value.den) else value.den
    return Fraction(int(num), int(den))


def years_of(ordinals: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Calendar year of each date held as a proleptic ordinal."""
    days = (ordinals - ORDINAL_EPOCH).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _parts(ordinals: Any) -> tuple[Any, Any, Any]:
    days = (np.asarray(ordinals, dtype=np.int64) - ORDINAL_EPOCH).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def calendar_between(kind: str, start: Any, end: Any) -> Any:
    """``years_between``/``months_between`` (cpf_rules.calendar) row by row on date ordinals."""
    start = np.asarray(start.toordinal() if isinstance(start, datetime.date) else start, dtype=np.int64)
    end = np.asarray(end.toordinal() if isinstance(end, datetime.date) else end, dtype=np.int64)
    backwards = end < start
    low, high = np.minimum(start, end), np.maximum(start, end)
    (y1, m1, d1), (y2, m2, d2) = _parts(low), _parts(high)
    if kind == "years_between":
        count = y2 - y1 - ((m2 < m1) | ((m2 == m1) & (d2 < d1)))
    else:
        count = (y2 - y1) * 12 + m2 - m1 - (d2 < d1)
    return np.where(backwards, -count, count).astype(np.int64)
