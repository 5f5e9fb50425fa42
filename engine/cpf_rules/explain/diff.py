"""``cpf diff``: the same facts under two rule sets, as an aligned report of what changes.

Both rule sets answer the same questions for the same facts. The two traces are
aligned step by step (a step is identified by its key — ``credit(2019)``,
``annual_amount(2019-01-01)`` — and an exception by its rule and name), in the order of
the new trace; the report lists the steps whose value changed (or that exist on one
side only), with both values, the difference, and the articles each side cites. It
also names the definitions that differ and that the evaluation reached: parameters
(dated values compared by date and written value) and rules (formula and exceptions
compared as source text). Text, JSON and HTML renderings.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..api import evaluate
from ..diagnostics import CpfError, Diagnostic
from ..model import RuleSet
from ..render.html import citation_head, esc, value_text
from ..render.html_page import page
from ..render.labels import words
from ..render.values import machine_value
from ..trace import CitedVersion, FlagNote, Result, TraceNode
from ..types import Type
from .branches import source_text
from .sides import Side


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


# ---- renderings ------------------------------------------------------------------------


def _delta(old: Any, new: Any, type_: Type | None, lang: str) -> str:
    if isinstance(old, Fraction) and isinstance(new, Fraction) and not isinstance(old, bool):
        difference = new - old
        if difference == 0:
            return ""
        sign = "+" if difference > 0 else ""
        return sign + value_text(difference, type_, lang)
    return ""


def _value(node: TraceNode | None, lang: str) -> str:
    if node is None:
        return "—"
    if node.kind == "exception":
        return words(lang)["applies"] if node.applies else words(lang)["not_applies"]
    text = value_text(node.value, node.type, lang)
    if node.kind == "parameter" and node.detail:
        text += f" ({node.detail})"
    return text


def _articles(node: TraceNode | None) -> list[CitedVersion]:
    """The articles a step's value rests on: its own citations, or, for a rule whose value
    an exception gave (the rule then cites nothing itself), that exception's."""
    if node is None:
        return []
    if node.citations or node.kind != "rule":
        return list(node.citations)
    return [c for child in node.children if child.kind == "exception" and child.applies for c in child.citations]


def _refs(node: TraceNode | None) -> str:
    return " / ".join(dict.fromkeys(c.short for c in _articles(node)))  # each once, in order


def _article_refs(change: StepChange) -> str:
    """The articles the step cites; ``old → new`` when the two sides cite different ones
    (a what-if value cites none: ``—``), so that no article seems to back a value it
    does not."""
    old, new = _refs(change.old), _refs(change.new)
    if old == new or change.old is None or change.new is None:
        return old or new
    return f"{old or '—'} → {new or '—'}"


def side_warnings(report: DiffReport) -> list[tuple[str, Diagnostic]]:
    """The warnings of the two evaluations (a what-if value, CPF-W604; an uncertain
    reading, CPF-W601…), each once, marked ``+`` when only the new side has it, ``-``
    when only the old side has it, `` `` when both have it."""
    old, new = report.old_result.warnings, report.new_result.warnings
    marked = [("+" if warning not in old else " ", warning) for warning in new]
    return marked + [("-", warning) for warning in old if warning not in new]


def step_flags(change: StepChange) -> list[tuple[str, FlagNote]]:
    """The flags of a changed step (a what-if value, an uncertain reading), marked as
    :func:`side_warnings` marks warnings."""
    old = change.old.flags if change.old is not None else ()
    new = change.new.flags if change.new is not None else ()
    return [("+" if flag not in old else " ", flag) for flag in new] + [("-", f) for f in old if f not in new]


def _warning_text(warning: Diagnostic) -> str:
    return f"{warning.code} {warning.message}" + (f" ({warning.span})" if warning.span else "")


def render_diff_text(report: DiffReport, lang: str = "fr") -> str:
    w = words(lang)
    lines = [
        w["diff_title"],
        f"  {w['old']} : {report.old_name} ({report.old_result.fingerprint[:19]}…)",
        f"  {w['new']} : {report.new_name} ({report.new_result.fingerprint[:19]}…)",
    ]
    for kind, title in (("parameter", w["changed_parameters"]), ("rule", w["changed_rules"])):
        changes = [d for d in report.definitions if d.kind == kind]
        if changes:
            lines += ["", title + " :"]
            for change in changes:
                lines.append(f"  {change.name}")
                lines.append(f"    - {change.old or '—'}")
                lines.append(f"    + {change.new or '—'}")
    for question in report.questions:
        lines.append("")
        if question.error is not None:
            lines.append(f"{question.question} : {w['error']} {question.error}")
            continue
        old, new = value_text(question.old, question.type, lang), value_text(question.new, question.type, lang)
        delta = _delta(question.old, question.new, question.type, lang)
        lines.append(f"{question.question} : {old} → {new}" + (f" ({w['delta']} {delta})" if delta else ""))
        if not question.steps:
            lines.append("  " + w["no_change"])
            continue
        lines.append(f"  {w['changed_steps']} :")
        width = min(60, max(len("  " * s.depth + s.step) for s in question.steps))
        left = max(len(_value(s.old, lang)) for s in question.steps)
        right = max(len(_value(s.new, lang)) for s in question.steps)
        for step in question.steps:
            name = ("  " * step.depth + step.step).ljust(width)
            before, after = _value(step.old, lang).rjust(left), _value(step.new, lang).ljust(right)
            delta = _delta(step.old.value if step.old else None, step.new.value if step.new else None, step.type, lang)
            tail = f"  [{delta}]" if delta else ""
            refs = _article_refs(step)
            lines.append(f"    {name}  {before} → {after}{tail}" + (f"  {refs}" if refs else ""))
            for mark, flag in step_flags(step):
                lines.append(
                    f"    {'  ' * step.depth}{mark} ⚠ {w.get(flag.kind, flag.kind)} : {flag.text} ({flag.span})"
                )
    warnings = side_warnings(report)
    if warnings:
        lines += ["", w["warnings"] + " :"]
        lines += [f"  {mark} {_warning_text(warning)}" for mark, warning in warnings]
    return "\n".join(lines) + "\n"


def _node_json(node: TraceNode | None) -> dict[str, Any] | None:
    if node is None:
        return None
    data: dict[str, Any] = {"value": machine_value(node.value, node.type)}
    if node.applies is not None:
        data["applies"] = node.applies
    if node.detail is not None:
        data["detail"] = node.detail
    data["citations"] = [c.to_json() for c in _articles(node)]  # an applied exception's for its rule
    data["flags"] = [{"kind": f.kind, "text": f.text, "location": f.span.to_json()} for f in node.flags]
    return data


def diff_to_json(report: DiffReport) -> dict[str, Any]:
    """The report as a JSON-ready dict (keys sorted by the caller's dumps)."""
    return {
        "old": {"rules": report.old_name, "rules_fingerprint": report.old_result.fingerprint},
        "new": {"rules": report.new_name, "rules_fingerprint": report.new_result.fingerprint},
        "definitions": [{"kind": d.kind, "name": d.name, "old": d.old, "new": d.new} for d in report.definitions],
        "questions": [
            {
                "question": q.question,
                "error": q.error,
                "old": machine_value(q.old, q.type) if q.error is None else None,
                "new": machine_value(q.new, q.type) if q.error is None else None,
                "steps": [
                    {
                        "step": s.step,
                        "kind": s.kind,
                        "label": s.label,
                        "depth": s.depth,
                        "old": _node_json(s.old),
                        "new": _node_json(s.new),
                    }
                    for s in q.steps
                ],
            }
            for q in report.questions
        ],
        "warnings": {
            "old": [d.to_json() for d in report.old_result.warnings],
            "new": [d.to_json() for d in report.new_result.warnings],
        },
        "provenance": {
            "engine_version": report.new_result.engine_version,
            "facts_sha256": report.new_result.facts_digest,
            "as_of": report.new_result.as_of.isoformat(),
            "replay": report.command,
        },
    }


def render_diff_html(report: DiffReport, lang: str = "fr") -> str:
    w = words(lang)
    parts = [
        "<section class='summary'><ul>"
        f"<li><span class='dim'>{esc(w['old'])} :</span> <code>{esc(report.old_name)}</code></li>"
        f"<li><span class='dim'>{esc(w['new'])} :</span> <code>{esc(report.new_name)}</code></li></ul></section>"
    ]
    for kind, title in (("parameter", w["changed_parameters"]), ("rule", w["changed_rules"])):
        changes = [d for d in report.definitions if d.kind == kind]
        if changes:
            table = "".join(
                f"<tr><th><code>{esc(d.name)}</code></th><td><code>{esc(d.old or '—')}</code></td>"
                f"<td><code>{esc(d.new or '—')}</code></td></tr>"
                for d in changes
            )
            parts.append(
                f"<section><h2>{esc(title)}</h2><table><tr><th></th><th>{esc(w['old'])}</th>"
                f"<th>{esc(w['new'])}</th></tr>{table}</table></section>"
            )
    for question in report.questions:
        head = esc(question.question)
        if question.error is not None:
            parts.append(f"<section><h2>{head}</h2><p>{esc(w['error'])} {esc(question.error)}</p></section>")
            continue
        old, new = value_text(question.old, question.type, lang), value_text(question.new, question.type, lang)
        delta = _delta(question.old, question.new, question.type, lang)
        summary = f"{old} → {new}" + (f" ({w['delta']} {delta})" if delta else "")
        if not question.steps:
            parts.append(f"<section><h2>{head}</h2><p>{esc(summary)}</p><p>{esc(w['no_change'])}</p></section>")
            continue
        rows = []
        for step in question.steps:
            shown = step.new if step.new is not None else step.old  # the new side's articles: a what-if cites none
            cites = "<br>".join(esc(citation_head(c, lang)) for c in _articles(shown)) or "—"
            step_delta = _delta(
                step.old.value if step.old else None, step.new.value if step.new else None, step.type, lang
            )
            indent = "&#160;&#160;" * step.depth
            flags = "".join(
                f"<div class='flag'>{esc(mark)} ⚠ {esc(w.get(flag.kind, flag.kind))} : {esc(flag.text)} "
                f"<span class='dim'>({esc(str(flag.span))})</span></div>"
                for mark, flag in step_flags(step)
            )
            rows.append(
                f"<tr class='changed'><td>{indent}<code>{esc(step.step)}</code><br>"
                f"<span class='dim'>{esc(step.label or '')}</span>{flags}</td>"
                f"<td class='num'>{esc(_value(step.old, lang))}</td><td class='num'>{esc(_value(step.new, lang))}</td>"
                f"<td class='num'>{esc(step_delta)}</td><td>{cites}</td></tr>"
            )
        parts.append(
            f"<section><h2>{head} : {esc(summary)}</h2><table><tr><th>{esc(w['step'])}</th>"
            f"<th>{esc(w['old'])}</th><th>{esc(w['new'])}</th><th>{esc(w['delta'])}</th>"
            f"<th>{esc(w['articles'])}</th></tr>{''.join(rows)}</table></section>"
        )
    warnings = side_warnings(report)
    if warnings:
        items = "".join(f"<li>{esc(mark)} {esc(_warning_text(warning))}</li>" for mark, warning in warnings)
        parts.append(f"<section class='warnings'><h2>{esc(w['warnings'])}</h2><ul>{items}</ul></section>")
    if report.command:
        parts.append(
            f"<section class='provenance'><h2>{esc(w['replay'])}</h2><code>{esc(report.command)}</code></section>"
        )
    return page(w["diff_title"], "\n".join(parts), lang, report.new_result.engine_version)
