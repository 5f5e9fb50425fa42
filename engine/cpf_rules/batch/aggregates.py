"""Aggregates over list inputs (``count``, ``sum``, ``any``, ``all`` of the ledger's items) in the batch kernel.

Pipeline position: the evaluator (:mod:`~cpf_rules.batch.kernel`) evaluates an
aggregate's condition and body once over the items of every holder (a column at
``level`` 1, flattened as :class:`~cpf_rules.batch.population.ListColumn` holds them);
this module gives it what that takes and folds the result back to one value per holder:

- :class:`Items` is a list input used as a value (the source of an aggregate),
  :class:`ItemRef` the item bound to the aggregate's variable, whose fields
  :func:`item_field` reads as item columns;
- :func:`lift` and :func:`align` repeat a holder-level column once per item, so that
  holder and item values combine row by row;
- :func:`aggregate` reduces the items per holder (``np.bincount``, ``np.add.at``), and
  flags ``fallback`` the holders one of whose selected items could not be answered.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ast
from ..resolve import Symbols
from . import vectors as vx
from .columns import read_column
from .errors import Unvectorisable
from .population import ListColumn, kind_of
from .vectors import Num, Vec, union


class Items:
    """A list input used as a value: the source of an aggregate (``ledger`` in ``for e in ledger``)."""

    def __init__(self, record: str, column: ListColumn) -> None:
        self.record = record
        self.column = column


class ItemRef:
    """A list item bound to an aggregate's variable: its fields are item columns."""

    def __init__(self, record: str, column: ListColumn) -> None:
        self.record = record
        self.column = column


def lift(value: Vec, owner: Any) -> Vec:
    """A holder-level column read inside an aggregate (``owner``: each item's row): one entry per item."""
    if value.level == 1 or owner is None:
        return value

    def at(part: Any) -> Any:
        if isinstance(part, Num):
            return Num(at(part.num), at(part.den))
        return part[owner] if vx.is_array(part) else part

    return Vec(at(value.data), at(value.missing), at(value.undefined), at(value.fallback), 1)


def align(owner: Any, *values: Vec) -> list[Vec]:
    """``values`` at one level: per item if one of them is, as they are otherwise."""
    if any(v.level == 1 for v in values):
        return [lift(v, owner) for v in values]
    return list(values)


def item_field(symbols: Symbols, expr: ast.FieldAccess, base: Vec) -> Vec:
    """``e.field`` of the aggregate's item ``e``: the field's item column, with its default."""
    items = base.data
    if not isinstance(items, ItemRef):
        raise Unvectorisable(f"field {expr.name} of a record value", expr.span)
    record = symbols.records[items.record]
    field_decl = next(f for f in record.fields if f.name == expr.name)
    column = items.column.fields.get(expr.name)
    value = read_column(column, field_decl.default, False, kind_of(symbols.type_of(field_decl.type)))
    return Vec(value.data, value.missing, value.undefined, value.fallback, 1)


def empty(kind: str) -> Any:
    """The value of an aggregate over no item: 0 for ``count`` and ``sum``, ``all`` true, ``any`` false."""
    return Num(0, 1, 0) if kind in ("count", "sum") else kind == "all"


def aggregate(expr: ast.Aggregate, owner: Any, n: int, condition: Vec | None, body: Vec | None) -> Vec:
    """One value per holder (``n`` rows) from the items' ``condition`` and ``body`` (None: not in the aggregate)."""
    selected: Any = np.ones(len(owner), dtype=bool)
    bad_items: Any = False
    if condition is not None:
        bad_items = union(condition.missing, condition.undefined, condition.fallback)
        selected = np.broadcast_to(np.asarray(condition.data, dtype=bool), (len(owner),)).copy()
    if body is not None:
        bad_items = union(bad_items, _select(union(body.missing, body.undefined, body.fallback), selected))
    fallback: Any = False
    if vx.is_array(bad_items):
        fallback = np.bincount(owner[bad_items], minlength=n) > 0 if bad_items.any() else False
    elif bad_items and len(owner):
        fallback = np.bincount(owner, minlength=n) > 0
    rows = owner[selected]
    if not rows.size:  # no item selected for anybody (often: nobody has the list): a uniform answer
        return Vec(empty(expr.kind), fallback=fallback)
    if expr.kind == "count":
        return Vec(Num(np.bincount(rows, minlength=n).astype(np.int64), 1), fallback=fallback)
    assert body is not None
    if expr.kind == "sum":
        value = vx.common_denominator(vx.as_num(body.data))
        if vx.is_array(value.den):
            raise Unvectorisable("a sum of amounts with different denominators", expr.span)
        terms = np.broadcast_to(np.asarray(value.num, dtype=np.int64), (len(owner),))[selected]
        if terms.size and int(np.abs(terms).sum()) >= 2**62:
            raise Unvectorisable("a sum too large for 64-bit integers", expr.span)
        total = np.zeros(n, dtype=np.int64)
        np.add.at(total, rows, terms)
        return Vec(vx._reduce(total, int(value.den)), fallback=fallback)
    truth = np.broadcast_to(np.asarray(body.data, dtype=bool), (len(owner),))[selected]
    if expr.kind == "any":
        return Vec(np.bincount(rows[truth], minlength=n) > 0, fallback=fallback)
    return Vec(np.bincount(rows[~truth], minlength=n) == 0, fallback=fallback)


def _select(mask: Any, selected: Any) -> Any:
    if mask is False:
        return False
    return mask & selected
