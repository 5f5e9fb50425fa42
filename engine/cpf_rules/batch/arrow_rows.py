"""A Parquet chunk as Arrow columns: the rows proven to be valid facts documents, and their values.

Pipeline position: the columnar reading of ``cpf batch`` (:mod:`~cpf_rules.batch.columnar`),
before the population. :func:`check_chunk` walks the chunk's columns along the facts
schema of the rules (:attr:`cpf_rules.facts.FactsReader.schema`, read at run time, so
a new keyword or bound reaches this path or sends its rows to the row path): a
section is a struct column, ``years`` and the lists of records are lists of structs,
each leaf is checked by :func:`~cpf_rules.batch.arrow_values.check_leaf`. It adds
what a schema walk of one document cannot see column by column: unknown keys (a
column or a struct field the schema does not name, where it holds a value), required
fields, null list items, lists longer than ``MAX_LIST_ITEMS`` (CPF-F110), a year given
twice (CPF-F107) and the ``id`` rules of :mod:`~cpf_rules.batch.rows` (a text or a
whole number). A null is an absent key, as the row path reads it
(:func:`cpf_rules.batch.io.plain`).

The result only *accepts*: a row is accepted when every check holds; every other row
(and every row of a chunk whose shape is not understood: duplicate column names, a
``facts`` column) goes to the row path, which gives the same output as before, with
the precise diagnostics. :meth:`CheckedChunk.gather` hands the accepted rows' values
to the population builder (:class:`~cpf_rules.batch.population.Gatherer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..facts_schema import YEARS_KEY
from ..limits import MAX_LIST_ITEMS
from ..model import RuleSet
from .arrow_values import Leaf, check_leaf, present_mask
from .population import Gatherer, ListPart, Part, kind_of

_OBJECT_KEYWORDS = {"type", "properties", "required", "additionalProperties", "$schema", "title", "description"}
_ARRAY_KEYWORDS = {"type", "items", "title", "description"}


@dataclass
class _Group:
    """A section (positions are rows) or a list's items (positions are items, ``owner`` their rows)."""

    name: str
    leaves: dict[str, Leaf] = field(default_factory=dict)
    owner: Any = None
    years: Any = None
    """For ``years``: each item's year (valid where the row is accepted)."""


@dataclass
class CheckedChunk:
    """Which rows of a chunk are accepted, their ``id`` (None: no id), and their checked columns."""

    accepted: Any
    identifiers: list[Any]
    groups: list[_Group] = field(default_factory=list)

    def gather(self, gatherer: Gatherer, positions: Any) -> None:
        """Add the accepted rows' values to ``gatherer``; ``positions[row]`` is each row's
        place in the population (read only where the row is accepted)."""
        accepted = self.accepted
        if not accepted.any():
            return
        lists = {g.name: g for g in self.groups if g.owner is not None and g.years is None}
        for group in self.groups:
            if group.owner is None:
                for name, leaf in group.leaves.items():
                    at = np.flatnonzero(leaf.valid & accepted)
                    if at.size:
                        gatherer.sections.setdefault((group.name, name), []).append(_part(leaf, at, positions[at]))
            elif group.years is not None:
                self._gather_years(gatherer, group, positions)
        for list_name in gatherer.list_names():
            items = lists.get(list_name)
            if items is None:  # no such column: no holder of the chunk has an item
                fields = {f: _empty(gatherer.field_kind(list_name, f)) for f in gatherer.record_fields(list_name)}
                gatherer.lists.setdefault(list_name, []).append(ListPart(np.zeros(0, dtype=np.int64), fields))
                continue
            kept = np.flatnonzero(accepted[items.owner])
            renumbered = np.zeros(len(items.owner), dtype=np.int64)
            renumbered[kept] = np.arange(len(kept), dtype=np.int64)
            part = ListPart(positions[items.owner[kept]])
            for name in gatherer.record_fields(list_name):
                found = items.leaves.get(name)
                if found is None or not found.valid.any():
                    part.fields[name] = _empty(gatherer.field_kind(list_name, name))
                    continue
                at = np.flatnonzero(found.valid & accepted[items.owner])
                part.fields[name] = _part(found, at, renumbered[at])
            gatherer.lists.setdefault(list_name, []).append(part)

    def _gather_years(self, gatherer: Gatherer, group: _Group, positions: Any) -> None:
        """Each yearly input's values, one column per year (as the facts give ``years[y][name]``)."""
        item_accepted = self.accepted[group.owner]
        for name, leaf in group.leaves.items():
            if name == "year":
                continue
            at = np.flatnonzero(leaf.valid & item_accepted)
            if not at.size:
                continue
            years = group.years[at]
            order = np.argsort(years, kind="stable")
            at, years = at[order], years[order]
            distinct, starts = np.unique(years, return_index=True)
            ends = [*starts[1:].tolist(), len(at)]
            for year, start, end in zip(distinct.tolist(), starts.tolist(), ends, strict=True):
                chosen = at[start:end]
                part = _part(leaf, chosen, positions[group.owner[chosen]])
                gatherer.yearly.setdefault((name, int(year)), []).append(part)


def _part(leaf: Leaf, at: Any, index: Any) -> Part:
    if leaf.num is not None:
        return Part(index, num=leaf.num[at], den=leaf.den[at])
    return Part(index, leaf.values[at])


def _empty(kind: str) -> Part:
    empty = np.zeros(0, dtype=np.int64)
    if kind == "number":
        return Part(empty, num=empty, den=empty)
    return Part(empty, np.zeros(0, dtype=object if kind == "text" else np.int64 if kind == "date" else bool))


def check_chunk(model: RuleSet, batch: Any) -> CheckedChunk:
    """The rows of ``batch`` (a pyarrow RecordBatch) proven valid for the facts schema of ``model``."""
    schema = model.facts_reader.schema
    n = batch.num_rows
    bad = np.zeros(n, dtype=bool)
    identifiers: list[Any] = [None] * n
    chunk = CheckedChunk(bad, identifiers)
    names = list(batch.schema.names)
    properties = schema.get("properties", {})
    if not _closed_object(schema) or len(set(names)) != len(names) or "facts" in properties:
        bad[:] = True  # a shape the row path alone reads (a `{"id", "facts"}` row, say)
        chunk.accepted = ~bad
        return chunk
    kinds = _kinds(model)
    for name, column in zip(names, batch.columns, strict=True):
        prop = properties.get(name)
        if name == "id":
            chunk.identifiers, refused = _identifiers(column)
            bad |= refused
        elif prop is None or not isinstance(prop, dict):
            bad |= present_mask(column)  # an unknown key, where it holds a value
        elif prop.get("type") == "object":
            group = _fields(name, column, prop, kinds.get(name, {}), bad)  # a section: a struct column
            if group is not None:
                chunk.groups.append(group)
        elif prop.get("type") == "array":
            group = _list(name, column, prop, kinds.get(name, {}), bad)
            if group is not None:
                chunk.groups.append(group)
        else:
            bad |= present_mask(column)
    for required in schema.get("required", []):
        if required not in names:
            bad[:] = True
        else:
            bad |= ~present_mask(batch.column(names.index(required)))
    chunk.accepted = ~bad
    return chunk


def _kinds(model: RuleSet) -> dict[str, dict[str, str]]:
    """For each top-level key of a document, how each of its fields is held in a column."""
    symbols = model.symbols
    kinds: dict[str, dict[str, str]] = {YEARS_KEY: {"year": "number"}}
    for decl in symbols.inputs.values():
        if decl.section is None:
            record = symbols.records[decl.type.name]
            kinds[decl.name] = {f.name: kind_of(symbols.type_of(f.type)) for f in record.fields}
        else:
            key = YEARS_KEY if decl.section == "year" else decl.section
            kinds.setdefault(key, {})[decl.name] = kind_of(symbols.type_of(decl.type))
    return kinds


def _closed_object(schema: Any) -> bool:
    """An object schema this module reads: properties, required, and no other key allowed."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return False
    keywords = {k for k in schema if not k.startswith("x-cpf-")}
    return (
        keywords <= _OBJECT_KEYWORDS
        and schema.get("additionalProperties") is False
        and isinstance(schema.get("properties", {}), dict)
        and all(isinstance(r, str) for r in schema.get("required", []))
    )


def _identifiers(column: Any) -> tuple[list[Any], Any]:
    """Each row's ``id`` (None when absent) and the rows whose ``id`` is not a text or a whole number."""
    import pyarrow as pa  # type: ignore[import-untyped]

    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    type_ = column.type
    if pa.types.is_null(type_):
        return [None] * len(column), np.zeros(len(column), dtype=bool)
    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_integer(type_):
        return column.to_pylist(), np.zeros(len(column), dtype=bool)
    return [None] * len(column), present_mask(column)


def _fields(name: str, values: Any, schema: dict[str, Any], kinds: dict[str, str], bad: Any) -> _Group | None:
    """The fields of a struct column (a section, or a list's items) checked; ``bad`` marks
    the positions that are not proven valid. None when the struct is not read here."""
    import pyarrow as pa

    present = present_mask(values)
    if not pa.types.is_struct(values.type) or not _closed_object(schema):
        bad |= present
        return None
    type_ = values.type
    names = [type_.field(i).name for i in range(type_.num_fields)]
    if len(set(names)) != len(names):
        bad |= present
        return None
    children = values.flatten()  # a null struct's fields are null: absent
    properties = schema.get("properties", {})
    group = _Group(name)
    for field_name, child in zip(names, children, strict=True):
        sub = properties.get(field_name)
        if not isinstance(sub, dict):
            bad |= present_mask(child)
            continue
        leaf = check_leaf(child, sub, kinds.get(field_name, "text"))
        bad |= leaf.present & ~leaf.valid
        group.leaves[field_name] = leaf
    for required in schema.get("required", []):
        given = group.leaves.get(required)
        bad |= present & (~given.present if given is not None else True)
    return group


def _list(name: str, column: Any, schema: dict[str, Any], kinds: dict[str, str], bad: Any) -> _Group | None:
    """A list of structs: its items checked; an item not proven valid refuses its row."""
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    present = present_mask(column)
    keywords = {k for k in schema if not k.startswith("x-cpf-")}
    listed = pa.types.is_list(column.type) or pa.types.is_large_list(column.type)
    if not listed or not keywords <= _ARRAY_KEYWORDS or not isinstance(schema.get("items"), dict):
        bad |= present
        return None
    lengths = np.asarray(pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    bad |= lengths > MAX_LIST_ITEMS  # CPF-F110, named by the row path
    items = column.flatten()  # the items of the lists that are there, in row order
    owner = np.repeat(np.arange(len(column), dtype=np.int64), lengths)
    if len(items) != len(owner):
        bad |= present
        return None
    item_bad = ~present_mask(items)  # a null item is not an object
    group = _fields(name, items, schema["items"], kinds, item_bad)
    if group is None:
        bad |= lengths > 0
        return None
    group.owner = owner
    if name == YEARS_KEY:
        year = group.leaves.get("year")
        if year is None or year.num is None:
            bad |= lengths > 0
            return None
        group.years = np.where(year.valid, year.num, 0)
        item_bad |= _repeated_years(owner, group.years, year.valid)
    bad |= np.bincount(owner[item_bad], minlength=len(column)).astype(bool)
    return group


def _repeated_years(owner: Any, years: Any, valid: Any) -> Any:
    """The entries whose year their holder gives twice (CPF-F107; the row path names them)."""
    repeated = np.zeros(len(owner), dtype=bool)
    at = np.flatnonzero(valid)
    if at.size < 2:
        return repeated
    order = np.lexsort((years[at], owner[at]))
    sorted_at = at[order]
    same = (owner[sorted_at][1:] == owner[sorted_at][:-1]) & (years[sorted_at][1:] == years[sorted_at][:-1])
    repeated[sorted_at[1:][same]] = True
    return repeated
