"""``cpf reform``: the example reform (ceiling 6,000 € from 2027) on the example population.

Expected values from the law (L6323-11 al. 1; R6323-1 I: 500 € a year, ceiling 5,000 €,
the credit is min(500 €, ceiling − balance before the credit)):

- full-time since 2015: 96 h × 15 €/h = 1,440 € on 2019-01-01, + 500 € a year →
  4,940 € at the end of 2025, 5,000 € at the end of 2026: the law credits 0 € for
  2027, the reform 500 € (min(500, 6,000 − 5,000));
- the same holder paying a 300 € training in 2027: 4,700 € before the credit, the law
  credits 300 € (up to 5,000 €), the reform 500 €;
- 700 h a year: 500 × 700 / 1,607 = 217.80 € (R6323-1 II), far from either ceiling;
- full-time since 2019: 4,000 € at the end of 2026, 500 € credited either way;
- low-qualified since 2019: 800 € (R6323-3-1 I) under the 8,000 € ceiling, untouched.

Totals for 2027: law 0 + 217.80 + 500 + 800 + 300 = 1,817.80 €; reform 2,517.80 €;
cost 700.00 €; holders at the ceiling after the credit: 2 under the law, 0 under the reform.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.paths import default_rules_dir

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REFORM = EXAMPLES / "reforms" / "reform_ceiling_6000.yaml"
POPULATION = EXAMPLES / "population.jsonl"


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_ceiling_6000_from_2027_aggregate(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "reform", str(REFORM), "--population", str(POPULATION))
    assert data["holders"] == 5
    assert data["totals"] == {
        "2027": {
            "law_credits": "1817.80",
            "reform_credits": "2517.80",
            "cost_difference": "700.00",
            "law_at_ceiling": 2,
            "reform_at_ceiling": 0,
        }
    }


def test_ceiling_6000_from_2027_per_holder(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "reform", str(REFORM), "--population", str(POPULATION))
    changes = {(c["holder"], c["question"]): (c["law"], c["reform"]) for c in data["changes"]}
    # the holder at 5,000 €: 0 € → 500 € for 2027 (R6323-1 I)
    assert changes[("full_time_since_2015", "credit(2027)")] == ("0.00", "500.00")
    assert changes[("full_time_since_2015", "balance(2027)")] == ("5000.00", "5500.00")
    assert changes[("full_time_since_2015_training_2027", "credit(2027)")] == ("300.00", "500.00")
    # below the ceiling, the credit does not change
    for holder in ("part_time_700h_since_2019", "full_time_since_2019", "low_qualified_since_2019"):
        assert (holder, "credit(2027)") not in changes
    # the low-qualified ceiling (8,000 €, R6323-3-1 I) is not the one the reform moves
    assert ("low_qualified_since_2019", "ceiling_for(2027)") not in changes


def test_table_and_csv_written_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_csv = tmp_path / "reform.csv"
    assert main(["reform", str(REFORM), "--population", str(POPULATION), "--csv", str(out_csv)]) == 0
    table = capsys.readouterr().out
    assert "full_time_since_2015                credit(2027)             0,00 €      500,00 €      500,00 €" in table
    assert table.rstrip().splitlines()[-1].split() == [
        "2027", "5", "1", "817,80", "€", "2", "517,80", "€", "2", "0", "700,00", "€"
    ]  # fmt: skip
    rows = list(csv.reader(out_csv.open(encoding="utf-8")))
    assert rows[0] == ["holder", "question", "law", "reform", "difference"]
    assert ["full_time_since_2015", "credit(2027)", "0.00", "500.00", "500.00"] in rows
    assert ["TOTAL 5 holders", "credits(2027)", "1817.80", "2517.80", "700.00"] in rows
    assert ["TOTAL 5 holders", "at_ceiling(2027)", "2", "0", "-2"] in rows
    assert [p.name for p in tmp_path.iterdir()] == ["reform.csv"]  # no temporary file left


def test_a_reform_may_replace_a_rule_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    law_file = default_rules_dir() / "accrual/employee/euro_era.cpf"
    text = law_file.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.strip().startswith("from 2019-01-01 = 5000 EUR"))
    replaced = text.replace(line, line + '\n  from 2027-01-01 = 6000 EUR cite CT:R6323-1 "I"')
    (tmp_path / "euro_era_6000.cpf").write_text(replaced, encoding="utf-8")
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "name: plafond 6000 par fichier\nreplace_rules: {accrual/employee/euro_era.cpf: euro_era_6000.cpf}\n"
        "years: [2027]\n",
        encoding="utf-8",
    )
    data = _json(capsys, "reform", str(reform), "--population", str(POPULATION))
    assert data["totals"]["2027"]["cost_difference"] == "700.00"


@pytest.mark.parametrize(
    ("reform_text", "message"),
    [
        ("years: [2027]\n", "the reform changes nothing"),
        ("overrides: [{parameter: euro_cieling, from: 2027-01-01, value: 6000 EUR}]\nyears: [2027]\n", "euro_ceiling"),
        ("overrides: [{parameter: euro_ceiling, from: 2027-01-01, value: 6000 h}]\nyears: [2027]\n", "CPF-E20"),
        ("overrides: [{parameter: euro_ceiling, from: 2027-01-01, value: 6000 EUR}]\n", "`years` must be"),
    ],
)
def test_bad_reform_files_get_a_diagnostic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reform_text: str, message: str
) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(reform_text, encoding="utf-8")
    assert main(["reform", str(reform), "--population", str(POPULATION)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_bad_holder_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    population = tmp_path / "p.jsonl"
    population.write_text('{"id": "a", "facts": {"years": [{"year": 2027, "worked_hours": "many"}]}}\n')
    assert main(["reform", str(REFORM), "--population", str(population)]) == 1
    err = capsys.readouterr().err
    assert "holder a" in err and "worked_hours" in err


def test_a_holder_out_of_range_keeps_what_was_expected_and_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """13 months of public service in a year (a calendar year has 12; CPF-F105): the holder
    is named and the diagnostic keeps its expected range and the value found (a review
    found them dropped when the holder was named)."""
    population = tmp_path / "p.jsonl"
    population.write_text(
        '{"id": "m13", "facts": {"years": [{"year": 2027, "status": "public_agent", "public_service_months": 13}]}}\n'
    )
    assert main(["reform", str(REFORM), "--population", str(population)]) == 1
    err = capsys.readouterr().err
    assert "holder m13" in err and "CPF-F105" in err
    assert "expected: a number, between 0 and 12" in err and "found: the number 13" in err


def test_vectorised_and_one_by_one_reports_agree_on_a_population() -> None:
    """The batch kernel answers the population (chunk by chunk) and must report exactly
    what the scalar engine reports holder by holder: credits of 500 € prorated below
    half-time (R6323-1 II) under the 5,000 € ceiling of the law and the 6,000 € of the
    reform from 2027 (examples/reforms/reform_ceiling_6000.yaml)."""
    import sys

    from cpf_rules import load_rules
    from cpf_rules.reform import Holder, compare, load_population, load_reform, reformed_rules

    sys.path.insert(0, str(EXAMPLES.parent / "bench"))
    from workload import document, population

    pop = population(150, seed=11)
    holders = load_population(POPULATION)
    for row in range(150):
        facts = document(pop, row)
        for entry in facts["years"]:  # 2019-2024 moved to 2021-2026, and 2027 worked as 2021
            entry["year"] += 2
        facts["years"].append({"year": 2027, "worked_hours": facts["years"][0]["worked_hours"]})
        holders.append(Holder(f"w{row}", facts, f"generated holder {row}"))
    law = load_rules()
    reform = load_reform(REFORM)
    reform_rules = reformed_rules(law, reform)
    vectorised = compare(law, reform_rules, reform, holders, vectorised=True)
    one_by_one = compare(law, reform_rules, reform, holders, vectorised=False)
    assert vectorised.changes == one_by_one.changes
    assert vectorised.totals == one_by_one.totals
    # Up to 1,800 € of DIF and six years of 500 € bring some holders near 5,000 € before
    # 2027: under the reform their 2027 credit is no longer cut by the ceiling.
    totals = vectorised.totals[2027]
    assert totals.reform_credits > totals.law_credits
    assert any(change.question == "credit(2027)" for change in vectorised.changes)


def test_abondements_do_not_put_a_holder_at_the_ceiling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The ceiling limits the droits communs only (L6323-11 al. 1, R6323-1 I): a
    1,000 € employer abondement is outside it (L6323-4 II). Full time from 2019: 4,000 €
    at the end of 2026 (8 × 500 €), 500 € credited for 2027 → 4,500 € of droits communs
    under 5,000 €, so neither holder is at the ceiling, although the balance with the
    abondement reaches 5,500 € (it was counted at the ceiling)."""
    years = [{"year": year, "worked_hours": 1607} for year in range(2019, 2028)]
    ledger = [{"date": "2024-01-10", "kind": "employer_abondement", "amount": 1000}]
    population = tmp_path / "population.jsonl"
    population.write_text(
        json.dumps({"id": "full_time", "facts": {"years": years}})
        + "\n"
        + json.dumps({"id": "with_abondement", "facts": {"years": years, "ledger": ledger}})
        + "\n"
    )
    data = _json(capsys, "reform", str(REFORM), "--population", str(population))
    assert data["totals"]["2027"]["law_at_ceiling"] == data["totals"]["2027"]["reform_at_ceiling"] == 0
    assert data["totals"]["2027"]["law_credits"] == "1000.00"  # 500 € each, never cut by the ceiling


def test_a_measure_naming_no_rule_is_located_in_the_reform_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A typo in `measures` was reported as an unknown question, naming neither the file
    # nor the line; a `years` that is not a list pointed at 1:1.
    reform = tmp_path / "reform.yaml"
    head = "name: x\noverrides:\n  - {parameter: euro_ceiling, from: 2027-01-01, value: 6000 EUR}\n"
    reform.write_text(head + "years: [2027]\nmeasures: {credit: credt}\n", encoding="utf-8")
    assert main(["reform", str(reform), "--population", str(POPULATION)]) == 1
    err = capsys.readouterr().err
    assert "measure `credit` names `credt` in the law: no rule" in err and f"{reform}:5:20" in err
    # a rule of another type would be compared with the ceiling in euros: refused too
    reform.write_text(head + "years: [2027]\nmeasures: {capped: public_hours_balance}\n", encoding="utf-8")
    assert main(["reform", str(reform), "--population", str(POPULATION)]) == 1
    assert "a rule of type hours, where a money rule taking a year is expected" in capsys.readouterr().err
    reform.write_text(head + "years: 2027\n", encoding="utf-8")
    assert main(["reform", str(reform), "--population", str(POPULATION)]) == 1
    err = capsys.readouterr().err
    assert "`years` must be a list of years" in err and f"{reform}:4:8" in err
