"""Stage 5, compiled (call sites): calls of rules, parameters, facts and built-in functions.

:func:`compile_call` turns a call into its closure: a rounding, ``min``/``max``, a
calendar function, or a rule, parameter or fact read for a period.

Most calls of the rule base take the period of the rule being evaluated, as it is or
moved: ``credit(y)``, ``worked_hours(y)``, ``annual_amount(y.start)``, ``rate(d)``,
``balance(y - 1)``. Such an argument needs no evaluation of its own: the steps of its
nodes (the name, the field, the constant) follow the call's own step with nothing in
between. :func:`call_on_period` builds one closure that counts them together and reads
the period from the local names, where the general shape runs one closure per node.
The steps counted, the values and the node at which a spent budget stops the
evaluation (CPF-R007) are the interpreter's (:func:`spent_in_steps`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from . import ast
from .calendar import CALENDAR
from .compiled_ops import FRACTION_GREATER, FRACTION_LESS, Code, on_one_argument, on_two_arguments
from .diagnostics import Span
from .evaluation_errors import MISSING, outside_calendar
from .types import Type
from .values import ROUNDINGS

if TYPE_CHECKING:
    from .compiled import CompiledRuleSet
    from .compiled_evaluation import CompiledEvaluation


def compile_call(compiler: CompiledRuleSet, expr: ast.Call, scope: frozenset[str]) -> Code | None:
    name, span = expr.name, expr.span
    symbols = compiler.model.symbols
    known = (symbols.rules, symbols.inputs, symbols.parameters, ROUNDINGS, CALENDAR, ("min", "max"))
    if not any(name in names for names in known):
        return None  # a built-in function added to the language since: interpreted
    args = [compiler._compile(a, scope) for a in expr.args]
    apply: Callable[[CompiledEvaluation, list[Any]], Any]
    if name in ROUNDINGS:
        rounding = ROUNDINGS[name]
        apply = lambda ev, values: rounding(values[0])  # noqa: E731
    elif name in CALENDAR:
        count = CALENDAR[name]
        apply = lambda ev, values: Fraction(count(values[0], values[1]))  # noqa: E731
    elif name == "min":
        apply = lambda ev, values: min(values)  # noqa: E731
    elif name == "max":
        apply = lambda ev, values: max(values)  # noqa: E731
    elif name in symbols.rules:
        rule = symbols.rules[name]
        apply = lambda ev, values: ev.call_rule(rule, values[0], span)  # noqa: E731
    elif name in symbols.inputs:
        decl = symbols.inputs[name]
        apply = lambda ev, values: ev._input(decl, values[0], span)  # noqa: E731
    else:
        parameter = symbols.parameters[name]
        apply = lambda ev, values: ev._parameter(parameter, values[0], span)  # noqa: E731

    builtin = name in ROUNDINGS or name in CALENDAR or name in ("min", "max")
    direct = name in symbols.rules or (name in symbols.parameters and name not in symbols.inputs)
    if len(args) == 1 and not builtin:
        # The common case, a rule, parameter or yearly fact for one period: on the
        # rule's own period (`rule(y)`, `amount(y.start)`), one closure for the call.
        (arg,) = args
        shape = period_shape(expr.args[0], scope, compiler.model.types)
        if name in symbols.rules:
            rule = symbols.rules[name]
            if shape is not None:
                return call_on_period("rule", rule, span, shape)
            return on_one_argument(span, arg, lambda ev, period: ev.call_rule(rule, period, span))
        if direct:
            parameter = symbols.parameters[name]
            if shape is not None:
                return call_on_period("parameter", parameter, span, shape)
            return on_one_argument(span, arg, lambda ev, on: ev._parameter(parameter, on, span))
        decl = symbols.inputs[name]
        if shape is not None:
            return call_on_period("input", decl, span, shape)
        return on_one_argument(span, arg, lambda ev, year: ev._input(decl, year, span))
    if len(args) == 1 and name in ROUNDINGS:
        round_it = ROUNDINGS[name]
        return on_one_argument(span, args[0], lambda ev, amount: round_it(amount))
    if len(args) == 2 and name in ("min", "max"):
        first, second = args
        # min(a, b) keeps a unless b < a; max(a, b) keeps a unless b > a (as Python's).
        beats = FRACTION_LESS if name == "min" else FRACTION_GREATER
        return on_two_arguments(span, first, second, lambda a, b: b if beats(b, a) else a)

    def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        values = [a(ev, env) for a in args]
        for value in values:
            if value is MISSING:
                return MISSING
        return apply(ev, values)

    return code


def spent_in_steps(ev: CompiledEvaluation, spans: tuple[Span, ...]) -> Exception:
    """CPF-R007 for ``len(spans)`` steps counted at once (``ev.steps`` includes them): at
    the first of them past the limit, with the count the interpreter leaves there."""
    before = ev.steps - len(spans)
    # The step numbered limit + 1; the first one when an earlier question of the same
    # budget spent it all (the limit is then below the steps already taken).
    index = max(ev._step_limit - before, 0)
    ev.steps = before + index + 1
    return ev._budget_spent(spans[index])


def period_shape(argument: ast.Expr, scope: frozenset[str], types: dict[int, Type]) -> tuple[Any, ...] | None:
    """How a call's argument reads the period, if it needs no evaluation of its own:
    ``("local", name, spans)``, ``("bound", name, month, day, spans)`` for ``y.start`` /
    ``y.end`` of a year, ``("shift", name, years, spans)`` for ``y + n`` / ``y - n``
    years; ``spans`` are those of its nodes in the interpreter's order. None otherwise."""
    if isinstance(argument, ast.Name) and argument.name in scope:
        return ("local", argument.name, (argument.span,))
    if isinstance(argument, ast.FieldAccess) and argument.name in ("start", "end"):
        target = argument.target
        target_type = types.get(id(target))
        if isinstance(target, ast.Name) and target.name in scope and target_type is not None:
            if target_type.kind == "year":
                month, day = (1, 1) if argument.name == "start" else (12, 31)
                return ("bound", target.name, month, day, (argument.span, target.span))
        return None
    if isinstance(argument, ast.Binary) and argument.op in ("+", "-"):
        left, right = argument.left, argument.right
        left_type = types.get(id(left))
        if (
            isinstance(left, ast.Name)
            and left.name in scope
            and left_type is not None
            and left_type.kind == "year"
            and isinstance(right, ast.Quantity)
            and right.value.denominator == 1
        ):
            years = int(right.value) if argument.op == "+" else -int(right.value)
            return ("shift", left.name, years, (argument.span, left.span, right.span))
    return None


def call_on_period(kind: str, target: Any, span: Span, shape: tuple[Any, ...]) -> Code:
    """The closure of a call of a rule (``kind`` "rule"), a parameter ("parameter") or a
    yearly fact ("input") whose argument has the ``shape`` of :func:`period_shape`. The
    three closures differ only by the method they call, called directly on purpose
    (an indirection would cost a call on the hottest path)."""
    form, local = shape[0], shape[1]
    spans: tuple[Span, ...] = (span, *shape[-1])
    count = len(spans)
    # A plain local name is read inline; a bound or a shift through a function.
    read = None if form == "local" else _read_shifted(local, shape[2]) if form == "shift" else _read_bound(*shape[1:])
    if kind == "rule":

        def call_rule(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            ev.steps += count
            if ev.steps > ev._step_limit:
                raise spent_in_steps(ev, spans)
            period = env[local] if read is None else read(env)
            return MISSING if period is MISSING else ev.call_rule(target, period, span)

        return call_rule
    if kind == "parameter":

        def read_parameter(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            ev.steps += count
            if ev.steps > ev._step_limit:
                raise spent_in_steps(ev, spans)
            on = env[local] if read is None else read(env)
            return MISSING if on is MISSING else ev._parameter(target, on, span)

        return read_parameter

    def read_input(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += count
        if ev.steps > ev._step_limit:
            raise spent_in_steps(ev, spans)
        year = env[local] if read is None else read(env)
        return MISSING if year is MISSING else ev._input(target, year, span)

    return read_input


def _read_shifted(name: str, years: int) -> Any:
    def shifted(env: dict[str, Any]) -> Any:
        year = env[name]
        return MISSING if year is MISSING else year + years

    return shifted


def year_bound(month: int, day: int, span: Span) -> Any:
    """``year`` → its ``month``/``day`` (``y.start``: 1 January, ``y.end``: 31 December),
    each built once; CPF-R008 at ``span`` for a year outside the calendar."""
    bounds: dict[int, datetime.date] = {}

    def bound(year: int) -> datetime.date:
        known = bounds.get(year)
        if known is None:
            try:
                known = bounds.setdefault(year, datetime.date(year, month, day))
            except ValueError:
                raise outside_calendar(f"the year {year}", span) from None
        return known

    return bound


def _read_bound(name: str, month: int, day: int, spans: tuple[Span, ...]) -> Any:
    bound = year_bound(month, day, spans[0])  # the field's span: where R008 is reported

    def read(env: dict[str, Any]) -> Any:
        year = env[name]
        return MISSING if year is MISSING else bound(year)

    return read
