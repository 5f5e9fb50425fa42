"""Answers of ``cpf batch`` in their JSON form, a question's type worked out once per chunk.

Pipeline position: after the kernel and the scalar engine (:mod:`~cpf_rules.batch.run`),
before the writers (:mod:`~cpf_rules.batch.io`). :class:`AnswerFormat` gives exactly
what :func:`cpf_rules.render.values.machine_value` gives (``{"type": "money", "unit":
"EUR", "value": "217.80"}``: the same keys, the same decimal text, ``exact`` for a
non-terminating number), but computes the type's name and unit once per question
instead of once per holder, and writes a terminating number's digits from integers
(the decimal expansion of ``n / 2^a·5^b``); :meth:`AnswerFormat.column` does it for a
whole answer column of the kernel at once (NumPy numerators, no Fraction per holder).
That is the cost of a million answers. tests/test_batch_columnar.py compares both with
``machine_value`` value by value.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import numpy as np

from ..render.values import is_missing, machine_value
from ..types import Type
from ..values import decimal_places, is_terminating
from .run import column_value
from .vectors import Num, is_array


class AnswerFormat:
    """The JSON form of the answers of one question (of type ``type_``)."""

    def __init__(self, type_: Type) -> None:
        self.type = type_
        self.kind = type_.required().display()
        self.places = 2 if self.kind == "money" else None
        self.unit = None if type_.unit.dimensionless else type_.unit.symbol()
        self._shifts: dict[int, int | None] = {}  # denominator → decimal places (None: not terminating)

    def json(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Fraction):
            text = self._text(value)
            if text is not None:
                data: dict[str, Any] = {"type": self.kind, "value": text}
                if self.unit is not None:
                    data["unit"] = self.unit
                return data
            return machine_value(value, self.type)  # a non-terminating number: rounded, with `exact`
        if value is None or is_missing(value):
            return {"type": self.kind, "value": None}
        if isinstance(value, datetime.date):
            return {"type": self.kind, "value": value.isoformat()}
        return {"type": self.kind, "value": value}

    def column(self, data: Any, kind: str, rows: Any) -> list[dict[str, Any]]:
        """The JSON form of the kernel's answer column ``data`` (of kind ``kind``) at ``rows``
        (an int array), in order: the same dicts as :meth:`json` of each row's value."""
        varies = is_array(data.num) or is_array(data.den) if isinstance(data, Num) else is_array(data)
        if not varies:  # one value for every holder
            same = self.json(column_value(data, 0, kind))
            return [dict(same) for _ in range(len(rows))]
        if isinstance(data, Num):
            texts = self._texts(data, rows)
            if texts is not None:
                if self.unit is None:
                    return [{"type": self.kind, "value": text} for text in texts]
                return [{"type": self.kind, "unit": self.unit, "value": text} for text in texts]
        return [self.json(column_value(data, row, kind)) for row in rows.tolist()]

    def _texts(self, data: Num, rows: Any) -> list[str] | None:
        """The decimal texts of ``data`` at ``rows``, from int64 numerators; None when a
        value does not terminate or could outgrow int64 (then one Fraction per row)."""
        count = len(rows)
        try:
            num = data.num[rows] if is_array(data.num) else np.full(count, int(data.num), dtype=np.int64)
            den = data.den[rows] if is_array(data.den) else np.full(count, int(data.den), dtype=np.int64)
        except OverflowError:  # a uniform part beyond int64
            return None
        if count == 0:
            return []
        if int(num.min()) == -(2**63):
            return None  # its magnitude is not an int64
        common = np.gcd(num, den)
        num, den = num // common, den // common
        distinct = np.unique(den).tolist()
        texts: list[str] = [""] * count
        for denominator in distinct:
            places = _decimal_places(denominator)
            if places is None:
                return None
            shown = places if self.places is None or places >= self.places else self.places
            factor = 10**shown // denominator
            at = None if len(distinct) == 1 else np.flatnonzero(den == denominator)
            part = num if at is None else num[at]
            if int(np.abs(part).max()) * factor >= 2**63:
                return None
            written = _written((part * factor).tolist(), shown)
            if at is None:
                return written
            for position, text in zip(at.tolist(), written, strict=True):
                texts[position] = text
        return texts

    def _text(self, value: Fraction) -> str | None:
        """The plain decimal text of a terminating ``value`` (None when it is not):
        :func:`cpf_rules.values.plain_number` with 2 places for money."""
        denominator = value.denominator
        places = self._shifts.get(denominator, -1)
        if places == -1:
            places = _decimal_places(denominator)
            self._shifts[denominator] = places
        if places is None:
            return None
        shown = places if self.places is None or places >= self.places else self.places
        coefficient = value.numerator * (10**shown // denominator)
        if shown == 0:
            return str(coefficient)
        digits = str(abs(coefficient)).rjust(shown + 1, "0")
        sign = "-" if coefficient < 0 else ""
        return f"{sign}{digits[:-shown]}.{digits[-shown:]}"


def _written(coefficients: list[int], shown: int) -> list[str]:
    """``coefficient / 10**shown`` written out with ``shown`` decimals, for each coefficient."""
    if shown == 0:
        return [str(c) for c in coefficients]
    scale = 10**shown
    return [
        f"{c // scale}.{c % scale:0{shown}d}" if c >= 0 else f"-{-c // scale}.{-c % scale:0{shown}d}"
        for c in coefficients
    ]


def _decimal_places(denominator: int) -> int | None:
    """The decimal places of ``k / denominator`` written out, or None when the expansion
    does not terminate (:func:`cpf_rules.values.decimal_places`)."""
    return decimal_places(denominator) if is_terminating(Fraction(1, denominator)) else None
