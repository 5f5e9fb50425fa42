"""What-if overrides: a rule set in which some parameters take other values from a date.

``apply_overrides(rules, [Override("euro_ceiling", date(2027, 1, 1), "6000 EUR")])``
returns a new :class:`RuleSet` (the original is untouched) whose fingerprint differs,
whose overridden dated values carry no citation but a ``what-if`` flag, so that every
result computed with them says so. Used by the analysts' cases (``what_if:``) and by
reforms.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from . import ast
from .check import check_constant
from .diagnostics import CpfError, Diagnostic, DiagnosticBag, Severity, Span, did_you_mean, suggest
from .model import RuleSet
from .syntax import parse_value


@dataclass(frozen=True, slots=True)
class Override:
    """From ``start`` on, parameter ``parameter`` takes ``value`` (written as in rule files)."""

    parameter: str
    start: datetime.date
    value: str


def apply_overrides(rules: RuleSet, overrides: Iterable[Override]) -> RuleSet:
    """A copy of ``rules`` with the overrides applied; raise CpfError on a bad override."""
    parameters = dict(rules.symbols.parameters)
    bag = DiagnosticBag()
    digest = hashlib.sha256(rules.fingerprint.encode())
    for override in overrides:
        where = f"what-if {override.parameter}"
        declaration = parameters.get(override.parameter)
        if declaration is None:
            suggestions = suggest(override.parameter, parameters)
            bag.error(
                "CPF-E110",
                f"no parameter is named `{override.parameter}`",
                path=where,
                hint=did_you_mean(suggestions),
                suggestions=suggestions,
            )
            continue
        try:
            value = parse_value(override.value, where)
        except CpfError as error:
            bag.extend(error.diagnostics)
            continue
        check_constant(
            rules.symbols,
            value,
            rules.symbols.type_of(declaration.type),
            f"what-if value of `{override.parameter}`",
            bag,
        )
        span = Span(where, 1, 1, 1, len(override.value) + 1)
        flag = ast.Flag(
            span, "what-if", f"`{override.parameter}` = {override.value} from {override.start} (not the law)"
        )
        kept = tuple(v for v in declaration.values if v.start < override.start)
        parameters[override.parameter] = dataclasses.replace(
            declaration, values=(*kept, ast.DatedValue(span, override.start, value, (), (flag,)))
        )
        digest.update(f"{override.parameter}\0{override.start}\0{override.value}\0".encode())
    if bag.has_errors:
        raise CpfError(bag.items)
    symbols = dataclasses.replace(rules.symbols, parameters=parameters)
    return dataclasses.replace(rules, symbols=symbols, fingerprint="sha256:" + digest.hexdigest())


def overrides_from_data(data: object, where: str) -> list[Override]:
    """Read ``[{parameter, from, value}, ...]`` (the case and reform file format)."""
    if not isinstance(data, list):
        raise CpfError([Diagnostic("CPF-E111", Severity.ERROR, f"{where}: expected a list of overrides")])
    result = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or set(item) != {"parameter", "from", "value"}:
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-E111",
                        Severity.ERROR,
                        f"{where}[{index}]: expected {{parameter, from, value}}",
                        hint="e.g. {parameter: euro_ceiling, from: 2027-01-01, value: 6000 EUR}",
                    )
                ]
            )
        try:
            start = datetime.date.fromisoformat(str(item["from"]))
        except ValueError:
            raise CpfError(
                [Diagnostic("CPF-E111", Severity.ERROR, f"{where}[{index}].from is not a date YYYY-MM-DD")]
            ) from None
        result.append(Override(str(item["parameter"]), start, str(item["value"])))
    return result
