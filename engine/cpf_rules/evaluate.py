"""Stage 5, checked model + facts + question → value and trace.

A top-down interpreter over the checked syntax tree (Lark ``Interpreter`` style, not a
bottom-up transformer): an ``if`` evaluates only the arm it takes and records which;
exceptions follow Catala's default logic (every exception's condition is evaluated;
none → the default, one → that exception, two or more → a reported conflict). Rule
results are memoised per (rule, period); recursion is bounded by a depth and a step
budget, so a rule that recurses on ``y + 1`` stops with a clear error.
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from . import ast
from .calendar import CALENDAR
from .diagnostics import Diagnostic, Severity, Span
from .facts import Facts
from .limits import MAX_NESTING_DEPTH
from .model import RuleSet
from .trace import CitedVersion, Decision, FlagNote, TraceNode
from .types import BOOLEAN, INTEGER, Type
from .values import ROUNDINGS

MAX_DEPTH = 600
"""Deepest chain of rule calls (a balance over 40 years needs about 3 per year)."""

MAX_NESTING = 3_000
"""Deepest nesting of formulas along a chain of rule calls: the sum of the formula
heights (:meth:`RuleSet.formula_height`) of the rules being evaluated, each counted
whole however deep its call sits. With :data:`MAX_DEPTH` it bounds the Python frames
an evaluation can use, so that every evaluator (interpreter, compiled, without trace)
stops at the same call with the same CPF-R003 instead of running out of Python's
stack at a point that depends on its own frames. The bundled rules reach 575
(balance(2060) of the examples: 140 calls deep, formulas at most 16 high)."""

NESTING_WATCH = MAX_NESTING // MAX_NESTING_DEPTH - 1
"""Rule calls deep enough to sum the formula heights: below it, the calls (this one
included) are at most ``MAX_NESTING // MAX_NESTING_DEPTH`` formulas of at most
MAX_NESTING_DEPTH expressions each (CPF-E013), so they cannot pass MAX_NESTING; the
common case thus costs one comparison per call."""

RECURSION_LIMIT = 20 * MAX_DEPTH + 4 * MAX_NESTING
"""Python's recursion limit during an evaluation: the interpreter uses at most 20
frames per rule call and 4 per formula level (tests/test_limits.py measures the
worst shapes at both limits)."""

MAX_STEPS = 2_000_000
"""Expressions evaluated for one question before the evaluation is stopped."""


class _Missing:
    """The value of an optional fact that is absent; ``otherwise`` replaces it."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class EvaluationError(Exception):
    """Evaluation cannot go on; carries a located diagnostic (codes CPF-R…)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


class _Undefined(EvaluationError):
    """A parameter has no value on a date; ``otherwise`` in the same rule may catch it."""

    def __init__(self, diagnostic: Diagnostic, depth: int) -> None:
        super().__init__(diagnostic)
        self.depth = depth


def nesting_with(model: RuleSet, active: list[tuple[str, Any]], name: str) -> int:
    """The formula heights (:meth:`RuleSet.formula_height`) of the ``active`` rule calls
    and of rule ``name``, summed: what MAX_NESTING bounds (every evaluator and the batch
    kernel count it so)."""
    height = model.formula_height
    return sum(height(rule) for rule, _ in active) + height(name)


def _error(code: str, message: str, span: Span | None, hint: str | None = None) -> EvaluationError:
    return EvaluationError(Diagnostic(code, Severity.ERROR, message, span, hint=hint))


def _outside_calendar(what: str, span: Span | None) -> EvaluationError:
    """CPF-R008: date or year arithmetic left the calendar (years 1 to 9999)."""
    return _error(
        "CPF-R008",
        f"{what} is outside the calendar (years {datetime.MINYEAR} to {datetime.MAXYEAR})",
        span,
        hint="a computation on dates or years runs away: check the days or years added or removed",
    )


def constant_value(expr: ast.Expr) -> Any:
    """The value of a constant expression (a default, a dated value): a literal, an enum
    case (by name) or a negated quantity. Shared by the interpreter, the compiled
    evaluator and the batch kernel."""
    if isinstance(expr, (ast.Quantity, ast.DateLiteral, ast.TextLiteral, ast.BoolLiteral)):
        return expr.value
    if isinstance(expr, (ast.Name, ast.FieldAccess)):
        return expr.name
    assert isinstance(expr, ast.Unary) and isinstance(expr.operand, ast.Quantity)
    return -expr.operand.value


def _in_calendar(period: Any) -> bool:
    """False for a year period outside 1..9999 (its 1 January does not exist)."""
    return not isinstance(period, int) or datetime.MINYEAR <= period <= datetime.MAXYEAR


def _shift(day: datetime.date, days: Any, span: Span) -> datetime.date:
    """``day`` plus a whole number of days, or CPF-R008 past the calendar's ends."""
    try:
        return day + datetime.timedelta(days=int(days))
    except OverflowError:
        raise _outside_calendar(f"{day.isoformat()} + {int(days)} days", span) from None


class _Frame:
    """Trace material collected while evaluating one rule, exception or let (a plain
    slotted class: one is built per rule evaluated, and a dataclass's default factories
    cost twice as much)."""

    __slots__ = ("children", "decisions")

    def __init__(self) -> None:
        self.children: list[TraceNode] = []
        self.decisions: list[Decision] = []


def _status_outside(versions: tuple[Any, ...], on: datetime.date) -> str:
    """Why no version of an article covers ``on``: not_yet, ended or gap."""
    if on < versions[0].in_force_from:
        return "not_yet"
    last_end = versions[-1].in_force_to
    if last_end is not None and on > last_end:
        return "ended"
    return "gap"


def period_text(period: Any) -> str | None:
    if period is None:
        return None
    if isinstance(period, datetime.date):
        return period.isoformat()
    return str(period)


def period_date(period: Any, as_of: datetime.date) -> datetime.date:
    """The date on which a rule's citations are read: 1 January of a year, the date itself."""
    if period is None:
        return as_of
    if isinstance(period, datetime.date):
        return period
    return datetime.date(int(period), 1, 1)


class Evaluation:
    """One holder's evaluation: memo, trace frames, budget. Not shared across threads."""

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
        self.frames: list[_Frame] = [_Frame()]
        self.steps = 0
        self.flags: dict[tuple[str, str, Span], FlagNote] = {}
        self.version_gaps: dict[tuple[str, datetime.date], Span] = {}
        self.reached: set[str] = set()
        self.types = model.types
        self.symbols = model.symbols

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
        self.frames = [_Frame()]
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
            raise _error(
                "CPF-R003",
                f"{name}({period_text(period)}) nests too deep to be evaluated (rule calls and formulas together)",
                self.symbols.rules[name].span if name in self.symbols.rules else None,
                hint="a recursion on periods must reach a base case (e.g. a year before the account existed)",
            ) from None
        return value, self.frames[0].children[-1]

    # ---- trace helpers -----------------------------------------------------------------
    def _emit(self, node: TraceNode) -> None:
        self.frames[-1].children.append(node)

    def _cite(self, citations: tuple[ast.Citation, ...], on: datetime.date) -> tuple[CitedVersion, ...]:
        cited = []
        for citation in citations:
            article = self.model.registry.get(citation.ref)
            version = article.version_on(on) if article else None
            status = "in_force"
            if version is None and article is not None:
                status = _status_outside(article.versions, on)
                if status == "gap":
                    # A hole between two versions: legal_refs/ lacks the wording that applied.
                    # Before the first version or after a repeal, a rule that spans several
                    # regimes simply cites another text for that date.
                    self.version_gaps.setdefault((citation.ref, on), citation.span)
            cited.append(
                CitedVersion(
                    citation.ref,
                    citation.locator,
                    article.title if article else None,
                    article.source if article else None,
                    on,
                    version,
                    status,
                )
            )
        return tuple(cited)

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
        if self._step_limit < MAX_STEPS:
            return _error(
                "CPF-R007",
                f"evaluation stopped: its budget of {self.step_budget:,} steps is spent",
                span,
                hint="ask fewer questions per holder, or allow a larger step budget",
            )
        return _error(
            "CPF-R007",
            f"evaluation stopped after {MAX_STEPS:,} steps",
            span,
            hint="a rule probably recurses without reaching its base case",
        )

    # ---- rules -------------------------------------------------------------------------
    def call_rule(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> Any:
        key = (rule.name, period)
        cached = self.memo.get(key)
        if cached is not None:
            self._emit(cached[1])
            return cached[0]
        if key in self.active:
            raise _error(
                "CPF-R004",
                f"{rule.name}({period_text(period)}) depends on itself",
                call_span,
                hint="a rule may use itself only for an earlier period",
            )
        if len(self.active) >= MAX_DEPTH:
            raise _error(
                "CPF-R003",
                f"rules nest deeper than {MAX_DEPTH} calls at {rule.name}({period_text(period)})",
                call_span,
                hint="a recursion on periods must reach a base case (e.g. a year before the account existed)",
            )
        if len(self.active) >= NESTING_WATCH and self.nesting_with(rule.name) > MAX_NESTING:
            raise self._nested_too_deep(rule, period, call_span)
        self.reached.add(f"rule:{rule.name}")
        self.active.append(key)
        self.frames.append(_Frame())
        try:
            env: dict[str, Any] = {rule.formals[0].name: period} if rule.formals else {}
            if not _in_calendar(period):
                raise _outside_calendar(f"the year {period} of {rule.name}", call_span)
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
        return nesting_with(self.model, self.active, name)

    def _nested_too_deep(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> EvaluationError:
        """CPF-R003 for formulas nested deeper than :data:`MAX_NESTING` along the calls."""
        return _error(
            "CPF-R003",
            f"rules and their formulas nest deeper than {MAX_NESTING:,} levels at {rule.name}({period_text(period)})",
            call_span,
            hint="a recursion on periods must reach a base case (e.g. a year before the account existed)",
        )

    def _rule_value(
        self, rule: ast.RuleDecl, env: dict[str, Any], on: datetime.date
    ) -> tuple[Any, str, list[TraceNode]]:
        applying: list[tuple[ast.ExceptionDecl, Any]] = []
        nodes: list[TraceNode] = []
        for exception in rule.exceptions:
            self.frames.append(_Frame())
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
        frame: _Frame,
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
        return _error(
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
                refs = ", ".join(c.ref for c in chosen.citations)
                message = f"parameter `{parameter.name}` has no value on {on} (ended on {chosen.start} by {refs})"
            raise _Undefined(Diagnostic("CPF-R001", Severity.ERROR, message, span), len(self.active))
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
            raise _error(
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

    def _name(self, expr: ast.Name, env: dict[str, Any]) -> Any:
        name = expr.name
        if name in env:
            return env[name]
        symbols = self.symbols
        if name in symbols.inputs:
            decl = symbols.inputs[name]
            if decl.section is None:
                return self.facts.lists.get(name, ())
            return self._input(decl, None, expr.span)
        if name in symbols.rules:
            return self.call_rule(symbols.rules[name], None, expr.span)
        return name  # an enum case

    def _call(self, expr: ast.Call, env: dict[str, Any]) -> Any:
        name = expr.name
        args = [self.eval(a, env) for a in expr.args]
        if any(a is MISSING for a in args):
            return MISSING
        if name in ROUNDINGS:
            return ROUNDINGS[name](args[0])
        if name in CALENDAR:
            return Fraction(CALENDAR[name](args[0], args[1]))
        if name == "min":
            return min(args)
        if name == "max":
            return max(args)
        symbols = self.symbols
        if name in symbols.rules:
            return self.call_rule(symbols.rules[name], args[0], expr.span)
        if name in symbols.inputs:
            return self._input(symbols.inputs[name], args[0], expr.span)
        return self._parameter(symbols.parameters[name], args[0], expr.span)

    def _field(self, expr: ast.FieldAccess, env: dict[str, Any]) -> Any:
        target_type = self.types.get(id(expr.target))
        if target_type is not None and target_type.kind == "enum" and isinstance(expr.target, ast.Name):
            if expr.target.name not in env and expr.target.name in self.symbols.enums:
                return expr.name
        base = self.eval(expr.target, env)
        if base is MISSING:
            return MISSING
        if target_type is None:
            raise _error("CPF-R900", "internal error: unchecked expression", expr.span)
        if target_type.kind == "year":
            if not datetime.MINYEAR <= base <= datetime.MAXYEAR:
                raise _outside_calendar(f"the year {base}", expr.span)
            return datetime.date(base, 1, 1) if expr.name == "start" else datetime.date(base, 12, 31)
        if target_type.kind == "date":
            return base.year
        if expr.name in base:
            return base[expr.name]
        assert target_type.name is not None
        record = self.symbols.records[target_type.name]
        field_decl = next(f for f in record.fields if f.name == expr.name)
        assert field_decl.default is not None
        return constant_value(field_decl.default)

    def _unary(self, expr: ast.Unary, env: dict[str, Any]) -> Any:
        value = self.eval(expr.operand, env)
        if value is MISSING:
            return MISSING
        return (not value) if expr.op == "not" else -value

    def _binary(self, expr: ast.Binary, env: dict[str, Any]) -> Any:
        op = expr.op
        left = self.eval(expr.left, env)
        if op == "and" and left is False:
            return False
        if op == "or" and left is True:
            return True
        right = self.eval(expr.right, env)
        if left is MISSING or right is MISSING:
            return MISSING
        if op in ("and", "or"):
            return right
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        if op == ">=":
            return left >= right
        if op == "+":
            if isinstance(left, datetime.date):
                return _shift(left, right, expr.span)
            if isinstance(left, int):  # a year plus a whole number of years
                return left + int(right)
            return left + right
        if op == "-":
            if isinstance(left, datetime.date):
                if isinstance(right, datetime.date):
                    return Fraction((left - right).days)
                return _shift(left, -int(right), expr.span)
            if isinstance(left, int):  # year - year is a number of years; year - n a year
                return Fraction(left - right) if isinstance(right, int) else left - int(right)
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise _error("CPF-R006", "division by zero", expr.span, hint="guard the division with an `if`")
        return Fraction(left) / Fraction(right)

    def _otherwise(self, expr: ast.Otherwise, env: dict[str, Any]) -> Any:
        depth = len(self.active)
        mark = len(self.frames[-1].children)
        try:
            value = self.eval(expr.left, env)
        except _Undefined as undefined:
            if undefined.depth != depth:
                raise
            del self.frames[-1].children[mark:]
            value = MISSING
        if value is MISSING:
            return self.eval(expr.right, env)
        return value

    def _if(self, expr: ast.If, env: dict[str, Any]) -> Any:
        condition = self.eval(expr.condition, env)
        self.frames[-1].decisions.append(Decision(expr.span, expr.condition_text, bool(condition)))
        return self.eval(expr.then if condition else expr.orelse, env)

    def _let(self, expr: ast.Let, env: dict[str, Any]) -> Any:
        self.frames.append(_Frame())
        try:
            value = self.eval(expr.value, env)
            frame = self.frames[-1]
        finally:
            self.frames.pop()
        self.frames[-1].decisions.extend(frame.decisions)
        if self.with_trace:
            self._emit(
                TraceNode(
                    kind="let",
                    name=expr.name,
                    label=None,
                    period=None,
                    value=value,
                    type=self.types.get(id(expr.value), Type("number")),
                    span=expr.span,
                    children=tuple(frame.children),
                )
            )
        else:
            self.frames[-1].children.extend(frame.children)
        return self.eval(expr.body, {**env, expr.name: value})

    def _aggregate(self, expr: ast.Aggregate, env: dict[str, Any]) -> Any:
        items = self.eval(expr.source, env)
        if items is MISSING:
            return MISSING
        selected = 0
        total: Any = Fraction(0)
        self.frames.append(_Frame())
        try:
            results: list[Any] = []
            for item in items:
                inner = {**env, expr.variable: item}
                if expr.condition is not None and not self.eval(expr.condition, inner):
                    continue
                selected += 1
                results.append(self.eval(expr.body, inner) if expr.kind != "count" else None)
            frame = self.frames[-1]
        finally:
            self.frames.pop()
        if expr.kind == "sum":
            total = sum(results, Fraction(0))
        elif expr.kind == "count":
            total = Fraction(selected)
        elif expr.kind == "any":
            total = any(results)
        else:
            total = all(results)
        result_type = self.types.get(id(expr), INTEGER)
        self._emit(
            TraceNode(
                kind="aggregate",
                name=expr.kind,
                label=None,
                period=None,
                value=total,
                type=result_type,
                span=expr.span,
                children=tuple(frame.children),
                detail=f"{selected}/{len(items)}",
            )
        )
        return total
