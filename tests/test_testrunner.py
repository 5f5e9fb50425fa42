"""``cpf test``: runs the YAML cases, shows the trace of a failing step, measures coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.paths import default_rules_dir

# R6323-1 II: 500 € × 700 h / 1,607 h = 217.797… rounded up to the cent → 217.80 €.
CASES = """\
cases:
  - name: prorata of 700 h (R6323-1 II)
    article: CT:R6323-1
    facts: {years: [{year: 2019, worked_hours: 700}]}
    expect: {credit(2019): 217.80 EUR}
  - name: prorata written wrong on purpose
    article: CT:R6323-1
    facts: {years: [{year: 2019, worked_hours: 700}]}
    expect: {credit(2019): 217.79 EUR}
"""


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "prorata.cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    return path


def _cpf(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def test_a_failing_case_shows_expected_actual_and_the_trace(
    cases_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _cpf(capsys, "test", str(cases_file), "--rules", str(default_rules_dir()))
    assert status == 1
    assert "FAIL prorata::prorata written wrong on purpose [CT:R6323-1]" in out
    assert "credit(2019): expected 217,79 €, got 217,80 €" in out
    assert "trace of the failing step:" in out
    assert "credit(2019) = 217,80 €" in out  # the trace's first line
    assert "cite R6323-1" in out  # with its citations
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_k_selects_cases_by_name(cases_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _cpf(capsys, "test", str(cases_file), "-k", "700 H", "--rules", str(default_rules_dir()))
    assert (status, out) == (0, "1 passed, 0 failed\n")
    status, out = _cpf(capsys, "test", str(cases_file), "-k", "nothing like it", "--rules", str(default_rules_dir()))
    assert status == 1 and "no case found matching -k 'nothing like it'" in out


def test_coverage_as_json_lists_cases_per_article_and_dated_value(
    cases_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _cpf(
        capsys,
        "test",
        str(cases_file),
        "-k",
        "700",
        "--coverage",
        "--format",
        "json",
        "--rules",
        str(default_rules_dir()),
    )
    assert status == 0
    data = json.loads(out)
    assert data["passed"] == 1 and data["failed"] == 0
    coverage = data["coverage"]
    case = "prorata::prorata of 700 h (R6323-1 II)"
    assert case in coverage["articles"]["CT:R6323-1"]
    assert coverage["dated_values"]["annual_amount@2019-01-01"] == [case]
    assert coverage["rules"]["credit"] == [case]
    # one case cannot reach every dated value: those it misses are listed, with no case
    uncovered = coverage["uncovered"]["dated value"]
    assert uncovered and all(coverage["dated_values"][key] == [] for key in uncovered)


def test_a_what_if_case_does_not_cover_the_law_value_it_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The case replaces the 5,000 € ceiling of R6323-1 I from 2019-01-01 (the law's own
    # start date): it reaches the override, not the law's value, which stays uncovered;
    # the 500 € of the same article, read unchanged, is covered.
    what_if = tmp_path / "what_if.cases.yaml"
    what_if.write_text(
        """\
cases:
  - name: ceiling 6000 from 2019 (what-if)
    article: CT:R6323-1
    facts: {years: [{year: 2019, worked_hours: 1607}]}
    what_if: [{parameter: euro_ceiling, from: 2019-01-01, value: 6000 EUR}]
    expect: {ceiling_for(2019): 6000 EUR, credit(2019): 500 EUR}
""",
        encoding="utf-8",
    )
    argv = ["test", str(what_if), "--coverage", "--format", "json", "--rules", str(default_rules_dir())]
    status, out = _cpf(capsys, *argv)
    assert status == 0
    values = json.loads(out)["coverage"]["dated_values"]
    assert values["euro_ceiling@2019-01-01"] == []
    assert values["annual_amount@2019-01-01"] == ["what_if::ceiling 6000 from 2019 (what-if)"]


def test_coverage_table(cases_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _cpf(capsys, "test", str(cases_file), "-k", "700", "--coverage", "--rules", str(default_rules_dir()))
    assert status == 0
    assert "article" in out.splitlines()[0] and "cases  reached by" in out.splitlines()[0]
    row = next(line for line in out.splitlines() if line.startswith("annual_amount@2019-01-01"))
    assert row.split()[1] == "1" and "prorata::prorata of 700 h" in row
    assert any(line.split()[1:] == ["0", "✗"] for line in out.splitlines() if "@" in line)


def test_an_unreadable_cases_file_is_reported_not_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.cases.yaml"
    bad.write_text("cases:\n  - name: no facts\n    article: CT:R6323-1\n", encoding="utf-8")
    status, out = _cpf(capsys, "test", str(bad), "--rules", str(default_rules_dir()))
    assert status == 1 and "`facts` is required" in out and "Traceback" not in out


def test_the_bundled_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _cpf(capsys, "test")
    assert status == 0, out
