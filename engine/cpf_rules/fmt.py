"""``cpf fmt``: the formatter of rule files (*.cpf).

A layout pass, not a pretty-printer: it keeps the author's line breaks (the places
where a long formula is cut are the analyst's choice) and normalises everything else,
from the source text's tokens, so comments stay where they are:

- indentation by construct: declarations at column 0; ``from`` lines, rule
  annotations, ``=`` and ``exception`` at 2; an exception's annotations, ``when`` and
  ``=`` at 4; record fields at 2, enum cases at 2 (``| case``) or 4 (first case on its
  own line); an expression's continuation lines keep their indentation, but at least
  two columns deeper than the line that starts the expression;
- one space between tokens, none inside parentheses, before ``,`` and around ``.``,
  none after a unary ``-`` (also at the start of a line: read after the line before,
  ``between`` / ``-1 and 1``) and around ``/`` in a rate type (``money/hours``);
- columns aligned on purpose are kept: in a record's fields (``:`` and the label), an
  enum's cases (the label) and a parameter's ``from`` lines (``cite``), when every line
  of the block puts that token at the same column; otherwise one space;
- trailing spaces removed, at most one blank line in a row, one newline at the end.

Formatting never changes the parsed model: the result is parsed again and compared
with the original, modulo positions (:func:`cpf_rules.lints.walk.shape`); a file that
does not parse is reported and left alone. ``format_source(format_source(x)) ==
format_source(x)``. The tokens of a line and the spaces between them are
:mod:`cpf_rules.fmt_tokens`'s; this module lays the lines out.
"""

from __future__ import annotations

import codecs
import difflib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic_io import write_text_atomic
from .diagnostics import CpfError, Diagnostic, Severity, render_all_text
from .fmt_tokens import MINUS_CONTEXT, Token, display_width, gap_before, tokenize_line, unary_minuses
from .lints.walk import shape
from .loader import decode_rule_file
from .syntax import parse_module

_DECLARATION_KEYWORDS = frozenset({"enum", "record", "input", "parameter", "rule"})
_ANNOTATIONS = frozenset({"cite", "uncertain", "interpretation"})


@dataclass
class _Line:
    tokens: list[Token]
    indent: int = 0
    kind: str = "code"  # code | blank | comment
    block: tuple[str, int] | None = None  # alignment block: (kind, declaration index)


class _Layout:
    """Assigns each line its indentation and alignment block, walking the declarations."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines

    def run(self) -> None:
        declaration = ""  # enum | record | input | parameter | rule
        index = -1
        in_exception = False
        expression_base: int | None = None  # indent of the line that opened the current expression
        seen_from = False  # a `from` line of the current parameter was met
        for line in self.lines:
            if line.kind != "code":
                continue
            first = line.tokens[0].text
            if first in _DECLARATION_KEYWORDS and line.tokens[0].kind == "name":
                declaration, index, in_exception, expression_base = first, index + 1, False, None
                seen_from = False
                line.indent = 0
                if first == "rule" and _opens_expression(line.tokens):
                    expression_base = 0
                continue
            if declaration == "record":
                line.indent = 0 if first == "}" else 2
                if first != "}":
                    line.block = ("field", index)
            elif declaration == "enum":
                line.indent = 2 if first == "|" else 4
                line.block = ("case", index)
            elif declaration == "parameter":
                if first == "from":
                    line.indent, line.block, seen_from = 2, ("from", index), True
                else:
                    line.indent = 4 if seen_from else 2  # a label before the values, or a value's annotation
            elif declaration == "input":
                line.indent = 2
            elif declaration == "rule":
                line.indent, expression_base, in_exception = self._rule_line(line, first, expression_base, in_exception)

    def _rule_line(self, line: _Line, first: str, base: int | None, in_exception: bool) -> tuple[int, int | None, bool]:
        depth = 4 if in_exception else 2
        if first == "exception":
            return 2, None, True
        if first in _ANNOTATIONS or first == "when" or first == "=" or line.tokens[0].kind == "string":
            opens = first in ("when", "=") or _opens_expression(line.tokens)
            return depth, (depth if opens else None), in_exception
        # a continuation line of a formula or condition: keep it, at least 2 deeper
        minimum = (base if base is not None else depth) + 2
        return max(line.tokens[0].column, minimum), base, in_exception


def _opens_expression(tokens: Sequence[Token]) -> bool:
    return any(t.text in ("=", "when") for t in tokens if t.kind in ("op", "name"))


def _render_line(line: _Line, previous: Sequence[Token], targets: dict[int, int], stop: int | None = None) -> str:
    """The line's text; with ``stop``, only the text before token ``stop`` (its gap excluded).
    ``previous``: the last code tokens of the lines before (see :func:`_unary_minuses`)."""
    tokens = line.tokens
    unary = unary_minuses(tokens, previous)
    out = " " * line.indent + tokens[0].text
    for index in range(1, len(tokens) if stop is None else stop):
        token = tokens[index]
        if token.kind == "comment":
            gap = max(1, token.column - tokens[index - 1].end)
        else:
            gap = gap_before(tokens, index, unary)
        column = targets.get(index)
        if column is not None and column > display_width(out):
            gap = column - display_width(out)
        out += " " * gap + token.text
    return out


def _alignable(line: _Line) -> list[int]:
    """Indexes of tokens whose column may be aligned with the lines of the same block."""
    assert line.block is not None
    kind = line.block[0]
    texts = [t.text for t in line.tokens]
    found: list[int] = []
    if kind == "field":
        if ":" in texts:
            found.append(texts.index(":"))
        strings = [i for i, t in enumerate(line.tokens) if t.kind == "string"]
        if strings:
            found.append(strings[0])
    elif kind == "case":
        strings = [i for i, t in enumerate(line.tokens) if t.kind == "string"]
        if strings:
            found.append(strings[0])
    elif kind == "from" and "cite" in texts:
        found.append(texts.index("cite"))
    return found


def _alignment_targets(lines: list[_Line], contexts: list[list[Token]]) -> dict[int, dict[int, int]]:
    """For each line (by position), the columns its aligned tokens must start at.

    A token keeps its column when another line of the block has the same token at the
    same column and both still fit there once the text before is normalised; any other
    gap becomes one space. (Agreement between two lines is what makes an alignment.)
    """
    blocks: dict[tuple[str, int], list[int]] = {}
    for position, line in enumerate(lines):
        if line.kind == "code" and line.block is not None:
            kind, declaration = line.block
            key = (kind, -1 if kind == "from" else declaration)  # `from` lines align across the file
            blocks.setdefault(key, []).append(position)
    targets: dict[int, dict[int, int]] = {}
    for members in blocks.values():
        slots: dict[int, list[tuple[int, int]]] = {}  # slot number -> [(line position, token index)]
        for position in members:
            for slot, token_index in enumerate(_alignable(lines[position])):
                slots.setdefault(slot, []).append((position, token_index))
        for slot in sorted(slots):
            by_column: dict[int, list[tuple[int, int]]] = {}
            for position, token_index in slots[slot]:
                column = lines[position].tokens[token_index].column
                prefix = _render_line(lines[position], contexts[position], targets.get(position, {}), stop=token_index)
                if display_width(prefix) + 1 <= column:
                    by_column.setdefault(column, []).append((position, token_index))
            for column, entries in by_column.items():
                if len(entries) >= 2:
                    for position, token_index in entries:
                        targets.setdefault(position, {})[token_index] = column
    return targets


def format_source(source: str) -> str:
    """The formatted text (the input must be a rule file that parses); idempotent."""
    text = _format_once(source)
    for _ in range(3):  # alignment decisions can settle over a second pass; then it is stable
        again = _format_once(text)
        if again == text:
            break
        text = again
    return text


def _format_once(source: str) -> str:
    raw_lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[_Line] = []
    for raw in raw_lines:
        tokens = tokenize_line(raw)
        if not tokens:
            lines.append(_Line([], kind="blank"))
        elif tokens[0].kind == "comment":
            lines.append(_Line(tokens, kind="comment"))
        else:
            lines.append(_Line(tokens))
    _Layout(lines).run()
    for position, line in enumerate(lines):  # a comment line takes the indent of the code after it
        if line.kind == "comment":
            following = next((other for other in lines[position + 1 :] if other.kind == "code"), None)
            if following is None:
                line.indent = 0
            elif following.tokens[0].text == "}":
                line.indent = 2
            else:
                line.indent = following.indent
    contexts = _contexts(lines)
    targets = _alignment_targets(lines, contexts)
    out: list[str] = []
    for position, line in enumerate(lines):
        if line.kind == "blank":
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(_render_line(line, contexts[position], targets.get(position, {})).rstrip())
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _contexts(lines: Sequence[_Line]) -> list[list[Token]]:
    """For each line, the last :data:`MINUS_CONTEXT` code tokens of the lines before it (comments skipped)."""
    contexts: list[list[Token]] = []
    tail: list[Token] = []
    for line in lines:
        contexts.append(tail)
        if line.kind == "code":
            tail = [*tail, *(t for t in line.tokens if t.kind != "comment")][-MINUS_CONTEXT:]
    return contexts


class FormatError(Exception):
    """Formatting would change the parsed model: a bug of the formatter; nothing is written."""


def format_checked(source: str, file: str) -> str:
    """Format, then prove the model unchanged; raise CpfError if ``source`` does not parse."""
    before = parse_module(source, file)
    formatted = format_source(source)
    after = parse_module(formatted, file)
    if shape(before.declarations) != shape(after.declarations):
        raise FormatError(f"formatting {file} would change its meaning; it was left unchanged (please report)")
    return formatted


def rule_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.cpf")) if path.is_dir() else [path])
    return files


def run_fmt(paths: Sequence[Path], check: bool = False, diff: bool = False) -> int:
    """``cpf fmt``: format in place, or with ``check`` list the files that would change."""
    if not paths:  # never rewrite the rules bundled in an installed package by default
        if not Path("rules").is_dir():
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-E010",
                        Severity.ERROR,
                        "no rules/ folder here: name the files or folders to format",
                        hint="e.g. cpf fmt --check rules/",
                    )
                ]
            )
        paths = [Path("rules")]
    files = rule_files(paths)
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    changed: list[str] = []
    for file in files:
        shown = str(file)
        try:
            data = file.read_bytes()
        except OSError as error:
            problems.append(Diagnostic("CPF-E011", Severity.ERROR, f"cannot read {shown}: {error.strerror}"))
            continue
        decoded = decode_rule_file(data, shown)  # as `cpf check` reads it (a byte-order mark dropped)
        if isinstance(decoded, Diagnostic):
            problems.append(decoded)
            continue
        text = sources[shown] = decoded
        try:
            formatted = format_checked(text, shown)
        except CpfError as error:
            problems.extend(error.diagnostics)
            continue
        except FormatError as error:
            problems.append(Diagnostic("CPF-E014", Severity.ERROR, str(error), hint="report it with the file"))
            continue
        if formatted == text and not data.startswith(codecs.BOM_UTF8):  # the mark is dropped when formatting
            continue
        changed.append(shown)
        if check:
            if diff:
                sys.stdout.writelines(
                    difflib.unified_diff(
                        text.splitlines(True), formatted.splitlines(True), shown, shown + " (formatted)"
                    )
                )
        else:
            try:
                write_text_atomic(file, formatted)
            except OSError as error:
                changed.remove(shown)
                problems.append(Diagnostic("CPF-E011", Severity.ERROR, f"cannot write {shown}: {error.strerror}"))
    if problems:
        sys.stderr.write(render_all_text(problems, sources) + "\n")
    verb = "would reformat" if check else "reformatted"
    for shown in changed:
        print(f"{verb} {shown}")
    print(f"{len(files) - len(changed) - len(problems)} file(s) already formatted, {len(changed)} {verb}")
    return 1 if problems or (check and changed) else 0
