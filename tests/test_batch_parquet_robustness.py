"""``cpf batch`` on Parquet files a facts document cannot come from, and stopped midway.

From a review of the columnar reading (every case gave the same bytes by columns and
with ``--row-path``, so each is checked on both): two columns or struct fields of one
name were merged silently (the last one won: -5 worked hours hidden behind 1,607) or
crashed the run; a date past year 9999 or text that is not UTF-8 crashed the whole run
(internal error, exit 3) instead of refusing that row; SIGTERM left the output's
temporary file behind, Ctrl-C printed a traceback.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")

import pyarrow as pa
import pyarrow.parquet as pq

from cpf_rules.atomic_io import atomic_writer
from cpf_rules.batch.cli import _stopped_cleanly_by_sigterm
from cpf_rules.cli import main

QUESTION = "credit(2019)"


def _batch(capsys: pytest.CaptureFixture[str], source: Path, *extra: str) -> tuple[int, str, list[dict]]:  # type: ignore[type-arg]
    target = source.with_name(source.stem + "".join(extra).replace("-", "") + ".jsonl")
    code = main(["batch", str(source), str(target), "-q", QUESTION, "--as-of", "2026-01-01", *extra])
    err = capsys.readouterr().err
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()] if target.exists() else []
    return code, err, rows


@pytest.mark.parametrize("row_path", [(), ("--row-path",)], ids=["columns", "rows"])
def test_two_columns_of_one_name_refuse_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row_path: tuple[str, ...]
) -> None:
    source = tmp_path / "twice.parquet"
    bad, good = pa.array([[{"year": 2019, "worked_hours": -5}]]), pa.array([[{"year": 2019, "worked_hours": 1607}]])
    pq.write_table(pa.Table.from_arrays([bad, good], names=["years", "years"]), source)
    code, err, rows = _batch(capsys, source, *row_path)
    assert code == 1 and "CPF-B004" in err and "two columns or fields named `years`" in err and rows == []
    fields = pa.StructArray.from_arrays([pa.array([80]), pa.array([5])], names=["dif_hours", "dif_hours"])
    pq.write_table(pa.table({"holder": fields}), source)
    code, err, rows = _batch(capsys, source, *row_path)
    assert code == 1 and "`holder.dif_hours`" in err and "internal error" not in err


@pytest.mark.parametrize("row_path", [(), ("--row-path",)], ids=["columns", "rows"])
def test_a_value_python_cannot_hold_refuses_its_row_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row_path: tuple[str, ...]
) -> None:
    """Row 1: a date32 past 9999-12-31; row 2: a status that is not UTF-8. Row 0 (700 h
    in 2019) is answered: 500 € × 700 / 1,607 rounded up to the cent (R6323-1 II)."""
    source = tmp_path / "odd.parquet"
    holder = pa.array(
        [{"dif_hours": 0, "dif_registered_on": 0}, {"dif_hours": 0, "dif_registered_on": 3_000_000}, None],
        type=pa.struct([("dif_hours", pa.int64()), ("dif_registered_on", pa.date32())]),
    )
    status = pa.array([b"employee", b"employee", b"\xff\xfe"], pa.binary()).view(pa.string())
    entries = pa.StructArray.from_arrays(
        [pa.array([2019] * 3), pa.array([700] * 3), status], ["year", "worked_hours", "status"]
    )
    years = pa.ListArray.from_arrays(pa.array([0, 1, 2, 3], pa.int32()), entries)
    pq.write_table(pa.table({"holder": holder, "years": years}), source)
    code, err, rows = _batch(capsys, source, *row_path)
    assert code == 0 and "internal error" not in err
    assert rows[0]["answers"][QUESTION]["value"] == "217.80"
    for row in rows[1:]:
        [error] = row["errors"]["$"]
        assert error["code"] == "CPF-F101" and "cannot be read" in error["message"]


def test_sigterm_stops_a_batch_without_leaving_its_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(SystemExit) as stopped, _stopped_cleanly_by_sigterm(), atomic_writer(target) as stream:
        stream.write("{}\n")
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.code == 143 and list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))
