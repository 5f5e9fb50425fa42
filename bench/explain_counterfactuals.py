"""Benchmark of `cpf explain`: the counterfactual search and the HTML page, per question.

Run from the repository root: ``python bench/explain_counterfactuals.py``. For each
bundled example and question it prints the evaluations the search spent (bounded by
``--max-evaluations``, 600 by default), the counterfactuals found, the wall time of the
search (best of ``--repeat`` runs) and the size of the HTML report.
"""

from __future__ import annotations

import argparse
import datetime
import time
from pathlib import Path

from cpf_rules import evaluate, load_rules
from cpf_rules.api import read_facts
from cpf_rules.explain.counterfactual import search_counterfactuals
from cpf_rules.explain.report import explain, render_explain_html

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("part_time_cashier.yaml", "amount_due(2019)"),
    ("part_time_cashier.yaml", "credit(2019)"),
    ("low_qualified_worker.yaml", "credit(2021)"),
    ("employee_full_time.yaml", "balance(2024)"),
]
AS_OF = datetime.date(2026, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-evaluations", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rules = load_rules()
    print(f"{'example':28} {'question':18} {'evals':>6} {'found':>6} {'search s':>9} {'html KB':>8}")
    for example, question in CASES:
        facts = read_facts(rules, ROOT / "examples" / example)
        answer = evaluate(rules, facts, [question], as_of=AS_OF).answers[0]
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            outcome = search_counterfactuals(rules, facts, answer, AS_OF, args.max_evaluations)
            best = min(best, time.perf_counter() - start)
        page = render_explain_html(explain(rules, facts, [question], AS_OF, with_counterfactuals=False))
        size = len(page.encode("utf-8")) / 1024
        print(f"{example:28} {question:18} {outcome.evaluations:>6} {len(outcome.found):>6} {best:>9.2f} {size:>8.0f}")


if __name__ == "__main__":
    main()
