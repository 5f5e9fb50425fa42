"""Limits of the HTTP API, and the reading of a request body within them.

A surface helper. Every limit has a documented default (README, "HTTP API") and a
precise problem when a request goes past it:

- the body size (``max_body_bytes``): 413 ``content-too-large`` (CPF-H413), checked on
  ``Content-Length`` before reading and again while reading (chunked bodies);
- the holders of a batch (``max_holders``) and the questions of a request
  (``max_questions``): 422 ``limit-exceeded`` (CPF-H302, CPF-H303);
- the nesting of arrays and objects in a body (64 levels,
  :data:`cpf_rules.http.bodies.MAX_NESTING`): 422 ``limit-exceeded`` (CPF-H305), checked
  before parsing, so that no body can exhaust the parser's recursion;
- the evaluation step budget (``max_steps``, all the questions of one holder together):
  a request may ask for less (``"max_steps": N``), more is 422 ``limit-exceeded``
  (CPF-H304); an evaluation that spends it stops with the engine's CPF-R007.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ..diagnostics import Diagnostic
from .problems import CONTENT_TOO_LARGE, INVALID_JSON, UNSUPPORTED_MEDIA_TYPE, ProblemError, http_diagnostic


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may ask. The defaults suit a shared service on a small machine."""

    max_body_bytes: int = 1_048_576
    """Largest request body (1 MiB: a 40-year career with a few hundred ledger lines is ~10 KiB)."""
    max_holders: int = 100
    """Holders in one ``POST /v1/evaluate/batch``."""
    max_questions: int = 50
    """Questions in one request (asked of each holder in a batch)."""
    max_steps: int = 200_000
    """Evaluation steps for one holder, all questions together (``balance(2024)`` of the
    bundled full-time employee takes about 3,800 steps, some 50 ms; 200,000 is a few seconds)."""

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_holders", "max_questions", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


def _too_large(limit: int, found: str) -> ProblemError:
    return ProblemError(
        CONTENT_TOO_LARGE,
        f"the request body is larger than this server accepts ({limit:,} bytes)",
        [
            http_diagnostic(
                "CPF-H413",
                "the request body is too large",
                path="$",
                expected=f"at most {limit:,} bytes",
                found=found,
                hint="send fewer holders per batch, or split the request",
            )
        ],
        extra={"limit": limit},
    )


def _check_media_type(request: Request) -> None:
    content_type = request.headers.get("content-type")
    if content_type is None:
        return  # curl without -H, scripts: read the body as JSON anyway
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return
    raise ProblemError(
        UNSUPPORTED_MEDIA_TYPE,
        f"the request body is sent as {media_type or 'an empty media type'}; this endpoint reads JSON",
        [
            http_diagnostic(
                "CPF-H415",
                "the request body is not declared as JSON",
                expected="Content-Type: application/json",
                found=f"Content-Type: {content_type}",
                hint="send the header `Content-Type: application/json` (curl: -H 'Content-Type: application/json')",
            )
        ],
    )


async def read_body(request: Request, limit: int) -> str:
    """The body as text, refused past ``limit`` bytes, not JSON-typed, or not UTF-8."""
    _check_media_type(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(limit, f"Content-Length: {int(declared):,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit, f"more than {limit:,} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemError(
            INVALID_JSON,
            "the request body is not UTF-8 text",
            [
                http_diagnostic(
                    "CPF-H001",
                    f"the request body is not UTF-8 text (byte {error.start})",
                    path="$",
                    expected="JSON encoded in UTF-8",
                    found=f"the byte 0x{data[error.start]:02x} at offset {error.start}",
                )
            ],
        ) from None


def empty_body() -> Diagnostic:
    return http_diagnostic(
        "CPF-H001",
        "the request body is empty",
        path="$",
        expected="a JSON object",
        found="no content",
        hint='send e.g. {"facts": {...}, "questions": ["balance(2024)"]}',
    )
