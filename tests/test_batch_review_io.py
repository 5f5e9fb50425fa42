"""``cpf batch`` reads each line as ``cpf evaluate`` reads a facts file, and writes like every file output.

Review findings: a JSONL line was read by a looser JSON reader than a facts file
(duplicate keys silently kept the last value, NaN was reported as "the number nan",
a deeply nested line and a non-UTF-8 file crashed the run, the facts size limit was
not applied); a corrupt Parquet file and an OUTPUT that is a directory ended in an
internal error (exit 3), the latter leaving its temporary file behind; and OUTPUT
came out 0600 whatever the umask. A bad line is refused for that line only (its row
gets ``errors``, the other holders are answered); an input that cannot be read as a
whole, or an OUTPUT that cannot be written, stops the run with a coded diagnostic,
exit 1, and nothing written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")

from cpf_rules.cli import main
from cpf_rules.limits import MAX_FACTS_BYTES

FULL_2019 = '{"id": "ok", "years": [{"year": 2019, "worked_hours": 1607}]}'
"""R6323-1 I: a full-time year 2019 → credit(2019) = 500 €."""


def _batch(source: Path, target: Path, *extra: str) -> int:
    return main(["batch", str(source), str(target), "-q", "credit(2019)", "--as-of", "2026-01-01", *extra])


def _rows(target: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


def _answered(tmp_path: Path, lines: list[str]) -> tuple[Path, list[dict[str, Any]]]:
    """``cpf batch`` on ``lines`` (a JSONL input): the input file and the output rows (exit 0)."""
    source = tmp_path / "holders.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "answers.jsonl"
    assert _batch(source, target) == 0
    return source, _rows(target)


def _codes(row: dict[str, Any]) -> list[str]:
    return [d["code"] for d in row["errors"]["$"]]


def test_each_line_is_read_with_the_rules_of_a_facts_document(tmp_path: Path) -> None:
    lines = [
        FULL_2019,
        '{"id": "dup", "years": [{"year": 2019, "worked_hours": 700, "worked_hours": 1607}]}',
        '{"id": "nan", "years": [{"year": 2019, "worked_hours": NaN}]}',
        '{"id": "inf", "years": [{"year": 2019, "worked_hours": -Infinity}]}',
        '{"years": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": 1.5, "years": []}',
        '{"id": 7, "years": [{"year": 2019, "worked_hours": 700}]}',
    ]
    source, rows = _answered(tmp_path, lines)
    assert [r["row"] for r in rows] == list(range(7))
    assert rows[0]["answers"]["credit(2019)"]["value"] == "500.00"
    # A key given twice: refused as `cpf evaluate` refuses it (never the last value kept).
    assert "answers" not in rows[1] and _codes(rows[1]) == ["CPF-F002"]
    duplicate = rows[1]["errors"]["$"][0]
    assert "given twice" in duplicate["message"] and duplicate["location"]["line"] == 2
    assert duplicate["location"]["file"] == str(source)
    assert duplicate["location"]["column"] == lines[1].rindex('"worked_hours"') + 1
    assert _codes(rows[2]) == ["CPF-F002"] and "NaN is not a number" in rows[2]["errors"]["$"][0]["message"]
    assert _codes(rows[3]) == ["CPF-F002"] and "Infinity" in rows[3]["errors"]["$"][0]["message"]
    assert _codes(rows[4]) == ["CPF-F002"] and "nested too deeply" in rows[4]["errors"]["$"][0]["message"]
    assert _codes(rows[5]) == ["CPF-F101"] and rows[5]["errors"]["$"][0]["path"] == "$.id"
    assert rows[6]["id"] == 7 and rows[6]["answers"]["credit(2019)"]["value"] == "217.80"  # R6323-1 II


def test_a_reform_population_is_read_by_cpf_batch(tmp_path: Path) -> None:
    # examples/population.jsonl (`cpf reform`'s {id, facts} rows) gave every
    # row CPF-F103 "unknown field facts". Its rows are now read as their facts; a row
    # mixing `facts` with facts fields is still a facts document (and refused).
    rows = [
        '{"id": "a", "facts": {"years": [{"year": 2019, "worked_hours": 1607}]}}',
        '{"id": "b", "facts": {"years": []}, "years": [{"year": 2019, "worked_hours": 700}]}',
        '{"id": "c", "facts": {"years": [{"year": 2019, "workd_hours": 1607}]}}',
        '{"id": "d", "facts": {"holder": {"a $ b": 1}, "years": [{"worked_hours": 10}]}}',
    ]
    _, (first, second, third, fourth) = _answered(tmp_path, rows)
    assert first["id"] == "a" and first["answers"]["credit(2019)"]["value"] == "500.00"  # R6323-1 I
    assert second["id"] == "b" and _codes(second) == ["CPF-F103"]
    # a mistake inside `facts` is located from the row, as the row is written
    [unknown] = third["errors"]["$"]
    assert unknown["path"] == "$.facts.years[0].workd_hours" and "in $.facts.years[0]" in unknown["message"]
    # a name holding `$` is left as written; the hint names the path from the row too
    by_path = {d["path"]: d for d in fourth["errors"]["$"]}
    assert by_path["$.facts.holder.a $ b"]["message"] == "unknown field `a $ b` in $.facts.holder"
    assert by_path["$.facts.years[0]"]["hint"] == "add `year` to $.facts.years[0]"


def test_the_same_document_gets_the_same_code_from_cpf_evaluate(tmp_path: Path) -> None:
    document = '{"years": [{"year": 2019, "worked_hours": 700, "worked_hours": 1607}]}'
    facts = tmp_path / "facts.json"
    facts.write_text(document, encoding="utf-8")
    assert main(["evaluate", str(facts), "-q", "credit(2019)", "--format", "json"]) == 1
    source = tmp_path / "holders.jsonl"
    source.write_text(document + "\n", encoding="utf-8")
    assert _batch(source, tmp_path / "answers.jsonl") == 0
    assert _codes(_rows(tmp_path / "answers.jsonl")[0]) == ["CPF-F002"]


def test_a_line_past_the_facts_size_limit_is_refused_for_that_line(tmp_path: Path) -> None:
    filler = " " * (MAX_FACTS_BYTES + 10)  # valid JSON, but larger than one holder may be (CPF-F109)
    source = tmp_path / "holders.jsonl"
    source.write_text(FULL_2019 + "\n" + '{"years": []' + filler + "}\n" + FULL_2019 + "\n", encoding="utf-8")
    target = tmp_path / "answers.jsonl"
    assert _batch(source, target) == 0
    rows = _rows(target)
    assert [r["row"] for r in rows] == [0, 1, 2]
    assert rows[0]["answers"]["credit(2019)"]["value"] == rows[2]["answers"]["credit(2019)"]["value"] == "500.00"
    refused = rows[1]["errors"]["$"][0]
    assert refused["code"] == "CPF-F109" and refused["found"] == f"{MAX_FACTS_BYTES + 23:,} bytes"
    assert refused["location"]["line"] == 2


def test_a_line_just_within_the_size_limit_is_read(tmp_path: Path) -> None:
    document = '{"years": [{"year": 2019, "worked_hours": 700}]}'
    line = document[:-1] + " " * (MAX_FACTS_BYTES - len(document)) + "}"
    assert len(line.encode()) == MAX_FACTS_BYTES
    source = tmp_path / "holders.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    assert _batch(source, tmp_path / "answers.jsonl") == 0
    assert _rows(tmp_path / "answers.jsonl")[0]["answers"]["credit(2019)"]["value"] == "217.80"


def test_an_input_that_is_not_utf8_stops_the_run_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "holders.jsonl"
    source.write_bytes(FULL_2019.encode() + b'\n{"id": "caf\xe9", "years": []}\n')
    target = tmp_path / "answers.jsonl"
    assert _batch(source, target) == 1
    err = capsys.readouterr().err
    assert "CPF-B004" in err and "line 2" in err and "0xe9" in err and f"{source}:2:12" in err
    assert not target.exists() and list(tmp_path.iterdir()) == [source]


def test_a_file_that_is_not_parquet_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    source = tmp_path / "holders.parquet"
    source.write_text("not parquet\n", encoding="utf-8")
    target = tmp_path / "answers.jsonl"
    assert _batch(source, target) == 1
    err = capsys.readouterr().err
    assert "CPF-B004" in err and str(source) in err and "not a Parquet file" in err
    assert list(tmp_path.iterdir()) == [source]


def test_an_output_that_is_a_directory_is_refused_and_nothing_is_left_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "holders.jsonl"
    source.write_text(FULL_2019 + "\n", encoding="utf-8")
    target = tmp_path / "out" / "answers.jsonl"
    target.mkdir(parents=True)
    assert _batch(source, target) == 1
    assert "CPF-B005" in capsys.readouterr().err
    assert list((tmp_path / "out").iterdir()) == [target] and not list(target.iterdir())


def test_an_output_in_a_missing_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "holders.jsonl"
    source.write_text(FULL_2019 + "\n", encoding="utf-8")
    assert _batch(source, tmp_path / "missing" / "answers.jsonl") == 1
    err = capsys.readouterr().err
    assert "CPF-B005" in err and "No such file or directory" in err


def test_a_run_that_fails_midway_keeps_the_previous_output_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    source = tmp_path / "holders.jsonl"
    # Chunks of one line: the first chunk is written before the third line stops the run.
    source.write_bytes((FULL_2019 + "\n").encode() * 2 + b"\xff\n")
    target = tmp_path / "answers.jsonl"
    target.write_text("previous\n", encoding="utf-8")
    assert _batch(source, target, "--chunk-size", "1") == 1
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.jsonl", "holders.jsonl"]


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_the_output_gets_the_usual_permissions(tmp_path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    source = tmp_path / "holders.jsonl"
    source.write_text(FULL_2019 + "\n", encoding="utf-8")
    target = tmp_path / f"answers{suffix}"
    previous = os.umask(0o022)
    try:
        assert _batch(source, target) == 0
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o644
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(target).to_pylist()[0]["credit(2019)"] == "500.00"


def test_a_lone_surrogate_is_written_as_its_escape_in_jsonl_and_parquet(tmp_path: Path) -> None:
    # "\ud800" is valid JSON but no UTF-8: the run ended in an internal error (exit 3) while
    # writing the output. The line is answered (R6323-1 I: 500 € for 2019) and its id
    # written as the escape; the bad enum case is refused for its line only (CPF-F104).
    source = tmp_path / "holders.jsonl"
    lines = [
        '{"id": "\\ud800", "years": [{"year": 2019, "worked_hours": 1607}]}',
        '{"id": "x", "years": [{"year": 2019, "worked_hours": 1607, "status": "\\udc00"}]}',
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _batch(source, tmp_path / "out.jsonl") == 0
    first, second = _rows(tmp_path / "out.jsonl")
    assert first["id"] == "\ud800" and first["answers"]["credit(2019)"]["value"] == "500.00"
    assert second["errors"]["$"][0]["code"] == "CPF-F104"
    pq = pytest.importorskip("pyarrow.parquet")
    assert _batch(source, tmp_path / "out.parquet") == 0
    written = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert written[0]["id"] == "\\ud800" and written[0]["credit(2019)"] == "500.00"
    assert written[1]["credit(2019) error"].startswith("CPF-F104")
