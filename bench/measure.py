"""One measurement of the workload on one path; prints one JSON line (run by bench/run.py).

    python bench/measure.py PATH N [--sample S] [--rules bench/workload_rules | base]

PATH: interpreted | compiled | compiled-notrace (scalar engine, one holder at a time,
facts validated from a document, ``balance(2024)``; the first three with the full
trace unless -notrace), decimal (the hand-written Decimal loop), numpy (the hand-written
NumPy kernel), batch (the vectorised kernel over columns, 100,000 holders a call), batch-jsonl and
batch-parquet (``cpf batch`` from a JSONL or a Parquet file to a JSONL file, end to end; a Parquet
chunk read by its Arrow columns), batch-parquet-rows and batch-jsonl-rows (the same with ``--row-path``: every row
read as a document, as before the columnar reading). Scalar paths time the first S holders
of the N (their throughput does not depend on N). ``exact`` compares every value
timed with the NumPy reference, to the cent.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workload import YEARS, decimal_reference, document, numpy_reference, population

AS_OF = datetime.date(2026, 1, 1)
QUESTION = "balance(2024)"
RULES: str | None = None
"""The rules directory measured: bench/workload_rules/ (the workload alone, as the OpenFisca
model) by default; None for the rule base rules/ (``--rules base``)."""


def _scalar(pop: dict[str, Any], sample: int, compiled: bool, trace: bool) -> tuple[float, int, bool]:
    from cpf_rules.api import evaluate
    from cpf_rules.loader import load_rules

    rules = load_rules(RULES)
    documents = [document(pop, row) for row in range(sample)]
    evaluate(rules, documents[0], [QUESTION], as_of=AS_OF, trace=trace, compiled=compiled)  # warm the caches
    start = time.perf_counter()
    values = [
        evaluate(rules, d, [QUESTION], as_of=AS_OF, trace=trace, compiled=compiled).answers[0].value for d in documents
    ]
    seconds = time.perf_counter() - start
    cents = [int(v * 100) for v in values]
    return seconds, sample, cents == numpy_reference(pop)[:sample].tolist()


def _decimal(pop: dict[str, Any], sample: int) -> tuple[float, int, bool]:
    hours = [[int(pop["hours"][y][row]) for y in YEARS] for row in range(sample)]
    low_qualified = pop["low_qualified"][:sample].tolist()
    dif = pop["dif_hours"][:sample].tolist()
    start = time.perf_counter()
    values = decimal_reference(hours, low_qualified, dif)
    seconds = time.perf_counter() - start
    return seconds, sample, [int(v * 100) for v in values] == numpy_reference(pop)[:sample].tolist()


def _numpy(pop: dict[str, Any]) -> tuple[float, int, bool]:
    start = time.perf_counter()
    numpy_reference(pop)
    return time.perf_counter() - start, pop["n"], True


def _batch(pop: dict[str, Any], chunk: int) -> tuple[float, int, bool]:
    """The kernel over columns, ``chunk`` holders at a time (as ``cpf batch`` streams its input)."""
    from cpf_rules.batch.kernel import BatchEvaluation
    from cpf_rules.batch.memory import retain_freed_memory
    from cpf_rules.batch.population import Column, Population
    from cpf_rules.batch.vectors import Num
    from cpf_rules.loader import load_rules

    rules = load_rules(RULES)
    retain_freed_memory()  # as `cpf batch` does before its first chunk (batch/job.py)
    n = pop["n"]
    registered = datetime.date.fromisoformat("2020-01-15").toordinal()
    declared = datetime.date(2019, 1, 1).toordinal()
    reference = numpy_reference(pop)
    exact = True
    seconds = 0.0
    for first in range(0, n, chunk):
        part = slice(first, min(n, first + chunk))
        size = part.stop - part.start
        columns = Population(size)
        for year in YEARS:
            columns.yearly[("worked_hours", year)] = Column(Num(pop["hours"][year][part], 1), True)
        columns.sections[("holder", "dif_hours")] = Column(Num(pop["dif_hours"][part], 1), True)
        columns.sections[("holder", "dif_registered_on")] = Column(np.full(size, registered, dtype=np.int64), True)
        columns.sections[("holder", "low_qualified_declared_on")] = Column(
            np.full(size, declared, dtype=np.int64), pop["low_qualified"][part].copy()
        )
        start = time.perf_counter()
        answer = BatchEvaluation(rules, columns, AS_OF).question("balance", 2024)
        seconds += time.perf_counter() - start
        value = answer.data  # a column, or one number when every holder of the chunk has the same answer
        cents = np.broadcast_to(value.num * 100 // value.den, (size,))
        exact = exact and not np.any(answer.fallback) and bool(np.all((value.num * 100) % value.den == 0))
        exact = exact and bool(np.array_equal(cents, reference[part]))
    return seconds, n, exact


def _batch_file(pop: dict[str, Any], suffix: str, *extra: str) -> tuple[float, int, bool]:
    """``cpf batch`` end to end from a JSONL or a Parquet file (written before the clock starts);
    ``extra``: more options of ``cpf batch``."""
    from cpf_rules.cli import main

    n = pop["n"]
    with tempfile.TemporaryDirectory() as directory:
        source, target = Path(directory) / f"holders{suffix}", Path(directory) / "answers.jsonl"
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist([document(pop, row) for row in range(n)]), source)
        else:
            with source.open("w", encoding="utf-8") as stream:
                for row in range(n):
                    stream.write(json.dumps(document(pop, row)) + "\n")
        start = time.perf_counter()
        rules = ["--rules", RULES] if RULES else []
        arguments = ["batch", str(source), str(target), "-q", QUESTION, "--as-of", AS_OF.isoformat(), *rules, *extra]
        status = main(arguments)
        seconds = time.perf_counter() - start
        cents = []
        with target.open(encoding="utf-8") as stream:
            for line in stream:
                cents.append(round(float(json.loads(line)["answers"][QUESTION]["value"]) * 100))
    return seconds, n, status == 0 and cents == numpy_reference(pop).tolist()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("n", type=int)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--chunk", type=int, default=100_000, help="holders per kernel call (batch)")
    parser.add_argument(
        "--rules", default="bench/workload_rules", help="rules directory (`base`: the rule base rules/)"
    )
    args = parser.parse_args()
    global RULES
    RULES = None if args.rules == "base" else args.rules
    pop = population(args.n)
    sample = min(args.n, args.sample)
    if args.path == "interpreted":
        seconds, timed, exact = _scalar(pop, sample, compiled=False, trace=True)
    elif args.path == "compiled":
        seconds, timed, exact = _scalar(pop, sample, compiled=True, trace=True)
    elif args.path == "compiled-notrace":
        seconds, timed, exact = _scalar(pop, sample, compiled=True, trace=False)
    elif args.path == "decimal":
        seconds, timed, exact = _decimal(pop, args.n)
    elif args.path == "numpy":
        seconds, timed, exact = _numpy(pop)
    elif args.path == "batch":
        seconds, timed, exact = _batch(pop, args.chunk)
    elif args.path == "batch-jsonl":
        seconds, timed, exact = _batch_file(pop, ".jsonl")
    elif args.path == "batch-parquet":
        seconds, timed, exact = _batch_file(pop, ".parquet")
    elif args.path == "batch-parquet-rows":
        seconds, timed, exact = _batch_file(pop, ".parquet", "--row-path")
    elif args.path == "batch-jsonl-rows":
        seconds, timed, exact = _batch_file(pop, ".jsonl", "--row-path")
    else:
        raise SystemExit(f"unknown path {args.path}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "holders": timed, "exact": exact, "peak_rss_mb": peak}))


if __name__ == "__main__":
    main()
