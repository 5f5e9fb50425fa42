"""Safe YAML and JSON reading that keeps decimals exact and dates as text.

Base layer. YAML is read with a ``SafeLoader`` subclass in which non-integer numbers
become :class:`decimal.Decimal` (never a binary float, so 0.10 stays 0.10), dates stay
strings (the facts validator parses them, so JSON and YAML facts behave the same) and a
key given twice in one mapping is an error instead of a silent overwrite. JSON is read
with ``parse_float=Decimal`` and the same duplicate-key rule; NaN and Infinity are
refused. A UTF-8 byte-order mark is accepted. PyYAML is imported when the first YAML
document is read, so a process that reads only JSON never loads it.

>>> load_yaml_text("amount: 0.10\\nday: 2019-01-01", "x.yaml")
{'amount': Decimal('0.10'), 'day': '2019-01-01'}
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Hashable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

from .diagnostics import Diagnostic, Severity, Span


class YamlError(Exception):
    """A YAML or JSON document could not be read; carries a located diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """The YAML loader class, built on first use: PyYAML is imported only to read YAML."""
    import yaml

    class _DecimalSafeLoader(yaml.SafeLoader):
        """SafeLoader without the timestamp resolver, reading floats as Decimal, refusing
        duplicate keys."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            # The keys first (a key given twice is reported before any bad value, as
            # before), then the values, each node constructed once; as SafeConstructor
            # would build it: a `<<` merge key or a `=` value key has no constructor here
            # (an error at its key), so its flatten_mapping would have nothing to do.
            keys: list[Any] = []
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, Hashable):  # `? [a, b]`: PyYAML would raise a TypeError
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key must be a name or a number, not a list or a mapping", key_node.start_mark
                    )
                if isinstance(key, (str, int, bool, Decimal)):
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key `{key}` is given twice in this mapping", key_node.start_mark
                        )
                    seen.add(key)
                keys.append(key)
            mapping: dict[Any, Any] = {}
            for key, (_, value_node) in zip(keys, node.value, strict=True):
                mapping[key] = self.construct_object(value_node, deep=deep)  # `~` twice: the last one, as PyYAML
            return mapping

    _DecimalSafeLoader.yaml_implicit_resolvers = {
        key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _DecimalSafeLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
    return _DecimalSafeLoader


@functools.cache
def _fast_loader() -> type[yaml.SafeLoader] | None:
    """The same loader on libyaml's C parser (ten times faster), None without libyaml.

    The constructors and resolvers are those of :func:`_loader`; only the parsing into
    nodes is done in C. Used for files of the project (legal_refs/), never alone: a
    document it refuses is read again by :func:`_loader` for the diagnostic.
    """
    import yaml

    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return None
    base = _loader()

    class _FastDecimalSafeLoader(CParser, base):  # type: ignore[misc,valid-type]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return _FastDecimalSafeLoader


def __getattr__(name: str) -> Any:
    """``yaml_io._DecimalSafeLoader`` (and its libyaml twin): built, PyYAML imported, on first use."""
    if name == "_DecimalSafeLoader":
        return _loader()
    if name == "_FastDecimalSafeLoader":
        return _fast_loader() or _loader()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    lowered = text.lower()
    if lowered in (".inf", "+.inf"):
        return Decimal("Infinity")  # refused by the facts schema as a non-finite number
    if lowered == "-.inf":
        return Decimal("-Infinity")
    if lowered == ".nan":
        return Decimal("NaN")
    return Decimal(text)


# PyYAML's words for the common mistakes, said plainly.
_YAML_PROBLEMS = (
    ("found character '\\t' that cannot start any token", "YAML does not allow tabs for indentation: use spaces"),
    ("expected <block end>, but found", "this line is not aligned with the lines above it in the same block"),
    (
        "mapping values are not allowed here",
        "a `key: value` is not allowed here: check the indentation or quote the value",
    ),
    ("could not find expected ':'", "a `key: value` pair is missing its `:`"),
)


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


MAX_FLOW_NESTING = 32
"""Deepest ``[`` / ``{`` nesting read in YAML (a facts document needs 3). PyYAML's time
grows with the square of this depth (5,000 ``[`` take 25 s), so it is measured first."""

_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|(?:^|(?<=\s))#[^\n]*', re.M)


def _flow_nesting_at(text: str) -> int | None:
    """Offset where ``[``/``{`` nesting (outside quotes and comments) passes the limit."""
    if text.count("[") + text.count("{") <= MAX_FLOW_NESTING:
        return None
    depth = 0
    cleaned = _QUOTED_OR_COMMENT.sub(lambda m: " " * len(m.group()), text)
    for offset, char in enumerate(cleaned):
        if char in "[{":
            depth += 1
            if depth > MAX_FLOW_NESTING:
                return offset
        elif char in "]}" and depth:
            depth -= 1
    return None


def load_yaml_text(text: str, file: str, fast: bool = False) -> Any:
    """Parse one YAML document; raise :class:`YamlError` with file:line:col on error.

    ``fast=True`` parses with libyaml when it is installed (the legal references); a
    document it refuses is read again by the pure-Python loader, so that the diagnostic
    is the same either way.
    """
    deep = _flow_nesting_at(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        column = deep - (text.rfind("\n", 0, deep) + 1) + 1
        diagnostic = _too_deep("CPF-F001", "YAML", file)
        raise YamlError(
            Diagnostic(
                diagnostic.code,
                diagnostic.severity,
                f"this YAML document nests lists or objects more than {MAX_FLOW_NESTING} levels deep",
                Span(file, line, column, line, column + 1),
                hint=diagnostic.hint,
            )
        )
    _DecimalSafeLoader = _loader()  # the class, under the name tests/test_safety.py checks
    import yaml  # already imported by _loader()

    _FastDecimalSafeLoader = _fast_loader() if fast else None
    if _FastDecimalSafeLoader is not None:
        try:
            return yaml.load(_strip_bom(text), Loader=_FastDecimalSafeLoader)  # noqa: S506 - a SafeLoader subclass
        except Exception:  # noqa: S110 - any refusal is explained by the pure-Python loader below
            pass
    try:
        return yaml.load(_strip_bom(text), Loader=_DecimalSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = str(error.problem or "invalid YAML")
        message = next((plain for raw, plain in _YAML_PROBLEMS if problem.startswith(raw)), problem)
        duplicate = "given twice" in problem
        raise YamlError(
            Diagnostic(
                "CPF-F001",
                Severity.ERROR,
                message if duplicate else f"this file is not valid YAML: {message}",
                Span(file, line, column, line, column + 1),
                hint="keep one of the two values"
                if duplicate
                else "check the indentation and the quoting on this line",
            )
        ) from None
    except yaml.YAMLError as error:
        raise YamlError(
            Diagnostic("CPF-F001", Severity.ERROR, f"this file is not valid YAML: {error}", Span(file, 1, 1, 1, 2))
        ) from None
    except RecursionError:
        raise YamlError(_too_deep("CPF-F001", "YAML", file)) from None
    except (ValueError, ArithmeticError) as error:  # 4,301 digits; `!!float abc`
        raise YamlError(
            Diagnostic("CPF-F001", Severity.ERROR, f"this file is not valid YAML: {error}", Span(file, 1, 1, 1, 2))
        ) from None


def _too_deep(code: str, language: str, file: str) -> Diagnostic:
    return Diagnostic(
        code,
        Severity.ERROR,
        f"this {language} document is nested too deeply to be read",
        Span(file, 1, 1, 1, 2),
        hint="a facts document is an object of lists of objects: a few levels deep",
    )


class _JsonValueError(ValueError):
    def __init__(self, message: str, needle: str) -> None:
        super().__init__(message)
        self.needle = needle


def _refuse_constant(name: str) -> Any:
    raise _JsonValueError(f"{name} is not a number (JSON has no NaN or Infinity)", name)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):  # a key given twice: the first one met again
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _JsonValueError(f'the key "{key}" is given twice in this object', f'"{key}"')
            seen.add(key)
    return result


_JSON_DECODER = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates
)
"""The decoder of :func:`load_json_text` (``json.loads`` with these options builds one per call)."""


def _position(text: str, needle: str, occurrence: int) -> tuple[int, int]:
    """Line and column (1-based) of the n-th occurrence of ``needle`` in ``text``."""
    matches = [m.start() for m in re.finditer(re.escape(needle), text)]
    if len(matches) < occurrence:
        return 1, 1
    offset = matches[occurrence - 1]
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def load_json_text(text: str, file: str) -> Any:
    """Parse one JSON document with exact decimals; raise :class:`YamlError` on error."""
    text = _strip_bom(text)
    try:
        if text.startswith("\ufeff"):  # a second mark: refused in json.loads' own words
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _JSON_DECODER.decode(text)
    except json.JSONDecodeError as error:
        hint = None
        before = text[: error.pos].rstrip()
        if before.endswith(",") and error.msg.startswith(("Expecting value", "Expecting property name")):
            hint = "a comma cannot end a list or an object in JSON: remove it"
            offset = len(before) - 1  # point at the comma itself
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        else:
            line, column = error.lineno, error.colno
        raise YamlError(
            Diagnostic(
                "CPF-F002",
                Severity.ERROR,
                f"this file is not valid JSON: {error.msg}",
                Span(file, line, column, line, column + 1),
                hint=hint,
            )
        ) from None
    except _JsonValueError as error:
        line, column = _position(text, error.needle, 2 if "twice" in str(error) else 1)
        raise YamlError(
            Diagnostic(
                "CPF-F002",
                Severity.ERROR,
                f"this file is not valid JSON: {error}",
                Span(file, line, column, line, column + len(error.needle)),
            )
        ) from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise YamlError(
            Diagnostic("CPF-F002", Severity.ERROR, f"this file is not valid JSON: {error}", Span(file, 1, 1, 1, 2))
        ) from None
    except RecursionError:
        raise YamlError(_too_deep("CPF-F002", "JSON", file)) from None


def load_document_text(text: str, file: str) -> Any:
    """JSON when the name ends in .json, YAML otherwise (YAML also reads JSON)."""
    if file.endswith(".json"):
        return load_json_text(text, file)
    return load_yaml_text(text, file)
