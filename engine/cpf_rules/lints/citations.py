"""Lints on citations over time: an article cited where no version of it is in force.

CPF-W305 (resolve.py) checks the start date of each dated value. These lints look at
the whole period a citation covers:

- CPF-L101: a rule cites an article that has no version in force on some date where a
  parameter value the rule computes with applies (the rule is used on that date, and
  its trace would cite nothing there); parameters read only in conditions choose a
  branch and do not count;
- CPF-L102: a dated value cites an article that stops being in force (or has a gap)
  while the value still applies.
"""

from __future__ import annotations

import datetime

from .. import ast
from ..diagnostics import DiagnosticBag
from ..legal_refs import Article, LegalRegistry
from ..resolve import Symbols
from .walk import children

Interval = tuple[datetime.date, datetime.date | None]  # inclusive; None: still applies


def value_intervals(parameter: ast.ParameterDecl) -> list[tuple[ast.DatedValue, Interval]]:
    """Each dated value with a value (not ``none``) and the dates it applies."""
    result: list[tuple[ast.DatedValue, Interval]] = []
    for index, dated in enumerate(parameter.values):
        if dated.value is None:
            continue
        following = parameter.values[index + 1] if index + 1 < len(parameter.values) else None
        end = following.start - datetime.timedelta(days=1) if following is not None else None
        result.append((dated, (dated.start, end)))
    return result


def first_uncovered(article: Article, interval: Interval) -> datetime.date | None:
    """The first date of ``interval`` on which no version of ``article`` is in force."""
    day, end = interval
    for version in sorted(article.versions, key=lambda v: v.in_force_from):
        if version.in_force_to is not None and version.in_force_to < day:
            continue
        if version.in_force_from > day:
            return day
        if version.in_force_to is None:
            return None
        day = version.in_force_to + datetime.timedelta(days=1)
        if end is not None and day > end:
            return None
    return day if end is None or day <= end else None


def _until(interval: Interval) -> str:
    return f"until {interval[1]}" if interval[1] is not None else "with no end date"


def lint_citations(symbols: Symbols, registry: LegalRegistry, bag: DiagnosticBag) -> None:
    for parameter in symbols.parameters.values():
        for dated, interval in value_intervals(parameter):
            for citation in dated.citations:
                article = registry.get(citation.ref)
                if article is None or article.version_on(dated.start) is None:
                    continue  # CPF-E302 / CPF-W305 already say so
                gap = first_uncovered(article, interval)
                if gap is not None:
                    bag.warning(
                        "CPF-L102",
                        f"{citation.ref} is no longer in force on {gap}, but the value of `{parameter.name}` "
                        f"from {dated.start} still applies then ({_until(interval)})",
                        citation.span,
                        hint=f"add a dated value from {gap} citing the text in force then (or `= none` if the "
                        f"rule ended), or add the missing version of {citation.ref} to legal_refs/",
                    )
    for rule in symbols.rules.values():
        _lint_owner(f"rule `{rule.name}`", rule.citations, _values_read(symbols, rule.body), registry, bag)
        for exception in rule.exceptions:
            read = _values_read(symbols, exception.body)  # its `when` only decides whether it applies
            _lint_owner(f"exception `{rule.name}.{exception.name}`", exception.citations, read, registry, bag)


_GUARD_OPERATORS = frozenset({"and", "or", "==", "!=", "<", "<=", ">", ">="})


def _values_read(symbols: Symbols, expr: ast.Expr) -> dict[str, ast.ParameterDecl]:
    """The parameters whose value the formula computes with.

    A parameter read only to choose a branch (an ``if`` condition, a comparison, an
    ``and``/``or``/``not`` operand, an aggregate's filter) decides whether the formula
    applies on a date — e.g. ``account_unit(d) == euros`` — and does not date it.
    """
    read: dict[str, ast.ParameterDecl] = {}

    def visit(node: ast.Expr, guard: bool) -> None:
        if isinstance(node, ast.Call) and node.name in symbols.parameters and not guard:
            read.setdefault(node.name, symbols.parameters[node.name])
        if isinstance(node, ast.If):
            visit(node.condition, True)
            visit(node.then, guard)
            visit(node.orelse, guard)
            return
        if isinstance(node, ast.Aggregate):
            visit(node.source, guard)
            visit(node.body, guard)
            if node.condition is not None:
                visit(node.condition, True)
            return
        inner = guard or (isinstance(node, ast.Binary) and node.op in _GUARD_OPERATORS)
        inner = inner or (isinstance(node, ast.Unary) and node.op == "not")
        for child in children(node):
            visit(child, inner)

    visit(expr, False)
    return read


def _lint_owner(
    owner: str,
    citations: tuple[ast.Citation, ...],
    read: dict[str, ast.ParameterDecl],
    registry: LegalRegistry,
    bag: DiagnosticBag,
) -> None:
    for citation in citations:
        article = registry.get(citation.ref)
        if article is not None:
            _rule_citation(owner, citation, article, read, bag)


def _rule_citation(
    owner: str, citation: ast.Citation, article: Article, read: dict[str, ast.ParameterDecl], bag: DiagnosticBag
) -> None:
    earliest: tuple[datetime.date, str, Interval] | None = None
    for name in sorted(read):
        for dated, interval in value_intervals(read[name]):
            gap = first_uncovered(article, interval)
            if gap is not None and (earliest is None or gap < earliest[0]):
                earliest = (gap, f"`{name}` from {dated.start}", interval)
    if earliest is None:
        return
    day, value, interval = earliest
    bag.warning(
        "CPF-L101",
        f"{owner} cites {citation.ref}, which has no version in force on {day}; "
        f"it reads the value of {value} on that date ({_until(interval)})",
        citation.span,
        hint=f"cite the text in force on {day} as well, bound the parameter's value with a later "
        f"dated value, or add the missing version of {citation.ref} to legal_refs/",
    )
