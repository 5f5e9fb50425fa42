"""The compiled evaluator (compiled.py) gives exactly the interpreter's results.

Values, traces (every node, citation, decision and flag), warnings and errors are
compared through the canonical JSON rendering, on random holders (hypothesis) and on
the bundled examples. Speed is measured in bench/, never asserted here.
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from cpf_rules import evaluate
from cpf_rules.compiled import compile_rules
from cpf_rules.render.json import dumps, result_to_json
from holder_strategies import QUESTIONS, holders, rules_under_test

ROOT = Path(__file__).parent.parent
AS_OF = datetime.date(2026, 1, 1)
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
sys.setrecursionlimit(max(sys.getrecursionlimit(), 12_000))  # as the evaluator sets it (depth 600)


def _both(facts: Any, questions: list[str], trace: bool = True) -> tuple[str, str]:
    rules = rules_under_test()
    interpreted = evaluate(rules, facts, questions, as_of=AS_OF, trace=trace, compiled=False)
    compiled = evaluate(rules, facts, questions, as_of=AS_OF, trace=trace, compiled=True)
    assert interpreted.reached == compiled.reached
    return (
        dumps(result_to_json(interpreted, with_trace=trace)),
        dumps(result_to_json(compiled, with_trace=trace)),
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=PHASES)
@given(holders())
def test_compiled_equals_interpreter_on_random_holders(facts: dict[str, Any]) -> None:
    interpreted, compiled = _both(facts, QUESTIONS)
    assert compiled == interpreted


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_compiled_equals_interpreter_on_examples(example: Path) -> None:
    interpreted, compiled = _both(example, ["balance(2024)", "hours_balance(2018)", "credit(2019)"])
    assert compiled == interpreted


def test_compiled_without_trace_gives_the_same_values() -> None:
    facts = {"years": [{"year": 2019, "worked_hours": 700}]}
    interpreted, compiled = _both(facts, ["credit(2019)", "balance(2019)"], trace=False)
    assert compiled == interpreted


def test_compiled_balance_over_forty_years_is_exact() -> None:
    # R6323-1 I: 500 € a year, a 450 € training every year from 2020: 500 + 39 × 50 = 2,450 €.
    facts = {
        "years": [{"year": y, "worked_hours": 1607} for y in range(2019, 2059)],
        "ledger": [
            {"date": f"{y}-03-01", "kind": "training_paid", "amount": Decimal("450.00")} for y in range(2020, 2059)
        ],
    }
    result = evaluate(rules_under_test(), facts, ["balance(2058)"], as_of=AS_OF, compiled=True)
    assert result.value("balance(2058)") == Fraction(2450)


def test_compiled_reports_the_same_errors() -> None:
    # A year with no accrual rule in force: hours_full_rate has no value in 2019
    # (LOI 2018-771 art. 1 ended the hours era), CPF-R001, same span and message.
    interpreted, compiled = _both({}, ["hours_full_rate(2019-06-01)", "hours_credit(2019)"])
    assert compiled == interpreted
    assert "CPF-R001" in compiled


def test_every_construct_of_the_bundled_rules_is_compiled() -> None:
    assert compile_rules(rules_under_test()).interpreted == []
