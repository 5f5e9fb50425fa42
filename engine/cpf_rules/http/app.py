"""The FastAPI application: rules checked once, routes, problem+json everywhere, OpenAPI.

A surface (like ``cli.py``) over the public API. :func:`create_app` loads and checks
the rule set before the app exists: rules that do not check raise
:class:`~cpf_rules.diagnostics.CpfError` with every diagnostic, so a server never starts
on a broken rule set. Every failure becomes ``application/problem+json``: the routes'
:class:`~cpf_rules.http.problems.ProblemError`, FastAPI's parameter validation, the
router's 404/405, and a catch-all for bugs that answers 500 without any internals (the
exception is logged on the server, never sent).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..loader import load_rules
from ..model import RuleSet
from ..version import __version__
from .limits import Limits
from .problems import (
    HTTP_ERROR,
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PROBLEM_MEDIA_TYPE,
    ProblemError,
    ProblemType,
    http_diagnostic,
    problem_body,
    summary,
)
from .routes_catalog import router as catalog_router
from .routes_eval import router as evaluation_router
from .schemas import components
from .state import ServiceState

logger = logging.getLogger("cpf_rules.http")

DESCRIPTION = """\
Rules-as-code for the French *Compte personnel de formation* (CPF): every value comes with
its trace down to the article version in force. Decimal values are strings with their unit
(`{"value": "217.80", "type": "money", "unit": "EUR"}`); numbers sent in facts are read
exactly (never as binary floats). Every error is `application/problem+json` (RFC 9457)
with a stable `type`, the JSON path of the bad field and the CLI's diagnostic codes
(`CPF-F…` facts, `CPF-Q…` questions, `CPF-R…` evaluation, `CPF-H…` HTTP requests).
"""


def _problem_response(
    kind: ProblemType,
    detail: str,
    request: Request,
    diagnostics: Any = (),
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(kind, detail, request.url.path, diagnostics, extra)
    return JSONResponse(body, status_code=kind.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


async def _on_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return _problem_response(error.kind, error.detail, request, error.diagnostics, error.extra, error.headers)


def _found(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'the text "{value[:60]}"'
    return text if len(text) <= 80 else text[:77] + "…"


async def _on_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    diagnostics = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()))
        expected = item.get("ctx", {}).get("pattern") or item.get("ctx", {}).get("expected")
        diagnostics.append(
            http_diagnostic(
                "CPF-H102",
                f"{location}: {item.get('msg', 'invalid value')}",
                path=location,
                expected=f"a text matching {expected}" if item.get("type") == "string_pattern_mismatch" else expected,
                found=_found(item.get("input")) if "input" in item else None,
            )
        )
    return _problem_response(INVALID_REQUEST, summary(diagnostics, "the request"), request, diagnostics)


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    headers = dict(error.headers or {})
    if error.status_code == 405:
        allowed = headers.get("Allow", headers.get("allow", ""))
        diagnostic = http_diagnostic(
            "CPF-H405",
            f"{request.method} is not allowed on {request.url.path}",
            expected=f"one of: {allowed}" if allowed else None,
            found=request.method,
        )
        return _problem_response(METHOD_NOT_ALLOWED, diagnostic.message, request, [diagnostic], headers=headers)
    if error.status_code == 404:
        diagnostic = http_diagnostic(
            "CPF-H404",
            f"no endpoint at {request.url.path}",
            hint="the endpoints are under /v1; GET /openapi.json lists them, /docs shows them",
        )
        return _problem_response(NOT_FOUND, diagnostic.message, request, [diagnostic])
    kind = ProblemType(HTTP_ERROR.slug, error.status_code, HTTP_ERROR.title)
    diagnostic = http_diagnostic("CPF-H400", f"{request.method} {request.url.path}: {error.detail}")
    return _problem_response(kind, str(error.detail), request, [diagnostic], headers=headers)


async def _on_bug(request: Request, error: Exception) -> JSONResponse:
    logger.error("internal error on %s %s", request.method, request.url.path, exc_info=error)
    diagnostic = http_diagnostic(
        "CPF-H500",
        f"internal error of cpf-rules {__version__}",
        hint="this is a bug of the server, not of your request; please report it with the request body",
    )
    return _problem_response(
        INTERNAL_ERROR, "the server met an internal error; it has been logged", request, [diagnostic]
    )


def _openapi(app: FastAPI, state: ServiceState) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        document.setdefault("components", {}).setdefault("schemas", {}).update(components(state.rules, state.limits))
        app.openapi_schema = document
    return app.openapi_schema


def create_app(
    rules: RuleSet | None = None,
    *,
    rules_dir: Path | str | None = None,
    legal_refs_dir: Path | str | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """The HTTP API over one checked rule set (the bundled rules by default).

    Raises CpfError if the rules do not check: nothing is served from a broken rule set.
    """
    ruleset = rules if rules is not None else load_rules(rules_dir, legal_refs_dir)
    state = ServiceState(ruleset, limits or Limits())
    app = FastAPI(
        title="cpf-rules",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        openapi_tags=[
            {"name": "evaluation", "description": "Facts and questions in, values and traces out."},
            {"name": "rules", "description": "The rules, parameters and legal references served."},
            {"name": "schema", "description": "The facts document's JSON Schema."},
            {"name": "service", "description": "Health and version."},
        ],
    )
    app.state.cpf = state
    app.include_router(evaluation_router)
    app.include_router(catalog_router)
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_bug)
    app.openapi = lambda: _openapi(app, state)  # type: ignore[method-assign]
    return app
