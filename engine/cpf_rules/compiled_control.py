"""Stage 5, compiled (control): the constructs that steer evaluation or bind names.

``otherwise`` (the fallback of a missing fact or an undefined parameter), ``if`` (one
arm evaluated, the decision recorded in the trace), ``let`` (a named value, its own
trace step) and the aggregates over a list (``sum``, ``count``, ``any``, ``all``), each
compiled by :class:`~cpf_rules.compiled.CompiledRuleSet` into a closure that keeps the
interpreter's trace frames and step count (:mod:`cpf_rules.evaluate`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import ast
from .compiled_ops import Code, ticked
from .evaluation_errors import MISSING, Undefined
from .trace import Decision, Frame, TraceNode
from .types import INTEGER, Type

if TYPE_CHECKING:
    from .compiled import CompiledRuleSet
    from .compiled_evaluation import CompiledEvaluation


def compile_otherwise(compiler: CompiledRuleSet, expr: ast.Otherwise, scope: frozenset[str]) -> Code:
    left, right = compiler._compile(expr.left, scope), compiler._compile(expr.right, scope)

    def otherwise(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        depth = len(ev.active)
        children = ev.frames[-1].children
        mark = len(children)
        try:
            value = left(ev, env)
        except Undefined as undefined:
            if undefined.depth != depth:
                raise
            del children[mark:]
            value = MISSING
        if value is MISSING:
            return right(ev, env)
        return value

    return ticked(expr.span, otherwise)


def compile_if(compiler: CompiledRuleSet, expr: ast.If, scope: frozenset[str]) -> Code:
    condition = compiler._compile(expr.condition, scope)
    then, orelse = compiler._compile(expr.then, scope), compiler._compile(expr.orelse, scope)
    span, text = expr.span, expr.condition_text

    def choose(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        holds = condition(ev, env)
        if ev.with_trace:
            ev.frames[-1].decisions.append(Decision(span, text, bool(holds)))
        return (then if holds else orelse)(ev, env)

    return choose


def compile_let(compiler: CompiledRuleSet, expr: ast.Let, scope: frozenset[str]) -> Code:
    value_code = compiler._compile(expr.value, scope)
    body = compiler._compile(expr.body, scope | {expr.name})
    name, span = expr.name, expr.span
    value_type = compiler.model.types.get(id(expr.value), Type("number"))

    def let(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.frames.append(Frame())
        try:
            value = value_code(ev, env)
            frame = ev.frames[-1]
        finally:
            ev.frames.pop()
        outer = ev.frames[-1]
        outer.decisions.extend(frame.decisions)
        if ev.with_trace:
            outer.children.append(
                TraceNode(
                    kind="let",
                    name=name,
                    label=None,
                    period=None,
                    value=value,
                    type=value_type,
                    span=span,
                    children=tuple(frame.children),
                )
            )
        else:
            outer.children.extend(frame.children)
        return body(ev, {**env, name: value})

    return ticked(span, let)


def compile_aggregate(compiler: CompiledRuleSet, expr: ast.Aggregate, scope: frozenset[str]) -> Code:
    source = compiler._compile(expr.source, scope)
    inner_scope = scope | {expr.variable}
    condition = compiler._compile(expr.condition, inner_scope) if expr.condition is not None else None
    body = compiler._compile(expr.body, inner_scope)
    kind, variable, span = expr.kind, expr.variable, expr.span
    result_type = compiler.model.types.get(id(expr), INTEGER)

    def aggregate(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        items = source(ev, env)
        if items is MISSING:
            return MISSING
        selected = 0
        ev.frames.append(Frame())
        try:
            results: list[Any] = []
            for item in items:
                inner = {**env, variable: item}
                if condition is not None and not condition(ev, inner):
                    continue
                selected += 1
                results.append(body(ev, inner) if kind != "count" else None)
            frame = ev.frames[-1]
        finally:
            ev.frames.pop()
        total: Any
        if kind == "sum":
            total = sum(results, Fraction(0))
        elif kind == "count":
            total = Fraction(selected)
        elif kind == "any":
            total = any(results)
        else:
            total = all(results)
        ev.frames[-1].children.append(
            TraceNode(
                kind="aggregate",
                name=kind,
                label=None,
                period=None,
                value=total,
                type=result_type,
                span=span,
                children=tuple(frame.children),
                detail=f"{selected}/{len(items)}",
            )
        )
        return total

    return ticked(span, aggregate)
