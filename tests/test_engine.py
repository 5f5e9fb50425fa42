"""Engine guarantees: exact money, bounded recursion, exception conflicts, memoised traces."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from cpf_rules import CpfError, evaluate, load_rules
from cpf_rules.loader import check_rules

ROOT = Path(__file__).parent.parent
AS_OF = datetime.date(2026, 1, 1)


def test_balance_recursing_over_forty_years_is_exact() -> None:
    # R6323-1 I: 500 € a year; a 450 € training every year from 2020 leaves +50 € a year:
    # 500 € in 2019, then 500 + 39 × 50 = 2,450 € at the end of 2058 (40 euro years,
    # plus the hours years 2014-2018 below them).
    facts = {
        "years": [{"year": y, "worked_hours": 1607} for y in range(2019, 2059)],
        "ledger": [
            {"date": f"{y}-03-01", "kind": "training_paid", "amount": Decimal("450.00")} for y in range(2020, 2059)
        ],
    }
    result = evaluate(load_rules(), facts, ["balance(2058)"], as_of=AS_OF)
    assert result.value("balance(2058)") == Fraction(2450)


def test_money_from_facts_keeps_its_cents() -> None:
    # 0.10 € paid must stay 0.10 €, not 0.1000000000000000055… (no binary float).
    facts = {"ledger": [{"date": "2020-01-02", "kind": "training_paid", "amount": Decimal("0.10")}] * 3}
    result = evaluate(load_rules(), facts, ["debits(2020)"], as_of=AS_OF)
    assert result.value("debits(2020)") == Fraction(3, 10)


def test_yaml_facts_read_decimals_exactly(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("ledger:\n  - {date: 2020-01-02, kind: training_paid, amount: 0.10}\n", encoding="utf-8")
    result = evaluate(load_rules(), path, ["debits(2020)"], as_of=AS_OF)
    assert result.value("debits(2020)") == Fraction(1, 10)


def _rules_dir(tmp_path: Path, text: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "test.cpf").write_text(text, encoding="utf-8")
    return rules


def test_recursion_without_base_case_stops_with_a_clear_error(tmp_path: Path) -> None:
    rules = load_rules(
        _rules_dir(tmp_path, 'rule r(y : year) : money "r" cite CT:L6323-11 = r(y - 1) + 1 EUR\n'), ROOT / "legal_refs"
    )
    result = evaluate(rules, {}, ["r(2024)"], as_of=AS_OF)
    error = result.answers[0].error
    assert error is not None and error.code == "CPF-R003"
    assert "rules nest deeper than" in error.message


def test_recursion_on_a_later_period_is_rejected_before_evaluation(tmp_path: Path) -> None:
    report = check_rules(
        _rules_dir(tmp_path, 'rule r(y : year) : money "r" cite CT:L6323-11 = r(y + 1)\n'), ROOT / "legal_refs"
    )
    assert [d.code for d in report.diagnostics] == ["CPF-E501"]
    assert report.diagnostics[0].message == "circular definition: r → r"


def test_two_applicable_exceptions_are_a_reported_conflict(tmp_path: Path) -> None:
    text = """
rule amount(y : year) : money "Montant" cite CT:R6323-1
  = 500 EUR
  exception a "A" cite CT:R6323-3-1 when true = 800 EUR
  exception b "B" cite CT:D6323-3-3 when true = 800 EUR
"""
    rules = load_rules(_rules_dir(tmp_path, text), ROOT / "legal_refs")
    result = evaluate(rules, {}, ["amount(2020)"], as_of=AS_OF)
    error = result.answers[0].error
    assert error is not None and error.code == "CPF-R002"
    assert error.message == "exceptions a, b of rule `amount` both apply; the law must say which prevails"


def test_one_applicable_exception_is_the_branch_in_the_trace() -> None:
    # R6323-3-1 I: a declared low-qualified employee working full time gets 800 €.
    facts = {"holder": {"low_qualified_declared_on": "2019-03-01"}, "years": [{"year": 2019, "worked_hours": 1607}]}
    result = evaluate(load_rules(), facts, ["employee_amount(2019)"], as_of=AS_OF)
    trace = result.answers[0].trace
    assert trace is not None and trace.branch == "exception low_qualified"
    assert [c.ref for c in trace.children[0].citations] == ["CT:L6323-11-1", "CT:R6323-3-1"]


def test_memoised_rule_is_the_same_trace_node() -> None:
    result = evaluate(load_rules(), ROOT / "examples" / "employee_full_time.yaml", ["credit(2021)"], as_of=AS_OF)
    trace = result.answers[0].trace
    assert trace is not None

    def find(node, found, seen):
        if id(node) in seen:
            found.append(node)
            return found
        seen.add(id(node))
        if node.kind == "rule" and node.name == "low_qualified" and node.period == "2021":
            found.append(node)
        for child in node.children:
            find(child, found, seen)
        return found

    nodes = [n for n in find(trace, [], set()) if n.name == "low_qualified" and n.kind == "rule" and n.period == "2021"]
    assert len(nodes) >= 2 and all(n is nodes[0] for n in nodes)


def test_bad_facts_raise_cpf_error_with_path() -> None:
    with pytest.raises(CpfError) as caught:
        evaluate(load_rules(), {"years": [{"year": 2020, "worked_hours": "many"}]}, ["credit(2020)"], as_of=AS_OF)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.path == "$.years[0].worked_hours"
    assert diagnostic.expected == "a number of hours, between 0 and 8784" and diagnostic.found == 'the text "many"'
