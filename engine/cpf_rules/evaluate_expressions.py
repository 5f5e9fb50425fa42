"""Stage 5, the interpreter's handlers of each kind of expression.

:class:`ExpressionHandlers` holds what the interpreter (:class:`cpf_rules.evaluate.Evaluation`,
which inherits it) does for a name, a call, a field, an operator, ``otherwise``, ``if``,
``let`` and the aggregates (``sum``, ``count``, ``any``, ``all`` over a list). Each
handler evaluates its operands through ``eval`` (which counts the step) and records in
the current trace frame what the trace shows: the decision of an ``if``, the step of a
``let`` or an aggregate. Rules, parameters and inputs are read through the evaluation's
``call_rule``, ``_parameter`` and ``_input`` (memo, citations, coverage).
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import ast
from .calendar import CALENDAR
from .diagnostics import Span
from .evaluation_errors import MISSING, Undefined, error, outside_calendar
from .facts import Facts
from .model import constant_value
from .periods import shift
from .resolve import Symbols
from .trace import Decision, Frame, TraceNode
from .types import INTEGER, Type
from .values import ROUNDINGS


class ExpressionHandlers:
    """The handlers of the interpreter's dispatch table (one per kind of expression)."""

    symbols: Symbols
    facts: Facts
    types: dict[int, Type]
    frames: list[Frame]
    active: list[tuple[str, Any]]
    with_trace: bool

    if TYPE_CHECKING:  # defined by Evaluation

        def eval(self, expr: ast.Expr, env: dict[str, Any]) -> Any: ...

        def call_rule(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> Any: ...

        def _input(self, decl: ast.InputDecl, year: int | None, span: Span) -> Any: ...

        def _parameter(self, parameter: ast.ParameterDecl, on: datetime.date, span: Span) -> Any: ...

        def _emit(self, node: TraceNode) -> None: ...

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
            raise error("CPF-R900", "internal error: unchecked expression", expr.span)
        if target_type.kind == "year":
            if not datetime.MINYEAR <= base <= datetime.MAXYEAR:
                raise outside_calendar(f"the year {base}", expr.span)
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
                return shift(left, right, expr.span)
            if isinstance(left, int):  # a year plus a whole number of years
                return left + int(right)
            return left + right
        if op == "-":
            if isinstance(left, datetime.date):
                if isinstance(right, datetime.date):
                    return Fraction((left - right).days)
                return shift(left, -int(right), expr.span)
            if isinstance(left, int):  # year - year is a number of years; year - n a year
                return Fraction(left - right) if isinstance(right, int) else left - int(right)
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            raise error("CPF-R006", "division by zero", expr.span, hint="guard the division with an `if`")
        return Fraction(left) / Fraction(right)

    def _otherwise(self, expr: ast.Otherwise, env: dict[str, Any]) -> Any:
        depth = len(self.active)
        mark = len(self.frames[-1].children)
        try:
            value = self.eval(expr.left, env)
        except Undefined as undefined:
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
        self.frames.append(Frame())
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
        self.frames.append(Frame())
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
