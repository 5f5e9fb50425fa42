"""Request bodies of the HTTP API: their JSON Schemas, validation and typed form.

A surface helper. The bodies are parsed by the project's JSON loader
(:func:`cpf_rules.yaml_io.load_json_text`: decimals stay exact, duplicate keys and NaN
are refused), never by a float-producing parser. The envelope (``questions``,
``as_of``, ``trace``, ``max_steps``, ``holders``) is validated here against the same
JSON Schemas that the OpenAPI document publishes, with the server's limits written in
them (``maxItems``, ``maximum``); the facts inside are validated by the rule set's
:class:`~cpf_rules.facts.FactsReader`, whose diagnostics (CPF-F…) are relocated under
``$.facts`` or ``$.holders[i].facts``.
"""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jsonschema

from ..diagnostics import Diagnostic, did_you_mean, suggest
from ..yaml_io import YamlError, load_json_text
from .limits import Limits, empty_body
from .problems import INVALID_JSON, INVALID_REQUEST, LIMIT_EXCEEDED, ProblemError, http_diagnostic, summary

FACTS_REF = {"$ref": "#/components/schemas/Facts"}
_DATE = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "x-cpf-expected": "a date written YYYY-MM-DD",
}


def _common(limits: Limits) -> dict[str, Any]:
    return {
        "questions": {
            "type": "array",
            "minItems": 1,
            "maxItems": limits.max_questions,
            "items": {"type": "string", "minLength": 1, "maxLength": 200, "x-cpf-expected": "a question"},
            "description": "Rules or parameters with their period: `balance(2024)`, `credit(2019)`, "
            "`converted_amount(2019-01-01)`.",
            "examples": [["balance(2024)", "credit(2019)"]],
            "x-cpf-expected": 'a list of questions such as "balance(2024)"',
        },
        "as_of": {
            **_DATE,
            "description": "Date on which the citations of rules without a period are read (default: today).",
        },
        "max_steps": {
            "type": "integer",
            "minimum": 1,
            "maximum": limits.max_steps,
            "description": f"Evaluation step budget for one holder, all questions together "
            f"(default and maximum: {limits.max_steps:,}).",
            "x-cpf-expected": "a whole number of steps",
        },
    }


def _trace_field() -> dict[str, Any]:
    return {"type": "boolean", "default": False, "description": "Return the trace of each answer."}


def evaluate_schema(limits: Limits, facts: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/evaluate``: one holder's facts and the questions."""
    return {
        "type": "object",
        "title": "EvaluateRequest",
        "additionalProperties": False,
        "required": ["facts", "questions"],
        "properties": {"facts": facts, **_common(limits), "trace": _trace_field()},
    }


def explain_schema(limits: Limits, facts: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/explain``: as ``evaluate``, the trace always included; ``lang`` for HTML."""
    return {
        "type": "object",
        "title": "ExplainRequest",
        "additionalProperties": False,
        "required": ["facts", "questions"],
        "properties": {
            "facts": facts,
            **_common(limits),
            "lang": {
                "enum": ["fr", "en"],
                "default": "fr",
                "description": "Language of the words the HTML report adds (labels stay French).",
                "x-cpf-expected": "fr or en",
            },
        },
    }


def batch_schema(limits: Limits, facts: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/evaluate/batch``: several holders, the same questions for each."""
    holder = {
        "type": "object",
        "additionalProperties": False,
        "required": ["facts"],
        "properties": {
            "id": {
                "type": "string",
                "maxLength": 200,
                "description": "Your identifier, echoed in the result.",
                "x-cpf-expected": "a text",
            },
            "facts": facts,
        },
        "x-cpf-expected": "an object with `facts` (and an optional `id`)",
    }
    return {
        "type": "object",
        "title": "BatchRequest",
        "additionalProperties": False,
        "required": ["holders", "questions"],
        "properties": {
            "holders": {
                "type": "array",
                "minItems": 1,
                "maxItems": limits.max_holders,
                "items": holder,
                "x-cpf-expected": "a list of holders",
            },
            **_common(limits),
            "trace": _trace_field(),
        },
    }


@dataclass(frozen=True, slots=True)
class Holder:
    id: str | None
    facts: Any
    path: str  # where its facts are in the body: $.facts or $.holders[3].facts


@dataclass(frozen=True, slots=True)
class EvaluationBody:
    """A validated request: holders (one for evaluate/explain), questions and options."""

    holders: tuple[Holder, ...]
    questions: tuple[str, ...]
    as_of: datetime.date | None
    trace: bool
    max_steps: int
    lang: str


def _is_number(checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, Decimal):
        return instance.is_finite()
    return isinstance(instance, int)


def _is_integer(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": _is_number, "integer": _is_integer}
    ),
)


def _path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _found(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        text = str(value)
        return f"the number {text}" if len(text) <= 40 else f"a number written with {len(text):,} characters"
    if isinstance(value, str):
        return f'the text "{value[:60]}"' + ("…" if len(value) > 60 else "")
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return "a value"


_LIMIT_CODES = {
    ("maxItems", "holders"): "CPF-H302",
    ("maxItems", "questions"): "CPF-H303",
    ("maximum", "max_steps"): "CPF-H304",
}
"""Schema keywords that are the server's limits: their own codes and the limit-exceeded type."""


def _wanted(error: jsonschema.ValidationError, expected: str | None) -> str:
    """What the schema wanted, in words."""
    bound = error.validator_value
    if error.validator == "type":
        return expected or f"a value of JSON type {bound}"
    if error.validator in ("minItems", "maxItems"):
        return f"{'at least' if error.validator == 'minItems' else 'at most'} {bound} item(s)"
    if error.validator == "minLength":
        return "a text that is not empty"
    if error.validator == "maxLength":
        return f"a text of at most {bound} characters"
    if error.validator in ("minimum", "maximum"):
        return f"{expected or 'a number'}, {'at least' if error.validator == 'minimum' else 'at most'} {bound}"
    if error.validator == "pattern":
        return expected or f"a text matching {bound}"
    if error.validator == "enum" and isinstance(bound, list):
        return expected or "one of: " + ", ".join(map(str, bound))
    return expected or error.message


def _diagnostics_for(error: jsonschema.ValidationError) -> list[Diagnostic]:
    path = _path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-cpf-expected")
    field = error.absolute_path[-1] if error.absolute_path else None
    limit_code = _LIMIT_CODES.get((str(error.validator), str(field)))
    if limit_code is not None:
        return [
            http_diagnostic(
                limit_code,
                f"{path} goes past the limit of this server",
                path=path,
                expected=f"at most {error.validator_value:,}" + (" items" if error.validator == "maxItems" else ""),
                found=_found(error.instance),
                hint="split the request" if error.validator == "maxItems" else "ask for a smaller budget",
            )
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(schema.get("properties", {}))
        problems = []
        for name in sorted((k for k in error.instance if k not in known), key=str):
            suggestions = suggest(str(name), known)
            problems.append(
                http_diagnostic(
                    "CPF-H101",
                    f"unknown field `{name}` in {path}",
                    path=f"{path}.{name}",
                    expected="one of: " + ", ".join(known),
                    hint=did_you_mean(suggestions) or "remove it",
                    suggestions=suggestions,
                )
            )
        return problems
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        field_schema = schema.get("properties", {}).get(missing, {})
        return [
            http_diagnostic(
                "CPF-H101",
                f"missing field `{missing}`",
                path=f"{path}.{missing}",
                expected=field_schema.get("x-cpf-expected") or "a facts document (an object)",
                hint=f"add `{missing}` to {path}",
            )
        ]
    wanted = _wanted(error, expected)
    return [
        http_diagnostic("CPF-H101", f"{path} is not valid", path=path, expected=wanted, found=_found(error.instance))
    ]


MAX_NESTING = 64
"""Deepest nesting of arrays and objects in a body (a batch needs 7 levels)."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text, without parsing it (no recursion).

    >>> nesting('{"a": [1, {"b": "[[["}]}'), nesting("[]"), nesting("1")
    (3, 1, 0)
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub('""', text))
    return max(itertools.accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def _too_deep(depth: int) -> ProblemError:
    diagnostic = http_diagnostic(
        "CPF-H305",
        "the request body nests arrays and objects too deeply",
        path="$",
        expected=f"at most {MAX_NESTING} levels",
        found=f"{depth:,} levels",
        hint="a facts document needs about 4 levels, a batch about 7",
    )
    return ProblemError(LIMIT_EXCEEDED, diagnostic.message, [diagnostic])


def parse_json(text: str) -> Any:
    """The body as JSON with exact decimals; a 400 ``invalid-json`` problem otherwise."""
    if not text.strip():
        raise ProblemError(INVALID_JSON, "the request body is empty", [empty_body()])
    depth = nesting(text)
    if depth > MAX_NESTING:
        raise _too_deep(depth)
    try:
        return load_json_text(text, "request body")
    except YamlError as error:
        raise ProblemError(INVALID_JSON, error.diagnostic.message, [error.diagnostic]) from None
    except RecursionError:  # not reached after the nesting check; never a 500 all the same
        raise _too_deep(depth) from None


def validate(document: Any, schema: dict[str, Any]) -> None:
    """Check the envelope against its schema; a 422 problem lists every mistake."""
    errors = sorted(
        _Validator(schema).iter_errors(document),
        key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)),
    )
    problems = [d for e in errors for d in _diagnostics_for(e)]
    if isinstance(document, dict) and isinstance(document.get("as_of"), str) and not problems:
        try:
            datetime.date.fromisoformat(document["as_of"])
        except ValueError:
            problems.append(
                http_diagnostic(
                    "CPF-H101",
                    "$.as_of is not a calendar date",
                    path="$.as_of",
                    expected="a date that exists, written YYYY-MM-DD",
                    found=_found(document["as_of"]),
                )
            )
    if problems:
        limit = all(d.code in ("CPF-H302", "CPF-H303", "CPF-H304") for d in problems)
        kind = LIMIT_EXCEEDED if limit else INVALID_REQUEST
        raise ProblemError(kind, summary(problems, "the request"), problems)


def read_evaluation_body(text: str, schema: dict[str, Any], limits: Limits) -> EvaluationBody:
    """Parse and validate an evaluate, explain or batch body (batch when it has ``holders``)."""
    document = parse_json(text)
    validate(document, schema)
    assert isinstance(document, dict)
    if "holders" in document:
        holders = tuple(
            Holder(item.get("id"), item["facts"], f"$.holders[{index}].facts")
            for index, item in enumerate(document["holders"])
        )
    else:
        holders = (Holder(None, document["facts"], "$.facts"),)
    as_of = document.get("as_of")
    return EvaluationBody(
        holders=holders,
        questions=tuple(document["questions"]),
        as_of=datetime.date.fromisoformat(as_of) if as_of is not None else None,
        trace=bool(document.get("trace", False)),
        max_steps=int(document.get("max_steps", limits.max_steps)),
        lang=str(document.get("lang", "fr")),
    )
