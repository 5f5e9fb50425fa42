"""Read-only endpoints: the rules, parameters, legal references, facts schema, health, version.

A surface over :class:`~cpf_rules.http.describe.Catalogue`. An unknown name is a 404
``not-found`` problem with "did you mean" suggestions (CPF-H404); a parameter read on a
date where it has no value is the evaluator's CPF-R001, as a 422 ``evaluation-error``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ..diagnostics import Diagnostic, Severity, did_you_mean, suggest
from ..version import __version__
from .problems import EVALUATION_ERROR, INVALID_REQUEST, NOT_FOUND, ProblemError, http_diagnostic
from .schemas import ref, responses
from .state import state_of

router = APIRouter(prefix="/v1")

_ON = Query(
    description="A date (YYYY-MM-DD): also give the value or version in force on that day.",
    pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
)


def _day(text: str | None) -> datetime.date | None:
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ProblemError(
            INVALID_REQUEST,
            f"the query parameter `on` is not a calendar date: {text}",
            [
                http_diagnostic(
                    "CPF-H102",
                    "query parameter `on` is not a calendar date",
                    path="query.on",
                    expected="a date that exists, written YYYY-MM-DD",
                    found=f'the text "{text}"',
                )
            ],
        ) from None


def _not_found(kind: str, name: str, known: Iterable[str], listing: str, hint: str | None = None) -> ProblemError:
    """A 404 problem; ``hint`` (the name is another kind of thing) before "did you mean", before ``listing``."""
    suggestions = suggest(name, known)
    return ProblemError(
        NOT_FOUND,
        f"no {kind} is named `{name}`",
        [
            http_diagnostic(
                "CPF-H404",
                f"no {kind} is named `{name}`",
                path="path.name" if kind != "legal reference" else "path.ref_id",
                hint=hint or did_you_mean(suggestions) or listing,
                suggestions=suggestions,
            )
        ],
    )


@router.get(
    "/rules",
    tags=["rules"],
    summary="List the rules",
    responses=responses(
        "Every rule with its label, period, type and unit.",
        {"type": "object", "properties": {"rules": {"type": "array", "items": ref("RuleSummary")}}},
    ),
)
def list_rules(request: Request) -> JSONResponse:
    return JSONResponse({"rules": state_of(request).catalogue.rule_list()})


@router.get(
    "/rules/{name}",
    tags=["rules"],
    summary="One rule: label, formula, unit, citations, exceptions, dependencies",
    responses=responses("The rule as written and as checked.", ref("RuleDetail"), 404),
)
def get_rule(request: Request, name: str) -> JSONResponse:
    state = state_of(request)
    rule = state.rules.rules.get(name)
    if rule is None:
        hint = f"`{name}` is a parameter: GET /v1/parameters/{name}" if name in state.rules.parameters else None
        raise _not_found("rule", name, state.rules.rules, "GET /v1/rules lists them", hint)
    return JSONResponse(state.catalogue.rule_detail(rule))


@router.get(
    "/parameters",
    tags=["rules"],
    summary="List the parameters (dated values)",
    responses=responses(
        "Every parameter with its label, type and unit.",
        {"type": "object", "properties": {"parameters": {"type": "array", "items": ref("ParameterSummary")}}},
    ),
)
def list_parameters(request: Request) -> JSONResponse:
    return JSONResponse({"parameters": state_of(request).catalogue.parameter_list()})


@router.get(
    "/parameters/{name}",
    tags=["rules"],
    summary="One parameter: its dated history with citations, and its value on a date",
    responses=responses("The history (and `on`, the value on the date asked).", ref("ParameterDetail"), 404, 422),
)
def get_parameter(request: Request, name: str, on: Annotated[str | None, _ON] = None) -> JSONResponse:
    state = state_of(request)
    day = _day(on)
    parameter = state.rules.parameters.get(name)
    if parameter is None:
        hint = f"`{name}` is a rule: GET /v1/rules/{name}" if name in state.rules.rules else None
        raise _not_found("parameter", name, state.rules.parameters, "GET /v1/parameters lists them", hint)
    data = state.catalogue.parameter_detail(parameter)
    if day is not None:
        value = state.catalogue.value_on(parameter, day)
        if value is None:
            first = parameter.values[0].start
            why = f"its first value is from {first}" if day < first else "its regime has ended"
            diagnostic = Diagnostic(
                "CPF-R001",
                Severity.ERROR,
                f"parameter `{name}` has no value on {day} ({why})",
                parameter.span,
                path="query.on",
                hint="see `history` in GET /v1/parameters/" + name,
            )
            raise ProblemError(EVALUATION_ERROR, diagnostic.message, [diagnostic])
        data["on"] = value
    return JSONResponse(data)


@router.get(
    "/legal-refs",
    tags=["rules"],
    summary="List the legal references (articles and texts)",
    responses=responses(
        "Every article of legal_refs/ with its number of versions.",
        {"type": "object", "properties": {"legal_refs": {"type": "array", "items": ref("LegalRefSummary")}}},
    ),
)
def list_legal_refs(request: Request) -> JSONResponse:
    return JSONResponse({"legal_refs": state_of(request).catalogue.legal_ref_list()})


@router.get(
    "/legal-refs/{ref_id}",
    tags=["rules"],
    summary="One legal reference (e.g. CT:L6323-11): its versions, and the one in force on a date",
    responses=responses("The article's versions and the rules citing it.", ref("LegalRef"), 404, 422),
)
def get_legal_ref(request: Request, ref_id: str, on: Annotated[str | None, _ON] = None) -> JSONResponse:
    state = state_of(request)
    day = _day(on)
    data = state.catalogue.legal_ref(ref_id, day)
    if data is None:
        raise _not_found("legal reference", ref_id, state.rules.registry.articles, "GET /v1/legal-refs lists them")
    return JSONResponse(data)


@router.get(
    "/schema/facts",
    tags=["schema"],
    summary="The JSON Schema of a facts document, generated from the rules' inputs",
    responses=responses("JSON Schema draft 2020-12.", {"type": "object"}, media_type="application/schema+json"),
)
def facts_schema(request: Request) -> JSONResponse:
    return JSONResponse(state_of(request).rules.facts_schema(), media_type="application/schema+json")


@router.get(
    "/health",
    tags=["service"],
    summary="Liveness, the rule set served and the limits",
    responses=responses("The service is up; its rules checked at start.", ref("Health")),
)
def health(request: Request) -> JSONResponse:
    state = state_of(request)
    limits = state.limits
    return JSONResponse(
        {
            "status": "ok",
            "rules_fingerprint": state.rules.fingerprint,
            "limits": {
                "max_body_bytes": limits.max_body_bytes,
                "max_holders": limits.max_holders,
                "max_questions": limits.max_questions,
                "max_steps": limits.max_steps,
            },
        }
    )


@router.get(
    "/version",
    tags=["service"],
    summary="Engine version and rule-set fingerprint",
    responses=responses("What produced the answers: put it next to stored results.", ref("Version")),
)
def version(request: Request) -> JSONResponse:
    rules = state_of(request).rules
    data: dict[str, Any] = {
        "engine_version": __version__,
        "api_version": "v1",
        "rules_fingerprint": rules.fingerprint,
        "rule_files": len(rules.sources),
        "rules": len(rules.rules),
        "parameters": len(rules.parameters),
        "inputs": len(rules.inputs),
        "legal_refs": len(rules.registry.articles),
    }
    return JSONResponse(data)
