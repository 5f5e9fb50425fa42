"""Inputs and parameters as columns: what the batch kernel reads, before any operator.

Pipeline position: between the population (:mod:`~cpf_rules.batch.population`, the
facts as columns) and the evaluator (:mod:`~cpf_rules.batch.kernel`), which caches
what these functions return (an input per (name, year), a parameter per date).

- :func:`parameter_on` is a parameter's value on one date, the same for every holder;
  :func:`parameter_by_row` looks it up on a column of dates (one per holder or item).
  A date before the first value, or a value the law leaves undefined, is ``undefined``
  (an ``otherwise`` of the rule may still catch it).
- :func:`read_input` is an input declaration's column (its section, or its year);
  :func:`read_column` turns any column (an input, a field of list items) into a
  :class:`~cpf_rules.batch.vectors.Vec`: the declared default fills absent rows, an
  absent optional fact is ``missing``, an absent required one ``fallback`` (the scalar
  engine reports CPF-R005); a column whose rows all hold one value becomes a scalar.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import numpy as np

from .. import ast
from ..model import constant_value
from ..resolve import Symbols
from . import vectors as vx
from .errors import Unvectorisable
from .population import Column, Population, kind_of
from .vectors import Num, Vec


def parameter_on(parameter: ast.ParameterDecl, on: Any) -> Vec:
    """The value in force on ``on`` (a date, the same for every holder)."""
    chosen = None
    for dated in parameter.values:
        if dated.start <= on:
            chosen = dated
    if chosen is None or chosen.value is None:
        # No value on that date: every row is undefined (CPF-R001 unless `otherwise`
        # catches it). The data is a value of the parameter's kind, never read, so that
        # the operators meeting it where only some rows take this branch keep their types.
        return Vec(scalar(_filler(parameter)), undefined=True)
    return Vec(scalar(constant_value(chosen.value)))


def _filler(parameter: ast.ParameterDecl) -> Any:
    """A value of the parameter's kind for rows where it has none (masked, never read):
    one of its values, or, when it has none at all, a blank of its declared type."""
    for dated in parameter.values:
        if dated.value is not None:
            return constant_value(dated.value)
    name = parameter.type.name if parameter.type.kind == "simple" else "rate"
    if name == "date":
        return datetime.date(1, 1, 1)
    if name == "boolean":
        return False
    if name in ("money", "hours", "days", "decimal", "integer", "year", "rate"):
        return Fraction(0)
    return ""  # a text or an enum case


def parameter_by_row(parameter: ast.ParameterDecl, on: Any) -> Vec:
    """The value in force on each date of ``on`` (an array of ordinals)."""
    values = parameter.values
    starts = np.asarray([v.start.toordinal() for v in values], dtype=np.int64)
    index = np.searchsorted(starts, on, side="right") - 1
    undefined = index < 0
    for position, dated in enumerate(values):
        if dated.value is None:
            undefined = undefined | (index == position)
    index = np.where(index < 0, 0, index)
    constants = [constant_value(v.value) if v.value is not None else None for v in values]
    filler = _filler(parameter)  # where no value is in force (the undefined rows)
    table = [filler if c is None else c for c in constants]
    data: Any
    if isinstance(filler, Fraction):
        data = Num(
            np.asarray([c.numerator for c in table], dtype=np.int64)[index],
            np.asarray([c.denominator for c in table], dtype=np.int64)[index],
        )
    elif isinstance(filler, datetime.date):
        data = np.asarray([c.toordinal() for c in table], dtype=np.int64)[index]
    else:
        data = np.asarray(table)[index]
    return Vec(data, undefined=undefined if undefined.any() else False)


def read_input(population: Population, symbols: Symbols, decl: ast.InputDecl, year: Any, span: Any) -> Vec:
    """The column of an input of a section (``year`` None) or of the year ``year``."""
    if decl.section == "year":
        if vx.is_array(year):
            raise Unvectorisable(f"input {decl.name} read for a year that differs between holders", span)
        column = population.yearly.get((decl.name, year))
    else:
        column = population.sections.get((decl.section or "", decl.name))
    return read_column(column, decl.default, decl.optional, kind_of(symbols.type_of(decl.type)))


def read_column(column: Column | None, default: Any, optional: bool, kind: str) -> Vec:
    """A column (None: nobody has it) with its default, as a value; ``kind`` as :func:`kind_of` says."""
    fill: Any = scalar(constant_value(default)) if default is not None else None
    if column is None:
        if fill is not None:
            return Vec(fill)
        return Vec(False, missing=True) if optional else Vec(False, fallback=True)  # CPF-R005
    present = column.present
    if present is True:
        return Vec(_uniform(column.values, kind))
    absent = ~present
    if fill is not None:
        return Vec(_uniform(_fill(column.values, absent, fill, kind), kind))
    if optional:
        return Vec(column.values, missing=absent)
    return Vec(column.values, fallback=absent)


def scalar(value: Any) -> Any:
    """A constant of the rules as a uniform column value (numbers as :class:`Num`)."""
    return Num.of(value) if isinstance(value, Fraction) else value


def _uniform(values: Any, kind: str) -> Any:
    """A column whose rows all hold the same value becomes a scalar (the common case: defaults)."""
    if isinstance(values, Num):
        if vx.is_array(values.num) and values.num.size and not vx.is_array(values.den):
            if (values.num == values.num[0]).all():
                return Num(int(values.num[0]), int(values.den))
        return values
    if vx.is_array(values) and values.size and (values == values[0]).all():
        first = values[0].item()
        return datetime.date.fromordinal(first) if kind == "date" else first
    return values


def _fill(values: Any, absent: Any, fill: Any, kind: str) -> Any:
    if isinstance(values, Num):
        filler = vx.as_num(fill)
        return vx.where(absent, filler, values)
    if kind == "date" and isinstance(fill, datetime.date):
        return np.where(absent, fill.toordinal(), values)
    return np.where(absent, fill, values)
