"""Counterfactuals: the smallest change of one fact that changes a result, and why.

For every fact the trace read (a year's hours, a status, a date...), the rules are
evaluated again with that one fact changed, through the public API, on exact fractions:

- numbers and dates: outwards from the current value, by doubling steps (1 unit, 2, 4...
  up to 8,192 units; down to 0 for quantities), until the *path* of the evaluation
  changes (an ``if`` takes its other arm, an exception starts or stops applying, a
  parameter is read on another date); then a bisection to 1/100 of the unit brackets
  the threshold, and the shortest decimal on the far side is reported (803.5 h, not
  803.50390625 h). A path change that leaves the result unchanged is stepped over (at
  most three per direction);
- booleans: the other value; enums: every other case; an absent optional boolean or enum:
  every value. An absent number or date and the entries of a list are not searched;
- a yes/no or enum answer also counts any change of its value as a change of path.

Nothing about the rules is known here: the threshold is found by evaluating them. The
"article that makes the difference" is the one cited by the innermost step whose branch,
exception or yes/no value changed (a parameter read in another version when none did):
the steps around it change as a consequence. The search is bounded (``max_evaluations``);
a window of change narrower than the doubling step can be missed, which the report
cannot claim otherwise: a counterfactual is the nearest change *found*.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..evaluation_errors import MISSING
from ..facts import Facts
from ..model import RuleSet
from ..trace import Answer, CitedVersion
from ..types import Type
from .probe import Fact, Probe, facts_read, with_fact
from .trace_paths import Signature, describe_change, find_step, parents, signature

__all__ = [
    "MAX_EVALUATIONS",
    "Counterfactual",
    "SearchOutcome",
    "counterfactuals",
    "search_counterfactuals",
    "with_fact",
]

MAX_EVALUATIONS = 600
"""Default bound on evaluations for one question (all facts together); the report names
the facts left unexplored when it is reached."""

_DOUBLINGS = 14  # steps of 1, 2, 4 ... 8,192 units
_BOUNDARIES_PER_DIRECTION = 3


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """With ``fact`` = ``new`` instead of ``old``, the answer would be ``new_result``."""

    question: str
    fact: str  # trace key: worked_hours(2019), dif_registered_on
    label: str | None
    path: str | None  # JSON path when the fact is in the document
    type: Type
    old: Any
    new: Any
    result_type: Type | None
    old_result: Any
    new_result: Any
    step: str  # the step whose branch or exception changed
    step_label: str | None
    change: str  # what changed there, in French: "si COND → oui", "exception X : s'applique"
    citations: tuple[CitedVersion, ...]
    condition: str | None = None  # the condition whose outcome changed (an `if` or an exception's)
    holds: bool | None = None  # its outcome with the new value

    def change_in(self, lang: str) -> str:
        """``change`` in ``lang`` (fr or en)."""
        if lang == "fr" or self.holds is None:
            return self.change
        if self.step.count(" · exception "):
            name = self.step.split(" · exception ", 1)[1]
            return f"exception {name}: {'applies' if self.holds else 'does not apply'}"
        if self.condition == self.step:  # a yes/no rule that turns
            return f"{self.step} → {'yes' if self.holds else 'no'}"
        return f"if {self.condition} → {'yes' if self.holds else 'no'}"


def _places(precision: Fraction) -> int:
    """Decimal places of a precision such as 1/100 (→ 2)."""
    places = 0
    while (precision * 10**places).denominator != 1 and places < 12:
        places += 1
    return places


def _shortest_between(inside: Fraction, outside: Fraction, precision: Fraction) -> Fraction:
    """The number with the fewest decimals in ]inside, outside] (or [outside, inside[).

    Decimals finer than ``precision`` are not offered: when none lies in the interval,
    ``outside`` is moved away from ``inside`` onto the precision's grid.
    """
    upward = inside < outside
    most = _places(precision)
    for places in range(0, most + 1):
        scale = 10**places
        if upward:
            candidate = Fraction(math.floor(inside * scale) + 1, scale)
            if candidate <= outside:
                return candidate
        else:
            candidate = Fraction(math.ceil(inside * scale) - 1, scale)
            if candidate >= outside:
                return candidate
    scale = 10**most
    return Fraction(math.ceil(outside * scale), scale) if upward else Fraction(math.floor(outside * scale), scale)


class _Search:
    def __init__(self, probe: Probe, base: Answer) -> None:
        assert base.trace is not None
        self.probe = probe
        self.base = base
        self.base_outcomes, self.base_order = signature(base.trace)
        self.base_parents = parents(base.trace)
        self.categorical = base.type is not None and base.type.kind in ("boolean", "enum")
        """A yes/no or enum answer: any change of its value counts, even on the same path
        (``d <= latest_request_date(d)`` turns false with no ``if`` taking another arm)."""

    def _differs(self, answer: Answer, reference: Signature) -> bool:
        assert answer.trace is not None
        if self.categorical and answer.value != self.base.value:
            return True
        return signature(answer.trace)[0] != reference

    def _numeric(
        self,
        fact: Fact,
        to_value: Callable[[Fraction], Any],
        origin: Fraction,
        unit: Fraction,
        floor: Fraction | None,
        ceiling: Fraction | None,
        precision: Fraction | None = None,
    ) -> Iterator[tuple[Any, Answer]]:
        if precision is None:
            precision = unit / 100 if fact.type.kind == "number" and not fact.type.integer else unit
        for direction in (1, -1):
            start = origin
            reference = self.base_outcomes
            for _ in range(_BOUNDARIES_PER_DIRECTION):
                found = self._bracket(fact, to_value, start, direction, unit, precision, (floor, ceiling), reference)
                if found is None:
                    break
                value, answer = found
                if answer.value != self.base.value:
                    yield to_value(value), answer
                    break
                assert answer.trace is not None
                reference = signature(answer.trace)[0]
                start = value

    def _bracket(
        self,
        fact: Fact,
        to_value: Callable[[Fraction], Any],
        start: Fraction,
        direction: int,
        unit: Fraction,
        precision: Fraction,
        limits: tuple[Fraction | None, Fraction | None],
        reference: Signature,
    ) -> tuple[Fraction, Answer] | None:
        def at(x: Fraction) -> Answer | None:
            return self.probe.run(fact, to_value(x))

        floor, ceiling = limits
        same = start
        step = unit
        for _ in range(_DOUBLINGS):
            x = start + direction * step
            if floor is not None and x < floor:
                x = floor
            if ceiling is not None and x > ceiling:
                x = ceiling
            if x == same:
                return None
            answer = at(x)
            if answer is None:
                return None
            if self._differs(answer, reference):
                far, far_answer = x, answer
                while abs(far - same) > precision:
                    middle = (far + same) / 2
                    if fact.type.integer or fact.type.kind == "date":
                        middle = Fraction(math.floor(middle)) if direction > 0 else Fraction(math.ceil(middle))
                        if middle in (same, far):
                            break
                    probe = at(middle)
                    if probe is None:
                        return None
                    if self._differs(probe, reference):
                        far, far_answer = middle, probe
                    else:
                        same = middle
                nice = _shortest_between(same, far, precision)
                if nice != far:
                    nice_answer = at(nice)
                    if nice_answer is not None and self._differs(nice_answer, reference):
                        return nice, nice_answer
                return far, far_answer
            same = x
            if x in (floor, ceiling):  # the end of what the facts accept: nothing further
                return None
            step *= 2
        return None

    def candidates(self, fact: Fact) -> Iterator[tuple[Any, Answer]]:
        kind = fact.type.kind
        value = fact.value
        if kind in ("boolean", "enum"):  # every other value; every value of an absent fact
            yield from self._changing(fact, [v for v in self._values(fact) if v != value])
        elif value is MISSING or value is None:
            return  # an absent number or date: no value to move from, any found would be arbitrary
        elif kind == "number" and isinstance(value, Fraction):
            unit = Fraction(1, 100) if fact.type.unit.dimensionless and not fact.type.integer else Fraction(1)
            precision = unit if fact.type.integer else unit / 100  # 790.99 h, 0.0001: the search's last digit
            if fact.low is not None and fact.high is not None and not fact.type.integer:
                # a declared range (days 0-366, hours 0-8,784): the doubling steps reach its far
                # end, a unit doubled so that the steps stay on the unit's grid (791 h, not 790.9998)
                reach = (fact.high - fact.low) / 2 ** (_DOUBLINGS - 1)
                while unit < reach:
                    unit *= 2
            # only values the facts would accept: within the declared range (CPF-F105 otherwise)
            yield from self._numeric(fact, lambda x: x, value, unit, fact.low, fact.high, precision)
        elif kind == "date" and isinstance(value, datetime.date):

            def to_date(x: Fraction) -> datetime.date:
                return datetime.date.fromordinal(int(x))

            yield from self._numeric(fact, to_date, Fraction(value.toordinal()), Fraction(1), None, None)

    def _values(self, fact: Fact) -> list[Any]:
        """Every value of a boolean or enum fact."""
        if fact.type.kind == "boolean":
            return [True, False]
        assert fact.type.name is not None
        return [case.name for case in self.probe.rules.symbols.enums[fact.type.name].cases]

    def _changing(self, fact: Fact, values: list[Any]) -> Iterator[tuple[Any, Answer]]:
        """Each of ``values`` that changes the answer, with that answer."""
        for candidate in values:
            answer = self.probe.run(fact, candidate)
            if answer is not None and answer.value != self.base.value:
                yield candidate, answer

    def explain(self, fact: Fact, new: Any, answer: Answer) -> Counterfactual:
        assert answer.trace is not None and self.base.trace is not None
        outcomes, _ = signature(answer.trace)
        # The step that makes the difference: among the steps both evaluations took and whose
        # outcome changed (a branch or exception; else a parameter's version), the first in
        # trace order with no such step inside it: the steps around it change as a
        # consequence. Failing that, the first step taken or left.
        flipped = [i for i in self.base_order if i in outcomes and outcomes[i] != self.base_outcomes[i]]
        # a parameter read in another version explains a change only when no branch turned
        flipped = [i for i in flipped if i[0] != "parameter"] or flipped
        parents = self.base_parents
        enclosing_a_change: set[tuple[str, ...]] = set()
        for step_identity in flipped:
            above = parents.get(step_identity)
            while above is not None and above not in enclosing_a_change:
                enclosing_a_change.add(above)
                above = parents.get(above)
        innermost = [i for i in flipped if i not in enclosing_a_change]
        differing = [i for i in self.base_order if outcomes.get(i) != self.base_outcomes[i]]
        differing += [i for i in outcomes if i not in self.base_outcomes]
        identity = innermost[0] if innermost else differing[0] if differing else ("rule", self.base.trace.key)
        if identity[0] == "rule":  # an exception that starts or stops applying explains its rule
            identity = next((i for i in differing if i[0] == "exception" and i[1] == identity[1]), identity)
        old_step = find_step(self.base.trace, identity)
        new_step = find_step(answer.trace, identity)
        step = new_step or old_step
        assert step is not None
        key = f"{identity[1]} · exception {identity[2]}" if identity[0] == "exception" else step.key
        change, condition, holds = describe_change(old_step, new_step)
        return Counterfactual(
            question=self.base.question,
            fact=f"{fact.name}({fact.period})" if fact.period else fact.name,
            label=fact.label,
            path=fact.path,
            type=fact.type,
            old=fact.value,
            new=new,
            result_type=self.base.type,
            old_result=self.base.value,
            new_result=answer.value,
            step=key,
            step_label=step.label,
            change=change,
            citations=step.citations,
            condition=condition,
            holds=holds,
        )


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """The counterfactuals found, the evaluations spent and the facts left unexplored."""

    found: tuple[Counterfactual, ...]
    evaluations: int
    unexplored: tuple[str, ...]  # facts not (fully) searched because the budget ran out


def search_counterfactuals(
    rules: RuleSet,
    facts: Facts,
    answer: Answer,
    as_of: datetime.date,
    max_evaluations: int = MAX_EVALUATIONS,
) -> SearchOutcome:
    """Search, for each fact the answer read (in trace order), the nearest changes."""
    if answer.trace is None or answer.error is not None:
        return SearchOutcome((), 0, ())
    probe = Probe(rules, facts, answer.question, as_of, max_evaluations)
    search = _Search(probe, answer)
    found: list[Counterfactual] = []
    unexplored: list[str] = []
    for fact in facts_read(answer.trace, rules):
        name = f"{fact.name}({fact.period})" if fact.period else fact.name
        if probe.used >= probe.budget:
            unexplored.append(name)
            continue
        for new, changed in search.candidates(fact):
            found.append(search.explain(fact, new, changed))
        if probe.used >= probe.budget:
            unexplored.append(name)
    return SearchOutcome(tuple(found), probe.used, tuple(unexplored))


def counterfactuals(
    rules: RuleSet,
    facts: Facts,
    answer: Answer,
    as_of: datetime.date,
    max_evaluations: int = MAX_EVALUATIONS,
) -> list[Counterfactual]:
    """The nearest changes of one fact that change ``answer`` (in the order facts were read)."""
    return list(search_counterfactuals(rules, facts, answer, as_of, max_evaluations).found)
