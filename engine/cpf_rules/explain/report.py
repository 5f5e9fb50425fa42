"""``cpf explain``: a result with its summary, trace and counterfactuals, for auditors.

:func:`explain` evaluates the questions (public API), reads the arms of every ``if``
from the rule set (for the greyed "non applicable" arms of the HTML page) and searches
the counterfactuals; the three renderers write text (terminal), JSON (validated by the
published ``trace.schema.json``; byte-identical for identical inputs) and one
self-contained HTML page.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import evaluate, read_facts
from ..diagnostics import Span
from ..model import RuleSet
from ..render.html import citation_head, esc, render_html, summary_line, value_text
from ..render.json import result_to_json
from ..render.labels import words
from ..render.text import render_result
from ..render.values import machine_value
from ..trace import Result
from .branches import if_arms
from .counterfactual import MAX_EVALUATIONS, Counterfactual, SearchOutcome, search_counterfactuals


@dataclass(frozen=True)
class Explanation:
    """What ``cpf explain`` renders."""

    result: Result
    counterfactuals: tuple[Counterfactual, ...]
    arms: dict[Span, tuple[str, str]] = field(repr=False)
    command: str | None = None
    searches: tuple[tuple[str, SearchOutcome], ...] = ()
    """Per question: the search's evaluations and the facts it left unexplored."""


def explain(
    rules: RuleSet,
    facts: Any,
    questions: Sequence[str],
    as_of: datetime.date,
    with_counterfactuals: bool = True,
    max_evaluations: int = MAX_EVALUATIONS,
    command: str | None = None,
) -> Explanation:
    """Evaluate ``questions`` for ``facts`` (a path, mapping or Facts) and explain them."""
    typed = read_facts(rules, Path(facts) if isinstance(facts, str) else facts)
    result = evaluate(rules, typed, questions, as_of=as_of, compiled=True)
    found: list[Counterfactual] = []
    searches: list[tuple[str, SearchOutcome]] = []
    if with_counterfactuals:
        for answer in result.answers:
            outcome = search_counterfactuals(rules, typed, answer, as_of, max_evaluations)
            found += outcome.found
            searches.append((answer.question, outcome))
    return Explanation(result, tuple(found), if_arms(rules), command, tuple(searches))


def _unexplored_notes(explanation: Explanation, lang: str) -> list[str]:
    notes = []
    for question, outcome in explanation.searches:
        if outcome.unexplored:
            names = ", ".join(outcome.unexplored)
            if lang == "en":
                notes.append(
                    f"{question}: search stopped after {outcome.evaluations} evaluations (--max-evaluations); "
                    f"facts not fully explored: {names}"
                )
            else:
                notes.append(
                    f"{question} : recherche arrêtée après {outcome.evaluations} évaluations (--max-evaluations) ; "
                    f"données non explorées entièrement : {names}"
                )
    return notes


def _cf_sentence(cf: Counterfactual, lang: str) -> str:
    old, new = value_text(cf.old, cf.type, lang), value_text(cf.new, cf.type, lang)
    old_result = value_text(cf.old_result, cf.result_type, lang)
    new_result = value_text(cf.new_result, cf.result_type, lang)
    if lang == "en":
        return f"with {cf.fact} = {new} instead of {old}, {cf.question} would be {new_result} (not {old_result})"
    return f"avec {cf.fact} = {new} au lieu de {old}, {cf.question} serait de {new_result} (au lieu de {old_result})"


def _cf_articles(cf: Counterfactual) -> str:
    return " / ".join(c.short for c in cf.citations) or "—"


def counterfactuals_text(explanation: Explanation, lang: str) -> str:
    w = words(lang)
    lines = [w["counterfactuals"] + " :"]
    if not explanation.counterfactuals:
        lines.append("  " + w["no_counterfactual"])
    lines += [f"  ! {note}" for note in _unexplored_notes(explanation, lang)]
    for cf in explanation.counterfactuals:
        lines.append(f"  - {_cf_sentence(cf, lang)}")
        lines.append(f"    {cf.step} — {cf.change_in(lang)} — {_cf_articles(cf)}")
        if cf.path:
            lines.append(f"    {cf.path}")
    return "\n".join(lines)


def render_explain_text(explanation: Explanation, lang: str = "fr", color: bool = False) -> str:
    """Summary lines, the trace tree (with its warnings and provenance), counterfactuals."""
    summary = "\n".join(summary_line(a, lang) for a in explanation.result.answers)
    body = render_result(explanation.result, color=color, lang=lang)
    return f"{summary}\n\n{body}\n{counterfactuals_text(explanation, lang)}\n"


def counterfactual_to_json(cf: Counterfactual) -> dict[str, Any]:
    return {
        "question": cf.question,
        "fact": cf.fact,
        "label": cf.label,
        "path": cf.path,
        "from": machine_value(cf.old, cf.type),
        "to": machine_value(cf.new, cf.type),
        "result_from": machine_value(cf.old_result, cf.result_type),
        "result_to": machine_value(cf.new_result, cf.result_type),
        "step": cf.step,
        "change": cf.change,
        "citations": [c.to_json() for c in cf.citations],
    }


def explain_to_json(explanation: Explanation, lang: str = "fr") -> dict[str, Any]:
    """The result's JSON (see ``trace.schema.json``) with the summary and counterfactuals."""
    data = result_to_json(explanation.result, command=explanation.command)
    data["summary"] = [summary_line(a, lang) for a in explanation.result.answers]
    data["counterfactuals"] = [counterfactual_to_json(cf) for cf in explanation.counterfactuals]
    data["counterfactual_search"] = [
        {"question": question, "evaluations": outcome.evaluations, "unexplored": list(outcome.unexplored)}
        for question, outcome in explanation.searches
    ]
    return data


def counterfactuals_html(explanation: Explanation, lang: str) -> str:
    w = words(lang)
    if not explanation.counterfactuals:
        items = f"<p>{esc(w['no_counterfactual'])}</p>"
    else:
        rows = []
        for cf in explanation.counterfactuals:
            cites = "<br>".join(esc(citation_head(c, lang)) for c in cf.citations)
            rows.append(
                f"<li><b>{esc(_cf_sentence(cf, lang))}</b><br>"
                f'<span class="dim"><code>{esc(cf.step)}</code> — {esc(cf.change_in(lang))}</span><br>'
                f'<span class="cf-articles">{cites}</span></li>'
            )
        items = f"<ul>{''.join(rows)}</ul>"
    items += "".join(f'<p class="flag">{esc(note)}</p>' for note in _unexplored_notes(explanation, lang))
    return f'<section class="counterfactuals"><h2>{esc(w["counterfactuals"])}</h2>{items}</section>'


def render_explain_html(explanation: Explanation, lang: str = "fr") -> str:
    return render_html(
        explanation.result,
        lang=lang,
        arms=explanation.arms,
        command=explanation.command,
        extra_sections=[counterfactuals_html(explanation, lang)],
    )
