"""Divergences between the evaluators found by differential fuzzing, now fixed: their minimal reproductions.

Each test is a rule file, facts and questions on which two paths disagreed: the batch
path's depth limit depended on whether the row went to the kernel or to the scalar
engine; ``cpf batch`` and ``cpf evaluate`` disagreed on the step limit of a question
asked after another (the scalar fallback now asks a row's questions in order, in one
evaluation, as ``cpf evaluate``); the HTML trace of the compiled evaluator repeated
anchors where the interpreter's did not; the batch kernel dropped the failure of a
``let`` value the body did not pass on.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cpf_rules.api import evaluate
from differential_paths import AS_OF, CITE, answers, assert_scalar_paths_agree, batch_answers, ruleset, scalar_in_order

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

# ---- divergences found by tests/test_fuzz_differential.py, now fixed ------------------------
HUGE = Decimal("999999999999.000000000001")  # a fact int64 cannot hold: its row goes to the scalar engine


# Found by this file's fuzzing, now fixed: cpf batch: the kernel keeps rule results across the
# questions of a chunk, so b(0601) asked after b(0300) recurses only 301 calls deep and is answered,
# while a row handed to the scalar engine (batch/run.py answer_chunk: a fresh evaluation per question)
# gets CPF-R003 for the same question: two rows of one run, different outcomes
def test_batch_depth_limit_does_not_depend_on_the_path_of_the_row() -> None:
    rules = ruleset(
        'input holder.x : hours default 0 h "x"\n'
        f'rule b(y : year) : hours "b" {CITE} = if y.start <= 0001-12-31 then x else b(y - 1) + 1 h\n'
    )
    questions = ["b(0300)", "b(0601)"]
    # The second row holds a fact int64 cannot hold: the scalar engine answers it.
    rows, _ = batch_answers(rules, [{}, {"holder": {"x": HUGE}}], questions)
    kernel, scalar = rows[0]["b(0601)"], rows[1]["b(0601)"]
    # Was: 600 h for the first row, ('CPF-R003', 'rules nest deeper than 600 calls at b(1)', …) for the other.
    assert isinstance(kernel, tuple) == isinstance(scalar, tuple), (kernel, scalar)


# Found by this file's fuzzing, now fixed: cpf batch answers each question from scratch (batch/run.py
# answer_chunk, kernel step bound) while cpf evaluate / api.evaluate share one memo across the
# questions and reset the steps per question (evaluate.Evaluation.question): a(2024) asked after
# a(2023) is a value in cpf evaluate and CPF-R007 in cpf batch, against README 'the scalar engine
# gives the value or CPF-R007 as cpf evaluate does'
def test_batch_step_limit_gives_what_cpf_evaluate_gives_for_the_same_questions() -> None:
    rules = ruleset(
        f'rule a(y : year) : money "a" {CITE}\n'
        "  = if y.start < 1990-01-01 then 0 EUR\n"
        "    else a(y - 1) + sum(e.amount for e in events if e.kind == paid and e.date.year <= y)\n"
    )
    # 7,476 events: a(2024) alone takes more than MAX_STEPS (2,000,000; 7,475 events: 1,999,896),
    # after a(2023) far fewer (its memo).
    facts = {"events": [{"date": "2020-01-01", "kind": ["credit", "paid"][i % 2], "amount": 1} for i in range(7476)]}
    questions = ["a(2023)", "a(2024)"]
    evaluated = evaluate(rules, facts, questions, as_of=AS_OF, trace=False)
    expected = {a.question: a.error.code if a.error is not None else a.value for a in evaluated.answers}
    rows, _ = batch_answers(rules, [facts], questions)
    batch = {q: answer[0] if isinstance(answer, tuple) else answer for q, answer in rows[0].items()}
    # Was: cpf evaluate 14,952 € and 18,690 € (3,738 € a year from 2020); cpf batch 14,952 € and CPF-R007.
    assert batch == expected


# Found by this file's fuzzing, now fixed: the compiled evaluator shares one trace node per parameter
# and date (compiled_evaluation.CompiledEvaluation._parameter) where the interpreter builds one per
# read; render/html.py _TreeWriter.node numbers anchors by len(self.ids), keyed by id(node), so a
# parameter read twice makes the next step reuse an anchor: duplicate element ids in cpf explain
# --format html (21 for balance(2024) of examples/employee_full_time.yaml), and a 'shown above' link
# to such a step would land on the other element
def test_the_html_trace_of_the_compiled_evaluator_is_the_interpreters() -> None:
    import re

    from cpf_rules.render.html import trace_html

    rules = ruleset(
        f'parameter p : money "p"\n  from 2019-01-01 = 10 EUR {CITE}\n'
        f'parameter q : money "q"\n  from 2019-01-01 = 5 EUR {CITE}\n'
        f'rule a(y : year) : money "a" {CITE} = p(y.start) + p(y.start) + q(y.start)\n'
    )
    pages = []
    for compiled in (False, True):
        trace = evaluate(rules, {}, ["a(2020)"], as_of=AS_OF, compiled=compiled).answers[0].trace
        assert trace is not None
        pages.append(trace_html(trace))
    anchors = re.findall(r' id="([^"]+)"', pages[1])
    assert len(anchors) == len(set(anchors)), anchors  # was: ['s1', 's2', 's3', 's3']
    assert pages[1] == pages[0]


# Found by this file's fuzzing, now fixed: cpf batch silently answers where the scalar engine fails:
# batch/kernel.py BatchEvaluation._e_Let binds the value's column with its masks and drops them unless
# the body passes them on, while the interpreter evaluates the value first and fails (CPF-R006,
# CPF-R001) whatever the body reads; an unused value, one read in an arm not taken, or one read under
# `otherwise` (which then catches an undefined parameter the scalar engine reports) give a value
# instead of the error
def test_batch_fails_where_a_let_value_fails() -> None:
    rules = ruleset(
        f'parameter p : money "p"\n  from 2019-01-01 = 10 EUR {CITE}\n  from 2020-01-01 = none {CITE}\n'
        f'rule unused(y : year) : decimal "u" {CITE} = let v = 1 h / h(y) in 0\n'
        f'rule ended(y : year) : money "e" {CITE} = let v = p(y.start) in 1 EUR\n'
        f'rule caught(y : year) : money "c" {CITE} = let v = p(y.start) in v otherwise 1 EUR\n'
        f'rule arm(y : year) : decimal "a" {CITE} = let v = 1 h / h(y) in if flag(y) then v else 0\n'
    )
    questions = ["unused(2020)", "ended(2020)", "caught(2020)", "arm(2020)"]
    expected = {  # the interpreter, the compiled evaluator and the untraced one, alike
        "unused(2020)": "CPF-R006",  # 0 h worked in 2020: 1 h / 0 h
        "ended(2020)": "CPF-R001",  # p ended on 1 January 2020
        "caught(2020)": "CPF-R001",  # raised while binding v, outside the `otherwise`
        "arm(2020)": "CPF-R006",
    }
    assert_scalar_paths_agree(rules, {}, questions)
    assert answers(rules, {}, questions) == expected
    rows, _ = batch_answers(rules, [{}], questions)
    # Was: 0, 1 €, 1 €, 0, vectorised, no error.
    assert {q: answer[0] if isinstance(answer, tuple) else answer for q, answer in rows[0].items()} == expected


def test_a_parameter_ended_for_some_rows_only_gives_their_cpf_r001_in_batch() -> None:
    # A what-if ends annual_amount (R6323-1 I, 500 €) from 2024: an employee's credit
    # for 2024 has no amount (CPF-R001, as cpf evaluate says), a public agent's credit is
    # 0 € without reading it. The kernel crashed (TypeError: an internal error, exit 3)
    # when the branch reading the ended parameter was taken by some rows only.
    import datetime as dt

    from cpf_rules import load_rules
    from cpf_rules.whatif import Override, apply_overrides

    pytest.importorskip("numpy")
    rules = apply_overrides(load_rules(), [Override("annual_amount", dt.date(2024, 1, 1), "none")])
    population = [
        {"years": [{"year": 2024, "worked_hours": 1607}]},
        {"years": [{"year": 2024, "status": "public_agent"}]},
    ]
    rows, _ = batch_answers(rules, population, ["credit(2024)"])
    assert rows == [scalar_in_order(rules, facts, ["credit(2024)"]) for facts in population]
    code, message, _ = rows[0]["credit(2024)"]
    assert code == "CPF-R001" and "ended on 2024-01-01 by a what-if" in message
    assert rows[1]["credit(2024)"] == 0


def test_a_parameter_with_no_value_at_all_read_on_each_rows_date() -> None:
    # A date parameter with no value at all, read on a date that differs between rows
    # (holder.start), under `otherwise`: every path gives 0 and false. The kernel crashed
    # (TypeError / AttributeError: an internal error) on the placeholder of such a column.
    pytest.importorskip("numpy")
    rules = ruleset(
        f'parameter d : date "d"\n  from 2015-01-01 = none {CITE}\n'
        f'rule span(y : year) : integer "s" {CITE} = years_between(d(start), 2030-01-01) otherwise 0\n'
        f'rule same(y : year) : boolean "m" {CITE} = (d(start).year == y) otherwise false\n'
    )
    population = [{"holder": {"start": "2019-03-01"}}, {"holder": {"start": "2021-07-14"}}]
    questions = ["span(2024)", "same(2024)"]
    rows, _ = batch_answers(rules, population, questions)
    assert rows == [scalar_in_order(rules, facts, questions) for facts in population]
    assert rows[0] == {"span(2024)": 0, "same(2024)": False}
