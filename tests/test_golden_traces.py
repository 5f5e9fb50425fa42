"""Golden tests: the text and JSON renderings of the bundled examples' traces.

The citations of rules without a period are dated ``as_of`` 2026-01-01, so the output
depends only on the rules, the legal references and the facts.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.render.json import dumps, result_to_json
from cpf_rules.render.text import render_result
from golden import GOLDEN, compare_golden

EXAMPLES = Path(__file__).parent.parent / "examples"
AS_OF = datetime.date(2026, 1, 1)

TRACES = [
    ("employee_full_time.yaml", "balance(2024)"),
    ("employee_full_time.yaml", "converted_amount(2019-01-01)"),
    ("employee_full_time.yaml", "hours_credit(2016)"),
    ("part_time_cashier.yaml", "credit(2019)"),
    ("low_qualified_worker.yaml", "credit(2021)"),
]
# The JSON of the longest traces is pinned through the shorter ones (same renderer).
JSON_PINNED = {
    ("employee_full_time.yaml", "converted_amount(2019-01-01)"),
    ("employee_full_time.yaml", "hours_credit(2016)"),
}


def _name(example: str, question: str) -> str:
    return f"{Path(example).stem}__{question.replace('(', '_').replace(')', '')}"


@pytest.mark.parametrize(("example", "question"), TRACES, ids=[_name(*t) for t in TRACES])
def test_trace_text_and_json(example: str, question: str, request: pytest.FixtureRequest) -> None:
    result = evaluate(load_rules(), EXAMPLES / example, [question], as_of=AS_OF)
    assert result.ok
    name = _name(example, question)
    compare_golden(request, GOLDEN / "trace" / f"{name}.txt", render_result(result))
    data = result_to_json(result)
    json_text = dumps(data)
    assert json.loads(json_text) == data
    if (example, question) in JSON_PINNED:
        compare_golden(request, GOLDEN / "trace" / f"{name}.json", json_text)


def test_json_rendering_is_byte_identical_for_identical_inputs() -> None:
    first = dumps(
        result_to_json(evaluate(load_rules(), EXAMPLES / "employee_full_time.yaml", ["balance(2024)"], as_of=AS_OF))
    )
    second = dumps(
        result_to_json(evaluate(load_rules(), EXAMPLES / "employee_full_time.yaml", ["balance(2024)"], as_of=AS_OF))
    )
    assert first == second
