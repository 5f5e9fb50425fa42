"""Stage 1, text → syntax tree: parse a rule file with the Lark grammar into ast nodes.

The grammar (grammar/cpf.lark) is compiled once per process. Lark's errors are turned
into our own :class:`~cpf_rules.diagnostics.Diagnostic` (code CPF-E001…E003) with plain
words for what was expected: no ``__ANON_0`` ever reaches a user.
"""

from __future__ import annotations

import datetime
import functools
from fractions import Fraction
from typing import Any

import lark
from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast
from .diagnostics import CpfError, Diagnostic, Severity, Span
from .limits import MAX_RULE_FILE_BYTES as MAX_RULE_FILE_BYTES  # re-exported: tests and tools read it here
from .paths import grammar_file

MAX_NESTING_DEPTH = 100
"""Deepest syntax tree accepted (CPF-E013); the bundled rules reach 14. The later stages
walk the tree recursively, so 10,000 nested `-` or `if` get a diagnostic, not a
RecursionError. Parentheses alone add no level and are bounded by the file size."""

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
def _parser() -> lark.Lark:
    from .cache import lark_cache_file  # parser tables cached per grammar text (cache.py)

    grammar = grammar_file().read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        cache=lark_cache_file(grammar, lark.__version__),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        start=["start", "value_start"],
    )


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


def _span_of(file: str, meta: Any) -> Span:
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _token_span(file: str, token: Token) -> Span:
    line = token.line or 1
    column = token.column or 1
    end_line = token.end_line or line
    end_column = token.end_column or column + 1
    return Span(file, line, column, end_line, end_column)


def _unquote(token: Token) -> str:
    raw = str(token)[1:-1]
    return raw.replace('\\"', '"').replace("\\\\", "\\")


class _ToAst(Transformer[Token, Any]):
    """Lark tree → ast nodes. Each method receives the node's meta for its span."""

    def __init__(self, file: str, source: str) -> None:
        super().__init__()
        self.file = file
        self.source = source

    def _span(self, meta: Any) -> Span:
        return _span_of(self.file, meta)

    # -- annotations and small pieces
    def cite_ref(self, children: list[Any]) -> ast.Citation:
        locator = _unquote(children[1]) if len(children) > 1 else None
        return ast.Citation(_token_span(self.file, children[0]), str(children[0]), locator)

    def cite(self, children: list[Any]) -> list[ast.Citation]:
        return list(children)

    @v_args(meta=True)
    def uncertain(self, meta: Any, children: list[Any]) -> ast.Flag:
        return ast.Flag(self._span(meta), "uncertain", _unquote(children[0]))

    @v_args(meta=True)
    def interpretation(self, meta: Any, children: list[Any]) -> ast.Flag:
        return ast.Flag(self._span(meta), "interpretation", _unquote(children[0]))

    def label(self, children: list[Any]) -> tuple[str, str]:
        return ("label", _unquote(children[0]))

    @v_args(meta=True)
    def simple_type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(self._span(meta), "simple", str(children[0]))

    @v_args(meta=True)
    def rate_type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(self._span(meta), "rate", str(children[0]), str(children[1]))

    @v_args(meta=True)
    def list_type(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef(self._span(meta), "list", str(children[0]))

    # -- declarations
    @v_args(meta=True)
    def enum_case(self, meta: Any, children: list[Any]) -> ast.EnumCase:
        label = children[1][1] if len(children) > 1 else None
        return ast.EnumCase(self._span(meta), str(children[0]), label)

    @v_args(meta=True)
    def enum_decl(self, meta: Any, children: list[Any]) -> ast.EnumDecl:
        name = str(children[0])
        label = None
        rest = children[1:]
        if rest and isinstance(rest[0], tuple):
            label = rest[0][1]
            rest = rest[1:]
        return ast.EnumDecl(self._span(meta), name, label, tuple(rest))

    def field_default(self, children: list[Any]) -> tuple[str, Any]:
        return ("default", children[0])

    @v_args(meta=True)
    def field_decl(self, meta: Any, children: list[Any]) -> ast.FieldDecl:
        default = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "default"), None)
        label = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "label"), None)
        return ast.FieldDecl(self._span(meta), str(children[0]), children[1], default, label)

    @v_args(meta=True)
    def record_decl(self, meta: Any, children: list[Any]) -> ast.RecordDecl:
        label = next((c[1] for c in children[1:] if isinstance(c, tuple)), None)
        fields = tuple(c for c in children[1:] if isinstance(c, ast.FieldDecl))
        return ast.RecordDecl(self._span(meta), str(children[0]), label, fields)

    def input_path(self, children: list[Any]) -> tuple[str | None, str]:
        if len(children) == 2:
            return (str(children[0]), str(children[1]))
        return (None, str(children[0]))

    def optional(self, children: list[Any]) -> tuple[str, None]:
        return ("optional", None)

    def default(self, children: list[Any]) -> tuple[str, Any]:
        return ("default", children[0])

    @v_args(meta=True)
    def input_decl(self, meta: Any, children: list[Any]) -> ast.InputDecl:
        section, name = children[0]
        type_ref = children[1]
        optional = any(isinstance(c, tuple) and c[0] == "optional" for c in children[2:])
        default = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "default"), None)
        label = next((c[1] for c in children[2:] if isinstance(c, tuple) and c[0] == "label"), None)
        return ast.InputDecl(self._span(meta), section, name, type_ref, optional, default, label)

    def none_value(self, children: list[Any]) -> None:
        return None

    @v_args(meta=True)
    def dated_value(self, meta: Any, children: list[Any]) -> ast.DatedValue:
        start = _parse_date(children[0], self.file)
        value = children[1]
        annotations = _flatten(children[2:])
        citations = tuple(a for a in annotations if isinstance(a, ast.Citation))
        flags = tuple(a for a in annotations if isinstance(a, ast.Flag))
        return ast.DatedValue(self._span(meta), start, value, citations, flags)

    @v_args(meta=True)
    def parameter_decl(self, meta: Any, children: list[Any]) -> ast.ParameterDecl:
        label = next((c[1] for c in children[2:] if isinstance(c, tuple)), None)
        values = tuple(c for c in children[2:] if isinstance(c, ast.DatedValue))
        return ast.ParameterDecl(self._span(meta), str(children[0]), children[1], label, values)

    @v_args(meta=True)
    def formal(self, meta: Any, children: list[Any]) -> ast.Formal:
        return ast.Formal(self._span(meta), str(children[0]), children[1])

    def formals(self, children: list[Any]) -> tuple[str, tuple[ast.Formal, ...]]:
        return ("formals", tuple(children))

    @v_args(meta=True)
    def exception(self, meta: Any, children: list[Any]) -> ast.ExceptionDecl:
        name = str(children[0])
        rest = _flatten(children[1:])
        label = next((c[1] for c in rest if isinstance(c, tuple)), None)
        citations = tuple(c for c in rest if isinstance(c, ast.Citation))
        flags = tuple(c for c in rest if isinstance(c, ast.Flag))
        condition, body = rest[-2], rest[-1]
        return ast.ExceptionDecl(self._span(meta), name, label, citations, flags, condition, body)

    @v_args(meta=True)
    def rule_decl(self, meta: Any, children: list[Any]) -> ast.RuleDecl:
        name = str(children[0])
        rest = children[1:]
        formals: tuple[ast.Formal, ...] = ()
        if rest and isinstance(rest[0], tuple) and rest[0][0] == "formals":
            formals = rest[0][1]
            rest = rest[1:]
        type_ref = rest[0]
        rest = _flatten(rest[1:])
        label = next((c[1] for c in rest if isinstance(c, tuple)), None)
        citations = tuple(c for c in rest if isinstance(c, ast.Citation))
        flags = tuple(c for c in rest if isinstance(c, ast.Flag))
        exceptions = tuple(c for c in rest if isinstance(c, ast.ExceptionDecl))
        plain = [c for c in rest if not isinstance(c, (tuple, ast.Citation, ast.Flag, ast.ExceptionDecl))]
        body = plain[0]
        body_text = node_text(body, self.source)
        return ast.RuleDecl(
            self._span(meta), name, formals, type_ref, label, citations, flags, body, exceptions, body_text
        )

    # -- expressions
    @v_args(meta=True)
    def quantity(self, meta: Any, children: list[Any]) -> ast.Quantity:
        text = str(children[0])
        unit = str(children[1]) if len(children) > 1 else None
        return ast.Quantity(self._span(meta), Fraction(text), unit, "." not in text)

    @v_args(meta=True)
    def date_literal(self, meta: Any, children: list[Any]) -> ast.DateLiteral:
        return ast.DateLiteral(self._span(meta), _parse_date(children[0], self.file))

    @v_args(meta=True)
    def text_literal(self, meta: Any, children: list[Any]) -> ast.TextLiteral:
        return ast.TextLiteral(self._span(meta), _unquote(children[0]))

    @v_args(meta=True)
    def true_literal(self, meta: Any, children: list[Any]) -> ast.BoolLiteral:
        return ast.BoolLiteral(self._span(meta), True)

    @v_args(meta=True)
    def false_literal(self, meta: Any, children: list[Any]) -> ast.BoolLiteral:
        return ast.BoolLiteral(self._span(meta), False)

    @v_args(meta=True)
    def name(self, meta: Any, children: list[Any]) -> ast.Name:
        return ast.Name(self._span(meta), str(children[0]))

    def arguments(self, children: list[Any]) -> tuple[str, tuple[Any, ...]]:
        return ("arguments", tuple(children))

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> ast.Call:
        token = children[0]
        args = children[1][1] if len(children) > 1 else ()
        return ast.Call(self._span(meta), str(token), _token_span(self.file, token), args)

    @v_args(meta=True)
    def field(self, meta: Any, children: list[Any]) -> ast.FieldAccess:
        return ast.FieldAccess(self._span(meta), children[0], str(children[1]))

    @v_args(meta=True)
    def negate(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary(self._span(meta), "-", children[0])

    @v_args(meta=True)
    def not_op(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary(self._span(meta), "not", children[0])

    def _binary(self, op: str, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary(self._span(meta), op, children[0], children[1])

    @v_args(meta=True)
    def or_op(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("or", meta, c)

    @v_args(meta=True)
    def and_op(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("and", meta, c)

    @v_args(meta=True)
    def eq(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("==", meta, c)

    @v_args(meta=True)
    def ne(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("!=", meta, c)

    @v_args(meta=True)
    def lt(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("<", meta, c)

    @v_args(meta=True)
    def le(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("<=", meta, c)

    @v_args(meta=True)
    def gt(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary(">", meta, c)

    @v_args(meta=True)
    def ge(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary(">=", meta, c)

    @v_args(meta=True)
    def add(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("+", meta, c)

    @v_args(meta=True)
    def sub(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("-", meta, c)

    @v_args(meta=True)
    def mul(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("*", meta, c)

    @v_args(meta=True)
    def div(self, meta: Any, c: list[Any]) -> ast.Binary:
        return self._binary("/", meta, c)

    @v_args(meta=True)
    def otherwise(self, meta: Any, c: list[Any]) -> ast.Otherwise:
        return ast.Otherwise(self._span(meta), c[0], c[1])

    @v_args(meta=True)
    def if_expr(self, meta: Any, c: list[Any]) -> ast.If:
        return ast.If(self._span(meta), c[0], c[1], c[2], expression_text(c[0], self.source))

    @v_args(meta=True)
    def let_expr(self, meta: Any, c: list[Any]) -> ast.Let:
        return ast.Let(self._span(meta), str(c[0]), c[1], c[2])

    def aggregate_kind(self, children: list[Any]) -> str:
        return str(children[0])

    def aggregate_filter(self, children: list[Any]) -> tuple[str, Any]:
        return ("filter", children[0])

    @v_args(meta=True)
    def aggregate(self, meta: Any, c: list[Any]) -> ast.Aggregate:
        condition = c[4][1] if len(c) > 4 else None
        return ast.Aggregate(self._span(meta), c[0], c[1], str(c[2]), c[3], condition)


def parse_value(text: str, file: str) -> ast.Expr:
    """Parse a lone expression (a what-if value such as ``6000 EUR``); raise CpfError."""
    check_size(text, file)
    try:
        tree = _parser().parse(text, start="value_start")
    except UnexpectedInput as error:
        raise CpfError([_syntax_diagnostic(error, file, text)]) from None
    check_depth(tree, file)
    expr: ast.Expr = _transform(_ToAst(file, text), tree).children[0]
    return expr


def _transform(transformer: _ToAst, tree: lark.Tree[Token]) -> Any:
    """Run the transformer, letting our own diagnostics (a bad date) through Lark's wrapper."""
    try:
        return transformer.transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, CpfError):
            raise error.orig_exc from None
        raise


def _flatten(children: list[Any]) -> list[Any]:
    """Expand the citation lists of ``cite A, B`` into the surrounding children."""
    flat: list[Any] = []
    for child in children:
        if isinstance(child, list):
            flat.extend(child)
        else:
            flat.append(child)
    return flat


def _parse_date(token: Token, file: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(token))
    except ValueError:
        raise CpfError(
            [
                Diagnostic(
                    "CPF-E003",
                    Severity.ERROR,
                    f"'{token}' is not a valid calendar date",
                    _token_span(file, token),
                    hint="dates are written YYYY-MM-DD and must exist (2019-02-30 does not)",
                )
            ]
        ) from None


def _syntax_diagnostic(error: UnexpectedInput, file: str, source: str) -> Diagnostic:
    line = getattr(error, "line", 1) or 1
    column = getattr(error, "column", 1) or 1
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            lines = source.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            span = Span(file, line, column, line, column + 1)
        else:
            span = _token_span(file, token)
        expected = _describe_expected(set(error.accepts or error.expected))
        message = f"unexpected {_describe_token(token)}"
        hint = _hint_for(token, set(error.accepts or error.expected))
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
    lines = source.splitlines() or [""]
    span = Span(file, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
    return Diagnostic(
        "CPF-E001",
        Severity.ERROR,
        "unexpected end of file",
        span,
        expected=_describe_expected(set(error.expected)),
    )


def _hint_for(token: Token, expected: set[str]) -> str | None:
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
    if token.type == "$END":
        return "the declaration is not finished"
    return None


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


def parse_module(source: str, file: str) -> ast.Module:
    """Parse one rule file's text; raise :class:`CpfError` with one diagnostic on error."""
    check_size(source, file)
    try:
        tree = _parser().parse(source, start="start")
    except UnexpectedInput as error:
        raise CpfError([_syntax_diagnostic(error, file, source)]) from None
    check_depth(tree, file)
    declarations = _transform(_ToAst(file, source), tree).children
    return ast.Module(file, source, tuple(declarations))


def expression_text(node: Any, source: str) -> str:
    """Source text of an expression node, whitespace collapsed (used in traces)."""
    return " ".join(node_text(node, source).split())


def node_text(node: Any, source: str) -> str:
    span: Span = node.span
    lines = source.splitlines()
    chunk = lines[span.line - 1 : span.end_line]
    if not chunk:
        return ""
    chunk[-1] = chunk[-1][: span.end_column - 1]
    chunk[0] = chunk[0][span.column - 1 :]
    return "\n".join(chunk)
