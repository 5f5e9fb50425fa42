"""`cpf diff`: the same facts under two rule sets (directories, git revisions, a reform)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.paths import default_legal_refs_dir, default_rules_dir
from explain_support import AS_OF, EXAMPLES, ROOT
from golden import GOLDEN, compare_golden

REFORM = ROOT / "docs" / "reform_example.yaml"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _rules_with(tmp_path: Path, file: str, needle: str, replacement: str) -> None:
    """A copy of the bundled rules in ``tmp_path/rules`` whose ``file`` holds ``replacement``
    where it held ``needle`` (once)."""
    shutil.copytree(default_rules_dir(), tmp_path / "rules")
    path = tmp_path / "rules" / file
    text = path.read_text(encoding="utf-8")
    assert text.count(needle) == 1
    path.write_text(text.replace(needle, replacement), encoding="utf-8")


def test_reform_diff_text_golden(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 600 € from 2024 instead of 500 € (R6323-1 I): the full-time employee's balance gains 100 €.
    monkeypatch.chdir(ROOT)
    code, out, _ = _cli(
        capsys,
        "diff",
        "examples/employee_full_time.yaml",
        "-q",
        "balance(2024)",
        "-q",
        "credit(2019)",
        "--reform",
        "docs/reform_example.yaml",
        "--as-of",
        AS_OF.isoformat(),
    )
    assert code == 0
    assert "balance(2024) : 4 440,00 € → 4 540,00 € (Écart +100,00 €)" in out
    assert "credit(2019) : 500,00 € → 500,00 €\n  Aucune étape ne change de valeur." in out
    compare_golden(request, GOLDEN / "explain" / "diff_reform_employee_full_time.txt", out)
    # The what-if value of annual_amount cites no article: the text shows the law's
    # R6323-1 I → none, the HTML none (both showed R6323-1 I next to the 600 €).
    row = next(line for line in out.splitlines() if "annual_amount(2024-01-01)" in line)
    assert row.endswith("R6323-1 I (rédaction du décret 2018-1329) / L6323-11 al. 1 → —")
    html_args = ["diff", "examples/employee_full_time.yaml", "-q", "balance(2024)", "--reform"]
    code, page, _ = _cli(
        capsys, *html_args, "docs/reform_example.yaml", "--as-of", AS_OF.isoformat(), "--format", "html"
    )
    html_row = next(part for part in page.split("<tr") if "annual_amount(2024-01-01)" in part)
    assert code == 0 and "R6323-1" not in html_row and "—" in html_row


def test_reform_diff_json_names_the_parameter_and_articles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(
        capsys,
        "diff",
        str(EXAMPLES / "employee_full_time.yaml"),
        "-q",
        "credit(2024)",
        "--reform",
        str(REFORM),
        "--format",
        "json",
        "--as-of",
        AS_OF.isoformat(),
    )
    assert code == 0
    data = json.loads(out)
    assert [d["name"] for d in data["definitions"]] == ["annual_amount"]
    question = data["questions"][0]
    assert (question["old"]["value"], question["new"]["value"]) == ("500.00", "600.00")
    steps = {s["step"]: s for s in question["steps"]}
    assert question["steps"][0]["step"] == "credit(2024)" and "amount_due(2024)" in steps
    parameter = steps["annual_amount(2024-01-01)"]
    assert parameter["old"]["detail"] == "2019-01-01" and parameter["new"]["detail"] == "2024-01-01"
    assert (parameter["old"]["value"]["value"], parameter["new"]["value"]["value"]) == ("500.00", "600.00")
    assert "CT:R6323-1" in [c["article"] for c in parameter["old"]["citations"]]
    assert parameter["new"]["citations"] == []  # a what-if value cites no article


def test_two_directories_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A copy of the rules where the annual amount is 600 €: the prorata of the part-time
    # cashier becomes 600 × 700 / 1,607 rounded up to the cent = 261.36 € (R6323-1 II).
    shutil.copytree(default_legal_refs_dir(), tmp_path / "legal_refs")
    needle = "from 2019-01-01 = 500 EUR cite CT:R6323-1"
    _rules_with(tmp_path, "accrual/employee/euro_era.cpf", needle, needle.replace("500 EUR", "600 EUR"))
    code, out, _ = _cli(
        capsys,
        "diff",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "amount_due(2019)",
        "--old",
        str(default_rules_dir()),
        "--new",
        str(tmp_path / "rules"),
        "--as-of",
        AS_OF.isoformat(),
    )
    assert code == 0
    assert "amount_due(2019) : 217,80 € → 261,36 € (Écart +43,56 €)" in out
    assert "annual_amount\n    - from 2019-01-01 = 500 EUR\n    + from 2019-01-01 = 600 EUR" in out
    code, page, _ = _cli(
        capsys,
        "diff",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "amount_due(2019)",
        "--old",
        str(default_rules_dir()),
        "--new",
        str(tmp_path / "rules"),
        "--format",
        "html",
        "--lang",
        "en",
    )
    assert code == 0 and page.startswith("<!DOCTYPE html>") and "261,36 €" in page and "Changed parameters" in page


def _in_git_checkout() -> bool:
    try:
        subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


@pytest.mark.skipif(not _in_git_checkout(), reason="needs a git checkout of the project")
def test_git_revision_side_and_unknown_revision(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, _, err = _cli(
        capsys,
        "diff",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "work_ratio(2019)",
        "--old",
        "git:no-such-revision-xyz",
        "--new",
        str(default_rules_dir()),
    )
    assert code == 1
    assert "error[CPF-D001]: git:no-such-revision-xyz: cannot read the rules of revision 'no-such-revision-xyz'" in err
    # HEAD against the working tree: R6323-1 II's 1,607-hour reference year on both sides.
    code, out, err = _cli(
        capsys,
        "diff",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "reference_hours(2019)",
        "--old",
        "git:HEAD",
        "--new",
        str(default_rules_dir()),
        "--as-of",
        AS_OF.isoformat(),
    )
    assert code == 0, err
    assert "avant : git:HEAD (" in out and "reference_hours(2019) : 1 607 h → 1 607 h" in out


def test_diff_needs_a_new_side_or_a_reform(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "diff", str(EXAMPLES / "part_time_cashier.yaml"), "-q", "credit(2019)")
    assert code == 2 and "--new SPEC" in err


def test_bad_reform_file_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text("- {parameter: anual_amount, from: 2024-01-01, value: 600 EUR}\n", encoding="utf-8")
    code, _, err = _cli(
        capsys, "diff", str(EXAMPLES / "part_time_cashier.yaml"), "-q", "credit(2019)", "--reform", str(reform)
    )
    assert code == 1 and "CPF-E110" in err and "did you mean `annual_amount`" in err
    reform.write_text("title: x\n", encoding="utf-8")
    code, _, err = _cli(
        capsys, "diff", str(EXAMPLES / "part_time_cashier.yaml"), "-q", "credit(2019)", "--reform", str(reform)
    )
    assert code == 1 and "error[CPF-D002]" in err


def test_a_reform_file_that_replaces_rule_files_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A `cpf reform` file with replace_rules and no overrides: cpf diff says it does not
    # apply replace_rules and how to compare instead (it said "expected a list of overrides").
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "name: x\nreplace_rules: {accrual/employee/euro_era.cpf: mine.cpf}\nyears: [2019]\n", encoding="utf-8"
    )
    code, _, err = _cli(
        capsys, "diff", str(EXAMPLES / "part_time_cashier.yaml"), "-q", "credit(2019)", "--reform", str(reform)
    )
    assert code == 1 and "replace_rules is not applied by cpf diff" in err and "--new DIR" in err


def test_a_value_given_by_an_exception_shows_the_exceptions_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 100 DIF hours entered on 2021-03-01 count under loi 2020-1379 (deadline 30/06/2021),
    # not if the deadline is 31/01/2021: the value 100 h came from exception
    # registered_in_time (ord. 2019-861, loi 2020-1379), whose articles the changed step
    # shows (it showed "—": the rule itself cites nothing when an exception applies).
    facts = tmp_path / "dif.yaml"
    facts.write_text("holder: {dif_hours: 100, dif_registered_on: 2021-03-01}\n", encoding="utf-8")
    reform = tmp_path / "deadline.yaml"
    reform.write_text(
        "title: deadline\noverrides:\n  - {parameter: dif_registration_deadline, from: 2020-11-15, value: 2021-01-31}\n",
        encoding="utf-8",
    )
    code, out, _ = _cli(capsys, "diff", str(facts), "-q", "converted_amount(2019-01-01)", "--reform", str(reform))
    row = next(line for line in out.splitlines() if line.strip().startswith("dif_hours_counted "))
    assert code == 0 and "100 h → 0 h" in row and row.endswith("2019-861 / 2020-1379")
    code, out, _ = _cli(
        capsys, "diff", str(facts), "-q", "converted_amount(2019-01-01)", "--reform", str(reform), "--format", "json"
    )
    steps = json.loads(out)["questions"][0]["steps"]
    counted = next(step for step in steps if step["step"] == "dif_hours_counted")
    assert {c["article"] for c in counted["old"]["citations"]} == {"ORD:2019-861", "LOI:2020-1379"}


def test_facts_one_side_refuses_are_named_with_that_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Old rules without the 0-12 range of public_service_months (a calendar year has 12
    months), new rules with it: 13 months are refused by the new side only, and the
    diagnostic says so (a review found a bare CPF-F105 that did not say which side)."""
    needle = "input year.public_service_months : decimal between 0 and 12 optional"
    _rules_with(tmp_path, "accrual/public_agent/public_agent.cpf", needle, needle.replace(" between 0 and 12", ""))
    facts = tmp_path / "agent.yaml"
    facts.write_text("years: [{year: 2023, status: public_agent, public_service_months: 13}]\n", encoding="utf-8")
    arguments = ["diff", str(facts), "-q", "public_hours_credit(2023)", "--as-of", AS_OF.isoformat()]
    code, _, err = _cli(capsys, *arguments, "--old", str(tmp_path / "rules"), "--new", str(default_rules_dir()))
    assert code == 1 and "CPF-F105" in err
    assert f"new rules ({default_rules_dir()}): $.years[0].public_service_months is out of range" in err
