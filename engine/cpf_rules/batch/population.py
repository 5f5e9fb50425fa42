"""A population of holders as columns: the input of the batch kernel.

Built from validated :class:`~cpf_rules.facts.Facts` (one per holder, so every value
went through the same checks as on the scalar path), from Arrow columns a chunk of a
Parquet file proved valid (:mod:`~cpf_rules.batch.arrow_rows`), from both at once
(:class:`Gatherer`: a chunk whose rows took either path), or directly from arrays (the
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
        gatherer = Gatherer(model, len(holders))
        gatherer.add_facts(range(len(holders)), holders)
        return gatherer.population()


@dataclass
class Part:
    """Some values of one input (or of one field of list items), at positions ``index``.

    Either ``values`` (Python values of validated facts: Fractions, dates, booleans,
    texts) or, for numbers read from Arrow, ``num``/``den`` (reduced int64 fractions,
    every one well inside int64) and, for other kinds, ``values`` as a NumPy array.
    """

    index: Any
    values: Any = None
    num: Any = None
    den: Any = None


@dataclass
class ListPart:
    """Items of a list input from some holders: ``owner`` (their rows, non-decreasing) and
    each field's :class:`Part` (``index``: the item's position among these items)."""

    owner: Any
    fields: dict[str, Part] = field(default_factory=dict)


class Gatherer:
    """The values of one chunk's valid holders, gathered input by input, then built into
    a :class:`Population` by one code path whatever their source (facts or Arrow)."""

    def __init__(self, model: RuleSet, n: int) -> None:
        self.model = model
        self.n = n
        self.kinds = _input_kinds(model)
        self.yearly: dict[tuple[str, int], list[Part]] = {}
        self.sections: dict[tuple[str, str], list[Part]] = {}
        self.lists: dict[str, list[ListPart]] = {}

    def add_facts(self, positions: Sequence[int], holders: Sequence[Facts]) -> None:
        """Validated facts, holder ``holders[i]`` at row ``positions[i]`` of the population."""
        yearly: dict[tuple[str, int], tuple[list[int], list[Any]]] = {}
        sections: dict[tuple[str, str], tuple[list[int], list[Any]]] = {}
        items: dict[str, tuple[list[int], list[dict[str, Any]]]] = {}
        for row, facts in zip(positions, holders, strict=True):
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
        for year_key, (rows, values) in yearly.items():
            self.yearly.setdefault(year_key, []).append(Part(np.asarray(rows, dtype=np.int64), values))
        for section_key, (rows, values) in sections.items():
            self.sections.setdefault(section_key, []).append(Part(np.asarray(rows, dtype=np.int64), values))
        for list_name, (owners, records) in items.items():
            part = ListPart(np.asarray(owners, dtype=np.int64))
            for field_name in self.record_fields(list_name):
                at = [i for i, item in enumerate(records) if field_name in item]
                part.fields[field_name] = Part(np.asarray(at, dtype=np.int64), [records[i][field_name] for i in at])
            self.lists.setdefault(list_name, []).append(part)

    def list_names(self) -> list[str]:
        """The list inputs (every holder has each, maybe empty)."""
        return [decl.name for decl in self.model.symbols.inputs.values() if decl.section is None]

    def record_fields(self, list_name: str) -> list[str]:
        symbols = self.model.symbols
        return [f.name for f in symbols.records[symbols.inputs[list_name].type.name].fields]

    def field_kind(self, list_name: str, field_name: str) -> str:
        symbols = self.model.symbols
        record = symbols.records[symbols.inputs[list_name].type.name]
        return next(kind_of(symbols.type_of(f.type)) for f in record.fields if f.name == field_name)

    def population(self) -> Population:
        n = self.n
        population = Population(n)
        unfit: list[Any] = []  # arrays of row numbers holding a number int64 cannot represent
        for year_key, parts in self.yearly.items():
            population.yearly[year_key] = _column(self.kinds.get(year_key[0], "text"), n, parts, unfit)
        for section_key, parts in self.sections.items():
            population.sections[section_key] = _column(self.kinds.get(section_key[1], "text"), n, parts, unfit)
        for list_name, list_parts in self.lists.items():
            population.lists[list_name] = self._list_column(list_name, list_parts, unfit)
        if unfit:
            population.unfit = np.zeros(n, dtype=bool)
            population.unfit[np.concatenate(unfit)] = True
        return population

    def _list_column(self, name: str, parts: list[ListPart], unfit: list[Any]) -> ListColumn:
        """The items of a list input, in row order; a holder with an item int64 cannot hold goes to ``unfit``."""
        owners = [p.owner for p in parts]
        owner = np.concatenate(owners) if len(owners) > 1 else owners[0]
        moved: list[Any] = []  # each part's items' positions in the merged list
        if len(parts) > 1:
            order = np.argsort(owner, kind="stable")  # each part is in row order: the merge keeps item order
            where = np.empty(len(owner), dtype=np.int64)
            where[order] = np.arange(len(owner), dtype=np.int64)
            owner = owner[order]
            start = 0
            for part in parts:
                moved.append(where[start : start + len(part.owner)])
                start += len(part.owner)
        column = ListColumn(owner)
        count = len(owner)
        symbols = self.model.symbols
        record = symbols.records[symbols.inputs[name].type.name]
        for field_decl in record.fields:
            kind = kind_of(symbols.type_of(field_decl.type))
            field_parts = []
            for position, part in enumerate(parts):
                piece = part.fields[field_decl.name]
                if moved:
                    piece = Part(moved[position][piece.index], piece.values, piece.num, piece.den)
                field_parts.append(piece)
            items_unfit: list[Any] = []
            column.fields[field_decl.name] = _column(kind, count, field_parts, items_unfit)
            unfit.extend(column.owner[items] for items in items_unfit)
        return column


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


def _column(kind: str, n: int, parts: list[Part], unfit: list[Any]) -> Column:
    """The column of the ``parts`` (of ``n`` rows); rows whose number does not fit int64 go to ``unfit``."""
    index = np.concatenate([p.index for p in parts]) if len(parts) > 1 else parts[0].index
    present: Any = True
    if len(index) != n:
        present = np.zeros(n, dtype=bool)
        present[index] = True
    if kind == "number":
        data, outside = _numbers(n, parts)
        unfit.extend(outside)
        return Column(data, present)
    return Column(_array(kind, n, parts), present)


def _numbers(n: int, parts: list[Part]) -> tuple[Num, list[Any]]:
    """Exact numbers as int64 numerators and denominators, and the rows int64 cannot hold.

    The common case is one conversion per part; only a column that overflows is
    converted again value by value, its out-of-range values held as 0/1 (numbers read
    from Arrow are well inside int64 by construction).
    """
    num = np.zeros(n, dtype=np.int64)
    den = np.ones(n, dtype=np.int64)
    outside: list[Any] = []
    converted = [[Fraction(v) for v in p.values] if p.num is None else None for p in parts]
    try:
        for part, fractions in zip(parts, converted, strict=True):
            if fractions is None:
                num[part.index] = part.num
                den[part.index] = part.den
                continue
            count = len(fractions)
            num[part.index] = np.fromiter((f.numerator for f in fractions), dtype=np.int64, count=count)
            den[part.index] = np.fromiter((f.denominator for f in fractions), dtype=np.int64, count=count)
    except OverflowError:
        for part, fractions in zip(parts, converted, strict=True):
            if fractions is None:
                continue
            fits = [-INT64 < f.numerator < INT64 and f.denominator < INT64 for f in fractions]
            kept = [f if ok else Fraction(0) for f, ok in zip(fractions, fits, strict=True)]
            num[part.index] = np.fromiter((f.numerator for f in kept), dtype=np.int64, count=len(kept))
            den[part.index] = np.fromiter((f.denominator for f in kept), dtype=np.int64, count=len(kept))
            out = part.index[~np.asarray(fits, dtype=bool)]
            if out.size:
                outside.append(out)
    if n == 0 or bool((den == den[0]).all()):
        return Num(num, int(den[0]) if n else 1), outside
    return common_denominator(Num(num, den)), outside


def _array(kind: str, n: int, parts: list[Part]) -> Any:
    """A column of dates (ordinals), booleans or texts."""
    if kind == "date":
        ordinals = np.zeros(n, dtype=np.int64)
        for part in parts:
            if isinstance(part.values, np.ndarray):
                ordinals[part.index] = part.values
            else:
                count = len(part.values)
                ordinals[part.index] = np.fromiter((v.toordinal() for v in part.values), dtype=np.int64, count=count)
        return ordinals
    if kind == "boolean":
        flags = np.zeros(n, dtype=bool)
        for part in parts:
            flags[part.index] = np.asarray(part.values, dtype=bool)
        return flags
    texts = np.full(n, "", dtype=object)
    for part in parts:
        texts[part.index] = part.values
    return texts.astype(str)
