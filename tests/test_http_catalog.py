"""HTTP API, read-only endpoints and the app's own errors: rules, parameters, legal
references, facts schema, health, version, OpenAPI, docs; 404, 405, 422 on query
parameters, the 500 catch-all (no internals), and a server that refuses broken rules."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cpf_rules import CpfError, load_rules
from cpf_rules.cli import main
from cpf_rules.http import create_app
from cpf_rules.version import __version__

PROBLEM = "application/problem+json"
TAG = "tag:cpf-rules,2026:problems/"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def problem_of(response: Any, status: int, slug: str, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["type"] == TAG + slug and problem["status"] == status and problem["code"] == code
    assert "Traceback" not in response.text
    return problem


def test_rules_list_every_rule(client: TestClient) -> None:
    listed = client.get("/v1/rules").json()["rules"]
    assert [r["name"] for r in listed] == sorted(load_rules().rules)
    credit = next(r for r in listed if r["name"] == "credit")
    assert credit["period"] == "year" and credit["type"] == "money" and credit["unit"] == "EUR"


def test_rule_detail_has_formula_citations_and_dependencies(client: TestClient) -> None:
    rules = load_rules()
    data = client.get("/v1/rules/credit").json()
    assert data["formula"] == rules.rules["credit"].body_text
    assert data["source"].startswith("rule credit(y : year) : money")
    assert data["label"] == "Droits acquis au titre de l'année"
    # L6323-11 al. 1 et 2: the yearly credit; its title comes from legal_refs/.
    cited = {c["article"]: c for c in data["citations"]}
    assert cited["CT:L6323-11"]["title"] == rules.registry.articles["CT:L6323-11"].title
    # = if accrues(y) then min(amount_due(y), max(ceiling_for(y) - balance_before_credit(y), 0 EUR)) else 0 EUR
    assert {"accrues", "amount_due", "ceiling_for", "balance_before_credit"} <= set(data["dependencies"]["rules"])
    assert "y" not in data["dependencies"]["rules"] + data["dependencies"]["inputs"]
    assert "credit" in client.get("/v1/rules/accrues").json()["used_by"]


NAME_CALLED = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
COMMENT = re.compile(r"#[^\n]*")


def test_dependencies_match_what_each_rule_calls(client: TestClient) -> None:
    """Every rule or parameter called in a rule's text is a dependency, and every
    dependency is named in that text (the walker agrees with the source, for all rules)."""
    rules = load_rules()
    for name in rules.rules:
        data = client.get(f"/v1/rules/{name}").json()
        deps = data["dependencies"]
        text = data["source"].split("\n", 1)[1]  # without the header `rule name(y : year)…`
        text = COMMENT.sub("", STRING.sub('""', text))  # labels and flags may say "credit (…)"
        called = {n for n in NAME_CALLED.findall(text) if n in rules.rules or n in rules.parameters}
        assert called <= set(deps["rules"]) | set(deps["parameters"]), name
        for dependency in deps["rules"] + deps["parameters"] + deps["inputs"]:
            assert re.search(rf"\b{dependency}\b", text), (name, dependency)
        for exception in data["exceptions"]:
            assert exception["condition"] in text and exception["formula"] in text


def test_unknown_rule_is_404_with_a_suggestion(client: TestClient) -> None:
    problem = problem_of(client.get("/v1/rules/credt"), 404, "not-found", "CPF-H404")
    assert problem["errors"][0]["suggestions"][0] == "credit"
    problem = problem_of(client.get("/v1/rules/annual_amount"), 404, "not-found", "CPF-H404")
    assert problem["errors"][0]["hint"] == "`annual_amount` is a parameter: GET /v1/parameters/annual_amount"


def test_parameters_list(client: TestClient) -> None:
    names = [p["name"] for p in client.get("/v1/parameters").json()["parameters"]]
    assert names == sorted(load_rules().parameters)


def test_parameter_history_and_value_on_a_date(client: TestClient) -> None:
    data = client.get("/v1/parameters/annual_amount", params={"on": "2024-06-30"}).json()
    first = data["history"][0]
    # R6323-1 I (décret 2018-1329): 500 € from 2019-01-01.
    assert first["from"] == "2019-01-01" and first["value"] == {"type": "money", "unit": "EUR", "value": "500.00"}
    assert "CT:R6323-1" in {c["article"] for c in first["citations"]}
    assert data["on"]["date"] == "2024-06-30" and data["on"]["value"]["value"] == "500.00"


def test_parameter_history_gives_each_period_its_end(client: TestClient) -> None:
    history = client.get("/v1/parameters/hours_full_rate").json()["history"]
    # L6323-11 (loi 2014-288): 24 h a year from 2015, replaced by euros on 2019-01-01.
    assert history[0]["from"] == "2015-01-01" and history[0]["value"]["value"] == "24"
    assert history[0]["to"] == "2018-12-31"
    assert history[1]["from"] == "2019-01-01" and history[1]["value"] is None


def test_parameter_without_value_on_the_date_is_r001(client: TestClient) -> None:
    problem = problem_of(
        client.get("/v1/parameters/annual_amount", params={"on": "2018-06-30"}), 422, "evaluation-error", "CPF-R001"
    )
    assert problem["errors"][0]["path"] == "query.on"
    assert "first value is from 2019-01-01" in problem["errors"][0]["message"]


@pytest.mark.parametrize(("on", "message"), [("2024-02-30", "calendar date"), ("30/06/2024", "pattern")])
def test_bad_date_in_query_is_h102(client: TestClient, on: str, message: str) -> None:
    problem = problem_of(
        client.get("/v1/parameters/annual_amount", params={"on": on}), 422, "invalid-request", "CPF-H102"
    )
    assert problem["errors"][0]["path"] == "query.on" and message in problem["errors"][0]["message"]


def test_unknown_parameter_is_404(client: TestClient) -> None:
    problem = problem_of(client.get("/v1/parameters/credit"), 404, "not-found", "CPF-H404")
    assert problem["errors"][0]["hint"] == "`credit` is a rule: GET /v1/rules/credit"


def test_legal_ref_versions_and_version_in_force(client: TestClient) -> None:
    data = client.get("/v1/legal-refs/CT:L6323-11", params={"on": "2017-06-30"}).json()
    assert data["number"] == "L6323-11" and data["source"] == "Code du travail"
    starts = [v["in_force_from"] for v in data["versions"]]
    assert starts == sorted(starts) and "2019-01-01" in starts  # loi 2018-771: the euro era
    assert data["on"]["version"]["in_force_from"] <= "2017-06-30"
    assert data["on"]["version"]["in_force_to"] >= "2017-06-30"
    assert "amount_due" in data["cited_by"]


def test_legal_refs_list_and_unknown_ref(client: TestClient) -> None:
    listed = client.get("/v1/legal-refs").json()["legal_refs"]
    assert "CT:L6323-11" in {r["id"] for r in listed}
    problem = problem_of(client.get("/v1/legal-refs/CT:L6323-111"), 404, "not-found", "CPF-H404")
    assert "CT:L6323-11" in problem["errors"][0]["suggestions"]


def test_facts_schema_is_the_generated_schema(client: TestClient) -> None:
    response = client.get("/v1/schema/facts")
    assert response.headers["content-type"] == "application/schema+json"
    assert response.json() == load_rules().facts_schema()


def test_health_and_version(client: TestClient) -> None:
    rules = load_rules()
    assert client.get("/v1/health").json()["status"] == "ok"
    version = client.get("/v1/version").json()
    assert version["engine_version"] == __version__ and version["rules_fingerprint"] == rules.fingerprint
    assert version["rules"] == len(rules.rules) and version["legal_refs"] == len(rules.registry.articles)


def test_openapi_document_describes_the_bodies_and_problems(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    evaluate = document["paths"]["/v1/evaluate"]["post"]
    body = evaluate["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EvaluateRequest"}
    schemas = document["components"]["schemas"]
    assert schemas["EvaluateRequest"]["properties"]["facts"] == {"$ref": "#/components/schemas/Facts"}
    assert schemas["Facts"]["properties"]["years"]["items"]["properties"]["worked_hours"]["x-cpf-type"] == "hours"
    assert evaluate["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    assert set(document["paths"]) >= {
        "/v1/evaluate",
        "/v1/explain",
        "/v1/evaluate/batch",
        "/v1/rules",
        "/v1/rules/{name}",
        "/v1/parameters/{name}",
        "/v1/legal-refs/{ref_id}",
        "/v1/schema/facts",
        "/v1/health",
        "/v1/version",
    }


def test_docs_page(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and "/openapi.json" in response.text


def test_unknown_endpoint_is_a_404_problem(client: TestClient) -> None:
    problem = problem_of(client.get("/v2/evaluate"), 404, "not-found", "CPF-H404")
    assert problem["instance"] == "/v2/evaluate"


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    response = client.get("/v1/evaluate")
    problem = problem_of(response, 405, "method-not-allowed", "CPF-H405")
    assert response.headers["allow"] == "POST" and problem["errors"][0]["expected"] == "one of: POST"


def test_other_http_errors_are_problems_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.exceptions import HTTPException

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise HTTPException(409, "busy")

    monkeypatch.setattr("cpf_rules.http.describe.Catalogue.parameter_list", refuse)
    problem = problem_of(TestClient(create_app()).get("/v1/parameters"), 409, "http-error", "CPF-H400")
    assert problem["detail"] == "busy"


def test_internal_error_is_a_500_problem_without_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret path /srv/cpf/internal.py")

    monkeypatch.setattr("cpf_rules.http.describe.Catalogue.rule_list", broken)
    response = TestClient(app, raise_server_exceptions=False).get("/v1/rules")
    problem = problem_of(response, 500, "internal-error", "CPF-H500")
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert problem["detail"] == "the server met an internal error; it has been logged"


def bad_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.cpf").write_text(
        'rule r : money "Règle" cite CT:L6323-11 = anual_amount(2019-01-01)\n', encoding="utf-8"
    )
    return rules


def test_app_refuses_rules_that_do_not_check(tmp_path: Path) -> None:
    with pytest.raises(CpfError) as caught:
        create_app(rules_dir=bad_rules(tmp_path))
    assert "CPF-E101" in {d.code for d in caught.value.diagnostics}


def test_cpf_serve_refuses_to_start_and_prints_the_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--rules", str(bad_rules(tmp_path)), "--port", "1"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "error[CPF-E101]: unknown function, rule or parameter `anual_amount`" in err


def test_cpf_serve_rejects_a_zero_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--max-holders", "0"]) == 2
    assert "max_holders must be at least 1" in capsys.readouterr().err


def test_cpf_serve_without_the_api_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if `pip install cpf-rules` without [api]
    assert main(["serve"]) == 1
    assert "cpf serve needs the `api` extra (uvicorn is not installed): pip install 'cpf-rules[api]'" in (
        capsys.readouterr().err
    )
