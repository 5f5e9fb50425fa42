"""JSON Schemas of the HTTP API's responses and requests, as OpenAPI components.

A surface helper. The responses are the renderers' JSON (``render/json.py``: a value is
``{"value": "217.80", "type": "money", "unit": "EUR"}``, decimals as strings), so their
schemas are written here by hand and checked against real responses by the contract
test (schemathesis) and the endpoint tests. The request bodies reuse
:mod:`cpf_rules.http.bodies` (the schemas the server validates with, limits included),
and ``Facts`` is the rule set's generated facts schema.
"""

from __future__ import annotations

from typing import Any

from ..model import RuleSet
from . import bodies
from .limits import Limits
from .problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _object(properties: dict[str, Any], required: list[str] | None = None, closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    schema["required"] = list(properties) if required is None else required
    if closed:
        schema["additionalProperties"] = False
    return schema


_LOCATION = _object(
    {
        "file": _TEXT,
        "line": {"type": "integer"},
        "column": {"type": "integer"},
        "end_line": {"type": "integer"},
        "end_column": {"type": "integer"},
    }
)

_VALUE = _object(
    {
        "type": {"type": ["string", "null"], "description": "money, hours, days, decimal, date, boolean, an enum…"},
        "value": {
            "type": ["string", "boolean", "integer", "null"],
            "description": "Numbers as decimal strings (exact); dates as YYYY-MM-DD; null when absent.",
        },
        "unit": {"type": "string", "description": "EUR, h, days, EUR/h…"},
        "exact": {"type": "string", "description": "The exact fraction when the decimal is not exact (1/3)."},
    },
    required=["type", "value"],
)

_DIAGNOSTIC = _object(
    {
        "code": {"type": "string", "pattern": "^CPF-[A-Z][0-9]{3}$", "examples": ["CPF-F101"]},
        "severity": {"enum": ["error", "warning"]},
        "message": _TEXT,
        "location": ref("Location"),
        "path": {"type": "string", "description": "JSON path of the bad field: $.facts.years[0].worked_hours"},
        "pointer": {"type": "string", "description": "The same place as a JSON Pointer (RFC 6901)."},
        "expected": _TEXT,
        "found": _TEXT,
        "hint": _TEXT,
        "suggestions": {"type": "array", "items": _TEXT},
    },
    required=["code", "severity", "message"],
)

_PROBLEM = _object(
    {
        "type": {"type": "string", "enum": [p.uri for p in PROBLEM_TYPES]},
        "title": _TEXT,
        "status": {"type": "integer"},
        "detail": _TEXT,
        "instance": _TEXT,
        "code": {"type": "string", "description": "Code of the first diagnostic."},
        "errors": {"type": "array", "items": ref("Diagnostic")},
        "limit": {"type": "integer", "description": "The limit that was exceeded (content-too-large)."},
        "answers": {"type": "array", "items": ref("Answer"), "description": "evaluation-error: every answer."},
        "provenance": ref("Provenance"),
    },
    required=["type", "title", "status", "detail", "errors"],
)

_CITED = _object(
    {
        "article": _TEXT,
        "locator": _NULLABLE_TEXT,
        "on": _DATE,
        "status": {"enum": ["in_force", "not_yet", "ended", "gap"]},
        "version": _NULLABLE_DATE,
    }
)

_TRACE_STEP = _object(
    {
        "kind": _TEXT,
        "name": _TEXT,
        "label": _NULLABLE_TEXT,
        "period": _NULLABLE_TEXT,
        "value": ref("Value"),
        "location": {"oneOf": [ref("Location"), {"type": "null"}]},
        "branch": _TEXT,
        "applies": {"type": "boolean"},
        "detail": _TEXT,
        "citations": {"type": "array", "items": ref("TraceCitation")},
        "flags": {"type": "array", "items": ref("Flag")},
        "decisions": {
            "type": "array",
            "items": _object({"condition": _TEXT, "taken": {"type": "boolean"}, "location": ref("Location")}),
        },
        "children": {"type": "array", "items": ref("TraceNode")},
    },
    required=["kind", "name", "label", "period", "value", "location"],
)

_TRACE_REF = _object(
    {
        "kind": _TEXT,
        "ref": {"type": "string", "description": "A step shown earlier in this trace."},
        "value": ref("Value"),
    }
)

_ARTICLE_VERSION = _object(
    {
        "in_force_from": _DATE,
        "in_force_to": _NULLABLE_DATE,
        "amended_by": _TEXT,
        "url": _TEXT,
        "confidence": {"type": "string", "description": "P primary, O official secondary, S secondary, U unverified"},
        "text": _TEXT,
        "summary": _TEXT,
        "note": _TEXT,
    },
    required=["in_force_from", "in_force_to", "amended_by", "url", "confidence"],
)

_PROVENANCE = _object(
    {"rules_fingerprint": _TEXT, "engine_version": _TEXT, "facts_sha256": _TEXT, "as_of": _DATE, "replay": _TEXT},
    required=["rules_fingerprint", "engine_version", "facts_sha256", "as_of"],
)

_ANSWER = {
    "oneOf": [
        _object(
            {"question": _TEXT, "result": ref("Value"), "trace": ref("TraceNode")}, required=["question", "result"]
        ),
        _object({"question": _TEXT, "error": ref("Diagnostic")}),
    ]
}

_RESULT = _object(
    {
        "answers": {"type": "array", "items": ref("Answer")},
        "articles": {
            "type": "object",
            "description": "Articles cited by the traces, with the versions in force on the dates used.",
            "additionalProperties": _object(
                {
                    "title": _NULLABLE_TEXT,
                    "source": _NULLABLE_TEXT,
                    "versions": {"type": "object", "additionalProperties": ref("ArticleVersion")},
                }
            ),
        },
        "warnings": {"type": "array", "items": ref("Diagnostic")},
        "provenance": ref("Provenance"),
    }
)

_BATCH_ITEM = {
    "oneOf": [
        _object(
            {
                "index": {"type": "integer"},
                "id": _NULLABLE_TEXT,
                "status": {"const": 200},
                **_RESULT["properties"],
            }
        ),
        _object(
            {"index": {"type": "integer"}, "id": _NULLABLE_TEXT, "status": {"const": 422}, "problem": ref("Problem")}
        ),
    ]
}

_BATCH = _object(
    {
        "results": {"type": "array", "items": ref("BatchItem")},
        "count": {"type": "integer"},
        "failed": {"type": "integer", "description": "Holders whose facts or evaluation failed (status 422)."},
    }
)

_TYPE_MEMBERS = {"type": _TEXT, "unit": {"type": ["string", "null"]}}
_RULE_SUMMARY = _object(
    {
        "name": _TEXT,
        "label": _NULLABLE_TEXT,
        "period": {"enum": ["year", "date", None], "description": "What the question's period is."},
        **_TYPE_MEMBERS,
        "location": ref("Location"),
    }
)
_CITATION = _object({"article": _TEXT, "locator": _NULLABLE_TEXT, "title": _NULLABLE_TEXT, "location": ref("Location")})
_FLAG = _object({"kind": {"enum": ["uncertain", "interpretation"]}, "text": _TEXT, "location": ref("Location")})
_NAMES = {"type": "array", "items": _TEXT}
_CITATIONS = {"type": "array", "items": ref("Citation")}
_FLAGS = {"type": "array", "items": ref("Flag")}
_RULE_DETAIL = _object(
    {
        **_RULE_SUMMARY["properties"],
        "formula": {"type": "string", "description": "The default formula as written in the rule file."},
        "source": {"type": "string", "description": "The whole declaration, exceptions included."},
        "citations": _CITATIONS,
        "flags": _FLAGS,
        "exceptions": {
            "type": "array",
            "items": _object(
                {
                    "name": _TEXT,
                    "label": _NULLABLE_TEXT,
                    "condition": _TEXT,
                    "formula": _TEXT,
                    "citations": _CITATIONS,
                    "flags": _FLAGS,
                    "location": ref("Location"),
                }
            ),
        },
        "dependencies": _object({"rules": _NAMES, "parameters": _NAMES, "inputs": _NAMES}),
        "used_by": _NAMES,
    }
)
_PARAMETER_SUMMARY = _object({"name": _TEXT, "label": _NULLABLE_TEXT, **_TYPE_MEMBERS, "location": ref("Location")})
_DATED_VALUE = _object(
    {
        "from": _DATE,
        "to": {**_NULLABLE_DATE, "description": "Last day of this value (null: still in force)."},
        "value": {"oneOf": [ref("Value"), {"type": "null"}], "description": "null: the regime ended (`none`)."},
        "citations": _CITATIONS,
        "flags": _FLAGS,
        "location": ref("Location"),
    }
)
_PARAMETER_DETAIL = _object(
    {
        **_PARAMETER_SUMMARY["properties"],
        "history": {"type": "array", "items": ref("DatedValue")},
        "used_by": _NAMES,
        "on": _object({"date": _DATE, **_DATED_VALUE["properties"]}),
    },
    required=[*_PARAMETER_SUMMARY["properties"], "history", "used_by"],
)
_LEGAL_REF = _object(
    {
        "id": _TEXT,
        "source": _TEXT,
        "number": _TEXT,
        "title": _TEXT,
        "file": _TEXT,
        "versions": {"type": "array", "items": ref("ArticleVersion")},
        "cited_by": _NAMES,
        "on": _object({"date": _DATE, "version": {"oneOf": [ref("ArticleVersion"), {"type": "null"}]}}),
    },
    required=["id", "source", "number", "title", "file", "versions", "cited_by"],
)
_LEGAL_REF_SUMMARY = _object({"id": _TEXT, "title": _TEXT, "source": _TEXT, "versions": {"type": "integer"}})
_VERSION = _object(
    {
        "engine_version": _TEXT,
        "api_version": {"const": "v1"},
        "rules_fingerprint": _TEXT,
        "rule_files": {"type": "integer"},
        "rules": {"type": "integer"},
        "parameters": {"type": "integer"},
        "inputs": {"type": "integer"},
        "legal_refs": {"type": "integer"},
    }
)
_LIMITS = _object(
    {
        "max_body_bytes": {"type": "integer"},
        "max_holders": {"type": "integer"},
        "max_questions": {"type": "integer"},
        "max_steps": {"type": "integer"},
    }
)
_HEALTH = _object({"status": {"const": "ok"}, "rules_fingerprint": _TEXT, "limits": ref("Limits")})


def components(rules: RuleSet, limits: Limits) -> dict[str, Any]:
    """Every schema the OpenAPI document names, by component name."""
    facts = {key: value for key, value in rules.facts_schema().items() if key != "$schema"}
    return {
        "Facts": facts,
        "EvaluateRequest": bodies.evaluate_schema(limits, bodies.FACTS_REF),
        "ExplainRequest": bodies.explain_schema(limits, bodies.FACTS_REF),
        "BatchRequest": bodies.batch_schema(limits, bodies.FACTS_REF),
        "Location": _LOCATION,
        "Value": _VALUE,
        "Diagnostic": _DIAGNOSTIC,
        "Problem": _PROBLEM,
        "TraceCitation": _CITED,
        "Flag": _FLAG,
        "TraceNode": {"oneOf": [_TRACE_STEP, _TRACE_REF]},
        "ArticleVersion": _ARTICLE_VERSION,
        "Provenance": _PROVENANCE,
        "Answer": _ANSWER,
        "EvaluateResponse": _RESULT,
        "BatchItem": _BATCH_ITEM,
        "BatchResponse": _BATCH,
        "Citation": _CITATION,
        "RuleSummary": _RULE_SUMMARY,
        "RuleDetail": _RULE_DETAIL,
        "ParameterSummary": _PARAMETER_SUMMARY,
        "DatedValue": _DATED_VALUE,
        "ParameterDetail": _PARAMETER_DETAIL,
        "LegalRef": _LEGAL_REF,
        "LegalRefSummary": _LEGAL_REF_SUMMARY,
        "Version": _VERSION,
        "Limits": _LIMITS,
        "Health": _HEALTH,
    }


def json_content(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {"content": {media_type: {"schema": schema}}}


def request_body(name: str) -> dict[str, Any]:
    """``openapi_extra`` for a route whose body the route parses itself."""
    return {"requestBody": {"required": True, **json_content(ref(name))}}


def problem(description: str) -> dict[str, Any]:
    return {"description": description, **json_content(ref("Problem"), PROBLEM_MEDIA_TYPE)}


def responses(
    ok: str, schema: dict[str, Any], *problems: int, media_type: str = "application/json"
) -> dict[int | str, Any]:
    """The documented responses of a route: its 200, the problems it can answer, a default."""
    described = {
        400: "The body is not JSON (invalid-json).",
        404: "No such resource (not-found).",
        406: "The format asked for is not available (not-acceptable).",
        413: "The body is larger than the server accepts (content-too-large).",
        415: "The body is not declared as JSON (unsupported-media-type).",
        422: "The request, the facts, a question or the evaluation is wrong "
        "(invalid-request, invalid-facts, invalid-question, evaluation-error, limit-exceeded).",
    }
    table: dict[int | str, Any] = {200: {"description": ok, **json_content(schema, media_type)}}
    for status in problems:
        table[status] = problem(described[status])
    table["default"] = problem("Any other failure (method-not-allowed, internal-error), as problem+json.")
    return table
