"""A population of holders as columns: the input of the batch kernel.

Built from validated :class:`~cpf_rules.facts.Facts` (one per holder, so every value
went through the same checks as on the scalar path) or directly from arrays (the
benchmark generates a million holders without building a million documents). Each
input is a :class:`Column` (values and a ``present`` mask); a list input such as the
ledger is a :class:`ListColumn`: its items flattened, with the row of their holder.
Numbers are exact (int64 numerator/denominator), dates proleptic ordinals, enum cases
and texts NumPy strings. A number the facts accept but int64 cannot hold (the facts
allow 12 digits before the point and 12 after: ``10000000.000000000001`` is
10^22 + 1 over 10^12) is held as 0 and its holder marked in :attr:`Population.unfit`:
the kernel flags that row ``fallback``, and the scalar engine answers it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..facts import Facts
from ..model import RuleSet
from .vectors import INT64, Num, common_denominator


@dataclass
class Column:
    """One input over the rows: ``values`` (a Num, or an array) where ``present``."""

    values: Any
    present: Any  # bool array, or True when every row has a value


@dataclass
class ListColumn:
    """A list input: items of every row, in row order; ``owner[i]`` is item i's row."""

    owner: Any
    fields: dict[str, Column] = field(default_factory=dict)


@dataclass
class Population:
    """``n`` holders as columns; a key absent from ``yearly``/``sections`` means nobody has it."""

    n: int
    yearly: dict[tuple[str, int], Column] = field(default_factory=dict)
    sections: dict[tuple[str, str], Column] = field(default_factory=dict)
    lists: dict[str, ListColumn] = field(default_factory=dict)
    unfit: Any = False
    """Rows holding a number int64 cannot represent (a bool array, or False): answered by the scalar engine."""

    @classmethod
    def from_facts(cls, model: RuleSet, holders: Sequence[Facts]) -> Population:
        kinds = _input_kinds(model)
        population = cls(len(holders))
        yearly: dict[tuple[str, int], tuple[list[int], list[Any]]] = {}
        sections: dict[tuple[str, str], tuple[list[int], list[Any]]] = {}
        items: dict[str, tuple[list[int], list[dict[str, Any]]]] = {}
        for row, facts in enumerate(holders):
            for year, entry in facts.years.items():
                for name, value in entry.items():
                    rows, values = yearly.setdefault((name, year), ([], []))
                    rows.append(row)
                    values.append(value)
            for section, entries in facts.sections.items():
                for field_name, field_value in entries.items():
                    owners, found = sections.setdefault((section, field_name), ([], []))
                    owners.append(row)
                    found.append(field_value)
            for list_name, events in facts.lists.items():
                event_owners, events_seen = items.setdefault(list_name, ([], []))
                event_owners.extend([row] * len(events))
                events_seen.extend(events)
        n = len(holders)
        unfit: list[Any] = []  # arrays of row numbers holding a number int64 cannot represent
        for year_key, (rows, values) in yearly.items():
            population.yearly[year_key] = _column(kinds.get(year_key[0], "text"), n, rows, values, unfit)
        for section_key, (rows, values) in sections.items():
            population.sections[section_key] = _column(kinds.get(section_key[1], "text"), n, rows, values, unfit)
        for list_name, (item_owners, records) in items.items():
            population.lists[list_name] = _list_column(model, list_name, item_owners, records, unfit)
        if unfit:
            population.unfit = np.zeros(n, dtype=bool)
            population.unfit[np.concatenate(unfit)] = True
        return population


def kind_of(type_: Any) -> str:
    """How a value of this checked type is held in a column: number, date, boolean or text."""
    if type_.kind in ("number", "date", "boolean"):
        return str(type_.kind)
    if type_.kind == "year":
        return "number"
    return "text"


def _input_kinds(model: RuleSet) -> dict[str, str]:
    symbols = model.symbols
    return {decl.name: kind_of(symbols.type_of(decl.type)) for decl in symbols.inputs.values()}


def _column(kind: str, n: int, rows: list[int], values: list[Any], unfit: list[Any]) -> Column:
    """The column of ``values`` at ``rows`` (of ``n``); rows whose number does not fit int64 go to ``unfit``."""
    index = np.asarray(rows, dtype=np.int64)
    present: Any = True
    if len(rows) != n:
        present = np.zeros(n, dtype=bool)
        present[index] = True
    if kind == "number":
        data, outside = _numbers(n, index, values)
        if outside is not None:
            unfit.append(outside)
        return Column(data, present)
    return Column(_array(kind, n, index, values), present)


def _numbers(n: int, index: Any, values: list[Any]) -> tuple[Num, Any]:
    """Exact numbers as int64 numerators and denominators, and the rows (of ``index``) int64 cannot hold.

    The common case is one conversion per column; only a column that overflows is
    converted again value by value, its out-of-range values held as 0/1.
    """
    num = np.zeros(n, dtype=np.int64)
    den = np.ones(n, dtype=np.int64)
    fractions = [Fraction(v) for v in values]
    outside = None
    try:
        num[index] = np.fromiter((f.numerator for f in fractions), dtype=np.int64, count=len(values))
        den[index] = np.fromiter((f.denominator for f in fractions), dtype=np.int64, count=len(values))
    except OverflowError:
        fits = [-INT64 < f.numerator < INT64 and f.denominator < INT64 for f in fractions]
        kept = [f if ok else Fraction(0) for f, ok in zip(fractions, fits, strict=True)]
        num[index] = np.fromiter((f.numerator for f in kept), dtype=np.int64, count=len(values))
        den[index] = np.fromiter((f.denominator for f in kept), dtype=np.int64, count=len(values))
        outside = index[~np.asarray(fits, dtype=bool)]
    if n == 0 or bool((den == den[0]).all()):
        return Num(num, int(den[0]) if n else 1), outside
    return common_denominator(Num(num, den)), outside


def _array(kind: str, n: int, index: Any, values: list[Any]) -> Any:
    """A column of dates (ordinals), booleans or texts."""
    if kind == "date":
        ordinals = np.zeros(n, dtype=np.int64)
        ordinals[index] = np.fromiter((v.toordinal() for v in values), dtype=np.int64, count=len(values))
        return ordinals
    if kind == "boolean":
        flags = np.zeros(n, dtype=bool)
        flags[index] = np.asarray(values, dtype=bool)
        return flags
    texts = np.full(n, "", dtype=object)
    texts[index] = values
    return texts.astype(str)


def _list_column(
    model: RuleSet, name: str, owners: list[int], records: list[dict[str, Any]], unfit: list[Any]
) -> ListColumn:
    """The items of a list input; a holder with an item int64 cannot hold goes to ``unfit``."""
    decl = model.symbols.inputs[name]
    record = model.symbols.records[decl.type.name]
    column = ListColumn(np.asarray(owners, dtype=np.int64))
    count = len(records)
    for field_decl in record.fields:
        kind = kind_of(model.symbols.type_of(field_decl.type))
        rows = [i for i, item in enumerate(records) if field_decl.name in item]
        values = [records[i][field_decl.name] for i in rows]
        items_unfit: list[Any] = []
        column.fields[field_decl.name] = _column(kind, count, rows, values, items_unfit)
        unfit.extend(column.owner[items] for items in items_unfit)
    return column
