"""Fuzzing the HTTP API (``cpf serve``) with hypothesis through Starlette's TestClient.

Bodies: valid requests built from the facts generator of test_fuzz_facts.py, then
corrupted (fields removed, replaced, added; questions mangled), random JSON values,
raw text and bytes, wrong content types, deep nesting; paths with random names. The
only acceptable answers: a 2xx with a result, or a 4xx ``application/problem+json``
whose diagnostics carry stable codes. Never a 5xx.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import TRIED, fuzz_settings
from test_fuzz_facts import JUNK, _to_json, corrupted

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from cpf_rules.http.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

QUESTIONS = ["balance(2024)", "credit(2019)", "hours_balance(2018)", "converted_amount(2019-01-01)", "credit(0000)"]
PATHS = ["/v1/evaluate", "/v1/explain", "/v1/evaluate/batch"]


@functools.cache
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """A path, a body and a content type."""
    path = draw(st.sampled_from(PATHS))
    questions: Any = draw(
        st.lists(
            st.sampled_from([*QUESTIONS, "", "balance(", "nope(2024)", "balance(2024-01-01)", "x" * 300]), max_size=4
        )
    )
    facts = _to_json(draw(corrupted()))
    body: Any = {"questions": questions}
    if path.endswith("batch"):
        body["holders"] = [facts] * draw(st.integers(0, 3))
    else:
        body["facts"] = facts
    for key in draw(st.lists(st.sampled_from(["trace", "as_of", "max_steps", "lang", "format", "extra"]), max_size=2)):
        body[key] = draw(st.one_of(JUNK.map(_to_json), st.sampled_from([True, "2024-01-01", 1, 10**9, "en"])))
    if draw(st.integers(0, 4)) == 0:
        body = _to_json(draw(JUNK))
    text = json.dumps(body, default=str)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    elif kind == 1:
        return path, draw(st.binary(max_size=64)), "application/json"
    elif kind == 2:
        text = "[" * 10_000 + "]" * 10_000
    content_type = draw(
        st.sampled_from(["application/json"] * 6 + ["text/plain", "application/x-www-form-urlencoded", ""])
    )
    return path, text.encode("utf-8"), content_type


def _assert_answer(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), response.headers
        problem = response.json()
        for diagnostic in problem.get("diagnostics", []):
            assert diagnostic["code"].startswith("CPF-"), diagnostic


@fuzz_settings(50)
@given(bodies())
def test_http_bodies_never_give_a_server_error(request: tuple[str, bytes, str]) -> None:
    path, content, content_type = request
    TRIED["HTTP request bodies"] += 1
    headers = {"content-type": content_type} if content_type else {}
    _assert_answer(client().post(path, content=content, headers=headers))


@fuzz_settings(25)
@given(
    st.sampled_from(["/v1/rules/", "/v1/parameters/", "/v1/legal-refs/"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.sampled_from(["", "?on=2024-01-01", "?on=2019-02-30", "?on=x", "?format=html"]),
)
def test_http_paths_never_give_a_server_error(prefix: str, name: str, query: str) -> None:
    from urllib.parse import quote

    TRIED["HTTP paths"] += 1
    _assert_answer(client().get(prefix + quote(name, safe="") + query))
