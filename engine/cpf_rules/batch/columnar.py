"""One chunk of ``cpf batch`` read: each row's ``id`` and facts or diagnostics, and the population.

Pipeline position: between the readers (:mod:`~cpf_rules.batch.io`) and the answers
(:mod:`~cpf_rules.batch.job`). Two ways in, one result (:class:`ReadChunk`):

- the *row path* (:func:`read_documents`): every row is a document read by
  :func:`~cpf_rules.batch.rows.read_row`, as ``cpf evaluate`` reads a facts file; the
  population is built from the validated facts.
- the *columnar path* (:func:`read_arrow_chunk` for a Parquet chunk;
  :func:`~cpf_rules.batch.json_columns.read_json_chunk` puts JSONL documents in Arrow
  record batches first): the Arrow columns are checked against the facts schema at once
  (:func:`~cpf_rules.batch.arrow_rows.check_chunk`) and the rows proven valid go
  straight into the population's columns, never through a Python dict. Every other
  row takes the row path, which words its diagnostics, and joins the same population
  (:class:`~cpf_rules.batch.population.Gatherer`), so the kernel sees the same columns,
  and the output (answers, errors, order, ids, summary) is the same bytes as with the
  row path alone (``cpf batch --row-path`` forces it; tests/test_batch_columnar.py
  compares both). A row the kernel sends to the scalar engine gets its facts read from
  its Arrow row then, as the row path would have read them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np

from ..diagnostics import Diagnostic
from ..facts import Facts
from ..model import RuleSet
from .arrow_rows import CheckedChunk, check_chunk
from .io import ArrowChunk, RawRow, plain, row_documents
from .population import Gatherer, Population
from .rows import NO_ID, read_row


@dataclass
class ReadChunk:
    """A chunk's rows read: for row ``i``, ``numbers[i]``, ``identifiers[i]`` (or NO_ID) and,
    when refused, ``problems[i]``; ``valid`` lists the other rows, in order, ``holders``
    their facts (read when asked) and ``population`` their columns (None: built from ``holders``)."""

    numbers: list[int]
    identifiers: list[Any]
    problems: dict[int, tuple[Diagnostic, ...]] = field(default_factory=dict)
    valid: list[int] = field(default_factory=list)
    holders: Sequence[Facts] = ()
    population: Population | None = None
    row_path: int = 0
    """Rows read as documents (all of them on the row path; refused or unproven ones on the columnar path)."""


def read_documents(model: RuleSet, rows: Sequence[RawRow], source: str) -> ReadChunk:
    """The row path: each raw document (a JSONL line, a Parquet row as a dict) read on its own."""
    reader = model.facts_reader
    read = ReadChunk([number for number, _ in rows], [NO_ID] * len(rows), row_path=len(rows))
    holders: list[Facts] = []
    for index, (number, raw) in enumerate(rows):
        row = read_row(reader, raw, number, source)
        read.identifiers[index] = row.identifier
        if row.facts is None:
            read.problems[index] = row.problems
        else:
            read.valid.append(index)
            holders.append(row.facts)
    read.holders = holders
    return read


def read_arrow_chunk(model: RuleSet, chunk: ArrowChunk, source: str, columnar: bool = True) -> ReadChunk:
    """A Parquet chunk: the rows proven valid by columns, the others as documents
    (all of them when ``columnar`` is False: the row path alone)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    batch = chunk.batch
    n = int(batch.num_rows)
    if not columnar:
        return read_documents(model, [(chunk.first + i, plain(r)) for i, r in enumerate(row_documents(batch))], source)
    try:
        checked = check_chunk(model, batch)
    except (ValueError, OverflowError, UnicodeDecodeError, pa.ArrowException):  # e.g. text that is not UTF-8
        return read_arrow_chunk(model, chunk, source, columnar=False)  # each row read, the bad one refused

    def documents(rows: list[int]) -> list[Any]:
        return [plain(d) for d in row_documents(batch.take(pa.array(rows, type=pa.int64())))] if rows else []

    def facts_document(row: int) -> Any:
        document = plain(batch.slice(row, 1).to_pylist()[0])
        document.pop("id", None)
        return document

    identifiers: list[Any] = [NO_ID if i is None else i for i in checked.identifiers]
    rows = np.arange(n, dtype=np.int64)
    numbers = list(range(chunk.first, chunk.first + n))
    return assemble(model, numbers, identifiers, [(checked, rows)], documents, facts_document, source)


def assemble(
    model: RuleSet,
    numbers: list[int],
    identifiers: list[Any],
    batches: list[tuple[CheckedChunk, Any]],
    documents: Callable[[list[int]], list[Any]],
    facts_document: Callable[[int], Any],
    source: str,
) -> ReadChunk:
    """One chunk read from its rows checked by columns and the row path for every other row.

    ``batches``: each record batch checked, with the chunk's row of each of its rows;
    ``documents(rows)`` gives the other rows as the row path reads them,
    ``facts_document(row)`` the facts of a row the columns accepted (read when the scalar
    engine asks for them); ``identifiers`` holds the ``id`` of the rows of the batches
    (NO_ID elsewhere)."""
    accepted = np.zeros(len(numbers), dtype=bool)
    for checked, in_batch in batches:
        accepted[in_batch[checked.accepted]] = True
    refused = np.flatnonzero(~accepted).tolist()
    read = read_documents(
        model, [(numbers[i], raw) for i, raw in zip(refused, documents(refused), strict=True)], source
    )
    identifiers = list(identifiers)
    problems: dict[int, tuple[Diagnostic, ...]] = {}
    for index, row in enumerate(refused):
        identifiers[row] = read.identifiers[index]
        if index in read.problems:
            problems[row] = read.problems[index]
    valid_mask = accepted.copy()
    from_documents = [refused[index] for index in read.valid]
    valid_mask[from_documents] = True
    positions = np.cumsum(valid_mask) - 1
    valid = np.flatnonzero(valid_mask).tolist()
    gatherer = Gatherer(model, len(valid))
    for checked, in_batch in batches:
        checked.gather(gatherer, positions[in_batch])
    gatherer.add_facts(positions[from_documents].tolist(), read.holders)
    known = dict(zip(positions[from_documents].tolist(), read.holders, strict=True))
    return ReadChunk(
        numbers=numbers,
        identifiers=identifiers,
        problems=problems,
        valid=valid,
        holders=_CheckedHolders(model, valid, facts_document, known),
        population=gatherer.population() if valid else None,
        row_path=len(refused),
    )


class _CheckedHolders(Sequence[Facts]):
    """The facts of a chunk's valid rows, read when the scalar engine asks for one: a row
    the columns accepted is read from its document (``facts_document``) as the row path
    reads it."""

    def __init__(
        self, model: RuleSet, valid: list[int], facts_document: Callable[[int], Any], known: dict[int, Facts]
    ) -> None:
        self._model = model
        self._valid = valid
        self._facts_document = facts_document
        self._known = known

    def __len__(self) -> int:
        return len(self._valid)

    @overload
    def __getitem__(self, position: int) -> Facts: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[Facts]: ...

    def __getitem__(self, position: int | slice) -> Facts | Sequence[Facts]:
        if isinstance(position, slice):
            return [self[p] for p in range(*position.indices(len(self)))]
        facts = self._known.get(position)
        if facts is None:
            document = self._facts_document(self._valid[position])
            facts = self._model.facts_reader.read_document(document, digest=False)  # proven valid: never raises
            self._known[position] = facts
        return facts
