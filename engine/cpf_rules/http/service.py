"""What the evaluation endpoints do, free of HTTP: facts + questions → result or problem.

A surface helper between the routes and the public API (:func:`cpf_rules.api.evaluate`).
The questions of a request are checked once (CPF-Q…, located at ``$.questions[i]``);
the facts of every holder are validated before anything is evaluated (CPF-F…, located
under ``$.facts`` or ``$.holders[i].facts``: a request whose facts break the schema is
rejected whole); each evaluation runs within the step budget, and a question that cannot
be answered (CPF-R…) makes that holder's outcome an ``evaluation-error`` problem that
still carries every answer.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from ..api import evaluate
from ..diagnostics import CpfError, Diagnostic
from ..facts import Facts
from ..model import RuleSet
from ..questions import parse_question
from ..render.json import result_to_json
from ..trace import Result
from .bodies import EvaluationBody
from .problems import EVALUATION_ERROR, INVALID_FACTS, INVALID_QUESTION, ProblemError, relocate, summary


def check_questions(rules: RuleSet, questions: tuple[str, ...]) -> None:
    """Every question must name a rule or parameter with the right period (CPF-Q001)."""
    problems: list[Diagnostic] = []
    for index, text in enumerate(questions):
        try:
            parse_question(text, rules)
        except CpfError as error:
            problems.extend(dataclasses.replace(d, path=f"$.questions[{index}]") for d in error.diagnostics)
    if problems:
        raise ProblemError(INVALID_QUESTION, summary(problems, "the questions"), problems)


def read_holders(rules: RuleSet, body: EvaluationBody) -> list[Facts]:
    """Every holder's facts, validated; one 422 problem lists the CPF-F… of all holders."""
    documents: list[Facts] = []
    problems: list[Diagnostic] = []
    for holder in body.holders:
        try:
            documents.append(rules.facts_reader.read_document(holder.facts))  # a non-object is CPF-F101
        except CpfError as error:
            problems.extend(relocate(error.diagnostics, holder.path))
    if problems:
        raise ProblemError(INVALID_FACTS, summary(problems, "the facts"), problems)
    return documents


def run(rules: RuleSet, body: EvaluationBody, facts: Facts, trace: bool) -> Result:
    """Answer the questions for one holder within the request's step budget."""
    day = body.as_of or datetime.date.today()
    return evaluate(rules, facts, body.questions, as_of=day, trace=trace, max_steps=body.max_steps, compiled=True)


def _located_answers(result: Result, with_trace: bool) -> tuple[dict[str, Any], list[Diagnostic]]:
    data = result_to_json(result, with_trace=with_trace)
    failures = [
        dataclasses.replace(answer.error, path=f"$.questions[{index}]")
        for index, answer in enumerate(result.answers)
        if answer.error is not None
    ]
    return data, failures


def outcome(rules: RuleSet, body: EvaluationBody, facts: Facts, with_trace: bool) -> dict[str, Any]:
    """The JSON result of one holder, or an ``evaluation-error`` ProblemError (CPF-R…)."""
    result = run(rules, body, facts, with_trace)
    data, failures = _located_answers(result, with_trace)
    if failures:
        raise ProblemError(
            EVALUATION_ERROR,
            summary(failures, "the evaluation"),
            failures,
            extra={"answers": data["answers"], "provenance": data["provenance"]},
        )
    return data
