"""``cpf batch INPUT OUTPUT --question Q [--dask [ADDRESS]]``: the command-line surface of batch runs."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..atomic_io import is_stream
from ..diagnostics import CpfError, Diagnostic, Severity


def add_parser(commands: Any, date: Callable[[str], datetime.date]) -> None:
    batch = commands.add_parser(
        "batch",
        help="answer questions for many holders (JSONL or Parquet in and out), vectorised, optionally on Dask",
        description="Each input row is one facts document (JSONL line or Parquet row), optionally with an `id`. "
        "The output (JSONL or Parquet, by its suffix) has one row per input row, in order, with the answers or "
        "the diagnostics; it is written atomically.",
    )
    batch.add_argument("input", type=Path, help="holders: .jsonl (one facts document a line) or .parquet")
    batch.add_argument("output", type=Path, help="answers: .jsonl or .parquet")
    batch.add_argument("-q", "--question", action="append", required=True, help="e.g. 'balance(2024)'; repeatable")
    batch.add_argument("--as-of", type=date, help="date for citing rules without a period (default: today)")
    batch.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    batch.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")
    batch.add_argument("--chunk-size", type=int, default=20_000, help="holders per chunk (default 20000)")
    batch.add_argument(
        "--dask",
        nargs="?",
        const="",
        metavar="SCHEDULER_ADDRESS",
        help="run the chunks on Dask: a scheduler address (tcp://host:8786), or none for a local cluster of 2 workers",
    )
    batch.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    batch.add_argument(
        "--row-path",
        action="store_true",
        help="read each row as a document, never by columns (slower; the same output): for debugging",
    )


def run(args: argparse.Namespace) -> int:
    if not args.input.is_file() and not is_stream(args.input):  # a pipe (/dev/stdin, a FIFO) is read as JSONL
        found = "a directory" if args.input.is_dir() else "nothing at that path"
        raise CpfError(
            [
                Diagnostic(
                    "CPF-B002",
                    Severity.ERROR,
                    f"input file not found: {args.input}",
                    expected="a .jsonl or .parquet file, or /dev/stdin for JSONL",
                    found=found,
                )
            ]
        )
    if args.chunk_size < 1:
        raise CpfError([Diagnostic("CPF-B003", Severity.ERROR, "--chunk-size must be at least 1")])
    try:
        from .job import Settings, run_batch
    except ImportError as error:
        raise CpfError(
            [
                Diagnostic(
                    "CPF-B001",
                    Severity.ERROR,
                    f"cpf batch needs the batch extra ({error.name} is not installed)",
                    hint="pip install 'cpf-rules[batch]'",
                )
            ]
        ) from None
    settings = Settings(
        questions=tuple(args.question),
        as_of=args.as_of or datetime.date.today(),
        rules_dir=str(args.rules) if args.rules else None,
        legal_refs_dir=str(args.legal_refs) if args.legal_refs else None,
        columnar=not args.row_path,
    )
    with _stopped_cleanly_by_sigterm():
        tally = run_batch(args.input, args.output, settings, args.chunk_size, args.dask, args.progress)
    sys.stderr.write(json.dumps(tally.to_json(), sort_keys=True) + "\n")
    return 0


@contextlib.contextmanager
def _stopped_cleanly_by_sigterm() -> Iterator[None]:
    """SIGTERM (a scheduler stopping the job, ``kill``) raises SystemExit(143) in the run, so
    the output's temporary file is removed as on any failure (Python's default is to die
    without cleaning up); Ctrl-C (KeyboardInterrupt) does the same by itself."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a signal handler (an API caller's thread)
        return

    def stop(_signal: int, _frame: Any) -> None:
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
