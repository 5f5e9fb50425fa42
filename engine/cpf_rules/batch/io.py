"""Streaming input and atomic output for ``cpf batch``: JSONL and Parquet, chunk by chunk.

Readers yield chunks of raw holder documents (never the whole file), so memory stays
constant in the input size and reading is linear in it. A JSONL line is one facts
document, kept as its text: :mod:`~cpf_rules.batch.rows` reads it with the JSON
reader of ``cpf evaluate`` (exact decimals, duplicate keys, NaN and deep nesting
refused for that line). A line longer than a facts document may be
(``limits.MAX_FACTS_BYTES``) is never held in memory: it becomes :class:`Oversized`,
refused for that line (CPF-F109). A Parquet row is one document whose columns are the
document's keys (``holder`` a struct, ``years`` and ``ledger`` lists of structs); a
Parquet chunk is kept as Arrow columns (:class:`ArrowChunk`), read by columns or row by
row in :mod:`~cpf_rules.batch.columnar` (a null is an absent key: :func:`plain`).
Either may carry an ``id`` (text or integer) that is copied to the output; otherwise
the row number (from 0) identifies the holder.

An input that cannot be read as a whole (a JSONL file that is not UTF-8, a file that
is not Parquet, an unreadable file) stops the run with CPF-B004, naming the line (and
column) or the file; no OUTPUT is written.

Writers go through :func:`cpf_rules.atomic_io.atomic_writer`: a temporary file beside
the output, synced, given the usual permissions and renamed when the run is complete,
removed when it fails. A reader of OUTPUT never sees a partial file, a failed run
leaves any previous OUTPUT untouched and nothing beside it, and an OUTPUT that cannot
be written (a directory, a missing or read-only folder, a full disk) is CPF-B005.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ..atomic_io import atomic_writer, is_stream
from ..diagnostics import CpfError, Diagnostic, Severity, Span
from ..limits import MAX_FACTS_BYTES

RawRow = tuple[int, Any]
"""A row number and its raw document (a JSONL line, or a Parquet row as a dict)."""


@dataclass(frozen=True)
class ArrowChunk:
    """A chunk of a Parquet input: its first row's number and its rows as a pyarrow RecordBatch."""

    first: int
    batch: Any

    def __len__(self) -> int:
        return int(self.batch.num_rows)


_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def file_format(path: Path) -> str | None:
    """ "parquet" or "jsonl" by ``path``'s suffix; a path without a suffix or a stream
    (``/dev/stdin``, a FIFO) is JSONL unless named ``.parquet``; None for any other
    suffix (``answers.csv``: never read or written as JSONL behind the user's back)."""
    suffix = path.suffix.lower()
    known = _FORMATS.get(suffix)
    if known is None and (not suffix or is_stream(path)):
        return "jsonl"
    return known


def _unknown_format(path: Path, role: str) -> str:
    return f"{path.suffix!r} is not a format of cpf batch: name the {role} .jsonl (or .ndjson) or .parquet"


def input_format(path: Path) -> str:
    """The input's format; CPF-B004 for a suffix cpf batch does not read."""
    known = file_format(path)
    if known is None:
        raise CpfError([_unreadable(path, _unknown_format(path, "input"))])
    return known


@dataclass(frozen=True)
class Oversized:
    """A JSONL line longer than a facts document may be: its size only (the line is not kept)."""

    size: int


def read_chunks(path: Path, chunk_size: int) -> Iterator[list[RawRow] | ArrowChunk]:
    """Chunks of at most ``chunk_size`` rows, in input order; CPF-B004 when the input cannot be read."""
    try:
        if input_format(path) == "parquet":
            yield from _parquet_chunks(path, chunk_size)
        else:
            yield from _jsonl_chunks(path, chunk_size)
    except OSError as error:
        raise CpfError([_unreadable(path, f"cannot read the input file: {error.strerror or error}")]) from None


def _jsonl_chunks(path: Path, chunk_size: int) -> Iterator[list[RawRow]]:
    """The non-blank lines as text (``Oversized`` past the facts size limit), numbered from 0."""
    chunk: list[RawRow] = []
    with path.open("rb") as stream:
        number = -1
        while True:
            line = stream.readline(MAX_FACTS_BYTES + 1)
            if not line:
                break
            number += 1
            raw: Any
            if len(line) > MAX_FACTS_BYTES and not line.endswith(b"\n"):
                raw = Oversized(_skip_line(stream, len(line)))
            else:
                if not line.strip():
                    continue
                raw = _decoded(path, line, number)
            chunk.append((number, raw))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _skip_line(stream: IO[bytes], size: int) -> int:
    """Read past the rest of an overlong line (a megabyte at a time); its size without the line end."""
    while True:
        part = stream.readline(1 << 20)
        size += len(part)
        if not part or part.endswith(b"\n"):
            return size - len(part) + len(part.rstrip(b"\r\n"))


def _decoded(path: Path, line: bytes, number: int) -> str:
    """One line as text; a byte that is not UTF-8 stops the run (CPF-B004, line and column)."""
    if number == 0 and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]  # a UTF-8 byte-order mark, as `cpf evaluate` accepts
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as error:
        column = error.start + 1
        bad = line[error.start : error.end]
        raise CpfError(
            [
                Diagnostic(
                    "CPF-B004",
                    Severity.ERROR,
                    f"line {number + 1} of the input is not UTF-8 text (byte 0x{bad.hex()} at column {column})",
                    Span(str(path), number + 1, column, number + 1, column + 1),
                    expected="JSON Lines in UTF-8",
                    found=f"the byte 0x{bad.hex()}",
                    hint="convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`); nothing was written",
                )
            ]
        ) from None


def _unreadable(path: Path, message: str) -> Diagnostic:
    return Diagnostic(
        "CPF-B004",
        Severity.ERROR,
        f"{path}: {message}",
        Span(str(path), 1, 1, 1, 2),
        hint="check the file; nothing was written",
    )


def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[ArrowChunk]:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    number = 0
    try:
        parquet = pq.ParquetFile(path)
        twice = _named_twice(parquet.schema_arrow)
        if twice is not None:  # a reader would keep one of them silently
            message = f"the Parquet input has two columns or fields named `{twice}`"
            raise CpfError([_unreadable(path, message + " (a facts document has one value per key)")])
        batches = parquet.iter_batches(batch_size=chunk_size)
        for batch in batches:
            yield ArrowChunk(number, batch)
            number += batch.num_rows
    except pa.ArrowException as error:
        where = "it is not a Parquet file or it is damaged" if number == 0 else f"after row {number}"
        raise CpfError([_unreadable(path, f"cannot read the Parquet input ({where}): {error}")]) from None


def _named_twice(schema: Any) -> str | None:
    """The dotted name of a column or struct field that appears twice at its level, if any."""
    import pyarrow as pa

    def walk(fields: list[Any], prefix: str) -> str | None:
        seen: set[str] = set()
        for field in fields:
            name = f"{prefix}{field.name}"
            if field.name in seen:
                return name
            seen.add(field.name)
            kind = field.type
            while pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
                kind = kind.value_type
            if pa.types.is_struct(kind):
                found = walk([kind.field(i) for i in range(kind.num_fields)], name + ".")
                if found is not None:
                    return found
        return None

    return walk(list(schema), "")


@dataclass(frozen=True)
class Unreadable:
    """A Parquet row whose values Python cannot hold (a date past year 9999, text that is
    not UTF-8): the reason only, refused for that row (CPF-F101)."""

    reason: str


def row_documents(batch: Any) -> list[Any]:
    """Each row of a record batch as a dict, or :class:`Unreadable` for a row Python cannot
    read (one bad value must not stop the other holders)."""
    import pyarrow as pa

    batch = _single_floats_as_double(batch)
    try:
        return list(batch.to_pylist())
    except (ValueError, OverflowError, UnicodeDecodeError, pa.ArrowException):
        pass
    rows: list[Any] = []
    for index in range(batch.num_rows):
        try:
            rows.append(batch.slice(index, 1).to_pylist()[0])
        except (ValueError, OverflowError, UnicodeDecodeError, pa.ArrowException) as error:
            rows.append(Unreadable(f"{type(error).__name__}: {error}"))
    return rows


def _single_floats_as_double(batch: Any) -> Any:
    """``batch`` with its float16/float32 values as the float64 of their shortest decimal
    text (a float32 0.1 is 0.1, not 0.10000000149011612), so that :func:`plain` reads
    every float column by its shortest text, as the README says."""
    import pyarrow as pa

    def widened(type_: Any, via_text: bool) -> Any:
        if pa.types.is_float16(type_) or pa.types.is_float32(type_):
            return pa.string() if via_text else pa.float64()
        if pa.types.is_struct(type_):
            return pa.struct([f.with_type(widened(f.type, via_text)) for f in type_])
        if pa.types.is_list(type_):
            return pa.list_(type_.value_field.with_type(widened(type_.value_type, via_text)))
        if pa.types.is_large_list(type_):
            return pa.large_list(type_.value_field.with_type(widened(type_.value_type, via_text)))
        return type_

    schema = batch.schema
    text = pa.schema([f.with_type(widened(f.type, True)) for f in schema])
    if text == schema:
        return batch
    double = pa.schema([f.with_type(widened(f.type, False)) for f in schema])
    return batch.cast(text).cast(double)  # float32 → its shortest text → the float64 of that text


def plain(value: Any) -> Any:
    """A Parquet value as a facts document value: nulls dropped, dates ISO, floats by their shortest text."""
    if isinstance(value, Unreadable):
        return value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))  # 0.1 → Decimal("0.1"); decimal128 columns are exact already
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == 0:
        return int(value)  # a decimal of scale 0 is a whole number, as JSON's 2019 is
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0):  # midnight in the column's own time zone is a date
            return value.isoformat()  # a time of day: not a date (CPF-F106, as cpf evaluate says)
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


_JSONL = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
"""The encoder of an output line: ``json.dumps(row, sort_keys=True, ensure_ascii=False)``."""

_JSONL_ASCII = json.JSONEncoder(sort_keys=True, ensure_ascii=True)
"""The encoder of a line holding a lone surrogate (``"\\ud800"`` in an ``id`` or a text a
diagnostic quotes): UTF-8 cannot write it, a ``\\u`` escape can."""


def _utf8_lines(rows: list[dict[str, Any]]) -> bytes:
    """The rows as JSON lines in UTF-8; a row UTF-8 cannot write is escaped in ASCII."""
    encode = _JSONL.encode  # one encoder for every row (json.dumps builds one a call)
    text = "".join(encode(r) + "\n" for r in rows)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        lines = [encode(r) + "\n" for r in rows]
        return b"".join(_encoded(line, row) for line, row in zip(lines, rows, strict=True))


def _utf8_text(text: str) -> str:
    """``text`` for a Parquet string column, which holds UTF-8: a lone surrogate (``\\ud800``
    in an ``id``) written as its ``\\u`` escape."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _encoded(line: str, row: dict[str, Any]) -> bytes:
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        return (_JSONL_ASCII.encode(row) + "\n").encode("ascii")


class AtomicWriter:
    """Write OUTPUT through :func:`~cpf_rules.atomic_io.atomic_writer` (JSONL or Parquet by suffix).

    Any failure to write (the temporary file, a row, the final rename) is CPF-B005 and
    leaves no temporary file behind.
    """

    def __init__(self, path: Path, questions: list[str]) -> None:
        self.path = path
        known = file_format(path)
        self._suffix_refused = known is None  # refused on entering, before any input is read
        self.format = known or "jsonl"
        self.questions = questions
        self._stack = contextlib.ExitStack()
        self._handle: IO[bytes] | None = None
        self._parquet: Any = None

    def __enter__(self) -> AtomicWriter:
        if self.path.is_dir():  # refused before any input is read
            raise CpfError([_unwritable(self.path, "it is a directory")])
        if self._suffix_refused:
            raise CpfError([_unwritable(self.path, _unknown_format(self.path, "output"))])
        try:
            self._handle = self._stack.enter_context(atomic_writer(self.path, "wb", None))
        except OSError as error:
            raise CpfError([_unwritable(self.path, error.strerror or str(error))]) from None
        return self

    def write(self, rows: list[dict[str, Any]]) -> None:
        try:
            self._write(rows)
        except OSError as error:
            raise CpfError([_unwritable(self.path, error.strerror or str(error))]) from None

    def _write(self, rows: list[dict[str, Any]]) -> None:
        assert self._handle is not None
        if self.format == "jsonl":
            self._handle.write(_utf8_lines(rows))
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([self._flat(r) for r in rows], schema=self._schema())
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._handle, table.schema)
        self._parquet.write_table(table)

    def _schema(self) -> Any:
        import pyarrow as pa

        fields = [pa.field("row", pa.int64()), pa.field("id", pa.string())]
        for question in self.questions:
            fields += [pa.field(question, pa.string()), pa.field(f"{question} error", pa.string())]
        return pa.schema(fields)

    def _flat(self, row: dict[str, Any]) -> dict[str, Any]:
        """Parquet output: one text column per question (exact decimal text), one for its error
        (the evaluation's, or every problem of a refused row, one a line)."""
        flat: dict[str, Any] = {"row": row["row"], "id": None if row.get("id") is None else _utf8_text(str(row["id"]))}
        answers = row.get("answers", {})
        errors = row.get("errors", {})
        for question in self.questions:
            value = answers.get(question, {}).get("value")
            flat[question] = None if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            problems = [errors[question]] if errors.get(question) else errors.get("$", [])  # a refused row: all
            text = "\n".join(f"{problem['code']}: {problem['message']}" for problem in problems)
            flat[f"{question} error"] = _utf8_text(text) if text else None
        return flat

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None and self.format == "parquet":
            try:
                if self._parquet is None:
                    self._write([])  # no row at all: still a valid Parquet file with the schema
                self._parquet.close()  # the footer, into the temporary file (the handle stays open)
            except OSError as failure:
                problem = CpfError([_unwritable(self.path, failure.strerror or str(failure))])
                self._stack.__exit__(CpfError, problem, None)  # the temporary file removed
                raise problem from None
        elif self._parquet is not None:
            with contextlib.suppress(Exception):  # the run failed: the temporary file is removed below
                self._parquet.close()
        try:
            self._stack.__exit__(kind, error, traceback)  # synced, permissions set and renamed; or removed
        except OSError as failure:
            raise CpfError([_unwritable(self.path, failure.strerror or str(failure))]) from None


def _unwritable(path: Path, reason: str) -> Diagnostic:
    return Diagnostic(
        "CPF-B005",
        Severity.ERROR,
        f"cannot write the output {path}: {reason}",
        hint="give a file path in a folder you can write to; nothing was written",
    )
