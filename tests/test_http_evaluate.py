"""HTTP API, evaluation endpoints: POST /v1/evaluate, /v1/explain, /v1/evaluate/batch.

Values are the ones the law gives for the bundled examples (the article in each test's
comment); errors are problem+json documents with the CLI's codes and the JSON path.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpf_rules import load_rules
from cpf_rules.evaluate import Evaluation
from cpf_rules.http import create_app
from cpf_rules.http.state import html_renderer
from cpf_rules.yaml_io import load_yaml_text

ROOT = Path(__file__).parent.parent
PROBLEM = "application/problem+json"
TAG = "tag:cpf-rules,2026:problems/"


def _plain(value: Any) -> Any:
    """YAML decimals (Decimal) as JSON numbers httpx can send; the examples' are whole (1200.00)."""
    if isinstance(value, Decimal):
        assert value == value.to_integral_value()
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def example(name: str) -> Any:
    """A bundled example facts document as JSON-ready data."""
    return _plain(load_yaml_text((ROOT / "examples" / name).read_text(encoding="utf-8"), name))


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    response = client.post(path, json=body)
    assert "Traceback" not in response.text
    return response


def assert_problem(response: Any, status: int, slug: str, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["type"] == TAG + slug
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["errors"][0]["code"] == code
    return problem


# ---- POST /v1/evaluate ----------------------------------------------------------------


def test_evaluate_balance_of_the_full_time_employee(client: TestClient) -> None:
    # 96 h + 80 DIF h → 2,640 € (DEC:2018-1153); + 6 × 500 € − 1,200 € paid = 4,440 € (R6323-1 I).
    response = post(
        client, "/v1/evaluate", {"facts": example("employee_full_time.yaml"), "questions": ["balance(2024)"]}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["answers"] == [
        {"question": "balance(2024)", "result": {"type": "money", "unit": "EUR", "value": "4440.00"}}
    ]
    assert data["provenance"]["rules_fingerprint"].startswith("sha256:")
    assert data["articles"] == {}  # no trace asked


def test_evaluate_reads_decimals_exactly(client: TestClient) -> None:
    # R6323-1 II: 500 € × 482.1 h / 1,607 h = 150.00 € exactly; 482.1 read as a binary float is
    # 482.10000000000002 h, and rounding up to the cent would give 150.01 €.
    body = '{"facts": {"years": [{"year": 2019, "worked_hours": 482.1}]}, "questions": ["credit(2019)"]}'
    response = client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["answers"][0]["result"]["value"] == "150.00"


def test_evaluate_with_trace_cites_the_article_version(client: TestClient) -> None:
    # credit(2019) of a 700 h part-timer: 500 × 700 / 1607 rounded up = 217.80 € (R6323-1 II).
    facts = {"years": [{"year": 2019, "worked_hours": 700}]}
    response = post(client, "/v1/evaluate", {"facts": facts, "questions": ["credit(2019)"], "trace": True})
    assert response.status_code == 200
    data = response.json()
    answer = data["answers"][0]
    assert answer["result"] == {"type": "money", "unit": "EUR", "value": "217.80"}
    assert answer["trace"]["name"] == "credit" and answer["trace"]["period"] == "2019"
    cited = {c["article"]: c for c in answer["trace"]["citations"]}
    assert cited["CT:R6323-1"]["version"] == "2019-01-01" and cited["CT:R6323-1"]["status"] == "in_force"
    assert "2019-01-01" in data["articles"]["CT:R6323-1"]["versions"]


def test_evaluate_as_of_is_recorded(client: TestClient) -> None:
    body = {"facts": {}, "questions": ["annual_amount(2024-01-01)"], "as_of": "2026-01-01"}
    response = post(client, "/v1/evaluate", body)
    assert response.status_code == 200
    # R6323-1 I: 500 € a year from 2019.
    assert response.json()["answers"][0]["result"]["value"] == "500.00"
    assert response.json()["provenance"]["as_of"] == "2026-01-01"


def test_body_that_is_not_json_is_400_with_the_place(client: TestClient) -> None:
    response = client.post(
        "/v1/evaluate", content='{"facts": {},\n "questions": [1,]}', headers={"content-type": "application/json"}
    )
    problem = assert_problem(response, 400, "invalid-json", "CPF-F002")
    error = problem["errors"][0]
    assert error["location"]["file"] == "request body" and error["location"]["line"] == 2
    assert "comma" in error["hint"]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "CPF-H001", "the request body is empty"),
        (b'{"facts": "\xff"}', "CPF-H001", "not UTF-8"),
        (b'{"facts": {}, "facts": {}}', "CPF-F002", "given twice"),
        (b'{"facts": {"years": [{"year": 2019, "worked_hours": NaN}]}}', "CPF-F002", "NaN is not a number"),
    ],
)
def test_unreadable_bodies_are_400(client: TestClient, content: bytes, code: str, message: str) -> None:
    response = client.post("/v1/evaluate", content=content, headers={"content-type": "application/json"})
    problem = assert_problem(response, 400, "invalid-json", code)
    assert message in problem["errors"][0]["message"]


def test_body_not_declared_as_json_is_415(client: TestClient) -> None:
    response = client.post("/v1/evaluate", content="facts=1", headers={"content-type": "text/plain"})
    problem = assert_problem(response, 415, "unsupported-media-type", "CPF-H415")
    assert problem["errors"][0]["expected"] == "Content-Type: application/json"


def test_envelope_mistakes_are_422_with_their_paths(client: TestClient) -> None:
    body = {"fact": {}, "questions": [], "trace": "yes", "as_of": "2024-02-30"}
    problem = assert_problem(post(client, "/v1/evaluate", body), 422, "invalid-request", "CPF-H101")
    by_path = {e["path"]: e for e in problem["errors"]}
    assert by_path["$.fact"]["suggestions"] == ["facts"] and by_path["$.fact"]["pointer"] == "/fact"
    assert by_path["$.facts"]["message"] == "missing field `facts`"
    assert by_path["$.questions"]["expected"] == "at least 1 item(s)"
    assert by_path["$.trace"]["found"] == 'the text "yes"'
    body = {"facts": {}, "questions": ["balance(2024)"], "as_of": "2024-02-30"}
    problem = assert_problem(post(client, "/v1/evaluate", body), 422, "invalid-request", "CPF-H101")
    assert problem["errors"][0]["path"] == "$.as_of" and "calendar date" in problem["errors"][0]["message"]


def test_invalid_facts_are_422_with_the_cli_codes_under_facts(client: TestClient) -> None:
    facts = {"years": [{"year": 2019, "worked_hours": "many"}, {"year": 2019, "worked_hours": 10}], "holdr": {}}
    problem = assert_problem(
        post(client, "/v1/evaluate", {"facts": facts, "questions": ["balance(2024)"]}), 422, "invalid-facts", "CPF-F103"
    )
    by_code = {e["code"]: e for e in problem["errors"]}
    assert by_code["CPF-F101"]["path"] == "$.facts.years[0].worked_hours"
    assert by_code["CPF-F101"]["pointer"] == "/facts/years/0/worked_hours"
    assert (
        by_code["CPF-F101"]["expected"] == "a number of hours, between 0 and 8784"
        and by_code["CPF-F101"]["found"] == 'the text "many"'
    )
    assert by_code["CPF-F103"]["path"] == "$.facts.holdr" and "holder" in by_code["CPF-F103"]["suggestions"]


def test_facts_that_are_not_an_object_are_f101(client: TestClient) -> None:
    problem = assert_problem(
        post(client, "/v1/evaluate", {"facts": [1], "questions": ["balance(2024)"]}), 422, "invalid-facts", "CPF-F101"
    )
    assert problem["errors"][0]["path"] == "$.facts"


def test_unknown_question_is_q001_at_its_index(client: TestClient) -> None:
    body = {"facts": {}, "questions": ["balance(2024)", "balanse(2024)"]}
    problem = assert_problem(post(client, "/v1/evaluate", body), 422, "invalid-question", "CPF-Q001")
    assert problem["errors"][0]["path"] == "$.questions[1]" and problem["errors"][0]["suggestions"] == ["balance"]


def test_unanswerable_question_is_an_evaluation_error_with_every_answer(client: TestClient) -> None:
    # R6323-1 I: the 500 € amount exists from 2019-01-01 only, so 2018 has no value (CPF-R001).
    body = {"facts": {}, "questions": ["annual_amount(2019-06-30)", "annual_amount(2018-06-30)"]}
    problem = assert_problem(post(client, "/v1/evaluate", body), 422, "evaluation-error", "CPF-R001")
    assert problem["errors"][0]["path"] == "$.questions[1]"
    assert problem["errors"][0]["location"]["file"].startswith("rules/")
    assert problem["answers"][0]["result"]["value"] == "500.00"
    assert problem["answers"][1]["error"]["code"] == "CPF-R001"


def test_step_budget_of_the_request_stops_the_evaluation(client: TestClient) -> None:
    body = {"facts": example("employee_full_time.yaml"), "questions": ["balance(2024)"], "max_steps": 50}
    problem = assert_problem(post(client, "/v1/evaluate", body), 422, "evaluation-error", "CPF-R007")
    assert "budget of 50 steps" in problem["errors"][0]["message"]


# ---- POST /v1/explain -----------------------------------------------------------------


def test_explain_json_always_has_the_trace(client: TestClient) -> None:
    body = {"facts": example("employee_full_time.yaml"), "questions": ["credit(2019)"]}
    response = post(client, "/v1/explain", body)
    assert response.status_code == 200
    answer = response.json()["answers"][0]
    # L6323-11, R6323-1 I: a full year of work in 2019 gives 500 €.
    assert answer["result"]["value"] == "500.00"
    assert answer["trace"]["branch"] == "default"
    assert any(child.get("name") == "amount_due" for child in answer["trace"]["children"])


def test_explain_html(client: TestClient) -> None:
    body = {"facts": {"years": [{"year": 2019, "worked_hours": 700}]}, "questions": ["credit(2019)"], "lang": "en"}
    response = client.post("/v1/explain?format=html", json=body)
    if html_renderer() is None:  # the server has no HTML renderer: a precise 406, never a 500
        problem = assert_problem(response, 406, "not-acceptable", "CPF-H406")
        assert problem["errors"][0]["path"] == "query.format"
        return
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="en">' in page
    assert "217,80 €" in page  # R6323-1 II: 500 × 700 / 1607 rounded up to the cent
    assert "L6323-11" in page


def test_explain_html_is_406_without_the_renderer(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cpf_rules.http.routes_eval.html_renderer", lambda: None)
    body = {"facts": {}, "questions": ["credit(2019)"]}
    problem = assert_problem(client.post("/v1/explain?format=html", json=body), 406, "not-acceptable", "CPF-H406")
    assert problem["errors"][0]["hint"] == "use format=json (the same trace, as JSON)"


def test_explain_rejects_an_unknown_format(client: TestClient) -> None:
    body = {"facts": {}, "questions": ["credit(2019)"]}
    problem = assert_problem(client.post("/v1/explain?format=pdf", json=body), 422, "invalid-request", "CPF-H102")
    assert problem["errors"][0]["path"] == "query.format"


# ---- POST /v1/evaluate/batch ----------------------------------------------------------


def test_batch_answers_each_holder_in_order(client: TestClient) -> None:
    holders = [
        {"id": "full-time", "facts": example("employee_full_time.yaml")},
        {"id": "part-time", "facts": {"years": [{"year": 2019, "worked_hours": 700}]}},
        {"facts": {"years": [{"year": 2019, "worked_hours": 1607}]}, "id": "full-year-2019"},
    ]
    body = {"holders": holders, "questions": ["credit(2019)"]}
    response = post(client, "/v1/evaluate/batch", body)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and data["failed"] == 0
    values = [(item["id"], item["answers"][0]["result"]["value"]) for item in data["results"]]
    # R6323-1 I and II: 500 € for a full year, 500 × 700 / 1607 rounded up for 700 h.
    assert values == [("full-time", "500.00"), ("part-time", "217.80"), ("full-year-2019", "500.00")]


def steps_of(facts: Any, question: str) -> int:
    """Evaluation steps the engine takes for one rule question (to set a budget between two)."""
    rules = load_rules()
    name, _, period = question.rstrip(")").partition("(")
    evaluation = Evaluation(rules, rules.facts_reader.read_document(facts), datetime.date(2026, 1, 1))
    evaluation.question(name, int(period))
    return evaluation.steps


def test_batch_with_one_failing_holder_keeps_the_others(client: TestClient) -> None:
    small, large = {"years": [{"year": 2019, "worked_hours": 700}]}, example("employee_full_time.yaml")
    budget = steps_of(small, "credit(2019)")
    assert steps_of(large, "credit(2019)") > budget
    body = {"holders": [{"facts": small}, {"facts": large}], "questions": ["credit(2019)"], "max_steps": budget}
    data = post(client, "/v1/evaluate/batch", body).json()
    assert data["failed"] == 1
    first, second = data["results"]
    assert first["status"] == 200 and first["answers"][0]["result"]["value"] == "217.80"  # R6323-1 II
    assert second["status"] == 422
    assert second["problem"]["type"] == TAG + "evaluation-error"
    assert second["problem"]["code"] == "CPF-R007"
    assert second["problem"]["errors"][0]["path"] == "$.questions[0]"


def test_batch_with_invalid_facts_is_rejected_whole(client: TestClient) -> None:
    holders = [{"facts": {}}, {"facts": {"years": [{"year": "2019"}]}}]
    problem = assert_problem(
        post(client, "/v1/evaluate/batch", {"holders": holders, "questions": ["credit(2019)"]}),
        422,
        "invalid-facts",
        "CPF-F101",
    )
    assert problem["errors"][0]["path"] == "$.holders[1].facts.years[0].year"
