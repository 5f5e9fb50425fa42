"""A small client of the cpf-rules HTTP API (httpx), as a training platform would write it.

Start the server (``cpf serve``), then::

    python examples/http_client.py                        # the bundled full-time employee
    python examples/http_client.py --question 'credit(2019)' --trace
    python examples/http_client.py --facts holder.json --question 'balance(2024)'
    python examples/http_client.py --base-url http://127.0.0.1:8000

What it shows: numbers go out as exact JSON decimals (never through a binary float) and
come back as decimal strings with their unit, read here as :class:`~decimal.Decimal`;
every error is an ``application/problem+json`` document whose ``errors`` carry the
diagnostic code and the JSON path of the bad field; the rule-set fingerprint
(``GET /v1/version``) is kept beside the values so that an answer can be replayed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

# The full-time employee of examples/employee_full_time.yaml, as a client would build it.
FULL_TIME_EMPLOYEE: dict[str, Any] = {
    "holder": {"dif_hours": 80, "dif_registered_on": "2020-11-03"},
    "years": [{"year": year, "worked_hours": 1607} for year in range(2015, 2025)],
    "ledger": [{"date": "2021-05-04", "kind": "training_paid", "amount": Decimal("1200.00")}],
}


class ApiProblem(Exception):
    """An error answered by the API: the problem+json document (RFC 9457)."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        super().__init__(problem.get("detail", problem.get("title", "error")))

    def lines(self) -> list[str]:
        """One line per diagnostic: code, JSON path, message, what was expected."""
        lines = [f"{self.problem.get('status')} {self.problem.get('title')}: {self.problem.get('detail')}"]
        for error in self.problem.get("errors", []):
            where = error.get("path") or (error.get("location") or {}).get("file", "")
            line = f"  {error['code']} at {where}: {error['message']}"
            if "expected" in error:
                line += f" (expected {error['expected']})"
            if "hint" in error:
                line += f" — {error['hint']}"
            lines.append(line)
        return lines


def dumps(value: Any) -> str:
    """JSON text in which a Decimal is written as the exact number it is (1200.00, not 1200.0)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _checked(response: httpx.Response) -> Any:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        raise ApiProblem(response.json())
    response.raise_for_status()
    return response.json()


def version(client: httpx.Client) -> dict[str, Any]:
    """Engine version and rule-set fingerprint of the server."""
    data: dict[str, Any] = _checked(client.get("/v1/version"))
    return data


def evaluate(
    client: httpx.Client, facts: dict[str, Any], questions: Sequence[str], trace: bool = False
) -> dict[str, Any]:
    """POST /v1/evaluate; raises ApiProblem with the diagnostics if anything is wrong."""
    body = {"facts": facts, "questions": list(questions), "trace": trace}
    response = client.post("/v1/evaluate", content=dumps(body), headers={"content-type": "application/json"})
    data: dict[str, Any] = _checked(response)
    return data


def value_of(result: dict[str, Any]) -> Decimal | Any:
    """A value as Python reads it: numbers as exact Decimal, the rest as sent."""
    value = result["value"]
    if isinstance(value, str) and result.get("type") in ("money", "hours", "days", "decimal", "integer", "EUR/h"):
        return Decimal(value)
    return value


def _print_trace(node: dict[str, Any], depth: int = 0, limit: int = 2) -> None:
    value = node["value"]
    shown = f"{value['value']} {value.get('unit', '')}".strip()
    cited = ", ".join(c["article"] for c in node.get("citations", []))
    print(f"{'  ' * (depth + 1)}{node.get('name', node.get('ref'))} = {shown}" + (f"  [{cited}]" if cited else ""))
    if depth < limit:
        for child in node.get("children", []):
            _print_trace(child, depth + 1, limit)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ask the cpf-rules HTTP API for a holder's rights.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--facts", type=Path, help="a JSON facts document (default: a full-time employee)")
    parser.add_argument("--question", "-q", action="append", help="default: balance(2024)")
    parser.add_argument("--trace", action="store_true", help="print the first levels of each trace")
    args = parser.parse_args(argv)
    facts = FULL_TIME_EMPLOYEE
    if args.facts is not None:
        facts = json.loads(args.facts.read_text(encoding="utf-8"), parse_float=Decimal)
    questions = args.question or ["balance(2024)"]
    with httpx.Client(base_url=args.base_url, timeout=30) as client:
        try:
            server = version(client)
            result = evaluate(client, facts, questions, trace=args.trace)
        except ApiProblem as problem:
            print("\n".join(problem.lines()), file=sys.stderr)
            return 1
        except httpx.HTTPError as error:
            print(f"cannot reach {args.base_url}: {error}", file=sys.stderr)
            return 2
    print(f"cpf-rules {server['engine_version']}, rules {server['rules_fingerprint'][:19]}…")
    for answer in result["answers"]:
        value = value_of(answer["result"])
        print(f"{answer['question']} = {value} {answer['result'].get('unit', '')}".rstrip())
        if args.trace:
            _print_trace(answer["trace"])
    for warning in result["warnings"]:
        print(f"  warning {warning['code']}: {warning['message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
