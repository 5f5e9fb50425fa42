"""Declared ranges of inputs and record fields: ``input year.x : decimal between 0 and 12``.

From the grammar to the facts: both parsers build the same :class:`~cpf_rules.ast.Bounds`;
the checker locates each misfit range (CPF-E207, CPF-E208); the schema carries the range
(``minimum``/``maximum``), so a fact outside it is CPF-F105 "between 0 and 12" through
``cpf evaluate``, the Python API and ``cpf batch``, on the fast validator and the precise
one alike; the formatter, the cache, the hover and the documentation site keep it.
The rule base's ranges come from the calendar (12 months, 366 days) and the law notes
(a quotité and an IPP rate are shares, at most 1).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from cpf_rules import ast, evaluate, load_rules
from cpf_rules.bounds import declared_range, range_words, schema_number, survives_schema
from cpf_rules.cache_json import decode, encode
from cpf_rules.cases import Case, refusal_failures, run_case
from cpf_rules.cli import main
from cpf_rules.diagnostics import CpfError, Diagnostic, Severity
from cpf_rules.facts_diagnostics import python_validator
from cpf_rules.fmt import format_checked, format_source
from cpf_rules.loader import check_rules
from cpf_rules.lsp.analysis import hover_markdown
from cpf_rules.model import RuleSet
from cpf_rules.paths import default_legal_refs_dir
from cpf_rules.syntax import _parse_with_lark, parse_module

AS_OF = datetime.date(2026, 1, 1)
RANGES = """\
input year.months : decimal between 0 and 12 optional "Mois"
input year.level : decimal at least -1.5 default 0 "Niveau"
input year.hours_cap : hours at most 24 h "Heures"
record Entry "Entrée" {
  share : decimal between 0 and 0.5 default 0 "Part"
  count : integer at least 0 default 0 "Nombre"
}
input entries : list Entry "Entrées"
"""


@pytest.fixture(scope="module")
def law() -> RuleSet:
    return load_rules()


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err
    return code, out + err


def _checked(tmp_path: Path, text: str) -> list[tuple[str, str, str | None, str | None]]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "x.cpf").write_text(text, encoding="utf-8")
    report = check_rules(rules, default_legal_refs_dir())
    return [(d.code, str(d.span), d.expected, d.found) for d in report.diagnostics if d.is_error]


# ---- grammar and syntax tree ----------------------------------------------------------------


def test_both_parsers_build_the_ranges() -> None:
    module = parse_module(RANGES, "x.cpf")
    assert list(module.declarations) == _parse_with_lark(RANGES, "x.cpf", "start")  # fast path = Lark
    months, level, hours_cap, record, _ = module.declarations
    assert isinstance(months, ast.InputDecl) and months.optional and months.bounds is not None
    assert declared_range(months.bounds) == (Fraction(0), Fraction(12))
    assert str(months.bounds.span) == "x.cpf:1:29"
    assert isinstance(level, ast.InputDecl) and declared_range(level.bounds) == (Fraction(-3, 2), None)
    assert isinstance(level.default, ast.Quantity)
    assert isinstance(hours_cap, ast.InputDecl) and hours_cap.bounds is not None
    assert isinstance(hours_cap.bounds.high, ast.Quantity) and hours_cap.bounds.high.unit == "h"
    assert isinstance(record, ast.RecordDecl)
    assert [declared_range(f.bounds) for f in record.fields] == [(Fraction(0), Fraction(1, 2)), (Fraction(0), None)]


def test_an_input_without_range_is_built_as_before() -> None:
    [decl] = parse_module('input year.x : decimal optional "X"\n', "x.cpf").declarations
    assert isinstance(decl, ast.InputDecl) and decl.bounds is None
    # Positional construction (seven fields) still works: the range defaults to None.
    assert ast.InputDecl(decl.span, "year", "x", decl.type, True, None, "X") == decl


def test_the_range_words_are_not_reserved_elsewhere() -> None:
    source = 'rule r : integer "R" cite CT:R6323-1 = let between = 1 in let least = 2 in between + least\n'
    [rule] = parse_module(source, "x.cpf").declarations
    assert isinstance(rule, ast.RuleDecl) and isinstance(rule.body, ast.Let) and rule.body.name == "between"


@pytest.mark.parametrize(
    ("line", "column", "hint"),
    [
        ('input year.m : decimal optional between 0 and 12 "M"\n', 33, "a range comes right after the type"),
        ('input year.m : decimal between 0 "M"\n', 34, "a range reads: between LOW and HIGH"),
        ('input year.m : decimal at 3 "M"\n', 27, "a range reads: between LOW and HIGH"),
        ('input year.m : decimal between 0 and m "M"\n', 38, "each end a number"),
        ('input year.m : decimal default 0 between 0 and 1 "M"\n', 34, "a range comes right after the type, once"),
        ('input year.m : decimal "M" between 0 and 1\n', 28, "a range comes right after the type, once"),
        ('input year.m : decimal at least 0 at most 12 "M"\n', 35, "a range comes right after the type, once"),
    ],
)
def test_a_misplaced_or_unfinished_range_is_a_located_syntax_error(line: str, column: int, hint: str) -> None:
    with pytest.raises(CpfError) as caught:
        parse_module(line, "x.cpf")
    [error] = caught.value.diagnostics
    assert error.code == "CPF-E001" and str(error.span) == f"x.cpf:1:{column}"
    assert error.hint is not None and hint in error.hint


# ---- checker ----------------------------------------------------------------------------------


def test_ranges_that_fit_their_type_check(tmp_path: Path) -> None:
    assert _checked(tmp_path, RANGES) == []


def test_an_end_that_does_not_fit_the_type_is_cpf_e207(tmp_path: Path) -> None:
    found = _checked(
        tmp_path,
        'input year.h : hours between 0 and 24 EUR "H"\n'
        'input year.n : integer at most 1.5 optional "N"\n'
        'input year.d : date at least 1 optional "D"\n'
        'input year.s : decimal at most 1 h optional "S"\n',
    )
    assert found == [
        ("CPF-E207", "rules/x.cpf:1:30", "a number with its unit (h), e.g. 24 h", "0 (no unit)"),
        ("CPF-E207", "rules/x.cpf:1:36", "a number with its unit (h), e.g. 24 h", "24 EUR"),
        ("CPF-E207", "rules/x.cpf:2:32", "a whole number without unit (12)", "1.5"),
        ("CPF-E207", "rules/x.cpf:3:21", "a number type (decimal, integer, hours, money, days)", "date"),
        ("CPF-E207", "rules/x.cpf:4:32", "a number without unit (12 or 0.5)", "1 h"),
    ]


def test_an_empty_range_a_negative_amount_or_a_default_outside_is_cpf_e208(tmp_path: Path) -> None:
    found = _checked(
        tmp_path,
        'input year.m : decimal between 12 and 0 optional "M"\n'
        'input year.h : hours at least -5 h optional "H"\n'
        'input year.s : decimal between 0 and 1 default 2 "S"\n'
        'record R "R" {\n  n : integer at least 1 default 0 "N"\n}\n'
        'input rs : list R "Rs"\n',
    )
    assert found == [
        ("CPF-E208", "rules/x.cpf:1:24", "between LOW and HIGH with LOW at most HIGH", "between 12 and 0"),
        ("CPF-E208", "rules/x.cpf:2:22", "ends at least 0 h", "at least -5 h"),
        ("CPF-E208", "rules/x.cpf:3:48", "a default between 0 and 1", "2"),
        ("CPF-E208", "rules/x.cpf:5:34", "a default at least 1", "0"),
    ]


def test_an_end_beyond_the_literal_bounds_is_cpf_e206(tmp_path: Path) -> None:
    found = _checked(tmp_path, 'input year.m : decimal at most 0.1234567890123 optional "M"\n')
    assert [(code, where) for code, where, _, _ in found] == [("CPF-E206", "rules/x.cpf:1:32")]


def test_one_diagnostic_for_each_mistake_in_a_range(tmp_path: Path) -> None:
    """From a review: an over-long end was reported twice (E206 and E207), a default in
    another unit twice (E201 and an E208 showing "20 h" for `20`), and the hint for
    swapped ends dropped the unit (`between 2 and 5`, itself an E207 for hours)."""
    assert [
        (c, w) for c, w, _, _ in _checked(tmp_path, 'input year.m : decimal at most 1.23456789012345678 "M"\n')
    ] == [("CPF-E206", "rules/x.cpf:1:32")]
    (tmp_path / "rules" / "x.cpf").unlink()
    (tmp_path / "rules").rmdir()
    found = _checked(tmp_path, 'input year.h : hours between 0 h and 10 h default 20 "H"\n')
    assert [code for code, _, _, _ in found] == ["CPF-E201"]
    rules = tmp_path / "swapped"
    rules.mkdir()
    (rules / "x.cpf").write_text('input year.h : hours between 5 h and 2 h "H"\n', encoding="utf-8")
    [swapped] = [d for d in check_rules(rules, default_legal_refs_dir()).diagnostics if d.is_error]
    assert swapped.code == "CPF-E208" and swapped.hint == "write between 2 h and 5 h"


def test_an_end_is_kept_exactly_by_the_schema() -> None:
    assert schema_number(Fraction(12)) == 12 and schema_number(Fraction(1, 10)) == 0.1
    assert survives_schema(Fraction(1, 10)) and survives_schema(Fraction(123456789012))
    assert not survives_schema(Fraction(Decimal("123456789012.123456789012")))  # 24 significant digits


# ---- the rule base's ranges and the facts -----------------------------------------------------


def test_the_schema_carries_the_declared_ranges(law: RuleSet, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _cli(capsys, "schema")
    assert code == 0
    years = json.loads(out)["properties"]["years"]["items"]["properties"]
    months = years["public_service_months"]
    assert (months["minimum"], months["maximum"], months["x-cpf-range"]) == (0, 12, "between 0 and 12")
    assert months["x-cpf-expected"] == "a number, between 0 and 12"
    assert (years["worked_days"]["maximum"], years["forfait_days"]["maximum"]) == (366, 366)
    # Several posts à temps non complet may exceed one full-time post: no upper end (public_share caps at 1).
    assert years["public_post_share"]["minimum"] == 0 and "maximum" not in years["public_post_share"]
    # Hours of a year: at most 8,784 (366 × 24), with the implicit lower bound of hours.
    hours = years["worked_hours"]
    assert (hours["minimum"], hours["maximum"], hours["x-cpf-expected"]) == (
        0,
        8784,
        "a number of hours, between 0 and 8784",
    )
    # Hours without a declared range keep the implicit lower bound and their words.
    dif = json.loads(out)["properties"]["holder"]["properties"]["dif_hours"]
    assert dif["minimum"] == 0 and "maximum" not in dif
    assert "x-cpf-range" not in dif and dif["x-cpf-expected"] == "a number of hours"
    ledger = json.loads(out)["properties"]["ledger"]["items"]["properties"]
    assert (ledger["ipp_rate"]["minimum"], ledger["ipp_rate"]["maximum"]) == (0, 1)
    assert ledger["points"]["minimum"] == 0 and "maximum" not in ledger["points"]


def _public_agent(months: Any) -> dict[str, Any]:
    return {"years": [{"year": 2023, "status": "public_agent", "public_service_months": months}]}


def test_a_calendar_year_of_public_service_is_at_most_twelve_months(law: RuleSet) -> None:
    # Décret 2017-928 art. 3: 25 h a year (2020+), prorated on the legal annual duration:
    # 6 months → 12.5 h rounded up to 13 h; the whole year (12 months) → 25 h.
    assert evaluate(law, _public_agent(6), ["public_hours_credit(2023)"], as_of=AS_OF).value(
        "public_hours_credit(2023)"
    ) == Decimal("13")
    assert evaluate(law, _public_agent(12), ["public_hours_credit(2023)"], as_of=AS_OF).value(
        "public_hours_credit(2023)"
    ) == Decimal("25")
    # 13 months (was read as 12: 25 h) and 12.5 months are refused, located, with the range.
    for months in (13, Decimal("12.5"), -1):
        with pytest.raises(CpfError) as refused:
            evaluate(law, _public_agent(months), ["public_hours_credit(2023)"], as_of=AS_OF)
        [error] = refused.value.diagnostics
        assert (error.code, error.path) == ("CPF-F105", "$.years[0].public_service_months")
        assert (error.expected, error.found) == ("a number, between 0 and 12", f"the number {months}")


def test_forfait_days_are_days_of_one_calendar_year(law: RuleSet) -> None:
    # R6323-1 II al. 4: 100 days of a 218-day forfait → 500 × 100/218 = 229.357… → 229.36 EUR.
    facts = {"years": [{"year": 2024, "forfait_days": 218, "worked_days": 100}]}
    assert evaluate(law, facts, ["credit(2024)"], as_of=AS_OF).value("credit(2024)") == Decimal("229.36")
    # 366 days (a leap year) is a possible fact; 367 or -3 days are not.
    facts = {"years": [{"year": 2024, "forfait_days": 366, "worked_days": 366}]}
    assert evaluate(law, facts, ["credit(2024)"], as_of=AS_OF).value("credit(2024)") == Decimal("500.00")
    facts = {"years": [{"year": 2024, "forfait_days": -3, "worked_days": 367}]}
    with pytest.raises(CpfError) as refused:
        evaluate(law, facts, ["credit(2024)"], as_of=AS_OF)
    assert [(d.code, d.path, d.expected) for d in refused.value.diagnostics] == [
        ("CPF-F105", "$.years[0].forfait_days", "a number, between 0 and 366"),
        ("CPF-F105", "$.years[0].worked_days", "a number, between 0 and 366"),
    ]


def test_an_ipp_rate_written_as_a_percentage_is_refused(law: RuleSet) -> None:
    # CSS L432-12 and D432-15: 7,500 € from an IPP of 10 %, written 0.10; 10 (meant as 10 %)
    # passed the threshold before and is now refused.
    event = {"date": "2022-03-14", "kind": "work_accident", "notified_on": "2020-03-15"}
    facts = {"ledger": [{**event, "ipp_rate": Decimal("0.10")}]}
    assert evaluate(law, facts, ["work_accident_credited(2022)"], as_of=AS_OF).value(
        "work_accident_credited(2022)"
    ) == Decimal("7500.00")
    with pytest.raises(CpfError) as refused:
        evaluate(law, {"ledger": [{**event, "ipp_rate": 10}]}, ["work_accident_credited(2022)"], as_of=AS_OF)
    assert [(d.code, d.path, d.expected) for d in refused.value.diagnostics] == [
        ("CPF-F105", "$.ledger[0].ipp_rate", "a number, between 0 and 1")
    ]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        *[(12, True), (Decimal("12"), True), (Decimal("12.00"), True), (Decimal("12.0000000001"), False)],
        *[(0, True), (Decimal("-0.0000000001"), False), (13, False), (Decimal("11.99"), True)],
        *[(12.5, False), (11.5, None)],
    ],
)
def test_both_validators_agree_at_the_ends(law: RuleSet, value: Any, valid: bool | None) -> None:
    reader = law.facts_reader
    document = _public_agent(value)
    python_errors = list(python_validator(reader.schema).iter_errors(document))
    accepted, _ = reader._fast_accepts(document)
    if valid is None:  # a float: the fast path defers, the precise one names the float (F101)
        assert not accepted and [e.validator for e in python_errors] == ["type"]
        return
    assert accepted == valid and (python_errors == []) == valid


def test_a_non_whole_end_is_compared_as_written() -> None:
    # The schema holds 0.1 as a float; both validators read it as the decimal 0.1.
    import jsonschema_rs

    schema = {"type": "number", "minimum": 0.1, "maximum": 0.3}
    fast, precise = jsonschema_rs.validator_for(schema), python_validator(schema)
    for value, valid in ((Decimal("0.1"), True), (Decimal("0.3"), True), (Decimal("0.30000000001"), False)):
        assert fast.is_valid(value) == valid == precise.is_valid(value)
    assert fast.is_valid(Decimal("0.09999999999")) is False is precise.is_valid(Decimal("0.09999999999"))


def test_cpf_evaluate_refuses_a_fact_out_of_its_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(_public_agent(13)), encoding="utf-8")
    code, out = _cli(capsys, "evaluate", str(facts), "-q", "public_hours_credit(2023)", "--as-of", "2026-01-01")
    assert code == 1
    assert "error[CPF-F105]: $.years[0].public_service_months is out of range" in out
    assert "= expected: a number, between 0 and 12" in out and "= found: the number 13" in out
    facts.write_text(json.dumps(_public_agent(12)), encoding="utf-8")
    code, out = _cli(
        capsys, "evaluate", str(facts), "-q", "public_hours_credit(2023)", "--as-of", "2026-01-01", "--no-trace"
    )
    assert code == 0 and "public_hours_credit(2023) = 25 h" in out


def test_cpf_batch_validates_each_row_against_the_ranges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("numpy")
    source = tmp_path / "holders.jsonl"
    rows = [{"id": "six", **_public_agent(6)}, {"id": "thirteen", **_public_agent(13)}]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    target = tmp_path / "answers.jsonl"
    argv = ["batch", str(source), str(target), "-q", "public_hours_credit(2023)", "--as-of", "2026-01-01"]
    code, _ = _cli(capsys, *argv)
    assert code == 0
    six, thirteen = (json.loads(line) for line in target.read_text(encoding="utf-8").splitlines())
    assert six["answers"]["public_hours_credit(2023)"]["value"] == "13"
    [error] = thirteen["errors"]["$"]
    assert (error["code"], error["path"], error["expected"]) == (
        "CPF-F105",
        "$.years[0].public_service_months",
        "a number, between 0 and 12",
    )


def test_cpf_batch_validates_parquet_rows_against_the_ranges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [{"id": "six", **_public_agent(6)}, {"id": "thirteen", **_public_agent(13)}]
    table = pa.Table.from_pydict({key: pa.array([row[key] for row in rows]) for key in ("id", "years")})
    pq.write_table(table, tmp_path / "holders.parquet")
    target = tmp_path / "answers.jsonl"
    argv = ["batch", str(tmp_path / "holders.parquet"), str(target), "-q", "public_hours_credit(2023)"]
    code, _ = _cli(capsys, *argv, "--as-of", "2026-01-01")
    assert code == 0
    six, thirteen = (json.loads(line) for line in target.read_text(encoding="utf-8").splitlines())
    assert six["answers"]["public_hours_credit(2023)"]["value"] == "13"
    assert [(e["code"], e["expected"]) for e in thirteen["errors"]["$"]] == [("CPF-F105", "a number, between 0 and 12")]


# ---- formatter, cache, editor and site ------------------------------------------------------------


def test_the_formatter_lays_out_ranges_and_keeps_their_model() -> None:
    messy = 'input  year.m :  decimal   between  -  1   and 12  optional "M"\ninput year.n:integer at  most  -2 "N"\n'
    formatted = format_checked(messy, "x.cpf")
    assert formatted == 'input year.m : decimal between -1 and 12 optional "M"\ninput year.n : integer at most -2 "N"\n'
    assert format_source(formatted) == formatted
    # `between` as a local name: its `-` stays a subtraction.
    rule = 'rule r : integer "R" cite CT:R6323-1 = let between = 3 in between - 1\n'
    assert format_source(rule) == rule


def test_the_cache_round_trips_the_ranges() -> None:
    module = parse_module(RANGES, "x.cpf")
    assert decode(json.loads(json.dumps(encode(module)))) == module


def test_hover_and_site_show_the_range(law: RuleSet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = hover_markdown(law, "public_service_months")
    assert text is not None and "`input year.public_service_months : decimal between 0 and 12` (facultative)" in text
    assert range_words(None, Fraction(24), "h") == "at most 24 h"
    record = hover_markdown(law, "LedgerEvent")  # a record's fields, each with its range
    assert record is not None and "- `ipp_rate : decimal between 0 and 1` Taux d'incapacité" in record
    assert "- `points : integer at least 0`" in record and "- `amount : money` Montant" in record
    code, _ = _cli(capsys, "docs", "-o", str(tmp_path / "site"), "--no-cases")
    assert code == 0
    page = (tmp_path / "site" / "rules" / "public_share.html").read_text(encoding="utf-8")
    assert "<code>public_service_months</code>" in page and "<code>between 0 and 12</code>" in page


# ---- analysts' cases expecting a refusal ----------------------------------------------------------


def _case(errors: dict[str, str], expect: dict[str, Any] | None = None) -> Case:
    return Case(
        file="x.cases.yaml", name="n", article="DEC:2017-928", facts={}, expect=expect or {}, errors=errors, as_of=AS_OF
    )


def test_a_case_may_expect_the_facts_to_be_refused(law: RuleSet) -> None:
    refused = [Diagnostic("CPF-F105", Severity.ERROR, "$.years[0].public_service_months is out of range")]
    assert refusal_failures(law, _case({"public_hours_credit(2023)": "CPF-F105"}), refused) == []
    assert refusal_failures(law, _case({"public_hours_credit(2023)": "CPF-F101"}), refused) == [
        "CPF-F105 $.years[0].public_service_months is out of range",
        "public_hours_credit(2023): expected error CPF-F101, but the facts were refused with CPF-F105",
    ]
    mixed = _case({"public_hours_credit(2023)": "CPF-F105"}, {"public_hours_credit(2022)": "25 h"})
    assert refusal_failures(law, mixed, refused) == ["public_hours_credit(2022): no value, the facts were refused"]


def test_a_refusal_case_still_fails_on_its_questions_its_article_and_each_claim(law: RuleSet) -> None:
    """A review found that a case expecting CPF-F105 passed with a misspelt question, an
    article that does not exist, and two claims (2023 and 2024) when only 2023 was refused."""
    months = {"years": [{"year": 2023, "status": "public_agent", "public_service_months": 13}]}
    typo = dataclasses.replace(_case({"public_hours_credt(2023)": "CPF-F105"}), facts=months)
    failures = run_case(law, typo).failures
    assert len(failures) == 1 and failures[0].startswith("CPF-Q"), failures
    nowhere = dataclasses.replace(_case({"public_hours_credit(2023)": "CPF-F105"}), facts=months, article="NOPE:123")
    assert run_case(law, nowhere).failures == ["the case names NOPE:123, which legal_refs/ does not hold"]
    one_refused = dataclasses.replace(
        _case({"public_hours_credit(2023)": "CPF-F105", "public_hours_credit(2024)": "CPF-F105"}),
        facts={"years": [*months["years"], {"year": 2024, "status": "public_agent", "public_service_months": 12}]},
    )
    assert run_case(law, one_refused).failures == [
        "public_hours_credit(2023), public_hours_credit(2024): expected 2 refusals CPF-F105, the facts got 1"
    ]


def test_the_bundled_rule_files_stay_formatted_with_their_ranges(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parent.parent / "rules", rules)
    assert main(["fmt", "--check", str(rules)]) == 0


@pytest.mark.parametrize("field", ["at", "between"])
def test_a_record_field_named_like_a_range_word_gets_a_hint(tmp_path: Path, field: str) -> None:
    """After a type, `at` and `between` begin a range: a field so named right after an
    unlabelled field is a syntax error, whose hint says why and how to write it."""
    folder = tmp_path / "rules"
    folder.mkdir()
    text = f'record Ev "e" {{\n  amount : money\n  {field} : date "Date"\n}}\n\ninput evs : list Ev "evs"\n'
    (folder / "a.cpf").write_text(text, encoding="utf-8")
    with pytest.raises(CpfError) as raised:
        load_rules(folder, Path(__file__).resolve().parent.parent / "legal_refs")
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "CPF-E001" and diagnostic.span is not None
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 4 + len(field))
    assert diagnostic.hint is not None and "a record field named so needs a label or a default" in diagnostic.hint
    labelled = text.replace("amount : money", 'amount : money "Montant"')
    (folder / "a.cpf").write_text(labelled, encoding="utf-8")
    assert [
        f.name
        for f in load_rules(folder, Path(__file__).resolve().parent.parent / "legal_refs").symbols.records["Ev"].fields
    ] == ["amount", field]
