"""``cpf batch``: read holders in chunks, answer them, write the answers; locally or on Dask.

Each chunk goes through :func:`process_chunk`: its rows are read and validated as
``cpf evaluate`` reads a JSON facts file (:mod:`~cpf_rules.batch.columnar`: a JSONL
line as a document, :mod:`~cpf_rules.batch.rows`; a Parquet chunk by its Arrow
columns, each row not proven valid as a document; a bad document gives an output row
with its diagnostics, and the run goes on), then the valid holders are answered by
:func:`~cpf_rules.batch.run.answer_chunk`. On Dask the chunks are the partitions: the
driver reads them in order, keeps a bounded number in flight on the workers (memory
stays constant), and writes the results in input order, so the output is the same
bytes as a single-process run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import CpfError, Diagnostic, Severity
from .io import ArrowChunk, AtomicWriter, RawRow, read_chunks
from .run import Tally

DEFAULT_CHUNK = 20_000
"""Holders per chunk: large enough for NumPy to pay off, small enough for ~100 MB of memory."""


@dataclass(frozen=True)
class Settings:
    """What every chunk needs (picklable: shipped to Dask workers)."""

    questions: tuple[str, ...]
    as_of: datetime.date
    rules_dir: str | None = None
    legal_refs_dir: str | None = None
    source: str = "input.jsonl"
    """The input file's name, for the location of a bad line's diagnostics."""
    columnar: bool = True
    """Read a chunk by columns (:mod:`~cpf_rules.batch.columnar`); False: row by row
    (``--row-path``; the same output, slower)."""
    rules_fingerprint: str | None = None
    """The fingerprint of the rules the driver checked the questions with: a worker that
    loads other rules (a remote Dask worker with another rule base) refuses the chunk."""


@functools.cache
def _rules(rules_dir: str | None, legal_refs_dir: str | None) -> Any:
    from ..loader import load_rules

    return load_rules(rules_dir, legal_refs_dir)


def process_chunk(rows: Sequence[RawRow] | ArrowChunk, settings: Settings) -> tuple[list[dict[str, Any]], Tally]:
    """Validate and answer one chunk; one output row per input row, in order."""
    import numpy as np

    from ..questions import parse_question
    from .answers import AnswerFormat
    from .columnar import read_arrow_chunk
    from .json_columns import read_json_chunk
    from .memory import retain_freed_memory
    from .rows import NO_ID
    from .run import answer_chunk

    retain_freed_memory()  # once per process: freed columns reused by the next chunk (memory.py)
    model = _rules(settings.rules_dir, settings.legal_refs_dir)
    if settings.rules_fingerprint is not None and model.fingerprint != settings.rules_fingerprint:
        raise CpfError(
            [
                Diagnostic(
                    "CPF-B006",
                    Severity.ERROR,
                    f"a Dask worker read other rules ({model.fingerprint}) than this run ({settings.rules_fingerprint})",
                    hint="give the workers the same rules and cpf-rules version (or --rules/--legal-refs paths "
                    "that hold the same files on every worker); nothing was written",
                )
            ]
        )
    questions = [parse_question(q, model) for q in settings.questions]
    if isinstance(rows, ArrowChunk):
        read = read_arrow_chunk(model, rows, settings.source, settings.columnar)
    else:
        read = read_json_chunk(model, rows, settings.source, settings.columnar)
    output: list[dict[str, Any]] = []
    for index, number in enumerate(read.numbers):
        row: dict[str, Any] = {"row": number}
        output.append(row)
        identifier = read.identifiers[index]
        if identifier is not NO_ID:
            row["id"] = identifier
        problems = read.problems.get(index)
        if problems is not None:
            row["errors"] = {"$": [d.to_json() for d in problems]}
    count = len(read.numbers)
    tally = Tally(holders=count)
    if read.valid:
        answers = answer_chunk(model, read.holders, questions, settings.as_of, read.population, kernel_values=False)
        tally = answers.tally
        tally.holders = count
        formats = {q.text: AnswerFormat(_answer_type(model, q)) for q in questions}
        written: dict[str, list[Any]] = {}  # each question's answers from the kernel, formatted a column at once
        for text, (data, kind, answered) in answers.kernel.items():
            column: list[Any] = [None] * len(read.valid)
            at = np.flatnonzero(answered)
            for position, value in zip(at.tolist(), formats[text].column(data, kind, at), strict=True):
                column[position] = value
            written[text] = column
        for position, index in enumerate(read.valid):
            row = output[index]
            row["answers"] = {}
            for question in questions:
                failed = answers.errors[question.text].get(position)
                if failed is not None:
                    row.setdefault("errors", {})[question.text] = failed.to_json()
                    continue
                kernel = written.get(question.text)
                shown = kernel[position] if kernel is not None else None
                if shown is None:  # answered by the scalar engine
                    shown = formats[question.text].json(answers.values[question.text][position])
                row["answers"][question.text] = shown
    tally.errors += count - len(read.valid)
    tally.row_path = read.row_path
    return output, tally


def _answer_type(model: Any, question: Any) -> Any:
    symbols = model.symbols
    if question.name in symbols.rules:
        return symbols.type_of(symbols.rules[question.name].type)
    return symbols.type_of(symbols.parameters[question.name].type)


def run_batch(
    input_path: Path,
    output_path: Path,
    settings: Settings,
    chunk_size: int = DEFAULT_CHUNK,
    dask: str | None = None,
    progress: bool = False,
) -> Tally:
    """Answer every holder of ``input_path`` into ``output_path``; ``dask`` "" = a local cluster."""
    questions, fingerprint = _check_settings(settings)
    settings = dataclasses.replace(settings, source=str(input_path), questions=questions, rules_fingerprint=fingerprint)
    chunks = read_chunks(input_path, chunk_size)
    tally = Tally()
    bar = _progress_bar(progress)
    with AtomicWriter(output_path, list(settings.questions)) as writer:
        results = _local(chunks, settings) if dask is None else _on_dask(chunks, settings, dask)
        for rows, chunk_tally in results:
            writer.write(rows)
            tally.add(chunk_tally)
            if bar is not None:
                bar.update(len(rows))
    if bar is not None:
        bar.close()
    return tally


def _check_settings(settings: Settings) -> tuple[tuple[str, ...], str]:
    """Bad rules or questions stop the run before any input is read (diagnostics, exit 1).

    The questions as the answers name them (``credit( 2019 )`` is ``credit(2019)``), each
    once, in order, and the rules' fingerprint."""
    from ..questions import parse_question

    model = _rules(settings.rules_dir, settings.legal_refs_dir)
    problems: list[Diagnostic] = []
    canonical: dict[str, None] = {}
    for text in settings.questions:
        try:
            canonical[parse_question(text, model).text] = None
        except CpfError as error:
            problems.extend(error.diagnostics)
    if problems:
        raise CpfError(problems)
    return tuple(canonical), str(model.fingerprint)


def _local(
    chunks: Iterator[list[RawRow] | ArrowChunk], settings: Settings
) -> Iterator[tuple[list[dict[str, Any]], Tally]]:
    for chunk in chunks:
        yield process_chunk(chunk, settings)


def _on_dask(
    chunks: Iterator[list[RawRow] | ArrowChunk], settings: Settings, address: str
) -> Iterator[tuple[list[dict[str, Any]], Tally]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CpfError(
            [
                Diagnostic(
                    "CPF-B001",
                    Severity.ERROR,
                    "--dask needs the `distributed` package",
                    hint="pip install 'cpf-rules[batch]'",
                )
            ]
        ) from None
    cluster = None
    if address:
        try:
            client = Client(address, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, ValueError, TypeError, MemoryError) as error:  # unreachable, not a scheduler, bad address
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-B006",
                        Severity.ERROR,
                        f"cannot use the Dask scheduler at {address}: {error}",
                        expected="a running scheduler address such as tcp://host:8786",
                        found=address,
                        hint="start it (`dask scheduler`) or check the address; nothing was written",
                    )
                ]
            ) from None
    else:
        with _sigint_deferred():  # Ctrl-C while the cluster starts: closed below, not half-built at exit
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        in_flight: deque[Any] = deque()
        limit = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        for chunk in chunks:
            in_flight.append(client.submit(process_chunk, chunk, settings, pure=False))
            if len(in_flight) >= limit:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """SIGINT held back (delivered on exit) in the main thread and the threads it starts."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _progress_bar(wanted: bool) -> Any:
    if not wanted:
        return None
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        return None
    return tqdm(unit=" holders", file=sys.stderr, smoothing=0.1)
