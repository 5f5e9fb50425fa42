"""``cpf diff``: the same facts under two rule sets, as an aligned report of what changes.

Both rule sets answer the same questions for the same facts. The two traces are
aligned step by step (a step is identified by its key — ``credit(2019)``,
``annual_amount(2019-01-01)`` — and an exception by its rule and name), in the order of
the new trace; the report lists the steps whose value changed (or that exist on one
side only), with both values, the difference, and the articles each side cites. It
also names the definitions that differ and that the evaluation reached: parameters
(dated values compared by date and written value) and rules (formula and exceptions
compared as source text). The text, JSON and HTML renderings are in
:mod:`cpf_rules.explain.diff_report` (re-exported here).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api import evaluate
from ..diagnostics import CpfError
from ..model import RuleSet
from ..trace import Result, TraceNode
from ..types import Type
from .branches import source_text
from .diff_report import diff_to_json, render_diff_html, render_diff_text, side_warnings, step_flags
from .sides import Side

__all__ = [
    "DefinitionChange",
    "DiffReport",
    "QuestionDiff",
    "StepChange",
    "align",
    "changed_definitions",
    "diff_rule_sets",
    "diff_to_json",
    "render_diff_html",
    "render_diff_text",
    "side_warnings",
    "step_flags",
]


@dataclass(frozen=True, slots=True)
class StepChange:
    """One aligned step whose value differs (``old``/``new`` None: absent on that side)."""

    step: str
    kind: str
    label: str | None
    depth: int
    old: TraceNode | None
    new: TraceNode | None

    @property
    def type(self) -> Type:
        node = self.new or self.old
        assert node is not None
        return node.type


@dataclass(frozen=True, slots=True)
class QuestionDiff:
    question: str
    old: Any
    new: Any
    type: Type | None
    error: str | None
    steps: tuple[StepChange, ...]


@dataclass(frozen=True, slots=True)
class DefinitionChange:
    kind: str  # parameter or rule
    name: str
    old: str | None  # the definition as written (None: absent on that side)
    new: str | None


@dataclass(frozen=True)
class DiffReport:
    old_name: str
    new_name: str
    old_result: Result
    new_result: Result
    questions: tuple[QuestionDiff, ...]
    definitions: tuple[DefinitionChange, ...]
    command: str | None


def _steps(trace: TraceNode) -> Iterator[tuple[str, TraceNode, int]]:
    """Each distinct step once, pre-order, with its identity and depth.

    An explicit stack, not nested generators: each step yielded through N enclosing
    generators would cost N resumptions, quadratic in the depth of the trace."""
    seen: set[int] = set()
    stack: list[tuple[TraceNode, int, str]] = [(trace, 0, "")]  # node, depth, enclosing rule's key
    while stack:
        node, depth, parent = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind in ("rule", "parameter", "input"):
            yield node.key, node, depth
        elif node.kind == "exception":
            yield f"{parent} · exception {node.name}", node, depth
        inner = node.key if node.kind == "rule" else parent
        stack.extend((child, depth + 1, inner) for child in reversed(node.children))


def _same(old: TraceNode, new: TraceNode) -> bool:
    return bool(old.value == new.value and old.applies == new.applies and old.detail == new.detail)


def align(old: TraceNode, new: TraceNode) -> tuple[StepChange, ...]:
    """The steps of the two traces whose value (or applicability, or date read) differs."""
    old_steps = {key: (node, depth) for key, node, depth in _steps(old)}
    changes: list[StepChange] = []
    met: set[str] = set()
    for key, node, depth in _steps(new):
        met.add(key)
        before = old_steps.get(key)
        if before is None or not _same(before[0], node):
            changes.append(StepChange(key, node.kind, node.label, depth, before[0] if before else None, node))
    for key, (node, depth) in old_steps.items():
        if key not in met:
            changes.append(StepChange(key, node.kind, node.label, depth, node, None))
    return tuple(changes)


def _parameter_text(rules: RuleSet, name: str) -> str | None:
    declaration = rules.parameters.get(name)
    if declaration is None:
        return None
    parts = []
    for dated in declaration.values:
        value = "none" if dated.value is None else source_text(rules.sources, dated.value.span)
        if dated.flags and any(flag.kind == "what-if" for flag in dated.flags):
            value = dated.flags[-1].text.split("` = ", 1)[-1].split(" from ", 1)[0] + " (what-if)"
        parts.append(f"from {dated.start.isoformat()} = {value}")
    return "; ".join(parts)


def _rule_text(rules: RuleSet, name: str) -> str | None:
    declaration = rules.rules.get(name)
    if declaration is None:
        return None
    return source_text(rules.sources, declaration.span)


def changed_definitions(old: Side, new: Side, reached: set[str]) -> tuple[DefinitionChange, ...]:
    """Parameters and rules written differently on the two sides, among those reached."""
    found = []
    parameters = sorted(set(old.rules.parameters) | set(new.rules.parameters))
    for name in parameters:
        if not any(item.startswith(f"value:{name}@") for item in reached):
            continue
        before, after = _parameter_text(old.rules, name), _parameter_text(new.rules, name)
        if before != after:
            found.append(DefinitionChange("parameter", name, before, after))
    for name in sorted(set(old.rules.rules) | set(new.rules.rules)):
        if f"rule:{name}" not in reached:
            continue
        before, after = _rule_text(old.rules, name), _rule_text(new.rules, name)
        if before != after:
            found.append(DefinitionChange("rule", name, before, after))
    return tuple(found)


def _evaluated(side: Side, which: str, facts: Path | str, questions: Sequence[str], as_of: datetime.date) -> Result:
    """One side's answers; facts or questions it refuses are named with the side (the two
    sides may read the facts with different schemas: a range only the new rules declare)."""
    try:
        return evaluate(side.rules, Path(facts), questions, as_of=as_of, compiled=True)
    except CpfError as error:
        named = [dataclasses.replace(d, message=f"{which} rules ({side.name}): {d.message}") for d in error.diagnostics]
        raise CpfError(named, error.sources) from None


def diff_rule_sets(
    old: Side, new: Side, facts: Path | str, questions: Sequence[str], as_of: datetime.date, command: str | None = None
) -> DiffReport:
    """Evaluate ``questions`` for ``facts`` under both sides and align the traces."""
    old_result = _evaluated(old, "old", facts, questions, as_of)
    new_result = _evaluated(new, "new", facts, questions, as_of)
    diffs = []
    for before, after in zip(old_result.answers, new_result.answers, strict=True):
        error = None
        steps: tuple[StepChange, ...] = ()
        if before.error is not None or after.error is not None:
            error = "; ".join(f"{a.error.code} {a.error.message}" for a in (before, after) if a.error is not None)
        elif before.trace is not None and after.trace is not None:
            steps = align(before.trace, after.trace)
        diffs.append(QuestionDiff(after.question, before.value, after.value, after.type or before.type, error, steps))
    reached = set(old_result.reached) | set(new_result.reached)
    return DiffReport(
        old.name, new.name, old_result, new_result, tuple(diffs), changed_definitions(old, new, reached), command
    )
