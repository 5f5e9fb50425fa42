"""Rendering a deep trace: time and size of every renderer as the trace deepens.

A rule recursing on the year (``total(y) = total(y - 1) + 1 EUR`` down to 1500, with a
citation and an ``if`` at every step) is asked for ``total(1500 + N)``: a trace N rule
calls deep (the engine allows 600, :data:`cpf_rules.limits.MAX_DEPTH`). For each depth
it times each renderer (best of ``--repeat`` runs) and prints the size of its output:

- ``json``: ``cpf evaluate --format json`` (``result_to_json`` then ``dumps``);
- ``json (stdlib)``: the same text written by the standard library's indenting
  ``json.dumps``, as ``dumps`` did before ``render/json_text.py``;
- ``text``: ``cpf evaluate`` (the indented tree);
- ``html``: the HTML report of ``cpf explain --format html``;
- ``explain json``: ``cpf explain --format json`` without counterfactuals;
- ``diff align``: ``cpf diff`` aligning the steps of two traces (here the trace with
  itself; the size column counts the changed steps, none);
- ``diff text|json|html``: ``cpf diff`` against the same rule adding 2 EUR a year
  (every step changes);
- ``http``: the body of ``POST /v1/explain`` (Starlette's ``JSONResponse``), when the
  ``api`` extra is installed.

The indented outputs (json, text, diff text) grow as the square of the depth whatever
the renderer: each line is indented by its depth, and byte-identical output keeps those
blanks. A renderer is linear when its time per output byte stays flat as N grows.
Run from the repository root: ``python bench/render_depth.py [--depths 100 200 400 590]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpf_rules import evaluate, load_rules
from cpf_rules.explain.diff import DiffReport, align, diff_rule_sets, diff_to_json, render_diff_html, render_diff_text
from cpf_rules.explain.report import Explanation, explain_to_json
from cpf_rules.explain.sides import Side
from cpf_rules.render.html import render_html
from cpf_rules.render.json import dumps, result_to_json
from cpf_rules.render.text import render_result
from cpf_rules.trace import Result

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2026, 1, 1)
RULE = """rule total(y : year) : money "Cumul depuis 1500" cite CT:L6323-11 "al. 1"
  = if y.start < 1500-01-01 then 0 EUR else total(y - 1) + {step} EUR
"""


def _rules(scratch: Path, name: str, step: int) -> Side:
    folder = scratch / name
    folder.mkdir()
    (folder / "total.cpf").write_text(RULE.format(step=step), encoding="utf-8")
    return Side(load_rules(folder, ROOT / "legal_refs"), name)


def _best(run: Callable[[], object], repeat: int) -> tuple[float, int]:
    """The fastest of ``repeat`` runs and the length of what ``run`` returned."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
        size = len(out)  # type: ignore[arg-type]
    return best, size


def _cases(result: Result, report: DiffReport, response: Any) -> list[tuple[str, Callable[[], object]]]:
    """What each renderer is timed on: a call returning its output."""
    explanation = Explanation(result, (), {}, "cpf explain …")
    trace = result.answers[0].trace
    assert trace is not None
    cases: list[tuple[str, Callable[[], object]]] = [
        ("json", lambda: dumps(result_to_json(result))),
        ("json (stdlib)", lambda: json.dumps(result_to_json(result), ensure_ascii=False, indent=2, sort_keys=True)),
        ("text", lambda: render_result(result)),
        ("html", lambda: render_html(result)),
        ("explain json", lambda: dumps(explain_to_json(explanation))),
        ("diff align", lambda: align(trace, trace)),
        ("diff text", lambda: render_diff_text(report)),
        ("diff json", lambda: dumps(diff_to_json(report))),
        ("diff html", lambda: render_diff_html(report)),
    ]
    if response is not None:
        cases.append(("http", lambda: response(result_to_json(result)).body))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[100, 200, 400, 590])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        from starlette.responses import JSONResponse
    except ImportError:  # the api extra is not installed
        JSONResponse = None  # type: ignore[assignment,misc]
    with tempfile.TemporaryDirectory(prefix="cpf-render-depth-") as scratch:
        old, new = _rules(Path(scratch), "old", 1), _rules(Path(scratch), "new", 2)
        facts = Path(scratch) / "facts.json"
        facts.write_text("{}", encoding="utf-8")
        print(f"{'renderer':14} {'depth':>5} {'seconds':>9} {'output MB':>10} {'ns/byte':>8}")
        for depth in args.depths:
            question = f"total({1500 + depth})"
            result = evaluate(new.rules, facts, [question], as_of=AS_OF)
            if not result.ok:
                sys.exit(f"{question}: {result.answers[0].error}")
            report = diff_rule_sets(old, new, facts, [question], AS_OF)
            for name, run in _cases(result, report, JSONResponse):
                seconds, size = _best(run, args.repeat)
                per_byte = f"{seconds * 1e9 / size:>8.1f}" if size else f"{'':>8}"
                print(f"{name:14} {depth:>5} {seconds:>9.4f} {size / 1e6:>10.2f} {per_byte}")


if __name__ == "__main__":
    main()
