"""Fuzzing facts documents: generated from the JSON Schema of the bundled rules
(``cpf schema``, ``FactsReader.schema``), then corrupted, and fed to the facts validator
and the evaluator, as parsed documents and as YAML and JSON text.

Outcomes allowed: a :class:`CpfError` whose diagnostics all carry a stable code, or a
result in which every question has a value or a CPF-R diagnostic. Never an exception.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cpf_rules import load_rules
from cpf_rules.diagnostics import CpfError
from cpf_rules.facts_diagnostics import python_validator
from fuzzing import TRIED, evaluate_outcome, fuzz_settings

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

QUESTIONS = ["balance(2024)", "hours_balance(2018)"]


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_rules().facts_schema()
    return schema


def from_schema(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid instances of the (simple) schemas the facts generator writes."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fixed = {k: from_schema(v, depth + 1) for k, v in properties.items() if k in required}
        optional = {k: from_schema(v, depth + 1) for k, v in properties.items() if k not in required}
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "array":
        items = from_schema(schema.get("items", {}), depth + 1)
        if "year" in schema.get("items", {}).get("properties", {}) and depth == 1:
            return st.lists(items, max_size=6, unique_by=lambda entry: entry.get("year"))
        return st.lists(items, max_size=4)
    if kind == "integer":
        low, high = schema.get("minimum", -(10**6)), schema.get("maximum", 10**6)
        if schema.get("x-cpf-type") == "year":
            low, high = 2013, 2026
        return st.integers(low, high)
    if kind == "number":
        low, high = schema.get("minimum", -5000), schema.get("maximum", 5000)  # a declared range: within it
        return st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "string" and schema.get("format") == "date":
        return st.dates(datetime.date(2010, 1, 1), datetime.date(2030, 12, 31)).map(datetime.date.isoformat)
    if kind == "string":
        return st.text(max_size=10)
    return st.none()


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(10**11, 10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["2019-02-30", "30/06/2019", "2019-1-1", "", "1e999", "NaN", "-1", "yes"]),
    st.builds(list),
    st.builds(dict),
    st.builds(lambda: [[[[[]]]]]),
    st.builds(lambda: {"year": 2019}),
)


@st.composite
def corrupted(draw: st.DrawFn) -> Any:
    """A valid facts document with 0 to 3 corruptions in it."""
    document = draw(from_schema(_schema()))
    for _ in range(draw(st.integers(0, 3))):
        containers: list[Any] = []
        stack: list[Any] = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, (dict, list)):
                containers.append(node)
                stack.extend(node.values() if isinstance(node, dict) else node)
        target = draw(st.sampled_from(containers))
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if isinstance(target, dict):
            keys = sorted(target, key=str)
            if action == "replace" and keys:
                target[draw(st.sampled_from(keys))] = draw(JUNK)
            elif action == "delete" and keys:
                del target[draw(st.sampled_from(keys))]
            else:
                name = draw(st.sampled_from([*keys, "worked_hours", "year", "unknown", "ledger", "yeras"]))
                target[name] = draw(JUNK)
        else:
            if action == "replace" and target:
                target[draw(st.integers(0, len(target) - 1))] = draw(JUNK)
            elif action == "delete" and target:
                del target[draw(st.integers(0, len(target) - 1))]
            elif action == "duplicate" and target:
                target.append(target[0])
            else:
                target.append(draw(JUNK))
    if draw(st.integers(0, 19)) == 0:
        return draw(JUNK)
    return document


def _check(facts: Any, target: str) -> None:
    TRIED[target] += 1
    evaluate_outcome(load_rules(), facts, QUESTIONS)


@fuzz_settings(40)
@given(corrupted())
def test_generated_and_corrupted_documents_give_values_or_diagnostics(document: Any) -> None:
    _check(document, "facts documents, generated from the schema and corrupted")


@fuzz_settings(60)
@given(corrupted())
def test_fast_validator_never_accepts_what_jsonschema_refuses(document: Any) -> None:
    """facts.py: jsonschema-rs answers first; a document it lets through must have no
    jsonschema error (the Python validator, with the project's number types)."""
    TRIED["facts documents, both validators compared"] += 1
    if not isinstance(document, dict):
        return
    reader = load_rules().facts_reader
    python_errors = list(python_validator(reader.schema).iter_errors(document))
    accepted, _ = reader._fast_accepts(document)
    if python_errors:
        assert not accepted, [e.message for e in python_errors]


def test_fast_validator_defers_to_jsonschema_on_numbers_json_reads_loosely() -> None:
    """A float, a NaN and 2019.0 for a year are valid JSON Schema numbers or integers, but
    the project reads numbers exactly (R6323-1 prorata to the cent): each is refused."""
    reader = load_rules().facts_reader
    for document in (
        {"years": [{"year": 2019, "worked_hours": 700.5}]},
        {"years": [{"year": 2019, "worked_hours": Decimal("NaN")}]},
        {"years": [{"year": Decimal("2019.0"), "worked_hours": 700}]},
    ):
        with pytest.raises(CpfError) as refused:
            reader.read_document(document)
        assert {d.code for d in refused.value.diagnostics} == {"CPF-F101"}, refused.value.diagnostics


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


@st.composite
def texts(draw: st.DrawFn) -> tuple[str, str]:
    """The document written as YAML or JSON, then the text itself mutated."""
    document = _to_json(draw(corrupted()))
    as_json = draw(st.booleans())
    text = json.dumps(document) if as_json else yaml.safe_dump(document, allow_unicode=True)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["truncate", "insert", "delete", "tab"]))
        if kind == "truncate":
            text = text[:at]
        elif kind == "insert":
            text = (
                text[:at]
                + draw(st.sampled_from(["{", "[", "]", ":", "- ", '"', "&a ", "*a", "!!float", "\t", "\ufeff"]))
                + text[at:]
            )
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + "\t" + text[at:]
    return ("facts.json" if as_json else "facts.yaml"), text


@fuzz_settings(40)
@given(texts())
def test_corrupted_yaml_and_json_texts_give_values_or_diagnostics(named: tuple[str, str]) -> None:
    name, text = named
    TRIED["facts texts (YAML/JSON), corrupted"] += 1
    try:
        facts = load_rules().facts_reader.read_text(text, name)
    except CpfError as error:
        assert error.diagnostics and all(d.code.startswith("CPF-F") for d in error.diagnostics), error.diagnostics
        return
    evaluate_outcome(load_rules(), facts, QUESTIONS)


def test_hostile_yaml_constructs_are_refused_or_read_safely() -> None:
    """Aliases, tags, complex keys, huge numbers, deep nesting: a diagnostic, never a crash."""
    reader = load_rules().facts_reader
    hostile = [
        "? [a, b]\n: 1\n",
        "years: {? {a: 1}: 1}\n",
        "a: !!python/object/apply:os.system ['true']\n",
        "years: &a [*a]\n",
        "ledger: !!set {x}\n",
        "holder: {dif_hours: !!float abc}\n",
        "holder: {dif_hours: " + "9" * 5000 + "}\n",
        "[" * 50_000 + "]" * 50_000,
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000)),
        "x: &x [&y [*x, *x], *x]\n",
    ]
    for text in hostile:
        try:
            reader.read_text(text, "hostile.yaml")
        except CpfError as error:
            assert all(d.code.startswith("CPF-F") for d in error.diagnostics), error.diagnostics
        else:
            raise AssertionError(f"accepted: {text[:40]!r}")
