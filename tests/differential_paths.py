"""Differential tests, the paths compared: every evaluator asked the same questions.

Support for tests/test_fuzz_differential.py and tests/test_differential_regressions.py
(not collected by pytest): the rule files under test are written over a small
vocabulary of their own (:data:`PRELUDE`) and checked in memory (:func:`ruleset`); each
helper runs one question set through the interpreter, the compiled evaluator with and
without its trace, and the batch kernel, and compares what each path promises to keep
(see the docstring of tests/test_fuzz_differential.py).
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from cpf_rules.api import evaluate, read_facts
from cpf_rules.diagnostics import CpfError
from cpf_rules.model import RuleSet
from cpf_rules.questions import parse_question
from cpf_rules.render.json import dumps, result_to_json
from cpf_rules.render.text import render_result
from fuzzing import check_sources

AS_OF = datetime.date(2026, 1, 1)
FILE = "rules/zz_differential.cpf"
CITE = "cite CT:L6323-11"
sys.setrecursionlimit(max(sys.getrecursionlimit(), 12_000))  # as the evaluators set it (depth 600)

# A fixed profile: the same inputs on every run (CI), no example database in the tree.
DIFFERENTIAL = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

PRELUDE = """
enum Kind "Nature" = paid "payé" | credit "crédit" | other "autre"
record Ev "Opération" {
  date : date "Date"
  kind : Kind "Nature"
  amount : money default 0 EUR "Montant"
  hours : hours default 0 h "Heures"
  share : decimal default 1 "Part"
}
input year.h : hours default 0 h "Heures"
input year.m : money default 0 EUR "Montant de l'année"
input year.flag : boolean default false "Drapeau"
input year.opt_h : hours optional "Heures déclarées"
input year.opt_d : date optional "Date déclarée"
input year.ratio : decimal default 1 "Ratio"
input holder.born : date optional "Naissance"
input holder.start : date default 2019-01-01 "Début"
input holder.n : integer optional "Nombre"
input holder.cash : money default 0 EUR "Liquidités"
input events : list Ev "Opérations"
"""


@functools.cache
def ruleset(text: str) -> RuleSet:
    """The prelude and ``text`` checked in memory (fuzzing.check_sources); the test fails
    with the diagnostics if they do not check."""
    diagnostics, rules = check_sources({FILE: PRELUDE + text})
    errors = [f"{d.code} {d.message} at {d.span}" for d in diagnostics if d.is_error]
    assert rules is not None, errors
    return rules


# ---- comparing the paths ----------------------------------------------------------------
def _snapshot(
    rules: RuleSet, facts: Any, questions: Sequence[str], trace: bool, deep: bool = False, **options: Any
) -> Any:
    """What an evaluation gives, to compare paths: its canonical JSON (with or without
    the trace) and coverage, or the codes of a CpfError. With ``deep`` (a trace 600 rule
    calls deep, which the indented JSON encoder renders in quadratic time), the answers
    and warnings themselves, trace nodes compared field by field."""
    try:
        result = evaluate(rules, facts, list(questions), as_of=AS_OF, trace=trace, **options)
    except CpfError as error:
        return "CpfError " + " ".join(d.code for d in error.diagnostics)
    if deep:
        answers = result.answers if trace else tuple((a.value, a.type, a.error) for a in result.answers)
        return answers, result.warnings, sorted(result.reached)
    snapshot = f"{dumps(result_to_json(result, with_trace=trace))}\nreached={sorted(result.reached)}"
    if trace:  # the text rendering too: a step met again is referenced, by identity
        snapshot += "\n" + render_result(result, color=False, with_trace=True)
    return snapshot


def assert_scalar_paths_agree(
    rules: RuleSet, facts: Any, questions: Sequence[str], deep: bool = False, **options: Any
) -> None:
    """Interpreter and compiled evaluator, traced: the same JSON, trace and coverage
    included. Interpreted or compiled, with ``trace=False``: what the traced result
    gives once its trace is left out (values, errors, warnings, coverage)."""
    interpreted = _snapshot(rules, facts, questions, True, deep, compiled=False, **options)
    assert _snapshot(rules, facts, questions, True, deep, compiled=True, **options) == interpreted
    if deep:
        traced = (tuple((a.value, a.type, a.error) for a in interpreted[0]), *interpreted[1:])
    else:
        traced = _traced_without_trace(rules, facts, questions, **options)
    for compiled in (False, True):
        assert _snapshot(rules, facts, questions, False, deep, compiled=compiled, **options) == traced, compiled


def _traced_without_trace(rules: RuleSet, facts: Any, questions: Sequence[str], **options: Any) -> str:
    """The JSON of a traced evaluation rendered without its trace."""
    try:
        result = evaluate(rules, facts, list(questions), as_of=AS_OF, trace=True, compiled=True, **options)
    except CpfError as error:
        return "CpfError " + " ".join(d.code for d in error.diagnostics)
    return f"{dumps(result_to_json(result, with_trace=False))}\nreached={sorted(result.reached)}"


def scalar_in_order(rules: RuleSet, facts: Any, questions: Sequence[str]) -> dict[str, Any]:
    """The questions asked in order in one evaluation (compiled, untraced), as ``cpf
    evaluate`` asks them: what ``cpf batch`` must give for each row, whichever path
    answers it (its scalar fallback asks a row's questions so too)."""
    result = evaluate(rules, facts, list(questions), as_of=AS_OF, trace=False)
    return {
        a.question: (a.error.code, a.error.message, str(a.error.span)) if a.error is not None else a.value
        for a in result.answers
    }


def batch_answers(rules: RuleSet, population: Sequence[Any], questions: Sequence[str]) -> tuple[list[Any], Any]:
    """The batch path's answers (kernel, scalar engine for the rows it hands over), per row."""
    from cpf_rules.batch.run import answer_chunk

    holders = [read_facts(rules, facts) for facts in population]
    parsed = [parse_question(text, rules) for text in questions]
    chunk = answer_chunk(rules, holders, parsed, AS_OF)
    rows = []
    for row in range(len(holders)):
        answers = {}
        for question in parsed:
            failed = chunk.errors[question.text].get(row)
            answers[question.text] = (
                (failed.code, failed.message, str(failed.span))
                if failed is not None
                else chunk.values[question.text][row]
            )
        rows.append(answers)
    return rows, chunk.tally


def assert_batch_agrees(rules: RuleSet, population: Sequence[Any], questions: Sequence[str]) -> None:
    pytest.importorskip("numpy")
    rows, _ = batch_answers(rules, population, questions)
    for facts, row in zip(population, rows, strict=True):
        assert row == scalar_in_order(rules, facts, questions), facts


def checked_ruleset(text: str) -> RuleSet | None:
    """The rule set of a generated file, or None when it does not check: a few draws
    make a cycle through r4 (r0 → r4 → r0 on the same year), rejected as CPF-E501."""
    _, rules = check_sources({FILE: PRELUDE + text})
    return rules


def answers(rules: RuleSet, facts: Any, questions: Sequence[str]) -> dict[str, Any]:
    """The interpreter's answers: a value, or the code of the evaluation error."""
    result = evaluate(rules, facts, list(questions), as_of=AS_OF, compiled=False)
    return {a.question: a.error.code if a.error is not None else a.value for a in result.answers}


def assert_all_paths_agree(
    rules: RuleSet, population: Sequence[Any], questions: Sequence[str], deep: bool = False
) -> list[dict[str, Any]]:
    """Every scalar path on each holder, and the batch path on the population; the
    interpreter's answers, per holder."""
    for facts in population:
        assert_scalar_paths_agree(rules, facts, questions, deep=deep)
    assert_batch_agrees(rules, population, questions)
    return [answers(rules, facts, questions) for facts in population]
