"""The calendar functions of the rule language: years_between and months_between.

They count full calendar years (an age, L5151-2 « âgée d'au moins seize ans ») and full
months (a training « d'une durée d'au moins six mois », D6323-4) between two dates.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.calendar import months_between, years_between
from cpf_rules.diagnostics import CpfError
from cpf_rules.loader import check_rules
from cpf_rules.paths import default_legal_refs_dir

RULES = """
input holder.born : date "Date de naissance"
input holder.first : date optional "Premier jour"

rule age(d : date) : integer "Âge à la date" cite CT:L5151-2 = years_between(born, d)
rule months(d : date) : integer "Mois depuis le premier jour" cite CT:L5151-2
  = months_between(first, d) otherwise 0
"""


def _rules(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "calendar.cpf").write_text(text, encoding="utf-8")
    return folder


def test_age_on_the_sixteenth_birthday(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, RULES), default_legal_refs_dir())
    result = evaluate(rules, {"holder": {"born": "2010-03-10"}}, ["age(2026-03-09)", "age(2026-03-10)"])
    # L5151-2: 16 years are reached on the 16th birthday, not the day before.
    assert result.value("age(2026-03-09)") == 15
    assert result.value("age(2026-03-10)") == 16


def test_months_between_with_an_absent_date_falls_back(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, RULES), default_legal_refs_dir())
    facts = {"holder": {"born": "2000-01-01"}}
    assert evaluate(rules, facts, ["months(2026-07-14)"]).value("months(2026-07-14)") == 0
    facts["holder"]["first"] = "2026-01-15"
    assert evaluate(rules, facts, ["months(2026-07-15)"]).value("months(2026-07-15)") == 6


@pytest.mark.parametrize(
    ("start", "end", "years", "months"),
    [
        (datetime.date(2008, 2, 29), datetime.date(2024, 2, 28), 15, 191),
        (datetime.date(2008, 2, 29), datetime.date(2024, 2, 29), 16, 192),
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), 0, 0),  # February has no 31st
        (datetime.date(2026, 1, 31), datetime.date(2026, 3, 1), 0, 1),
        (datetime.date(2026, 9, 1), datetime.date(2027, 3, 1), 0, 6),
        (datetime.date(2027, 3, 1), datetime.date(2026, 9, 1), 0, -6),
    ],
)
def test_full_years_and_months(start: datetime.date, end: datetime.date, years: int, months: int) -> None:
    assert years_between(start, end) == years
    assert months_between(start, end) == months


def test_a_calendar_function_needs_two_dates(tmp_path: Path) -> None:
    bad = RULES + 'rule wrong(d : date) : integer "Faux" cite CT:L5151-2 = years_between(born, 3 EUR)\n'
    report = check_rules(_rules(tmp_path, bad), default_legal_refs_dir())
    errors = [d for d in report.diagnostics if d.is_error]
    assert [d.code for d in errors] == ["CPF-E202"]
    assert "years_between" in (errors[0].message + " " + (errors[0].hint or ""))


def test_a_calendar_function_takes_exactly_two_arguments(tmp_path: Path) -> None:
    bad = RULES + 'rule wrong(d : date) : integer "Faux" cite CT:L5151-2 = months_between(born)\n'
    report = check_rules(_rules(tmp_path, bad), default_legal_refs_dir())
    codes = [d.code for d in report.diagnostics if d.is_error]
    assert codes == ["CPF-E105"]
    with pytest.raises(CpfError):
        load_rules(tmp_path / "rules", default_legal_refs_dir())
