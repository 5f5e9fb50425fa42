"""`cpf explain`: golden text and JSON renderings of the bundled examples, the JSON
Schema of the trace, byte-identical output, and HTML escaping of hostile strings.

Questions are small steps (``amount_due``...) so that the golden files stay readable;
the citations of rules without a period are dated ``--as-of 2026-01-01``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpf_rules import load_rules
from cpf_rules.cli import main
from cpf_rules.explain.report import explain, explain_to_json, render_explain_html
from cpf_rules.render.json import dumps
from cpf_rules.render.schema import trace_schema, validate_trace_json
from explain_support import AS_OF, EXAMPLES, HOSTILE_SHOWN, ROOT, hostile_rules
from golden import GOLDEN, compare_golden

EXPLAINED = [
    ("part_time_cashier.yaml", "amount_due(2019)"),  # 700 h of 1,607 h: prorata (L6323-11 al. 2, R6323-1 II)
    ("low_qualified_worker.yaml", "amount_due(2021)"),  # 800 € (L6323-11-1, R6323-3-1 I)
    ("employee_full_time.yaml", "hours_due(2016)"),  # 24 h (L6323-11 al. 1, loi 2014-288 wording)
]

# The JSON renderer is the same for all; one JSON golden keeps the files small.
JSON_PINNED = {("part_time_cashier.yaml", "amount_due(2019)")}


def _name(example: str, question: str) -> str:
    return f"{Path(example).stem}__{question.replace('(', '_').replace(')', '')}"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.mark.parametrize(("example", "question"), EXPLAINED, ids=[_name(*e) for e in EXPLAINED])
def test_explain_text_and_json_golden(
    example: str,
    question: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the replay command names the facts by a relative path
    facts = f"examples/{example}"
    common = [facts, "-q", question, "--as-of", AS_OF.isoformat(), "--color", "never"]
    code, text, _ = _cli(capsys, "explain", *common)
    assert code == 0
    compare_golden(request, GOLDEN / "explain" / f"{_name(example, question)}.txt", text)
    code, json_text, _ = _cli(capsys, "explain", *common, "--format", "json")
    assert code == 0
    validate_trace_json(json.loads(json_text))
    if (example, question) in JSON_PINNED:
        compare_golden(request, GOLDEN / "explain" / f"{_name(example, question)}.json", json_text)


def test_summary_line_is_in_french_formats(capsys: pytest.CaptureFixture[str]) -> None:
    # R6323-1 II: 500 € × 700 / 1,607 rounded up to the cent = 217.80 €.
    code, out, _ = _cli(
        capsys,
        "explain",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "credit(2019)",
        "--as-of",
        "2026-01-01",
        "--no-counterfactuals",
        "--color",
        "never",
    )
    assert code == 0
    assert out.splitlines()[0] == "Droits acquis au titre de l'année au 31/12/2019 : 217,80 €"


def test_explain_json_is_byte_identical_and_valid_for_a_long_trace() -> None:
    rules = load_rules()
    first = dumps(
        explain_to_json(
            explain(
                rules,
                EXAMPLES / "employee_full_time.yaml",
                ["balance(2024)"],
                AS_OF,
                with_counterfactuals=False,
                command="cpf explain",
            )
        )
    )
    second = dumps(
        explain_to_json(
            explain(
                rules,
                EXAMPLES / "employee_full_time.yaml",
                ["balance(2024)"],
                AS_OF,
                with_counterfactuals=False,
                command="cpf explain",
            )
        )
    )
    assert first == second
    data = json.loads(first)
    validate_trace_json(data)
    provenance = data["provenance"]
    assert provenance["facts_sha256"] and provenance["rules_fingerprint"].startswith("sha256:")
    assert provenance["as_of"] == "2026-01-01" and provenance["replay"] == "cpf explain"


def test_the_schema_is_shipped_and_rejects_a_wrong_document() -> None:
    schema = trace_schema()
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        validate_trace_json({"answers": [{"question": "credit(2019)", "result": {"value": "1"}}]})


def test_evaluate_json_output_also_matches_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(
        capsys,
        "evaluate",
        str(EXAMPLES / "low_qualified_worker.yaml"),
        "-q",
        "credit(2021)",
        "-q",
        "balance(2021)",
        "--format",
        "json",
        "--as-of",
        "2026-01-01",
    )
    assert code == 0
    validate_trace_json(json.loads(out))


def test_hostile_labels_are_escaped_in_html(tmp_path: Path) -> None:
    rules = load_rules(hostile_rules(tmp_path))
    explanation = explain(rules, EXAMPLES / "part_time_cashier.yaml", ["credit(2019)"], AS_OF, max_evaluations=40)
    page = render_explain_html(explanation)
    assert "<img" not in page and "<script>alert" not in page and "<b onmouseover" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;&amp;amp; &quot;quoted&quot;" in page
    assert "&lt;b onmouseover=alert(3)&gt;titre&lt;/b&gt;" in page
    assert page.count("<script>") == 1  # the report's own script, allowed by its hash in the CSP
    # The label is read as written in the rule file (escapes undone), then escaped for HTML.
    assert explanation.result.answers[0].trace is not None
    assert explanation.result.answers[0].trace.label == HOSTILE_SHOWN


def test_explain_html_to_a_file_and_english_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    code, out, err = _cli(
        capsys,
        "explain",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "amount_due(2019)",
        "--as-of",
        "2026-01-01",
        "--format",
        "html",
        "--lang",
        "en",
        "-o",
        str(target),
        "--max-evaluations",
        "200",
    )
    assert code == 0 and out == "" and f"wrote {target}" in err
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "How it was computed, article by article" in page and "not applicable" in page
    # L6323-11 al. 2 / R6323-1 I: 803.5 h is half of 1,607 h, from which the full 500 € is due.
    assert "with worked_hours(2019) = 803,5 h instead of 700 h, amount_due(2019) would be 500,00 €" in page


def test_explain_bad_question_is_a_diagnostic(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "explain", str(EXAMPLES / "part_time_cashier.yaml"), "-q", "credt(2019)")
    assert code == 1 and "did you mean `credit`" in err


@pytest.mark.parametrize("golden", sorted((GOLDEN / "trace").glob("*.json")), ids=lambda p: p.stem)
def test_golden_trace_json_files_match_the_schema(golden: Path) -> None:
    validate_trace_json(json.loads(golden.read_text(encoding="utf-8")))


def test_unwritable_output_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "dir" / "report.html"
    code, _, err = _cli(
        capsys,
        "explain",
        str(EXAMPLES / "part_time_cashier.yaml"),
        "-q",
        "amount_due(2019)",
        "--no-counterfactuals",
        "--format",
        "html",
        "-o",
        str(target),
    )
    assert code == 1 and "error[CPF-D003]: cannot write" in err
