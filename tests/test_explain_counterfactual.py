"""Counterfactuals: the nearest change of one fact that changes a result, found by
evaluating the rules again (exact fractions, bounded search), with the article whose
condition makes the difference."""

from __future__ import annotations

import datetime
import shutil
from fractions import Fraction
from pathlib import Path

from cpf_rules import evaluate, load_rules
from cpf_rules.api import read_facts
from cpf_rules.explain.counterfactual import _shortest_between, counterfactuals, search_counterfactuals
from cpf_rules.explain.trace_paths import signature
from cpf_rules.paths import default_legal_refs_dir, default_rules_dir
from explain_support import AS_OF, EXAMPLES


def _search(example: str, question: str, rules_dir: Path | None = None, budget: int = 2000) -> list:  # type: ignore[type-arg]
    rules = load_rules(rules_dir)
    facts = read_facts(rules, EXAMPLES / example)
    answer = evaluate(rules, facts, [question], as_of=AS_OF).answers[0]
    return counterfactuals(rules, facts, answer, AS_OF, budget)


def _refs(cf) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.ref for c in cf.citations}


def test_half_time_threshold_of_L6323_11_al_2() -> None:
    # 700 h of 1,607 h in 2019 → 217.80 € (R6323-1 II). From half of 1,607 h = 803.5 h
    # the full 500 € is due (L6323-11 al. 1 and 2, R6323-1 I): an exact threshold.
    found = {c.fact: c for c in _search("part_time_cashier.yaml", "amount_due(2019)")}
    worked = found["worked_hours(2019)"]
    assert (worked.old, worked.new) == (Fraction(700), Fraction(1607, 2))
    assert (worked.old_result, worked.new_result) == (Fraction(21780, 100), Fraction(500))
    assert worked.path == "$.years[0].worked_hours"
    assert worked.change == "si work_ratio(y) >= full_credit_share(y.start) → oui" and worked.holds is True
    assert {"CT:L6323-11", "CT:R6323-1"} <= _refs(worked)
    assert worked.change_in("en") == "if work_ratio(y) >= full_credit_share(y.start) → yes"
    # L6323-12: absences counted as work reach the same threshold (700 + 103.5 = 803.5 h).
    absence = found["counted_absence_hours(2019)"]
    assert absence.new == Fraction(207, 2) and absence.new_result == 500 and absence.path is None


def test_enum_status_that_does_not_accrue() -> None:
    # L6323-11 al. 1: only some situations credit the account; a year in another
    # situation gives 0 € (the status is the first fact the credit reads).
    found = [c for c in _search("part_time_cashier.yaml", "credit(2019)", budget=40) if c.fact == "status(2019)"]
    nothing = [c for c in found if c.new_result == 0]
    assert nothing and all(c.old == "employee" and c.old_result == Fraction(21780, 100) for c in nothing)
    # a retiree: L6323-11 credits employees only; a public agent: credited in hours instead
    # (art. 22 quater loi 83-634), so no euros for the year.
    refs = {c.new: _refs(c) for c in nothing}
    assert "CT:L6323-11" in refs["retired"] and "LOI:83-634" in refs["public_agent"]


def test_date_of_the_low_qualified_declaration_R6323_3_1_II() -> None:
    # Declared on 2020-02-10: 800 € for 2021 (L6323-11-1). Declared in 2022 or later, the
    # majoration does not cover 2021 (R6323-3-1 II): 500 €.
    found = {c.fact: c for c in _search("low_qualified_worker.yaml", "amount_due(2021)")}
    declared = found["low_qualified_declared_on"]
    assert declared.old == datetime.date(2020, 2, 10) and declared.new == datetime.date(2022, 1, 1)
    assert (declared.old_result, declared.new_result) == (800, 500)
    # The step that turns is the declaration's own rule, low_qualified(2021) (R6323-3-1 II:
    # from the year of the declaration); the exception of L6323-11-1 stops applying with it.
    assert declared.step == "low_qualified(2021)"
    assert declared.change == "low_qualified(2021) → non" and declared.holds is False
    assert declared.change_in("en") == "low_qualified(2021) → no"
    assert "CT:R6323-3-1" in _refs(declared)
    # 1,500 h of a 1,582-hour conventional year: below 791 h the worker is under half-time,
    # the exception stops applying and the prorata 500 € × 790.99/1,582 is due.
    worked = found["worked_hours(2021)"]
    assert worked.new == Fraction(79099, 100) and worked.new_result == Fraction(25000, 100)


def _rules_with_test_bonus(tmp_path: Path, fact: str, condition: str) -> Path:
    """The bundled rules plus a 100 € test bonus (L6323-11 al. 4: a more favourable accrual
    by agreement) paid when ``condition`` holds on the boolean input ``fact``."""
    shutil.copytree(default_rules_dir(), tmp_path / "rules")
    shutil.copytree(default_legal_refs_dir(), tmp_path / "legal_refs")
    (tmp_path / "rules" / "zz_boolean.cpf").write_text(
        f'input year.test_bonus_eligible : {fact} "Éligible à un abondement d\'essai"\n'
        'rule test_bonus(y : year) : money "Abondement d\'essai" cite CT:L6323-11 "al. 4"\n'
        f"  = if {condition} then 100 EUR else 0 EUR\n",
        encoding="utf-8",
    )
    return tmp_path / "rules"


def test_boolean_fact(tmp_path: Path) -> None:
    rules = _rules_with_test_bonus(tmp_path, "boolean default false", "test_bonus_eligible(y)")
    found = _search("part_time_cashier.yaml", "test_bonus(2019)", rules)
    assert [(c.fact, c.old, c.new, c.new_result, c.change) for c in found] == [
        ("test_bonus_eligible(2019)", False, True, 100, "si test_bonus_eligible(y) → oui")
    ]


def test_search_is_bounded_and_says_what_it_left() -> None:
    rules = load_rules()
    facts = read_facts(rules, EXAMPLES / "part_time_cashier.yaml")
    answer = evaluate(rules, facts, ["amount_due(2019)"], as_of=AS_OF).answers[0]
    nothing = search_counterfactuals(rules, facts, answer, AS_OF, 0)
    assert nothing.found == () and nothing.evaluations == 0 and "worked_hours(2019)" in nothing.unexplored
    some = search_counterfactuals(rules, facts, answer, AS_OF, 5)
    assert some.evaluations == 5 and some.unexplored
    whole = search_counterfactuals(rules, facts, answer, AS_OF, 600)
    assert whole.unexplored == () and 5 < whole.evaluations < 600


def test_shortest_decimal_on_the_far_side() -> None:
    precision = Fraction(1, 100)
    assert _shortest_between(Fraction(80349, 100), Fraction(8035001, 10000), precision) == Fraction(1607, 2)
    assert _shortest_between(Fraction(791), Fraction(790991, 1000), precision) == Fraction(79099, 100)
    assert _shortest_between(Fraction(3, 1), Fraction(4, 1), precision) == Fraction(4)


def test_a_yes_no_answer_that_changes_on_the_same_path_L6323_17() -> None:
    # notice_respected(d) = d <= training_start − 120 days (a training of six months or
    # more, D6323-4 I 2°): asked on 2026-04-17, the request respects the notice while the
    # training starts on or after 2026-08-15. One day earlier the answer turns "no" with
    # no `if` or exception changing: the search counted only path changes and found none.
    found = {c.fact: c for c in _search("employee_working_time_request.yaml", "notice_respected(2026-04-17)")}
    start = found["training_start"]
    assert (start.old, start.new) == (datetime.date(2026, 9, 7), datetime.date(2026, 8, 14))
    assert (start.old_result, start.new_result) == (True, False)
    assert "CT:L6323-17" in _refs(start)


def test_an_absent_optional_boolean_is_tried(tmp_path: Path) -> None:
    # The same test bonus as above, its fact optional and absent (an undeclared answer):
    # given as true it pays 100 €; it was never tried (the search skipped absent facts).
    rules = _rules_with_test_bonus(tmp_path, "boolean optional", "test_bonus_eligible(y) otherwise false")
    found = _search("part_time_cashier.yaml", "test_bonus(2019)", rules)
    assert [(c.fact, c.new, c.new_result) for c in found] == [("test_bonus_eligible(2019)", True, 100)]


def test_a_date_fact_read_as_a_parameter_date_loi_2020_1379(tmp_path: Path) -> None:
    # DIF hours entered on 2019-05-01 count (deadline 30/06/2021, loi 2020-1379): 320 h ×
    # 15 €/h = 4,800 € leave room for 300 € of the 2019 credit under 5,000 € (the DIF
    # euros inside the ceiling, flagged uncertain). Entered on 2021-07-01, the day after the
    # deadline, they are lost and the full 500 € is credited. The registration date is also
    # the date the deadline is read on: each day moved read the parameter on another date,
    # which the search took for a change of path and gave up after three.
    facts_file = tmp_path / "dif.yaml"
    facts_file.write_text(
        "holder: {dif_hours: 320, dif_registered_on: 2019-05-01}\n"
        "years:\n  - {year: 2019, worked_hours: 1607}\n"
        "ledger:\n  - {date: 2019-06-01, kind: training_paid, amount: 100}\n",
        encoding="utf-8",
    )
    rules = load_rules()
    facts = read_facts(rules, facts_file)
    answer = evaluate(rules, facts, ["credit(2019)"], as_of=AS_OF).answers[0]
    found = [c for c in counterfactuals(rules, facts, answer, AS_OF) if c.fact == "dif_registered_on"]
    later = next(c for c in found if c.new > c.old)
    assert (later.new, later.old_result, later.new_result) == (datetime.date(2021, 7, 1), 300, 500)
    assert later.step == "dif_hours_counted · exception registered_in_time" and later.holds is False
    assert "LOI:2020-1379" in _refs(later)


def test_forfait_days_are_moved_within_their_declared_range_R6323_1_II_al_4(tmp_path: Path) -> None:
    # R6323-1 II al. 4: a forfait-jours year is worked_days / forfait_days (at most 218). 5 of
    # 218 days → 500 € × 5/218 = 11.47 € (rounded up to the cent). worked_days is declared
    # between 0 and 366: the search proposes only values the facts accept (never -0.0001,
    # refused with CPF-F105), and reaches the half-time threshold far up the range: 109 of
    # 218 days → the full 500 € (L6323-11 al. 2).
    facts_file = tmp_path / "forfait.yaml"
    facts_file.write_text("years:\n  - {year: 2023, worked_hours: 1000, forfait_days: 218, worked_days: 5}\n")
    rules = load_rules()
    facts = read_facts(rules, facts_file)
    answer = evaluate(rules, facts, ["credit(2023)"], as_of=AS_OF).answers[0]
    assert answer.value == Fraction(1147, 100)
    found = {c.fact: c for c in counterfactuals(rules, facts, answer, AS_OF, 600)}
    worked = found["worked_days(2023)"]
    assert (worked.old, worked.new, worked.new_result) == (Fraction(5), Fraction(109), Fraction(500))
    forfait = found["forfait_days(2023)"]
    assert (forfait.new, forfait.new_result) == (Fraction(10), Fraction(500))
    for change in found.values():
        if change.fact.startswith(("worked_days", "forfait_days")):
            assert 0 <= change.new <= 366, change  # a value the facts schema accepts


def test_the_path_of_an_answer_does_not_depend_on_the_evaluator_R6323_1_II() -> None:
    # The compiled evaluator shares one trace node between the reads of a parameter on a
    # date (hours_full_rate, read twice in standard_hours_due); the interpreter builds one
    # per read. The path the counterfactual search compares was missing the second read on
    # the compiled side (178 steps against 182): only memoised rules are met once.
    rules = load_rules()
    facts = {"years": [{"year": 2019, "worked_hours": 700}]}
    compiled = evaluate(rules, facts, ["credit(2019)"], as_of=AS_OF)
    interpreted = evaluate(rules, facts, ["credit(2019)"], as_of=AS_OF, compiled=False)
    assert compiled.answers[0].value == interpreted.answers[0].value == Fraction(1089, 5)  # 500 € × 700/1607 ↑
    assert signature(compiled.answers[0].trace) == signature(interpreted.answers[0].trace)
