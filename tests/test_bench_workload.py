"""The benchmark workload of issue 8 (bench/workload_rules/, bench/workload.py) computes
what the law says, on every path the benchmark times: the workload rules, the rule base
rules/, and the hand-written NumPy and Decimal references agree to the cent.

The benchmark's ratios compare bench/workload_rules/ with the minimal OpenFisca model;
these tests keep that rule file honest (it checks, cites the articles it encodes, and
gives the rule base's answer for the same holders).
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from cpf_rules import load_rules
from cpf_rules.api import evaluate
from cpf_rules.loader import check_rules

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from workload import decimal_reference, document, numpy_reference, population  # noqa: E402

WORKLOAD_RULES = ROOT / "bench" / "workload_rules"
AS_OF = datetime.date(2026, 1, 1)


def test_workload_rules_check_and_cite_the_accrual_articles() -> None:
    checked = check_rules(WORKLOAD_RULES)
    assert checked.ok and checked.ruleset is not None
    # The one warning: dif_registered_on is declared so that the rule base's documents
    # validate, and read only by the rule base (DIF deadlines).
    assert [(d.code, "dif_registered_on" in d.message) for d in checked.diagnostics] == [("CPF-L302", True)]
    rules = checked.ruleset.symbols.rules.values()
    cited = {c.ref for rule in rules for c in rule.citations}
    cited |= {c.ref for rule in rules for exception in rule.exceptions for c in exception.citations}
    assert {"CT:L6323-11", "CT:R6323-1", "CT:R6323-3-1", "CT:L6323-11-1"} <= cited


def test_prorata_below_half_time_is_rounded_up_to_the_cent_R6323_1() -> None:
    """R6323-1 II: 700 h of 1,607 h → 500 € × 700 / 1,607 = 217.797… → 217.80 €; with no
    DIF hours the balance at the end of 2019 is that credit."""
    rules = load_rules(WORKLOAD_RULES)
    result = evaluate(rules, {"years": [{"year": 2019, "worked_hours": 700}]}, ["balance(2019)"], as_of=AS_OF)
    assert result.value("balance(2019)") == Decimal("217.80")


def test_low_qualified_ceiling_8000_R6323_3_1() -> None:
    """R6323-3-1 I: 800 € a year at half-time or more, up to 8,000 €: a low-qualified holder
    opening 2019 with 480 DIF hours (7,200 € at 15 €/h) gets 800 € in 2019, then the
    ceiling leaves nothing for 2020."""
    rules = load_rules(WORKLOAD_RULES)
    facts = {
        "holder": {"dif_hours": 480, "low_qualified_declared_on": "2019-01-01"},
        "years": [{"year": 2019, "worked_hours": 1607}, {"year": 2020, "worked_hours": 1607}],
    }
    result = evaluate(rules, facts, ["balance(2019)", "credit(2020)"], as_of=AS_OF)
    assert result.value("balance(2019)") == Decimal("8000.00")
    assert result.value("credit(2020)") == Decimal("0.00")


@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_workload_rules_rule_base_and_references_agree_to_the_cent(compiled: bool) -> None:
    pop = population(60, seed=7)
    expected = numpy_reference(pop).tolist()
    hours = [[int(pop["hours"][y][row]) for y in sorted(pop["hours"])] for row in range(60)]
    decimals = decimal_reference(hours, pop["low_qualified"].tolist(), pop["dif_hours"].tolist())
    assert [int(v * 100) for v in decimals] == expected
    for rules in (load_rules(WORKLOAD_RULES), load_rules()):
        answers = [
            evaluate(rules, document(pop, row), ["balance(2024)"], as_of=AS_OF, compiled=compiled).value(
                "balance(2024)"
            )
            for row in range(60)
        ]
        assert [int(v * 100) for v in answers] == expected
