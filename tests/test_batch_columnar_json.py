"""``cpf batch`` reads JSONL lines by columns too, with the same output as line by line.

A chunk's lines are parsed as the row path parses them; the documents the facts schema
accepts go into one Arrow record batch checked by columns (engine/cpf_rules/batch/columnar.py,
``read_json_chunk``); every other line, and every document the columns do not prove
valid, is read by the row path. Property test: random JSONL files with what only JSON
can write (a key given twice, an explicit ``null``, NaN, numbers written ``1607.0``,
``1.6070e3``, ``0e5`` or with 13 decimals, integers and decimals mixed in one field,
integers beyond int64, ids of every JSON type, ``{"id", "facts"}`` rows, lines that are
not objects or not JSON, blank lines) give the same output file and the same summary,
byte for byte, by columns and with ``--row-path``, for the benchmark's rules and for the
rule base. Then values computed by hand from R6323-1 and the rows each path took.
"""

from __future__ import annotations

import datetime
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

from hypothesis import given, settings
from hypothesis import strategies as st

from batch_both_paths import PROPERTY, WORKLOAD, both_paths
from cpf_rules.batch.run import Tally

sys.setrecursionlimit(max(sys.getrecursionlimit(), 12_000))


# ---- JSON text with what a Python dict cannot hold (a key twice, numbers as written) ------


@dataclass(frozen=True)
class Written:
    """A JSON value written exactly as ``text`` (a number's spelling, NaN, a bad token)."""

    text: str


def _render(value: Any) -> str:
    """JSON text of ``value``: a list of pairs is an object (a key may come twice)."""
    if isinstance(value, Written):
        return value.text
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{json.dumps(k)}: {_render(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return json.dumps(value)


_ODD_NUMBERS = [
    "1607.0",  # an integer written as a decimal: refused for an integer field
    "1.6070e3",
    "0e5",
    "-0",
    "1E+12",  # 13 digits
    "999999999999",
    "999999999999.999999999999",
    "0.1000000000000",  # 13 decimals written
    "1180591620717411303424",  # 2**70: beyond int64 and jsonschema-rs's numbers
    "NaN",
    "-1",
    "803.50",
    "1e-3",
    "0e12",  # zero: 0 (it was refused as a 13-digit number by the row path alone)
    "-0e12",
    "0.0e13",
    "1e11",
    "1E+25",
    "12345678901234567890",  # past int64: no Arrow column
    "1.0000000000000000000001",  # past decimal128's 38 digits with the widest first row
]


def _number(good: list[int]) -> st.SearchStrategy[Any]:
    """A number as JSON writes it: mostly plain, sometimes an odd spelling or another type."""
    plain = st.one_of(st.sampled_from(good), st.integers(0, 2500))
    decimal = st.integers(0, 250_000).map(lambda u: Written(f"{u // 100}.{u % 100:02d}"))
    odd = st.one_of(
        st.sampled_from([Written(t) for t in _ODD_NUMBERS]),
        st.sampled_from([None, "1607", True, [], Written("1.5"), Written("12.345")]),
    )
    return st.integers(0, 11).flatmap(lambda k: odd if k == 0 else decimal if k < 4 else plain)


_dates = st.dates(min_value=datetime.date(2010, 1, 1), max_value=datetime.date(2030, 12, 31)).map(
    datetime.date.isoformat
)
_BAD_DATES = ["2019-02-29", "2024-13-01", "20240101", "2024-01-01T00:00", "", None, 20240101]


def _date() -> st.SearchStrategy[Any]:
    return st.integers(0, 9).flatmap(lambda k: st.sampled_from(_BAD_DATES) if k == 0 else _dates)


def _maybe_twice(pairs: list[tuple[str, Any]], draw: st.DrawFn) -> tuple[tuple[str, Any], ...]:
    """The pairs of an object, once in twenty with its first key given again."""
    if pairs and draw(st.integers(0, 19)) == 0:
        pairs = [*pairs, (pairs[0][0], pairs[0][1])]
    return tuple(pairs)


@st.composite
def _document(draw: st.DrawFn, rule_base: str | None, number: int) -> Any:
    pairs: list[tuple[str, Any]] = []
    identifier = draw(
        st.sampled_from(["none", "text", "int", "int", "bool", "float", "null", "big", "list", "surrogate"])
    )
    ids = {"text": f"h{number}", "int": number * 7, "bool": True, "float": Written("1.5"), "null": None}
    ids |= {"surrogate": Written('"\\ud800"')}  # a lone surrogate: valid JSON, no UTF-8
    ids |= {"big": Written(str(2**70)), "list": [1]}
    if identifier != "none":
        pairs.append(("id", ids[identifier]))
    facts: list[tuple[str, Any]] = []
    if draw(st.integers(0, 4)):
        holder = [("dif_hours", draw(_number([0, 20, 120])))]
        if draw(st.booleans()):
            holder.append(("dif_registered_on", draw(_date())))
        if draw(st.integers(0, 3)) == 0:
            holder.append(("low_qualified_declared_on", draw(_date())))
        if draw(st.integers(0, 15)) == 0:
            holder.append(("nickname", draw(st.sampled_from([None, "Max"]))))  # unknown, null or not
        facts.append(
            (
                "holder",
                draw(st.sampled_from([None, _maybe_twice(holder, draw)]))
                if draw(st.integers(0, 15)) == 0
                else _maybe_twice(holder, draw),
            )
        )
    years: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        year = draw(
            st.integers(0, 11).flatmap(
                lambda k: (
                    st.sampled_from([None, "2019", 1899, Written("2019.0")]) if k == 0 else st.integers(2017, 2024)
                )
            )
        )
        entry = [("year", year), ("worked_hours", draw(_number([0, 700, 803, 804, 1607, 2000])))]
        if rule_base is None and draw(st.integers(0, 2)) == 0:
            status = st.sampled_from(["employee", "job_seeker", "bogus", None, Written('"\\udc00"')])
            entry.append(("status", draw(status)))
        years.append(draw(st.sampled_from([None, 5])) if draw(st.integers(0, 19)) == 0 else _maybe_twice(entry, draw))
    facts.append(("years", years if draw(st.integers(0, 19)) else draw(st.sampled_from([None, {}, "x"]))))
    if rule_base is None and draw(st.booleans()):
        ledger = []
        for _ in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(["training_paid", "training_paid", "no_such_kind"]))
            ledger.append((("date", draw(_date())), ("kind", kind), ("amount", draw(_number([0, 450, 1200])))))
        facts.append(("ledger", ledger))
    if draw(st.integers(0, 15)) == 0:
        facts.append(("comment", draw(st.sampled_from([None, "note"]))))  # an unknown key
    if draw(st.integers(0, 12)) == 0:
        pairs.append(("facts", tuple(facts)))  # a `cpf reform` population row
    else:
        pairs += facts
    return _maybe_twice(pairs, draw)


@st.composite
def _jsonl(draw: st.DrawFn, rule_base: str | None) -> str:
    lines = []
    for number in range(draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 29))
        if kind == 0:
            lines.append(draw(st.sampled_from(["[]", '"x"', "1", "null", "{", '{"years": [1,]}', "", "  "])))
        else:
            lines.append(_render(draw(_document(rule_base, number))))
    text = "\n".join(lines) + "\n"
    return ("\ufeff" + text) if draw(st.integers(0, 9)) == 0 else text


def _both_paths(tmp: Path, text: str, rule_base: str | None, chunk: int = 4) -> tuple[bytes, Tally]:
    """Run ``cpf batch`` on ``text`` by columns and line by line (:func:`both_paths`); the
    output and the columnar run's tally."""
    source = tmp / "holders.jsonl"
    source.write_text(text, encoding="utf-8")
    output, by_columns, _ = both_paths(source, rule_base, chunk)
    return output, by_columns


@settings(PROPERTY, max_examples=60)
@given(_jsonl(WORKLOAD))
def test_columnar_jsonl_output_is_the_row_paths_byte_for_byte_workload(tmp_path: Path, text: str) -> None:
    _both_paths(tmp_path, text, WORKLOAD)


@settings(PROPERTY, max_examples=40)
@given(_jsonl(None))
def test_columnar_jsonl_output_is_the_row_paths_byte_for_byte_rule_base(tmp_path: Path, text: str) -> None:
    _both_paths(tmp_path, text, None)


# ---- real values, and which path each line took -------------------------------------------


def _line(identifier: Any, hours: str, dif: str | None = None, extra: str = "") -> str:
    years = ", ".join(f'{{"year": {y}, "worked_hours": {hours}}}' for y in range(2019, 2025))
    holder = f', "holder": {{"dif_hours": {dif}}}' if dif is not None else ""
    return f'{{"id": {json.dumps(identifier)}, "years": [{years}]{holder}{extra}}}'


def test_workload_balances_computed_by_hand_from_r6323_1_jsonl(tmp_path: Path) -> None:
    # R6323-1 I and II (workload rules): 500 € a year, prorated below half of 1,607 h and
    # rounded up to the cent, the DIF hours converted at 15 €/h on 1 January 2019.
    lines = [
        _line("part", "700"),  # 500 × 700/1607 = 217.797… → 217.80 a year
        _line("half", "803.50"),  # 803.5 = 1607/2: the full 500 € a year (a decimal column of scale 2)
        _line("just_below", "803.49"),  # 249.9968… → 250.00 a year
        _line(4, "1607", dif="100"),  # an integer id; 100 h × 15 € = 1,500 € then 500 € a year
    ]
    output, tally = _both_paths(tmp_path, "\n".join(lines) + "\n", WORKLOAD, chunk=10)
    rows = [json.loads(line) for line in output.decode().splitlines()]
    assert [r["id"] for r in rows] == ["part", "half", "just_below", 4]
    balances = [r["answers"]["balance(2024)"]["value"] for r in rows]
    # 6 × 217.80; 6 × 500; 6 × 250; 1,500 + 6 × 500 capped at 5,000 € (R6323-1 II ceiling... 4,500 reached).
    assert balances == ["1306.80", "3000.00", "1500.00", "4500.00"]
    assert rows[0]["answers"]["amount_due(2021)"] == {"type": "money", "unit": "EUR", "value": "217.80"}
    assert tally.row_path == 0 and tally.vectorised == 8  # every line proven valid by columns


def test_what_only_json_writes_takes_the_row_path(tmp_path: Path) -> None:
    lines = [
        _line("ok", "1607"),
        _line("null", "null"),  # CPF-F101: a null is not an absent key in JSON
        _line("twice", "1607", extra=', "years": []'),  # CPF-F002: a key given twice
        _line("nan", "NaN"),  # CPF-F002: JSON has no NaN
        _line("dif", "1607", dif="1.5"),  # valid: 1.5 DIF hours (22.50 €, R6323-1 … and 6 × 500 €)
        _line("unknown", "1607", extra=', "comment": null'),  # CPF-F103 even when null
        '{"id": "wrapped", "facts": {"years": [{"year": 2021, "worked_hours": 700}]}}',  # a population row
    ]
    output, tally = _both_paths(tmp_path, "\n".join(lines) + "\n", WORKLOAD, chunk=10)
    read = [json.loads(line) for line in output.decode().splitlines()]
    codes = [sorted({d["code"] for d in r.get("errors", {}).get("$", [])}) for r in read]
    assert codes == [[], ["CPF-F101"], ["CPF-F002"], ["CPF-F002"], [], ["CPF-F103"], []]
    assert read[0]["answers"]["balance(2024)"]["value"] == "3000.00"  # 6 × 500 € (R6323-1 II)
    assert read[4]["answers"]["balance(2024)"]["value"] == "3022.50"  # 1.5 h × 15 € + 6 × 500 €
    assert read[6]["answers"]["amount_due(2021)"]["value"] == "217.80"  # 500 × 700/1607, rounded up
    assert tally.row_path == 5  # the refused lines and the population row, read as documents


def test_a_value_written_with_13_decimals_is_read_by_the_row_path_alone(tmp_path: Path) -> None:
    # 13 decimals are refused (CPF-F108 allows 12); in a column they would give it their
    # scale and send every line of the chunk holding that field to the row path: the line
    # goes there alone, before Arrow, and the others are read by columns.
    lines = [_line("ok", "1607"), _line("thirteen", "0.1000000000000"), _line("next", "803.5")]
    output, tally = _both_paths(tmp_path, "\n".join(lines) + "\n", WORKLOAD, chunk=2)
    read = [json.loads(line) for line in output.decode().splitlines()]
    assert [r.get("errors", {}).get("$", [{}])[0].get("code") for r in read] == [None, "CPF-F108", None]
    assert read[2]["answers"]["balance(2024)"]["value"] == "3000.00"  # 803.5 h: half of 1,607 h, the full 500 €
    assert tally.row_path == 1


def test_a_zero_written_with_an_exponent_is_zero_on_both_paths(tmp_path: Path) -> None:
    # 0e12 is 0 hours: R6323-1 II prorates 0 h to 0 € (it was refused as a 13-digit number
    # by the row path, and accepted by the columns: two answers for one line).
    lines = [_line("zero", "0e12"), _line("negative_zero", "-0.0e13"), _line("ok", "1607")]
    output, tally = _both_paths(tmp_path, "\n".join(lines) + "\n", WORKLOAD, chunk=10)
    read = [json.loads(line) for line in output.decode().splitlines()]
    assert [r["answers"]["balance(2024)"]["value"] for r in read] == ["0.00", "0.00", "3000.00"]
    assert tally.row_path == 2  # an exponent of two digits: read as a document, without trying Arrow


def test_lines_arrow_cannot_hold_go_to_the_row_path_without_trying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One Arrow conversion for the chunk: the integer past int64, the lone surrogate and the
    # 13 decimals are read by the row path at once (each failed conversion costs ~1 ms).
    import pyarrow as pa

    calls: list[int] = []
    real_array = pa.array

    def counted(values: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(values, list) and values and isinstance(values[0], dict):  # documents, not indices
            calls.append(len(values))
        return real_array(values, *args, **kwargs)

    monkeypatch.setattr(pa, "array", counted)
    lines = [_line(f"h{i}", "1607") for i in range(7)]
    lines[2] = _line("huge", "12345678901234567890")  # CPF-F108 on the row path
    lines[4] = '{"id": "\\ud800", "years": [{"year": 2021, "worked_hours": 700}]}'
    lines[6] = _line("thirteen", "0.1000000000000")  # CPF-F108
    output, tally = _both_paths(tmp_path, "\n".join(lines) + "\n", WORKLOAD, chunk=10)
    assert calls == [5]  # the widest first row and the four plain lines, once (by columns; none by rows)
    assert tally.row_path == 3
    read = [json.loads(line) for line in output.decode().splitlines()]
    assert read[4]["id"] == "\ud800" and read[4]["answers"]["amount_due(2021)"]["value"] == "217.80"  # R6323-1 II
    assert [r.get("errors", {}).get("$", [{}])[0].get("code") for r in read][2::2] == ["CPF-F108", None, "CPF-F108"]
