"""Stage 1, text → syntax tree: parse a rule file with the grammar into ast nodes.

Two parsers of grammar/cpf.lark give the same nodes (syntax_build.py builds them):

- the fast path (syntax_fast.py), an LALR driver over the tables shipped in
  syntax_tables.json, for texts without error; it does not import Lark;
- Lark itself, for the rest (and when the shipped tables do not match the grammar):
  its tables come from syntax_tables_lark.json, else are built (cached by cache.py).
  Lark's errors are turned into our own :class:`~cpf_rules.diagnostics.Diagnostic`
  (code CPF-E001…E003) with plain words for what was expected: no ``__ANON_0`` ever
  reaches a user.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from . import ast
from .diagnostics import CpfError, Diagnostic, Severity, Span
from .limits import MAX_NESTING_DEPTH as MAX_NESTING_DEPTH  # re-exported: tests and tools read it here
from .limits import MAX_RULE_FILE_BYTES as MAX_RULE_FILE_BYTES  # re-exported: tests and tools read it here
from .paths import grammar_file
from .syntax_build import META_METHODS, AstBuilder, _token_span, source_lines
from .syntax_build import expression_text as expression_text  # re-exported: traces, docs, the language server
from .syntax_build import node_text as node_text
from .syntax_fast import Fallback, FastParser

if TYPE_CHECKING:
    import lark
    from lark import Token
    from lark.exceptions import UnexpectedInput, UnexpectedToken

# What each terminal is called in an error message.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "STRING": 'a quoted text ("...")',
    "CITE_REF": "an article reference such as CT:L6323-11",
    "UNIT": "a unit (EUR, h, EUR/h, days)",
    "$END": "the end of the file",
}


@functools.cache
def _grammar_text() -> str:
    return grammar_file().read_text(encoding="utf-8")


@functools.cache
def _parser() -> lark.Lark:
    """Lark's parser: from the shipped tables (syntax_tables.py) if they match the grammar, else built."""
    import lark

    from .cache import lark_cache_file  # parser tables cached per grammar text (cache.py)
    from .syntax_tables import LARK_OPTIONS, load_lark

    grammar = _grammar_text()
    shipped = load_lark(grammar)
    if shipped is not None:
        return shipped
    return lark.Lark(grammar, cache=lark_cache_file(grammar, lark.__version__), **LARK_OPTIONS)


@functools.cache
def _fast_parser() -> FastParser | None:
    """The fast path (syntax_fast.py) over the shipped tables; None if they do not match the grammar."""
    from .syntax_tables import load_tables

    tables = load_tables(_grammar_text())
    return FastParser(tables, AstBuilder, META_METHODS) if tables is not None else None


def _parse_fast(source: str, file: str, start: str) -> list[Any] | None:
    """The start rule's children, built by the fast path; None when Lark must parse the text."""
    fast = _fast_parser()
    if fast is None:
        return None
    try:
        return fast.parse(AstBuilder(file, source), source, start, MAX_NESTING_DEPTH)
    except Fallback:
        return None


@functools.cache
def _terminal_words() -> dict[str, str]:
    words = dict(_TERMINAL_WORDS)
    for terminal in _parser().terminals:
        if terminal.name not in words and terminal.pattern.type == "str":
            words[terminal.name] = f"'{terminal.pattern.value}'"
    return words


def _describe_expected(expected: set[str]) -> str:
    """Kinds of token first ("a number", "a name"), then keywords and symbols."""
    words = _terminal_words()
    names = sorted({words.get(name, name.lower()) for name in expected}, key=lambda w: (w.startswith("'"), w))
    if len(names) > 8:
        names = [*names[:8], "…"]
    return ", ".join(names)


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    return f"'{token.value}'"


def parse_value(text: str, file: str) -> ast.Expr:
    """Parse a lone expression (a what-if value such as ``6000 EUR``); raise CpfError."""
    check_size(text, file)
    fast = _parse_fast(text, file, "value_start")
    children = fast if fast is not None else _parse_with_lark(text, file, "value_start")
    expr: ast.Expr = children[0]
    return expr


def _parse_with_lark(source: str, file: str, start: str) -> list[Any]:
    """The start rule's children, through Lark: syntax errors, then depth, then the builder's own."""
    from lark.exceptions import UnexpectedInput

    try:
        tree = _parser().parse(source, start=start)
    except UnexpectedInput as error:
        raise CpfError([_syntax_diagnostic(error, file, source)]) from None
    check_depth(tree, file)
    children: list[Any] = _build(AstBuilder(file, source), tree).children
    return children


def _build(builder: AstBuilder, tree: lark.Tree[Token]) -> Any:
    """Lark's tree → ast nodes, bottom-up, left to right (as Lark's Transformer would call them).

    Recursive: :func:`check_depth` has bounded the depth first. A rule without a builder
    method (``start``) stays a tree of built children.
    """
    import lark

    children = [_build(builder, child) if isinstance(child, lark.Tree) else child for child in tree.children]
    name = str(tree.data)
    method = getattr(builder, name, None)
    if method is None:
        return lark.Tree(tree.data, children, tree.meta)
    if name in META_METHODS:
        return method(tree.meta, children)
    return method(children)


def _syntax_diagnostic(error: UnexpectedInput, file: str, source: str) -> Diagnostic:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    line = getattr(error, "line", 1) or 1
    column = getattr(error, "column", 1) or 1
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            lines = _lines_before_end(source)
            line, column = len(lines), len(lines[-1]) + 1
            span = Span(file, line, column, line, column + 1)
        else:
            span = _token_span(file, token)
        expected = _describe_expected(set(error.accepts or error.expected))
        message = f"unexpected {_describe_token(token)}"
        hint = _hint_for(token, set(error.accepts or error.expected), _previous_terminal(error), source)
        return Diagnostic("CPF-E001", Severity.ERROR, message, span, hint=hint, expected=expected)
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        char = source[position] if position < len(source) else "?"
        span = Span(file, line, column, line, column + 1)
        hint = "only letters, digits, _ and the operators + - * / == != < <= > >= are allowed here"
        if char == "'":
            hint = 'texts and labels are written between double quotes: "..."'
        elif char == "€":
            hint = "write amounts as 500 EUR, not 500 €"
        elif char == '"':
            hint = 'this text is not closed: add the closing " on the same line'
        return Diagnostic("CPF-E002", Severity.ERROR, f"unexpected character '{char}'", span, hint=hint)
    assert isinstance(error, UnexpectedEOF)
    lines = _lines_before_end(source)
    span = Span(file, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
    return Diagnostic(
        "CPF-E001",
        Severity.ERROR,
        "unexpected end of file",
        span,
        expected=_describe_expected(set(error.expected)),
    )


def _previous_terminal(error: UnexpectedToken) -> str | None:
    """The type of the token just before the unexpected one (``AND`` in ``between 0 and }``),
    read on the parser's stack; None when that is a reduced rule or nothing."""
    from lark import Token

    parser = getattr(error, "interactive_parser", None)
    stack = getattr(getattr(parser, "parser_state", None), "value_stack", None)
    if not stack or not isinstance(stack[-1], Token):
        return None
    return str(stack[-1].type)


def _hint_for(token: Token, expected: set[str], previous: str | None = None, source: str = "") -> str | None:
    if token.type == "EQUAL" and ("THEN" in expected or "RPAR" in expected or "WHEN" in expected):
        return "comparisons use `==`; a single `=` introduces a definition"
    if token.type == "NAME" and "EQUAL" in expected and "CITE" in expected:
        return 'a rule reads: rule NAME(PERIOD : year) : TYPE "label" cite ARTICLE = FORMULA'
    if "THEN" in expected:
        return "an if reads: if CONDITION then VALUE else VALUE"
    if "ELSE" in expected:
        return "an if needs its else: if CONDITION then VALUE else VALUE"
    if "CITE_REF" in expected:
        return 'cite an entry of legal_refs/, e.g. cite CT:L6323-11 "al. 2"'
    if token.type == "COLON" and expected and (expected <= {"LEAST", "MOST"} or "NUMBER" in expected):
        return (
            "after a type, `at` and `between` begin a range (at least 0, between 0 and 12): a record field"
            " named so needs a label or a default on the field before it, or another name"
        )
    if token.type == "NAME" and str(token) in ("between", "at") and "NAME" not in expected:
        return 'a range comes right after the type, once: input NAME : TYPE between LOW and HIGH optional "label"'
    if token.type in ("BETWEEN", "AT"):
        return 'a range comes right after the type: input NAME : TYPE between LOW and HIGH optional "label"'
    range_hint = _range_hint(token, expected, previous, source)
    if range_hint is not None:
        return range_hint
    if (expected and expected <= {"AND", "LEAST", "MOST"}) or ("NUMBER" in expected and "NAME" not in expected):
        return "a range reads: between LOW and HIGH, at least LOW or at most HIGH, each end a number (24 h with a unit)"
    if token.type == "$END":
        return "the declaration is not finished"
    return None


# What may follow a whole range: a label, `optional`, `default`, the next declaration or field, the end.
_AFTER_A_DECLARATION = frozenset(
    {"$END", "STRING", "RBRACE", "OPTIONAL", "DEFAULT", "INPUT", "RECORD", "RULE", "PARAMETER", "ENUM"}
)


def _range_hint(token: Token, expected: set[str], previous: str | None, source: str) -> str | None:
    """The hint for a range missing its ``and`` or an end: ``between 0 12``, ``between 0 to 12``,
    ``between 0, 12``, ``between 0 and`` (then a label, the next declaration or field, the end)."""
    after = source[token.end_pos :] if token.end_pos is not None else ""
    ends = token.type in _AFTER_A_DECLARATION or (token.type == "NAME" and after.lstrip().startswith(":"))
    if expected and "AND" in expected and expected <= {"AND", "UNIT"}:  # right after `between LOW`
        spaced = token.start_pos is not None and source[token.start_pos - 1 : token.start_pos].isspace()
        if token.type == "NUMBER" or (token.type == "MINUS" and spaced and after[:1].isdigit()):
            high = token.value if token.type == "NUMBER" else "-" + re.split(r"[^0-9.]", after, maxsplit=1)[0]
            return f"a range is written `between LOW and HIGH`: the `and` is missing before {high}"
        if not ends and (token.type in ("COMMA", "MINUS", "DOT", "COLON") or str(token.value).isidentifier()):
            joiner = ".." if token.type == "DOT" and after.startswith(".") else str(token.value)
            return f"a range is written `between LOW and HIGH`: its two ends are joined by `and`, not `{joiner}`"
        return None
    if ends and "NUMBER" in expected and expected <= {"NUMBER", "MINUS"} and previous in _MISSING_END:
        return _MISSING_END[previous]  # where an end of a range is due
    return None


# The end a range lacks, by the word written last.
_MISSING_END = {
    "BETWEEN": "a range is written `between LOW and HIGH`: the low end is missing (a number, 24 h with a unit)",
    "AND": "a range is written `between LOW and HIGH`: the high end is missing after `and` (a number, 24 h with a unit)",
    "LEAST": "a range is written `at least LOW`: the number is missing (24 h with a unit)",
    "MOST": "a range is written `at most HIGH`: the number is missing (24 h with a unit)",
    "MINUS": "an end of a range is a number: the number is missing after `-`",
}


def check_size(source: str, file: str) -> None:
    """Refuse a text larger than :data:`MAX_RULE_FILE_BYTES` (CPF-E012) before parsing it."""
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > MAX_RULE_FILE_BYTES:
        raise CpfError(
            [
                Diagnostic(
                    "CPF-E012",
                    Severity.ERROR,
                    f"{file} is too large to be a rule file",
                    Span(file, 1, 1, 1, 2),
                    expected=f"at most {MAX_RULE_FILE_BYTES:,} bytes",
                    found=f"{size:,} bytes",
                    hint="split the rules into several files, one per legal mechanism",
                )
            ]
        )


def check_depth(tree: lark.Tree[Token], file: str) -> None:
    """Refuse a syntax tree deeper than :data:`MAX_NESTING_DEPTH` (CPF-E013).

    Walks the tree with an explicit stack: the check itself cannot overflow.
    """
    import lark

    stack: list[tuple[lark.Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING_DEPTH:
            meta = node.meta
            line = getattr(meta, "line", 1) or 1
            column = getattr(meta, "column", 1) or 1
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-E013",
                        Severity.ERROR,
                        f"this formula is nested more than {MAX_NESTING_DEPTH} levels deep",
                        Span(file, line, column, line, column + 1),
                        expected=f"at most {MAX_NESTING_DEPTH} nested operators, calls, `if` or `let`",
                        hint="name intermediate values with `let … in`, or split the formula into several rules",
                    )
                ]
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))


def _lines_before_end(source: str) -> list[str]:
    """The lines up to the end of the file (where an unfinished file is reported): Lark's
    lines, without the empty one after a final newline."""
    lines = source_lines(source)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def parse_module(source: str, file: str) -> ast.Module:
    """Parse one rule file's text; raise :class:`CpfError` with one diagnostic on error."""
    check_size(source, file)
    fast = _parse_fast(source, file, "start")
    declarations = fast if fast is not None else _parse_with_lark(source, file, "start")
    return ast.Module(file, source, tuple(declarations))
