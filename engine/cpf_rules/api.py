"""The public Python API: load the rules once, evaluate many facts documents.

>>> rules = load_rules()
>>> facts = {"years": [{"year": 2019, "worked_hours": 700}]}
>>> result = evaluate(rules, facts, ["credit(2019)"])
>>> result.value("credit(2019)")  # R6323-1 II: 500 × 700 / 1607 rounded up to the cent
Decimal('217.80')
>>> result.answers[0].trace.branch
'default'
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .diagnostics import CpfError, Diagnostic, Severity
from .evaluate import Evaluation
from .evaluation_errors import EvaluationError
from .facts import Facts
from .loader import check_rules, load_rules
from .model import RuleSet
from .questions import parse_question
from .trace import Answer, Result, TraceNode
from .version import __version__

__all__ = ["check_rules", "evaluate", "load_rules", "read_facts"]

# Warning codes of the flags met during an evaluation.
_FLAG_CODES = {"uncertain": "CPF-W601", "interpretation": "CPF-W602", "what-if": "CPF-W604"}


def read_facts(rules: RuleSet, facts: Facts | Mapping[str, Any] | str | Path) -> Facts:
    """Validate facts given as a path (JSON/YAML), a parsed mapping or :class:`Facts`."""
    if isinstance(facts, Facts):
        return facts
    reader = rules.facts_reader
    if isinstance(facts, (str, Path)):
        return reader.read_file(Path(facts))  # type: ignore[no-any-return]
    # Anything else (a list, None, a number from a JSON body) gets CPF-F101, not a TypeError.
    document = dict(facts) if isinstance(facts, Mapping) else facts
    return reader.read_document(document)  # type: ignore[no-any-return]


def _step_alone(node: TraceNode) -> TraceNode:
    """The question's own step without what it read: the trace of an answer evaluated
    with ``trace=False`` (the compiled evaluator builds nothing more)."""
    return TraceNode(
        node.kind,
        node.name,
        node.label,
        node.period,
        node.value,
        node.type,
        node.span,
        branch=node.branch,
        applies=node.applies,
        detail=node.detail,
    )


def _check_arguments(questions: Any, as_of: Any, max_steps: Any) -> None:
    """TypeError for arguments :func:`evaluate` cannot use, each named with what it takes."""
    if isinstance(questions, str) or not isinstance(questions, Iterable):
        raise TypeError(f"questions must be a list of texts such as ['balance(2024)'], not {questions!r}")
    if as_of is not None and (type(as_of) is not datetime.date):  # a datetime is a date too, with a time
        raise TypeError(f"as_of must be a datetime.date (e.g. datetime.date(2024, 1, 1)), not {as_of!r}")
    if max_steps is not None and (type(max_steps) is not int):
        raise TypeError(f"max_steps must be a whole number of steps (an int), not {max_steps!r}")


def evaluate(
    rules: RuleSet,
    facts: Facts | Mapping[str, Any] | str | Path,
    questions: Iterable[str],
    as_of: datetime.date | None = None,
    trace: bool = True,
    max_steps: int | None = None,
    compiled: bool = True,
) -> Result:
    """Answer ``questions`` for one holder.

    Facts and questions are checked first (a :class:`CpfError` lists every problem). An
    evaluation error in one question (a parameter with no value on a date, two
    exceptions that both apply...) is reported in that question's :class:`Answer` and
    does not stop the others. ``as_of`` dates citations of rules that have no period
    (default: today). The compiled evaluator (:mod:`cpf_rules.compiled`) answers;
    ``compiled=False`` walks the tree with the interpreter (:mod:`cpf_rules.evaluate`):
    the same values, traces, warnings and errors (tests/test_compiled.py), three times
    slower. ``trace=False`` keeps the values, warnings and coverage (``reached``) but
    not the trace: each answer's trace is then the question's own step alone (its
    value, type, rule and branch), without the steps it read. ``max_steps`` bounds the
    steps of all the questions together (an answer past it fails with CPF-R007); each
    question is also bounded by ``MAX_STEPS``.

    Arguments of the wrong type raise a :class:`TypeError` that names the argument
    (before any work: every evaluator would otherwise fail differently).
    """
    _check_arguments(questions, as_of, max_steps)
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be at least 1 (got {max_steps})")
    refused: CpfError | None = None
    try:
        typed_facts = read_facts(rules, facts)
    except CpfError as error:  # the questions are checked too: every problem in one error
        refused = error
    parsed = []
    problems: list[Diagnostic] = []
    for text in questions:
        if not isinstance(text, str):
            raise TypeError(f"each question must be a text such as 'balance(2024)', not {text!r}")
        try:
            parsed.append(parse_question(text, rules))
        except CpfError as error:
            problems.extend(error.diagnostics)
    if refused is not None:
        raise CpfError([*refused.diagnostics, *problems], refused.sources)
    if problems:
        raise CpfError(problems)
    if not parsed:
        raise CpfError([Diagnostic("CPF-Q002", Severity.ERROR, "no question asked", hint="ask e.g. balance(2024)")])
    day = as_of or datetime.date.today()
    evaluation: Evaluation
    if compiled:  # same values, traces and errors, from closures compiled once (compiled.py)
        from .compiled import compile_rules

        evaluation = compile_rules(rules).evaluation(typed_facts, day, trace, step_budget=max_steps)
    else:
        evaluation = Evaluation(rules, typed_facts, day, with_trace=trace, step_budget=max_steps)
    answers = []
    for question in parsed:
        try:
            value, node = evaluation.question(question.name, question.period)
            answers.append(Answer(question.text, value, node.type, node if trace else _step_alone(node)))
        except EvaluationError as error:
            answers.append(Answer(question.text, None, None, None, error.diagnostic))
    warnings = [
        Diagnostic(_FLAG_CODES[note.kind], Severity.WARNING, f"{note.kind}: {note.text}", note.span)
        for note in evaluation.flags.values()
    ]
    warnings += [
        Diagnostic(
            "CPF-W603",
            Severity.WARNING,
            f"legal_refs/ has no version of {ref} in force on {on}",
            span,
            hint="add the version to legal_refs/ so that the trace can cite its wording",
        )
        for (ref, on), span in evaluation.version_gaps.items()
    ]
    warnings.sort(key=lambda d: (d.code, str(d.span), d.message))
    return Result(
        answers=tuple(answers),
        warnings=tuple(warnings),
        fingerprint=rules.fingerprint,
        engine_version=__version__,
        facts_digest=typed_facts.digest,
        as_of=day,
        sources=rules.sources,
        reached=frozenset(evaluation.reached),
    )
