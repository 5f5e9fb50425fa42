"""Syntax hints for a declared range missing its ``and`` or an end (syntax.py, ``_range_hint``).

A range is written ``between LOW and HIGH``, ``at least LOW`` or ``at most HIGH``, after the
type of an input or a record field (README, "ranges"). Each near miss gets CPF-E001 at the
token where the parser stopped and a hint that names what is missing or misspelt; the hints
of the other malformed ranges (tests/test_input_bounds.py) are unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.diagnostics import CpfError
from cpf_rules.syntax import parse_module

MISSING_AND = "a range is written `between LOW and HIGH`: the `and` is missing before "
JOINED = "a range is written `between LOW and HIGH`: its two ends are joined by `and`, not "
NO_HIGH = "a range is written `between LOW and HIGH`: the high end is missing after `and` (a number, 24 h with a unit)"
FIELD = 'record Year "Année" {{\n  months : decimal {range} "Mois"\n}}\n'


@pytest.mark.parametrize(
    ("text", "where", "hint"),
    [
        # the `and` left out: the parser stops on the high end
        ('input year.m : decimal between 0 12 "M"\n', "1:34", MISSING_AND + "12"),
        ("input year.m : decimal between 0 12\n", "1:34", MISSING_AND + "12"),
        ('input year.h : hours between 0 h 24 h "H"\n', "1:34", MISSING_AND + "24"),
        ('input year.m : decimal between 0 -12.5 "M"\n', "1:34", MISSING_AND + "-12.5"),
        (FIELD.format(range="between 0 12"), "2:30", MISSING_AND + "12"),
        # another word or sign in place of `and`
        ('input year.m : decimal between 0 to 12 "M"\n', "1:34", JOINED + "`to`"),
        ('input year.m : decimal between 0 et 12 "M"\n', "1:34", JOINED + "`et`"),
        ('input year.m : decimal between 0 or 12 "M"\n', "1:34", JOINED + "`or`"),
        ('input year.m : decimal between 0, 12 "M"\n', "1:33", JOINED + "`,`"),
        ('input year.m : decimal between 0 - 12 "M"\n', "1:34", JOINED + "`-`"),
        ('input year.m : decimal between 0 .. 12 "M"\n', "1:34", JOINED + "`..`"),
        (FIELD.format(range="between 0 to 12"), "2:30", JOINED + "`to`"),
        (FIELD.format(range="between 0, 12"), "2:29", JOINED + "`,`"),
        # nothing after `and`: a label, the end of the file, the next declaration or field, `}`
        ('input year.m : decimal between 0 and "M"\n', "1:38", NO_HIGH),
        ("input year.m : decimal between 0 and\n", "1:37", NO_HIGH),
        ('input year.m : decimal between 0 and\ninput year.n : decimal "N"\n', "2:1", NO_HIGH),
        ('input year.m : decimal between 0 and optional "M"\n', "1:38", NO_HIGH),
        ('record Y "Y" {\n  m : decimal between 0 and\n}\n', "3:1", NO_HIGH),
        ('record Y "Y" {\n  m : decimal between 0 and\n  n : decimal "N"\n}\n', "3:3", NO_HIGH),
        # the other ends missing
        (
            'input year.m : decimal between "M"\n',
            "1:32",
            "a range is written `between LOW and HIGH`: the low end is missing (a number, 24 h with a unit)",
        ),
        (
            "input year.m : decimal at least\n",
            "1:32",
            "a range is written `at least LOW`: the number is missing (24 h with a unit)",
        ),
        (
            'input year.h : hours at most "H"\n',
            "1:30",
            "a range is written `at most HIGH`: the number is missing (24 h with a unit)",
        ),
        (
            'input year.m : decimal between - "M"\n',
            "1:34",
            "an end of a range is a number: the number is missing after `-`",
        ),
    ],
)
def test_a_range_missing_its_and_or_an_end_gets_a_precise_hint(text: str, where: str, hint: str) -> None:
    with pytest.raises(CpfError) as caught:
        parse_module(text, "x.cpf")
    [error] = caught.value.diagnostics
    assert (error.code, str(error.span), error.hint) == ("CPF-E001", f"x.cpf:{where}", hint)


@pytest.mark.parametrize(
    ("text", "where", "hint"),
    [
        # the range stops after its low end: the general reading of a range (unchanged)
        (
            'input year.m : decimal between 0 "M"\n',
            "1:34",
            "a range reads: between LOW and HIGH, at least LOW or at most HIGH, each end a number (24 h with a unit)",
        ),
        # a name for an end: each end is a number (unchanged)
        (
            'input year.m : decimal between 0 and m "M"\n',
            "1:38",
            "a range reads: between LOW and HIGH, at least LOW or at most HIGH, each end a number (24 h with a unit)",
        ),
        # a formula cut after `-` or `and` is not a range: no range hint there
        ('rule r : decimal "R" cite CT:L6323-11 = 1 -\n', "1:44", "the declaration is not finished"),
        ('rule r : boolean "R" cite CT:L6323-11 = true and\n', "1:49", "the declaration is not finished"),
    ],
)
def test_the_neighbouring_diagnostics_keep_their_hint(text: str, where: str, hint: str) -> None:
    with pytest.raises(CpfError) as caught:
        parse_module(text, "x.cpf")
    [error] = caught.value.diagnostics
    assert (error.code, str(error.span), error.hint) == ("CPF-E001", f"x.cpf:{where}", hint)


def test_cpf_check_shows_the_missing_and(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.cpf").write_text(
        'input year.public_service_months : decimal between 0 12\n  "Mois de service comme agent public dans l\'année"\n',
        encoding="utf-8",
    )
    assert main(["check", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "error[CPF-E001]: unexpected '12'" in err and "a.cpf:1:54" in err
    assert "= hint: a range is written `between LOW and HIGH`: the `and` is missing before 12" in err
