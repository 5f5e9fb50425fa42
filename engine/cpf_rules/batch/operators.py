"""Operators and built-in functions on columns: what the batch kernel applies to evaluated operands.

Pipeline position: the evaluator (:mod:`~cpf_rules.batch.kernel`) evaluates the
operands (and decides which to evaluate: ``and``/``or`` stop early, an ``if`` on a
uniform condition takes one arm); the functions here combine the resulting
:class:`~cpf_rules.batch.vectors.Vec` values row by row, with the exact arithmetic of
:mod:`~cpf_rules.batch.vectors`. Two scalar operands are computed on Python
fractions; an operation that may outgrow int64 on some rows flags them ``fallback``
(the ``bad`` mask these functions return with the data), so the scalar engine answers
them. Date or year arithmetic that differs between holders raises
:class:`~cpf_rules.batch.errors.Unvectorisable`.

- :func:`blank`: the result when an operand is missing, undefined or failed everywhere;
- :func:`binary`: comparisons and arithmetic (``==`` … ``/``); :func:`less`, :func:`plus`;
- :func:`connective`: ``and``/``or`` once both sides are known, with the masks of the
  rows where the right side mattered;
- :func:`choose`, :func:`pick`: row-wise choice between two values;
- :func:`builtin`: the roundings, ``min``/``max`` and the calendar built-ins;
- :func:`year_edge`: ``y.start`` and ``y.end`` of a year.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

import numpy as np

from ..values import CENT, HOUR
from . import vectors as vx
from .errors import Unvectorisable
from .vectors import Num, Vec, union

ROUNDINGS = {
    "round_up_to_cent": (vx.ceil_to, CENT),
    "round_half_up_to_cent": (vx.half_up_to, CENT),
    "round_up_to_hour": (vx.ceil_to, HOUR),
    "round_to_nearest_hour": (vx.half_up_to, HOUR),
}


def blank(*values: Vec) -> Vec | None:
    """When an operand is missing, undefined or failed for every row, so is the result: no arithmetic."""
    if not any(v.missing is True or v.undefined is True or v.fallback is True for v in values):
        return None
    return Vec(
        False,
        union(*[v.missing for v in values]),
        union(*[v.undefined for v in values]),
        union(*[v.fallback for v in values]),
        max(v.level for v in values),
    )


def choose(condition: Any, then: Vec, orelse: Vec) -> Vec:
    """Row-wise ``then if condition else orelse``, with the masks of the arm taken."""
    if condition is True:
        return then
    if condition is False:
        return orelse

    def pick_mask(a: Any, b: Any) -> Any:
        if a is False and b is False:
            return False
        return np.where(condition, a, b)

    return Vec(
        vx.choose(condition, then.data, orelse.data),
        pick_mask(then.missing, orelse.missing),
        pick_mask(then.undefined, orelse.undefined),
        pick_mask(then.fallback, orelse.fallback),
        max(then.level, orelse.level),
    )


def pick(condition: Any, a: Any, b: Any) -> Any:
    """Row-wise ``a if condition else b`` on data (no masks)."""
    if not vx.is_array(condition):
        return a if condition else b
    return vx.choose(condition, a, b)


def less(a: Any, b: Any) -> tuple[Any, Any]:
    """``a < b`` row by row for numbers, dates, years; and the overflow rows."""
    if isinstance(a, Num) or isinstance(b, Num):
        a, b = vx.as_num(a), vx.as_num(b)
        if a.scalar and b.scalar:
            return a.fraction() < b.fraction(), False
        return vx.less(a, b)
    a, b = _comparable(a, b)
    return a < b, False


def binary(op: str, a: Any, b: Any, span: Any) -> tuple[Any, Any]:
    """``a op b`` for a comparison or an arithmetic operator, and the rows that overflowed or divided by zero."""
    bad: Any = False
    if op in ("==", "!="):
        if isinstance(a, Num) or isinstance(b, Num):
            lt, bad1 = less(a, b)
            gt, bad2 = less(b, a)
            data = ~(lt | gt) if vx.is_array(lt) or vx.is_array(gt) else not (lt or gt)
            bad = union(bad1, bad2)
        else:
            a, b = _comparable(a, b)
            data = a == b
        if op == "!=":
            data = ~data if vx.is_array(data) else not data
    elif op in ("<", "<=", ">", ">="):
        if op in ("<", ">="):
            data, bad = less(a, b)
        else:
            data, bad = less(b, a)
        if op in ("<=", ">="):
            data = ~data if vx.is_array(data) else not data
    elif op in ("+", "-"):
        data, bad = plus(a, b, 1 if op == "+" else -1, span)
    elif op == "*":
        x, y = vx.as_num(a), vx.as_num(b)
        if x.scalar and y.scalar:
            data = Num.of(x.fraction() * y.fraction())
        else:
            data, bad = vx.multiply(x, y)
    else:
        x, y = vx.as_num(a), vx.as_num(b)
        if x.scalar and y.scalar and y.num != 0:
            data = Num.of(x.fraction() / y.fraction())
        else:
            data, bad, zero = vx.divide(x, y)
            bad = union(bad, zero if vx.is_array(zero) or zero else False)  # CPF-R006
    return data, bad


def plus(a: Any, b: Any, sign: int, span: Any) -> tuple[Any, Any]:
    """``a + b`` (``sign`` 1) or ``a - b`` (``sign`` -1) on numbers, dates and years."""
    if isinstance(a, datetime.date) and not vx.is_array(b):
        if isinstance(b, datetime.date):
            return Num.of((a - b).days), False
        return a + sign * datetime.timedelta(days=int(vx.as_num(b).fraction())), False
    if isinstance(a, int) and not isinstance(a, bool) and isinstance(b, int):
        return (a + int(b), False) if sign > 0 else (Num.of(a - b), False)  # year ± n; year - year
    if isinstance(a, int) and isinstance(b, Num) and b.scalar:
        return a + sign * int(b.fraction()), False
    if isinstance(a, Num) and isinstance(b, Num):
        if a.scalar and b.scalar:
            return Num.of(a.fraction() + sign * b.fraction()), False
        return vx.add(a, b, sign)
    raise Unvectorisable("date or year arithmetic that differs between holders", span)


def connective(short: bool, left: Vec, right: Vec) -> Vec:
    """``left or right`` (``short`` True) or ``left and right`` (False), both sides evaluated and aligned.

    Where ``left`` alone decides (true for ``or``, false for ``and``) the right side's
    masks do not count, as the interpreter never evaluates it there."""
    a = left.data
    stops = (a == short) if vx.is_array(a) else (bool(a) is short)
    if left.missing is True or left.undefined is True or left.fallback is True:
        stops = False
    elif left.missing is not False:
        stops = stops & ~left.missing
    go_on = ~stops if vx.is_array(stops) else not stops
    data = pick(stops, short, right.data)
    if isinstance(data, np.ndarray):
        data = data.astype(bool, copy=False)

    def past(mask: Any) -> Any:
        if mask is False or go_on is False:
            return False
        return mask if go_on is True else (mask & go_on)

    return Vec(
        data,
        past(union(left.missing, right.missing)),
        union(left.undefined, past(right.undefined)),
        union(left.fallback, past(right.fallback)),
        max(left.level, right.level),
    )


def builtin(name: str, args: list[Vec], missing: Any, undefined: Any, fallback: Any, level: int) -> Vec | None:
    """A call of a built-in function on aligned ``args`` with their joint masks; None if ``name`` is not one."""
    if name in ROUNDINGS:
        rounding, step = ROUNDINGS[name]
        value, bad = rounding(vx.as_num(args[0].data), step)
        return Vec(value, missing, undefined, union(fallback, bad), level)
    if name in ("min", "max"):
        best = args[0].data
        for other in args[1:]:
            if isinstance(best, Num) and isinstance(other.data, Num):
                extreme = vx.extreme(best, other.data, lowest=name == "min")
                if extreme is not None:
                    best = extreme
                    continue
            lower, bad = less(other.data, best) if name == "min" else less(best, other.data)
            fallback = union(fallback, bad)
            best = pick(lower, other.data, best)
        return Vec(best, missing, undefined, fallback, level)
    if name in _calendar():
        if all(not vx.is_array(a.data) for a in args):
            count: Any = _calendar()[name](args[0].data, args[1].data)
            return Vec(Num.of(count), missing, undefined, fallback, level)
        return Vec(Num(vx.calendar_between(name, args[0].data, args[1].data), 1), missing, undefined, fallback, level)
    return None


def year_edge(year: Any, edge: str) -> Any:
    """``y.start`` (``edge`` "start") or ``y.end`` of a year, or of a column of years (as ordinals)."""
    if vx.is_array(year):
        shift = 0 if edge == "start" else 1
        first = (year - 1970 + shift).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
        return first - shift + vx.ORDINAL_EPOCH
    return datetime.date(year, 1, 1) if edge == "start" else datetime.date(year, 12, 31)


@functools.cache
def _calendar() -> dict[str, Any]:
    """The calendar built-ins of the language (``years_between``...), if this engine has them."""
    try:
        from ..calendar import CALENDAR
    except ImportError:
        return {}
    return dict(CALENDAR)


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Dates as ordinals when one side is a column; everything else as it is."""
    if vx.is_array(a) or vx.is_array(b):
        if isinstance(a, datetime.date):
            a = a.toordinal()
        if isinstance(b, datetime.date):
            b = b.toordinal()
    return a, b
