"""The compiled evaluator (compiled.py) gives exactly the interpreter's results.

Values, traces (every node, citation, decision and flag), warnings and errors are
compared through the canonical JSON rendering, on random holders (hypothesis) and on
the bundled examples. Speed is measured in bench/, never asserted here.
"""

from __future__ import annotations

import datetime
import shutil
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings

from cpf_rules import evaluate
from cpf_rules.compiled import compile_rules
from cpf_rules.loader import load_rules
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


def _without_trace_matches_traced(facts: Any, questions: list[str]) -> None:
    """``trace=False`` (compiled_values.py) keeps what a traced evaluation gives besides
    its trace: values, errors, warnings and coverage; each answer's trace is the
    question's own step alone."""
    rules = rules_under_test()
    traced = evaluate(rules, facts, questions, as_of=AS_OF, trace=True)
    alone = evaluate(rules, facts, questions, as_of=AS_OF, trace=False)
    assert dumps(result_to_json(alone, with_trace=False)) == dumps(result_to_json(traced, with_trace=False))
    assert alone.reached == traced.reached
    for quick, full in zip(alone.answers, traced.answers, strict=True):
        if full.trace is None:
            assert quick.trace is None
            continue
        assert quick.trace is not None and quick.trace.children == () and quick.trace.citations == ()
        step = (full.trace.kind, full.trace.name, full.trace.period, full.trace.value, full.trace.branch)
        assert (quick.trace.kind, quick.trace.name, quick.trace.period, quick.trace.value, quick.trace.branch) == step


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=PHASES)
@given(holders())
def test_without_trace_keeps_values_warnings_and_coverage_on_random_holders(facts: dict[str, Any]) -> None:
    _without_trace_matches_traced(facts, QUESTIONS)


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_without_trace_keeps_values_warnings_and_coverage_on_examples(example: Path) -> None:
    # Asked twice on purpose: a question already evaluated as a dependency (credit(2019)
    # inside balance(2024)) still gets its own step.
    _without_trace_matches_traced(example, ["balance(2024)", "credit(2019)", "hours_balance(2018)", "balance(2024)"])


def test_without_trace_reports_the_same_errors() -> None:
    # CPF-R001 (hours_full_rate has no value after the hours era, LOI 2018-771 art. 1),
    # then a question on a parameter, answered with its own step.
    _without_trace_matches_traced(
        {}, ["hours_full_rate(2019-06-01)", "hours_credit(2019)", "annual_amount(2020-01-01)"]
    )


def test_a_missing_article_version_is_warned_about_with_or_without_trace(tmp_path: Path) -> None:
    # legal_refs/ without the 2017 version of L6323-11 (loi 2016-1088 art. 39): a rule or
    # exception citing it for 2017 gets CPF-W603, traced, untraced and interpreted alike.
    legal_refs = tmp_path / "legal_refs"
    shutil.copytree(ROOT / "legal_refs", legal_refs)
    article_file = legal_refs / "CT" / "L6323-11.yaml"
    article = yaml.safe_load(article_file.read_text(encoding="utf-8"))
    article["versions"] = [v for v in article["versions"] if v["in_force_from"] != "2017-01-01"]
    article_file.write_text(yaml.safe_dump(article, allow_unicode=True), encoding="utf-8")
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.cpf").write_text(
        'rule r(y : year) : money "r" cite CT:L6323-11 = 1 EUR\n'
        '  exception late "after 2017" cite CT:L6323-11 when y.start >= 2018-01-01 = 2 EUR\n'
        'rule s(y : year) : money "s" cite CT:L6323-11 = r(y) + r(y + 1)\n',
        encoding="utf-8",
    )
    rules = load_rules(rules_dir, legal_refs)
    results = [
        evaluate(rules, {}, ["s(2017)"], as_of=AS_OF, trace=trace, compiled=compiled)
        for trace, compiled in [(True, True), (False, True), (True, False), (False, False)]
    ]
    warnings = [[(w.code, w.message, str(w.span)) for w in result.warnings] for result in results]
    # The 2017 version ran to 2018-12-31: both years fall in the hole; the exception is
    # considered (and cites the article) before the rule's own citation.
    assert warnings[0] == [
        ("CPF-W603", f"legal_refs/ has no version of CT:L6323-11 in force on {year}-01-01", "rules/r.cpf:2:36")
        for year in (2017, 2018)
    ]
    assert all(w == warnings[0] for w in warnings)
    assert [r.value("s(2017)") for r in results] == [Decimal("3.00")] * 4  # 1 € for 2017, 2 € for 2018


def test_a_spent_budget_stops_at_the_same_step_on_every_path() -> None:
    # Every budget from 1 step to the steps credit(2019) needs (R6323-1: 500 € × 700 h /
    # 1,607 h, rounded up): CPF-R007 at the same node, or the same value, whether one
    # closure counts several steps at once (compiled_calls.py) or not, traced or not.
    rules = rules_under_test()
    facts = {"years": [{"year": 2019, "worked_hours": 700}]}
    needed = evaluate(rules, facts, ["credit(2019)"], as_of=AS_OF, compiled=False)
    assert needed.value("credit(2019)") == Decimal("217.80")
    counter = compile_rules(rules).evaluation(rules.facts_reader.read_document(facts), AS_OF)
    counter.question("credit", 2019)
    for budget in range(1, counter.steps + 2):
        outcomes = {
            dumps(
                result_to_json(
                    evaluate(rules, facts, ["credit(2019)"], as_of=AS_OF, max_steps=budget, **options), with_trace=False
                )
            )
            for options in ({"compiled": False}, {"compiled": True}, {"compiled": True, "trace": False})
        }
        assert len(outcomes) == 1, budget
        assert ("CPF-R007" in outcomes.pop()) == (budget < counter.steps), budget


def test_a_budget_shared_by_several_questions_stops_each_at_the_same_step_on_every_path() -> None:
    # max_steps bounds all the questions together (the HTTP API's per-request budget): once
    # one question spent it, each later one stops at its first step (CPF-R007), whether
    # its first closure counts one step or several (compiled_calls.py).
    rules = rules_under_test()
    facts = {"years": [{"year": 2019, "worked_hours": 700}, {"year": 2020, "worked_hours": 1607}]}
    yearly = sorted(
        name for name, rule in rules.symbols.rules.items() if rule.formals and rule.formals[0].type.name == "year"
    )
    questions = ["balance(2020)"] + [f"{name}(2020)" for name in yearly]  # some start with a call: `= other(y)`
    for budget in [1, 2, 5, 50, 200, 400, 800, 1600]:
        outcomes = {
            dumps(
                result_to_json(
                    evaluate(rules, facts, questions, as_of=AS_OF, max_steps=budget, **options), with_trace=False
                )
            )
            for options in ({"compiled": False}, {"compiled": True}, {"compiled": True, "trace": False})
        }
        assert len(outcomes) == 1, budget


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
