"""The batch kernel never answers a holder it cannot answer exactly: the scalar engine does.

Two review findings, each against the scalar engine's own answer: a number the facts
accept (12 digits before the point, 12 after) but int64 cannot hold crashed the whole
run (OverflowError building the columns, in ``cpf batch`` and ``cpf reform
--population``); and a holder with thousands of ledger entries, whose evaluation
spends the scalar engine's step budget (CPF-R007), got a value from the kernel, which
counted an aggregate's steps once instead of once per item.
"""

from __future__ import annotations

import datetime
import json
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")

from cpf_rules.api import evaluate, read_facts
from cpf_rules.batch.run import answer_chunk
from cpf_rules.cli import main
from cpf_rules.compiled import compile_rules
from cpf_rules.evaluate import MAX_STEPS, EvaluationError
from cpf_rules.loader import load_rules
from cpf_rules.questions import parse_question
from holder_jsonl import write_jsonl
from holder_strategies import rules_under_test

AS_OF = datetime.date(2026, 1, 1)
FULL_TIME_2019 = [{"year": 2019, "worked_hours": 1607}]


def _fresh_scalar(rules: Any, facts: Any, question: Any) -> Any:
    """The scalar engine's answer to one question from scratch (value, or the error code)."""
    evaluation = compile_rules(rules).evaluation(facts, AS_OF, with_trace=False)
    try:
        return evaluation.question(question.name, question.period)[0]
    except EvaluationError as error:
        return error.diagnostic.code


def _batch(rules: Any, documents: list[dict[str, Any]], texts: list[str]) -> tuple[dict[str, list[Any]], Any]:
    """Each question's answers (value or error code) per holder, and the tally."""
    facts = [read_facts(rules, d) for d in documents]
    questions = [parse_question(q, rules) for q in texts]
    answers = answer_chunk(rules, facts, questions, AS_OF)
    got = {
        q.text: [
            answers.errors[q.text][row].code if row in answers.errors[q.text] else answers.values[q.text][row]
            for row in range(len(facts))
        ]
        for q in questions
    }
    return got, answers.tally


# ---- numbers the facts accept but int64 cannot hold -----------------------------------------


def test_a_twenty_digit_number_is_answered_by_the_scalar_engine_the_rest_by_the_kernel() -> None:
    # CPF-F108 accepts 12 + 12 digits: 10,000,000.000000000001 is (10^22 + 1) / 10^12, past int64
    # (a share of public posts, at least 0 with no upper end; hours of a year stop at 8,784).
    # R6323-1 I: at least 1,607 h in 2019 → the full 500 € (an employee: the share is not read);
    # a training of 450 € paid in 2020 (L6323-4) → 50 €, its entry's `hours` (counted before
    # 2019 only) past int64 as well.
    rules = rules_under_test()
    huge_share = {"year": 2019, "worked_hours": 1607, "public_post_share": Decimal("10000000.000000000001")}
    documents = [
        {"years": [huge_share]},
        {"years": FULL_TIME_2019},
        {
            "years": FULL_TIME_2019,
            "ledger": [
                {
                    "date": "2020-03-01",
                    "kind": "training_paid",
                    "amount": 450,
                    "hours": Decimal("10000000.000000000001"),
                }
            ],
        },
        {"years": [{"year": 2019, "worked_hours": 700}]},  # R6323-1 II: 500 × 700 / 1,607 → 217.80 €
    ]
    got, tally = _batch(rules, documents, ["credit(2019)", "balance(2020)"])
    assert got["credit(2019)"] == [500, 500, 500, Fraction("217.80")]
    assert got["balance(2020)"] == [500, 500, 50, Fraction("217.80")]
    # Rows 0 and 2 hold a number int64 cannot represent: both questions on the scalar engine.
    assert tally.scalar == 4 and tally.vectorised == 4 and tally.errors == 0
    facts = [read_facts(rules, d) for d in documents]
    for text in ("credit(2019)", "balance(2020)"):
        question = parse_question(text, rules)
        assert got[text] == [_fresh_scalar(rules, f, question) for f in facts]


def test_cpf_batch_and_cpf_reform_complete_with_a_twenty_digit_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "holders.jsonl"
    huge = {"year": 2019, "worked_hours": 1607, "public_post_share": Decimal("10000000.000000000001")}  # past int64
    write_jsonl(
        source, [{"id": "big", "years": [huge]}, {"id": "part", "years": [{"year": 2019, "worked_hours": 700}]}]
    )
    target = tmp_path / "answers.jsonl"
    status = main(["batch", str(source), str(target), "-q", "credit(2019)", "--as-of", "2026-01-01"])
    assert status == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["answers"]["credit(2019)"]["value"] for r in rows] == ["500.00", "217.80"]  # R6323-1 I and II
    tally = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert tally["answers_scalar"] == 1 and tally["answers_vectorised"] == 1

    population = tmp_path / "population.jsonl"
    write_jsonl(population, [{"id": "big", "facts": {"years": [huge]}}])
    reform = Path(__file__).resolve().parent.parent / "examples" / "reforms" / "reform_ceiling_6000.yaml"
    assert main(["reform", str(reform), "--population", str(population)]) == 0
    report = capsys.readouterr().out
    assert "5 000,00 €" in report and "6 000,00 €" in report  # L6323-11 al. 2 ceiling, then the reform's


# ---- the step budget: the kernel answers only what the scalar engine would --------------------


def _ledger(entries: int) -> dict[str, Any]:
    paid = {"date": "2020-01-01", "kind": "training_paid", "amount": 1}
    return {"years": FULL_TIME_2019, "ledger": [paid] * entries}


def test_a_ledger_that_spends_the_step_budget_gets_cpf_r007_in_batch_as_in_evaluate() -> None:
    # 9,000 entries (facts.MAX_LIST_ITEMS is 10,000): the scalar engine stops at MAX_STEPS
    # (CPF-R007). 6,000 entries stay within it: 500 € (R6323-1 I) − 6,000 × 1 € paid = −5,500 €.
    rules = rules_under_test()
    got, tally = _batch(rules, [_ledger(9000), _ledger(6000), _ledger(2)], ["balance(2020)"])
    assert got["balance(2020)"] == ["CPF-R007", -5500, 498]
    assert tally.vectorised == 1 and tally.scalar == 1 and tally.errors == 1


def test_the_kernel_bound_of_steps_covers_every_item_of_each_holder() -> None:
    # The kernel answers a holder only when its bound of steps is within MAX_STEPS, and the
    # bound is never below the scalar engine's count (the interpreter's steps).
    from cpf_rules.batch.kernel import BatchEvaluation
    from cpf_rules.batch.population import Population

    rules = rules_under_test()
    sizes = [0, 1, 50, 3000]
    facts = [read_facts(rules, _ledger(n)) for n in sizes]
    kernel = BatchEvaluation(rules, Population.from_facts(rules, facts), AS_OF)
    answer = kernel.question("balance", 2020)
    bounds = [kernel.steps + (0 if kernel.extra is None else int(kernel.extra[row])) for row in range(len(sizes))]
    for row, holder in enumerate(facts):
        evaluation = compile_rules(rules).evaluation(holder, AS_OF, with_trace=False)
        evaluation.question("balance", 2020)
        assert evaluation.steps <= bounds[row] <= MAX_STEPS, sizes[row]
    assert answer.fallback is False


def _heavy_rules(tmp_path: Path) -> Any:
    """Two questions: `heavy` (about 1.1 M steps for 9,000 entries) and `heavier` (heavy + as much again)."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(rules_under_test().rules_dir, rules_dir)
    terms = " + ".join(["e.amount"] * 40)
    (rules_dir / "heavy.cpf").write_text(
        'rule heavy : money "Somme pondérée des opérations"\n'
        '  cite CT:L6323-11 "al. 1"\n'
        f"  = sum({terms} for e in ledger)\n\n"
        'rule heavier : money "Deux fois la somme pondérée"\n'
        '  cite CT:L6323-11 "al. 1"\n'
        f"  = heavy + sum({terms} for e in ledger)\n",
        encoding="utf-8",
    )
    return load_rules(rules_dir, rules_under_test().legal_refs_dir)


def test_the_questions_of_a_row_are_answered_as_cpf_evaluate_answers_them(tmp_path: Path) -> None:
    # `heavier` asked alone spends the budget (CPF-R007); asked after `heavy`, as in
    # `cpf evaluate -q heavy -q heavier`, it finds `heavy` memoised and stays within it.
    # The kernel's bound counts `heavy` again (it cannot know the scalar memo), so that row
    # goes to the scalar engine, which asks the row's questions in order as cpf evaluate.
    rules = _heavy_rules(tmp_path)
    documents = [_ledger(9000), _ledger(3)]
    got, tally = _batch(rules, documents, ["heavy", "heavier"])
    assert got["heavy"] == [40 * 9000, 40 * 3]
    assert got["heavier"] == [80 * 9000, 80 * 3]
    facts = read_facts(rules, documents[0])
    assert _fresh_scalar(rules, facts, parse_question("heavier", rules)) == "CPF-R007"
    together = evaluate(rules, facts, ["heavy", "heavier"], as_of=AS_OF, trace=False)
    assert [a.value for a in together.answers] == [40 * 9000, 80 * 9000]
    alone, _ = _batch(rules, documents, ["heavier"])
    assert alone["heavier"] == ["CPF-R007", 80 * 3]
    assert tally.vectorised == 3 and tally.scalar == 1 and tally.errors == 0


# ---- an optional number absent for every holder, through an `if` -----------------------------


def test_an_if_on_an_absent_optional_number_meets_an_exceptions_number() -> None:
    # An ESAT worker in 2020 beside a low-qualified employee: hours_credit(2020) crashed the
    # kernel (TypeError, the whole run: exit 3). Its body read optional inputs no holder gives
    # (forfait days, conventional hours), whose stand-in data went through an `if` as booleans
    # and then met the esat exception's number. Each row now gets what the scalar engine gives:
    # 0 h for the ESAT worker (L6323-33, esat_hours_credit) and CPF-R001 for the employee (the
    # 48 h rate of L6323-11-1 ended on 2019-01-01: no hours credit in 2020).
    rules = rules_under_test()
    documents = [
        {"years": [{"year": 2020, "status": "esat_worker"}]},
        {"holder": {"low_qualified_declared_on": "2020-02-10"}},
    ]
    got, tally = _batch(rules, documents, ["hours_credit(2020)"])
    assert got["hours_credit(2020)"] == [0, "CPF-R001"]
    assert tally.vectorised == 1 and tally.errors == 1
    question = parse_question("hours_credit(2020)", rules)
    assert got["hours_credit(2020)"] == [_fresh_scalar(rules, read_facts(rules, d), question) for d in documents]
