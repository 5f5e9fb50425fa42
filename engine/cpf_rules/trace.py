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
from typing import Any

from .diagnostics import Diagnostic, Span
from .legal_refs import ArticleVersion
from .types import Type


@dataclass(frozen=True, slots=True)
class CitedVersion:
    """A citation as it applied: the article, its locator, the version in force on ``on``."""

    ref: str
    locator: str | None
    title: str | None
    source: str | None
    on: datetime.date
    version: ArticleVersion | None

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.ref,
            "locator": self.locator,
            "title": self.title,
            "source": self.source,
            "on": self.on.isoformat(),
            "version": self.version.to_json() if self.version else None,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """An ``if`` met on the way: its condition's text and the arm taken."""

    span: Span
    condition: str
    taken: bool


@dataclass(frozen=True, slots=True)
class FlagNote:
    """An ``uncertain`` or ``interpretation`` annotation met during evaluation."""

    kind: str
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class TraceNode:
    """One step of an evaluation.

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


@dataclass(frozen=True, slots=True)
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
        """The value answered for ``question`` (raises KeyError if it was not asked)."""
        for answer in self.answers:
            if answer.question == question:
                return answer.value
        raise KeyError(question)
