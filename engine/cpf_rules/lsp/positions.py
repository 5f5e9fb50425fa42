"""Positions between the engine and the editor: lines, columns and code units.

The engine and the editor do not count the same way:

- the engine (Lark, :func:`cpf_rules.syntax_build.source_lines`) cuts a rule file into
  lines at ``\\n`` only and counts lines and columns from 1, in characters (code
  points): a lone ``\\r``, a form feed or U+2028 is a character of its line;
  PyYAML (the legal references) also cuts at ``\\r``, U+0085, U+2028 and U+2029;
- LSP cuts at ``\\r\\n``, ``\\n`` and ``\\r`` only and counts from 0, in the code
  units of the negotiated position encoding: UTF-16 by default (a character outside
  the BMP, such as an emoji, is two units), UTF-32 (code points) or UTF-8 (bytes)
  when the client offers it (LSP 3.17 ``general.positionEncodings``).

:class:`LineIndex` indexes one text both ways and converts through the offset of a
character in the Python string, so that either side can be translated to the other.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]
ENCODINGS: tuple[Encoding, ...] = ("utf-16", "utf-32", "utf-8")
"""The position encodings the server speaks; UTF-16 is LSP's default and must stay first."""

Convention = Literal["lark", "yaml", "lsp"]

_BREAKS: dict[Convention, re.Pattern[str]] = {
    "lark": re.compile(r"\n"),
    "yaml": re.compile("\r\n|[\r\n\x85\u2028\u2029]"),
    "lsp": re.compile(r"\r\n|\r|\n"),
}


def convention_of(file: str) -> Convention:
    """How the engine counts the lines of a file it reports on, from its name."""
    if file.endswith((".yaml", ".yml")):
        return "yaml"
    if file.endswith(".cpf"):
        return "lark"
    return "lsp"


def encoding_of(value: object) -> Encoding:
    """The encoding a client and pygls agreed on (``"utf-16"`` when unknown)."""
    text = str(getattr(value, "value", value))
    for encoding in ENCODINGS:
        if text == encoding:
            return encoding
    return "utf-16"


def units(text: str, encoding: Encoding) -> int:
    """The length of ``text`` in code units of ``encoding``."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def _unit_width(char: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    return len(char.encode("utf-8", "surrogatepass"))


class _Lines:
    """Where each line of a text starts and where its content ends (before its break)."""

    def __init__(self, text: str, breaks: re.Pattern[str]) -> None:
        self.starts = [0]
        self.ends: list[int] = []
        for match in breaks.finditer(text):
            self.ends.append(match.start())
            self.starts.append(match.end())
        self.ends.append(len(text))

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1


class LineIndex:
    """One text, indexed by the engine's lines (of a given convention) and by LSP's."""

    def __init__(self, text: str, convention: Convention = "lark") -> None:
        self.text = text
        self._engine = _Lines(text, _BREAKS[convention])
        self._lsp = self._engine if convention == "lsp" else _Lines(text, _BREAKS["lsp"])

    # -- the engine's side: 1-based lines and columns in characters ----------------

    def engine_offset(self, line: int, column: int) -> int:
        """The offset of the engine's ``line:column`` (clamped to the text and the line)."""
        lines = self._engine
        if line < 1:
            return 0
        if line > len(lines.starts):
            return len(self.text)
        start = lines.starts[line - 1]
        return min(start + max(column - 1, 0), lines.ends[line - 1])

    def engine_position(self, offset: int) -> tuple[int, int]:
        """The engine's 1-based ``(line, column)`` of an offset."""
        offset = min(max(offset, 0), len(self.text))
        line = self._engine.line_of(offset)
        return line + 1, offset - self._engine.starts[line] + 1

    # -- the editor's side: 0-based lines, characters in code units ------------------

    @property
    def lsp_line_count(self) -> int:
        return len(self._lsp.starts)

    def lsp_line(self, line: int) -> str | None:
        """The text of an LSP line without its line break (``None`` past the end)."""
        if not 0 <= line < len(self._lsp.starts):
            return None
        return self.text[self._lsp.starts[line] : self._lsp.ends[line]]

    def lsp_position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """The LSP ``(line, character)`` of an offset (inside a ``\\r\\n``: the line's end)."""
        offset = min(max(offset, 0), len(self.text))
        line = self._lsp.line_of(offset)
        start = self._lsp.starts[line]
        end = min(offset, self._lsp.ends[line])
        return line, units(self.text[start:end], encoding)

    def lsp_offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The offset of an LSP position; a character past the end of its line means the
        line's end (as LSP says), one inside a character (half a surrogate pair, a byte
        of a UTF-8 sequence) means that character."""
        if line < 0:
            return 0
        if line >= len(self._lsp.starts):
            return len(self.text)
        start, end = self._lsp.starts[line], self._lsp.ends[line]
        if encoding == "utf-32" or self.text[start:end].isascii():
            return min(start + max(character, 0), end)
        counted = 0
        for offset in range(start, end):
            counted += _unit_width(self.text[offset], encoding)
            if counted > character:
                return offset
        return end

    # -- both ------------------------------------------------------------------------

    def lsp_from_engine(self, line: int, column: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """The engine's 1-based ``line:column`` as an LSP position."""
        return self.lsp_position(self.engine_offset(line, column), encoding)

    def engine_from_lsp(self, line: int, character: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """An LSP position as the engine's 1-based ``(line, column)``."""
        return self.engine_position(self.lsp_offset(line, character, encoding))
