"""Runs ``cpf batch`` on one input by columns and row by row, for the tests of the columnar readings.

tests/test_batch_columnar.py (Parquet) and tests/test_batch_columnar_json.py (JSONL)
assert that both readings write the same output file and the same summary, byte for
byte; :data:`PROPERTY` is their hypothesis profile (random files, no database, no
deadline: a run reads the rules and starts NumPy).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from hypothesis import HealthCheck, settings

from cpf_rules.batch.job import Settings, run_batch
from cpf_rules.batch.run import Tally

AS_OF = datetime.date(2026, 1, 1)
WORKLOAD = str(Path(__file__).resolve().parents[1] / "bench" / "workload_rules")
QUESTIONS = {WORKLOAD: ("balance(2024)", "amount_due(2021)"), None: ("balance(2024)", "credit(2019)")}
"""Two questions a run for the benchmark's rules and for the rule base (None)."""

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def both_paths(source: Path, rule_base: str | None, chunk: int) -> tuple[bytes, Tally, Tally]:
    """Run ``cpf batch`` on ``source`` by columns and row by row (answers beside it); assert
    the same bytes and summary; the output and both runs' tallies (columns, rows)."""
    outputs: list[bytes] = []
    tallies: list[Tally] = []
    for columnar in (True, False):
        target = source.with_name(f"answers_{columnar}.jsonl")
        options = Settings(QUESTIONS[rule_base], AS_OF, rule_base, source=str(source), columnar=columnar)
        tallies.append(run_batch(source, target, options, chunk_size=chunk))
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.dumps(tallies[0].to_json()) == json.dumps(tallies[1].to_json())
    return outputs[0], tallies[0], tallies[1]
