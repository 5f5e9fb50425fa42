"""``cpf fmt``: idempotent, never changes the parsed model, keeps comments and alignment.

The round trip runs on every rule file of rules/ (whatever other files are added) and
on the lint fixtures: ``parse(fmt(x))`` has the same syntax tree as ``parse(x)`` modulo
positions, and ``fmt(fmt(x)) == fmt(x)``. ``cpf fmt --check rules/`` must pass (CI runs
it too). A messy file has a golden formatted form (tests/golden/fmt/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.fmt import format_checked, format_source
from cpf_rules.lints.walk import shape
from cpf_rules.paths import default_rules_dir
from cpf_rules.syntax import parse_module
from golden import GOLDEN, compare_golden

RULE_FILES = sorted(default_rules_dir().rglob("*.cpf")) + sorted((GOLDEN / "lint").glob("*.cpf"))


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_round_trip_keeps_the_model_and_is_idempotent(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    formatted = format_source(source)
    assert shape(parse_module(formatted, "x").declarations) == shape(parse_module(source, "x").declarations)
    assert format_source(formatted) == formatted
    comments = [line.strip() for line in source.splitlines() if line.strip().startswith("#")]
    assert [line.strip() for line in formatted.splitlines() if line.strip().startswith("#")] == comments


def test_the_bundled_rules_are_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fmt", "--check", str(default_rules_dir())]) == 0, capsys.readouterr().out


def test_a_messy_file_is_laid_out(request: pytest.FixtureRequest) -> None:
    messy = GOLDEN / "fmt" / "messy.cpf"
    formatted = format_checked(messy.read_text(encoding="utf-8"), str(messy))
    compare_golden(request, GOLDEN / "fmt" / "messy.expected", formatted)
    assert format_source(formatted) == formatted


def test_spacing_rules() -> None:
    source = 'rule r ( d : date ) : money "R" cite CT:L6323-11 =  - ( 24 h ) * p( d )+max(0 EUR,1 EUR)\n'
    assert format_source(source) == (
        'rule r(d : date) : money "R" cite CT:L6323-11 = -(24 h) * p(d) + max(0 EUR, 1 EUR)\n'
    )
    assert format_source('parameter p : money / hours "P"\n') == 'parameter p : money/hours "P"\n'
    assert format_source('rule r : boolean "R" cite X:Y = a and(b)\n').endswith("= a and (b)\n")
    assert format_source('rule r : money "R" cite X:Y = y-1\n').endswith("= y - 1\n")


def test_indentation_of_constructs_and_comments() -> None:
    source = (
        'rule r(y : year) : hours "R"\n'
        "cite CT:L6323-11\n"
        "    # why\n"
        "=   24 h\n"
        '      exception e "E"\n'
        "  cite CT:L6323-11\n"
        "  when true\n"
        "  = 12 h\n"
    )
    assert format_source(source) == (
        'rule r(y : year) : hours "R"\n'
        "  cite CT:L6323-11\n"
        "  # why\n"
        "  = 24 h\n"
        '  exception e "E"\n'
        "    cite CT:L6323-11\n"
        "    when true\n"
        "    = 12 h\n"
    )


def test_aligned_columns_are_kept_and_stray_ones_collapsed() -> None:
    aligned = 'enum K "K" =\n    a      "x"\n  | bb     "y"\n  | longest_case "z"\n'
    assert format_source(aligned) == aligned
    stray = 'enum K "K" =\n    a      "x"\n  | bb "y"\n'
    assert format_source(stray) == 'enum K "K" =\n    a "x"\n  | bb "y"\n'


def test_fmt_writes_files_in_place_and_check_reports_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.cpf"
    path.write_text('parameter   p : money "P"\nfrom 2019-01-01 = 1 EUR cite CT:R6323-1\n', encoding="utf-8")
    assert main(["fmt", "--check", "--diff", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"would reformat {path}" in out and "+parameter p : money" in out
    assert main(["fmt", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == 'parameter p : money "P"\n  from 2019-01-01 = 1 EUR cite CT:R6323-1\n'
    assert main(["fmt", "--check", str(path)]) == 0
    assert not list(tmp_path.glob(".r.cpf.*")), "no temporary file left behind"


def test_a_file_that_does_not_parse_is_reported_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.cpf"
    text = 'rule r : money "R" cite CT:X\n  = if a = b then 1 EUR else 2 EUR\n'
    path.write_text(text, encoding="utf-8")
    assert main(["fmt", str(path)]) == 1
    assert "error[CPF-E001]" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a range's end on the line after `between`, `at least`, `least` or the type: a unary minus (it was `- 1`)
        (
            'input year.m : decimal between\n  -1 and 1 "M"\n',
            'input year.m : decimal between\n  -1 and 1 "M"\n',
        ),
        (
            'input year.m : decimal\n  between -1.5 and -0.5 "M"\n',
            'input year.m : decimal\n  between -1.5 and -0.5 "M"\n',
        ),
        ('input year.m : decimal at least\n  -1 "M"\n', 'input year.m : decimal at least\n  -1 "M"\n'),
        ('input year.m : decimal at\n  least  -1 "M"\n', 'input year.m : decimal at\n  least -1 "M"\n'),
        (
            'record R "R" {\n  a : decimal between\n    # lowest\n    -  1 and 1 "A"\n}\n',
            'record R "R" {\n  a : decimal between\n  # lowest\n  -1 and 1 "A"\n}\n',
        ),
        # an operand or an argument at the start of a line: unary after an operator, `(` or `,`
        (
            'rule r(y : year) : decimal "R" cite CT:L6323-11 = max(p(y),\n    -  x)\n',
            'rule r(y : year) : decimal "R" cite CT:L6323-11 = max(p(y),\n    -x)\n',
        ),
        (
            'rule r(y : year) : decimal "R" cite CT:L6323-11 = p(y) *\n    - 1\n',
            'rule r(y : year) : decimal "R" cite CT:L6323-11 = p(y) *\n    -1\n',
        ),
        # after a value, a `-` that starts the line is the binary minus: `p(y) - 1`
        (
            'rule r(y : year) : decimal "R" cite CT:L6323-11 = p(y)\n    -1\n',
            'rule r(y : year) : decimal "R" cite CT:L6323-11 = p(y)\n    - 1\n',
        ),
    ],
)
def test_a_minus_that_starts_a_line_is_read_in_its_statement(source: str, expected: str) -> None:
    formatted = format_checked(source, "x.cpf")
    assert formatted == expected
    assert format_source(formatted) == formatted
    assert shape(parse_module(formatted, "x").declarations) == shape(parse_module(source, "x").declarations)
