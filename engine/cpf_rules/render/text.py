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

_INPUT_ORIGIN = {
    "default": "absente des faits, valeur par défaut",
    "absent": "absente des faits",
}


_FLAG_WORDS = {"uncertain": "incertain", "interpretation": "interprétation", "what-if": "hypothèse (what-if)"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

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


def _citation_line(citation: CitedVersion) -> str:
    number = citation.ref.split(":", 1)[1]
    locator = f" {citation.locator}" if citation.locator else ""
    source = f" ({citation.source})" if citation.source else ""
    head = f"{number}{locator}{source}"
    if citation.version is None:
        day = _date_fr(citation.on.isoformat())
        reason = {
            "not_yet": f"pas encore en vigueur le {day}",
            "ended": f"plus en vigueur le {day}",
        }.get(citation.status, f"aucune version en vigueur le {day} dans legal_refs/")
        return f"{head} — {reason}"
    version = citation.version
    start = _date_fr(version.in_force_from.isoformat())
    span = (
        f"en vigueur du {start} au {_date_fr(version.in_force_to.isoformat())}"
        if version.in_force_to
        else (f"en vigueur depuis le {start}")
    )
    return f"{head} — version {span} ({version.amended_by})"


def _node_lines(node: TraceNode, depth: int, seen: set[int], style: _Style, out: list[str]) -> None:
    pad = "  " * depth
    value = format_value(node.value, node.type)
    if node.kind == "exception":
        verdict = "s'applique" if node.applies else "ne s'applique pas"
        label = f" — {node.label}" if node.label else ""
        out.append(f"{pad}{style.dim('exception')} {node.name} : {verdict}{label}")
    elif node.kind == "let":
        out.append(f"{pad}{style.dim('soit')} {node.name} = {style.bold(value)}")
    elif node.kind == "aggregate":
        selected, _, total = (node.detail or "0/0").partition("/")
        out.append(f"{pad}{style.dim(node.name)} = {style.bold(value)} ({selected} élément(s) retenu(s) sur {total})")
    else:
        label = f" — {node.label}" if node.label else ""
        out.append(f"{pad}{node.key} = {style.bold(value)}{label}")
    if id(node) in seen and node.kind == "rule":
        out.append(f"{pad}  {style.dim('(détaillé plus haut)')}")
        return
    seen.add(id(node))
    inner = pad + "  "
    if node.kind == "rule":
        branch = "par défaut" if node.branch == "default" else (node.branch or "")
        out.append(f"{inner}{style.dim('règle ' + branch + ' · ' + str(node.span))}")
    elif node.kind == "parameter":
        since = _date_fr(node.detail)
        out.append(f"{inner}{style.dim('paramètre, valeur en vigueur depuis le ' + since + ' · ' + str(node.span))}")
    elif node.kind == "input":
        origin = _INPUT_ORIGIN.get(node.detail or "", node.detail or "")
        out.append(f"{inner}{style.dim('donnée : ' + origin)}")
    for decision in node.decisions:
        answer = "oui" if decision.taken else "non"
        out.append(f"{inner}{style.dim('si')} {decision.condition} → {answer}")
    for citation in node.citations:
        out.append(f"{inner}{style.dim('cite')} {_citation_line(citation)}")
    for flag in node.flags:
        word = _FLAG_WORDS.get(flag.kind, flag.kind)
        out.append(f"{inner}{style.warn('⚠ ' + word + ' :')} {flag.text}")
    for child in node.children:
        _node_lines(child, depth + 1, seen, style, out)


def render_trace(node: TraceNode, color: bool = False) -> str:
    out: list[str] = []
    _node_lines(node, 0, set(), _Style(color), out)
    return "\n".join(out)


def _answer_text(answer: Answer, result: Result, style: _Style) -> str:
    if answer.error is not None:
        return style.err(f"{answer.question} : erreur") + "\n" + render_text(answer.error, result.sources)
    assert answer.trace is not None
    return render_trace(answer.trace, style.color)


def render_result(result: Result, color: bool = False, with_trace: bool = True) -> str:
    """The whole result: each answer (with its trace), then warnings and provenance."""
    style = _Style(color)
    blocks = []
    for answer in result.answers:
        if with_trace or answer.error is not None:
            blocks.append(_answer_text(answer, result, style))
        else:
            blocks.append(f"{answer.question} = {style.bold(format_value(answer.value, answer.type))}")
    if result.warnings:
        lines = [style.warn("Avertissements :")]
        for warning in result.warnings:
            where = f" ({warning.span})" if warning.span else ""
            lines.append(f"  {warning.code} {warning.message}{where}")
        blocks.append("\n".join(lines))
    blocks.append(
        style.dim(
            f"Règles {result.fingerprint[:19]}… · moteur cpf-rules {result.engine_version} · "
            f"faits {result.facts_digest[:12]}… · citations datées au {result.as_of.isoformat()} pour les règles sans période"
        )
    )
    return "\n\n".join(blocks) + "\n"
