"""Editor-independent logic of the language server: diagnostics, hover, definitions.

A file belongs to the rule set of the nearest folder named ``rules`` above it (else
its own folder); the whole rule set is checked — with the open, unsaved buffers in
place of the files on disk — because names are global across files. Positions go
through :mod:`.positions`: the engine counts lines at ``\\n`` from 1 in characters, LSP
at ``\\r\\n``, ``\\n`` and ``\\r`` from 0 in UTF-16 code units (or the encoding the
client negotiated). A diagnostic without a place (an unreadable file) is shown at the
top of the file it names, else of the file being edited: never dropped.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .. import ast
from ..bounds import declared_text, record_fields
from ..diagnostics import Diagnostic, Span
from ..loader import CheckReport, check_rules
from ..model import RuleSet
from ..syntax import node_text
from .positions import Encoding, LineIndex, convention_of

_WORD = re.compile(r"[A-Z]+:[A-Za-z0-9][A-Za-z0-9.\-]*|[A-Za-z_][A-Za-z0-9_]*")
_NAMED_FILE = re.compile(r"[^\s`'\"()\[\],;:]+\.(?:cpf|yaml|yml|json)\b")
_MAX_TEXT_READ = 4 * 1024 * 1024
"""Largest file read from disk to place a diagnostic in it (a larger one: the engine's lines and columns)."""


def rules_dir_for(path: Path) -> Path:
    """The rule set a file belongs to: the nearest ``rules`` folder above it, else its folder."""
    for parent in path.parents:
        if parent.name == "rules":
            return parent
    return path.parent


def display_name(rules_dir: Path, path: Path) -> str:
    """The name diagnostics use for a file: ``rules/accrual/x.cpf``."""
    return path.resolve().relative_to(rules_dir.resolve().parent).as_posix()


def file_of(rules_dir: Path, name: str) -> Path:
    return rules_dir.resolve().parent / name


@dataclass
class Workspace:
    """One rule set being edited: its folder and its last rule set free of errors."""

    rules_dir: Path
    last_good: RuleSet | None = None

    def analyze(self, overlay: dict[str, str]) -> CheckReport:
        report = check_rules(self.rules_dir, None, overlay)
        if report.ruleset is not None:
            self.last_good = report.ruleset
        return report


def diagnostics_by_file(report: CheckReport, rules_dir: Path, current: str) -> dict[str, list[Diagnostic]]:
    """The diagnostics of a check by file display name, none dropped.

    A diagnostic without a place (``CPF-E011`` a file that is not UTF-8, ``CPF-E010``…)
    is put at the start of the file its message names when that file exists, else at
    the start of ``current`` (the display name of the document being edited), its
    message saying that it has no place in a file.
    """
    grouped: dict[str, list[Diagnostic]] = {}
    for diagnostic in report.diagnostics:
        if diagnostic.span is not None:
            grouped.setdefault(diagnostic.span.file, []).append(diagnostic)
            continue
        named = file_named_in(diagnostic.message, rules_dir)
        target = named or current
        placed = dataclasses.replace(
            diagnostic,
            span=Span(target, 1, 1, 1, 2),
            message=diagnostic.message if named else f"{diagnostic.message} (for the rule set: no place in a file)",
        )
        grouped.setdefault(target, []).append(placed)
    return grouped


def file_named_in(message: str, rules_dir: Path) -> str | None:
    """The first display name in a message (``rules/x.cpf``) of an existing file of the workspace."""
    for match in _NAMED_FILE.finditer(message):
        name = match.group()
        if name.startswith("/") or ".." in name.split("/"):
            continue
        if file_of(rules_dir, name).is_file():
            return name
    return None


def text_of(rules_dir: Path, name: str, sources: dict[str, str]) -> str | None:
    """The text a file's spans count in: its buffer or checked source, else the file on
    disk (undecodable bytes replaced); ``None`` when it cannot be read."""
    if name in sources:
        return sources[name]
    path = file_of(rules_dir, name)
    try:
        if os.stat(path).st_size > _MAX_TEXT_READ:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def lsp_range(span: Span, text: str | None = None, encoding: Encoding = "utf-16") -> tuple[int, int, int, int]:
    """(start line, start character, end line, end character), 0-based, end exclusive.

    With the text the span counts in, lines are LSP's (``\\r`` included) and characters
    code units of ``encoding``; without it, the engine's lines and columns less one.
    """
    if text is None:
        return span.line - 1, span.column - 1, span.end_line - 1, max(span.end_column - 1, span.column)
    index = LineIndex(text, convention_of(span.file))
    start = index.engine_offset(span.line, span.column)
    end = max(index.engine_offset(span.end_line, span.end_column), start)
    if end == start and start < len(text) and text[start] not in "\r\n":
        end += 1  # an empty span still marks the character it starts at
    return (*index.lsp_position(start, encoding), *index.lsp_position(end, encoding))


def word_at(text: str, line: int, character: int, encoding: Encoding = "utf-16") -> str | None:
    """The name or article reference under an LSP position (0-based, lines cut at
    ``\\r\\n``, ``\\n`` and ``\\r`` only, characters in code units of ``encoding``)."""
    index = LineIndex(text, "lsp")
    content = index.lsp_line(line)
    if content is None:
        return None
    column = index.lsp_offset(line, character, encoding) - index.lsp_offset(line, 0, encoding)
    for match in _WORD.finditer(content):
        if match.start() <= column <= match.end():
            return match.group()
    return None


def _citations(citations: tuple[ast.Citation, ...]) -> str:
    return ", ".join(f"{c.ref}" + (f" {c.locator}" if c.locator else "") for c in citations) or "aucune"


def hover_markdown(rules: RuleSet, name: str) -> str | None:
    """Markdown for a hover: label, type and unit, citations (and a parameter's history)."""
    symbols = rules.symbols
    if name in symbols.parameters:
        parameter = symbols.parameters[name]
        lines = [
            f"**{parameter.label or name}**",
            "",
            f"`parameter {name} : {symbols.type_of(parameter.type).display()}`",
            "",
            "| depuis | valeur | cite |",
            "|---|---|---|",
        ]
        for dated in parameter.values:
            source = rules.sources.get(dated.span.file, "")
            value = "aucune" if dated.value is None else node_text(dated.value, source)
            lines.append(f"| {dated.start} | `{value}` | {_citations(dated.citations)} |")
        return "\n".join(lines)
    if name in symbols.rules:
        rule = symbols.rules[name]
        formals = ", ".join(f"{f.name} : {f.type.name}" for f in rule.formals)
        signature = f"{name}({formals})" if formals else name
        exceptions = ", ".join(e.name for e in rule.exceptions)
        return "\n".join(
            [
                f"**{rule.label or name}**",
                "",
                f"`rule {signature} : {symbols.type_of(rule.type).display()}`",
                "",
                f"Cite : {_citations(rule.citations)}",
                *(["", f"Exceptions : {exceptions}"] if exceptions else []),
            ]
        )
    if name in symbols.inputs:
        decl = symbols.inputs[name]
        place = f"{decl.section}.{name}" if decl.section else name
        option = " (facultative)" if decl.optional else ""
        return f"**{decl.label or name}**\n\n`input {place} : {declared_text(symbols.type_of(decl.type), decl.bounds)}`{option}"
    if name in symbols.records:  # its fields, each with its type and declared range
        record = symbols.records[name]
        fields = [
            f"- `{f.name} : {f.declared}` {f.label or ''}".rstrip() for f in record_fields(record, symbols.type_of)
        ]
        return "\n".join([f"**{record.label or name}**", "", f"`record {name}`", "", *fields])
    if name in symbols.enums:
        enum_decl = symbols.enums[name]
        return f"**{enum_decl.label or name}**\n\n`enum {name}`"
    if name in symbols.enum_cases:
        enum = symbols.enums[symbols.enum_cases[name][0]]
        case = next(c for c in enum.cases if c.name == name)
        return f"**{case.label or name}**\n\n`{enum.name}.{name}`"
    article = rules.registry.get(name)
    if article is not None:
        versions = "\n".join(
            f"- du {v.in_force_from} au {v.in_force_to or '…'} ({v.amended_by}, confiance {v.confidence})"
            for v in article.versions
        )
        return f"**{article.id}** — {article.title}\n\n{versions}"
    return None


def definition(rules: RuleSet, name: str) -> Span | None:
    """Where a name is declared (an enum case: its enum's case)."""
    symbols = rules.symbols
    for table in (symbols.parameters, symbols.rules, symbols.inputs, symbols.enums, symbols.records):
        decl = table.get(name)
        if decl is not None:
            return decl.span
    if name in symbols.enum_cases:
        enum = symbols.enums[symbols.enum_cases[name][0]]
        return next(c.span for c in enum.cases if c.name == name)
    return None
