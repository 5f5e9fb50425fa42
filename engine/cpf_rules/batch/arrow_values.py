"""One Arrow column of leaf values checked against its facts schema, vectorised.

Pipeline position: under :mod:`~cpf_rules.batch.arrow_rows`, which walks a Parquet
chunk's columns along the facts schema (:attr:`cpf_rules.facts.FactsReader.schema`,
read at run time) and calls :func:`check_leaf` for each field. The answer is a
:class:`Leaf`: which positions hold a value, which of those values are *proven* valid,
and those values as the population's columns hold them (reduced int64 fractions,
date ordinals, booleans, texts).

A value is valid here only if ``cpf evaluate`` would accept it as written in a facts
document, with every check of :meth:`~cpf_rules.facts.FactsReader.read_document`: the
JSON type (an Arrow integer is a JSON integer, a decimal128 a decimal number, a string
a text, a date32 an ISO date), ``minimum``/``maximum`` compared exactly as the Python
validator does (:func:`cpf_rules.facts_diagnostics.exact`), enum cases, dates written
YYYY-MM-DD that exist in the calendar, at most 12 digits before the decimal point and
12 after (CPF-F108), money in whole cents (CPF-F111). Anything else — a float, a
decimal outside int64, an Arrow type or a schema keyword not known here — is *not
proven*: the row goes to the row path, which gives the precise diagnostic. This module
only ever accepts; it never words a diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..facts_diagnostics import exact
from ..limits import MAX_DECIMALS, MAX_INTEGER_DIGITS
from .vectors import ORDINAL_EPOCH

_ANNOTATIONS = {"title", "description"}
"""Schema keywords that do not constrain a value (with every ``x-cpf-…`` one)."""

_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_INTEGER_LIMIT = 10**MAX_INTEGER_DIGITS
_SAFE = 10**18
"""Largest magnitude of a numerator read here: well inside int64, so the population
builds its column exactly as from facts, never through the overflow branch."""
_LAST_ORDINAL = 3_652_059  # datetime.date.max.toordinal(): a date32 past it is not a Python date
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass
class Leaf:
    """A checked column of ``len(array)`` positions.

    ``present``: a value is there (not null); ``valid``: present and proven valid (a
    present value not valid sends its row to the row path); ``num``/``den`` (numbers)
    or ``values`` (ordinals, booleans, texts) hold the value at every valid position.
    """

    present: Any
    valid: Any
    values: Any = None
    num: Any = None
    den: Any = None


def present_mask(array: Any) -> Any:
    """Where ``array`` holds a value (a NumPy bool array)."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def refused(array: Any) -> Leaf:
    """Every value of ``array`` unproven (its rows go to the row path)."""
    present = present_mask(array)
    return Leaf(present, np.zeros(len(array), dtype=bool))


def check_leaf(array: Any, schema: dict[str, Any], kind: str) -> Leaf:
    """``array`` checked against ``schema`` (one field's), its values held as ``kind``
    (number, date, boolean or text: :func:`cpf_rules.batch.population.kind_of`)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    if pa.types.is_null(array.type):
        return Leaf(np.zeros(len(array), dtype=bool), np.zeros(len(array), dtype=bool))
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    keywords = {k for k in schema if not k.startswith("x-cpf-") and k not in _ANNOTATIONS}
    declared = schema.get("type")
    if kind == "number" and declared in ("number", "integer") and keywords <= {"type", "minimum", "maximum"}:
        return _number(array, schema, integer=declared == "integer")
    if kind == "date" and declared == "string" and schema.get("format") == "date":
        if keywords <= {"type", "format", "pattern"} and schema.get("pattern", _DATE_PATTERN) == _DATE_PATTERN:
            return _date(array)
    if kind == "boolean" and declared == "boolean" and keywords == {"type"}:
        if pa.types.is_boolean(array.type):
            present = present_mask(array)
            return Leaf(present, present, np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False)))
    if kind == "text" and _is_string(array.type):
        if declared == "string" and keywords == {"type"}:
            present = present_mask(array)
            return Leaf(present, present, array.to_numpy(zero_copy_only=False))
        cases: Any = schema.get("enum")
        if keywords <= {"enum", "type"} and declared in (None, "string") and _all_texts(cases):
            return _enum(array, cases)
    return refused(array)


def _is_string(type_: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(type_) or pa.types.is_large_string(type_))


def _all_texts(cases: Any) -> bool:
    return isinstance(cases, list) and all(isinstance(c, str) for c in cases)


def _enum(array: Any, cases: list[str]) -> Leaf:
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    present = present_mask(array)
    member = pc.is_in(array, value_set=pa.array(cases, type=array.type)).fill_null(False)
    valid = present & np.asarray(member.to_numpy(zero_copy_only=False), dtype=bool)
    return Leaf(present, valid, array.to_numpy(zero_copy_only=False))


# ---- numbers -------------------------------------------------------------------------


def _number(array: Any, schema: dict[str, Any], integer: bool) -> Leaf:
    """Integers (any Arrow integer type) and, for a ``number``, decimal128 of scale 0 to 12."""
    import pyarrow as pa

    type_ = array.type
    present = present_mask(array)
    if pa.types.is_integer(type_):
        raw = array.fill_null(0).to_numpy(zero_copy_only=False)
        if raw.dtype == np.uint64:
            fits = raw < np.uint64(_INTEGER_LIMIT)
            raw = np.where(fits, raw, 0)
        else:
            fits = np.ones(len(raw), dtype=bool)
        num = raw.astype(np.int64)
        fits &= (num > -_INTEGER_LIMIT) & (num < _INTEGER_LIMIT)  # CPF-F108: at most 12 digits
        den = np.ones(len(num), dtype=np.int64)
    elif pa.types.is_decimal128(type_) and not integer and 0 <= type_.scale <= MAX_DECIMALS:
        num, fits = _unscaled(array)
        scale = type_.scale
        fits &= (num > -min(_SAFE, _INTEGER_LIMIT * 10**scale)) & (num < min(_SAFE, _INTEGER_LIMIT * 10**scale))
        if schema.get("x-cpf-type") == "money" and scale > 2:
            fits &= num % 10 ** (scale - 2) == 0  # CPF-F111: whole cents
        common = np.gcd(num, np.int64(10**scale))
        num, den = num // common, np.int64(10**scale) // common
    else:
        return refused(array)
    valid = present & fits
    if "minimum" in schema:
        valid &= _compare(num, den, _bound(schema["minimum"]), at_least=True)
    if "maximum" in schema:
        valid &= _compare(num, den, _bound(schema["maximum"]), at_least=False)
    return Leaf(present, valid, num=num, den=den)


def _unscaled(array: Any) -> tuple[Any, Any]:
    """A decimal128 array's unscaled integers as int64, and where they fit in int64
    (two's complement little-endian 128-bit words; nulls read as garbage, masked later)."""
    words = np.frombuffer(array.buffers()[1], dtype="<i8").reshape(-1, 2)[array.offset : array.offset + len(array)]
    low, high = words[:, 0].copy(), words[:, 1]
    fits = high == (low >> 63)  # the high word only extends the low word's sign
    return np.where(fits, low, 0), fits


def _bound(value: Any) -> Fraction:
    """A schema bound as the exact number the Python validator compares with."""
    return Fraction(exact(value))


def _compare(num: Any, den: Any, bound: Fraction, at_least: bool) -> Any:
    """``num/den >= bound`` (or ``<=``), exactly; in Python integers when int64 could overflow."""
    p, q = bound.numerator, bound.denominator
    big = max(q, abs(p)) >= 2**31 or (
        int(np.abs(num).max(initial=0)) * q >= 2**62 or abs(p) * int(np.max(den, initial=1)) >= 2**62
    )
    left: Any = num.astype(object) * q if big else num * q
    right: Any = den.astype(object) * p if big else den * p
    result = left >= right if at_least else left <= right
    return np.asarray(result, dtype=bool)


# ---- dates ---------------------------------------------------------------------------


def _date(array: Any) -> Leaf:
    """ISO texts YYYY-MM-DD of real calendar dates (year 1 to 9999), or date32 values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    present = present_mask(array)
    if pa.types.is_date32(array.type):
        ordinals = array.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64) + ORDINAL_EPOCH
        valid = present & (ordinals >= 1) & (ordinals <= _LAST_ORDINAL)
        return Leaf(present, valid, np.where(valid, ordinals, 1))
    if not _is_string(array.type):
        return refused(array)
    written = pc.match_substring_regex(array, _DATE_PATTERN).fill_null(False)
    valid = present & np.asarray(written.to_numpy(zero_copy_only=False), dtype=bool)
    texts = pc.if_else(pa.array(valid), array, pa.scalar("0001-01-01", array.type))
    year = _digits(pc, texts, 0, 4)
    month = _digits(pc, texts, 5, 7)
    day = _digits(pc, texts, 8, 10)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    good_month = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(good_month, month, 1)] + ((month == 2) & leap)
    valid &= (year >= 1) & good_month & (day >= 1) & (day <= last_day)
    year, month, day = np.where(valid, year, 1), np.where(valid, month, 1), np.where(valid, day, 1)
    months = (year - 1970) * 12 + (month - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + (day - 1)
    return Leaf(present, valid, days + ORDINAL_EPOCH)


def _digits(pc: Any, texts: Any, start: int, stop: int) -> Any:
    """The ASCII digits ``texts[start:stop]`` of every (well-written) text as int64."""
    import pyarrow as pa

    part = pc.utf8_slice_codeunits(texts, start, stop)
    return np.asarray(pc.cast(part, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
