"""``cpf diff``, the report's renderings: aligned text, JSON and a self-contained HTML page.

:func:`cpf_rules.explain.diff.diff_rule_sets` builds a
:class:`~cpf_rules.explain.diff.DiffReport` (the definitions that differ, and for each
question the steps whose value changed); this module shows it: the text printed by
``cpf diff``, its JSON (``--format json``) and its HTML page (``--format html``). Each
changed step is shown with both values, the difference of numbers, the articles each
side cites and the flags only one side carries; the two evaluations' warnings are
marked ``+``/``-`` by the side that has them. Re-exported by :mod:`cpf_rules.explain.diff`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from ..render.html import citation_head, esc, value_text
from ..render.html_page import page
from ..render.labels import words
from ..render.values import machine_value
from ..trace import CitedVersion, FlagNote, TraceNode
from ..types import Type

if TYPE_CHECKING:
    from .diff import DiffReport, StepChange


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
