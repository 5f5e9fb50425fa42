"""Stage 4, the JSON Schema of a facts document, generated from the `input` declarations.

The schema is built from the ``input`` and ``record`` declarations of the checked rules,
so it cannot drift from them: each section (``holder``…), the ``years`` list and the
lists of records get their properties, with the type, unit, bounds and label of each
input, and the words a diagnostic uses for what was expected (``x-cpf-expected``). A
number's bounds: at least 0 for hours, money and days, and the range declared after
the type (``decimal between 0 and 12``, :mod:`cpf_rules.bounds`) as ``minimum`` and
``maximum``, its words in ``x-cpf-range``.
``cpf schema`` prints it; :mod:`cpf_rules.facts` validates documents against it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import ast
from .bounds import declared_range, range_words, schema_number
from .resolve import Symbols
from .types import Type

YEARS_KEY = "years"
_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TYPE_WORDS = {
    "money": "an amount in euros (a number)",
    "hours": "a number of hours",
    "days": "a number of days",
    "decimal": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "date": "a date written YYYY-MM-DD",
    "year": "a year (a whole number such as 2019)",
    "text": "a text",
}


def _describe(type_: Type) -> str:
    word = type_.display()
    if type_.kind == "enum":
        return f"one of the {type_.name} cases"
    return _TYPE_WORDS.get(word, word)


def _value_schema(type_: Type, symbols: Symbols, label: str | None, bounds: ast.Bounds | None = None) -> dict[str, Any]:
    schema: dict[str, Any]
    words: str | None = None
    if type_.kind == "number":
        schema = {"type": "integer"} if type_.integer and type_.unit.dimensionless else {"type": "number"}
        low, high = declared_range(bounds)
        if not type_.unit.dimensionless:
            low = max(low, Fraction(0)) if low is not None else Fraction(0)  # no negative hours or euros
        if low is not None:
            schema["minimum"] = schema_number(low)
        if high is not None:
            schema["maximum"] = schema_number(high)
        if bounds is not None:  # a declared range: its words go into every diagnostic of the value
            words = range_words(low, high)
            schema["x-cpf-range"] = words
    elif type_.kind == "boolean":
        schema = {"type": "boolean"}
    elif type_.kind == "date":
        schema = {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
    elif type_.kind == "year":
        schema = {"type": "integer", "minimum": 1900, "maximum": 2200}
    elif type_.kind == "text":
        schema = {"type": "string"}
    elif type_.kind == "enum":
        assert type_.name is not None
        enum = symbols.enums[type_.name]
        schema = {"enum": [c.name for c in enum.cases]}
        schema["description"] = "; ".join(f"{c.name}: {c.label}" for c in enum.cases)
    elif type_.kind == "record":
        assert type_.name is not None
        schema = _record_schema(symbols.records[type_.name], symbols)
    else:
        assert type_.kind == "list" and type_.name is not None
        schema = {"type": "array", "items": _record_schema(symbols.records[type_.name], symbols)}
    unit = type_.display() if type_.kind == "number" else None
    parts = [p for p in (label, f"({unit})" if unit and unit not in ("integer", "decimal") else None) if p]
    if parts:
        schema["title"] = " ".join(parts)
    schema["x-cpf-type"] = type_.display()
    expected = _expected_words(type_, symbols, label)
    schema["x-cpf-expected"] = f"{expected}, {words}" if words else expected
    return schema


def _expected_words(type_: Type, symbols: Symbols, label: str | None) -> str:
    """What a value of this type looks like, in words, for error messages."""
    if type_.kind == "enum" and type_.name in symbols.enums:
        return "one of: " + ", ".join(c.name for c in symbols.enums[type_.name].cases)
    if type_.kind == "list":
        return "a list of " + (f"entries ({label})" if label else "entries")
    if type_.kind == "record":
        return "an object" + (f" ({label})" if label else "")
    return _TYPE_WORDS.get(type_.display(), type_.display())


def _record_schema(record: ast.RecordDecl, symbols: Symbols) -> dict[str, Any]:
    properties = {f.name: _value_schema(symbols.type_of(f.type), symbols, f.label, f.bounds) for f in record.fields}
    required = [f.name for f in record.fields if f.default is None]
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    if record.label:
        schema["description"] = record.label
    return schema


def facts_schema(symbols: Symbols) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a facts document for these rules."""
    sections: dict[str, dict[str, Any]] = {}
    properties: dict[str, Any] = {}
    for decl in sorted(symbols.inputs.values(), key=lambda d: d.name):
        type_ = symbols.type_of(decl.type)
        value_schema = _value_schema(type_, symbols, decl.label, decl.bounds)
        if decl.section is None:
            properties[decl.name] = value_schema
            continue
        key = YEARS_KEY if decl.section == "year" else decl.section
        section = sections.setdefault(key, {"properties": {}, "required": []})
        section["properties"][decl.name] = value_schema
        if not decl.optional and decl.default is None:
            # Required inside its section only: a document without a `request:` section is
            # still valid for accrual questions; a rule that reads a field of an absent
            # section reports it at evaluation (CPF-R005).
            section["required"].append(decl.name)
    for key, section in sorted(sections.items()):
        obj: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": section["properties"]}
        if key == YEARS_KEY:
            obj["properties"] = {
                "year": {
                    "type": "integer",
                    "minimum": 1900,
                    "maximum": 2200,
                    "x-cpf-type": "year",
                    "x-cpf-expected": _TYPE_WORDS["year"],
                },
                **section["properties"],
            }
            obj["required"] = ["year", *section["required"]]
            properties[key] = {"type": "array", "items": obj, "description": "Une entrée par année civile"}
        else:
            if section["required"]:
                obj["required"] = section["required"]
            properties[key] = obj
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cpf-rules facts document (one holder)",
        "type": "object",
        "additionalProperties": False,
        "properties": dict(sorted(properties.items())),
    }
    return schema
