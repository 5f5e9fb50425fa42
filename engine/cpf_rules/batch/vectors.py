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
ints), the denominator positive. No float ever holds money. A column usually has one
scalar denominator (amounts in cents over 100, a prorated ratio over 1,607): the fast
paths then work on the numerators alone, without gcd normalisation, and each
:class:`Num` carries ``bound``, a proven upper bound of its numerators' magnitude, so
an operation knows from Python integers (not from a pass over the rows) that its result
fits in int64. When the bound cannot prove it, or denominators differ row by row, the
general path guards every multiplication: rows whose operands reach 2**31 in magnitude
are flagged ``fallback``.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

Mask = Any
"""``False`` (no row) or a boolean array."""

LIMIT = 2**31
"""Operands below this magnitude multiply and add without overflowing int64."""

INT64 = 2**63
"""Every int64 is below this magnitude: a result whose bound is below it is exact."""

ORDINAL_EPOCH = datetime.date(1970, 1, 1).toordinal()


@dataclass(slots=True)
class Num:
    """An exact rational per row: ``num / den``, den > 0 (ints or int64 arrays)."""

    num: Any
    den: Any
    bound: int | None = field(default=None, compare=False)
    """An upper bound of ``|num|`` over the rows when known (set by the fast paths, or measured once)."""

    @staticmethod
    def of(value: Fraction | int) -> Num:
        fraction = Fraction(value)
        return Num(fraction.numerator, fraction.denominator)

    @property
    def scalar(self) -> bool:
        return not isinstance(self.num, np.ndarray) and not isinstance(self.den, np.ndarray)

    def fraction(self) -> Fraction:
        return Fraction(int(self.num), int(self.den))

    def magnitude(self) -> int:
        """``bound``, measured (one pass over the rows) the first time it is needed."""
        if self.bound is None:
            self.bound = magnitude(self.num)
        return self.bound


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


def magnitude(value: Any) -> int:
    """The largest ``|x|`` of an int64 array (0 when empty) or of a scalar."""
    if is_array(value):
        return max(int(value.max()), -int(value.min())) if value.size else 0
    return abs(int(value))


def _plain(*values: Num) -> bool:
    """Fast-path operands: scalar denominators below ``LIMIT`` and at least one column of numerators."""
    return all(not is_array(v.den) and v.den < LIMIT for v in values) and any(is_array(v.num) for v in values)


def _scaled(value: Any, factor: int) -> Any:
    """``value * factor``, without a pass over the rows when the factor is 1."""
    return value if factor == 1 else value * factor


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
    if _plain(a, b):
        lcm = math.lcm(int(a.den), int(b.den))
        fa, fb = lcm // int(a.den), lcm // int(b.den)
        bound = a.magnitude() * fa + b.magnitude() * fb
        if bound < INT64 and lcm < LIMIT:
            x, y = _scaled(a.num, fa), _scaled(b.num, fb)
            return Num(x + y if sign > 0 else x - y, lcm, bound), False
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
    if _plain(a, b):
        an, ad, bn, bd = a.num, int(a.den), b.num, int(b.den)
        if not is_array(an):  # cancel a scalar factor against the other denominator: smaller numbers
            common = math.gcd(int(an), bd) or 1
            an, bd = int(an) // common, bd // common
        if not is_array(bn):
            common = math.gcd(int(bn), ad) or 1
            bn, ad = int(bn) // common, ad // common
        bound = (a.magnitude() if is_array(an) else abs(an)) * (b.magnitude() if is_array(bn) else abs(bn))
        if bound < INT64 and ad * bd < LIMIT:
            if is_array(an) and is_array(bn):
                product = an * bn
            else:
                product = _scaled(an, bn) if is_array(an) else _scaled(bn, an)
            return Num(product, ad * bd, bound), False
    bad, (an, ad, bn, bd) = _guard([a.num, a.den, b.num, b.den])
    return _reduce(an * bn, ad * bd), bad


def divide(a: Num, b: Num) -> tuple[Num, Mask, Mask]:
    """``a / b``; the third value marks division by zero (CPF-R006 in the scalar engine)."""
    if _plain(a) and not is_array(b.num) and not is_array(b.den) and int(b.num) != 0:
        top, bottom = int(b.num), int(b.den)  # a column over a number: a.num·bottom / (a.den·|top|)
        factor, divisor = (bottom, int(a.den) * top) if top > 0 else (-bottom, -int(a.den) * top)
        common = math.gcd(factor, divisor)
        factor, divisor = factor // common, divisor // common
        bound = a.magnitude() * abs(factor)
        if bound < INT64 and divisor < LIMIT:
            return Num(_scaled(a.num, factor), divisor, bound), False, False
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


def less(a: Num, b: Num) -> tuple[Any, Mask]:
    """``a < b`` row by row, and the rows the comparison cannot decide in int64 (flagged)."""
    if _plain(a, b):
        ad, bd = int(a.den), int(b.den)
        if not is_array(b.num):  # a.num/ad < bn/bd  ⟺  a.num < ceil(bn·ad/bd), a.num being an integer
            return _below(a.num, -((-int(b.num) * ad) // bd)), False
        if not is_array(a.num):  # an/ad < b.num/bd  ⟺  b.num > floor(an·bd/ad)
            return _above(b.num, int(a.num) * bd // ad), False
        if ad == bd:
            return a.num < b.num, False
        lcm = math.lcm(ad, bd)
        if a.magnitude() * (lcm // ad) < INT64 and b.magnitude() * (lcm // bd) < INT64:
            return _scaled(a.num, lcm // ad) < _scaled(b.num, lcm // bd), False
    left, right, bad = compare(a, b)
    return left < right, bad


def _below(column: Any, threshold: int) -> Any:
    """``column < threshold`` for an int64 column and any Python integer."""
    if threshold >= INT64:
        return np.ones(column.shape, dtype=bool)
    if threshold <= -INT64:
        return np.zeros(column.shape, dtype=bool)
    return column < threshold


def _above(column: Any, threshold: int) -> Any:
    """``column > threshold`` for an int64 column and any Python integer."""
    if threshold < -INT64:
        return np.ones(column.shape, dtype=bool)
    if threshold >= INT64:
        return np.zeros(column.shape, dtype=bool)
    return column > threshold


def compare(a: Num, b: Num) -> tuple[Any, Any, Mask]:
    """Two comparable integers per row (``a.num·b.den`` and ``b.num·a.den``) and the overflow rows."""
    if not is_array(a.den) and not is_array(b.den) and a.den == b.den:
        return a.num, b.num, False
    bad, (an, ad, bn, bd) = _guard([a.num, a.den, b.num, b.den])
    return an * bd, bn * ad, bad


def where(condition: Any, a: Num, b: Num) -> Num:
    if not is_array(a.den) and not is_array(b.den) and a.den < LIMIT and b.den < LIMIT:
        lcm = math.lcm(int(a.den), int(b.den))  # one scalar denominator keeps later steps on integers
        fa, fb = lcm // int(a.den), lcm // int(b.den)
        bound = max(a.magnitude() * fa, b.magnitude() * fb)
        if lcm < LIMIT and bound < INT64:
            return Num(np.where(condition, _scaled(a.num, fa), _scaled(b.num, fb)), lcm, bound)
    return Num(np.where(condition, a.num, b.num), np.where(condition, a.den, b.den))


def extreme(a: Num, b: Num, lowest: bool) -> Num | None:
    """``min``/``max`` row by row over one scalar denominator (None when the fast path does not apply)."""
    if not _plain(a, b):
        return None
    lcm = math.lcm(int(a.den), int(b.den))
    fa, fb = lcm // int(a.den), lcm // int(b.den)
    bound = max(a.magnitude() * fa, b.magnitude() * fb)
    if lcm >= LIMIT or bound >= INT64:
        return None
    pick = np.minimum if lowest else np.maximum
    return Num(pick(_scaled(a.num, fa), _scaled(b.num, fb)), lcm, bound)


def choose(condition: Any, a: Any, b: Any) -> Any:
    """Row-wise ``a if condition else b`` for any data (numbers, booleans, dates, texts)."""
    if isinstance(a, Num) or isinstance(b, Num):
        return where(condition, as_num(a), as_num(b))
    if isinstance(a, bool) and _is_flags(b):  # boolean logic is cheaper than a selection
        return (b | condition) if a else (b & ~condition)
    if isinstance(b, bool) and _is_flags(a):
        return (a | ~condition) if b else (a & condition)
    if isinstance(a, datetime.date):  # dates in columns are ordinals
        a = a.toordinal()
    if isinstance(b, datetime.date):
        b = b.toordinal()
    return np.where(condition, a, b)


def _is_flags(value: Any) -> bool:
    return is_array(value) and value.dtype == np.bool_


def as_num(value: Any) -> Num:
    """``value`` as numbers. A boolean array here is the stand-in data of rows where a
    number is missing (an absent optional input is ``False``, masked as missing, and
    stays so through ``if``/``otherwise``): zeros, never read where the mask holds."""
    if isinstance(value, Num):
        return value
    if is_array(value) and value.dtype == np.bool_:
        return Num(np.zeros(len(value), dtype=np.int64), 1, 0)
    return Num.of(value)


def ceil_to(value: Num, step: Fraction) -> tuple[Num, Mask]:
    """``ceil(value / step) * step`` exactly (R6323-1 II rounds up to the cent)."""
    if _plain(value):
        scale, den = step.denominator, int(value.den) * step.numerator  # value / step = num·scale / den
        bound = value.magnitude() * scale
        units_bound = bound // den + 1
        if bound < INT64 and units_bound * step.numerator < INT64:
            units = np.negative(_scaled(value.num, scale))  # a new array: updated in place below
            np.floor_divide(units, den, out=units)
            np.negative(units, out=units)
            return Num(_scaled(units, step.numerator), step.denominator, units_bound * step.numerator), False
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
    """Calendar year of each date held as a proleptic ordinal.

    A binary search in the table of 1 January ordinals of the years spanned, several
    times faster than NumPy's datetime64 conversion. Rows below ordinal 1 (the
    placeholder of an absent date, always masked) get a year before the first.
    """
    if not ordinals.size:
        return np.zeros(0, dtype=np.int64)
    low = max(1, int(ordinals.min()))
    high = max(low, min(datetime.date.max.toordinal(), int(ordinals.max())))
    first = datetime.date.fromordinal(low).year
    last = datetime.date.fromordinal(high).year
    years = np.arange(first - 1970, last - 1970 + 1, dtype=np.int64).astype("datetime64[Y]")
    starts = years.astype("datetime64[D]").astype(np.int64) + ORDINAL_EPOCH
    found: npt.NDArray[np.int64] = np.searchsorted(starts, ordinals, side="right") + (first - 1)
    return found


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
