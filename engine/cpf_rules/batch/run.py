"""Answer questions for many holders: the vectorised kernel, with the scalar engine as a safety net.

:func:`answer_chunk` takes one chunk of validated holders, builds its columns, runs the
kernel per question and sends to the compiled scalar engine (:mod:`cpf_rules.compiled`)
every row the kernel flagged, and every question it could not vectorise. The result
holds exactly the values the scalar engine gives (a property test checks it), the
errors of the rows that failed, and a :class:`Tally` of what ran where.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..diagnostics import Diagnostic
from ..evaluate import Evaluation
from ..evaluation_errors import EvaluationError
from ..facts import Facts
from ..model import RuleSet
from ..questions import Question
from .kernel import BatchEvaluation, Unvectorisable
from .population import Population, kind_of
from .vectors import Num, Vec, is_array


@dataclass
class Tally:
    """What ran where: rows answered by the kernel, rows and questions sent to the scalar engine."""

    holders: int = 0
    vectorised: int = 0
    scalar: int = 0
    errors: int = 0
    unvectorised: dict[str, str] = field(default_factory=dict)
    row_path: int = 0
    """Input rows read one by one as documents (not in the summary: the output is the same either way)."""

    def add(self, other: Tally) -> None:
        self.holders += other.holders
        self.vectorised += other.vectorised
        self.scalar += other.scalar
        self.errors += other.errors
        self.row_path += other.row_path
        self.unvectorised.update(other.unvectorised)

    def to_json(self) -> dict[str, Any]:
        return {
            "holders": self.holders,
            "answers_vectorised": self.vectorised,
            "answers_scalar": self.scalar,
            "answers_failed": self.errors,
            "questions_not_vectorised": dict(sorted(self.unvectorised.items())),
        }


@dataclass
class ChunkAnswers:
    """For each question, one value per holder (None where ``errors`` has the diagnostic)."""

    values: dict[str, list[Any]]
    errors: dict[str, dict[int, Diagnostic]]
    tally: Tally
    kernel: dict[str, tuple[Any, str, Any]] = field(default_factory=dict)
    """Asked with ``kernel_values=False``: for each question the kernel answered, its
    answer column, the answer's kind and the rows it answered (their ``values`` left None)."""


def column_value(data: Any, row: int, kind: str) -> Any:
    """Row ``row`` of an answer column, as the scalar engine would return it."""
    if isinstance(data, Num):
        num = data.num[row] if is_array(data.num) else data.num
        den = data.den[row] if is_array(data.den) else data.den
        return Fraction(int(num), int(den))
    value = data[row] if is_array(data) else data
    if isinstance(value, np.generic):
        value = value.item()
    if kind == "date" and isinstance(value, int):
        return datetime.date.fromordinal(value)
    if kind == "boolean":
        return bool(value)
    return value


def answer_chunk(
    model: RuleSet,
    holders: Sequence[Facts],
    questions: Sequence[Question],
    as_of: datetime.date,
    population: Population | None = None,
    kernel_values: bool = True,
) -> ChunkAnswers:
    """Answer ``questions`` for ``holders``: kernel first, scalar engine for what it flags.

    ``kernel_values=False``: the rows the kernel answered keep their answer as a column
    (:attr:`ChunkAnswers.kernel`), for a caller that formats a column at once."""
    from ..compiled import compile_rules

    compiled = compile_rules(model)
    tally = Tally(holders=len(holders))
    population = population if population is not None else Population.from_facts(model, holders)
    kernel = BatchEvaluation(model, population, as_of)

    # A row the scalar engine answers is evaluated as `cpf evaluate` evaluates it: one
    # evaluation asked the questions in order, so that a question reuses what the earlier
    # ones computed (the depth reached and the steps taken depend on it, as in
    # cpf evaluate; the kernel keeps its results across the questions too).
    scalar_runs: dict[int, tuple[Evaluation, int]] = {}

    def ask_scalar(row: int, index: int) -> Any:
        evaluation, asked = scalar_runs.get(row) or (compiled.evaluation(holders[row], as_of, with_trace=False), 0)
        try:
            for earlier in questions[asked:index]:
                try:
                    evaluation.question(earlier.name, earlier.period)
                except EvaluationError:
                    pass  # that question's answer came from the kernel; cpf evaluate goes on too
            question = questions[index]
            return evaluation.question(question.name, question.period)[0]
        finally:
            scalar_runs[row] = (evaluation, index + 1)

    values: dict[str, list[Any]] = {}
    errors: dict[str, dict[int, Diagnostic]] = {}
    columns: dict[str, tuple[Any, str, Any]] = {}
    for index, question in enumerate(questions):
        kind = _answer_kind(model, question)
        rows: list[Any] = [None] * len(holders)
        failed: dict[int, Diagnostic] = {}
        redo: Sequence[int]
        try:
            answer: Vec | None = kernel.question(question.name, question.period)
        except Unvectorisable as reason:
            tally.unvectorised[question.text] = reason.reason
            answer = None
        if answer is None:
            redo = range(len(holders))
        else:
            fallback = answer.fallback
            if is_array(fallback):
                redo = np.flatnonzero(fallback).tolist()
            else:
                redo = range(len(holders)) if fallback else []
            skip = set(redo) if len(redo) < len(holders) else None
            if skip is None and redo:
                pass
            elif not kernel_values:
                answered = np.ones(len(holders), dtype=bool)
                answered[list(redo)] = False
                columns[question.text] = (answer.data, kind, answered)
                tally.vectorised += len(holders) - len(redo)
            else:
                for row in range(len(holders)):
                    if skip is None or row not in skip:
                        rows[row] = column_value(answer.data, row, kind)
                tally.vectorised += len(holders) - len(redo)
        for row in redo:
            try:
                rows[row] = ask_scalar(row, index)
                tally.scalar += 1
            except EvaluationError as error:
                failed[row] = error.diagnostic
                tally.errors += 1
        values[question.text] = rows
        errors[question.text] = failed
    return ChunkAnswers(values, errors, tally, columns)


def _answer_kind(model: RuleSet, question: Question) -> str:
    symbols = model.symbols
    declared = symbols.rules[question.name].type if question.name in symbols.rules else None
    if declared is None:
        declared = symbols.parameters[question.name].type
    return kind_of(symbols.type_of(declared))
