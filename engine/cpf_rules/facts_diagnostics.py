"""Stage 4, the diagnostics of a facts document: JSON Schema errors in the project's words.

Each violation the Python jsonschema validator finds becomes a diagnostic naming the
JSON path, what was expected (the words the schema carries) and what was found; the
checks made before the schema (document size, list lengths) have theirs here too.
The validator itself reads numbers as the project does: an int or a finite Decimal,
never a float or a bool, and compares them with the schema's ``minimum`` and ``maximum``
exactly, as the decimals they were written as (:func:`exact`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from .diagnostics import Diagnostic, Severity, did_you_mean, suggest
from .limits import MAX_DECIMALS, MAX_FACTS_BYTES, MAX_INTEGER_DIGITS, MAX_LIST_ITEMS

if TYPE_CHECKING:
    import jsonschema


def json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


_SHOWN_TEXT = 80
"""Longest text quoted in full in a diagnostic's ``found``."""


def found_text(value: Any) -> str:
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


def diagnostics_for(error: jsonschema.ValidationError) -> list[Diagnostic]:
    """One diagnostic per problem (an object with three unknown fields gives three)."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return [diagnostic_for(error)]
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = list(schema.get("properties", {}))
    path = json_path(error.absolute_path)
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


def diagnostic_for(error: jsonschema.ValidationError) -> Diagnostic:
    path = json_path(error.absolute_path)
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
            found=found_text(error.instance),
            hint=did_you_mean(suggestions),
            suggestions=suggestions,
        )
    if error.validator in ("minimum", "maximum"):
        bound = "at least" if error.validator == "minimum" else "at most"
        if expected and isinstance(schema.get("x-cpf-range"), str):
            wanted = expected  # a range declared in the rules: its words are in the expected ones
        else:
            wanted = f"{expected or 'a number'}, {bound} {error.validator_value}"
        return Diagnostic(
            "CPF-F105",
            Severity.ERROR,
            f"{path} is out of range",
            path=path,
            expected=wanted,
            found=found_text(error.instance),
        )
    if error.validator == "pattern":
        return Diagnostic(
            "CPF-F106",
            Severity.ERROR,
            f"{path} is not a date",
            path=path,
            expected="a date written YYYY-MM-DD",
            found=found_text(error.instance),
        )
    if error.validator == "type":
        return Diagnostic(
            "CPF-F101",
            Severity.ERROR,
            f"{path} has the wrong type",
            path=path,
            expected=expected or f"a value of JSON type {error.validator_value}",
            found=found_text(error.instance),
        )
    return Diagnostic("CPF-F100", Severity.ERROR, f"{path}: {error.message}", path=path)


def python_validator(schema: dict[str, Any]) -> Any:
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

    def minimum(validator: Any, bound: Any, instance: Any, schema: dict[str, Any]) -> Any:
        if validator.is_type(instance, "number") and instance < exact(bound):
            yield jsonschema.ValidationError(f"{instance!r} is less than the minimum of {bound!r}")

    def maximum(validator: Any, bound: Any, instance: Any, schema: dict[str, Any]) -> Any:
        if validator.is_type(instance, "number") and instance > exact(bound):
            yield jsonschema.ValidationError(f"{instance!r} is greater than the maximum of {bound!r}")

    base = jsonschema.Draft202012Validator.TYPE_CHECKER
    checker = base.redefine_many({"number": is_number, "integer": is_integer})
    validator_class = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator,
        validators={"minimum": minimum, "maximum": maximum},
        type_checker=checker,
    )
    return validator_class(schema)


def exact(bound: int | float | Decimal) -> int | Decimal:
    """A schema bound as the decimal it was written as: a float bound (``0.1``, a declared
    range's end, :func:`cpf_rules.bounds.schema_number`) by its shortest text, so that the
    fact ``0.1`` meets ``minimum: 0.1`` exactly, as jsonschema-rs reads it.

    >>> exact(0.1), exact(12)
    (Decimal('0.1'), 12)
    """
    return Decimal(repr(bound)) if isinstance(bound, float) else bound


def within_bounds(value: int | Decimal) -> bool:
    """Numbers the law needs (hours, euros) with room to spare; refuses 1e999999999,
    whose exact conversion would take minutes.

    >>> within_bounds(Decimal("1607.5")), within_bounds(Decimal("1e999999999")), within_bounds(Decimal("0e12"))
    (True, False, True)
    """
    if isinstance(value, int):
        return len(str(abs(value))) <= MAX_INTEGER_DIGITS
    if not value.is_finite():
        return True  # reported by the schema as the wrong type
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if not any(digits):  # a zero, however written (0e12 is 0, not a 13-digit number)
        return -exponent <= MAX_DECIMALS
    return len(digits) + exponent <= MAX_INTEGER_DIGITS and -exponent <= MAX_DECIMALS


def too_large_document(name: str, size: int, read_so_far: bool = False) -> Diagnostic:
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


def overlong_lists(document: dict[str, Any]) -> list[Diagnostic]:
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
                        f"{json_path(path)} has too many entries",
                        path=json_path(path),
                        expected=f"at most {MAX_LIST_ITEMS:,} entries",
                        found=f"{len(value):,} entries",
                    )
                )
                continue
            stack.extend((item, [*path, index]) for index, item in enumerate(value))
        elif isinstance(value, dict):
            stack.extend((item, [*path, key]) for key, item in value.items())
    return sorted(problems, key=lambda d: d.path or "")
