"""Errors of the HTTP API as ``application/problem+json`` documents (RFC 9457).

A surface helper: every failure of a request, whatever the layer that found it, becomes
one :class:`Problem` with a stable ``type`` (a ``tag:`` URI, one per kind of failure),
a ``title``, the HTTP ``status``, a ``detail`` sentence, the ``instance`` (the request
path), the first diagnostic ``code`` and the ``errors``: the same diagnostics as the CLI
(``CPF-F…`` facts, ``CPF-Q…`` questions, ``CPF-R…`` evaluation), each with the JSON
path of the bad field (``$.facts.years[0].worked_hours``) and its JSON Pointer
(``/facts/years/0/worked_hours``). Nothing internal (a traceback, a Python type, a file
of the server) is ever written into a problem.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic, Severity

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "tag:cpf-rules,2026:problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One kind of failure: its stable URI suffix, HTTP status and title."""

    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        return TYPE_PREFIX + self.slug


INVALID_JSON = ProblemType("invalid-json", 400, "The request body is not valid JSON")
NOT_FOUND = ProblemType("not-found", 404, "No such resource")
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", 405, "Method not allowed on this resource")
NOT_ACCEPTABLE = ProblemType("not-acceptable", 406, "The requested format is not available")
CONTENT_TOO_LARGE = ProblemType("content-too-large", 413, "The request body is too large")
UNSUPPORTED_MEDIA_TYPE = ProblemType("unsupported-media-type", 415, "The request body must be JSON")
INVALID_REQUEST = ProblemType("invalid-request", 422, "The request does not follow its schema")
LIMIT_EXCEEDED = ProblemType("limit-exceeded", 422, "The request asks for more than this server allows")
INVALID_FACTS = ProblemType("invalid-facts", 422, "The facts document is not valid")
INVALID_QUESTION = ProblemType("invalid-question", 422, "A question cannot be asked")
EVALUATION_ERROR = ProblemType("evaluation-error", 422, "A question could not be answered")
INTERNAL_ERROR = ProblemType("internal-error", 500, "Internal error of the server")
HTTP_ERROR = ProblemType("http-error", 400, "The HTTP request cannot be served")
"""Any other refusal of the HTTP layer (its status is the one the layer chose)."""

PROBLEM_TYPES: tuple[ProblemType, ...] = (
    INVALID_JSON,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    CONTENT_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    INVALID_FACTS,
    INVALID_QUESTION,
    EVALUATION_ERROR,
    INTERNAL_ERROR,
    HTTP_ERROR,
)


class ProblemError(Exception):
    """Raised by the routes; the app turns it into a problem+json response."""

    def __init__(
        self,
        kind: ProblemType,
        detail: str,
        diagnostics: Sequence[Diagnostic] = (),
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.kind = kind
        self.detail = detail
        self.diagnostics = tuple(diagnostics)
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(detail)


def http_diagnostic(
    code: str,
    message: str,
    path: str | None = None,
    expected: str | None = None,
    found: str | None = None,
    hint: str | None = None,
    suggestions: tuple[str, ...] = (),
) -> Diagnostic:
    """A diagnostic of the HTTP layer (codes ``CPF-H…``)."""
    return Diagnostic(
        code, Severity.ERROR, message, path=path, expected=expected, found=found, hint=hint, suggestions=suggestions
    )


_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def json_pointer(path: str | None) -> str | None:
    """The JSON Pointer (RFC 6901) of a ``$.a.b[0]`` path; None for other locations.

    >>> json_pointer("$.facts.years[0].worked_hours")
    '/facts/years/0/worked_hours'
    >>> json_pointer("$") , json_pointer("query.on")
    ('', None)
    """
    if path is None or not path.startswith("$"):
        return None
    parts: list[str] = []
    rest = path[1:]
    position = 0
    for match in _PATH_PART.finditer(rest):
        if match.start() != position:
            return None
        position = match.end()
        name = match.group(1) if match.group(1) is not None else match.group(2)
        parts.append(name.replace("~", "~0").replace("/", "~1"))
    if position != len(rest):
        return None
    return "".join("/" + p for p in parts)


_ROOT = re.compile(r"\$(?=[.\[])")


def relocate(diagnostics: Sequence[Diagnostic], prefix: str) -> tuple[Diagnostic, ...]:
    """Facts diagnostics say ``$.years[0]``; in a request body they are at ``prefix.years[0]``.

    >>> from cpf_rules.diagnostics import Severity
    >>> moved = relocate([Diagnostic("CPF-F101", Severity.ERROR, "$.years[0].year is wrong", path="$.years[0].year")],
    ...                  "$.facts")
    >>> moved[0].path, moved[0].message
    ('$.facts.years[0].year', '$.facts.years[0].year is wrong')
    """
    moved = []
    for diagnostic in diagnostics:
        path = diagnostic.path
        if path is not None and path.startswith("$"):
            path = prefix + path[1:]
        message = _ROOT.sub(lambda _: prefix, diagnostic.message)
        hint = _ROOT.sub(lambda _: prefix, diagnostic.hint) if diagnostic.hint else diagnostic.hint
        moved.append(dataclasses.replace(diagnostic, path=path, message=message, hint=hint))
    return tuple(moved)


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    """The CLI's JSON form of a diagnostic, plus its JSON Pointer when it has a JSON path."""
    data = diagnostic.to_json()
    pointer = json_pointer(diagnostic.path)
    if pointer is not None:
        data["pointer"] = pointer
    return data


def problem_body(
    kind: ProblemType,
    detail: str,
    instance: str | None,
    diagnostics: Sequence[Diagnostic] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem document: RFC 9457 members, then ``code`` and ``errors`` (extensions)."""
    body: dict[str, Any] = {"type": kind.uri, "title": kind.title, "status": kind.status, "detail": detail}
    if instance is not None:
        body["instance"] = instance
    if diagnostics:
        body["code"] = diagnostics[0].code
    body["errors"] = [diagnostic_json(d) for d in diagnostics]
    body.update(extra or {})
    return body


def summary(diagnostics: Sequence[Diagnostic], noun: str) -> str:
    """``2 problems in the facts: first message; second message``."""
    errors = [d for d in diagnostics if d.is_error] or list(diagnostics)
    count = len(errors)
    shown = "; ".join(d.message for d in errors[:3]) + ("; …" if count > 3 else "")
    return f"{count} problem{'s' if count != 1 else ''} in {noun}: {shown}"
