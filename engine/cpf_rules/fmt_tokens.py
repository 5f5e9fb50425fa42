"""The tokens of a rule-file line and the spaces between them, for ``cpf fmt`` (:mod:`cpf_rules.fmt`).

A line is cut into tokens by one regular expression (comments and strings kept as
written, tabs counted to the next multiple of 4 columns); :func:`gap_before` gives the
canonical number of spaces before a token, and :func:`unary_minuses` tells a unary ``-``
(``-1``, a range's ``between -1 and 1``) from a binary one, reading the last tokens of
the lines before when a line starts with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9]))
  | (?P<cite>[A-Z]+:[A-Za-z0-9][A-Za-z0-9.\-]*)
  | (?P<rate>EUR/h\b)
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|[-+*/<>=(),.:|{}])
  | (?P<other>\S)
    """,
    re.VERBOSE,
)

KEYWORDS = frozenset(
    "enum record input parameter rule exception from cite uncertain interpretation when if then else "
    "let in and or not otherwise for default optional list none".split()
)
_CALLABLE_KEYWORDS = frozenset({"sum", "count", "any", "all"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # as written: a tab inside a string or a comment stays a tab
    column: int  # 0-based display column in the original line (tabs to 4 columns)
    end_column: int = -1  # display column just after the token (-1: column + len(text))

    @property
    def end(self) -> int:
        return self.end_column if self.end_column >= 0 else self.column + len(self.text)


def display_width(text: str) -> int:
    """Display width of the start of a line, tabs to the next multiple of 4 columns."""
    return len(text.expandtabs(TAB_WIDTH)) if "\t" in text else len(text)


TAB_WIDTH = 4


def tokenize_line(text: str) -> list[Token]:
    """The tokens of one source line, each with the text written (a tab inside a string
    literal or a comment is kept) and its display columns (tabs count to the next
    multiple of 4, so that tab-indented lines and tab-aligned columns are understood)."""
    return [
        Token(
            match.lastgroup or "other",
            match.group(),
            display_width(text[: match.start()]),
            display_width(text[: match.end()]),
        )
        for match in _TOKEN.finditer(text)
        if match.group().strip()
    ]


def _ends_value(token: Token | None) -> bool:
    if token is None:
        return False
    if token.kind in ("number", "date", "string", "rate", "cite"):
        return True
    if token.kind == "name":
        return token.text not in KEYWORDS or token.text == "none"
    return token.text == ")"


def gap_before(tokens: Sequence[Token], index: int, unary: set[int]) -> int:
    """Canonical number of spaces before ``tokens[index]`` (index ≥ 1)."""
    prev, token = tokens[index - 1], tokens[index]
    if token.text in (")", ",") or prev.text == "(" or index - 1 in unary:
        return 0
    if token.text == "." or prev.text == ".":
        return 0
    if token.text == "(":
        is_call = prev.kind == "name" and (prev.text not in KEYWORDS or prev.text in _CALLABLE_KEYWORDS)
        return 0 if is_call else 1
    if token.text == "/" and index >= 2 and tokens[index - 2].text == ":":
        return 0  # rate type money/hours
    if prev.text == "/" and index >= 3 and tokens[index - 3].text == ":":
        return 0
    return 1


def unary_minuses(tokens: Sequence[Token], previous: Sequence[Token]) -> set[int]:
    """Indexes of the line's unary ``-``; ``previous`` holds the last code tokens of the
    lines before (:data:`MINUS_CONTEXT` of them), so that a continuation line that starts
    with ``-1`` is read in its statement: after ``and``, ``between``, ``at least``…"""
    joined = [*previous, *tokens]
    offset = len(previous)
    result = set()
    for index in range(offset, len(joined)):
        if joined[index].text == "-" and (
            not _ends_value(joined[index - 1] if index else None) or _opens_range_end(joined, index)
        ):
            result.add(index - offset)
    return result


MINUS_CONTEXT = 3
"""How many code tokens of the lines before a line decide its unary ``-`` (``: TYPE between``)."""


def _opens_range_end(tokens: Sequence[Token], index: int) -> bool:
    """Whether ``tokens[index]`` starts an end of a declared range: ``TYPE between -1 and 1``,
    ``at least -1``, ``at most -1`` (``between``, ``least`` and ``most`` are names elsewhere)."""
    if index >= 2 and tokens[index - 1].text in ("least", "most"):
        return tokens[index - 2].text == "at"
    if index >= 3 and tokens[index - 1].text == "between":
        return tokens[index - 2].kind == "name" and tokens[index - 3].text in (":", "/")
    return False
