"""Fixes from the third review: formatter and tabs, numbers of any size, what-if overrides.

- ``cpf fmt`` keeps a tab inside a label or a comment byte for byte;
- values of more than 28 significant digits print exactly (no decimal.Overflow), and a
  number literal beyond the facts bounds (12 digits before the point, 12 after) is
  CPF-E206, in rule files and in what-if values;
- several overrides of one parameter are applied together, sorted by date; two from
  one date are CPF-E111;
- ``cpf diff --reform`` shows CPF-W604 and the overridden step's what-if flag;
- override diagnostics point at the reform file's line:col, or name the override's
  index when it was built in Python;
- CPF-Q001's hint names a command that exists.
"""

from __future__ import annotations

import datetime
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.cli import main
from cpf_rules.diagnostics import CpfError
from cpf_rules.fmt import format_checked, format_source, tokenize_line
from cpf_rules.loader import check_rules
from cpf_rules.model import RuleSet
from cpf_rules.paths import default_legal_refs_dir
from cpf_rules.values import format_money, plain_number, to_decimal
from cpf_rules.whatif import Override, apply_overrides
from explain_support import AS_OF, EXAMPLES

EMPLOYEE = EXAMPLES / "employee_full_time.yaml"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err
    return code, out + err


@pytest.fixture(scope="module")
def law() -> RuleSet:
    return load_rules()


# ---- 1. cpf fmt and tabs ------------------------------------------------------------


def test_fmt_keeps_a_tab_inside_a_label_byte_for_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = 'rule r : integer "a\tb" cite CT:R6323-1 = 1\n'
    assert format_checked(source, "x.cpf") == source
    path = tmp_path / "x.cpf"
    path.write_bytes(source.encode())
    code, out = _cli(capsys, "fmt", "--check", str(path))
    assert code == 0 and "CPF-E014" not in out
    assert path.read_bytes() == source.encode()


def test_fmt_keeps_a_tab_inside_a_comment_and_normalises_tab_indentation(tmp_path: Path) -> None:
    source = 'rule r : integer "R"\n\tcite CT:R6323-1\n\t= 1 # a\tb\n'
    formatted = format_checked(source, "x.cpf")
    assert formatted == 'rule r : integer "R"\n  cite CT:R6323-1\n  = 1 # a\tb\n'
    assert format_source(formatted) == formatted
    path = tmp_path / "y.cpf"
    path.write_text(source, encoding="utf-8")
    assert main(["fmt", str(path)]) == 0
    assert b"# a\tb\n" in path.read_bytes()


def test_tokens_keep_their_text_and_count_tabs_as_display_columns() -> None:
    tokens = tokenize_line('\tx "a\tb" # c\td')
    assert [(t.kind, t.text, t.column) for t in tokens] == [
        ("name", "x", 4),
        ("string", '"a\tb"', 6),
        ("comment", "# c\td", 15),
    ]
    assert tokens[1].end == 14  # the tab after `"a` (columns 6, 7) reaches column 12: `b"` ends at 14


# ---- 2. numbers of any size -----------------------------------------------------------


def test_to_decimal_is_exact_beyond_28_digits() -> None:
    big = Fraction(12345678901234567890123456789)
    assert to_decimal(big, places=2) == big
    assert plain_number(big, 2) == "12345678901234567890123456789.00"
    assert format_money(big / 100) == "123 456 789 012 345 678 901 234 567,89 €"
    assert plain_number(Fraction(1, 2**40)) == "0.0000000000009094947017729282379150390625"
    # Non-terminating: rounded once, half-even, to 20 places, however large the value.
    assert str(to_decimal(Fraction(10**30, 3))) == "333333333333333333333333333333.33333333333333333333"
    assert str(to_decimal(Fraction(5294040684, 1607))) == "3294362.59116365899191039203"


def _rules_dir(tmp_path: Path, text: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "x.cpf").write_text(text, encoding="utf-8")
    shutil.copytree(default_legal_refs_dir(), tmp_path / "legal_refs")
    return rules


def test_a_value_computed_beyond_28_digits_is_evaluated_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Literals within the bounds (12 digits), a product of 36: exact, exit 0, text and JSON.
    rules = _rules_dir(
        tmp_path, 'rule r : money "R" cite CT:R6323-1 = 999999999999.99 EUR * 999999999999 * 999999999999\n'
    )
    facts = tmp_path / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    expected = Fraction(99999999999999, 100) * 999999999999 * 999999999999
    assert expected == Fraction(99999999999799000000000101999999999999, 100)
    result = evaluate(load_rules(rules), facts, ["r"])
    assert result.answers[0].value == expected
    code, out = _cli(capsys, "evaluate", str(facts), "-q", "r", "--rules", str(rules), "--no-trace")
    assert code == 0
    assert "r = 999 999 999 997 990 000 000 001 019 999 999 999,99 €" in out
    code, out = _cli(capsys, "evaluate", str(facts), "-q", "r", "--rules", str(rules), "--format", "json")
    assert code == 0
    assert json.loads(out)["answers"][0]["result"]["value"] == "999999999997990000000001019999999999.99"


def test_a_number_literal_beyond_the_facts_bounds_is_cpf_e206(tmp_path: Path) -> None:
    rules = _rules_dir(
        tmp_path,
        'parameter p : money "M"\n  from 2019-01-01 = 12345678901234567890123456789 EUR cite CT:R6323-1 "I"\n'
        'rule share : decimal "S" cite CT:R6323-1 = 0.1234567890123\n'
        'rule fine : decimal "F" cite CT:R6323-1 = 999999999999.999999999999\n',
    )
    report = check_rules(rules, tmp_path / "legal_refs")
    found = [(d.code, d.span.line if d.span else None, d.found) for d in report.diagnostics if d.is_error]
    assert found == [
        ("CPF-E206", 2, "29 digit(s) before the decimal point and 0 after it"),
        ("CPF-E206", 3, "0 digit(s) before the decimal point and 13 after it"),
    ]


def test_the_literal_bounds_are_the_facts_bounds(law: RuleSet) -> None:
    # A number of 13 digits is refused in a rule file (CPF-E206) and in the facts
    # (CPF-F108) with the same bound; 12 digits pass both (cpf_rules.limits).
    facts = {"holder": {"dif_hours": 1_234_567_890_123}}  # hours of a year stop at 8,784: DIF hours do not
    with pytest.raises(CpfError) as caught:
        evaluate(law, facts, ["balance(2024)"], as_of=AS_OF)
    [too_large] = caught.value.diagnostics
    with pytest.raises(CpfError) as refused:
        apply_overrides(law, [Override("annual_amount", datetime.date(2024, 1, 1), "1234567890123 EUR")])
    [literal] = refused.value.diagnostics
    assert (too_large.code, literal.code) == ("CPF-F108", "CPF-E206")
    assert too_large.expected == literal.expected == "at most 12 digits before the decimal point and 12 after it"
    evaluate(law, {"holder": {"dif_hours": 123_456_789_012}}, ["balance(2024)"], as_of=AS_OF)
    apply_overrides(law, [Override("annual_amount", datetime.date(2024, 1, 1), "123456789012 EUR")])


def test_a_what_if_value_beyond_the_bounds_is_cpf_e206(law: RuleSet) -> None:
    huge = Override("annual_amount", datetime.date(2024, 1, 1), "99999999999999999999999999999999999999 EUR")
    with pytest.raises(CpfError) as caught:
        apply_overrides(law, [huge])
    assert [d.code for d in caught.value.diagnostics] == ["CPF-E206"]
    very_long = Override("annual_amount", datetime.date(2024, 1, 1), "1" * 5000 + " EUR")
    with pytest.raises(CpfError) as caught:
        apply_overrides(law, [very_long])
    assert [d.code for d in caught.value.diagnostics] == ["CPF-E206"]


# ---- 3. several overrides of one parameter ---------------------------------------------


def _annual_amounts(rules: RuleSet) -> list[Fraction]:
    # R6323-1 I: 500 € a year from 2019 in the law; the overrides change it from their dates.
    questions = [f"annual_amount({year}-01-01)" for year in (2019, 2020, 2023, 2024, 2030)]
    return [answer.value for answer in evaluate(rules, EMPLOYEE, questions).answers]


def test_overrides_of_one_parameter_apply_together_in_date_order(law: RuleSet) -> None:
    later = Override("annual_amount", datetime.date(2024, 1, 1), "600 EUR")
    earlier = Override("annual_amount", datetime.date(2020, 1, 1), "700 EUR")
    expected = [Fraction(500), Fraction(700), Fraction(700), Fraction(600), Fraction(600)]
    assert _annual_amounts(apply_overrides(law, [later, earlier])) == expected
    assert _annual_amounts(apply_overrides(law, [earlier, later])) == expected
    assert _annual_amounts(apply_overrides(law, [later])) == [500, 500, 500, 600, 600]


def test_two_overrides_of_one_parameter_from_one_date_are_cpf_e111(law: RuleSet) -> None:
    first = Override("annual_amount", datetime.date(2024, 1, 1), "600 EUR")
    second = Override("annual_amount", datetime.date(2024, 1, 1), "700 EUR")
    with pytest.raises(CpfError) as caught:
        apply_overrides(law, [first, second])
    (problem,) = caught.value.diagnostics
    assert problem.code == "CPF-E111"
    assert "from the same date 2024-01-01 (what-if overrides[0] and what-if overrides[1])" in problem.message
    # Given in Python: no file is invented, the override is named by its index.
    assert problem.span is None and problem.path == "what-if overrides[1] (given in Python, no file)"


# ---- 4 and 5. cpf diff --reform: warnings, flags, places ------------------------------


def test_diff_reform_shows_w604_and_the_what_if_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text("title: t\noverrides:\n  - {parameter: annual_amount, from: 2024-01-01, value: 600 EUR}\n")
    argv = ["diff", str(EMPLOYEE), "-q", "credit(2024)", "--reform", str(reform), "--as-of", AS_OF.isoformat()]
    code, out = _cli(capsys, *argv)
    assert code == 0
    flag = f"`annual_amount` = 600 EUR from 2024-01-01 (not the law) ({reform}:3:5)"
    assert f"            + ⚠ hypothèse (what-if) : {flag}" in out
    assert f"  + CPF-W604 what-if: {flag}" in out
    code, out = _cli(capsys, *argv, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [w["code"] for w in data["warnings"]["new"] if w["code"] == "CPF-W604"] == ["CPF-W604"]
    assert not [w for w in data["warnings"]["old"] if w["code"] == "CPF-W604"]
    (step,) = [s for s in data["questions"][0]["steps"] if s["step"] == "annual_amount(2024-01-01)"]
    assert [f["kind"] for f in step["new"]["flags"]] == ["what-if"]
    assert step["new"]["flags"][0]["location"]["line"] == 3
    assert step["old"]["flags"] == []


@pytest.mark.parametrize(
    ("entry", "code", "column"),
    [
        ("{parameter: anual_amount, from: 2024-01-01, value: 600 EUR}", "CPF-E110", 17),
        ("{parameter: annual_amount, from: 2024-01-01, value: 600 h}", "CPF-E201", 57),
        ("{parameter: annual_amount, from: 2024-01-01, value: '600 EUR +'}", "CPF-E001", 57),
        ("{parameter: annual_amount, from: 2024, value: 600 EUR}", "CPF-E111", 38),
    ],
)
def test_override_diagnostics_point_at_the_reform_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, code: str, column: int
) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(f"title: t\noverrides:\n  - {entry}\n")
    status, out = _cli(capsys, "diff", str(EMPLOYEE), "-q", "credit(2024)", "--reform", str(reform))
    assert status == 1
    assert f"error[{code}]" in out
    assert f"--> {reform}:3:{column}" in out
    assert "what-if annual_amount:1:1" not in out


def test_the_second_override_of_one_date_is_located_at_its_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "- {parameter: annual_amount, from: 2024-01-01, value: 600 EUR}\n"
        "- {parameter: annual_amount, from: 2024-01-01, value: 700 EUR}\n"
    )
    status, out = _cli(capsys, "diff", str(EMPLOYEE), "-q", "credit(2024)", "--reform", str(reform))
    assert status == 1
    assert "error[CPF-E111]: two what-if overrides of `annual_amount` from the same date 2024-01-01" in out
    assert f"--> {reform}:2:36" in out


# ---- 6. CPF-Q001 -------------------------------------------------------------------------


def test_q001_hint_names_a_command_that_exists(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = _cli(capsys, "evaluate", str(EMPLOYEE), "-q", "zzzz(2019)")
    assert code == 1 and "CPF-Q001" in out
    assert "`cpf docs -o site/` writes the list of the rules and parameters" in out
    assert "--list" not in out
    assert main(["docs", "-o", str(tmp_path / "site"), "--no-cases"]) == 0
    assert "credit" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
