"""``cpf batch`` reads a Parquet chunk by its Arrow columns, with the same output as row by row.

The columnar path (engine/cpf_rules/batch/columnar.py, arrow_rows.py, arrow_values.py)
only accepts rows it proves valid; every other row takes the row path, which words the
diagnostics. Property test: random Parquet populations with bad rows of every kind
(negative hours, a year twice, dates that do not exist, unknown keys, floats, missing
required fields, ids of a wrong type, numbers past 12 digits or beyond int64, amounts
beyond the cent, nulls) give the same output file and the same summary, byte for byte,
by columns and with ``--row-path``, for the benchmark's rules and for the rule base.
Then values computed by hand from R6323-1, the rows each path took, and the answers'
JSON form against ``machine_value``.
"""

from __future__ import annotations

import datetime
import json
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_both_paths import PROPERTY, WORKLOAD, both_paths
from cpf_rules.batch.answers import AnswerFormat
from cpf_rules.batch.run import Tally
from cpf_rules.cli import main
from cpf_rules.loader import load_rules
from cpf_rules.render.values import machine_value

sys.setrecursionlimit(max(sys.getrecursionlimit(), 12_000))

# ---- random Parquet populations, good and bad values of each Arrow type ----------------

_NUMBER_TYPES = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "uint64": pa.uint64(),
    "dec2": pa.decimal128(14, 2),
    "dec3": pa.decimal128(16, 3),
    "dec12": pa.decimal128(30, 12),
    "dec13": pa.decimal128(30, 13),
    "float": pa.float64(),
    "text": pa.string(),
}
_ODD_INTEGERS = [-1, 999_999_999_999, 10**12, -(10**12), 2_147_483_647]


def _rarely(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` most of the time, ``odd`` (a bad or unusual value, or null) about one time in twelve."""
    return st.integers(0, 11).flatmap(lambda k: odd if k == 0 else good)


def _numbers(code: str, good: list[Any]) -> st.SearchStrategy[Any]:
    """Values of an Arrow number column of type ``code``; ``good``: typical whole values."""
    ints = st.one_of(st.sampled_from(good), st.integers(0, 2500))
    if code in ("int64", "int32"):
        odd = [v for v in _ODD_INTEGERS if code == "int64" or abs(v) < 2**31]
        return _rarely(ints, st.one_of(st.none(), st.sampled_from(odd)))
    if code == "uint64":
        return _rarely(ints, st.one_of(st.none(), st.sampled_from([10**12, 2**63 + 5, 999_999_999_999])))
    if code.startswith("dec"):
        scale = int(code[3:])
        fine = st.integers(0, 250_000 * 10 ** min(scale, 4)).map(lambda u: Decimal(u).scaleb(-min(scale, 4)))
        special = [Decimal("803.5"), Decimal("-0.01"), Decimal("0.125"), Decimal("1607.001")]
        if scale == 12:
            special += [Decimal("99999999999.999999999999"), Decimal("5000000.5"), Decimal("1E+12")]
        usable = [d for d in special if -d.as_tuple().exponent <= scale and abs(d) < 10 ** (30 - scale)]  # type: ignore[operator]
        return _rarely(st.one_of(ints.map(Decimal), fine), st.one_of(st.none(), st.sampled_from(usable)))
    if code == "float":
        return st.one_of(st.none(), st.sampled_from([1607.0, 0.1, 803.5, 700.0, float("nan"), float("inf"), -1.0]))
    return st.one_of(st.none(), st.sampled_from(["1607", "x", "803.5"]))


_DATE_TEXTS = ["2019-02-29", "2024-13-01", "0000-01-01", "2024-1-01", "", "2024-01-01T00:00", "2024-01-01\n", "x"]
_dates = st.dates(min_value=datetime.date(2010, 1, 1), max_value=datetime.date(2030, 12, 31))


def _date_values(code: str) -> st.SearchStrategy[Any]:
    if code == "date32":
        return st.one_of(st.none(), _dates)
    return _rarely(_dates.map(datetime.date.isoformat), st.one_of(st.none(), st.sampled_from(_DATE_TEXTS)))


def _year_values(code: str) -> st.SearchStrategy[Any]:
    if code == "text":
        return st.sampled_from(["2019", "2024"])
    return _rarely(st.sampled_from(list(range(2017, 2025))), st.one_of(st.none(), st.sampled_from([1899, 2201])))


@st.composite
def _layout(draw: st.DrawFn, rule_base: str | None) -> dict[str, str]:
    """The Arrow type of each column of one population (one type per column in Parquet)."""
    layout = {
        "id": draw(st.sampled_from(["none", "string", "string", "int64", "int64", "int64", "bool", "float"])),
        "dif_hours": draw(
            st.sampled_from([*["int64", "dec2"] * 3, "int32", "uint64", "dec12", "dec13", "float", "text"])
        ),
        "dif_registered_on": draw(st.sampled_from(["text", "text", "date32"])),
        "year": draw(st.sampled_from(["int64", "int64", "int64", "int32", "int32", "text"])),
        "worked_hours": draw(st.sampled_from([*["int64", "dec2", "dec3"] * 2, "dec12", "dec13", "float", "uint64"])),
        "unknown": draw(st.sampled_from(["no", "no", "no", "top", "holder", "years"])),
    }
    if rule_base is None:
        layout["amount"] = draw(st.sampled_from(["dec2", "dec3", "dec3", "int64", "float"]))
        layout["payroll"] = draw(st.sampled_from(["dec2", "dec3", "int64"]))
    return layout


def _schema(layout: dict[str, str], rule_base: str | None) -> Any:
    holder = [
        pa.field("dif_hours", _NUMBER_TYPES[layout["dif_hours"]]),
        pa.field("dif_registered_on", pa.date32() if layout["dif_registered_on"] == "date32" else pa.string()),
        pa.field("low_qualified_declared_on", pa.string()),
    ]
    year = [
        pa.field("year", _NUMBER_TYPES[layout["year"]] if layout["year"] != "text" else pa.string()),
        pa.field("worked_hours", _NUMBER_TYPES[layout["worked_hours"]]),
    ]
    if layout["unknown"] == "holder":
        holder.append(pa.field("nickname", pa.string()))
    if layout["unknown"] == "years" or rule_base is None:
        year.append(pa.field("status", pa.string()))  # an unknown key for the workload's rules
    fields = []
    if layout["id"] != "none":
        kinds = {"string": pa.string(), "int64": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}
        fields.append(pa.field("id", kinds[layout["id"]]))
    fields += [pa.field("holder", pa.struct(holder)), pa.field("years", pa.list_(pa.struct(year)))]
    if layout["unknown"] == "top":
        fields.append(pa.field("comment", pa.string()))
    if rule_base is None:
        ledger = [
            pa.field("date", pa.string()),
            pa.field("kind", pa.string()),
            pa.field("amount", _NUMBER_TYPES[layout["amount"]]),
        ]
        fields.append(pa.field("ledger", pa.list_(pa.struct(ledger))))
        employer = [pa.field("headcount", pa.int64()), pa.field("payroll", _NUMBER_TYPES[layout["payroll"]])]
        fields.append(pa.field("employer", pa.struct(employer)))
    return pa.schema(fields)


@st.composite
def _row(draw: st.DrawFn, layout: dict[str, str], rule_base: str | None, number: int) -> dict[str, Any]:
    row: dict[str, Any] = {}
    ids = {"string": st.just(f"h{number}"), "int64": st.integers(-5, 10**15), "bool": st.booleans()}
    if layout["id"] != "none":
        row["id"] = draw(_rarely(ids.get(layout["id"], st.just(1.5)), st.none()))
    if draw(st.integers(0, 5)):
        holder: dict[str, Any] = {"dif_hours": draw(_numbers(layout["dif_hours"], [0, 20, 120]))}
        holder["dif_registered_on"] = draw(st.one_of(st.none(), _date_values(layout["dif_registered_on"])))
        holder["low_qualified_declared_on"] = draw(st.one_of(st.none(), _date_values("text")))
        if layout["unknown"] == "holder":
            holder["nickname"] = draw(st.one_of(st.none(), st.none(), st.just("Max")))
        row["holder"] = holder
    years = []
    for _ in range(draw(st.integers(0, 4))):
        entry: dict[str, Any] = {
            "year": draw(_year_values(layout["year"])),
            "worked_hours": draw(_numbers(layout["worked_hours"], [0, 700, 803, 804, 1607, 2000])),
        }
        if "status" in [f.name for f in _schema(layout, rule_base).field("years").type.value_type]:
            entry["status"] = draw(st.sampled_from([*[None] * 6, "employee", "job_seeker", "bogus"]))
        years.append(draw(_rarely(st.just(entry), st.none())))
    row["years"] = draw(_rarely(st.just(years), st.none()))
    if layout["unknown"] == "top":
        row["comment"] = draw(st.sampled_from([None, None, "note"]))
    if rule_base is None:
        ledger = []
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(_rarely(st.just("training_paid"), st.just("no_such_kind")))
            date = draw(_date_values("text"))
            ledger.append({"date": date, "kind": kind, "amount": draw(_numbers(layout["amount"], [0, 450, 1200]))})
        row["ledger"] = ledger or draw(st.sampled_from([None, []]))
        if draw(st.integers(0, 3)) == 0:
            payroll = draw(_numbers(layout["payroll"], [1000, 250_000]))
            headcount = draw(_rarely(st.sampled_from([12, 300]), st.sampled_from([None, -3])))
            row["employer"] = {"headcount": headcount, "payroll": payroll}
    return row


@st.composite
def _populations(draw: st.DrawFn, rule_base: str | None) -> Any:
    layout = draw(_layout(rule_base))
    count = draw(st.integers(1, 10))
    rows = [draw(_row(layout, rule_base, number)) for number in range(count)]
    return pa.Table.from_pylist(rows, schema=_schema(layout, rule_base))


def _both_paths(tmp: Path, table: Any, rule_base: str | None, chunk: int = 4) -> tuple[bytes, Tally]:
    """Run ``cpf batch`` on ``table`` by columns and row by row (:func:`both_paths`); the
    output and the columnar run's tally."""
    source = tmp / "holders.parquet"
    pq.write_table(table, source)
    output, by_columns, by_rows = both_paths(source, rule_base, chunk)
    assert by_rows.row_path == table.num_rows
    return output, by_columns


@PROPERTY
@given(_populations(WORKLOAD))
def test_columnar_output_is_the_row_paths_byte_for_byte_workload(tmp_path: Path, table: Any) -> None:
    _both_paths(tmp_path, table, WORKLOAD)


@settings(PROPERTY, max_examples=30)
@given(_populations(None))
def test_columnar_output_is_the_row_paths_byte_for_byte_rule_base(tmp_path: Path, table: Any) -> None:
    _both_paths(tmp_path, table, None)


# ---- real values, and which path each row took ------------------------------------------


def _years(hours: Any) -> list[dict[str, Any]]:
    return [{"year": y, "worked_hours": hours} for y in range(2019, 2025)]


def test_workload_balances_computed_by_hand_from_r6323_1(tmp_path: Path) -> None:
    # R6323-1 I and II (workload rules): 500 € a year, prorated below half of 1,607 h and
    # rounded up to the cent, the DIF hours converted at 15 €/h on 1 January 2019.
    table = pa.Table.from_pylist(
        [
            {"id": "part", "years": _years(Decimal("700"))},  # 500 × 700/1607 = 217.797… → 217.80 a year
            {"id": "half", "years": _years(Decimal("803.50"))},  # 803.5 = 1607/2: the full 500 € a year
            {"id": "just_below", "years": _years(Decimal("803.49"))},  # 249.9968… → 250.00 a year
            {"id": "dif", "holder": {"dif_hours": Decimal("100")}, "years": _years(Decimal("1607"))},
        ],
        schema=pa.schema(
            [
                pa.field("id", pa.string()),
                pa.field("holder", pa.struct([pa.field("dif_hours", pa.decimal128(10, 2))])),
                pa.field(
                    "years",
                    pa.list_(pa.struct([pa.field("year", pa.int16()), pa.field("worked_hours", pa.decimal128(8, 2))])),
                ),
            ]
        ),
    )
    output, tally = _both_paths(tmp_path, table, WORKLOAD)
    rows = [json.loads(line) for line in output.decode().splitlines()]
    assert [r["id"] for r in rows] == ["part", "half", "just_below", "dif"]
    balances = [r["answers"]["balance(2024)"]["value"] for r in rows]
    # 6 × 217.80; 6 × 500; 6 × 250; 100 h × 15 € = 1,500 € then 500 € a year, capped at 5,000 €.
    assert balances == ["1306.80", "3000.00", "1500.00", "4500.00"]
    assert rows[0]["answers"]["amount_due(2021)"] == {"type": "money", "unit": "EUR", "value": "217.80"}
    assert tally.row_path == 0 and tally.vectorised == 8  # every row proven valid by columns


def test_bad_rows_take_the_row_path_and_get_its_diagnostics(tmp_path: Path) -> None:
    good = {"year": 2019, "worked_hours": 1607}
    rows = [
        {"years": [good], "holder": {"dif_registered_on": "2020-01-15"}, "comment": None},  # every key (Arrow's types)
        {"years": [good, {"year": 2019, "worked_hours": 10}]},  # CPF-F107: 2019 twice
        {"years": [{"year": 2019, "worked_hours": -1}]},  # CPF-F105: no negative hours
        {"years": [{"year": 2019, "worked_hours": 10**12}]},  # CPF-F108: 13 digits
        {"holder": {"dif_registered_on": "2019-02-29"}, "years": [good]},  # CPF-F106: no such day
        {"years": [{"year": 2019, "worked_hours": None}]},  # a null is an absent key: the default 0 h
        {"years": [{"year": None, "worked_hours": 5}]},  # CPF-F102: the year is required
        {"years": [good], "comment": "x"},  # CPF-F103: an unknown key
        {"years": [good], "comment": None},  # … absent where it is null
    ]
    table = pa.Table.from_pylist(rows)
    output, tally = _both_paths(tmp_path, table, WORKLOAD)
    read = [json.loads(line) for line in output.decode().splitlines()]
    codes = [[d["code"] for d in r.get("errors", {}).get("$", [])] for r in read]
    assert codes == [[], ["CPF-F107"], ["CPF-F105"], ["CPF-F108"], ["CPF-F106"], [], ["CPF-F102"], ["CPF-F103"], []]
    assert read[0]["answers"]["amount_due(2021)"]["value"] == "0.00"  # no entry for 2021: 0 h
    assert read[5]["answers"]["balance(2024)"]["value"] == "0.00"
    assert tally.row_path == 6  # the six refused rows; the three others by columns


def test_an_integer_beyond_int64_goes_to_the_scalar_engine(tmp_path: Path) -> None:
    # 99,999,999,999.999999999999 h: valid (12 digits each side) but 10^23 / 10^12 does not
    # fit int64: the row path reads it and the scalar engine answers (the full 500 € a year).
    hours = pa.array([Decimal("1607"), Decimal("99999999999.999999999999")], type=pa.decimal128(30, 12))
    years = pa.ListArray.from_arrays(
        pa.array([0, 1, 2]), pa.StructArray.from_arrays([pa.array([2024, 2024]), hours], ["year", "worked_hours"])
    )
    table = pa.table({"years": years})
    output, tally = _both_paths(tmp_path, table, WORKLOAD)
    values = [json.loads(line)["answers"]["balance(2024)"]["value"] for line in output.decode().splitlines()]
    assert values == ["500.00", "500.00"]
    assert tally.row_path == 1 and tally.scalar == 2  # one row read as a document; answered by the scalar engine


def test_row_path_option_gives_the_same_bytes_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = pa.Table.from_pylist(
        [
            {"id": 7, "years": [{"year": 2021, "worked_hours": 700}]},
            {"id": 8, "years": [{"year": 2021, "worked_hours": -5}]},
        ]
    )
    pq.write_table(table, tmp_path / "h.parquet")
    summaries = []
    for extra in ([], ["--row-path"]):
        target = tmp_path / f"out{len(extra)}.jsonl"
        arguments = ["batch", str(tmp_path / "h.parquet"), str(target), "-q", "amount_due(2021)"]
        assert main([*arguments, "--as-of", "2026-01-01", "--rules", WORKLOAD, *extra]) == 0
        summaries.append(capsys.readouterr().err)
    assert (tmp_path / "out0.jsonl").read_bytes() == (tmp_path / "out1.jsonl").read_bytes()
    assert summaries[0] == summaries[1] and '"answers_failed": 1' in summaries[0]
    first, second = [json.loads(line) for line in (tmp_path / "out0.jsonl").read_text().splitlines()]
    assert first["id"] == 7 and first["answers"]["amount_due(2021)"]["value"] == "217.80"  # R6323-1 II
    assert second["id"] == 8 and second["errors"]["$"][0]["code"] == "CPF-F105"  # no negative hours


# ---- the answers' JSON form ---------------------------------------------------------------


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    st.fractions(max_denominator=10**6)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9).map(Fraction)
)
def test_answer_format_is_machine_value(value: Fraction) -> None:
    symbols = load_rules(WORKLOAD).symbols
    for rule in ("balance", "work_ratio", "low_qualified"):
        type_ = symbols.type_of(symbols.rules[rule].type)
        assert AnswerFormat(type_).json(value) == machine_value(value, type_)
    type_ = symbols.type_of(symbols.rules["balance"].type)
    for other in (None, True, datetime.date(2024, 2, 29), "text"):
        assert AnswerFormat(type_).json(other) == machine_value(other, type_)


@settings(max_examples=60, derandomize=True, database=None, deadline=None)
@given(
    st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=20),
    st.sampled_from([1, 2, 3, 8, 100, 1607, 10**6]),
    st.booleans(),
)
def test_answer_format_of_a_kernel_column_is_each_rows(numerators: list[int], denominator: int, mixed: bool) -> None:
    # A column of the kernel (int64 numerators, one denominator or one per row) written at
    # once gives, row by row, the JSON form of the row's Fraction (money: 2 places).
    import numpy as np

    from cpf_rules.batch.run import column_value
    from cpf_rules.batch.vectors import Num

    num = np.asarray(numerators, dtype=np.int64)
    den: Any = denominator
    if mixed:
        den = np.asarray([denominator if i % 2 else 5 for i in range(len(num))], dtype=np.int64)
    data = Num(num, den)
    rows = np.arange(len(num))[::-1].copy()
    symbols = load_rules(WORKLOAD).symbols
    for rule in ("balance", "work_ratio"):
        answers = AnswerFormat(symbols.type_of(symbols.rules[rule].type))
        expected = [answers.json(column_value(data, row, "number")) for row in rows.tolist()]
        assert answers.column(data, "number", rows) == expected
