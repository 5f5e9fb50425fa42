"""Differential fuzzing: every evaluator gives the same answers on rule shapes the other property tests do not draw.

The engine has four evaluators that must agree: the interpreter (``evaluate.py``,
``compiled=False``), the compiled evaluator with its trace (``compiled.py``,
``compiled_evaluation.py``), the compiled evaluator without trace
(``compiled_values.py``, ``trace=False``) and the vectorised batch kernel
(``batch/``, ``cpf batch``), which must give exactly the scalar engine's value or
hand the row to it. ``tests/test_compiled.py`` and ``tests/test_batch.py`` compare
them on the bundled rules and random holders, ``tests/test_fuzz_grammar.py`` compares
values and error codes of the first two on generated formulas. This file generates
whole rule files over a small vocabulary of its own (:data:`PRELUDE`: yearly and
holder inputs with defaults and optional ones, a list of records) and compares
everything each path promises to keep:

- interpreter and compiled evaluator, traced: the whole canonical JSON result
  (values, trace nodes, decisions, citations, flags, warnings, error codes, messages
  and spans), the text rendering and the coverage;
- traced and untraced, interpreted and compiled: the JSON without trace (``trace=False``
  drops only the steps below each question, README "Python API");
- a step budget (``max_steps``) shared by several questions: the same outcome, or the
  same CPF-R007 at the same place, on the three scalar paths;
- the batch kernel (``answer_chunk``) against ``evaluate()`` asked the same questions in
  order (what ``cpf evaluate`` does and ``cpf batch`` falls back on): the same value, or
  the same diagnostic (code, message, span).

Shapes drawn: exceptions whose bodies use ``otherwise`` and ``let``, conditions that
fail (division by zero, a parameter without value), two exceptions that conflict,
aggregates with filters over the list, date arithmetic across month and leap-year
ends, ``years_between``/``months_between``, the four roundings on negative amounts and
exact half cents, ``min``/``max`` of several arguments, optional facts absent or
present, defaults, parameters ended by ``none`` or starting after the period, rules on
a date period as well as on a year, recursion on earlier years, and what-if overrides
applied before compiling. Hand-written tests pin the edges (MAX_DEPTH, MAX_NESTING).

The helpers are in tests/differential_paths.py (the paths compared) and
tests/differential_strategies.py (what is drawn); the divergences these tests found are
kept, with their minimal reproductions, in tests/test_differential_regressions.py.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cpf_rules.api import evaluate
from cpf_rules.model import RuleSet
from cpf_rules.whatif import Override, apply_overrides
from differential_paths import (
    AS_OF,
    CITE,
    DIFFERENTIAL,
    answers,
    assert_all_paths_agree,
    assert_batch_agrees,
    assert_scalar_paths_agree,
    checked_ruleset,
    ruleset,
)
from differential_strategies import YEARS, facts_documents, questions_for, rule_files

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")


# ---- property tests ---------------------------------------------------------------------
@settings(DIFFERENTIAL, max_examples=16)
@given(rule_files(), facts_documents())
def test_generated_rules_agree_on_every_scalar_path(text: str, facts: dict[str, Any]) -> None:
    rules = checked_ruleset(text)
    assume(rules is not None)
    assert rules is not None
    assert_scalar_paths_agree(rules, facts, questions_for(YEARS))


@settings(DIFFERENTIAL, max_examples=10)
@given(rule_files(), st.lists(facts_documents(), min_size=2, max_size=4))
def test_generated_rules_batch_equals_the_scalar_engine(text: str, population: list[dict[str, Any]]) -> None:
    rules = checked_ruleset(text)
    assume(rules is not None)
    assert rules is not None
    assert_batch_agrees(rules, population, questions_for(YEARS))


@settings(DIFFERENTIAL, max_examples=10)
@given(rule_files(), facts_documents(), st.lists(st.integers(1, 300), min_size=1, max_size=3))
def test_a_step_budget_shared_by_several_questions_stops_every_path_at_the_same_step(
    text: str, facts: dict[str, Any], budgets: list[int]
) -> None:
    # max_steps bounds all the questions of one call together (README "Python API"):
    # the same values, or CPF-R007 at the same node with the same message, on every path.
    rules = checked_ruleset(text)
    assume(rules is not None)
    assert rules is not None
    for budget in budgets:
        assert_scalar_paths_agree(rules, facts, questions_for(YEARS), max_steps=budget)


# ---- hand-written shapes, with the values the law's roundings and calendars give --------
HOLDERS: list[dict[str, Any]] = [
    {},
    {
        "years": [
            {"year": 2020, "h": Decimal("803.5"), "m": Decimal("0.05"), "flag": True, "opt_h": 10},
            {"year": 2019, "h": 1607, "m": Decimal("0.15"), "ratio": Decimal("1.5"), "opt_d": "2019-02-28"},
        ],
        "holder": {"born": "1980-02-29", "n": 3, "cash": Decimal("10.01")},
        "events": [
            {"date": "2020-02-29", "kind": "paid", "amount": Decimal("0.05")},
            {"date": "2020-12-31", "kind": "credit", "amount": Decimal("1.01"), "hours": Decimal("1.5")},
            {"date": "2019-01-01", "kind": "other", "share": 0},
        ],
    },
    {"years": [{"year": 2020, "opt_h": 0, "ratio": 0}], "holder": {"born": "2000-12-31", "n": 0}},
]


def test_roundings_of_negative_amounts_and_exact_half_cents_agree() -> None:
    # R6323-1 II rounds up (towards +∞); the "half up" roundings take halves away from zero.
    rules = ruleset(
        f"""
rule half(y : year) : money "½" {CITE} = round_half_up_to_cent(-(m(y) + cash + 0.01 EUR) / 2)
rule up(y : year) : money "↑" {CITE} = round_up_to_cent(-cash / 3)
rule events_half(y : year) : money "Σ½" {CITE} = sum(round_half_up_to_cent(e.amount / 2) for e in events)
rule hours_near(y : year) : hours "h≈" {CITE} = round_to_nearest_hour(-h(y))
rule hours_up(y : year) : hours "h↑" {CITE} = round_up_to_hour(-h(y) / 3)
"""
    )
    questions = ["half(2020)", "up(2020)", "events_half(2020)", "hours_near(2020)", "hours_up(2020)"]
    got = assert_all_paths_agree(rules, HOLDERS, questions)
    assert got[1] == {
        "half(2020)": Fraction("-5.04"),  # -(0.05 + 10.01 + 0.01) / 2 = -5.035, half away from zero
        "up(2020)": Fraction("-3.33"),  # -3.3366… up to -3.33
        "events_half(2020)": Fraction("0.54"),  # 0.025 → 0.03, 0.505 → 0.51, 0 → 0
        "hours_near(2020)": Fraction(-804),  # -803.5 h: half away from zero
        "hours_up(2020)": Fraction(-267),  # -267.83… h up to -267 h
    }


def test_dates_near_month_and_leap_year_ends_agree() -> None:
    # years_between counts an age (L5151-2): born 29 February, a year older on 1 March in
    # a common year; months_between full months (D6323-4); `date ± days` whole days.
    rules = ruleset(
        f"""
rule age(y : year) : integer "âge" {CITE} = years_between(born otherwise 2000-01-01, y.end)
rule age_feb(y : year) : integer "âge au 28/02" {CITE} = years_between(born otherwise y.start, y.start + 58 days)
rule months(y : year) : integer "mois" {CITE} = months_between(born otherwise 2000-01-31, y.start + 59 days)
rule back(y : year) : integer "à rebours" {CITE} = months_between(y.end, born otherwise y.start)
rule days_in(y : year) : decimal "jours" {CITE} = (y.end - y.start) / 1 days
rule eve(y : year) : date "veille" {CITE} = y.start - 1.5 days
rule next(y : year) : date "lendemain" {CITE} = (opt_d(y) otherwise y.end) + 0.5 days
rule leap(y : year) : boolean "bissextile" {CITE} = y.start + 59 days == (y.start + 58 days) + 1 days
rule first(y : year) : date "premier" {CITE} = min(y.end, born otherwise y.end, opt_d(y) otherwise y.end)
"""
    )
    questions = [f"{name}({year})" for name in ("age", "age_feb", "months", "back", "days_in") for year in (2019, 2020)]
    questions += ["eve(2020)", "next(2019)", "leap(2020)", "first(2019)"]
    got = assert_all_paths_agree(rules, HOLDERS, questions)
    assert got[1]["age(2019)"] == 39 and got[1]["age_feb(2019)"] == 38  # 28/02/2019: not 39 yet
    assert got[1]["age_feb(2020)"] == 39  # 28/02/2020, the eve of the birthday
    assert got[1]["days_in(2020)"] == 365 and got[1]["days_in(2019)"] == 364
    assert got[1]["eve(2020)"] == datetime.date(2019, 12, 31)  # 1.5 days: one whole day
    assert got[1]["next(2019)"] == datetime.date(2019, 2, 28)  # 0.5 days: none
    assert got[1]["first(2019)"] == datetime.date(1980, 2, 29)
    assert got[0]["months(2020)"] == 240  # 31/01/2000 → 29/02/2020: the 241st month ends on 1 March
    assert got[1]["back(2019)"] == -478 and got[2]["back(2020)"] == -240


def test_optional_facts_absent_or_present_defaults_and_otherwise_agree() -> None:
    rules = ruleset(
        f"""
rule declared(y : year) : hours "déclaré" {CITE} = opt_h(y) otherwise 5 h
rule summed(y : year) : hours "somme" {CITE} = (opt_h(y) + h(y)) otherwise 7 h
rule number : integer "nombre" {CITE} = n otherwise 42
rule both(y : year) : boolean "les deux" {CITE} = (n otherwise 0) > 1 and (opt_h(y) otherwise 0 h) >= 0 h
rule least(y : year) : hours "minimum" {CITE} = min(opt_h(y), h(y), 1607 h) otherwise 1 h
rule chosen(y : year) : integer "choisi" {CITE} = if (opt_h(y) > 5 h) otherwise false then 1 else 2
"""
    )
    questions = [
        f"{name}({year})" for name in ("declared", "summed", "both", "least", "chosen") for year in (2020, 2021)
    ]
    got = assert_all_paths_agree(rules, HOLDERS, [*questions, "number"])
    assert [g["declared(2020)"] for g in got] == [5, 10, 0]
    assert [g["summed(2020)"] for g in got] == [7, Fraction("813.5"), 0]
    assert [g["number"] for g in got] == [42, 3, 0]
    assert [g["least(2020)"] for g in got] == [1, 10, 0] and got[1]["chosen(2020)"] == 1


def test_aggregates_with_filters_and_let_agree() -> None:
    rules = ruleset(
        f"""
rule of_year(y : year) : money "de l'année" {CITE} = sum(e.amount for e in events if e.date.year == y)
rule paid_count(y : year) : integer "payés" {CITE} = count(e for e in events if e.kind == paid and e.amount > 0 EUR)
rule some(y : year) : boolean "un crédit" {CITE} = any(e.kind == credit for e in events)
rule every(y : year) : boolean "tous" {CITE} = all(e.share > 0 for e in events if e.date <= y.end)
rule weighted(y : year) : money "pondéré" {CITE} = sum(e.amount * e.share for e in events) / 3
rule signed(y : year) : money "signé" {CITE} = sum(if e.kind == paid then e.amount else -e.amount for e in events)
rule named(y : year) : integer "nommé" {CITE} = count(e for e in events if (let z = e.amount in z > 0.05 EUR))
rule spread(y : year) : hours "heures" {CITE} = let t = sum(e.hours for e in events if e.kind != paid) in t + h(y)
"""
    )
    names = ("of_year", "paid_count", "some", "every", "weighted", "signed", "named", "spread")
    got = assert_all_paths_agree(rules, HOLDERS, [f"{name}(2020)" for name in names])
    assert got[0]["every(2020)"] is True and got[0]["some(2020)"] is False and got[0]["of_year(2020)"] == 0
    assert got[1]["of_year(2020)"] == Fraction("1.06") and got[1]["every(2020)"] is False
    assert got[1]["weighted(2020)"] == Fraction("1.06") / 3 and got[1]["signed(2020)"] == Fraction("-0.96")
    assert got[1]["named(2020)"] == 1 and got[1]["spread(2020)"] == Fraction(805)


def test_exceptions_with_otherwise_let_conflicts_and_failing_conditions_agree() -> None:
    # Exceptions: none applies → the default; one → its value; two → CPF-R002 (Catala's
    # conflict); a condition that fails (division by zero, a parameter without value
    # that no `otherwise` catches) fails the rule, on every path.
    rules = ruleset(
        f"""
parameter p : money "p"
  from 2019-01-01 = 10 EUR {CITE} uncertain "source secondaire"
  from 2020-06-01 = none {CITE}
rule mixed(y : year) : money "mixte" {CITE} = let x = m(y) in if x > 0.1 EUR then x else -x
  exception big "grand" {CITE} when h(y) > 800 h = let z = p(y.end) otherwise 1 EUR in z * 2
  exception flagged "drapeau" {CITE} when flag(y) and ratio(y) > 0 = p(y.start)
rule fallback(y : year) : money "repli" {CITE} = p(y.end) otherwise 3 EUR
  exception e "e" {CITE} when flag(y) = p(y.start)
rule failing(y : year) : money "échoue" {CITE} = 1 EUR
  exception zero "zéro" {CITE} when 1 / ratio(y) > 1 = 2 EUR
  exception ended "fini" {CITE} when p(y.end) > 5 EUR = 3 EUR
rule caught(y : year) : money "rattrapé" {CITE} = 1 EUR
  exception ended "fini" {CITE} when (p(y.end) > 5 EUR) otherwise flag(y) = 2 EUR
rule outer(y : year) : money "appelant" {CITE} = fallback(y) + (failing(y) otherwise 9 EUR)
"""
    )
    names = ("mixed", "fallback", "failing", "caught", "outer")
    got = assert_all_paths_agree(rules, HOLDERS, [f"{name}({year})" for name in names for year in (2019, 2020)])
    assert got[1]["mixed(2019)"] == 20  # 1,607 h: `big`, p on 31/12/2019 (10 €) × 2
    assert got[1]["mixed(2020)"] == "CPF-R002"  # 803.5 h and the flag: big and flagged both apply
    assert got[0]["mixed(2020)"] == 0 and got[1]["fallback(2020)"] == 10  # p on 1 January 2020
    assert got[0]["failing(2019)"] == 3 and got[0]["failing(2020)"] == "CPF-R001"
    assert got[2]["failing(2020)"] == "CPF-R006" and got[1]["caught(2020)"] == 2
    # An undefined parameter inside a called rule is not caught by the caller's `otherwise`.
    assert got[0]["outer(2020)"] == "CPF-R001"


def test_rules_on_dates_on_years_and_without_period_agree() -> None:
    rules = ruleset(
        f"""
parameter rate : decimal "taux"
  from 2019-01-01 = 0.5 {CITE}
  from 2020-03-01 = 0.333 {CITE} interpretation "lecture"
rule on_day(d : date) : money "au jour" {CITE} = cash * rate(d) otherwise 0 EUR
rule on_year(y : year) : money "à l'année" {CITE} = on_day(y.start + 59 days) + on_day(y.end)
rule once : money "sans période" {CITE} = on_day(start) + cash
"""
    )
    questions = [
        "on_day(2020-02-29)",
        "on_day(2020-03-01)",
        "on_year(2020)",
        "on_year(2019)",
        "once",
        "rate(2020-02-29)",
    ]
    got = assert_all_paths_agree(rules, HOLDERS, questions)
    # 1 January + 59 days: 29 February 2020 (rate 0.5, the new rate from 1 March), 1 March 2019.
    assert got[1]["on_year(2020)"] == Fraction("10.01") * (Fraction("0.5") + Fraction("0.333"))
    assert got[1]["on_year(2019)"] == Fraction("10.01")


@pytest.mark.parametrize(
    "overrides",
    [
        [Override("p", datetime.date(2020, 1, 1), "-0.015 EUR")],
        [Override("q", datetime.date(2020, 6, 1), "-1"), Override("p", datetime.date(2022, 1, 1), "7 EUR")],
        [Override("q", datetime.date(2019, 1, 1), "0.333333333333")],
    ],
    ids=["negative", "two-parameters", "long-decimal"],
)
def test_what_if_overrides_applied_before_compiling_agree(overrides: list[Override]) -> None:
    base = ruleset(
        f"""
parameter p : money "p"
  from 2019-01-01 = 10 EUR {CITE} uncertain "u"
  from 2021-01-01 = none {CITE}
parameter q : decimal "q"
  from 2019-01-01 = 0.5 {CITE}
rule a(y : year) : money "a" {CITE} = (p(y.start) otherwise 1 EUR) * q(y.start)
rule b(y : year) : money "b" {CITE} = p(y.start) + a(y)
  exception e "e" {CITE} when q(y.start) < 0 = -p(y.start)
rule c(y : year) : money "c" {CITE} = round_half_up_to_cent(a(y) / 3)
"""
    )
    rules = apply_overrides(base, overrides)
    questions = ["a(2020)", "b(2020)", "c(2020)", "a(2022)", "b(2022)", "c(2023)", "p(2020-06-01)"]
    got = assert_all_paths_agree(rules, HOLDERS, questions)
    unchanged = answers(base, {}, questions)
    assert got[0] != unchanged  # the override is what is evaluated
    result = evaluate(rules, {}, questions, as_of=AS_OF, compiled=True)
    assert "CPF-W604" in {w.code for w in result.warnings}


def _counter(depth_rule: str) -> RuleSet:
    return ruleset(f'rule b(y : year) : integer "b" {CITE} = if y.start <= 0001-12-31 then 0 else {depth_rule}\n')


def test_the_depth_limit_stops_every_path_at_the_same_call() -> None:
    # MAX_DEPTH (600 rule calls): b(0600) calls b down to b(0001), 600 calls; b(0601) one more.
    rules = _counter("b(y - 1) + 1")
    got = assert_all_paths_agree(rules, HOLDERS[:2], ["b(0600)"], deep=True)
    assert got[0]["b(0600)"] == 599
    got = assert_all_paths_agree(rules, HOLDERS[:2], ["b(0601)"], deep=True)
    assert got[0]["b(0601)"] == "CPF-R003"


def test_the_nesting_limit_stops_every_path_at_the_same_call() -> None:
    # MAX_NESTING (3,000): formulas of height 44 along the calls: b(0068) passes, b(0069) stops.
    rules = _counter(" + ".join(["b(y - 1)", *["1"] * 40]))
    assert rules.formula_height("b") == 44
    got = assert_all_paths_agree(rules, HOLDERS[:2], ["b(0068)"])
    assert got[0]["b(0068)"] == 67 * 40
    got = assert_all_paths_agree(rules, HOLDERS[:2], ["b(0069)"])
    assert got[0]["b(0069)"] == "CPF-R003"


def test_batch_rows_that_fail_get_the_scalar_engines_diagnostic() -> None:
    # Rows of one population fail differently (R002, R006, R001) or not at all.
    rules = ruleset(
        f"""
parameter p : money "p"
  from 2019-01-01 = 10 EUR {CITE}
  from 2020-06-01 = none {CITE}
rule a(y : year) : money "a" {CITE} = 1 EUR
  exception e1 "e1" {CITE} when flag(y) = 2 EUR
  exception e2 "e2" {CITE} when h(y) > 1 h = 3 EUR
rule b(y : year) : decimal "b" {CITE} = 1
  exception e1 "e1" {CITE} when 1 / ratio(y) > 1 = 2
rule c(y : year) : money "c" {CITE} = p(opt_d(y) otherwise y.start)
rule d(y : year) : money "d" {CITE} = a(y) + (c(y) otherwise 7 EUR) + b(y) * 1 EUR
"""
    )
    population = [
        {},
        {"years": [{"year": 2020, "flag": True, "h": 2}]},
        {"years": [{"year": 2020, "ratio": 0, "opt_d": "2020-07-01"}]},
        {"years": [{"year": 2020, "h": 5, "ratio": Decimal("0.5"), "opt_d": "2020-05-31"}]},
    ]
    questions = [f"{name}(2020)" for name in "abcd"]
    got = assert_all_paths_agree(rules, population, questions)
    assert [g["a(2020)"] for g in got] == [1, "CPF-R002", 1, 3]
    assert [g["b(2020)"] for g in got] == [1, 1, "CPF-R006", 2]
    assert [g["c(2020)"] for g in got] == [10, 10, "CPF-R001", 10]
    # c's CPF-R001 is not caught by d's `otherwise` (raised inside another rule), and comes first.
    assert [g["d(2020)"] for g in got] == [12, "CPF-R002", "CPF-R001", 15]
