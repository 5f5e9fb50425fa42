"""Safe YAML and JSON reading that keeps decimals exact and dates as text.

Base layer. YAML is read with a ``SafeLoader`` subclass in which non-integer numbers
become :class:`decimal.Decimal` (never a binary float, so 0.10 stays 0.10) and dates stay
strings (the facts validator parses them, so JSON and YAML facts behave the same). JSON
is read with ``parse_float=Decimal``; NaN and Infinity are refused.

>>> load_yaml_text("amount: 0.10\\nday: 2019-01-01", "x.yaml")
{'amount': Decimal('0.10'), 'day': '2019-01-01'}
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import yaml

from .diagnostics import Diagnostic, Severity, Span


class YamlError(Exception):
    """A YAML or JSON document could not be read; carries a located diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


class _DecimalSafeLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver, reading floats as Decimal."""


_DecimalSafeLoader.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    if text.lower() in (".inf", "+.inf", "-.inf", ".nan"):
        raise yaml.constructor.ConstructorError(None, None, f"'{text}' is not a finite number", node.start_mark)
    return Decimal(text)


_DecimalSafeLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_yaml_text(text: str, file: str) -> Any:
    """Parse one YAML document; raise :class:`YamlError` with file:line:col on error."""
    try:
        return yaml.load(text, Loader=_DecimalSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = error.problem or "invalid YAML"
        raise YamlError(
            Diagnostic(
                "CPF-F001",
                Severity.ERROR,
                f"this file is not valid YAML: {problem}",
                Span(file, line, column, line, column + 1),
                hint="check the indentation and the quoting on this line",
            )
        ) from None
    except yaml.YAMLError as error:
        raise YamlError(
            Diagnostic("CPF-F001", Severity.ERROR, f"this file is not valid YAML: {error}", Span(file, 1, 1, 1, 2))
        ) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def load_json_text(text: str, file: str) -> Any:
    """Parse one JSON document with exact decimals; raise :class:`YamlError` on error."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise YamlError(
            Diagnostic(
                "CPF-F002",
                Severity.ERROR,
                f"this file is not valid JSON: {error.msg}",
                Span(file, error.lineno, error.colno, error.lineno, error.colno + 1),
            )
        ) from None
    except ValueError as error:
        raise YamlError(
            Diagnostic("CPF-F002", Severity.ERROR, f"this file is not valid JSON: {error}", Span(file, 1, 1, 1, 2))
        ) from None


def load_document_text(text: str, file: str) -> Any:
    """JSON when the name ends in .json, YAML otherwise (YAML also reads JSON)."""
    if file.endswith(".json"):
        return load_json_text(text, file)
    return load_yaml_text(text, file)
