"""What-if overrides: a rule set in which some parameters take other values from a date.

``apply_overrides(rules, [Override("euro_ceiling", date(2027, 1, 1), "6000 EUR")])``
returns a new :class:`RuleSet` (the original is untouched) whose fingerprint differs,
whose overridden dated values carry no citation but a ``what-if`` flag, so that every
result computed with them says so. Used by the analysts' cases (``what_if:``) and by
reforms.

The overrides of one parameter are applied together, sorted by date, whatever their
order in the list: the rule file's dated values before the first override are kept,
and each override holds from its date until the next override of the same parameter
(the last one for good). Two overrides of one parameter from the same date are an
error (CPF-E111), as two dated values from one date are in a rule file (CPF-E402).

An override read from a file (:func:`overrides_from_data` with the file's text) carries
the places of its entry, so that its diagnostics and its ``what-if`` flag point at the
reform or cases file (``reform.yaml:3:14``); one built in Python is named by its index
in the list (``what-if overrides[0]``), there being no file to point at.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import ast
from .check import check_constant
from .diagnostics import CpfError, Diagnostic, DiagnosticBag, Severity, Span, did_you_mean, suggest
from .model import RuleSet
from .syntax import parse_value
from .yaml_where import span_at

_DATE_ORDER_HINT = "one value per date: write the second value from another date, or remove one of them"
_LONG_DIGITS = re.compile(r"\d{1000}")  # far beyond any number a rule may hold (CPF-E206)


@dataclass(frozen=True, slots=True)
class OverrideSpans:
    """Where an override was written: its entry, and the values of its three keys."""

    entry: Span
    parameter: Span
    start: Span
    value: Span


@dataclass(frozen=True, slots=True)
class Override:
    """From ``start`` on, parameter ``parameter`` takes ``value`` (written as in rule files).

    ``spans``: where it was written, when it was read from a file (not compared: the
    same override written elsewhere is the same override)."""

    parameter: str
    start: datetime.date
    value: str
    spans: OverrideSpans | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class _Place:
    """How the diagnostics of one override say where it is."""

    override: Override
    index: int

    @property
    def name(self) -> str:
        return f"what-if overrides[{self.index}]"

    def diagnostic(self, item: Diagnostic, key: str) -> Diagnostic:
        """``item`` located at ``key`` of the override's entry (file:line:col), or named
        by the override's index when it was not read from a file."""
        spans = self.override.spans
        if spans is None:
            return dataclasses.replace(item, span=None, path=f"{self.name} (given in Python, no file)")
        span = {"parameter": spans.parameter, "from": spans.start, "value": spans.value}.get(key, spans.entry)
        return dataclasses.replace(item, span=span, path=None)

    def flag_span(self) -> Span:
        spans = self.override.spans
        if spans is not None:
            return spans.entry
        return Span(f"<{self.name}>", 1, 1, 1, len(self.override.value) + 1)


def _error(code: str, message: str, **extra: Any) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, **extra)


_NO_VALUE = "none"
"""The what-if value that ends a parameter from its date, as ``= none`` in a rule file
(asked for after that date: CPF-R001, which ``otherwise`` may catch)."""


def _parsed_value(
    override: Override, place: _Place, rules: RuleSet, bag: DiagnosticBag
) -> tuple[bool, ast.Expr | None]:
    """Whether the override's value can be used and its expression (None for ``none``),
    checked against the parameter's type; a value that cannot be used is reported."""
    if override.value.strip() == _NO_VALUE:
        return True, None
    if _LONG_DIGITS.search(override.value):
        bag.items.append(
            place.diagnostic(
                _error(
                    "CPF-E206",
                    f"what-if value of `{override.parameter}`: a number of more than 1,000 digits",
                    expected="at most 12 digits before the decimal point and 12 after it",
                ),
                "value",
            )
        )
        return False, None
    local = DiagnosticBag()
    value: ast.Expr | None = None
    try:
        value = parse_value(override.value, place.name)
    except CpfError as error:
        local.extend(error.diagnostics)
    if value is not None:
        declaration = rules.symbols.parameters[override.parameter]
        declared = rules.symbols.type_of(declaration.type)
        check_constant(rules.symbols, value, declared, f"what-if value of `{override.parameter}`", local)
    ending = "or `none` to end the parameter from that date"
    found = [
        dataclasses.replace(item, hint=f"{item.hint}; {ending}" if item.hint else ending)
        if item.code == "CPF-E205"
        else item
        for item in local.items
    ]
    bag.items.extend(place.diagnostic(item, "value") for item in found)
    return (False, None) if local.has_errors else (True, value)


def apply_overrides(rules: RuleSet, overrides: Iterable[Override]) -> RuleSet:
    """A copy of ``rules`` with the overrides applied; raise CpfError on a bad override."""
    original = rules.symbols.parameters
    bag = DiagnosticBag()
    digest = hashlib.sha256(rules.fingerprint.encode())
    accepted: dict[str, list[tuple[Override, _Place, ast.DatedValue]]] = {}
    for index, override in enumerate(overrides):
        place = _Place(override, index)
        if override.parameter not in original:
            suggestions = suggest(override.parameter, original)
            message = f"no parameter is named `{override.parameter}`"
            found = _error("CPF-E110", message, hint=did_you_mean(suggestions), suggestions=suggestions)
            bag.items.append(place.diagnostic(found, "parameter"))
            continue
        usable, value = _parsed_value(override, place, rules, bag)
        if not usable:
            continue
        span = place.flag_span()
        text = f"`{override.parameter}` = {override.value} from {override.start} (not the law)"
        dated = ast.DatedValue(span, override.start, value, (), (ast.Flag(span, "what-if", text),))
        accepted.setdefault(override.parameter, []).append((override, place, dated))
        digest.update(f"{override.parameter}\0{override.start}\0{override.value}\0".encode())
    parameters = dict(original)
    for name, items in accepted.items():
        items.sort(key=lambda item: item[0].start)
        for (first, first_place, _), (second, place, _) in itertools.pairwise(items):
            if first.start == second.start:
                message = (
                    f"two what-if overrides of `{name}` from the same date {second.start} "
                    f"({first_place.name} and {place.name})"
                )
                bag.items.append(place.diagnostic(_error("CPF-E111", message, hint=_DATE_ORDER_HINT), "from"))
        declaration = original[name]
        start = items[0][0].start
        kept = tuple(v for v in declaration.values if v.start < start)
        parameters[name] = dataclasses.replace(declaration, values=(*kept, *(dated for _, _, dated in items)))
    if bag.has_errors:
        raise CpfError(bag.items)
    symbols = dataclasses.replace(rules.symbols, parameters=parameters)
    return dataclasses.replace(rules, symbols=symbols, fingerprint="sha256:" + digest.hexdigest())


def _entry_spans(text: str, file: str, at: Sequence[str | int], count: int) -> list[OverrideSpans]:
    """The places of the ``count`` entries of the override list at ``at`` in ``text``:
    one composition of the document (libyaml when installed, a few milliseconds)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node: Any = yaml.compose(text.removeprefix("\ufeff"), Loader=loader)
    except (yaml.YAMLError, RecursionError, ValueError):
        node = None

    def span(mark: Any) -> Span:
        return Span(file, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)

    for step in at:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            node = None
    entries = node.value if isinstance(node, yaml.SequenceNode) else []
    result = []
    for index in range(count):
        if index >= len(entries):  # the text is not the data: place everything at the list
            where = span_at(text, file, at)
            result.append(OverrideSpans(where, where, where, where))
            continue
        entry = entries[index]
        pairs = entry.value if isinstance(entry, yaml.MappingNode) else []
        keys = {k.value: v for k, v in pairs if isinstance(k, yaml.ScalarNode)}
        place = span(entry.start_mark)
        result.append(
            OverrideSpans(
                place,
                *(span(keys[key].start_mark) if key in keys else place for key in ("parameter", "from", "value")),
            )
        )
    return result


def overrides_from_data(
    data: object, where: str, *, text: str | None = None, file: str | None = None, at: Sequence[str | int] = ()
) -> list[Override]:
    """Read ``[{parameter, from, value}, ...]`` (the case and reform file format).

    ``text``, ``file`` and ``at`` (the keys and indexes leading to the list in the
    document): the YAML text ``data`` was read from, so that each override (and each
    diagnostic) carries its place in the file."""
    located = text is not None and file is not None

    def fail(message: str, steps: Sequence[str | int], hint: str | None = None) -> CpfError:
        span = span_at(text, file, (*at, *steps)) if text is not None and file is not None else None
        return CpfError([Diagnostic("CPF-E111", Severity.ERROR, message, span, hint=hint)])

    if not isinstance(data, list):
        raise fail(f"{where}: expected a list of overrides", ())
    result = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or set(item) != {"parameter", "from", "value"}:
            hint = "e.g. {parameter: euro_ceiling, from: 2027-01-01, value: 6000 EUR}"
            raise fail(f"{where}[{index}]: expected {{parameter, from, value}}", (index,), hint)
        try:
            start = datetime.date.fromisoformat(str(item["from"]))
        except ValueError:
            raise fail(f"{where}[{index}].from is not a date YYYY-MM-DD", (index, "from")) from None
        result.append(Override(str(item["parameter"]), start, str(item["value"])))
    if located and result:
        assert text is not None and file is not None
        spans = _entry_spans(text, file, at, len(result))
        result = [dataclasses.replace(override, spans=place) for override, place in zip(result, spans, strict=True)]
    return result
