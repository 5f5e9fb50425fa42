"""Stage 5, checked model + facts + question → value and trace.

A top-down interpreter over the checked syntax tree (Lark ``Interpreter`` style, not a
bottom-up transformer): an ``if`` evaluates only the arm it takes and records which;
exceptions follow Catala's default logic (every exception's condition is evaluated;
none → the default, one → that exception, two or more → a reported conflict). Rule
results are memoised per (rule, period); recursion is bounded by a depth and a step
budget, so a rule that recurses on ``y + 1`` stops with a clear error (built by
:mod:`cpf_rules.evaluation_limits`, which also sums the nesting of formulas).
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Callable
from typing import Any

from . import ast
from .citations import cite
from .diagnostics import Diagnostic, Severity, Span
from .evaluate_expressions import ExpressionHandlers
from .evaluation_errors import MISSING, EvaluationError, Undefined, error, outside_calendar
from .evaluation_limits import (
    NestingMeter,
    budget_spent,
    calls_too_deep,
    depends_on_itself,
    nested_too_deep,
    stack_exhausted,
)
from .facts import Facts
from .limits import MAX_DEPTH, MAX_NESTING, MAX_STEPS, NESTING_WATCH, RECURSION_LIMIT
from .model import RuleSet, constant_value
from .periods import in_calendar, period_date, period_text
from .trace import CitedVersion, FlagNote, Frame, TraceNode
from .types import BOOLEAN, Type

__all__ = [
    "MAX_DEPTH",
    "MAX_NESTING",
    "MAX_STEPS",
    "MISSING",
    "NESTING_WATCH",
    "RECURSION_LIMIT",
    "Evaluation",
    "EvaluationError",
    "NestingMeter",
    "constant_value",
    "period_date",
    "period_text",
]


class Evaluation(ExpressionHandlers):
    """One holder's evaluation: memo, trace frames, budget. Not shared across threads.

    The handlers of each kind of expression are inherited from
    :class:`~cpf_rules.evaluate_expressions.ExpressionHandlers`."""

    def __init__(
        self,
        model: RuleSet,
        facts: Facts,
        as_of: datetime.date,
        with_trace: bool = True,
        step_budget: int | None = None,
    ) -> None:
        self.model = model
        self.facts = facts
        self.as_of = as_of
        self.with_trace = with_trace
        self.step_budget = step_budget
        """Steps allowed for all the questions of this evaluation together (None: only the
        per-question MAX_STEPS applies); the HTTP API uses it to bound a request's work."""
        self.budget_used = 0
        self._step_limit = MAX_STEPS
        self.memo: dict[tuple[str, Any], tuple[Any, TraceNode]] = {}
        self.active: list[tuple[str, Any]] = []
        self.frames: list[Frame] = [Frame()]
        self.steps = 0
        self.flags: dict[tuple[str, str, Span], FlagNote] = {}
        self.version_gaps: dict[tuple[str, datetime.date], Span] = {}
        self.reached: set[str] = set()
        self.types = model.types
        self.symbols = model.symbols
        self._nesting: NestingMeter | None = None

    @functools.cached_property
    def _dispatch(self) -> dict[type, Callable[[Any, dict[str, Any]], Any]]:
        """The handler of each kind of expression (built on first use: the compiled
        evaluator only needs it for constructs it leaves to the interpreter)."""
        return {
            ast.Quantity: lambda e, env: e.value,
            ast.DateLiteral: lambda e, env: e.value,
            ast.TextLiteral: lambda e, env: e.value,
            ast.BoolLiteral: lambda e, env: e.value,
            ast.Name: self._name,
            ast.Call: self._call,
            ast.FieldAccess: self._field,
            ast.Unary: self._unary,
            ast.Binary: self._binary,
            ast.Otherwise: self._otherwise,
            ast.If: self._if,
            ast.Let: self._let,
            ast.Aggregate: self._aggregate,
        }

    # ---- entry points ------------------------------------------------------------------
    def question(self, name: str, period: Any) -> tuple[Any, TraceNode]:
        """Evaluate a rule or a parameter for a period; return the value and its trace."""
        self.budget_used += self.steps
        self.steps = 0
        if self.step_budget is not None:
            self._step_limit = min(MAX_STEPS, self.step_budget - self.budget_used)
        self.frames = [Frame()]
        if sys.getrecursionlimit() < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
        try:
            if name in self.symbols.rules:
                value = self.call_rule(self.symbols.rules[name], period, self.symbols.rules[name].span)
            else:
                value = self._parameter(self.symbols.parameters[name], period, self.symbols.parameters[name].span)
        except RecursionError:
            # Deep formulas inside a deep recursion on periods can exhaust Python's stack
            # before MAX_DEPTH rule calls: the same verdict, never a RecursionError.
            # (MAX_NESTING makes this a last resort: no rule set is known to reach it.)
            self.active.clear()
            span = self.symbols.rules[name].span if name in self.symbols.rules else None
            raise stack_exhausted(name, period, span) from None
        return value, self.frames[0].children[-1]

    # ---- trace helpers -----------------------------------------------------------------
    def _emit(self, node: TraceNode) -> None:
        self.frames[-1].children.append(node)

    def _cite(self, citations: tuple[ast.Citation, ...], on: datetime.date) -> tuple[CitedVersion, ...]:
        return cite(self.model.registry, citations, on, self.version_gaps)

    def _flags(self, flags: tuple[ast.Flag, ...]) -> tuple[FlagNote, ...]:
        notes = tuple(FlagNote(f.kind, f.text, f.span) for f in flags)
        self._note_flags(notes)
        return notes

    def _note_flags(self, notes: tuple[FlagNote, ...]) -> None:
        """Record ``notes`` among the flags met (each once): the result's warnings."""
        for note in notes:
            self.flags.setdefault((note.kind, note.text, note.span), note)

    def _tick(self, span: Span) -> None:
        self.steps += 1
        if self.steps > self._step_limit:
            raise self._budget_spent(span)

    def _budget_spent(self, span: Span) -> EvaluationError:
        """CPF-R007, once a step past the limit was taken (the compiled closures count
        their steps inline and call this)."""
        return budget_spent(span, self.step_budget if self._step_limit < MAX_STEPS else None)

    # ---- rules -------------------------------------------------------------------------
    def call_rule(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> Any:
        key = (rule.name, period)
        cached = self.memo.get(key)
        if cached is not None:
            self._emit(cached[1])
            return cached[0]
        if key in self.active:
            raise depends_on_itself(rule.name, period, call_span)
        if len(self.active) >= MAX_DEPTH:
            raise calls_too_deep(rule.name, period, call_span)
        if len(self.active) >= NESTING_WATCH and self.nesting_with(rule.name) > MAX_NESTING:
            raise nested_too_deep(rule.name, period, call_span)
        self.reached.add(f"rule:{rule.name}")
        self.active.append(key)
        self.frames.append(Frame())
        try:
            env: dict[str, Any] = {rule.formals[0].name: period} if rule.formals else {}
            if not in_calendar(period):
                raise outside_calendar(f"the year {period} of {rule.name}", call_span)
            on = period_date(period, self.as_of)
            value, branch, exception_nodes = self._rule_value(rule, env, on)
            frame = self.frames[-1]
        finally:
            self.frames.pop()
            self.active.pop()
        applied = next((e for e in rule.exceptions if branch == f"exception {e.name}"), None)
        node = TraceNode(
            kind="rule",
            name=rule.name,
            label=rule.label,
            period=period_text(period),
            value=value,
            type=self.symbols.type_of(rule.type),
            span=rule.span,
            children=tuple(exception_nodes + frame.children),
            citations=self._cite(rule.citations, on) if applied is None else (),
            flags=self._flags(rule.flags),
            decisions=tuple(frame.decisions),
            branch=branch,
        )
        self.memo[key] = (value, node)
        self._emit(node)
        return value

    def nesting_with(self, name: str) -> int:
        """The formula heights of the rules being evaluated and of rule ``name``, summed."""
        if self._nesting is None:
            self._nesting = NestingMeter(self.model)
        return self._nesting.with_rule(self.active, name)

    def _rule_value(
        self, rule: ast.RuleDecl, env: dict[str, Any], on: datetime.date
    ) -> tuple[Any, str, list[TraceNode]]:
        applying: list[tuple[ast.ExceptionDecl, Any]] = []
        nodes: list[TraceNode] = []
        for exception in rule.exceptions:
            self.frames.append(Frame())
            try:
                holds = self.eval(exception.condition, env)
                value = self.eval(exception.body, env) if holds else None
                frame = self.frames[-1]
            finally:
                self.frames.pop()
            if holds:
                applying.append((exception, value))
                self.reached.add(f"exception:{rule.name}.{exception.name}")
            period = period_text(env.get(rule.formals[0].name)) if rule.formals else None
            nodes.append(
                self._exception_node(exception, period, self.symbols.type_of(rule.type), holds, value, frame, on)
            )
        if len(applying) > 1:
            raise self._exception_conflict(rule.name, [e for e, _ in applying])
        if applying:
            exception, value = applying[0]
            return value, f"exception {exception.name}", nodes
        return self.eval(rule.body, env), "default", nodes

    def _exception_node(
        self,
        exception: ast.ExceptionDecl,
        period: str | None,
        rule_type: Type,
        holds: Any,
        value: Any,
        frame: Frame,
        on: datetime.date,
    ) -> TraceNode:
        """The trace step of one exception considered: applies or not, and what it read."""
        return TraceNode(
            kind="exception",
            name=exception.name,
            label=exception.label,
            period=period,
            value=value if holds else False,
            type=rule_type if holds else BOOLEAN,
            span=exception.span,
            children=tuple(frame.children),
            citations=self._cite(exception.citations, on),
            flags=self._flags(exception.flags) if holds else (),
            decisions=tuple(frame.decisions),
            applies=bool(holds),
        )

    @staticmethod
    def _exception_conflict(rule_name: str, applying: list[ast.ExceptionDecl]) -> EvaluationError:
        """CPF-R002: two or more exceptions of one rule apply (Catala's conflict)."""
        names = ", ".join(e.name for e in applying)
        return error(
            "CPF-R002",
            f"exceptions {names} of rule `{rule_name}` both apply; the law must say which prevails",
            applying[1].span,
            hint="make their conditions exclusive, or fold one into the other",
        )

    # ---- parameters and inputs ---------------------------------------------------------
    def _parameter(self, parameter: ast.ParameterDecl, on: datetime.date, span: Span) -> Any:
        chosen: ast.DatedValue | None = None
        for dated in parameter.values:
            if dated.start <= on:
                chosen = dated
        if chosen is not None:
            self.reached.add(f"value:{parameter.name}@{chosen.start.isoformat()}")
        if chosen is None or chosen.value is None:
            if chosen is None:
                first = parameter.values[0].start
                message = f"parameter `{parameter.name}` has no value on {on} (its first value is from {first})"
            else:
                refs = ", ".join(c.ref for c in chosen.citations) or "a what-if"
                message = f"parameter `{parameter.name}` has no value on {on} (ended on {chosen.start} by {refs})"
            raise Undefined(Diagnostic("CPF-R001", Severity.ERROR, message, span), len(self.active))
        value = constant_value(chosen.value)
        self._emit(
            TraceNode(
                kind="parameter",
                name=parameter.name,
                label=parameter.label,
                period=on.isoformat(),
                value=value,
                type=self.symbols.type_of(parameter.type),
                span=chosen.span,
                citations=self._cite(chosen.citations, on),
                flags=self._flags(chosen.flags),
                detail=chosen.start.isoformat(),
            )
        )
        return value

    def _input(self, decl: ast.InputDecl, year: int | None, span: Span) -> Any:
        if decl.section == "year":
            assert year is not None
            entry = self.facts.years.get(year)
            position = self.facts.year_positions.get(year)
            path = f"$.years[{position}].{decl.name}" if position is not None else None
            present = entry is not None and decl.name in entry
            value = entry[decl.name] if present and entry is not None else MISSING
            period: str | None = str(year)
        else:
            section = self.facts.sections.get(decl.section or "", {})
            path = f"$.{decl.section}.{decl.name}"
            present = decl.name in section
            value = section[decl.name] if present else MISSING
            period = None
        if present:
            detail = path
        elif decl.default is not None:
            value = constant_value(decl.default)
            detail = "default"
        elif decl.optional:
            detail = "absent"
        else:
            where = f"no entry for {year} in $.years" if decl.section == "year" else f"{path} is missing"
            raise error(
                "CPF-R005",
                f"input `{decl.name}` is needed and {where}",
                span,
                hint=f"add it to the facts, or give the input a default in {decl.span.file}",
            )
        if self.with_trace:
            self._emit(
                TraceNode(
                    kind="input",
                    name=decl.name,
                    label=decl.label,
                    period=period,
                    value=value,
                    type=self.symbols.type_of(decl.type).as_optional(decl.optional),
                    span=decl.span,
                    detail=detail,
                )
            )
        return value

    # ---- expressions -------------------------------------------------------------------
    def eval(self, expr: ast.Expr, env: dict[str, Any]) -> Any:
        self._tick(expr.span)
        return self._dispatch[type(expr)](expr, env)
