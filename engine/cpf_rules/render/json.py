"""JSON rendering of results: deterministic (same inputs → same bytes).

Keys are sorted on output; a memoised step met again is written as ``{"ref": KEY}``.
Citations name the article and the start date of the version in force; the versions
themselves (wording, amending text, address) are written once, under ``articles``.
The provenance block says which rules, engine, facts and date produced the result and
the command that replays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..diagnostics import Diagnostic
from ..trace import Answer, Result, TraceNode
from ..types import Type
from .json_text import dumps_indented
from .values import machine_value


def value_to_json(value: Any, type_: Type | None) -> dict[str, Any]:
    return machine_value(value, type_)


def _collect_articles(node: TraceNode, into: dict[str, dict[str, Any]], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    for citation in node.citations:
        entry = into.setdefault(citation.ref, {"title": citation.title, "source": citation.source, "versions": {}})
        if citation.version is not None:
            entry["versions"][citation.version.in_force_from.isoformat()] = citation.version.to_json()
    for child in node.children:
        _collect_articles(child, into, seen)


def _node(node: TraceNode, seen: set[int]) -> dict[str, Any]:
    if id(node) in seen and node.kind == "rule":
        return {"kind": node.kind, "ref": node.key, "value": machine_value(node.value, node.type)}
    seen.add(id(node))
    data: dict[str, Any] = {
        "kind": node.kind,
        "name": node.name,
        "label": node.label,
        "period": node.period,
        "value": machine_value(node.value, node.type),
        "location": node.span.to_json() if node.span else None,
    }
    if node.branch is not None:
        data["branch"] = node.branch
    if node.applies is not None:
        data["applies"] = node.applies
    if node.detail is not None:
        data["detail"] = node.detail
    if node.citations:
        data["citations"] = [c.to_json() for c in node.citations]
    if node.flags:
        data["flags"] = [{"kind": f.kind, "text": f.text, "location": f.span.to_json()} for f in node.flags]
    if node.decisions:
        data["decisions"] = [
            {"condition": d.condition, "taken": d.taken, "location": d.span.to_json()} for d in node.decisions
        ]
    if node.children:
        data["children"] = [_node(child, seen) for child in node.children]
    return data


def _answer(answer: Answer, with_trace: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"question": answer.question}
    if answer.error is not None:
        data["error"] = answer.error.to_json()
        return data
    data["result"] = machine_value(answer.value, answer.type)
    if with_trace and answer.trace is not None:
        data["trace"] = _node(answer.trace, set())
    return data


def result_to_json(result: Result, with_trace: bool = True, command: str | None = None) -> dict[str, Any]:
    """The result as a JSON-ready dict."""
    provenance: dict[str, Any] = {
        "rules_fingerprint": result.fingerprint,
        "engine_version": result.engine_version,
        "facts_sha256": result.facts_digest,
        "as_of": result.as_of.isoformat(),
    }
    if command is not None:
        provenance["replay"] = command
    articles: dict[str, dict[str, Any]] = {}
    if with_trace:
        seen: set[int] = set()
        for answer in result.answers:
            if answer.trace is not None:
                _collect_articles(answer.trace, articles, seen)
    return {
        "answers": [_answer(a, with_trace) for a in result.answers],
        "articles": articles,
        "warnings": [w.to_json() for w in result.warnings],
        "provenance": provenance,
    }


def diagnostics_to_json(diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    return {
        "diagnostics": [d.to_json() for d in diagnostics],
        "errors": sum(1 for d in diagnostics if d.is_error),
        "warnings": sum(1 for d in diagnostics if not d.is_error),
    }


def dumps(data: Any) -> str:
    """``data`` as indented JSON, keys sorted, non-ASCII kept: what ``json.dumps(data,
    ensure_ascii=False, indent=2, sort_keys=True)`` writes, in time linear in its size
    (:mod:`.json_text`: the standard library's indenting encoder is quadratic in the
    nesting depth, and a deep trace nests deep)."""
    return dumps_indented(data) + "\n"
