"""HTTP API limits: body size (413), holders, questions and step budget (422), and the
engine's per-evaluation step budget that the API relies on (``evaluate(max_steps=…)``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpf_rules import evaluate, load_rules
from cpf_rules.evaluate import Evaluation
from cpf_rules.http import Limits, create_app

PROBLEM = "application/problem+json"
TAG = "tag:cpf-rules,2026:problems/"
SMALL = Limits(max_body_bytes=2_000, max_holders=2, max_questions=2, max_steps=5_000)
PART_TIME_2019 = {"years": [{"year": 2019, "worked_hours": 700}]}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(limits=SMALL))


def problem_of(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["type"] == TAG + slug and problem["status"] == status
    return problem


def test_body_larger_than_the_limit_is_413_before_reading(client: TestClient) -> None:
    body = json.dumps({"facts": {"years": [{"year": 2019, "worked_hours": 1}] * 200}, "questions": ["credit(2019)"]})
    assert len(body) > SMALL.max_body_bytes
    problem = problem_of(
        client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"}),
        413,
        "content-too-large",
    )
    assert problem["code"] == "CPF-H413" and problem["limit"] == 2_000
    assert problem["errors"][0]["expected"] == "at most 2,000 bytes"
    assert problem["errors"][0]["found"] == f"Content-Length: {len(body):,} bytes"


def test_chunked_body_larger_than_the_limit_is_413_while_reading(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"facts": {}, "questions": ["'
        for _ in range(50):
            yield b"x" * 100
        yield b'"]}'

    response = client.post("/v1/evaluate", content=chunks(), headers={"content-type": "application/json"})
    problem = problem_of(response, 413, "content-too-large")
    assert problem["errors"][0]["found"] == "more than 2,000 bytes"


def test_too_many_holders_is_h302(client: TestClient) -> None:
    body = {"holders": [{"facts": {}}] * 3, "questions": ["credit(2019)"]}
    problem = problem_of(client.post("/v1/evaluate/batch", json=body), 422, "limit-exceeded")
    assert problem["code"] == "CPF-H302"
    assert problem["errors"][0]["path"] == "$.holders" and problem["errors"][0]["expected"] == "at most 2 items"


def test_too_many_questions_is_h303(client: TestClient) -> None:
    body = {"facts": {}, "questions": ["credit(2019)", "credit(2020)", "credit(2021)"]}
    problem = problem_of(client.post("/v1/evaluate", json=body), 422, "limit-exceeded")
    assert problem["code"] == "CPF-H303" and problem["errors"][0]["path"] == "$.questions"


def test_step_budget_above_the_server_limit_is_h304(client: TestClient) -> None:
    body = {"facts": {}, "questions": ["credit(2019)"], "max_steps": 5_001}
    problem = problem_of(client.post("/v1/evaluate", json=body), 422, "limit-exceeded")
    assert problem["code"] == "CPF-H304" and problem["errors"][0]["expected"] == "at most 5,000"


def test_server_step_budget_applies_without_asking(client: TestClient) -> None:
    # balance(2100) recurses year by year down to the account's start: far more than 5,000 steps.
    problem = problem_of(
        client.post("/v1/evaluate", json={"facts": {}, "questions": ["balance(2100)"]}), 422, "evaluation-error"
    )
    assert problem["code"] == "CPF-R007" and "budget of 5,000 steps" in problem["errors"][0]["message"]


@pytest.mark.parametrize("depth", [65, 100_000])
def test_body_nested_too_deeply_is_h305_never_a_500(client: TestClient, depth: int) -> None:
    body = '{"facts": {"years": ' + "[" * depth + "]" * depth + '}, "questions": ["credit(2019)"]}'
    if len(body) > SMALL.max_body_bytes:
        client = TestClient(create_app())  # the default 1 MiB limit lets 200,000 brackets through
    response = client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"})
    problem = problem_of(response, 422, "limit-exceeded")
    assert problem["code"] == "CPF-H305"
    assert problem["errors"][0]["expected"] == "at most 64 levels"
    assert problem["errors"][0]["found"] == f"{depth + 2:,} levels"


def test_health_reports_the_limits(client: TestClient) -> None:
    limits = client.get("/v1/health").json()["limits"]
    assert limits == {"max_body_bytes": 2_000, "max_holders": 2, "max_questions": 2, "max_steps": 5_000}


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_holders must be at least 1"):
        Limits(max_holders=0)


# ---- the engine's step budget (evaluate.py, api.py) -----------------------------------


def test_engine_budget_counts_all_questions_together() -> None:
    rules = load_rules()
    alone = evaluate(rules, PART_TIME_2019, ["credit(2019)"], trace=False)
    assert alone.value("credit(2019)") == Decimal("217.80")  # R6323-1 II, 500 × 700 / 1607 rounded up
    counter = Evaluation(rules, rules.facts_reader.read_document(PART_TIME_2019), alone.as_of)
    counter.question("credit", 2019)
    needed = counter.steps
    exact = evaluate(rules, PART_TIME_2019, ["credit(2019)"], trace=False, max_steps=needed)
    assert exact.ok
    short = evaluate(rules, PART_TIME_2019, ["credit(2019)"], trace=False, max_steps=needed - 1)
    assert short.answers[0].error is not None and short.answers[0].error.code == "CPF-R007"
    # A second question shares the budget: credit(2020) is not memoised, so it needs more.
    both = evaluate(rules, PART_TIME_2019, ["credit(2019)", "credit(2020)"], trace=False, max_steps=needed)
    assert both.answers[0].error is None
    assert both.answers[1].error is not None and both.answers[1].error.code == "CPF-R007"


def test_engine_budget_must_allow_a_step() -> None:
    with pytest.raises(ValueError, match=r"max_steps must be at least 1 \(got 0\)"):
        evaluate(load_rules(), PART_TIME_2019, ["credit(2019)"], max_steps=0)


def test_engine_without_budget_is_unchanged() -> None:
    result = evaluate(load_rules(), PART_TIME_2019, ["credit(2019)"], trace=False)
    assert str(result.value("credit(2019)")) == "217.80"
