"""Text rendering of results and traces for a terminal (French labels).

An indented tree: each step on one line (period, value, label), then what it rests on:
the branch or exception taken, the parameter value and the date it took effect, the
fact read and its JSON path, the article cited with the version in force on that date,
and the flags (uncertain, interpretation). A step already shown is referred to, not
repeated. ANSI colour only when asked (the CLI asks when the terminal supports it).
"""

from __future__ import annotations

from ..diagnostics import render_text
from ..trace import Answer, CitedVersion, Result, TraceNode
from .values import format_value

_FR = {
    "default": "absente des faits, valeur par défaut",
    "absent": "absente des faits",
    "uncertain": "incertain",
    "interpretation": "interprétation",
    "what-if": "hypothèse (what-if)",
    "exception": "exception",
    "applies": "s'applique",
    "not_applies": "ne s'applique pas",
    "let": "soit",
    "selected": "élément(s) retenu(s) sur",
    "shown_above": "(détaillé plus haut)",
    "rule": "règle",
    "by_default": "par défaut",
    "parameter_since": "paramètre, valeur en vigueur depuis le",
    "fact": "donnée :",
    "if": "si",
    "yes": "oui",
    "no": "non",
    "cite": "cite",
    "not_yet": "pas encore en vigueur le {day}",
    "ended": "plus en vigueur le {day}",
    "gap": "aucune version en vigueur le {day} dans legal_refs/",
    "between": "en vigueur du {start} au {end}",
    "since": "en vigueur depuis le {start}",
    "version": "version",
    "error": "erreur",
    "warnings": "Avertissements :",
    "footer": "Règles {rules}… · moteur cpf-rules {engine} · faits {facts}… · citations datées au {as_of} pour les règles sans période",
}
_EN = {
    "default": "absent from the facts, default value",
    "absent": "absent from the facts",
    "uncertain": "uncertain",
    "interpretation": "interpretation",
    "what-if": "what-if",
    "exception": "exception",
    "applies": "applies",
    "not_applies": "does not apply",
    "let": "let",
    "selected": "item(s) selected out of",
    "shown_above": "(detailed above)",
    "rule": "rule",
    "by_default": "default",
    "parameter_since": "parameter, value in force since",
    "fact": "fact:",
    "if": "if",
    "yes": "yes",
    "no": "no",
    "cite": "cites",
    "not_yet": "not yet in force on {day}",
    "ended": "no longer in force on {day}",
    "gap": "no version in force on {day} in legal_refs/",
    "between": "in force from {start} to {end}",
    "since": "in force since {start}",
    "version": "version",
    "error": "error",
    "warnings": "Warnings:",
    "footer": "Rules {rules}… · engine cpf-rules {engine} · facts {facts}… · citations dated {as_of} for rules without a period",
}
_WORDS = {"fr": _FR, "en": _EN}


class _Style:
    def __init__(self, color: bool, lang: str = "fr") -> None:
        self.color = color
        self.lang = lang
        self.w = _WORDS[lang]

    def value(self, node: TraceNode) -> str:
        if isinstance(node.value, bool):
            return self.w["yes"] if node.value else self.w["no"]
        return format_value(node.value, node.type)

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def warn(self, text: str) -> str:
        return self._wrap("33", text)

    def err(self, text: str) -> str:
        return self._wrap("31", text)


def _date_fr(text: str | None) -> str:
    if not text:
        return "…"
    year, month, day = text.split("-")
    return f"{day}/{month}/{year}"


def _citation_line(citation: CitedVersion, w: dict[str, str]) -> str:
    source = f" ({citation.source})" if citation.source else ""
    head = f"{citation.short}{source}"
    if citation.version is None:
        day = _date_fr(citation.on.isoformat())
        reason = w.get(citation.status, w["gap"]) if citation.status in ("not_yet", "ended") else w["gap"]
        return f"{head} — {reason.format(day=day)}"
    version = citation.version
    start = _date_fr(version.in_force_from.isoformat())
    span = (
        w["between"].format(start=start, end=_date_fr(version.in_force_to.isoformat()))
        if version.in_force_to
        else w["since"].format(start=start)
    )
    return f"{head} — {w['version']} {span} ({version.amended_by})"


def _node_lines(node: TraceNode, depth: int, seen: set[int], style: _Style, out: list[str]) -> None:
    pad = "  " * depth
    w = style.w
    value = style.value(node)
    if node.kind == "exception":
        verdict = w["applies"] if node.applies else w["not_applies"]
        label = f" — {node.label}" if node.label else ""
        out.append(f"{pad}{style.dim(w['exception'])} {node.name} : {verdict}{label}")
    elif node.kind == "let":
        out.append(f"{pad}{style.dim(w['let'])} {node.name} = {style.bold(value)}")
    elif node.kind == "aggregate":
        selected, _, total = (node.detail or "0/0").partition("/")
        out.append(f"{pad}{style.dim(node.name)} = {style.bold(value)} ({selected} {w['selected']} {total})")
    else:
        label = f" — {node.label}" if node.label else ""
        out.append(f"{pad}{node.key} = {style.bold(value)}{label}")
    if id(node) in seen and node.kind == "rule":
        out.append(f"{pad}  {style.dim(w['shown_above'])}")
        return
    seen.add(id(node))
    inner = pad + "  "
    if node.kind == "rule":
        branch = w["by_default"] if node.branch == "default" else (node.branch or "")
        out.append(f"{inner}{style.dim(w['rule'] + ' ' + branch + ' · ' + str(node.span))}")
    elif node.kind == "parameter":
        since = _date_fr(node.detail)
        out.append(f"{inner}{style.dim(w['parameter_since'] + ' ' + since + ' · ' + str(node.span))}")
    elif node.kind == "input":
        detail = node.detail or ""
        origin = w[detail] if detail in ("default", "absent") else detail
        out.append(f"{inner}{style.dim(w['fact'] + ' ' + origin)}")
    for decision in node.decisions:
        answer = w["yes"] if decision.taken else w["no"]
        out.append(f"{inner}{style.dim(w['if'])} {decision.condition} → {answer}")
    for citation in node.citations:
        out.append(f"{inner}{style.dim(w['cite'])} {_citation_line(citation, w)}")
    for flag in node.flags:
        word = w.get(flag.kind, flag.kind)
        out.append(f"{inner}{style.warn('⚠ ' + word + ' :')} {flag.text}")
    for child in node.children:
        _node_lines(child, depth + 1, seen, style, out)


def render_trace(node: TraceNode, color: bool = False, lang: str = "fr") -> str:
    out: list[str] = []
    _node_lines(node, 0, set(), _Style(color, lang), out)
    return "\n".join(out)


def _answer_text(answer: Answer, result: Result, style: _Style) -> str:
    if answer.error is not None:
        return style.err(f"{answer.question} : {style.w['error']}") + "\n" + render_text(answer.error, result.sources)
    assert answer.trace is not None
    return render_trace(answer.trace, style.color, style.lang)


def render_result(result: Result, color: bool = False, with_trace: bool = True, lang: str = "fr") -> str:
    """The whole result: each answer (with its trace), then warnings and provenance.

    ``lang``: the words added by the renderer, French (default) or English; labels come
    from the rule files.
    """
    style = _Style(color, lang)
    blocks = []
    for answer in result.answers:
        if with_trace or answer.error is not None:
            blocks.append(_answer_text(answer, result, style))
        else:
            shown = format_value(answer.value, answer.type)
            if isinstance(answer.value, bool):
                shown = style.w["yes"] if answer.value else style.w["no"]
            blocks.append(f"{answer.question} = {style.bold(shown)}")
    if result.warnings:
        lines = [style.warn(style.w["warnings"])]
        for warning in result.warnings:
            where = f" ({warning.span})" if warning.span else ""
            lines.append(f"  {warning.code} {warning.message}{where}")
        blocks.append("\n".join(lines))
    footer = style.w["footer"].format(
        rules=result.fingerprint[:19],
        engine=result.engine_version,
        facts=result.facts_digest[:12],
        as_of=result.as_of.isoformat(),
    )
    blocks.append(style.dim(footer))
    return "\n\n".join(blocks) + "\n"
