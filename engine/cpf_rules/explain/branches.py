"""The arms of every ``if`` of a rule set, by span: what the trace did not take.

The trace records, for each ``if`` met, its condition and whether it held; the HTML
report also shows the arm that was not taken, greyed as "non applicable". This module
reads it from the checked syntax tree and the rule sources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .. import ast
from ..diagnostics import Span
from ..model import RuleSet


def source_text(sources: dict[str, str], span: Span) -> str:
    """The source text under ``span`` (lines joined, indentation collapsed)."""
    lines = sources.get(span.file, "").splitlines()
    if not 1 <= span.line <= len(lines):
        return ""
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :]]
    parts += lines[span.line : span.end_line - 1]
    if span.end_line <= len(lines):
        parts.append(lines[span.end_line - 1][: span.end_column - 1])
    return " ".join(part.strip() for part in parts if part.strip())


def _walk(node: object) -> Iterator[ast.If]:
    if isinstance(node, ast.If):
        yield node
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, tuple):
                for item in value:
                    yield from _walk(item)
            elif dataclasses.is_dataclass(value):
                yield from _walk(value)


def if_arms(rules: RuleSet) -> dict[Span, tuple[str, str]]:
    """For each ``if`` of the rule set: (``then`` text, ``else`` text), keyed by its span."""
    arms: dict[Span, tuple[str, str]] = {}
    for module in rules.modules:
        for expr in _walk(module):
            arms[expr.span] = (source_text(rules.sources, expr.then.span), source_text(rules.sources, expr.orelse.span))
    return arms
