"""The batch path (vectorised kernel + scalar fallback) gives exactly the scalar engine's answers.

Property test: random populations, every question of ``QUESTIONS``, values compared
with the interpreter and the compiled evaluator holder by holder. Then ``cpf batch``
end to end (JSONL and Parquet, bad rows, atomic output), the reported fallbacks, and
Dask on a local cluster of two workers against the single-process output.
"""

from __future__ import annotations

import datetime
import json
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cpf_rules.api import read_facts
from cpf_rules.batch.job import Settings, run_batch
from cpf_rules.batch.run import answer_chunk
from cpf_rules.cli import main
from cpf_rules.compiled import compile_rules
from cpf_rules.evaluate import Evaluation, EvaluationError
from cpf_rules.questions import parse_question
from holder_jsonl import write_jsonl
from holder_strategies import QUESTIONS, holders, rules_under_test, sample_holders

AS_OF = datetime.date(2026, 1, 1)
sys.setrecursionlimit(max(sys.getrecursionlimit(), 12_000))


def _scalar_answers(facts: Any, questions: list[Any], compiled: bool) -> dict[str, Any]:
    """Every question for one holder, in one evaluation (shared memo), value or error code."""
    rules = rules_under_test()
    if compiled:
        evaluation: Evaluation = compile_rules(rules).evaluation(facts, AS_OF, with_trace=False)
    else:
        evaluation = Evaluation(rules, facts, AS_OF, with_trace=False)
    answers: dict[str, Any] = {}
    for question in questions:
        try:
            answers[question.text] = evaluation.question(question.name, question.period)[0]
        except EvaluationError as error:
            answers[question.text] = error.diagnostic.code
    return answers


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
)
@given(st.lists(holders(), min_size=1, max_size=12))
def test_batch_equals_scalar_and_compiled_on_random_populations(documents: list[dict[str, Any]]) -> None:
    rules = rules_under_test()
    facts = [read_facts(rules, d) for d in documents]
    questions = [parse_question(q, rules) for q in QUESTIONS]
    batch = answer_chunk(rules, facts, questions, AS_OF)
    for row, holder in enumerate(facts):
        got = {}
        for question in questions:
            failed = batch.errors[question.text].get(row)
            got[question.text] = failed.code if failed is not None else batch.values[question.text][row]
        assert got == _scalar_answers(holder, questions, compiled=False), documents[row]
        assert got == _scalar_answers(holder, questions, compiled=True), documents[row]


def test_balance_over_forty_years_is_exact_in_batch() -> None:
    # R6323-1 I: 500 € a year from 2019, a 450 € training each year from 2020: 500 + 39 × 50 = 2,450 €.
    rules = rules_under_test()
    document = {
        "years": [{"year": y, "worked_hours": 1607} for y in range(2019, 2059)],
        "ledger": [
            {"date": f"{y}-03-01", "kind": "training_paid", "amount": Decimal("450.00")} for y in range(2020, 2059)
        ],
    }
    batch = answer_chunk(rules, [read_facts(rules, document)] * 3, [parse_question("balance(2058)", rules)], AS_OF)
    assert batch.values["balance(2058)"] == [Decimal("2450")] * 3
    assert batch.tally.vectorised == 3


def _population() -> list[dict[str, Any]]:
    return [
        # L6323-11 al. 1, R6323-1 I: full time 2019-2024, 6 × 500 € = 3,000 €.
        {"id": "full", "years": [{"year": y, "worked_hours": 1607} for y in range(2019, 2025)]},
        # R6323-1 II: 700 h of 1,607 h → 500 × 700 / 1607 = 217.797… rounded up to 217.80 €.
        {"id": "part", "years": [{"year": 2019, "worked_hours": 700}]},
        # R6323-3-1 I: a low-qualified employee, 800 € a year from 2019 (6 × 800 = 4,800 €).
        {
            "id": "lq",
            "holder": {"low_qualified_declared_on": "2019-02-01"},
            "years": [{"year": y, "worked_hours": 1607} for y in range(2019, 2025)],
        },
    ]


def _run(tmp_path: Path, source: Path, output: str, *extra: str) -> tuple[int, Path]:
    target = tmp_path / output
    argv = ["batch", str(source), str(target), "-q", "balance(2024)", "-q", "credit(2019)", "--as-of", "2026-01-01"]
    return main([*argv, *_rules_options(), *extra]), target


def _rules_options() -> list[str]:
    import os

    return ["--rules", os.environ["CPF_RULES_DIR"]] if os.environ.get("CPF_RULES_DIR") else []


def test_cpf_batch_jsonl_answers_every_line_in_order(tmp_path: Path) -> None:
    source = tmp_path / "holders.jsonl"
    write_jsonl(source, _population())
    with source.open("a", encoding="utf-8") as stream:
        stream.write('{"years": [{"year": 2019, "worked_hours": -5}]}\nnot json\n')
    status, target = _run(tmp_path, source, "answers.jsonl")
    assert status == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == [0, 1, 2, 3, 4]
    assert rows[0]["id"] == "full" and rows[0]["answers"]["balance(2024)"]["value"] == "3000.00"
    assert rows[1]["answers"]["credit(2019)"]["value"] == "217.80"
    assert rows[2]["answers"]["balance(2024)"]["value"] == "4800.00"
    assert rows[3]["errors"]["$"][0]["code"] == "CPF-F105"  # hours below 0
    assert rows[4]["errors"]["$"][0]["code"] == "CPF-F002"  # not JSON: the code `cpf evaluate` gives a .json file
    assert not list(tmp_path.glob(".answers.jsonl.*"))  # the temporary file was renamed


def test_cpf_batch_parquet_in_and_out_gives_the_jsonl_answers(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    documents = _population()
    source = tmp_path / "holders.jsonl"
    write_jsonl(source, documents)
    keys = sorted({key for document in documents for key in document})
    table = pa.Table.from_pydict({key: pa.array([d.get(key) for d in documents]) for key in keys})
    pq.write_table(table, tmp_path / "holders.parquet")
    assert _run(tmp_path, source, "from_jsonl.parquet")[0] == 0
    assert _run(tmp_path, tmp_path / "holders.parquet", "from_parquet.parquet")[0] == 0
    from_jsonl = pq.read_table(tmp_path / "from_jsonl.parquet").to_pylist()
    from_parquet = pq.read_table(tmp_path / "from_parquet.parquet").to_pylist()
    assert from_parquet == from_jsonl
    assert [r["balance(2024)"] for r in from_parquet] == ["3000.00", "217.80", "4800.00"]


def test_a_question_the_kernel_cannot_vectorise_is_answered_by_the_scalar_engine(tmp_path: Path) -> None:
    # credit() called on a year that differs between holders: reported, answered exactly per holder.
    rules_dir = tmp_path / "rules"
    shutil.copytree(rules_under_test().rules_dir, rules_dir)
    (rules_dir / "declaration_year.cpf").write_text(
        'rule credit_of_declaration_year : money "Droits acquis l\'année de la déclaration"\n'
        '  cite CT:L6323-11 "al. 1"\n'
        "  = credit((low_qualified_declared_on otherwise 2019-01-01).year)\n",
        encoding="utf-8",
    )
    from cpf_rules.loader import load_rules

    rules = load_rules(rules_dir, rules_under_test().legal_refs_dir)
    documents = _population()
    for document in documents:
        document.pop("id")
    facts = [read_facts(rules, d) for d in documents]
    batch = answer_chunk(rules, facts, [parse_question("credit_of_declaration_year", rules)], AS_OF)
    assert "differs between holders" in batch.tally.unvectorised["credit_of_declaration_year"]
    assert batch.tally.scalar == 3 and batch.tally.vectorised == 0
    assert batch.values["credit_of_declaration_year"] == [500, Decimal("217.80"), 800]


def test_rows_that_fail_get_the_scalar_engine_diagnostic() -> None:
    # hours_full_rate ended on 2019-01-01 (LOI 2018-771 art. 1): CPF-R001 for every holder.
    rules = rules_under_test()
    facts = [read_facts(rules, {"years": []})] * 2
    batch = answer_chunk(rules, facts, [parse_question("hours_full_rate(2019-06-01)", rules)], AS_OF)
    assert [d.code for d in batch.errors["hours_full_rate(2019-06-01)"].values()] == ["CPF-R001", "CPF-R001"]


def test_dask_local_cluster_of_two_workers_equals_single_process(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    rules = rules_under_test()
    documents = sample_holders(40)
    source = tmp_path / "holders.jsonl"
    write_jsonl(source, documents)
    options = Settings(("balance(2024)", "credit(2021)"), AS_OF, str(rules.rules_dir), str(rules.legal_refs_dir))
    single = run_batch(source, tmp_path / "single.jsonl", options, chunk_size=7)
    on_dask = run_batch(source, tmp_path / "dask.jsonl", options, chunk_size=7, dask="")
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "single.jsonl").read_bytes()
    assert on_dask.to_json() == single.to_json()
    assert single.holders == 40
