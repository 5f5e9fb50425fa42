"""Contract test: schemathesis generates requests from the app's own OpenAPI document
(valid and invalid bodies, paths and query parameters) and runs them in-process.

It must find no 5xx, no undocumented status or media type, and no response that breaks
the documented schema; schema-violating requests must be rejected. Bounded: 25 examples
per read operation, 10 per evaluation operation (each draws a facts document from the
generated schema and evaluates it), no deadline per example: about 20 s of CPU in all.
Schema-valid requests may still be refused with a 422 (an unknown question, a date that
does not exist, a step budget too small): the facts schema cannot say everything the
rules check, so "positive data acceptance" is not one of the checks.
"""

from __future__ import annotations

import sys

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cpf_rules.evaluate import MAX_DEPTH
from cpf_rules.http import Limits, create_app

# The evaluator raises the recursion limit on first use; raise it before hypothesis
# records it, so that hypothesis does not warn that it changed during a test.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * MAX_DEPTH))

# Smaller batches than the defaults keep the run short; the limits are part of the schema.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(limits=Limits(max_holders=5, max_questions=5)))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


reading = schema.include(method="GET")
evaluating = schema.include(method="POST")


@reading.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_read_endpoints_follow_the_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@evaluating.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_evaluation_endpoints_follow_the_openapi_document(case: schemathesis.Case) -> None:
    """Each example evaluates facts drawn from the generated facts schema (slower)."""
    case.call_and_validate(checks=CHECKS)
