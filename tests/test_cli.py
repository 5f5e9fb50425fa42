"""The `cpf` command line, as a user runs it: exit codes, outputs, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from cpf_rules.cli import main
from cpf_rules.yaml_io import load_yaml_text

ROOT = Path(__file__).parent.parent
FULL_TIME = str(ROOT / "examples" / "employee_full_time.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_evaluate_prints_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    # 96 h + 80 DIF h → 2,640 € (DEC:2018-1153); + 6 × 500 € − 1,200 € paid = 4,440 € (R6323-1 I).
    code, out, _ = run(capsys, "evaluate", FULL_TIME, "-q", "balance(2024)", "--no-trace", "--as-of", "2026-01-01")
    assert code == 0
    assert out.startswith("balance(2024) = 4 440,00 €\n")


def test_evaluate_text_trace_cites_the_article_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", FULL_TIME, "-q", "credit(2019)", "--as-of", "2026-01-01", "--color", "never")
    assert code == 0
    assert "credit(2019) = 500,00 € — Droits acquis au titre de l'année" in out
    assert "R6323-1 I (Code du travail) — version en vigueur depuis le 01/01/2019 (Décret n° 2018-1329" in out


def test_evaluate_json_has_value_and_provenance(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "evaluate", FULL_TIME, "-q", "hours_balance(2018)", "--format", "json", "--as-of", "2026-01-01"
    )
    assert code == 0
    data = json.loads(out)
    assert data["answers"][0]["result"] == {"type": "hours", "unit": "h", "value": "96"}  # 4 × 24 h, L6323-11
    provenance = data["provenance"]
    assert provenance["rules_fingerprint"].startswith("sha256:")
    assert "cpf evaluate" in provenance["replay"] and "--as-of=2026-01-01" in provenance["replay"]


def test_missing_facts_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", "no/such/facts.yaml", "-q", "balance(2024)")
    assert code == 1
    assert "error[CPF-F003]: facts file not found: no/such/facts.yaml" in err


def test_unknown_question_suggests_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", FULL_TIME, "-q", "balanse(2024)")
    assert code == 1
    assert "no rule or parameter is named `balanse`" in err and "did you mean `balance`" in err


def test_question_with_the_wrong_period(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", FULL_TIME, "-q", "balance(2024-12-31)")
    assert code == 1
    assert "`balance` takes a year, not '2024-12-31'" in err


def test_evaluation_error_exits_1_with_location(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", FULL_TIME, "-q", "credit(2018)", "--color", "never")
    assert code == 1
    # R6323-1 (décret 2018-1329) sets euro amounts from 2019 only.
    assert "error[CPF-R001]: parameter `full_credit_share` has no value on 2018-01-01" in out
    assert "--> rules/accrual/employee/euro_era.cpf:" in out


def test_check_bundled_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0 and out.startswith("ok: ")


def test_check_json_on_a_bad_rules_dir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.cpf").write_text('rule r : money "r" cite CT:L6323-11 = 500 EUR + 3 h\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", str(rules), "--format", "json", "--legal-refs", str(ROOT / "legal_refs"))
    assert code == 1
    data = json.loads(out)
    assert data["errors"] == 1
    diagnostic = data["diagnostics"][0]
    assert diagnostic["code"] == "CPF-E201"
    assert diagnostic["location"]["line"] == 1 and diagnostic["location"]["column"] == 49  # the `3 h`


def test_schema_validates_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        document = load_yaml_text(example.read_text(encoding="utf-8"), str(example))
        errors = list(
            jsonschema.Draft202012Validator(schema).iter_errors(json.loads(json.dumps(document, default=float)))
        )
        assert not errors, (example, errors[0].message)


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["evaluate"])
    assert caught.value.code == 2
