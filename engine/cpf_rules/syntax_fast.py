"""Stage 1's fast path: an LALR driver over the shipped tables that builds ast nodes directly.

Lark parses a rule file into a tree (a Token per word, a Tree and its positions per
rule), then syntax.py walks that tree again to make the ast nodes. This module runs the
same automaton (the tables Lark computed for grammar/cpf.lark, shipped in
syntax_tables.json) in one loop and calls the builder's methods (syntax_build.py) at
each reduction, with the positions Lark's ``propagate_positions`` would have given (as
the node's :class:`Span`, where Lark gives its meta): a node spans its first to its
last token, parentheses around a child included. It gives the same nodes as the Lark
path (tests/test_startup_tables.py compares them on every rule file, tricky texts and
mutated ones), several times faster, and imports no Lark.

It only handles what succeeds. On anything else (a syntax error, a bad date, a formula
nested too deep) it raises :class:`Fallback` and syntax.py parses the text with Lark,
whose errors say what was expected: the diagnostics are Lark's, unchanged.

Lexing, as Lark's contextual lexer does it: each parser state has its own lexer (only
the terminals acceptable there, so ``days`` is a name after ``:`` and a unit after a
number). The lexer of all terminals is tried first; its token is the contextual one
whenever the state accepts its type, which is nearly always. Otherwise the state's own
lexer is compiled (once) and used.
"""

from __future__ import annotations

import re
from typing import Any

from .diagnostics import CpfError, Span
from .syntax_tables import ParserTables

_Entry = tuple[Any, int, int, int, int, int]
"""A stack entry: value, first line and column, last line and column, tree height."""


class Fallback(Exception):
    """The fast path cannot give Lark's answer for this text (usually: the text has an error)."""


class _Token(str):
    """A word of the text and its place: what the builder reads of a ``lark.Token``."""

    type: str
    line: int
    column: int
    end_line: int
    end_column: int


def _token(kind: str, value: str, line: int, column: int, end_line: int, end_column: int) -> _Token:
    token = _Token(value)
    token.type = kind
    token.line = line
    token.column = column
    token.end_line = end_line
    token.end_column = end_column
    return token


class FastParser:
    """The automaton of the shipped tables, bound to the builder class (syntax_build.AstBuilder)."""

    def __init__(self, tables: ParserTables, builder_class: type, meta_methods: set[str]) -> None:
        self.tables = tables
        self._lexers: dict[int, tuple[tuple[re.Pattern[str], ...], dict[str, dict[str, str]]]] = {}
        self._actions: list[tuple[int, str, tuple[tuple[int, bool], ...], int, Any, bool]] = []
        for rule in tables.rules:
            function, wants_meta = None, False
            if rule.callback is not None:
                function = getattr(builder_class, rule.callback)  # called as f(builder, [meta,] children)
                wants_meta = rule.callback in meta_methods
            kind = 0 if rule.origin.startswith("_") or rule.callback is not None else 1  # 1: a root tree
            self._actions.append((rule.size, rule.origin, rule.include, kind, function, wants_meta))
        self._passthrough = [rule.passthrough for rule in tables.rules]
        self._skip_then_token: re.Pattern[str] | None = None
        self._unit = [rule.passthrough and rule.size == 1 and rule.include == ((0, False),) for rule in tables.rules]
        """Rules such as ``?expr: or_expr``: the child stays on the stack as it is, in a new state."""

    def _lexer(self, index: int) -> tuple[tuple[re.Pattern[str], ...], dict[str, dict[str, str]]]:
        lexer = self._lexers.get(index)
        if lexer is None:
            patterns, keywords = self.tables.lexers[index]
            lexer = (tuple(re.compile(pattern) for pattern in patterns), keywords)
            self._lexers[index] = lexer
        return lexer

    def _combined(self) -> re.Pattern[str] | None:
        """The lexer of all terminals, whitespace skipped first (atomic: no backtracking into it)."""
        if self._skip_then_token is None:
            patterns = self.tables.lexers[self.tables.root_lexer][0]
            skip = self.tables.skip
            if len(patterns) != 1 or skip is None or "WS" not in self.tables.newline_types:
                return None
            self._skip_then_token = re.compile(f"(?>{skip})?(?:{patterns[0]})")
        return self._skip_then_token

    def _match(self, index: int, text: str, pos: int) -> tuple[str, str]:
        patterns, keywords = self._lexer(index)
        for pattern in patterns:
            found = pattern.match(text, pos)
            if found is not None:
                value, kind = found.group(), found.lastgroup
                assert kind is not None
                words = keywords.get(kind)
                if words is not None:
                    kind = words.get(value, kind)
                return value, kind
        raise Fallback("no terminal matches here")

    def parse(self, builder: Any, text: str, start: str, max_height: int) -> list[Any]:
        """The children of the start rule (ast nodes); raise :class:`Fallback` if Lark must decide."""
        tables = self.tables
        file = builder.file  # the builder's methods take the node's Span where Lark gives its meta
        states = tables.states
        state_lexer = tables.state_lexer
        ignore = tables.ignore_types
        newline_types = tables.newline_types
        kept = tables.kept_terminals
        actions = self._actions
        passthrough = self._passthrough
        unit = self._unit
        root = tables.root_lexer
        root_keywords = self._lexer(root)[1]
        combined = self._combined()
        end_state = tables.end_states[start]
        state_stack = [tables.start_states[start]]
        stack: list[_Entry] = []
        pos, line, line_start, size = 0, 1, 0, len(text)
        while True:
            if pos < size:
                found = combined.match(text, pos) if combined is not None else None
                if found is not None:  # whitespace (if any) then a token, in one match
                    kind = found.lastgroup or ""  # always set: every alternative is a named group
                    value = found.group(kind)
                    token_start = found.end() - len(value)
                    if token_start != pos:
                        newlines = text.count("\n", pos, token_start)
                        if newlines:
                            line += newlines
                            line_start = text.rfind("\n", pos, token_start) + 1
                        pos = token_start
                    words = root_keywords.get(kind)
                    if words is not None:
                        kind = words.get(value, kind)
                else:
                    value, kind = self._match(root, text, pos)
                if kind in ignore:  # every state's lexer has these (whitespace, comments): same token
                    if kind in newline_types:
                        newlines = value.count("\n")
                        if newlines:
                            line += newlines
                            line_start = pos + value.rindex("\n") + 1
                    pos += len(value)
                    continue
                if kind not in states[state_stack[-1]]:  # the contextual lexer may see another token
                    value, kind = self._match(state_lexer[state_stack[-1]], text, pos)
                    if kind in ignore:
                        raise Fallback("the state's lexer disagrees on what to ignore")
                start_line, start_column = line, pos - line_start + 1
                if kind in newline_types:
                    newlines = value.count("\n")
                    if newlines:
                        line += newlines
                        line_start = pos + value.rindex("\n") + 1
                pos += len(value)
                end_column = pos - line_start + 1
                token = _token(kind, value, start_line, start_column, line, end_column) if kind in kept else None
                entry: _Entry = (token, start_line, start_column, line, end_column, 0)
                is_end = False
            else:
                kind, is_end = "$END", True
            while True:
                state = state_stack[-1]
                action = states[state].get(kind)
                if action is None:
                    raise Fallback(f"unexpected {kind}")
                if action >= 0:
                    if is_end:
                        raise Fallback("shift at the end")
                    state_stack.append(action)
                    stack.append(entry)
                    break
                number = ~action
                if unit[number]:
                    goto = states[state_stack[-2]][actions[number][1]]
                    state_stack[-1] = goto
                    if is_end and goto == end_state:
                        result_unit: list[Any] = stack[-1][0]
                        return result_unit
                    continue
                count, origin, include, kind_of_tree, function, wants_meta = actions[number]
                if count:
                    raw = stack[-count:]
                    del stack[-count:]
                    del state_stack[-count:]
                    first, last = raw[0], raw[-1]
                    if first[1] < 0 or last[1] < 0:  # an empty child (a rule that matched nothing) has no position
                        positioned = [child for child in raw if child[1] >= 0]
                        first = positioned[0] if positioned else (None, -1, -1, -1, -1, 0)
                        last = positioned[-1] if positioned else first
                else:
                    raw = []
                    first = last = (None, -1, -1, -1, -1, 0)
                children: list[Any] = []
                height = 0
                for index, splice in include:
                    child = raw[index]
                    if splice:
                        children.extend(child[0])
                    else:
                        children.append(child[0])
                    if child[5] > height:
                        height = child[5]
                if passthrough[number] and len(children) == 1:
                    value_out = children[0]
                elif function is not None:
                    try:
                        if wants_meta:
                            value_out = function(builder, Span(file, first[1], first[2], last[3], last[4]), children)
                        else:
                            value_out = function(builder, children)
                    except CpfError:
                        raise Fallback("the builder refused a value (a date that does not exist)") from None
                    height += 1
                elif kind_of_tree:
                    value_out = children
                    height += 1
                else:  # a helper rule (``x*``): its children go into the parent's
                    value_out = children
                if height > max_height:
                    raise Fallback("nested too deep")
                goto = states[state_stack[-1]][origin]
                state_stack.append(goto)
                stack.append((value_out, first[1], first[2], last[3], last[4], height))
                if is_end and goto == end_state:
                    result: list[Any] = stack[-1][0]
                    return result
