"""The trace and the result: what the evaluator produces and the renderers read.

A trace is a tree of :class:`TraceNode`: one node per rule evaluated for a period, per
exception considered, per parameter value read (with the date it took effect), per fact
read (with its JSON path) and per ``let``. Each node carries its citations resolved to
the article version in force on the evaluated date, its flags (uncertain,
interpretation) and its source location. A rule evaluated twice for one period is
evaluated once (memoised): the renderers show the second occurrence as a reference.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .diagnostics import Diagnostic, Span
from .legal_refs import ArticleVersion
from .readonly import readonly
from .types import Type
from .values import is_terminating, to_decimal


@readonly()
class CitedVersion:
    """A citation as it applied: the article, its locator, the version in force on ``on``."""

    ref: str
    locator: str | None
    title: str | None
    source: str | None
    on: datetime.date
    version: ArticleVersion | None
    status: str = "in_force"
    """``in_force``; else why no version is cited: ``not_yet`` (before the first version),
    ``ended`` (after the last one), ``gap`` (legal_refs/ lacks the version)."""

    @property
    def short(self) -> str:
        """The article's number and the locator, as every rendering heads a citation:
        ``L6323-11 al. 1``."""
        number = self.ref.split(":", 1)[-1]
        return f"{number} {self.locator}" if self.locator else number

    def to_json(self) -> dict[str, Any]:
        """The citation; the version is named by its start date (see the result's articles)."""
        return {
            "article": self.ref,
            "locator": self.locator,
            "on": self.on.isoformat(),
            "status": self.status,
            "version": self.version.in_force_from.isoformat() if self.version else None,
        }


@dataclass(slots=True, unsafe_hash=True)  # never mutated; not frozen: see TraceNode
class Decision:
    """An ``if`` met on the way: its condition's text and the arm taken."""

    span: Span
    condition: str
    taken: bool


@readonly()
class FlagNote:
    """An ``uncertain`` or ``interpretation`` annotation met during evaluation."""

    kind: str
    text: str
    span: Span


@dataclass(slots=True, unsafe_hash=True)
class TraceNode:
    """One step of an evaluation.

    Never mutated once built: a node is shared by every place that reads the same
    memoised value, and a parameter's node by every holder evaluated in a process
    (compiled.py). It is not declared ``frozen`` only because a frozen dataclass sets
    each field through ``object.__setattr__``, which made building a node 5× slower
    (5.2 µs against 0.9 µs here), and an evaluation builds one per step of its trace.

    ``kind``: rule, exception, parameter, input, let, aggregate. ``branch`` names what
    a rule returned (``default`` or ``exception NAME``); for an exception node,
    ``applies`` says whether its condition held. ``detail`` says where a value came from
    (a fact: its JSON path, ``default`` or ``absent``; a parameter: the date its value
    took effect; an aggregate: ``selected/total`` items).
    """

    kind: str
    name: str
    label: str | None
    period: str | None
    value: Any
    type: Type
    span: Span | None
    children: tuple[TraceNode, ...] = ()
    citations: tuple[CitedVersion, ...] = ()
    flags: tuple[FlagNote, ...] = ()
    decisions: tuple[Decision, ...] = ()
    branch: str | None = None
    applies: bool | None = None
    detail: str | None = None

    @property
    def key(self) -> str:
        return f"{self.name}({self.period})" if self.period is not None else self.name


class Frame:
    """Trace material an evaluator collects while evaluating one rule, exception or let:
    the steps it read and the ``if`` decisions it took (a plain slotted class: one is
    built per rule evaluated, and a dataclass's default factories cost twice as much)."""

    __slots__ = ("children", "decisions")

    def __init__(self) -> None:
        self.children: list[TraceNode] = []
        self.decisions: list[Decision] = []


@readonly()
class Answer:
    """The answer to one question: a value with its type and trace, or an error."""

    question: str
    value: Any
    type: Type | None
    trace: TraceNode | None
    error: Diagnostic | None = None


@dataclass(frozen=True)
class Result:
    """Everything an evaluation produced, with what is needed to replay it."""

    answers: tuple[Answer, ...]
    warnings: tuple[Diagnostic, ...]
    fingerprint: str
    engine_version: str
    facts_digest: str
    as_of: datetime.date
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    reached: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    """What the evaluation touched: ``rule:NAME``, ``exception:RULE.NAME``,
    ``value:PARAMETER@START`` (a dated value, ``none`` included)."""

    @property
    def ok(self) -> bool:
        return all(a.error is None for a in self.answers)

    def value(self, question: str) -> Any:
        """The value answered for ``question``: numbers as :class:`~decimal.Decimal`
        (money with its two decimals), dates, booleans and enum cases as they are.

        Raises KeyError if the question was not asked, ValueError if it failed.
        """
        for answer in self.answers:
            if answer.question == question:
                if answer.error is not None:
                    raise ValueError(f"{question}: {answer.error.code} {answer.error.message}")
                if isinstance(answer.value, Fraction):
                    money = answer.type is not None and answer.type.display() == "money"
                    return to_decimal(answer.value, 2 if money and is_terminating(answer.value) else None)
                return answer.value
        raise KeyError(question)
