"""Positions of the language server: the engine's lines (Lark: ``\\n``) against LSP's.

LSP 3.17 counts lines at ``\\r\\n``, ``\\n`` and ``\\r`` and characters in UTF-16 code
units by default; the engine counts lines at ``\\n`` only (like Lark and
``syntax_build.source_lines``), columns in code points. These tests pin the conversion
both ways, hover/definition word lookup, and that no diagnostic is dropped for lack of
a place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cpf_rules.diagnostics import Diagnostic, Severity, Span
from cpf_rules.loader import CheckReport
from cpf_rules.lsp.analysis import diagnostics_by_file, lsp_range, word_at
from cpf_rules.lsp.positions import LineIndex, encoding_of, units
from cpf_rules.syntax_build import source_lines

EMOJI = "\U0001f600"  # outside the BMP: 2 UTF-16 units, 4 UTF-8 bytes, 1 code point

# Every kind of line break and of character the two sides may disagree on.
MIXED = f'# a\u2028b\x0cc\r\nparameter p : money "é{EMOJI}"\rrule r = p\n\n# {EMOJI}\x85z\rlast'


def test_lark_lines_are_source_lines_of_syntax_build() -> None:
    """The index's engine lines are exactly the lines Lark numbers (``source_lines``)."""
    index = LineIndex(MIXED, "lark")
    lines = source_lines(MIXED)
    for number, line in enumerate(lines, start=1):
        start = index.engine_offset(number, 1)
        end = index.engine_offset(number, len(line) + 1)
        assert MIXED[start:end] == line
    assert index.engine_offset(len(lines) + 5, 1) == len(MIXED)


def test_lsp_lines_cut_at_crlf_lf_and_cr_only() -> None:
    index = LineIndex(MIXED, "lark")
    expected = ["# a\u2028b\x0cc", f'parameter p : money "é{EMOJI}"', "rule r = p", "", f"# {EMOJI}\x85z", "last"]
    assert [index.lsp_line(n) for n in range(index.lsp_line_count)] == expected
    assert index.lsp_line(-1) is None and index.lsp_line(len(expected)) is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8"])
def test_every_offset_round_trips_both_ways(encoding: str) -> None:
    """offset → engine (line, column) → offset, and offset → LSP position → offset, for
    every character boundary (inside ``\\r\\n`` LSP has no position: the line's end)."""
    enc = encoding_of(encoding)
    index = LineIndex(MIXED, "lark")
    for offset in range(len(MIXED) + 1):
        assert index.engine_offset(*index.engine_position(offset)) == offset
        back = index.lsp_offset(*index.lsp_position(offset, enc), enc)
        inside_crlf = 0 < offset < len(MIXED) and MIXED[offset - 1 : offset + 1] == "\r\n"
        assert back == (offset - 1 if inside_crlf else offset)
        # and across: the engine's place and the editor's place are the same character
        line, column = index.engine_position(offset)
        assert index.engine_from_lsp(*index.lsp_from_engine(line, column, enc), enc) == (
            index.engine_position(offset - 1) if inside_crlf else (line, column)
        )


def test_code_units_of_each_encoding() -> None:
    text = f"é{EMOJI}x"
    assert units(text, "utf-16") == 4 and units(text, "utf-32") == 3 and units(text, "utf-8") == 2 + 4 + 1
    index = LineIndex(f"a\n{text}", "lark")
    x = 2 + 2  # offset of `x`: after "a\n", "é" and the emoji
    assert index.lsp_position(x, "utf-16") == (1, 3)
    assert index.lsp_position(x, "utf-32") == (1, 2)
    assert index.lsp_position(x, "utf-8") == (1, 6)
    # half a surrogate pair or a byte inside a UTF-8 sequence: that character
    assert index.lsp_offset(1, 2, "utf-16") == 3 and index.lsp_offset(1, 4, "utf-8") == 3
    # past the end of the line: the line's end, as LSP says
    assert index.lsp_offset(1, 99, "utf-16") == len(f"a\n{text}")
    assert encoding_of("utf-32") == "utf-32" and encoding_of(None) == "utf-16" and encoding_of("utf-7") == "utf-16"


def test_engine_position_from_lsp_position_on_a_cr_only_text() -> None:
    """LSP → engine: the third line of a CR-only buffer is, for Lark, far into line 1."""
    text = "parameter p : money\r  from 2019-01-01 = 500 EUR\rrule r = p\r"
    index = LineIndex(text, "lark")
    assert index.engine_from_lsp(2, 5) == (1, text.index("r = p") + 1)
    assert index.lsp_from_engine(1, text.index("r = p") + 1) == (2, 5)


def test_range_of_an_error_after_an_emoji_is_in_utf16_units() -> None:
    line = f'rule r(y : year) : money "{EMOJI} x" cite CT:R6323-1 = anual(y.start)\n'
    column = line.index("anual") + 1  # the engine's column: code points, from 1
    span = Span("rules/x.cpf", 1, column, 1, column + 5)
    assert lsp_range(span, line) == (0, column, 0, column + 5)  # one more unit: the emoji is two
    assert lsp_range(span, line, "utf-32") == (0, column - 1, 0, column + 4)
    assert lsp_range(span, line, "utf-8") == (0, column + 2, 0, column + 7)


def test_range_of_an_error_in_a_cr_only_buffer() -> None:
    text = (
        'parameter p : money "M"\r  from 2019-01-01 = 500 EUR cite CT:R6323-1 "I"\r'
        'rule r(y : year) : money "R" cite CT:R6323-1 = anual(y.start)\r'
    )
    offset = text.index("anual")
    span = Span("rules/x.cpf", 1, offset + 1, 1, offset + 6)  # Lark: all on line 1
    third = text.split("\r")[2]
    assert lsp_range(span, text) == (2, third.index("anual"), 2, third.index("anual") + 5)


def test_range_in_a_yaml_file_counts_its_lines_like_pyyaml() -> None:
    """A legal reference's spans come from PyYAML, which also cuts at U+2028 and \\r."""
    text = "a: 1\u2028b: [\rc: ]]\n"
    with pytest.raises(yaml.MarkedYAMLError) as error:
        yaml.safe_load(text)
    mark = error.value.problem_mark
    assert mark is not None and (mark.line, mark.column) == (2, 4)  # the second `]`, for PyYAML
    span = Span("legal_refs/CT/X.yaml", mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)
    assert lsp_range(span, text) == (1, 4, 1, 5)  # LSP: U+2028 is no line break, \r is


def test_word_at_counts_lines_like_lsp() -> None:
    """U+2028 and a form feed are characters of their line; \\r alone ends one."""
    text = '# note\u2028suite\nrule r : integer "R" cite CT:R6323-1 = annual_amount\n'
    assert word_at(text, 1, 45) == "annual_amount"
    assert word_at('# page\x0c\nparameter p : money "M"\n', 1, 11) == "p"
    assert word_at("rule a = 1\rrule b = total\r", 1, 12) == "total"
    assert word_at("x = 1\r\ny = cap\r\n", 1, 5) == "cap"


def test_word_at_reads_positions_in_the_negotiated_encoding() -> None:
    text = f'rule r : money "{EMOJI}é" cite CT:R6323-1 = annual_amount\n'
    start = text.index("annual_amount")  # code points
    assert word_at(text, 0, start + 1) == "annual_amount"  # UTF-16: emoji = 2 units
    assert word_at(text, 0, start - 1 + 1, "utf-32") == "annual_amount"
    assert word_at(text, 0, start + 3 + 1, "utf-8") == "annual_amount"
    assert word_at(text, 0, start - 1, "utf-16") is None  # the space before it, in UTF-16
    assert word_at(text, 5, 0) is None


def _report(*diagnostics: Diagnostic) -> CheckReport:
    return CheckReport(diagnostics, {}, None)


def test_a_diagnostic_without_place_goes_to_the_file_it_names(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.cpf").write_bytes(b"rule \xff\n")
    unreadable = Diagnostic("CPF-E011", Severity.ERROR, "rules/bad.cpf is not UTF-8 text: invalid start byte")
    grouped = diagnostics_by_file(_report(unreadable), rules, "rules/credit.cpf")
    assert list(grouped) == ["rules/bad.cpf"]
    (placed,) = grouped["rules/bad.cpf"]
    assert placed.code == "CPF-E011" and placed.message == unreadable.message
    assert placed.span == Span("rules/bad.cpf", 1, 1, 1, 2)


def test_a_diagnostic_naming_no_file_goes_to_the_document_edited(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    located = Diagnostic("CPF-E101", Severity.ERROR, "unknown name", Span("rules/a.cpf", 2, 3, 2, 5))
    nowhere = Diagnostic("CPF-E010", Severity.ERROR, f"no .cpf rule file under {rules}")
    gone = Diagnostic("CPF-E011", Severity.ERROR, "rules/gone.cpf is not UTF-8 text")  # names no existing file
    grouped = diagnostics_by_file(_report(located, nowhere, gone), rules, "rules/new.cpf")
    assert grouped["rules/a.cpf"] == [located]
    assert [d.code for d in grouped["rules/new.cpf"]] == ["CPF-E010", "CPF-E011"]
    for placed in grouped["rules/new.cpf"]:
        assert placed.span == Span("rules/new.cpf", 1, 1, 1, 2)
        assert placed.message.endswith("(for the rule set: no place in a file)")
    assert sum(len(items) for items in grouped.values()) == 3  # none dropped


def test_a_file_named_with_accents_is_found(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "rémunération"
    rules.mkdir(parents=True)
    (rules / "congé.cpf").write_bytes(b"\xff")
    message = "cannot read `rules/rémunération/congé.cpf`: not UTF-8"
    grouped = diagnostics_by_file(_report(Diagnostic("CPF-E011", Severity.ERROR, message)), rules.parent, "rules/a.cpf")
    assert list(grouped) == ["rules/rémunération/congé.cpf"]
