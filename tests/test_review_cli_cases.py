"""``cpf test`` on bad cases files: a located, coded diagnostic and exit 1, never an internal error.

Each file below is the 700 h case of R6323-1 II (500 × 700 / 1,607 = 217.80 €) with one
mistake. A file that cannot be read is CPF-T001, one that does not follow the format
CPF-T002 (both at file:line:col, saying what was expected and what was found), an
expected value that cannot be one of the answer's type CPF-T003 (the case fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cpf_rules.cases import CaseFormatError, load_cases, parse_expected
from cpf_rules.cli import main
from cpf_rules.paths import default_rules_dir
from cpf_rules.types import MONEY

HEAD = "cases:\n  - name: x\n    article: CT:R6323-1\n    facts: {years: [{year: 2019, worked_hours: 700}]}\n"
GOOD = HEAD + "    expect: {credit(2019): 217.80 EUR}\n"
RULES = str(default_rules_dir())


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes) -> tuple[int, str, Path]:
    file = tmp_path / "bad.cases.yaml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    code = main(["test", str(file), "--rules", RULES])
    captured = capsys.readouterr()
    return code, captured.out + captured.err, file


def test_the_good_case_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(tmp_path, capsys, GOOD)
    assert code == 0 and "1 passed, 0 failed" in out


@pytest.mark.parametrize(
    ("text", "place", "message"),
    [
        (GOOD + "    as_of: 2024-02-30\n", "6:12", "CPF-T002 cases[0].as_of: `as_of` 2024-02-30 is not a day of"),
        (GOOD + "    as_of: 5\n", "6:12", "`as_of` is not a date YYYY-MM-DD; expected a date YYYY-MM-DD"),
        (GOOD + '    as_of: "2024-1-1"\n', "6:12", "found the text '2024-1-1'"),
        (HEAD + "    expect: 5\n", "5:13", "CPF-T002 cases[0].expect: `expect` maps questions to values"),
        (GOOD + "    error: oops\n", "6:12", "`error` maps questions to error codes; expected error codes such"),
        (HEAD + "    error: {credit(2019): R001}\n", "5:27", "an expected error is a code"),
        (HEAD + "    expect: {credit(2019): [1, 2]}\n", "5:28", "an expected value is one value; expected e.g."),
        (GOOD.replace("facts: {years", "facts: [{years").replace("700}]}", "700}]}]"), "4:12", "found a list"),
        (GOOD + "    zzz: 1\n", "6:5", "unknown key `zzz`; expected one of name, article, facts"),
        (GOOD + "    what_if: 5\n", "6:14", "CPF-E111 cases[0].what_if: expected a list of overrides"),
        ("- 1\n", "1:1", "CPF-T002 a cases file is a mapping with a `cases:` list"),
        ("cases:\n", "1:7", "`cases` must be a list of cases; expected cases: [...]; found nothing (null)"),
        (
            b"\xff\xfe" + GOOD.encode(),
            "1:1",
            "CPF-T001 the cases file is not UTF-8 text (byte 0xff at offset 0); expected UTF-8 text",
        ),
        (GOOD.replace("name: x", "name: x\n    name: y"), "3:5", "CPF-T001 the key `name` is given twice"),
    ],
)
def test_a_bad_cases_file_is_located_and_coded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes, place: str, message: str
) -> None:
    code, out, file = _run(tmp_path, capsys, text)
    assert code == 1, out
    assert f"ERROR {file}:{place}: " in out and message in out, out
    assert "internal error" not in out and "Traceback" not in out
    assert "0 passed, 0 failed, 1 unreadable case file(s)" in out


def test_a_missing_cases_file_is_t001(tmp_path: Path) -> None:
    with pytest.raises(CaseFormatError) as raised:
        load_cases(tmp_path / "absent.cases.yaml")
    assert raised.value.diagnostic is not None and raised.value.diagnostic.code == "CPF-T001"
    assert "cannot read the cases file: No such file or directory" in str(raised.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1e400 EUR", "is too large (at most 12 digits before the point)"),
        ("1e-400 EUR", "has more than 12 decimals"),
        ("1/0 EUR", "is not a number"),
        ("nan EUR", "is not a number"),
        ("217.80", "must end with its unit ' EUR'"),
        ([1, 2], "is not one value"),
    ],
)
def test_an_expected_money_value_that_cannot_be_one_is_t003(raw: object, message: str) -> None:
    with pytest.raises(CaseFormatError, match="CPF-T003") as raised:
        parse_expected(raw, MONEY)
    assert message in str(raised.value)


def test_a_huge_expected_value_fails_the_case_without_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(tmp_path, capsys, HEAD + "    expect: {credit(2019): 1e400 EUR}\n")
    assert code == 1 and "internal error" not in out
    assert "credit(2019): CPF-T003 expected value '1e400 EUR' is too large" in out and "0 passed, 1 failed" in out


def test_exact_ratios_and_decimals_still_read() -> None:
    """500 × 700 / 1,607 (R6323-1 II) written exactly, and as the rounded decimal."""
    from fractions import Fraction

    assert parse_expected("350000/1607 EUR", MONEY) == Fraction(350000, 1607)
    assert parse_expected("217.80 EUR", MONEY) == Fraction(21780, 100)
