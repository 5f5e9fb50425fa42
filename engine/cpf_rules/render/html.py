"""HTML rendering of results: one self-contained page an auditor can open, print or file.

No network, no CDN: the stylesheet and the few lines of script are inline, and the only
links go to the texts that were read (Légifrance or a mirror, with their confidence
grade). The page starts with the summary (one line per question, French number and date
formats), then the provenance, the warnings, any extra section (counterfactuals, ...),
then the trace as a tree of ``<details>``: each step shows its label, value, branch, the
facts and parameters it read, the ``if`` conditions met with the arm not taken greyed as
"non applicable", the exceptions that did not apply (greyed), and each article cited
with the wording (or summary) of the version in force and a link to the text that was
read. A memoised step met again is rendered once; later occurrences link to it (a click
opens its ancestors).

Every string that comes from facts, rule files or legal references is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ..diagnostics import Span
from ..trace import Answer, CitedVersion, Result, TraceNode
from .html_page import page
from .labels import day, words
from .values import format_value

Arms = Mapping[Span, tuple[str, str]]
"""For each ``if`` (by its span): the source text of its ``then`` and ``else`` arms."""


def esc(text: object) -> str:
    """Escape any text for an HTML element or a quoted attribute."""
    return html.escape(str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """Only http(s) addresses become links (never ``javascript:`` or ``data:``)."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def value_text(value: Any, type_: Any, lang: str) -> str:
    """A value in French formats (``2 940,00 €``, ``31/12/2024``); booleans in ``lang``."""
    if isinstance(value, bool):
        return words(lang)["yes"] if value else words(lang)["no"]
    return format_value(value, type_)


def period_phrase(answer: Answer, lang: str) -> str:
    """``au 31/12/2024`` for a year question, ``au 01/01/2019`` for a date question."""
    trace = answer.trace
    period = trace.period if trace is not None else None
    w = words(lang)
    if period is None:
        return ""
    if period.isdigit():
        return w["as_of_year"].format(year=period)
    return w["as_of_date"].format(date=day(period))


def summary_line(answer: Answer, lang: str) -> str:
    """Plain text: ``Droits inscrits au compte … au 31/12/2024 : 4 440,00 €``."""
    if answer.error is not None or answer.trace is None:
        return f"{answer.question} : {words(lang)['error']} {answer.error.code if answer.error else ''}".rstrip()
    label = answer.trace.label or answer.question
    phrase = period_phrase(answer, lang)
    where = f" {phrase}" if phrase else ""
    return f"{label}{where} : {value_text(answer.value, answer.type, lang)}"


def citation_head(citation: CitedVersion, lang: str) -> str:
    """``L6323-11 al. 1 (Code du travail) — version en vigueur depuis le 01/01/2019 (Loi …)``."""
    w = words(lang)
    source = f" ({citation.source})" if citation.source else ""
    head = f"{citation.short}{source}"
    version = citation.version
    if version is None:
        reason = w.get(citation.status, w["gap"]).format(date=day(citation.on))
        return f"{head} — {reason}"
    if version.in_force_to is not None:
        span = w["in_force_between"].format(start=day(version.in_force_from), end=day(version.in_force_to))
    else:
        span = w["in_force_since"].format(start=day(version.in_force_from))
    return f"{head} — {span} ({version.amended_by})"


class _TreeWriter:
    """Writes the trace tree; numbers each distinct node once (ids ``s1``, ``s2``...)."""

    def __init__(self, lang: str, arms: Arms, prefix: str = "s") -> None:
        self.prefix = prefix
        self.lang = lang
        self.w = words(lang)
        self.arms = arms
        self.ids: dict[int, str] = {}
        """The anchor of each rule step written (a rule met again links to it)."""
        self.written = 0
        """Steps written: each gets its own anchor, a step shared by several places of the
        trace (a parameter read twice on one date: one node in the compiled evaluator)
        included, so that no two elements have the same id."""
        self.out: list[str] = []

    def node(self, node: TraceNode) -> None:
        w = self.w
        shown = self.ids.get(id(node))
        if shown is not None and node.kind == "rule":
            self.out.append(
                f'<div class="step ref">{self._head(node)} · '
                f'<a class="ref-link" href="#{shown}">{esc(w["shown_above"])}</a></div>'
            )
            return
        self.written += 1
        anchor = f"{self.prefix}{self.written}"
        self.ids.setdefault(id(node), anchor)
        classes = f"step kind-{esc(node.kind)}"
        if node.kind == "exception" and not node.applies:
            classes += " na"
        opened = " open" if self.written == 1 else ""  # the question's own step starts open
        self.out.append(f'<details class="{classes}" id="{anchor}"{opened}><summary>{self._head(node)}</summary>')
        self.out.append('<div class="body">')
        self._facts_of(node)
        self._decisions(node)
        self._citations(node)
        self._flags(node)
        if node.children:
            self.out.append('<div class="children">')
            for child in node.children:
                self.node(child)
            self.out.append("</div>")
        self.out.append("</div></details>")

    def _head(self, node: TraceNode) -> str:
        w = self.w
        value = esc(value_text(node.value, node.type, self.lang))
        label = f' <span class="label">— {esc(node.label)}</span>' if node.label else ""
        if node.kind == "exception":
            verdict = w["applies"] if node.applies else w["not_applicable"]
            tag = "applies" if node.applies else "na-tag"
            return (
                f'<span class="kw">{esc(w["exception"])}</span> <span class="key">{esc(node.name)}</span> '
                f'<span class="{tag}">{esc(verdict)}</span>{label}'
            )
        if node.kind == "let":
            return f'<span class="kw">{esc(w["let"])}</span> <span class="key">{esc(node.name)}</span> = <b class="value">{value}</b>'
        if node.kind == "aggregate":
            selected, _, total = (node.detail or "0/0").partition("/")
            count = w["aggregate"].format(selected=selected, total=total)
            return f'<span class="key">{esc(node.name)}</span> = <b class="value">{value}</b> <span class="dim">({esc(count)})</span>'
        return f'<span class="key">{esc(node.key)}</span> = <b class="value">{value}</b>{label}'

    def _facts_of(self, node: TraceNode) -> None:
        w = self.w
        lines: list[str] = []
        if node.kind == "rule":
            branch = (
                w["rule_default"]
                if node.branch == "default"
                else w["rule_exception"].format(name=(node.branch or "").removeprefix("exception "))
            )
            lines.append(f'<span class="branch">{esc(branch)}</span>')
        elif node.kind == "parameter":
            lines.append(f'<span class="since">{esc(w["parameter_since"].format(date=day(node.detail)))}</span>')
        elif node.kind == "input":
            if node.detail == "default":
                origin = w["input_default"]
            elif node.detail == "absent":
                origin = w["input_absent"]
            else:
                origin = w["input_path"].format(path=node.detail or "")
            lines.append(f'<span class="origin">{esc(origin)}</span>')
        if node.span is not None:
            lines.append(f'<span class="src">{esc(w["source"])} : <code>{esc(str(node.span))}</code></span>')
        read = [c for c in node.children if c.kind in ("input", "parameter")]
        if read:
            items = "".join(
                f"<li><code>{esc(c.key)}</code> = {esc(value_text(c.value, c.type, self.lang))}"
                + (
                    f' <span class="dim">({esc(w["parameter_since"].format(date=day(c.detail)))})</span>'
                    if c.kind == "parameter"
                    else ""
                )
                + (
                    f' <span class="dim">({esc(c.detail)})</span>'
                    if c.kind == "input" and c.detail and c.detail.startswith("$")
                    else ""
                )
                + "</li>"
                for c in read
            )
            title = w["inputs_read"] + " / " + w["parameters_read"]
            lines.append(f'<div class="read"><span class="dim">{esc(title)} :</span><ul>{items}</ul></div>')
        self.out.append('<div class="meta">' + " ".join(lines) + "</div>")

    def _decisions(self, node: TraceNode) -> None:
        w = self.w
        for decision in node.decisions:
            answer = w["yes"] if decision.taken else w["no"]
            arms = self.arms.get(decision.span)
            line = (
                f'<div class="decision"><span class="kw">{esc(w["if"])}</span> '
                f"<code>{esc(decision.condition)}</code> → <b>{esc(answer)}</b>"
            )
            if arms is not None:
                taken, untaken = (arms[0], arms[1]) if decision.taken else (arms[1], arms[0])
                taken_word, untaken_word = (
                    (w["then_arm"], w["else_arm"]) if decision.taken else (w["else_arm"], w["then_arm"])
                )
                line += (
                    f'<div class="arm taken"><span class="kw">{esc(taken_word)}</span> <code>{esc(taken)}</code></div>'
                    f'<div class="arm na"><span class="kw">{esc(untaken_word)}</span> <code>{esc(untaken)}</code> '
                    f'<span class="na-tag">{esc(w["not_applicable"])}</span></div>'
                )
            self.out.append(line + "</div>")

    def _citations(self, node: TraceNode) -> None:
        w = self.w
        for citation in node.citations:
            head = esc(citation_head(citation, self.lang))
            version = citation.version
            if version is None:
                self.out.append(f'<div class="cite missing">§ {head}</div>')
                continue
            wording = version.text if version.text is not None else version.summary
            kind = w["wording"] if version.text is not None else w["wording_summary"]
            parts = [f'<details class="cite"><summary>§ {head}</summary><div class="article">']
            if citation.title:
                parts.append(f'<p class="art-title">{esc(citation.title)}</p>')
            if wording:
                paragraphs = "".join(f"<p>{esc(p.strip())}</p>" for p in wording.split("\n") if p.strip())
                parts.append(f'<blockquote class="wording" title="{esc(kind)}">{paragraphs}</blockquote>')
            parts.append(f'<p class="dim">{esc(w["confidence"])} : {esc(version.confidence)}')
            if version.note:
                parts.append(f" · {esc(w['note'])} : {esc(version.note)}")
            parts.append("</p>")
            url = safe_url(version.url)
            if url is not None:
                parts.append(
                    f'<p><a class="official" href="{esc(url)}" rel="noreferrer">{esc(w["official_text"])}</a></p>'
                )
            parts.append("</div></details>")
            self.out.append("".join(parts))

    def _flags(self, node: TraceNode) -> None:
        for flag in node.flags:
            word = self.w.get(flag.kind, flag.kind)
            self.out.append(f'<div class="flag">⚠ {esc(word)} : {esc(flag.text)}</div>')


def trace_html(trace: TraceNode, lang: str = "fr", arms: Arms | None = None, prefix: str = "s") -> str:
    """The trace as nested ``<details>`` (a shared step once, then links to it).

    Steps get the ids ``{prefix}1``, ``{prefix}2``...: one prefix per tree of a page.
    """
    writer = _TreeWriter(lang, arms or {}, prefix)
    writer.node(trace)
    return "\n".join(writer.out)


def summary_html(result: Result, lang: str) -> str:
    items = []
    for answer in result.answers:
        css = "error" if answer.error is not None else "ok"
        items.append(
            f'<li class="{css}"><span class="sum-line">{esc(summary_line(answer, lang))}</span> '
            f'<span class="dim">(<code>{esc(answer.question)}</code>)</span></li>'
        )
    return f'<section class="summary"><h2>{esc(words(lang)["summary"])}</h2><ul>{"".join(items)}</ul></section>'


def provenance_html(result: Result, lang: str, command: str | None) -> str:
    w = words(lang)
    rows = [
        (w["rules_fingerprint"], result.fingerprint),
        (w["engine_version"], result.engine_version),
        (w["facts_sha256"], result.facts_digest),
        (w["as_of"], day(result.as_of)),
    ]
    if command is not None:
        rows.append((w["replay"], command))
    body = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    return f'<section class="provenance"><h2>{esc(w["provenance"])}</h2><table>{body}</table></section>'


def warnings_html(result: Result, lang: str) -> str:
    if not result.warnings:
        return ""
    items = "".join(
        f"<li><code>{esc(d.code)}</code> {esc(d.message)}"
        + (f' <span class="dim">({esc(str(d.span))})</span>' if d.span else "")
        + "</li>"
        for d in result.warnings
    )
    return f'<section class="warnings"><h2>{esc(words(lang)["warnings"])}</h2><ul>{items}</ul></section>'


def render_html(
    result: Result,
    lang: str = "fr",
    arms: Arms | None = None,
    command: str | None = None,
    extra_sections: Sequence[str] = (),
    title: str | None = None,
) -> str:
    """The whole report as one HTML document (``extra_sections``: already-escaped HTML)."""
    w = words(lang)
    trees = []
    for index, answer in enumerate(result.answers, start=1):
        if answer.trace is not None:
            prefix = "s" if index == 1 else f"q{index}-s"
            trees.append(f'<div class="tree">{trace_html(answer.trace, lang, arms, prefix)}</div>')
        elif answer.error is not None:
            trees.append(
                f'<div class="step error"><code>{esc(answer.question)}</code> : {esc(answer.error.message)}</div>'
            )
    body = [
        summary_html(result, lang),
        f'<section class="trace"><h2>{esc(w["trace"])}</h2>'
        f'<p class="no-print"><button type="button" id="expand-all">{esc(w["expand_all"])}</button> '
        f'<button type="button" id="collapse-all">{esc(w["collapse_all"])}</button></p>'
        + "\n".join(trees)
        + "</section>",
        *extra_sections,
        warnings_html(result, lang),
        provenance_html(result, lang, command),
    ]
    return page(title or w["title"], "\n".join(part for part in body if part), lang, result.engine_version)
