"""Stage 4, facts document → typed facts: the JSON Schema generated from `input`s.

The schema is built from the ``input`` and ``record`` declarations of the checked rules,
so it cannot drift from them. A facts document (JSON or YAML, one holder) is validated
with jsonschema; each problem becomes a diagnostic naming the JSON path, what was
expected and what was found. Valid documents are converted to exact values: numbers to
:class:`~fractions.Fraction`, dates to :class:`datetime.date`.

Two validators read the same schema. jsonschema-rs (compiled, about 2 µs a holder)
answers "valid or not" first; only a document it refuses, or one holding a value whose
type the project reads more strictly than JSON does (a float, a non-finite or a
decimal-written whole number), goes to the Python jsonschema validator, which names
every problem (about 400 µs a holder, and 100 ms to import, paid only then). The
verdict that counts is the Python validator's whenever it runs; the two are compared
on generated and corrupted documents in tests/test_fuzz_facts.py.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import stat
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import ast
from .diagnostics import CpfError, Diagnostic, Severity, did_you_mean, suggest
from .resolve import Symbols
from .types import Type
from .yaml_io import YamlError, load_document_text

if TYPE_CHECKING:
    import jsonschema

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


@dataclass(frozen=True)
class Facts:
    """One holder's validated facts."""

    sections: dict[str, dict[str, Any]]  # "holder" -> {input name: value}
    years: dict[int, dict[str, Any]]  # 2019 -> {input name: value}
    year_positions: dict[int, int]  # 2019 -> index in the document's years list
    lists: dict[str, tuple[dict[str, Any], ...]]
    digest: str  # sha256 of the canonical document


def _describe(type_: Type) -> str:
    word = type_.display()
    if type_.kind == "enum":
        return f"one of the {type_.name} cases"
    return _TYPE_WORDS.get(word, word)


def _value_schema(type_: Type, symbols: Symbols, label: str | None) -> dict[str, Any]:
    schema: dict[str, Any]
    if type_.kind == "number":
        schema = {"type": "integer"} if type_.integer and type_.unit.dimensionless else {"type": "number"}
        if not type_.unit.dimensionless:
            schema["minimum"] = 0
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
    schema["x-cpf-expected"] = _expected_words(type_, symbols, label)
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
    properties = {f.name: _value_schema(symbols.type_of(f.type), symbols, f.label) for f in record.fields}
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
        value_schema = _value_schema(type_, symbols, decl.label)
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


def _json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


_SHOWN_TEXT = 80
"""Longest text quoted in full in a diagnostic's ``found``."""


def _found(value: Any) -> str:
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        word = "true" if value else "false"
        return f"{word} (YAML also reads yes/no/on/off as true/false)"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"the non-finite number {value}"
    if isinstance(value, (int, Decimal, float)):
        return f"the number {value}"
    if isinstance(value, str):
        if len(value) > _SHOWN_TEXT:  # a whole document read as one word is not echoed back
            return f'the text "{value[:_SHOWN_TEXT]}…" ({len(value):,} characters)'
        return f'the text "{value}"'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _diagnostics_for(error: jsonschema.ValidationError) -> list[Diagnostic]:
    """One diagnostic per problem (an object with three unknown fields gives three)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return [_diagnostic_for(error)]
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = list(schema.get("properties", {}))
    path = _json_path(error.absolute_path)
    problems = []
    for name in sorted((k for k in error.instance if k not in known), key=str):
        suggestions = suggest(str(name), known)
        problems.append(
            Diagnostic(
                "CPF-F103",
                Severity.ERROR,
                f"unknown field `{name}` in {path}",
                path=f"{path}.{name}",
                expected="one of: " + ", ".join(known),
                hint=did_you_mean(suggestions) or "remove it, or declare it as an input in the rules",
                suggestions=suggestions,
            )
        )
    return problems


def _diagnostic_for(error: jsonschema.ValidationError) -> Diagnostic:
    path = _json_path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected_words = schema.get("x-cpf-expected")
    expected = expected_words if isinstance(expected_words, str) else None
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        field_schema = schema.get("properties", {}).get(missing, {})
        title = field_schema.get("title")
        return Diagnostic(
            "CPF-F102",
            Severity.ERROR,
            f"missing field `{missing}`" + (f" ({title})" if title else ""),
            path=path,
            expected=field_schema.get("x-cpf-expected"),
            hint=f"add `{missing}` to {path}",
        )
    if error.validator == "enum":
        cases = [str(c) for c in cast(list[Any], error.validator_value)]
        suggestions = suggest(str(error.instance), cases)
        return Diagnostic(
            "CPF-F104",
            Severity.ERROR,
            f"{path} is not one of the allowed values",
            path=path,
            expected="one of: " + ", ".join(cases),
            found=_found(error.instance),
            hint=did_you_mean(suggestions),
            suggestions=suggestions,
        )
    if error.validator in ("minimum", "maximum"):
        bound = "at least" if error.validator == "minimum" else "at most"
        return Diagnostic(
            "CPF-F105",
            Severity.ERROR,
            f"{path} is out of range",
            path=path,
            expected=f"{expected or 'a number'}, {bound} {error.validator_value}",
            found=_found(error.instance),
        )
    if error.validator == "pattern":
        return Diagnostic(
            "CPF-F106",
            Severity.ERROR,
            f"{path} is not a date",
            path=path,
            expected="a date written YYYY-MM-DD",
            found=_found(error.instance),
        )
    if error.validator == "type":
        return Diagnostic(
            "CPF-F101",
            Severity.ERROR,
            f"{path} has the wrong type",
            path=path,
            expected=expected or f"a value of JSON type {error.validator_value}",
            found=_found(error.instance),
        )
    return Diagnostic("CPF-F100", Severity.ERROR, f"{path}: {error.message}", path=path)


def _python_validator(schema: dict[str, Any]) -> Any:
    """The Python jsonschema validator of ``schema``, with the project's number types:
    a number is an int or a finite Decimal (never a bool or a float), an integer an int."""
    import jsonschema  # imported only when a document needs its diagnostics (≈ 100 ms)

    def is_number(checker: Any, instance: Any) -> bool:
        if isinstance(instance, bool):
            return False
        if isinstance(instance, Decimal):
            return instance.is_finite()
        return isinstance(instance, int)

    def is_integer(checker: Any, instance: Any) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    base = jsonschema.Draft202012Validator.TYPE_CHECKER
    checker = base.redefine_many({"number": is_number, "integer": is_integer})
    validator_class = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, type_checker=checker
    )
    return validator_class(schema)


MAX_INTEGER_DIGITS = 12
MAX_DECIMALS = 12

MAX_FACTS_BYTES = 2_000_000
"""Largest facts document read (CPF-F109): one holder's facts take a few kilobytes; a
ledger of 10,000 operations about 700 KB."""

MAX_LIST_ITEMS = 10_000
"""Longest list in a facts document (CPF-F110): years, ledger or any other list."""


_INTEGER_LIMIT = 10**MAX_INTEGER_DIGITS
_CENT = Decimal("0.01")
_NO_SCHEMA: dict[str, Any] = {}


def _within_bounds(value: int | Decimal) -> bool:
    """Numbers the law needs (hours, euros) with room to spare; refuses 1e999999999,
    whose exact conversion would take minutes.

    >>> _within_bounds(Decimal("1607.5")), _within_bounds(Decimal("1e999999999"))
    (True, False)
    """
    if isinstance(value, int):
        return len(str(abs(value))) <= MAX_INTEGER_DIGITS
    if not value.is_finite():
        return True  # reported by the schema as the wrong type
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    return len(digits) + exponent <= MAX_INTEGER_DIGITS and -exponent <= MAX_DECIMALS


def _too_large(name: str, size: int, read_so_far: bool = False) -> Diagnostic:
    """CPF-F109; ``read_so_far``: ``size`` bytes were read of a stream that goes on."""
    return Diagnostic(
        "CPF-F109",
        Severity.ERROR,
        f"the facts document {name} is too large",
        path="$",
        expected=f"at most {MAX_FACTS_BYTES:,} bytes (one holder)",
        found=f"more than {size - 1:,} bytes" if read_so_far else f"{size:,} bytes",
        hint="send one holder per document",
    )


def _overlong_lists(document: dict[str, Any]) -> list[Diagnostic]:
    """CPF-F110 for each list longer than :data:`MAX_LIST_ITEMS`, checked before the schema
    (validating a million entries would take minutes). Walks with an explicit stack and
    visits each object once (YAML aliases may share them)."""
    problems: list[Diagnostic] = []
    stack: list[tuple[Any, list[Any]]] = [(document, [])]
    seen: set[int] = set()
    while stack:
        value, path = stack.pop()
        if id(value) in seen or len(path) > 8:  # deeper than any schema: the schema reports it
            continue
        seen.add(id(value))
        if isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                problems.append(
                    Diagnostic(
                        "CPF-F110",
                        Severity.ERROR,
                        f"{_json_path(path)} has too many entries",
                        path=_json_path(path),
                        expected=f"at most {MAX_LIST_ITEMS:,} entries",
                        found=f"{len(value):,} entries",
                    )
                )
                continue
            stack.extend((item, [*path, index]) for index, item in enumerate(value))
        elif isinstance(value, dict):
            stack.extend((item, [*path, key]) for key, item in value.items())
    return sorted(problems, key=lambda d: d.path or "")


class FactsReader:
    """Validates facts documents against the schema of one rule set (reusable)."""

    def __init__(self, symbols: Symbols) -> None:
        self.symbols = symbols
        self.schema = facts_schema(symbols)
        self._yearly_types: dict[str, Type] = {}
        self._section_types: dict[str, dict[str, Type]] = {}
        self._list_types: dict[str, Type] = {}
        for decl in symbols.inputs.values():
            type_ = symbols.type_of(decl.type)
            if decl.section is None:
                self._list_types[decl.name] = type_
            elif decl.section == "year":
                self._yearly_types[decl.name] = type_
            else:
                self._section_types.setdefault(decl.section, {})[decl.name] = type_
        import jsonschema_rs  # with the first reader: `cpf check` and the rules alone never load it (≈ 20 ms)

        self._fast_validator = jsonschema_rs.validator_for(self.schema)
        self._python_validator: Any = None

    def _fast_accepts(self, document: dict[str, Any]) -> tuple[bool, list[Diagnostic]]:
        """jsonschema-rs's verdict, then the checks JSON Schema cannot make in the same
        walk: (accepted, their problems). Not accepted when jsonschema-rs refuses the
        document or cannot read it, or when the walk meets a number the project reads
        more strictly than JSON (a float, a non-finite or an integer written as a
        decimal) or an overlong list: the precise path then decides."""
        try:
            if not self._fast_validator.is_valid(document):
                return False, []
        except Exception:  # a value jsonschema-rs cannot read: the Python validator decides
            return False, []
        problems, loose = self._semantic_problems(document)
        return not loose, problems

    def _schema_errors(self, document: dict[str, Any]) -> list[jsonschema.ValidationError]:
        """Every violation of the schema the Python validator finds, in a stable order."""
        if self._python_validator is None:
            self._python_validator = _python_validator(self.schema)
        errors: list[jsonschema.ValidationError] = list(self._python_validator.iter_errors(document))
        return sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))

    def read_file(self, path: Path) -> Facts:
        """Read and validate a JSON or YAML facts file."""
        shown = str(path)
        try:
            info = path.stat()
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) or stat.S_ISSOCK(info.st_mode):
                raise CpfError(
                    [
                        Diagnostic(
                            "CPF-F003",
                            Severity.ERROR,
                            f"cannot read facts file {shown}: it is a device or a socket, not a file",
                            hint="give the path of a JSON or YAML facts file",
                        )
                    ]
                )
            if info.st_size > MAX_FACTS_BYTES:  # refused before reading it into memory
                raise CpfError([_too_large(shown, info.st_size)])
            with path.open("rb") as stream:  # a pipe (`<(...)`, /dev/stdin) has no size: read one byte past the limit
                data = stream.read(MAX_FACTS_BYTES + 1)
            if len(data) > MAX_FACTS_BYTES:
                raise CpfError([_too_large(shown, len(data), read_so_far=True)])
            text = data.decode("utf-8-sig")
        except FileNotFoundError:
            raise CpfError(
                [Diagnostic("CPF-F003", Severity.ERROR, f"facts file not found: {shown}", hint="check the path")]
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CpfError(
                [Diagnostic("CPF-F003", Severity.ERROR, f"cannot read facts file {shown}: {error}")]
            ) from None
        except ValueError:  # a NUL character in the path
            raise CpfError(
                [Diagnostic("CPF-F003", Severity.ERROR, f"cannot read facts file {shown!r}: the path holds a NUL")]
            ) from None
        return self.read_text(text, shown)

    def read_text(self, text: str, name: str = "facts.yaml") -> Facts:
        if len(text) > MAX_FACTS_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_FACTS_BYTES:
            raise CpfError([_too_large(name, len(text.encode("utf-8", "surrogatepass")))])
        try:
            document = load_document_text(text, name)
        except YamlError as error:
            raise CpfError([error.diagnostic], {name: text}) from None
        return self.read_document(document)

    def read_document(self, document: Any) -> Facts:
        """Validate an already parsed document (numbers as int/Decimal, dates as text)."""
        if not isinstance(document, dict):
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-F101",
                        Severity.ERROR,
                        "the facts document must be an object (a mapping)",
                        path="$",
                        expected="an object with " + ", ".join(self.schema["properties"]),
                        found="an empty document" if document is None else _found(document),
                        hint="put the yearly entries under a `years:` key" if isinstance(document, list) else None,
                    )
                ]
            )
        accepted, problems = self._fast_accepts(document)
        if not accepted:  # the precise path: list lengths, then every schema problem named
            too_long = _overlong_lists(document)
            if too_long:
                raise CpfError(too_long)
            problems = [d for e in self._schema_errors(document) for d in _diagnostics_for(e)]
            if not problems:
                problems, _ = self._semantic_problems(document)
        if problems:
            raise CpfError(problems)
        return self._convert(document)

    # ---- after the schema: what JSON Schema cannot say ---------------------------------
    def _semantic_problems(self, document: dict[str, Any]) -> tuple[list[Diagnostic], bool]:
        """Problems of a schema-valid document that JSON Schema cannot express (F106-F108,
        F111), and whether the walk met a value only the precise path may judge (see
        :meth:`_fast_accepts`)."""
        problems: list[Diagnostic] = []
        loose = False

        def refuse(code: str, path: list[Any], what: str, expected: str, found: str, hint: str | None = None) -> None:
            where = _json_path(path)
            problems.append(
                Diagnostic(
                    code, Severity.ERROR, f"{where} {what}", path=where, expected=expected, found=found, hint=hint
                )
            )

        def too_large(value: int | Decimal, path: list[Any]) -> None:
            text = str(value)
            found = _found(value) if len(text) < 40 else f"a number written with {len(text)} characters"
            digits = f"at most {MAX_INTEGER_DIGITS} digits before the decimal point and {MAX_DECIMALS} after it"
            refuse("CPF-F108", path, "is too large or too precise", digits, found)

        def walk(value: Any, schema: dict[str, Any], path: list[Any]) -> None:
            # The JSON types first, by exact type (the common case, one test each); `path`
            # is extended in place and restored, and copied only into a diagnostic.
            nonlocal loose
            kind = type(value)
            if kind is dict:
                properties = schema.get("properties", _NO_SCHEMA)
                for key, item in value.items():
                    path.append(key)
                    walk(item, properties.get(key, _NO_SCHEMA), path)
                    path.pop()
            elif kind is list:
                if len(value) > MAX_LIST_ITEMS:
                    loose = True
                    return
                items = schema.get("items", _NO_SCHEMA)
                for index, item in enumerate(value):
                    path.append(index)
                    walk(item, items, path)
                    path.pop()
            elif kind is int:
                if not -_INTEGER_LIMIT < value < _INTEGER_LIMIT:
                    too_large(value, path)
            elif kind is str:
                if schema.get("format") == "date":
                    try:
                        datetime.date.fromisoformat(value)
                    except ValueError:
                        refuse(
                            "CPF-F106",
                            path,
                            "is not a calendar date",
                            "a date that exists, written YYYY-MM-DD",
                            _found(value),
                        )
            elif kind is bool or value is None:
                return
            elif isinstance(value, float) or (
                isinstance(value, Decimal) and (not value.is_finite() or schema.get("type") == "integer")
            ):
                loose = True
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                if not _within_bounds(value):
                    too_large(value, path)
                elif (
                    isinstance(value, Decimal)
                    and schema.get("x-cpf-type") == "money"
                    and value != value.quantize(_CENT)
                ):
                    expected = "an amount in euros with at most 2 decimals (e.g. 12.34)"
                    hint = "amounts on the account and on payslips are in euros and cents"
                    refuse("CPF-F111", path, "is not a whole number of cents", expected, _found(value), hint)
            elif isinstance(value, (dict, list)):  # a subclass: walked as its JSON type
                walk(dict(value) if isinstance(value, dict) else list(value), schema, path)

        walk(document, self.schema, [])
        seen: dict[int, int] = {}
        for index, entry in enumerate(document.get(YEARS_KEY, [])):
            year = entry["year"]
            if year in seen:
                problems.append(
                    Diagnostic(
                        "CPF-F107",
                        Severity.ERROR,
                        f"year {year} is given again at $.years[{index}] (first at $.years[{seen[year]}])",
                        path=f"$.years[{index}].year",
                        expected="one entry per calendar year",
                        found=f"another entry for {year}",
                        hint="add up the hours of several employers in one entry",
                    )
                )
            else:
                seen[year] = index
        return problems, loose

    def _convert_value(self, value: Any, type_: Type) -> Any:
        if type_.kind == "number":
            return Fraction(value)
        if type_.kind == "date":
            return datetime.date.fromisoformat(value)
        if type_.kind == "record" and type_.name is not None:
            return self._convert_record(value, type_.name)
        if type_.kind == "list" and type_.name is not None:
            return tuple(self._convert_record(item, type_.name) for item in value)
        return value

    def _convert_record(self, value: dict[str, Any], record_name: str) -> dict[str, Any]:
        record = self.symbols.records[record_name]
        result: dict[str, Any] = {}
        for f in record.fields:
            if f.name in value:
                result[f.name] = self._convert_value(value[f.name], self.symbols.type_of(f.type))
        return result

    def _convert(self, document: dict[str, Any]) -> Facts:
        # One pass over what the document holds (not over every declaration for every
        # year); every declared section and list gets its slot, every year its entry.
        sections: dict[str, dict[str, Any]] = {section: {} for section in self._section_types}
        years: dict[int, dict[str, Any]] = {}
        positions: dict[int, int] = {}
        if self._yearly_types:
            for index, entry in enumerate(document.get(YEARS_KEY, [])):
                positions[entry["year"]] = index
                slot = years.setdefault(entry["year"], {})
                for name, raw in entry.items():
                    type_ = self._yearly_types.get(name)
                    if type_ is not None:
                        slot[name] = self._convert_value(raw, type_)
        for section, declared in self._section_types.items():
            slot = sections[section]
            for name, raw in document.get(section, _NO_SCHEMA).items():
                type_ = declared.get(name)
                if type_ is not None:
                    slot[name] = self._convert_value(raw, type_)
        lists = {name: self._convert_value(document.get(name, []), type_) for name, type_ in self._list_types.items()}
        canonical = json.dumps(document, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return Facts(sections, years, positions, lists, digest)
