"""The catalogue of a checked rule set as JSON: rules, parameters, legal references.

A surface helper for ``GET /v1/rules``, ``/v1/rules/{name}``, ``/v1/parameters/{name}``
and ``/v1/legal-refs/{id}``. Everything is read from the checked
:class:`~cpf_rules.model.RuleSet`: labels, declared types and units, the formula as
written (``RuleDecl.body_text``) and the whole declaration (sliced from the rule file
by its span), citations with the article titles, flags, and the dependencies of a rule
found by walking its checked expressions with the evaluator's name resolution (a local
first, then an input, a rule, a parameter; anything else is a built-in function or an
enum case). The reverse edges (``used_by``) are computed once per rule set.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from typing import Any

from .. import ast
from ..diagnostics import Span
from ..model import RuleSet, constant_value
from ..render.values import machine_value
from ..types import Type


def _unit(type_: Type) -> str | None:
    if type_.kind == "number" and not type_.unit.dimensionless:
        return type_.unit.symbol()
    return None


def _type_json(type_: Type) -> dict[str, Any]:
    return {"type": type_.display(), "unit": _unit(type_)}


def source_of(rules: RuleSet, span: Span) -> str:
    """The exact text of a declaration, from its rule file."""
    lines = rules.sources.get(span.file, "").splitlines()
    if not lines:
        return ""
    chosen = lines[span.line - 1 : span.end_line]
    if span.line == span.end_line:
        return chosen[0][span.column - 1 : span.end_column - 1] if chosen else ""
    chosen[-1] = chosen[-1][: span.end_column - 1]
    chosen[0] = chosen[0][span.column - 1 :]
    return "\n".join(chosen)


def _citation(rules: RuleSet, citation: ast.Citation) -> dict[str, Any]:
    article = rules.registry.get(citation.ref)
    return {
        "article": citation.ref,
        "locator": citation.locator,
        "title": article.title if article else None,
        "location": citation.span.to_json(),
    }


def _flags(flags: tuple[ast.Flag, ...]) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "text": f.text, "location": f.span.to_json()} for f in flags]


# ---- dependencies ---------------------------------------------------------------------


@dataclasses.dataclass
class Dependencies:
    rules: set[str] = dataclasses.field(default_factory=set)
    parameters: set[str] = dataclasses.field(default_factory=set)
    inputs: set[str] = dataclasses.field(default_factory=set)

    def to_json(self) -> dict[str, list[str]]:
        return {"rules": sorted(self.rules), "parameters": sorted(self.parameters), "inputs": sorted(self.inputs)}


def _walk(rules: RuleSet, expr: Any, scope: frozenset[str], found: Dependencies) -> None:
    symbols = rules.symbols
    if isinstance(expr, ast.Name):
        if expr.name in scope:
            return
        if expr.name in symbols.inputs:
            found.inputs.add(expr.name)
        elif expr.name in symbols.rules:
            found.rules.add(expr.name)
        return
    if isinstance(expr, ast.Call):
        if expr.name in symbols.rules:
            found.rules.add(expr.name)
        elif expr.name in symbols.inputs:
            found.inputs.add(expr.name)
        elif expr.name in symbols.parameters:
            found.parameters.add(expr.name)
        for argument in expr.args:
            _walk(rules, argument, scope, found)
        return
    if isinstance(expr, ast.Let):
        _walk(rules, expr.value, scope, found)
        _walk(rules, expr.body, scope | {expr.name}, found)
        return
    if isinstance(expr, ast.Aggregate):
        _walk(rules, expr.source, scope, found)
        inner = scope | {expr.variable}
        _walk(rules, expr.body, inner, found)
        if expr.condition is not None:
            _walk(rules, expr.condition, inner, found)
        return
    if dataclasses.is_dataclass(expr) and not isinstance(expr, type):
        for item in dataclasses.fields(expr):
            value = getattr(expr, item.name)
            if isinstance(value, tuple):
                for element in value:
                    if dataclasses.is_dataclass(element) and not isinstance(element, Span):
                        _walk(rules, element, scope, found)
            elif dataclasses.is_dataclass(value) and not isinstance(value, Span):
                _walk(rules, value, scope, found)


def dependencies(rules: RuleSet, rule: ast.RuleDecl) -> Dependencies:
    """What a rule reads: rules, parameters and inputs named in its formula and exceptions."""
    found = Dependencies()
    scope = frozenset(f.name for f in rule.formals)
    _walk(rules, rule.body, scope, found)
    for exception in rule.exceptions:
        _walk(rules, exception.condition, scope, found)
        _walk(rules, exception.body, scope, found)
    return found


class Catalogue:
    """The descriptions of one rule set, computed on first use and kept."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    @functools.cached_property
    def _dependencies(self) -> dict[str, Dependencies]:
        return {name: dependencies(self.rules, rule) for name, rule in self.rules.rules.items()}

    @functools.cached_property
    def _used_by(self) -> dict[str, list[str]]:
        used: dict[str, list[str]] = {}
        for name, found in self._dependencies.items():
            for target in (*found.rules, *found.parameters, *found.inputs):
                used.setdefault(target, []).append(name)
        return {key: sorted(value) for key, value in used.items()}

    def period_of(self, rule: ast.RuleDecl) -> str | None:
        if not rule.formals:
            return None
        return self.rules.symbols.type_of(rule.formals[0].type).kind

    def rule_summary(self, rule: ast.RuleDecl) -> dict[str, Any]:
        type_ = self.rules.symbols.type_of(rule.type)
        return {
            "name": rule.name,
            "label": rule.label,
            "period": self.period_of(rule),
            **_type_json(type_),
            "location": rule.span.to_json(),
        }

    def rule_list(self) -> list[dict[str, Any]]:
        return [self.rule_summary(self.rules.rules[name]) for name in sorted(self.rules.rules)]

    def rule_detail(self, rule: ast.RuleDecl) -> dict[str, Any]:
        return {
            **self.rule_summary(rule),
            "formula": rule.body_text,
            "source": source_of(self.rules, rule.span),
            "citations": [_citation(self.rules, c) for c in rule.citations],
            "flags": _flags(rule.flags),
            "exceptions": [
                {
                    "name": e.name,
                    "label": e.label,
                    "condition": source_of(self.rules, e.condition.span),
                    "formula": source_of(self.rules, e.body.span),
                    "citations": [_citation(self.rules, c) for c in e.citations],
                    "flags": _flags(e.flags),
                    "location": e.span.to_json(),
                }
                for e in rule.exceptions
            ],
            "dependencies": self._dependencies[rule.name].to_json(),
            "used_by": self._used_by.get(rule.name, []),
        }

    def parameter_summary(self, parameter: ast.ParameterDecl) -> dict[str, Any]:
        return {
            "name": parameter.name,
            "label": parameter.label,
            **_type_json(self.rules.symbols.type_of(parameter.type)),
            "location": parameter.span.to_json(),
        }

    def parameter_list(self) -> list[dict[str, Any]]:
        return [self.parameter_summary(self.rules.parameters[name]) for name in sorted(self.rules.parameters)]

    def _dated(self, parameter: ast.ParameterDecl, index: int) -> dict[str, Any]:
        dated = parameter.values[index]
        following = parameter.values[index + 1] if index + 1 < len(parameter.values) else None
        type_ = self.rules.symbols.type_of(parameter.type)
        value = None if dated.value is None else constant_value(dated.value)
        return {
            "from": dated.start.isoformat(),
            "to": (following.start - datetime.timedelta(days=1)).isoformat() if following else None,
            "value": None if value is None else machine_value(value, type_),
            "citations": [_citation(self.rules, c) for c in dated.citations],
            "flags": _flags(dated.flags),
            "location": dated.span.to_json(),
        }

    def parameter_detail(self, parameter: ast.ParameterDecl) -> dict[str, Any]:
        return {
            **self.parameter_summary(parameter),
            "history": [self._dated(parameter, i) for i in range(len(parameter.values))],
            "used_by": self._used_by.get(parameter.name, []),
        }

    def value_on(self, parameter: ast.ParameterDecl, day: datetime.date) -> dict[str, Any] | None:
        """The dated value in force on ``day`` (None: no value then, or ended by ``none``)."""
        index = None
        for position, dated in enumerate(parameter.values):
            if dated.start <= day:
                index = position
        if index is None or parameter.values[index].value is None:
            return None
        return {"date": day.isoformat(), **self._dated(parameter, index)}

    def legal_ref(self, ref: str, on: datetime.date | None) -> dict[str, Any] | None:
        article = self.rules.registry.get(ref)
        if article is None:
            return None
        data: dict[str, Any] = {
            "id": article.id,
            "source": article.source,
            "number": article.number,
            "title": article.title,
            "file": article.file,
            "versions": [v.to_json() for v in article.versions],
            "cited_by": sorted(self._cited_by.get(ref, [])),
        }
        if on is not None:
            version = article.version_on(on)
            data["on"] = {"date": on.isoformat(), "version": version.to_json() if version else None}
        return data

    @functools.cached_property
    def _cited_by(self) -> dict[str, set[str]]:
        cited: dict[str, set[str]] = {}
        for rule in self.rules.rules.values():
            for citation in (*rule.citations, *(c for e in rule.exceptions for c in e.citations)):
                cited.setdefault(citation.ref, set()).add(rule.name)
        for parameter in self.rules.parameters.values():
            for dated in parameter.values:
                for citation in dated.citations:
                    cited.setdefault(citation.ref, set()).add(parameter.name)
        return cited

    def legal_ref_list(self) -> list[dict[str, Any]]:
        return [
            {"id": a.id, "title": a.title, "source": a.source, "versions": len(a.versions)} for a in self.rules.registry
        ]
