"""Editor-independent logic of the language server: diagnostics, hover, definitions.

A file belongs to the rule set of the nearest folder named ``rules`` above it (else
its own folder); the whole rule set is checked — with the open, unsaved buffers in
place of the files on disk — because names are global across files. Positions: the
engine counts lines and columns from 1 in characters; LSP counts from 0 in UTF-16
code units, which are the same for every character of the BMP (French included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import ast
from ..diagnostics import Diagnostic, Span
from ..loader import CheckReport, check_rules
from ..model import RuleSet
from ..syntax import node_text

_WORD = re.compile(r"[A-Z]+:[A-Za-z0-9][A-Za-z0-9.\-]*|[A-Za-z_][A-Za-z0-9_]*")


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


def diagnostics_by_file(report: CheckReport) -> dict[str, list[Diagnostic]]:
    grouped: dict[str, list[Diagnostic]] = {}
    for diagnostic in report.diagnostics:
        if diagnostic.span is not None:
            grouped.setdefault(diagnostic.span.file, []).append(diagnostic)
    return grouped


def lsp_range(span: Span) -> tuple[int, int, int, int]:
    """(start line, start character, end line, end character), 0-based, end exclusive."""
    return span.line - 1, span.column - 1, span.end_line - 1, max(span.end_column - 1, span.column)


def word_at(text: str, line: int, character: int) -> str | None:
    """The name or article reference under a 0-based position."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return None
    for match in _WORD.finditer(lines[line]):
        if match.start() <= character <= match.end():
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
        return f"**{decl.label or name}**\n\n`input {place} : {symbols.type_of(decl.type).display()}`{option}"
    if name in symbols.enums or name in symbols.records:
        decl_t = symbols.enums.get(name) or symbols.records[name]
        kind = "enum" if name in symbols.enums else "record"
        return f"**{decl_t.label or name}**\n\n`{kind} {name}`"
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
