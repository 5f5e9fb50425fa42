"""Diagnostics: the one error/warning type every stage reports, and its renderings.

Base layer of the pipeline (imports nothing of ours). The parser, the resolver, the
checker, the facts validator and the evaluator all report :class:`Diagnostic` values with
a stable code, a source span (file:line:col) or a JSON path, a hint and suggestions. They
are rendered as text (source line and caret, in the style of Catala and Publicodes V2)
or as JSON for machines (the HTTP API, editors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .readonly import readonly


class Severity(StrEnum):
    """How serious a diagnostic is: errors stop the pipeline, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@readonly()
class Span:
    """A region of a source file, 1-based lines and columns (end column exclusive)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@readonly()
class Diagnostic:
    """One finding: a stable code (``CPF-E101``), where, what, and how to fix it.

    ``span`` locates a finding in a rule file; ``path`` locates one in a facts document
    (a JSON path such as ``$.years[1].worked_hours``). ``expected``/``found`` are filled
    for facts and type errors.
    """

    code: str
    severity: Severity
    message: str
    span: Span | None = None
    path: str | None = None
    hint: str | None = None
    suggestions: tuple[str, ...] = ()
    expected: str | None = None
    found: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.span is not None:
            data["location"] = self.span.to_json()
        if self.path is not None:
            data["path"] = self.path
        if self.expected is not None:
            data["expected"] = self.expected
        if self.found is not None:
            data["found"] = self.found
        if self.hint is not None:
            data["hint"] = self.hint
        if self.suggestions:
            data["suggestions"] = list(self.suggestions)
        return data


@dataclass
class DiagnosticBag:
    """Collects diagnostics during one stage, in order."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span | None = None, **extra: Any) -> None:
        self.items.append(Diagnostic(code, Severity.ERROR, message, span, **extra))

    def warning(self, code: str, message: str, span: Span | None = None, **extra: Any) -> None:
        self.items.append(Diagnostic(code, Severity.WARNING, message, span, **extra))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)


class CpfError(Exception):
    """Raised when a stage cannot go on; carries the diagnostics that explain why."""

    def __init__(self, diagnostics: Sequence[Diagnostic], sources: dict[str, str] | None = None) -> None:
        self.diagnostics = tuple(diagnostics)
        self.sources = sources or {}
        super().__init__("; ".join(d.message for d in self.diagnostics))


def suggest(name: str, candidates: Iterable[str], limit: int = 3, cutoff: float = 0.7) -> tuple[str, ...]:
    """Closest names by edit distance, for "did you mean" hints.

    >>> suggest("anual_amount", ["annual_amount", "ceiling", "annual_ceiling"])
    ('annual_amount',)
    """
    import difflib  # only when a name is unknown

    return tuple(difflib.get_close_matches(name, sorted(set(candidates)), n=limit, cutoff=cutoff))


def did_you_mean(suggestions: Sequence[str]) -> str | None:
    """The hint sentence for a list of suggestions, or None."""
    if not suggestions:
        return None
    return "did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?"


_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _lines_as_numbered(file: str, source: str) -> list[str]:
    """The lines of ``source`` as its reader numbered them: PyYAML breaks lines at CR,
    LF, NEL, U+2028 and U+2029; Lark (rule files) and the JSON reader at LF only. Not
    ``str.splitlines``, which also breaks at form feeds: the line shown under a
    diagnostic would be another one than its number says.

    >>> _lines_as_numbered("rules/a.cpf", "a\\fb\\r\\nc")
    ['a\\x0cb', 'c']
    >>> _lines_as_numbered("facts.yaml", "a\\u2028b\\rc")
    ['a', 'b', 'c']
    """
    if file.endswith((".yaml", ".yml")):
        return _YAML_LINE_BREAK.split(source)
    return [line[:-1] if line.endswith("\r") else line for line in source.split("\n")]


def render_text(diagnostic: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """Render one diagnostic for a terminal: header, location, source line, caret, hint."""
    lines = [f"{diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"]
    span = diagnostic.span
    if span is not None:
        lines.append(f"  --> {span}")
        source = (sources or {}).get(span.file)
        if source is not None:
            source_lines = _lines_as_numbered(span.file, source)
            if 1 <= span.line <= len(source_lines):
                text = source_lines[span.line - 1].expandtabs(4)
                gutter = str(span.line)
                pad = " " * len(gutter)
                end = span.end_column if span.end_line == span.line else len(text) + 1
                width = max(1, end - span.column)
                lines.append(f"{pad} |")
                lines.append(f"{gutter} | {text}")
                lines.append(f"{pad} | {' ' * (span.column - 1)}{'^' * width}")
    if diagnostic.path is not None:
        lines.append(f"  --> {diagnostic.path}")
    if diagnostic.expected is not None:
        lines.append(f"  = expected: {diagnostic.expected}")
    if diagnostic.found is not None:
        lines.append(f"  = found: {diagnostic.found}")
    if diagnostic.hint is not None:
        lines.append(f"  = hint: {diagnostic.hint}")
    return "\n".join(lines)


def render_all_text(diagnostics: Iterable[Diagnostic], sources: dict[str, str] | None = None) -> str:
    """Render several diagnostics separated by blank lines, with a closing count."""
    items = list(diagnostics)
    blocks = [render_text(d, sources) for d in items]
    errors = sum(1 for d in items if d.is_error)
    warnings = len(items) - errors
    blocks.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n\n".join(blocks)
