"""``cpf batch``: Parquet types, question spellings, stream outputs and Dask addresses (review findings).

A float32 column was read by the float64 expansion of its value (0.1 refused as
0.10000000149011612, 2500.3 h answered as 2500.300048828125 h); a decimal of scale 0
given for a whole number was refused ("found the number 2019"); a timestamp with a
time of day was silently cut to its date; a question written ``credit( 2019 )`` left
its Parquet output column empty (no answer, no error, exit 0); an OUTPUT that is a FIFO
or a device was replaced by a regular file; a bad ``--dask`` address was an internal
error (exit 3).
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from cpf_rules.cli import main  # noqa: E402


def _run(tmp_path: Path, table: Any, *questions: str, target: str = "answers.jsonl") -> list[dict[str, Any]]:
    source = tmp_path / "holders.parquet"
    pq.write_table(table, source)
    args = ["batch", str(source), str(tmp_path / target), "--as-of", "2026-01-01"]
    for question in questions:
        args += ["-q", question]
    assert main(args) == 0
    return [json.loads(line) for line in (tmp_path / target).read_text(encoding="utf-8").splitlines()]


def _holder_dif(hours: Any) -> Any:
    """DIF hours registered in time (ord. 2019-861): dif_hours_counted is the hours given."""
    return pa.table(
        {"holder": pa.StructArray.from_arrays([hours, pa.array(["2020-01-01"])], ["dif_hours", "dif_registered_on"])}
    )


def test_a_float32_column_is_read_by_its_shortest_text(tmp_path: Path) -> None:
    rows = _run(tmp_path, _holder_dif(pa.array([2500.3], pa.float32())), "dif_hours_counted")
    assert rows[0]["answers"]["dif_hours_counted"]["value"] == "2500.3"
    rows = _run(tmp_path, _holder_dif(pa.array([0.1], pa.float32())), "dif_hours_counted")
    assert rows[0]["answers"]["dif_hours_counted"]["value"] == "0.1"


def test_a_decimal_of_scale_0_is_a_whole_number(tmp_path: Path) -> None:
    # R6323-1 I: 700 h of 1,607 h in 2019 → 500 € × 700/1607 = 217.80 €
    item = pa.struct([("year", pa.decimal128(4, 0)), ("worked_hours", pa.int64())])
    years = pa.array([[{"year": decimal.Decimal(2019), "worked_hours": 700}]], pa.list_(item))
    rows = _run(tmp_path, pa.table({"years": years}), "credit(2019)")
    assert rows[0]["answers"]["credit(2019)"]["value"] == "217.80"


def test_a_timestamp_with_a_time_of_day_is_not_a_date(tmp_path: Path) -> None:
    stamps = pa.array([datetime.datetime(1980, 1, 1), datetime.datetime(1980, 1, 1, 23, 30)], pa.timestamp("us"))
    table = pa.table({"holder": pa.StructArray.from_arrays([stamps], ["born_on"])})
    rows = _run(tmp_path, table, "account_state(2026-01-01)")
    assert rows[0]["answers"]["account_state(2026-01-01)"]["value"] == "account_open"
    assert [d["code"] for d in rows[1]["errors"]["$"]] == ["CPF-F106"]  # as cpf evaluate: not a date


def test_a_question_spelled_with_spaces_fills_its_parquet_column(tmp_path: Path) -> None:
    years = pa.array(
        [[{"year": 2019, "worked_hours": 1607}]],
        pa.list_(pa.struct([("year", pa.int64()), ("worked_hours", pa.int64())])),
    )
    source = tmp_path / "holders.parquet"
    pq.write_table(pa.table({"years": years}), source)
    target = tmp_path / "answers.parquet"
    assert main(["batch", str(source), str(target), "-q", "credit( 2019 )", "-q", "credit(2019)"]) == 0
    table = pq.read_table(target)
    assert table.schema.names == ["row", "id", "credit(2019)", "credit(2019) error"]
    assert table.column("credit(2019)").to_pylist() == ["500.00"]  # R6323-1 I: a full-time year


def test_an_output_fifo_is_written_as_a_stream(tmp_path: Path) -> None:
    source = tmp_path / "holders.jsonl"
    source.write_text('{"years": [{"year": 2019, "worked_hours": 1607}]}\n', encoding="utf-8")
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["batch", str(source), str(fifo), "-q", "credit(2019)"]) == 0
    reader.join(timeout=30)
    assert fifo.is_fifo()  # not replaced by a regular file
    assert json.loads(received[0])["answers"]["credit(2019)"]["value"] == "500.00"


def test_a_bad_dask_address_is_a_coded_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    source = tmp_path / "holders.jsonl"
    source.write_text("{}\n", encoding="utf-8")
    assert main(["batch", str(source), str(tmp_path / "out.jsonl"), "-q", "credit(2019)", "--dask", "no-port"]) == 1
    assert "CPF-B006" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holders.jsonl"]


@pytest.mark.parametrize("name", ["answers.csv", "answers.json", "answers.xlsx"])
def test_an_output_of_another_format_is_refused_before_reading(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # answers.csv was written as JSONL without a word
    source = tmp_path / "holders.jsonl"
    source.write_text('{"years": [{"year": 2019, "worked_hours": 1607}]}\n', encoding="utf-8")
    assert main(["batch", str(source), str(tmp_path / name), "-q", "credit(2019)"]) == 1
    err = capsys.readouterr().err
    assert "CPF-B005" in err and "name the output .jsonl (or .ndjson) or .parquet" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holders.jsonl"]


def test_an_input_of_another_format_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "holders.csv"
    source.write_text("year,worked_hours\n2019,1607\n", encoding="utf-8")
    assert main(["batch", str(source), str(tmp_path / "answers.jsonl"), "-q", "credit(2019)"]) == 1
    err = capsys.readouterr().err
    assert "CPF-B004" in err and "name the input .jsonl (or .ndjson) or .parquet" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holders.csv"]


def test_ndjson_and_no_suffix_are_jsonl(tmp_path: Path) -> None:
    # R6323-1 I: a full-time year 2019 is credited 500 €
    source = tmp_path / "holders.ndjson"
    source.write_text('{"years": [{"year": 2019, "worked_hours": 1607}]}\n', encoding="utf-8")
    assert main(["batch", str(source), str(tmp_path / "answers"), "-q", "credit(2019)"]) == 0
    row = json.loads((tmp_path / "answers").read_text(encoding="utf-8"))
    assert row["answers"]["credit(2019)"]["value"] == "500.00"


def test_jsonl_is_read_from_a_pipe(tmp_path: Path) -> None:
    # `zcat holders.jsonl.gz | cpf batch /dev/stdin …` was "input file not found" (a pipe is no regular file)
    fifo = tmp_path / "holders"
    os.mkfifo(fifo)
    writer = threading.Thread(
        target=lambda: fifo.write_text('{"years": [{"year": 2019, "worked_hours": 1607}]}\n', encoding="utf-8"),
        daemon=True,
    )
    writer.start()
    assert main(["batch", str(fifo), str(tmp_path / "answers.jsonl"), "-q", "credit(2019)"]) == 0
    writer.join(timeout=30)
    row = json.loads((tmp_path / "answers.jsonl").read_text(encoding="utf-8"))
    assert row["answers"]["credit(2019)"]["value"] == "500.00"  # R6323-1 I: a full-time year


def test_a_directory_as_input_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path), str(tmp_path / "answers.jsonl"), "-q", "credit(2019)"]) == 1
    err = capsys.readouterr().err
    assert "CPF-B002" in err and "found: a directory" in err


def test_a_refused_row_keeps_every_problem_in_parquet(tmp_path: Path) -> None:
    # only the first of a row's problems reached the Parquet output; JSONL kept them all
    source = tmp_path / "holders.jsonl"
    line = '{"years": [{"year": 2019, "worked_hours": -1}, {"year": 2020, "worked_hours": 99999}]}\n'
    source.write_text(line, encoding="utf-8")
    assert main(["batch", str(source), str(tmp_path / "answers.jsonl"), "-q", "credit(2019)"]) == 0
    jsonl = json.loads((tmp_path / "answers.jsonl").read_text(encoding="utf-8"))
    expected = [f"{d['code']}: {d['message']}" for d in jsonl["errors"]["$"]]
    assert len(expected) == 2
    assert main(["batch", str(source), str(tmp_path / "answers.parquet"), "-q", "credit(2019)"]) == 0
    written = pq.read_table(tmp_path / "answers.parquet").to_pylist()
    assert written[0]["credit(2019) error"].split("\n") == expected
