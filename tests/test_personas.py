"""The personas of examples/ (facts documents runnable from the README): each is
evaluated with the bundled rules and its values are checked against the law, the
arithmetic beside each value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cpf_rules import evaluate, load_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# persona file → {question: value derived by hand from the law}
PERSONAS: dict[str, dict[str, Decimal]] = {
    "employee_full_time.yaml": {
        # L6323-11 (2014): 4 × 24 h = 96 h; + 80 DIF h registered 2020-11-03 (ord. 2019-861)
        # → 176 h × 15 €/h = 2,640 € on 2019-01-01 (décret 2018-1153).
        "hours_balance(2018)": Decimal(96),
        "converted_amount(2019-01-01)": Decimal("2640.00"),
        # R6323-1 I: + 500 €/year 2019-2024, − 1,200 € (2021 training):
        # 2,640 + 6 × 500 − 1,200 = 4,440 €.
        "balance(2024)": Decimal("4440.00"),
    },
    "part_time_cashier.yaml": {
        # R6323-1 II: 500 × 700/1607 = 217.797… → 217.80 €; 803.5 h = half → 500 €;
        # L6323-12: 600 + 300 h of parental leave ≥ 803.5 h → 500 €.
        "credit(2019)": Decimal("217.80"),
        "credit(2020)": Decimal("500.00"),
        "balance(2021)": Decimal("1217.80"),
    },
    "low_qualified_worker.yaml": {
        # R6323-3-1 II: declared 2020-02-10 → 500 € for 2019, 800 € from 2020;
        # 2021: 1,500 h ≥ half of 1,582 h → 800 €. 500 + 800 + 800 = 2,100 €.
        "credit(2019)": Decimal("500.00"),
        "credit(2021)": Decimal("800.00"),
        "balance(2021)": Decimal("2100.00"),
    },
    "independent.yaml": {
        # L6323-27 (2018): 24 × 6/12 = 12 h → 180 € at 15 €/h; R6323-22: 2019 500 € → 680 €;
        # 2020 contribution not paid → 0 €; 2021 → 1,180 €; 2022 7 months: 500 × 7/12 =
        # 291.666… → 291.67 € → 1,471.67 €; 2023 job seeker: kept.
        "hours_credit(2018)": Decimal(12),
        "converted_amount(2019-01-01)": Decimal("180.00"),
        "credit(2020)": Decimal("0.00"),
        "credit(2022)": Decimal("291.67"),
        "balance(2023)": Decimal("1471.67"),
    },
    "public_agent_category_c.yaml": {
        # 2017-2019: 3 × 48 h = 144 h; décret 2017-928 art. 3 (2019-1392): 2020 50 h → 194;
        # 2021 at 80 %: 50 × 0.8 = 40 h → 234; 2022: 234 − 60 + 50 = 224; 2023: 274;
        # 2024: 324 h; in euros for a private-law use: 324 × 15 = 4,860 € (D6323-44).
        "public_hours_balance(2019)": Decimal(144),
        "public_hours_credit(2021)": Decimal(40),
        "public_hours_balance(2022)": Decimal(224),
        "public_hours_balance(2024)": Decimal(324),
        "public_hours_in_euros(2024)": Decimal("4860.00"),
    },
    "esat_worker.yaml": {
        # R6323-29 I: 800 € a year 2019-2024 = 4,800 €, − 1,200 € (2022 training) = 3,600 €.
        "credit(2021)": Decimal("800.00"),
        "balance(2021)": Decimal("2400.00"),
        "balance(2024)": Decimal("3600.00"),
    },
    "cec_volunteer.yaml": {
        # D5151-14 I: 2019 firefighter 240 €; 2020 association 240 € → 480 €; 2021 two
        # activities = 480 €, capped at 720 € → 240 € → 720 €; 2022: 0 €.
        "cec_credit(2021)": Decimal("240.00"),
        "cec_balance(2022)": Decimal("720.00"),
        # R6323-1: 6 × 500 = 3,000 € of droits communs + 720 € of CEC = 3,720 €.
        "balance(2024)": Decimal("3720.00"),
        # L6323-3 al. 3-4: retired in 2025, only the 720 € of CEC remain usable.
        "mobilisable_after_retirement(2025)": Decimal("720.00"),
    },
}


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_persona_values_follow_the_law(persona: str) -> None:
    expected = PERSONAS[persona]
    result = evaluate(load_rules(), EXAMPLES / persona, list(expected))
    for question, value in expected.items():
        answer = next(a for a in result.answers if a.question == question)
        assert answer.error is None, (question, answer.error)
        assert result.value(question) == value, (persona, question, result.value(question))


def test_the_seven_personas_of_issue_3_are_files_of_examples() -> None:
    # Other examples (use side, reforms) are tested by their own modules.
    assert set(PERSONAS) <= {p.name for p in EXAMPLES.glob("*.yaml")}
    assert len(PERSONAS) == 7


def test_the_independent_persona_carries_the_prorata_flag() -> None:
    # law notes §16.10: the month-based prorata is a reading, shown as a warning.
    result = evaluate(load_rules(), EXAMPLES / "independent.yaml", ["credit(2022)"])
    assert any("months of activity / 12" in w.message for w in result.warnings)
