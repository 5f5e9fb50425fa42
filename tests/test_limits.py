"""Resource limits: each one documented (README, "Reliability") and shown here.

Rule files: size (CPF-E012) and nesting depth (CPF-E013), so that no input makes the
parser or a later stage raise RecursionError. Evaluation: the depth of rule calls and
of formulas along them (CPF-R003, at the same call on every evaluator), the step budget
(CPF-R007), dates computed outside the calendar (CPF-R008). Facts: document size
(CPF-F109), list length (CPF-F110), nesting (CPF-F001/F002), huge numbers (CPF-F108).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.diagnostics import CpfError
from cpf_rules.limits import MAX_FACTS_BYTES, MAX_LIST_ITEMS
from cpf_rules.loader import check_rules
from cpf_rules.syntax import MAX_NESTING_DEPTH, MAX_RULE_FILE_BYTES, parse_module
from fuzzing import bundled_sources, check_sources

evaluate_module = importlib.import_module("cpf_rules.evaluate")  # the package exports a function of that name
ROOT = Path(__file__).resolve().parent.parent
HEAD = 'rule r : integer "Essai" cite CT:L6323-1\n  = '


def _errors(text: str, name: str = "rules/zz_limits.cpf") -> list[str]:
    diagnostics, _ = check_sources({**bundled_sources(), name: text})
    return [d.code for d in diagnostics if d.is_error]


def _ruleset(text: str) -> object:
    diagnostics, ruleset = check_sources({**bundled_sources(), "rules/zz_limits.cpf": text})
    assert ruleset is not None, [(d.code, d.message) for d in diagnostics if d.is_error]
    return ruleset


# ---- rule files: size and nesting ------------------------------------------------------
def test_ten_thousand_nested_parentheses_parse_check_and_evaluate() -> None:
    """Parentheses add no level to the tree: 10,000 of them are read iteratively."""
    text = HEAD + "(" * 10_000 + "42" + ")" * 10_000 + "\n"
    module = parse_module(text, "rules/zz_limits.cpf")
    assert module.declarations[0].name == "r"
    result = evaluate(_ruleset(text), {}, ["r"])  # type: ignore[arg-type]
    assert result.value("r") == 42


@pytest.mark.parametrize(
    "formula",
    [
        "-" * 10_000 + "1",
        "not " * 10_000 + "true",
        "(1 + " * 10_000 + "1" + ")" * 10_000,
        "if true then " * 10_000 + "1" + " else 1" * 10_000,
        "".join(f"let a{i} = 1 in " for i in range(10_000)) + "1",
        " + ".join(["1"] * 10_000),
        "min(" * 10_000 + "1" + ", 1)" * 10_000,
        " otherwise ".join(["1"] * 10_000),
    ],
    ids=["negation", "not", "sum", "if", "let", "chain", "min", "otherwise"],
)
def test_ten_thousand_nested_operators_give_cpf_e013_not_recursion_error(formula: str) -> None:
    with pytest.raises(CpfError) as caught:
        parse_module(HEAD + formula + "\n", "rules/zz_limits.cpf")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "CPF-E013"
    assert diagnostic.span is not None and diagnostic.span.line == 2


def test_a_formula_nested_just_under_the_limit_checks_and_evaluates() -> None:
    depth = MAX_NESTING_DEPTH - 10
    text = HEAD + "(1 + " * depth + "1" + ")" * depth + "\n"
    assert _errors(text) == []
    assert evaluate(_ruleset(text), {}, ["r"]).value("r") == depth + 1  # type: ignore[arg-type]


def test_a_rule_file_over_the_size_limit_gives_cpf_e012(tmp_path: Path) -> None:
    padding = "# " + "x" * 78 + "\n"
    text = padding * (MAX_RULE_FILE_BYTES // len(padding) + 1) + HEAD + "1\n"
    with pytest.raises(CpfError) as caught:
        parse_module(text, "rules/big.cpf")
    assert [d.code for d in caught.value.diagnostics] == ["CPF-E012"]
    # Through the loader, the file is refused from its size, before it is read.
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "big.cpf").write_text(text, encoding="utf-8")
    report = check_rules(rules, ROOT / "legal_refs")
    assert [d.code for d in report.diagnostics] == ["CPF-E012"]
    assert "big.cpf" in report.diagnostics[0].message


# ---- evaluation: recursion, step budget, calendar --------------------------------------
RECURSIVE = """rule r(y : year) : integer "Essai" cite CT:L6323-1
  = {body}
"""


def test_a_rule_recursing_on_y_plus_1_is_rejected_statically() -> None:
    """y + 1 never reaches a base case: CPF-E501 before anything runs."""
    assert _errors(RECURSIVE.format(body="r(y + 1) + 1")) == ["CPF-E501"]


def test_a_rule_recursing_on_y_minus_1_without_base_case_stops_with_cpf_r003() -> None:
    ruleset = _ruleset(RECURSIVE.format(body="r(y - 1) + 1"))
    answer = evaluate(ruleset, {}, ["r(2024)"]).answers[0]  # type: ignore[arg-type]
    assert answer.error is not None and answer.error.code == "CPF-R003"
    assert str(evaluate_module.MAX_DEPTH) in answer.error.message


@pytest.mark.parametrize(
    ("compiled", "trace"), [(False, True), (True, True), (True, False)], ids=["interpreter", "compiled", "untraced"]
)
def test_deep_formulas_in_a_deep_recursion_give_cpf_r003_not_recursion_error(compiled: bool, trace: bool) -> None:
    """A crash found by the fuzzer: 90 levels of formula around each of 600 recursive
    calls exhausted Python's stack before MAX_DEPTH was reached."""
    depth = MAX_NESTING_DEPTH - 10
    body = "(0 + " * depth + "r(y - 1)" + ")" * depth
    ruleset = _ruleset(RECURSIVE.format(body=body))
    answer = evaluate(ruleset, {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
    assert answer.error is not None and answer.error.code == "CPF-R003"


# Formulas ``k`` levels deep around each recursive call, for every kind of nesting; each
# call adds ``k`` (plus) or 1 (the others) to the value, so that a lost level would show.
NESTED_SHAPES = {
    "plus": lambda k: "(1 + " * (k - 1) + "r(y - 1) + 1" + ")" * (k - 1),
    "if": lambda k: "(if y.start > 1000-01-01 then " * k + "r(y - 1) + 1" + " else 0)" * k,
    "min": lambda k: "min(" * k + "r(y - 1) + 1" + ", 100000)" * k,
    "otherwise": lambda k: "(" * k + "r(y - 1) + 1" + " otherwise 0)" * k,
    "let": lambda k: "".join(f"let v{i} = {i} in " for i in range(k)) + "r(y - 1) + 1",
}
MODES = {"interpreter": (False, True), "compiled": (True, True), "untraced": (True, False)}


def _nested(shape: str, k: int, calls: int) -> tuple[object, int, int]:
    """A rule whose formula nests ``k`` levels of ``shape`` around ``r(y - 1)``, its base
    case reached at the ``calls``-th call from r(2024); its height and the value it gives."""
    base_year = 2024 - calls + 1
    body = f"if y.start <= {base_year}-01-01 then 0 else " + NESTED_SHAPES[shape](k)
    ruleset = _ruleset(RECURSIVE.format(body=body))
    height = ruleset.formula_height("r")  # type: ignore[attr-defined]
    per_call = k if shape == "plus" else 1  # `plus` adds 1 at each level, the others once
    return ruleset, height, per_call * (calls - 1)


@pytest.mark.parametrize("shape", sorted(NESTED_SHAPES))
def test_formulas_nested_at_max_nesting_give_the_same_answer_on_every_evaluator(shape: str) -> None:
    """CPF-R003 at MAX_NESTING (3,000 formula levels along the calls): with about as many
    levels around each call as the parser accepts (CPF-E013), ``3000 // height`` calls evaluate on the interpreter, the
    compiled evaluator and the evaluation without trace alike (no RecursionError: Python's
    stack is sized for the interpreter at both limits), and one more call stops all three
    at the same call with the same message. Before, the point where Python's stack ran
    out depended on the evaluator (a value on one, CPF-R003 on another)."""
    k = (MAX_NESTING_DEPTH - 10) // (2 if shape == "min" else 1)  # a call's arguments take two levels of the tree
    _, height, _ = _nested(shape, k, 2)
    fits = evaluate_module.MAX_NESTING // height
    ruleset, _, expected = _nested(shape, k, fits)
    for name, (compiled, trace) in MODES.items():
        answer = evaluate(ruleset, {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
        assert answer.error is None and answer.value == expected, (name, answer.error)
    ruleset, _, _ = _nested(shape, k, fits + 1)
    messages = set()
    for name, (compiled, trace) in MODES.items():
        answer = evaluate(ruleset, {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
        assert answer.error is not None and answer.error.code == "CPF-R003", name
        messages.add((answer.error.message, answer.error.span))
    [(message, _)] = messages
    assert message == f"rules and their formulas nest deeper than 3,000 levels at r({2024 - fits})"


def test_the_deepest_chain_of_small_rules_stops_at_max_depth_on_every_evaluator() -> None:
    """The depth of rule calls (MAX_DEPTH, 600) is reached first by small formulas: 600
    calls evaluate, the 601st stops with CPF-R003, the same on every evaluator."""
    ruleset, height, expected = _nested("plus", 1, evaluate_module.MAX_DEPTH)
    assert height * evaluate_module.MAX_DEPTH <= evaluate_module.MAX_NESTING
    for name, (compiled, trace) in MODES.items():
        answer = evaluate(ruleset, {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
        assert answer.error is None and answer.value == expected, (name, answer.error)
    ruleset, _, _ = _nested("plus", 1, evaluate_module.MAX_DEPTH + 1)
    for name, (compiled, trace) in MODES.items():
        answer = evaluate(ruleset, {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
        assert answer.error is not None and answer.error.message.startswith("rules nest deeper than 600 calls"), name


def test_a_recursion_that_reaches_its_base_case_is_not_stopped() -> None:
    ruleset = _ruleset(RECURSIVE.format(body="if y.start < 1500-01-01 then 0 else r(y - 1) + 1"))
    assert evaluate(ruleset, {}, ["r(2024)"]).value("r(2024)") == 525  # type: ignore[arg-type]


def test_the_step_budget_stops_an_evaluation_with_cpf_r007(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget (MAX_STEPS, 2,000,000) lowered to 500 so that the test is quick: the
    balance of 2024 needs many more steps than that."""
    monkeypatch.setattr(evaluate_module, "MAX_STEPS", 500)
    answer = evaluate(load_rules(), ROOT / "examples" / "employee_full_time.yaml", ["balance(2024)"]).answers[0]
    assert answer.error is not None and answer.error.code == "CPF-R007"


@pytest.mark.parametrize(
    ("body", "type_"),
    [
        ("(y - 3000).start", "date"),
        ("y.start + 3650000 days", "date"),
        ("y.start - 1000000 days", "date"),
    ],
)
@pytest.mark.parametrize(
    ("compiled", "trace"), [(False, True), (True, True), (True, False)], ids=["interpreter", "compiled", "untraced"]
)
def test_dates_computed_outside_the_calendar_give_cpf_r008(body: str, type_: str, compiled: bool, trace: bool) -> None:
    """Crashes found by the fuzzer (OverflowError, ValueError), on both evaluators."""
    text = f'rule r(y : year) : {type_} "Essai" cite CT:L6323-1\n  = {body}\n'
    answer = evaluate(_ruleset(text), {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
    assert answer.error is not None and answer.error.code == "CPF-R008", answer


@pytest.mark.parametrize(
    ("compiled", "trace"), [(False, True), (True, True), (True, False)], ids=["interpreter", "compiled", "untraced"]
)
def test_a_question_on_year_zero_gives_cpf_r008(compiled: bool, trace: bool) -> None:
    answer = evaluate(load_rules(), {}, ["credit(0000)"], compiled=compiled, trace=trace).answers[0]
    assert answer.error is not None and answer.error.code == "CPF-R008"


def test_cpf_evaluate_reports_year_zero_as_bad_input_not_an_internal_error(capsys: pytest.CaptureFixture[str]) -> None:
    from cpf_rules.cli import main

    assert main(["evaluate", str(ROOT / "examples" / "employee_full_time.yaml"), "-q", "credit(0000)"]) == 1
    assert "CPF-R008" in capsys.readouterr().out


# ---- facts: size, lists, nesting, numbers ----------------------------------------------
def test_a_facts_text_over_the_size_limit_gives_cpf_f109(tmp_path: Path) -> None:
    text = "# " + "x" * MAX_FACTS_BYTES + "\nyears: []\n"
    with pytest.raises(CpfError) as caught:
        load_rules().facts_reader.read_text(text, "big.yaml")
    assert [d.code for d in caught.value.diagnostics] == ["CPF-F109"]
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CpfError) as caught:
        evaluate(load_rules(), path, ["balance(2024)"])
    assert [d.code for d in caught.value.diagnostics] == ["CPF-F109"]


def test_a_list_over_the_length_limit_gives_cpf_f110() -> None:
    ledger = [{"date": "2021-05-04", "kind": "training_paid", "amount": 1}] * (MAX_LIST_ITEMS + 1)
    with pytest.raises(CpfError) as caught:
        evaluate(load_rules(), {"ledger": ledger}, ["balance(2024)"])
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "CPF-F110" and diagnostic.path == "$.ledger"


def test_a_list_at_the_length_limit_is_read() -> None:
    ledger = [{"date": "2021-05-04", "kind": "training_paid", "amount": 0}] * MAX_LIST_ITEMS
    facts = load_rules().facts_reader.read_document({"ledger": ledger})
    assert len(facts.lists["ledger"]) == MAX_LIST_ITEMS


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "CPF-F002"),
        ("deep.yaml", "[" * 100_000 + "]" * 100_000, "CPF-F001"),
        ("quadratic.yaml", "years: " + "[" * 5_000 + "]" * 5_000, "CPF-F001"),  # 25 s in PyYAML before
        ("digits.json", '{"holder": {"dif_hours": ' + "9" * 5000 + "}}", "CPF-F002"),
        ("digits.yaml", "holder: {dif_hours: " + "9" * 5000 + "}", "CPF-F001"),
        ("exponent.json", '{"holder": {"dif_hours": 1e999999999}}', "CPF-F108"),
    ],
)
def test_deep_or_huge_facts_give_a_diagnostic_not_a_crash(name: str, text: str, code: str) -> None:
    with pytest.raises(CpfError) as caught:
        load_rules().facts_reader.read_text(text, name)
    assert [d.code for d in caught.value.diagnostics] == [code]


def test_facts_that_are_not_a_mapping_give_cpf_f101() -> None:
    """A crash found by the fuzzer: evaluate(rules, None, …) raised TypeError."""
    for document in (None, [], 3):
        with pytest.raises(CpfError) as caught:
            evaluate(load_rules(), document, ["balance(2024)"])  # type: ignore[arg-type]
        assert [d.code for d in caught.value.diagnostics] == ["CPF-F101"]


def test_brackets_inside_quoted_yaml_texts_do_not_count_as_nesting() -> None:
    from cpf_rules.yaml_io import MAX_FLOW_NESTING, load_yaml_text

    text = 'a: "' + "[" * (MAX_FLOW_NESTING + 5) + '"\nb: [[1]]  # ' + "{" * 40 + "\n"
    assert load_yaml_text(text, "x.yaml") == {"a": "[" * (MAX_FLOW_NESTING + 5), "b": [[1]]}


def test_cpf_batch_answers_year_zero_with_cpf_r008_on_each_row(tmp_path: Path) -> None:
    """A crash found while fuzzing the periods: the vectorised kernel raised ValueError
    (`cpf batch` exited 3); now the scalar engine answers each row with CPF-R008."""
    pytest.importorskip("numpy")
    from cpf_rules.cli import main

    population = tmp_path / "holders.jsonl"
    population.write_text('{"years": [{"year": 2019, "worked_hours": 1607}]}\n{"years": []}\n', encoding="utf-8")
    output = tmp_path / "answers.jsonl"
    assert main(["batch", str(population), str(output), "-q", "credit(0000)", "-q", "credit(2019)"]) in (0, 1)
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row["errors"]["credit(0000)"]["code"] for row in rows] == ["CPF-R008", "CPF-R008"]
    assert [row["answers"]["credit(2019)"]["value"] for row in rows] == ["500.00", "0.00"]
