"""Evaluation endpoints: ``POST /v1/evaluate``, ``/v1/explain``, ``/v1/evaluate/batch``.

A surface. Each route reads its body within the size limit, parses it with exact
decimals, validates the envelope and the questions, then evaluates in a worker thread
(the event loop stays free for ``/v1/health``). The OpenAPI document describes the
bodies through ``openapi_extra`` (the routes parse them themselves, so no float ever
reaches the engine).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from .bodies import EvaluationBody, read_evaluation_body
from .limits import read_body
from .problems import NOT_ACCEPTABLE, ProblemError, http_diagnostic, problem_body
from .schemas import json_content, ref, request_body, responses
from .service import check_questions, outcome, read_holders, run
from .state import ServiceState, html_renderer, state_of

router = APIRouter(prefix="/v1", tags=["evaluation"])

_BODY_PROBLEMS = (400, 413, 415, 422)


async def _body(request: Request, kind: str) -> tuple[ServiceState, EvaluationBody]:
    state = state_of(request)
    text = await read_body(request, state.limits.max_body_bytes)
    body = read_evaluation_body(text, state.schemas[kind], state.limits)
    check_questions(state.rules, body.questions)
    return state, body


@router.post(
    "/evaluate",
    summary="Answer questions for one holder",
    description="Facts (the schema is `GET /v1/schema/facts`) and questions in; each value out as a decimal "
    "string with its type and unit, with its trace when `trace` is true. A question that cannot be "
    "answered makes the response a 422 `evaluation-error` problem that still lists every answer.",
    openapi_extra=request_body("EvaluateRequest"),
    responses=responses("The answers, warnings and provenance.", ref("EvaluateResponse"), *_BODY_PROBLEMS),
    response_class=JSONResponse,
)
async def evaluate_one(request: Request) -> JSONResponse:
    state, body = await _body(request, "evaluate")
    facts = await run_in_threadpool(read_holders, state.rules, body)
    data = await run_in_threadpool(outcome, state.rules, body, facts[0], body.trace)
    return JSONResponse(data)


@router.post(
    "/explain",
    summary="Explain the answers: the full trace, as JSON or as an HTML report",
    description="The same body as `/v1/evaluate`; the trace is always included. `format=html` returns the "
    "self-contained HTML report (French by default, `lang: en` for English words), when the server has it.",
    openapi_extra=request_body("ExplainRequest"),
    responses={
        **responses("The traced answers.", ref("EvaluateResponse"), *_BODY_PROBLEMS, 406),
        200: {
            "description": "The traced answers (JSON), or the HTML report with `format=html`.",
            "content": {
                **json_content(ref("EvaluateResponse"))["content"],
                "text/html": {"schema": {"type": "string"}},
            },
        },
    },
    response_class=JSONResponse,
)
async def explain(
    request: Request,
    format: Annotated[Literal["json", "html"], Query(description="json (default) or html")] = "json",
) -> Any:
    state, body = await _body(request, "explain")
    facts = await run_in_threadpool(read_holders, state.rules, body)
    if format == "json":
        data = await run_in_threadpool(outcome, state.rules, body, facts[0], True)
        return JSONResponse(data)
    renderer = html_renderer()
    if renderer is None:
        raise ProblemError(
            NOT_ACCEPTABLE,
            "this server has no HTML report renderer; ask for format=json",
            [
                http_diagnostic(
                    "CPF-H406",
                    "the HTML report is not available on this server",
                    path="query.format",
                    expected="json",
                    found="html",
                    hint="use format=json (the same trace, as JSON)",
                )
            ],
        )
    result = await run_in_threadpool(run, state.rules, body, facts[0], True)
    page = await run_in_threadpool(lambda: renderer(result, lang=body.lang, arms=state.if_arms))
    return HTMLResponse(page)


def _batch(state: ServiceState, body: EvaluationBody) -> dict[str, Any]:
    documents = read_holders(state.rules, body)
    results: list[dict[str, Any]] = []
    for index, (holder, facts) in enumerate(zip(body.holders, documents, strict=True)):
        head: dict[str, Any] = {"index": index, "id": holder.id}
        try:
            results.append({**head, "status": 200, **outcome(state.rules, body, facts, body.trace)})
        except ProblemError as problem:
            found = problem_body(problem.kind, problem.detail, f"/v1/evaluate/batch#{index}", problem.diagnostics)
            found.update(problem.extra)
            results.append({**head, "status": problem.kind.status, "problem": found})
    failed = sum(1 for item in results if item["status"] != 200)
    return {"results": results, "count": len(results), "failed": failed}


@router.post(
    "/evaluate/batch",
    summary="Answer the same questions for several holders",
    description="Up to the server's `max_holders` holders (100 by default, see `GET /v1/health`). Every "
    "holder's facts are validated first: one invalid document rejects the request (422 `invalid-facts`, each "
    "error at `$.holders[i].facts…`). Then each holder has its own `status`: 200 with its answers, or 422 with "
    "an `evaluation-error` problem (a question that could not be answered for that holder).",
    openapi_extra=request_body("BatchRequest"),
    responses=responses("One result per holder, in order.", ref("BatchResponse"), *_BODY_PROBLEMS),
    response_class=JSONResponse,
)
async def evaluate_batch(request: Request) -> JSONResponse:
    state, body = await _body(request, "batch")
    data = await run_in_threadpool(_batch, state, body)
    return JSONResponse(data)
