"""The counterfactual search's probe: the facts a trace read, and the rules evaluated
again with one of them changed.

:func:`facts_read` lists, once each and in trace order, the facts an answer's trace
read (a year's input or a holder's), with where the facts document holds them and the
range the facts schema allows (a declared range; at least 0 for hours and money).
:func:`with_fact` copies the facts with one of them changed, and :class:`Probe` asks
the question again on that copy through the public API (compiled, exact fractions),
memoising each answer and counting evaluations against the search's budget. The search
itself (:mod:`cpf_rules.explain.counterfactual`) decides which values to try.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..api import evaluate
from ..bounds import declared_range
from ..facts import Facts
from ..model import RuleSet
from ..trace import Answer, TraceNode
from ..types import Type


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    period: str | None
    label: str | None
    path: str | None
    type: Type
    value: Any
    section: str | None  # holder section name, or None for a year input
    low: Fraction | None = None  # the range the facts schema allows (a declared range, at least 0 for units)
    high: Fraction | None = None


def facts_read(trace: TraceNode, rules: RuleSet) -> list[Fact]:
    found: dict[tuple[str, str | None], Fact] = {}
    seen: set[int] = set()

    def walk(node: TraceNode) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if node.kind == "input" and (node.name, node.period) not in found:
            decl = rules.inputs.get(node.name)
            if decl is not None:
                path = node.detail if node.detail and node.detail.startswith("$") else None
                section = None if decl.section == "year" else decl.section
                low, high = declared_range(decl.bounds)
                if not node.type.unit.dimensionless:  # hours and money: at least 0 (facts_schema)
                    low = max(low, Fraction(0)) if low is not None else Fraction(0)
                found[(node.name, node.period)] = Fact(
                    node.name, node.period, node.label, path, node.type, node.value, section, low, high
                )
        for child in node.children:
            walk(child)

    walk(trace)
    return list(found.values())


def with_fact(facts: Facts, fact: Fact, value: Any) -> Facts:
    """A copy of ``facts`` where ``fact`` takes ``value`` (the original is untouched)."""
    if fact.section is None:
        assert fact.period is not None
        year = int(fact.period)
        years = dict(facts.years)
        years[year] = {**years.get(year, {}), fact.name: value}
        return dataclasses.replace(facts, years=years)
    sections = dict(facts.sections)
    sections[fact.section] = {**sections.get(fact.section, {}), fact.name: value}
    return dataclasses.replace(facts, sections=sections)


@dataclass
class Probe:
    """Evaluates one question with one fact changed; counts evaluations."""

    rules: RuleSet
    facts: Facts
    question: str
    as_of: datetime.date
    budget: int
    used: int = 0
    memo: dict[tuple[str, str | None, Any], Answer | None] = dataclasses.field(default_factory=dict)

    def run(self, fact: Fact, value: Any) -> Answer | None:
        """The answer with ``fact`` = ``value`` (None: an error, or the budget is spent)."""
        key = (fact.name, fact.period, value)
        if key in self.memo:
            return self.memo[key]
        if self.used >= self.budget:
            return None
        self.used += 1
        probe_facts = with_fact(self.facts, fact, value)
        answer = evaluate(self.rules, probe_facts, [self.question], as_of=self.as_of, compiled=True).answers[0]
        result = answer if answer.error is None and answer.trace is not None else None
        self.memo[key] = result
        return result
