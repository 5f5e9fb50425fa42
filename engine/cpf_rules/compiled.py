"""Stage 5, compiled: the checked model turned once into Python closures.

The interpreter (:mod:`cpf_rules.evaluate`) walks the syntax tree for every holder: it
looks up a handler by node type, resolves each name against the symbol tables and
compares operator strings at every step. :class:`CompiledRuleSet` does that work once:
every expression of the checked model becomes a closure ``fn(evaluation, env)`` whose
names, operators and field kinds are already resolved. No rule text and no fact is
ever passed to ``eval``/``exec``: the closures are built from the checked tree only.

:class:`CompiledEvaluation` is an :class:`~cpf_rules.evaluate.Evaluation` whose
``eval`` runs these closures; rule calls, exceptions, inputs and the trace frames are
the interpreter's own code, so values, traces, warnings, errors (codes, spans) and the
step budget are identical by construction (a property test compares them). Two
holder-independent results are shared across evaluations: article versions cited on
a date, and the trace node of a parameter read on a date (trace nodes are immutable).
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import ast
from .calendar import CALENDAR
from .diagnostics import Span
from .evaluate import (
    MAX_DEPTH,
    MISSING,
    Evaluation,
    _error,
    _Frame,
    _outside_calendar,
    _Undefined,
    period_date,
    period_text,
)
from .facts import Facts
from .model import RuleSet
from .trace import CitedVersion, Decision, FlagNote, Result, TraceNode
from .types import INTEGER, Type
from .values import ROUNDINGS

Code = Callable[["CompiledEvaluation", dict[str, Any]], Any]
"""A compiled expression: evaluates in an evaluation, with the local names bound."""

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "*": operator.mul,
}


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, datetime.date):
        return left + datetime.timedelta(days=int(right))
    if isinstance(left, int):  # a year plus a whole number of years
        return left + int(right)
    return left + right


def _subtract(left: Any, right: Any) -> Any:
    if isinstance(left, datetime.date):
        if isinstance(right, datetime.date):
            return Fraction((left - right).days)
        return left - datetime.timedelta(days=int(right))
    if isinstance(left, int):  # year - year is a number of years; year - n a year
        return Fraction(left - right) if isinstance(right, int) else left - int(right)
    return left - right


def _on_one_argument(span: Span, argument: Code, apply: Callable[[CompiledEvaluation, Any], Any]) -> Code:
    """A call with one argument (a rule or parameter for a period, a yearly fact, a
    rounding): its step, the argument, then ``apply`` unless the argument is missing."""

    def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        value = argument(ev, env)
        return MISSING if value is MISSING else apply(ev, value)

    return code


def _on_two_arguments(span: Span, first: Code, second: Code, apply: Callable[[Any, Any], Any]) -> Code:
    """An operator or a two-argument function: its step, both operands, then ``apply``
    unless one of them is missing."""

    def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
        ev.steps += 1
        if ev.steps > ev._step_limit:
            raise ev._budget_spent(span)
        a, b = first(ev, env), second(ev, env)
        if a is MISSING or b is MISSING:
            return MISSING
        return apply(a, b)

    return code


def _spent_in_two_steps(ev: CompiledEvaluation, first: Span, second: Span) -> Exception:
    """CPF-R007 for two steps counted at once: at the first one if it was already past
    the limit (the count then left as the interpreter leaves it), else at the second."""
    if ev.steps - 1 > ev._step_limit:
        ev.steps -= 1
        return ev._budget_spent(first)
    return ev._budget_spent(second)


def _fraction_comparison(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``compare`` on two numbers. Two fractions are compared on their cross products
    (denominators are positive), which skips the abstract-class checks of
    ``Fraction.__lt__`` and friends (about 4× faster); anything else as Python does."""

    def on_numbers(a: Any, b: Any) -> Any:
        if type(a) is Fraction and type(b) is Fraction:
            return compare(a.numerator * b.denominator, b.numerator * a.denominator)
        return compare(a, b)

    return on_numbers


_FRACTION_LESS = _fraction_comparison(operator.lt)
_FRACTION_GREATER = _fraction_comparison(operator.gt)


def _arithmetic(op: str, left_type: Type | None, right: ast.Expr) -> Callable[[Any, Any], Any]:
    """The function of a binary operator, chosen once from the checked type of its left
    operand: numbers (fractions) use the operator itself; years and dates their
    calendar arithmetic (``_add``, ``_subtract``), with a constant whole number of years
    (``y - 1``) turned into an int at compile time."""
    kind = left_type.kind if left_type is not None else None
    if op in ("<", "<=", ">", ">=") and kind == "number":
        return _fraction_comparison(_COMPARE[op])
    if op not in ("+", "-"):
        return _COMPARE[op]
    if kind == "number":
        return operator.add if op == "+" else operator.sub
    if kind == "year" and isinstance(right, ast.Quantity) and right.value.denominator == 1:
        years = int(right.value)
        return (lambda a, _b: a + years) if op == "+" else (lambda a, _b: a - years)
    return _add if op == "+" else _subtract


@dataclass(frozen=True, slots=True)
class _ExceptionInfo:
    decl: ast.ExceptionDecl
    condition: Code
    body: Code
    reached: str
    branch: str


@dataclass(frozen=True, slots=True)
class _RuleInfo:
    name: str
    formal: str | None
    type: Type
    body: Code
    exceptions: tuple[_ExceptionInfo, ...]
    reached: str
    default_branch: str = "default"


@dataclass(frozen=True, slots=True)
class _InputInfo:
    yearly: bool
    section: str
    path: str
    type: Type
    has_default: bool
    default: Any


class CompiledRuleSet:
    """A :class:`RuleSet` compiled to closures, plus caches shared by its evaluations.

    Build it once per rule set (:func:`compile_rules` caches it) and evaluate many
    holders with :meth:`evaluation` or :func:`evaluate`.
    """

    def __init__(self, model: RuleSet) -> None:
        self.model = model
        self.code: dict[int, Code] = {}
        self.interpreted: list[str] = []
        """Constructs left to the interpreter (new kinds of expression or function), in
        the rules compiled so far."""
        self.citations: dict[tuple[int, datetime.date], tuple[tuple[CitedVersion, ...], tuple[Any, ...]]] = {}
        self.parameter_nodes: dict[
            tuple[str, datetime.date], tuple[Any, TraceNode, str, tuple[int, datetime.date]]
        ] = {}
        symbols = model.symbols
        self.rule_info: dict[str, _RuleInfo] = {}
        """Each rule compiled on its first call (:meth:`compile_rule`): a process that asks
        one question compiles the rules it reaches, not the whole rule base."""
        self.input_info: dict[str, _InputInfo] = {
            decl.name: _InputInfo(
                decl.section == "year",
                decl.section or "",
                f"$.{decl.section}.{decl.name}",
                symbols.type_of(decl.type).as_optional(decl.optional),
                decl.default is not None,
                _constant(decl.default) if decl.default is not None else None,
            )
            for decl in symbols.inputs.values()
            if decl.section is not None
        }

    # ---- compilation -------------------------------------------------------------------
    def compile_rule(self, rule: ast.RuleDecl) -> _RuleInfo:
        """The compiled form of ``rule``, built on its first call. Two threads may build it
        at once: both builds are equal, and the second simply replaces the first."""
        scope = frozenset(f.name for f in rule.formals)
        exceptions = tuple(
            _ExceptionInfo(
                exception,
                self._compile(exception.condition, scope),
                self._compile(exception.body, scope),
                f"exception:{rule.name}.{exception.name}",
                f"exception {exception.name}",
            )
            for exception in rule.exceptions
        )
        info = _RuleInfo(
            rule.name,
            rule.formals[0].name if rule.formals else None,
            self.model.symbols.type_of(rule.type),
            self._compile(rule.body, scope),
            exceptions,
            f"rule:{rule.name}",
        )
        self.rule_info[rule.name] = info
        return info

    def _compile(self, expr: ast.Expr, scope: frozenset[str]) -> Code:
        method = getattr(self, f"_c_{type(expr).__name__}", None)
        code: Code | None = method(expr, scope) if method is not None else None
        if code is None:
            return self._interpreted(expr)
        self.code[id(expr)] = code
        return code

    def _interpreted(self, expr: ast.Expr) -> Code:
        """A construct this compiler does not know: the interpreter evaluates its subtree."""
        self.interpreted.append(f"{type(expr).__name__} at {expr.span}")
        return lambda ev, env: Evaluation.eval(ev, expr, env)

    @staticmethod
    def _ticked(span: Span, inner: Code) -> Code:
        """``inner`` after one step counted (the interpreter counts one per node). The hot
        closures below count their step inline instead, saving a call per node."""

        def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            ev.steps += 1
            if ev.steps > ev._step_limit:
                raise ev._budget_spent(span)
            return inner(ev, env)

        return code

    def _constant_code(self, expr: ast.Expr, _scope: frozenset[str]) -> Code:
        value = getattr(expr, "value")  # noqa: B009 - every literal node has one
        span = expr.span

        def code(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            ev.steps += 1
            if ev.steps > ev._step_limit:
                raise ev._budget_spent(span)
            return value

        return code

    _c_Quantity = _constant_code
    _c_DateLiteral = _constant_code
    _c_TextLiteral = _constant_code
    _c_BoolLiteral = _constant_code

    def _c_Name(self, expr: ast.Name, scope: frozenset[str]) -> Code:
        name, span = expr.name, expr.span
        symbols = self.model.symbols
        if name in scope:

            def local(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                ev.steps += 1
                if ev.steps > ev._step_limit:
                    raise ev._budget_spent(span)
                return env[name]

            return local
        if name in symbols.inputs:
            decl = symbols.inputs[name]
            if decl.section is None:
                return self._ticked(span, lambda ev, env: ev.facts.lists.get(name, ()))
            return self._ticked(span, lambda ev, env: ev._input(decl, None, span))
        if name in symbols.rules:
            rule = symbols.rules[name]
            return self._ticked(span, lambda ev, env: ev.call_rule(rule, None, span))
        return self._ticked(span, lambda ev, env: name)  # an enum case

    def _c_Call(self, expr: ast.Call, scope: frozenset[str]) -> Code | None:
        name, span = expr.name, expr.span
        symbols = self.model.symbols
        known = (symbols.rules, symbols.inputs, symbols.parameters, ROUNDINGS, CALENDAR, ("min", "max"))
        if not any(name in names for names in known):
            return None  # a built-in function added to the language since: interpreted
        args = [self._compile(a, scope) for a in expr.args]
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
        if len(args) == 1 and not builtin and direct:
            # The common case, a rule or parameter for one period: no list, one identity test.
            (arg,) = args
            if name in symbols.rules:
                rule = symbols.rules[name]
                argument = expr.args[0]
                if isinstance(argument, ast.Name) and argument.name in scope:
                    # `rule(y)`: the call's step and the name's, counted together.
                    local, local_span = argument.name, argument.span

                    def call_rule_on_local(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                        ev.steps += 2
                        if ev.steps > ev._step_limit:
                            raise _spent_in_two_steps(ev, span, local_span)
                        period = env[local]
                        return MISSING if period is MISSING else ev.call_rule(rule, period, span)

                    return call_rule_on_local

                return _on_one_argument(span, arg, lambda ev, period: ev.call_rule(rule, period, span))
            parameter = symbols.parameters[name]
            return _on_one_argument(span, arg, lambda ev, on: ev._parameter(parameter, on, span))
        if len(args) == 1 and name not in symbols.rules and name in symbols.inputs:
            decl = symbols.inputs[name]
            return _on_one_argument(span, args[0], lambda ev, year: ev._input(decl, year, span))
        if len(args) == 1 and name in ROUNDINGS:
            round_it = ROUNDINGS[name]
            return _on_one_argument(span, args[0], lambda ev, amount: round_it(amount))
        if len(args) == 2 and name in ("min", "max"):
            first, second = args
            # min(a, b) keeps a unless b < a; max(a, b) keeps a unless b > a (as Python's).
            beats = _FRACTION_LESS if name == "min" else _FRACTION_GREATER
            return _on_two_arguments(span, first, second, lambda a, b: b if beats(b, a) else a)

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

    def _c_FieldAccess(self, expr: ast.FieldAccess, scope: frozenset[str]) -> Code:
        model = self.model
        span, name = expr.span, expr.name
        target_type = model.types.get(id(expr.target))
        target = expr.target
        if (
            target_type is not None
            and target_type.kind == "enum"
            and isinstance(target, ast.Name)
            and target.name not in scope
            and target.name in model.symbols.enums
        ):
            return self._ticked(span, lambda ev, env: name)
        base_code = self._compile(target, scope)
        if target_type is None:

            def unchecked(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                if base_code(ev, env) is MISSING:
                    return MISSING
                raise _error("CPF-R900", "internal error: unchecked expression", span)

            return self._ticked(span, unchecked)
        if target_type.kind == "year":
            month, day = (1, 1) if name == "start" else (12, 31)
            bounds: dict[int, datetime.date] = {}  # y.start or y.end of each year met, built once

            def year_bound(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                ev.steps += 1
                if ev.steps > ev._step_limit:
                    raise ev._budget_spent(span)
                base = base_code(ev, env)
                if base is MISSING:
                    return MISSING
                bound = bounds.get(base)
                if bound is None:
                    try:
                        bound = bounds.setdefault(base, datetime.date(base, month, day))
                    except ValueError:
                        raise _outside_calendar(f"the year {base}", span) from None
                return bound

            return year_bound
        if target_type.kind == "date":

            def year_of(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                ev.steps += 1
                if ev.steps > ev._step_limit:
                    raise ev._budget_spent(span)
                base = base_code(ev, env)
                return MISSING if base is MISSING else base.year

            return year_of
        assert target_type.name is not None
        record = model.symbols.records[target_type.name]
        field_decl = next(f for f in record.fields if f.name == name)
        default = _constant(field_decl.default) if field_decl.default is not None else None

        def record_field(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            base = base_code(ev, env)
            if base is MISSING:
                return MISSING
            return base[name] if name in base else default

        return self._ticked(span, record_field)

    def _c_Unary(self, expr: ast.Unary, scope: frozenset[str]) -> Code:
        operand = self._compile(expr.operand, scope)
        negate = expr.op != "not"

        def unary(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            value = operand(ev, env)
            if value is MISSING:
                return MISSING
            return -value if negate else (not value)

        return self._ticked(expr.span, unary)

    def _c_Binary(self, expr: ast.Binary, scope: frozenset[str]) -> Code:
        left, right = self._compile(expr.left, scope), self._compile(expr.right, scope)
        op, span = expr.op, expr.span
        if op in ("and", "or"):
            short = op == "or"  # `or` stops on True, `and` on False

            def logical(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                ev.steps += 1
                if ev.steps > ev._step_limit:
                    raise ev._budget_spent(span)
                a = left(ev, env)
                if a is short:
                    return short
                b = right(ev, env)
                if a is MISSING or b is MISSING:
                    return MISSING
                return b

            return logical
        if op == "/":

            def divide(a: Any, b: Any) -> Any:
                if b == 0:
                    raise _error("CPF-R006", "division by zero", span, hint="guard the division with an `if`")
                return (a if type(a) is Fraction else Fraction(a)) / (b if type(b) is Fraction else Fraction(b))

            return _on_two_arguments(span, left, right, divide)
        function = _arithmetic(op, self.model.types.get(id(expr.left)), expr.right)
        if function in (_add, _subtract):
            calendar_arithmetic = function

            def function(a: Any, b: Any) -> Any:
                try:
                    return calendar_arithmetic(a, b)
                except OverflowError:  # a date pushed past year 9999 or before year 1
                    days = int(b) if op == "+" else -int(b)
                    raise _outside_calendar(f"{a.isoformat()} + {days} days", span) from None

        return _on_two_arguments(span, left, right, function)

    def _c_Otherwise(self, expr: ast.Otherwise, scope: frozenset[str]) -> Code:
        left, right = self._compile(expr.left, scope), self._compile(expr.right, scope)

        def otherwise(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            depth = len(ev.active)
            children = ev.frames[-1].children
            mark = len(children)
            try:
                value = left(ev, env)
            except _Undefined as undefined:
                if undefined.depth != depth:
                    raise
                del children[mark:]
                value = MISSING
            if value is MISSING:
                return right(ev, env)
            return value

        return self._ticked(expr.span, otherwise)

    def _c_If(self, expr: ast.If, scope: frozenset[str]) -> Code:
        condition = self._compile(expr.condition, scope)
        then, orelse = self._compile(expr.then, scope), self._compile(expr.orelse, scope)
        span, text = expr.span, expr.condition_text

        def choose(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            ev.steps += 1
            if ev.steps > ev._step_limit:
                raise ev._budget_spent(span)
            holds = condition(ev, env)
            ev.frames[-1].decisions.append(Decision(span, text, bool(holds)))
            return (then if holds else orelse)(ev, env)

        return choose

    def _c_Let(self, expr: ast.Let, scope: frozenset[str]) -> Code:
        value_code = self._compile(expr.value, scope)
        body = self._compile(expr.body, scope | {expr.name})
        name, span = expr.name, expr.span
        value_type = self.model.types.get(id(expr.value), Type("number"))

        def let(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            ev.frames.append(_Frame())
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

        return self._ticked(span, let)

    def _c_Aggregate(self, expr: ast.Aggregate, scope: frozenset[str]) -> Code:
        source = self._compile(expr.source, scope)
        inner_scope = scope | {expr.variable}
        condition = self._compile(expr.condition, inner_scope) if expr.condition is not None else None
        body = self._compile(expr.body, inner_scope)
        kind, variable, span = expr.kind, expr.variable, expr.span
        result_type = self.model.types.get(id(expr), INTEGER)

        def aggregate(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            items = source(ev, env)
            if items is MISSING:
                return MISSING
            selected = 0
            ev.frames.append(_Frame())
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

        return self._ticked(span, aggregate)

    # ---- evaluation --------------------------------------------------------------------
    def evaluation(
        self, facts: Facts, as_of: datetime.date, with_trace: bool = True, **options: Any
    ) -> CompiledEvaluation:
        """A fresh evaluation of one holder (memo, trace, budget), running the closures;
        ``options`` are those of :class:`~cpf_rules.evaluate.Evaluation` (e.g. ``step_budget``)."""
        return CompiledEvaluation(self, facts, as_of, with_trace, **options)


def _constant(expr: ast.Expr) -> Any:
    """The value of a constant expression (a default, a dated value), as the interpreter reads it."""
    if isinstance(expr, (ast.Quantity, ast.DateLiteral, ast.TextLiteral, ast.BoolLiteral)):
        return expr.value
    if isinstance(expr, (ast.Name, ast.FieldAccess)):
        return expr.name
    assert isinstance(expr, ast.Unary) and isinstance(expr.operand, ast.Quantity)
    return -expr.operand.value


class CompiledEvaluation(Evaluation):
    """An :class:`Evaluation` that runs compiled closures instead of walking the tree."""

    def __init__(
        self, compiled: CompiledRuleSet, facts: Facts, as_of: datetime.date, with_trace: bool, **options: Any
    ) -> None:
        super().__init__(compiled.model, facts, as_of, with_trace, **options)
        self.compiled = compiled
        self._code = compiled.code
        self._active_keys: set[tuple[str, Any]] = set()

    def eval(self, expr: ast.Expr, env: dict[str, Any]) -> Any:
        code = self._code.get(id(expr))
        if code is None:  # inside a construct left to the interpreter
            return Evaluation.eval(self, expr, env)
        return code(self, env)

    def _cite(self, citations: tuple[ast.Citation, ...], on: datetime.date) -> tuple[CitedVersion, ...]:
        key = (id(citations), on)
        cached = self.compiled.citations.get(key)
        if cached is None:
            saved, self.version_gaps = self.version_gaps, {}
            try:
                cited = super()._cite(citations, on)
                cached = (cited, tuple(self.version_gaps.items()))
            finally:
                self.version_gaps = saved
            self.compiled.citations[key] = cached
        for gap, span in cached[1]:
            self.version_gaps.setdefault(gap, span)
        return cached[0]

    def _parameter(self, parameter: ast.ParameterDecl, on: datetime.date, span: Span) -> Any:
        key = (parameter.name, on)
        cached = self.compiled.parameter_nodes.get(key)
        if cached is None:
            # First read of this parameter on this date in this process: the interpreter's
            # own code, with all its effects (it raises _Undefined when there is no value).
            value = super()._parameter(parameter, on, span)
            chosen = [dated for dated in parameter.values if dated.start <= on][-1]
            node = self.frames[-1].children[-1]
            reached_key = f"value:{parameter.name}@{chosen.start.isoformat()}"
            self.compiled.parameter_nodes[key] = (value, node, reached_key, (id(chosen.citations), on))
            return value
        value, node, reached_key, citations_key = cached
        self.reached.add(reached_key)
        for note in node.flags:
            self.flags.setdefault((note.kind, note.text, note.span), note)
        for gap, gap_span in self.compiled.citations.get(citations_key, ((), ()))[1]:
            self.version_gaps.setdefault(gap, gap_span)
        self.frames[-1].children.append(node)
        return value

    # The three methods below are the interpreter's call_rule, _rule_value and _input
    # with what does not depend on the holder computed once (types, labels, strings).
    def call_rule(self, rule: ast.RuleDecl, period: Any, call_span: Span) -> Any:
        key = (rule.name, period)
        cached = self.memo.get(key)
        if cached is not None:
            self.frames[-1].children.append(cached[1])
            return cached[0]
        info = self.compiled.rule_info.get(rule.name) or self.compiled.compile_rule(rule)
        if (
            key in self._active_keys
            or len(self.active) >= MAX_DEPTH
            or (type(period) is int and not datetime.MINYEAR <= period <= datetime.MAXYEAR)
        ):
            return super().call_rule(rule, period, call_span)  # raises CPF-R004 / R003 / R008
        self.reached.add(info.reached)
        self.active.append(key)
        self._active_keys.add(key)
        frame = _Frame()
        self.frames.append(frame)
        if type(period) is int:  # a year: its 1 January, built once per process
            on = _YEAR_STARTS.get(period) or _YEAR_STARTS.setdefault(period, datetime.date(period, 1, 1))
            shown = str(period)
        else:
            on = period_date(period, self.as_of)
            shown = period_text(period)  # type: ignore[assignment]
        try:
            env: dict[str, Any] = {info.formal: period} if info.formal is not None else {}
            value, applied, exception_nodes = self._compiled_rule_value(info, env, on, shown)
        finally:
            self.frames.pop()
            self.active.pop()
            self._active_keys.discard(key)
        node = TraceNode(
            "rule",
            rule.name,
            rule.label,
            shown,
            value,
            info.type,
            rule.span,
            tuple(exception_nodes + frame.children) if exception_nodes else tuple(frame.children),
            self._cite(rule.citations, on) if applied is None else (),
            self._flags(rule.flags) if rule.flags else (),
            tuple(frame.decisions),
            info.default_branch if applied is None else applied.branch,
        )
        self.memo[key] = (value, node)
        self.frames[-1].children.append(node)
        return value

    def _compiled_rule_value(
        self, info: _RuleInfo, env: dict[str, Any], on: datetime.date, shown: str | None
    ) -> tuple[Any, _ExceptionInfo | None, list[TraceNode]]:
        if not info.exceptions:
            return info.body(self, env), None, []
        applying: list[tuple[_ExceptionInfo, Any]] = []
        nodes: list[TraceNode] = []
        shown_period = shown if info.formal is not None else None
        for exception in info.exceptions:
            frame = _Frame()
            self.frames.append(frame)
            try:
                holds = exception.condition(self, env)
                value = exception.body(self, env) if holds else None
            finally:
                self.frames.pop()
            if holds:
                applying.append((exception, value))
                self.reached.add(exception.reached)
            nodes.append(self._exception_node(exception.decl, shown_period, info.type, holds, value, frame, on))
        if len(applying) > 1:
            raise self._exception_conflict(info.name, [e.decl for e, _ in applying])
        if applying:
            exception, value = applying[0]
            return value, exception, nodes
        return info.body(self, env), None, nodes

    def _input(self, decl: ast.InputDecl, year: int | None, span: Span) -> Any:
        info = self.compiled.input_info.get(decl.name)
        if info is None:
            return super()._input(decl, year, span)
        name = decl.name
        if info.yearly:
            entry = self.facts.years.get(year)  # type: ignore[arg-type]
            present = entry is not None and name in entry
            value = entry[name] if present else MISSING  # type: ignore[index]
            period: str | None = str(year)
        else:
            section = self.facts.sections.get(info.section, {})
            present = name in section
            value = section[name] if present else MISSING
            period = None
        if present:
            if info.yearly:
                detail: str = f"$.years[{self.facts.year_positions.get(year)}].{name}"  # type: ignore[arg-type]
            else:
                detail = info.path
        elif info.has_default:
            value = info.default
            detail = "default"
        elif decl.optional:
            detail = "absent"
        else:
            return super()._input(decl, year, span)  # raises CPF-R005
        if self.with_trace:
            self.frames[-1].children.append(
                TraceNode(
                    kind="input",
                    name=name,
                    label=decl.label,
                    period=period,
                    value=value,
                    type=info.type,
                    span=decl.span,
                    detail=detail,
                )
            )
        return value

    def _flags(self, flags: tuple[ast.Flag, ...]) -> tuple[FlagNote, ...]:
        if not flags:
            return ()
        return super()._flags(flags)


_YEAR_STARTS: dict[int, datetime.date] = {}
"""1 January of each year a rule was evaluated for (the date its citations are read on)."""

_COMPILED: dict[str, tuple[RuleSet, CompiledRuleSet]] = {}


def compile_rules(model: RuleSet) -> CompiledRuleSet:
    """The compiled form of ``model``, built once per rule set and cached."""
    cached = _COMPILED.get(model.fingerprint)
    if cached is not None and cached[0] is model:
        return cached[1]
    compiled = CompiledRuleSet(model)
    _COMPILED[model.fingerprint] = (model, compiled)
    return compiled


def evaluate(
    rules: RuleSet,
    facts: Facts | Mapping[str, Any] | str | Path,
    questions: Iterable[str],
    as_of: datetime.date | None = None,
    trace: bool = True,
) -> Result:
    """:func:`cpf_rules.api.evaluate` on the compiled evaluator: same arguments, same result."""
    from .api import evaluate as api_evaluate

    return api_evaluate(rules, facts, questions, as_of=as_of, trace=trace, compiled=True)
