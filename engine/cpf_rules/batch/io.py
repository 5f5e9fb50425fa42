"""Streaming input and atomic output for ``cpf batch``: JSONL and Parquet, chunk by chunk.

Readers yield chunks of raw holder documents (never the whole file), so memory stays
constant in the input size and reading is linear in it. A JSONL line is one facts
document (numbers are read as exact decimals, never binary floats); a Parquet row is
one document whose columns are the document's keys (``holder`` a struct, ``years``
and ``ledger`` lists of structs). Either may carry an ``id`` (text or integer) that
is copied to the output; otherwise the row number (from 0) identifies the holder.

Writers write to a temporary file beside the output and rename it when the run is
complete: a reader of OUTPUT never sees a partial file, and a failed run leaves any
previous OUTPUT untouched.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

RawRow = tuple[int, Any]
"""A row number and its raw document (a JSONL line, or a Parquet row as a dict)."""


def input_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return "jsonl"


def read_chunks(path: Path, chunk_size: int) -> Iterator[list[RawRow]]:
    """Chunks of at most ``chunk_size`` rows, in input order."""
    if input_format(path) == "parquet":
        yield from _parquet_chunks(path, chunk_size)
        return
    chunk: list[RawRow] = []
    with path.open(encoding="utf-8-sig") as stream:
        for number, line in enumerate(stream):
            if not line.strip():
                continue
            chunk.append((number, line))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[list[RawRow]]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_size):
        rows = batch.to_pylist()
        yield [(number + i, _plain(row)) for i, row in enumerate(rows)]
        number += len(rows)


def _plain(value: Any) -> Any:
    """A Parquet value as a facts document value: nulls dropped, dates ISO, floats by their shortest text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))  # 0.1 → Decimal("0.1"); decimal128 columns are exact already
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def parse_jsonl_line(line: str) -> Any:
    return json.loads(line, parse_float=Decimal)


class AtomicWriter:
    """Write OUTPUT through a temporary file renamed on success (JSONL or Parquet by suffix)."""

    def __init__(self, path: Path, questions: list[str]) -> None:
        self.path = path
        self.format = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "jsonl"
        self.questions = questions
        directory = path.parent if str(path.parent) else Path(".")
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        self.temporary = Path(name)
        self._stream: Any = None
        self._parquet: Any = None

    def __enter__(self) -> AtomicWriter:
        if self.format == "jsonl":
            self._stream = self.temporary.open("w", encoding="utf-8")
        return self

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.format == "jsonl":
            self._stream.write("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows))
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([self._flat(r) for r in rows], schema=self._schema())
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.temporary, table.schema)
        self._parquet.write_table(table)

    def _schema(self) -> Any:
        import pyarrow as pa

        fields = [pa.field("row", pa.int64()), pa.field("id", pa.string())]
        for question in self.questions:
            fields += [pa.field(question, pa.string()), pa.field(f"{question} error", pa.string())]
        return pa.schema(fields)

    def _flat(self, row: dict[str, Any]) -> dict[str, Any]:
        """Parquet output: one text column per question (exact decimal text), one for its error code."""
        flat: dict[str, Any] = {"row": row["row"], "id": None if row.get("id") is None else str(row["id"])}
        answers = row.get("answers", {})
        errors = row.get("errors", {})
        for question in self.questions:
            value = answers.get(question, {}).get("value")
            flat[question] = None if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            error = errors.get(question) or (errors.get("$") or [None])[0]
            flat[f"{question} error"] = None if error is None else f"{error['code']}: {error['message']}"
        return flat

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._parquet is None and self.format == "parquet" and kind is None:
            self.write([])  # no row at all: still a valid Parquet file with the schema
        if self._parquet is not None:
            self._parquet.close()
        if kind is None:
            os.replace(self.temporary, self.path)
        else:
            self.temporary.unlink(missing_ok=True)
