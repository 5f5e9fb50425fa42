"""JSONL lines read by columns: parsed documents put in Arrow record batches, checked as Parquet is.

Pipeline position: between the JSONL reader (:func:`~cpf_rules.batch.io.read_chunks`,
which yields each line as text) and the answers (:mod:`~cpf_rules.batch.job`), beside
:func:`~cpf_rules.batch.columnar.read_arrow_chunk` for Parquet.

Each line is parsed as the row path parses it (:func:`cpf_rules.yaml_io.load_json_text`:
exact decimals, a key given twice or NaN refused). The documents the facts schema
accepts (jsonschema-rs, the first check of
:meth:`~cpf_rules.facts.FactsReader.read_document`) are put in Arrow record batches and
checked by columns (:func:`~cpf_rules.batch.arrow_rows.check_chunk`); the rows proven
valid go straight into the population's columns. Every other line, and every document
the columns do not prove valid, is read by the row path from what was parsed, which
words the diagnostics: the output is the same bytes as with ``--row-path``
(tests/test_batch_columnar_json.py compares both on random files).

Why the schema comes first: a JSON ``null`` and an absent key are one Arrow null. A
document the schema accepts holds neither an unknown key nor a ``null``, so each Arrow
null in its batch is an absent key, as the columns read it.

Why Arrow infers the types (never a type imposed by the schema): imposed, an
``integer`` field would make ``2019.0`` the integer 2019 (and ``1607.5`` 1607), where
the row path refuses a whole number written as a decimal. Inferred, an integer field
holding a decimal becomes a decimal column, which the columns refuse. Arrow infers a
decimal column's precision from its decimals alone and then fails on a longer integer
(``803.49`` then ``1607``): a first row built from the schema (:func:`_widest`) gives
each number field room for 20 digits and 6 decimals, and is dropped once the types are
inferred. A line whose text holds what Arrow cannot hold (:data:`_ROW_PATH_TEXT`: an
integer beyond 64 bits, a lone surrogate) takes the row path without trying; a batch
Arrow still cannot build is split in halves until the documents that cannot be put in
columns are alone, and those take the row path.

A value that makes its column one the columns refuse (a year written ``2019.0``: a
decimal column for an integer field) sends every line of the chunk that has that field
to the row path: the same answers, at the row path's speed for that chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from ..model import RuleSet
from ..yaml_io import YamlError, load_json_text
from .arrow_rows import CheckedChunk, check_chunk
from .columnar import ReadChunk, assemble, read_documents
from .io import RawRow
from .rows import NO_ID, is_valid_id

_ROW_PATH_TEXT = re.compile(r"\d{19}|[eE][+-]?\d\d|\.\d{13}|\\u[dD][89a-fA-F]")
"""Lines read by the row path without trying Arrow: 19 digits in a row (an integer past
int64, a decimal past decimal128's 38 digits), an exponent of two digits (``1e25``,
``0e12``), 13 decimals or more (refused: CPF-F108, whose scale would send the whole
column to the row path) and a surrogate escape (a lone one is no UTF-8 for Arrow). The
same characters inside a text send a valid line there too: slower, the same answer.
Without it a batch Arrow cannot build is split in halves, a failed attempt costing
about a millisecond: 10 % of such lines made a chunk ten times slower than the row path."""

_ROOMY = Decimal("99999999999999999999.000000")
"""A number field's value in the first row: 20 digits before the point and 6 after."""


def read_json_chunk(model: RuleSet, rows: Sequence[RawRow], source: str, columnar: bool = True) -> ReadChunk:
    """A chunk of JSONL lines: the documents proven valid by columns, the other lines by
    the row path (all of them when ``columnar`` is False)."""
    if not columnar:
        return read_documents(model, rows, source)
    reader = model.facts_reader
    raws: list[Any] = [raw for _, raw in rows]
    identifiers: list[Any] = [NO_ID] * len(rows)
    bodies: list[dict[str, Any]] = []
    owners: list[int] = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, str):
            continue  # an overlong line: the row path refuses it
        try:
            document = load_json_text(raw, source)
        except YamlError:
            continue  # the row path words it
        if type(document) is not dict:
            continue
        raws[index] = document  # what the row path reads: each line is parsed once
        if _ROW_PATH_TEXT.search(raw):
            continue  # a number or a text Arrow cannot hold, or one that would spoil its column
        body = document
        if "id" in document:
            identifier = document["id"]
            if not is_valid_id(identifier):
                continue
            body = {key: value for key, value in document.items() if key != "id"}
            identifiers[index] = identifier
        if reader.schema_accepts(body):
            owners.append(index)
            bodies.append(body)
    batches: list[tuple[CheckedChunk, Any]] = []
    if bodies:
        widest = _widest(reader.schema)
        for start, stop, batch in _record_batches(bodies, widest, 0, len(bodies)):
            batches.append((check_chunk(model, batch), np.array(owners[start:stop], dtype=np.int64)))
    body_of = dict(zip(owners, bodies, strict=True))
    numbers = [number for number, _ in rows]

    def documents(indices: list[int]) -> list[Any]:
        return [raws[i] for i in indices]

    return assemble(model, numbers, identifiers, batches, documents, body_of.__getitem__, source)


def _record_batches(bodies: list[dict[str, Any]], widest: Any, start: int, stop: int) -> list[tuple[int, int, Any]]:
    """``bodies[start:stop]`` as record batches with their ranges; a range Arrow cannot
    build is split in halves, down to documents alone, which are left out."""
    import pyarrow as pa  # type: ignore[import-untyped]

    try:
        values = pa.array([widest, *bodies[start:stop]])  # the first row sets room for every number
        kept = values.take(pa.array(np.arange(1, stop - start + 1, dtype=np.int64)))  # the first row dropped
        return [(start, stop, pa.RecordBatch.from_struct_array(kept))]
    except (ValueError, TypeError, OverflowError, pa.ArrowException):  # values Arrow cannot put in one column
        if stop - start == 1:
            return []
    middle = (start + stop) // 2
    return _record_batches(bodies, widest, start, middle) + _record_batches(bodies, widest, middle, stop)


def _widest(schema: Any) -> Any:
    """A document of every key the facts schema names, each number with room for 20 digits
    and 6 decimals (Arrow's inferred decimal types then hold every integer of the batch),
    each list with one item; None where the schema says something not known here."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _widest(value) for key, value in properties.items()} if isinstance(properties, dict) else None
    if kind == "array":
        return [_widest(schema.get("items"))]
    if kind == "number":
        return _ROOMY
    if kind == "integer":
        return 0
    if kind == "boolean":
        return False
    if kind == "string" or (kind is None and isinstance(schema.get("enum"), list)):
        return ""
    return None
