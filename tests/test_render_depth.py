"""Rendering a deep trace costs work linear in the trace, in every renderer.

A rule recursing on the year (``total(y) = total(y - 1) + 2 EUR`` down to 1500) gives a
trace N rule calls deep. No timing here (rule of the project): the work of a renderer
is the number of Python calls, C calls and generator resumptions it makes, counted by a
``sys.setprofile`` hook, which does not depend on the machine. Rendering a trace 4 times
as deep must take about 4 times the work (linear), not 16 (quadratic). The standard
library's indenting ``json.dumps`` took 14× (each line passed up through one generator
per enclosing container): ``cpf evaluate --format json`` spent 3 s on a trace 590 calls
deep, 0.1 s now (``bench/render_depth.py``). The indented outputs themselves (JSON, text)
grow as the square of the depth, each line being indented by its depth; they stay byte
for byte what they were (``tests/golden/**``, and the comparisons with ``json.dumps``
below).
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import sys
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpf_rules import evaluate, load_rules
from cpf_rules.cli import main
from cpf_rules.explain.diff import DiffReport, align, diff_rule_sets, diff_to_json, render_diff_html, render_diff_text
from cpf_rules.explain.report import Explanation, explain_to_json
from cpf_rules.explain.sides import Side
from cpf_rules.render.html import render_html
from cpf_rules.render.json import dumps, result_to_json
from cpf_rules.render.json_text import dumps_indented
from cpf_rules.render.text import render_result
from cpf_rules.trace import Result

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2026, 1, 1)
# L6323-11 cited as the bundled rules cite it; the figures are the test's own (1 EUR a year).
RULE = """rule total(y : year) : money "Cumul depuis 1500" cite CT:L6323-11 "al. 1"
  = if y.start < 1500-01-01 then 0 EUR else total(y - 1) + {step} EUR
"""
SHALLOW, DEEP = 50, 200
"""Depths compared: 4 times deeper must cost about 4 times the work (quadratic: 16)."""


def _side(folder: Path, step: int) -> Side:
    folder.mkdir()
    (folder / "total.cpf").write_text(RULE.format(step=step), encoding="utf-8")
    return Side(load_rules(folder, ROOT / "legal_refs"), folder.name)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> tuple[Side, Side, Path]:
    scratch = tmp_path_factory.mktemp("render-depth")
    facts = scratch / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    return _side(scratch / "old", 1), _side(scratch / "new", 2), facts


@pytest.fixture(scope="module")
def traced(sides: tuple[Side, Side, Path]) -> dict[int, tuple[Result, DiffReport]]:
    """For each depth: the new side's result and the diff of the two sides."""
    old, new, facts = sides
    found = {}
    for depth in (SHALLOW, DEEP):
        question = f"total({1500 + depth})"
        result = evaluate(new.rules, facts, [question], as_of=AS_OF)
        assert result.value(question) == 2 * (depth + 1)  # 2 EUR a year from 1500 to 1500 + depth
        found[depth] = (result, diff_rule_sets(old, new, facts, [question], AS_OF))
    return found


def _work(run: Callable[[], object]) -> int:
    """Calls (Python and C) and generator resumptions made by ``run``."""
    events = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal events
        events += 1

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(previous)
    return events


def _http_body(result: Result) -> bytes:
    """The body of the HTTP API's JSON answer (Starlette's ``JSONResponse``: the standard
    library's C encoder, compact, one pass; its work inside C is not counted)."""
    from starlette.responses import JSONResponse

    return bytes(JSONResponse(result_to_json(result)).body)


def _trace_steps(result: Result) -> object:
    trace = result.answers[0].trace
    assert trace is not None
    return align(trace, trace)


RENDERERS: dict[str, Callable[[Result, DiffReport], object]] = {
    "evaluate --format json": lambda result, _: dumps(result_to_json(result)),
    "evaluate (text)": lambda result, _: render_result(result),
    "explain --format html": lambda result, _: render_html(result),
    "explain --format json": lambda result, _: dumps(explain_to_json(Explanation(result, (), {}))),
    "diff: aligning the traces": lambda result, _: _trace_steps(result),
    "diff (text)": lambda _, report: render_diff_text(report),
    "diff --format json": lambda _, report: dumps(diff_to_json(report)),
    "diff --format html": lambda _, report: render_diff_html(report),
    "HTTP /v1/explain body": lambda result, _: _http_body(result),
}


@pytest.mark.parametrize("renderer", list(RENDERERS))
def test_rendering_a_trace_four_times_deeper_takes_four_times_the_work(
    renderer: str, traced: dict[int, tuple[Result, DiffReport]]
) -> None:
    if renderer.startswith("HTTP"):
        pytest.importorskip("starlette.responses")  # the api extra; imported before counting
    render = RENDERERS[renderer]
    shallow = _work(lambda: render(*traced[SHALLOW]))
    deep = _work(lambda: render(*traced[DEEP]))
    assert 3.5 < deep / shallow < 4.5, (shallow, deep)


def test_the_measure_sees_the_quadratic_indenting_encoder_of_the_standard_library(
    sides: tuple[Side, Side, Path],
) -> None:
    """The control of the test above: ``json.dumps(..., indent=2)``, which ``dumps`` used,
    does over 10 times the work for a trace 4 times deeper (if a later Python makes it
    linear, this test fails and ``render/json_text.py`` can go)."""
    _, new, facts = sides
    work = []
    for depth in (SHALLOW // 2, DEEP // 2):  # the profile hook is slow on millions of resumptions
        data = result_to_json(evaluate(new.rules, facts, [f"total({1500 + depth})"], as_of=AS_OF))
        work.append(_work(functools.partial(_stdlib, data)))
    assert work[1] / work[0] > 10, work


def test_cpf_evaluate_writes_the_json_of_a_trace_600_calls_deep(
    sides: tuple[Side, Side, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Near the engine's depth limit (MAX_DEPTH, 600 calls): 2089 down to the base case 1499."""
    facts = sides[2]
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "total.cpf").write_text(RULE.format(step=2), encoding="utf-8")
    argv = ["evaluate", str(facts), "-q", "total(2089)", "--format", "json", "--as-of", AS_OF.isoformat()]
    code = main([*argv, "--rules", str(rules), "--legal-refs", str(ROOT / "legal_refs")])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["answers"][0]["result"] == {"type": "money", "unit": "EUR", "value": "1180.00"}
    depth, node = 0, data["answers"][0]["trace"]
    while node.get("children"):
        node = next(child for child in node["children"] if child["kind"] == "rule")
        depth += 1
    assert depth == 590  # 2088, 2087... 1499: 590 rule calls below the question
    # The rule called 590 levels below the question, its keys indented by 8 + 4 × 590 blanks.
    assert f'\n{" " * 2368}"kind": "rule",\n' in out and out.endswith('\n  "warnings": []\n}\n')


# ---- dumps_indented: the same text as json.dumps, whatever the document -----------------
def _stdlib(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(json_documents)
def test_dumps_indented_writes_what_json_dumps_writes(document: Any) -> None:
    assert dumps_indented(document) == _stdlib(document)


@pytest.mark.parametrize(
    "document",
    [
        {},
        [],
        [[], {}, [[]]],
        {"b": [1, 2.5, -0.0], "a": {"d": (), "c": 'é"\\\n\u2028\x00'}, "": None},
        [math.nan, math.inf, -math.inf, 1e300, 10**30, True, False],
        "just text",
        None,
    ],
    ids=["empty dict", "empty list", "empty nested", "mixed", "numbers", "text", "null"],
)
def test_dumps_indented_on_edge_documents(document: Any) -> None:
    assert dumps_indented(document) == _stdlib(document)


def test_documents_it_does_not_write_are_left_to_json_dumps() -> None:
    # Keys that are not text: json.dumps converts them (after sorting), the same text.
    assert dumps_indented({2: "b", 1: ["a"]}) == _stdlib({2: "b", 1: ["a"]})
    assert dumps_indented({"x": {2.5: True, 1: None}}) == _stdlib({"x": {2.5: True, 1: None}})
    # Values json cannot write: its own errors.
    with pytest.raises(TypeError, match="Decimal is not JSON serializable"):
        dumps_indented({"amount": Decimal("1.00")})
    with pytest.raises(TypeError, match="Fraction is not JSON serializable"):
        dumps_indented([Fraction(1, 3)])
    with pytest.raises(TypeError):
        dumps_indented({1: "a", "b": 2})  # keys that cannot be sorted together
    cycle: list[Any] = [1]
    cycle.append({"back": cycle})
    with pytest.raises(ValueError, match="Circular reference detected"):
        dumps_indented(cycle)


def test_a_shared_container_is_not_a_cycle() -> None:
    shared = {"a": [1]}
    document = [shared, shared, {"again": shared}]
    assert dumps_indented(document) == _stdlib(document)


def test_nesting_deeper_than_the_default_recursion_limit_is_written() -> None:
    """Under Python's default recursion limit (1,000), json.dumps raises RecursionError
    here; the writer keeps its own stack."""
    depth = 2_000
    document: Any = "x"
    for _ in range(depth):
        document = [document]
    text = dumps_indented(document)
    opening = "".join("[\n" + "  " * level for level in range(1, depth + 1))
    closing = "".join("\n" + "  " * level + "]" for level in range(depth - 1, -1, -1))
    assert text == opening + '"x"' + closing
