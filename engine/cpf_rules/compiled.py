"""Stage 5, compiled: the checked model turned once into Python closures.

The interpreter (:mod:`cpf_rules.evaluate`) walks the syntax tree for every holder: it
looks up a handler by node type, resolves each name against the symbol tables and
compares operator strings at every step. :class:`CompiledRuleSet` does that work once:
every expression of the checked model becomes a closure ``fn(evaluation, env)`` whose
names, operators and field kinds are already resolved. No rule text and no fact is
ever passed to ``eval``/``exec``: the closures are built from the checked tree only.
Names, fields, operators and literals are compiled here; calls in
:mod:`cpf_rules.compiled_calls`, ``otherwise``/``if``/``let``/aggregates in
:mod:`cpf_rules.compiled_control`, on the shapes of :mod:`cpf_rules.compiled_ops`.

:class:`~cpf_rules.compiled_evaluation.CompiledEvaluation` runs these closures for one
holder, with the interpreter's trace frames, so values, traces, warnings, errors (codes,
spans) and the step budget are identical by construction (a property test compares
them).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import ast
from .compiled_calls import compile_call, year_bound
from .compiled_control import compile_aggregate, compile_if, compile_let, compile_otherwise
from .compiled_evaluation import CompiledEvaluation
from .compiled_ops import (
    Code,
    arithmetic,
    calendar_add,
    calendar_subtract,
    on_two_arguments,
    ticked,
)
from .compiled_values import CompiledValueEvaluation
from .evaluate import Evaluation
from .evaluation_errors import MISSING, error, outside_calendar
from .facts import Facts
from .model import RuleSet, constant_value
from .readonly import readonly
from .trace import CitedVersion, FlagNote, Result, TraceNode
from .types import Type


@readonly()
class _ExceptionInfo:
    decl: ast.ExceptionDecl
    condition: Code
    body: Code
    reached: str
    branch: str
    flags: tuple[FlagNote, ...]
    """Its ``uncertain`` / ``interpretation`` notes, warned about when it applies."""
    may_lack_a_version: bool
    """Whether one of its citations can miss a version in legal_refs/ (CPF-W603)."""


@readonly()
class _RuleInfo:
    name: str
    formal: str | None
    type: Type
    body: Code
    exceptions: tuple[_ExceptionInfo, ...]
    reached: str
    flags: tuple[FlagNote, ...]
    """Its ``uncertain`` / ``interpretation`` notes, warned about whenever it is evaluated."""
    may_lack_a_version: bool
    """Whether one of its citations can miss a version in legal_refs/ (CPF-W603)."""
    default_branch: str = "default"


@readonly()
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
                constant_value(decl.default) if decl.default is not None else None,
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
                tuple(FlagNote(f.kind, f.text, f.span) for f in exception.flags),
                self._may_lack_a_version(exception.citations),
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
            tuple(FlagNote(f.kind, f.text, f.span) for f in rule.flags),
            self._may_lack_a_version(rule.citations),
        )
        self.rule_info[rule.name] = info
        return info

    def _may_lack_a_version(self, citations: tuple[ast.Citation, ...]) -> bool:
        """False when no date can fall in a hole between two versions of an article cited
        (versions in order, each running until the next begins): the evaluation without
        trace then skips looking for versions missing from legal_refs/ (CPF-W603)."""
        for citation in citations:
            article = self.model.registry.get(citation.ref)
            if article is None:
                continue
            versions = article.versions
            for before, after in itertools.pairwise(versions):
                if before.in_force_from > after.in_force_from:
                    return True  # out of order: let the evaluation look
                if (
                    before.in_force_to is not None
                    and before.in_force_to + datetime.timedelta(days=1) < after.in_force_from
                ):
                    return True
        return False

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
    # Calls (compiled_calls.py) and the constructs that steer evaluation or bind names
    # (compiled_control.py), compiled by functions of their own modules.
    _c_Call = compile_call
    _c_Otherwise = compile_otherwise
    _c_If = compile_if
    _c_Let = compile_let
    _c_Aggregate = compile_aggregate

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
                return ticked(span, lambda ev, env: ev.facts.lists.get(name, ()))
            return ticked(span, lambda ev, env: ev._input(decl, None, span))
        if name in symbols.rules:
            rule = symbols.rules[name]
            return ticked(span, lambda ev, env: ev.call_rule(rule, None, span))
        return ticked(span, lambda ev, env: name)  # an enum case

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
            return ticked(span, lambda ev, env: name)
        base_code = self._compile(target, scope)
        if target_type is None:

            def unchecked(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                if base_code(ev, env) is MISSING:
                    return MISSING
                raise error("CPF-R900", "internal error: unchecked expression", span)

            return ticked(span, unchecked)
        if target_type.kind == "year":
            bound = year_bound(*((1, 1) if name == "start" else (12, 31)), span)

            def year_bound_of(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
                ev.steps += 1
                if ev.steps > ev._step_limit:
                    raise ev._budget_spent(span)
                base = base_code(ev, env)
                return MISSING if base is MISSING else bound(base)

            return year_bound_of
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
        default = constant_value(field_decl.default) if field_decl.default is not None else None

        def record_field(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            base = base_code(ev, env)
            if base is MISSING:
                return MISSING
            return base[name] if name in base else default

        return ticked(span, record_field)

    def _c_Unary(self, expr: ast.Unary, scope: frozenset[str]) -> Code:
        operand = self._compile(expr.operand, scope)
        negate = expr.op != "not"

        def unary(ev: CompiledEvaluation, env: dict[str, Any]) -> Any:
            value = operand(ev, env)
            if value is MISSING:
                return MISSING
            return -value if negate else (not value)

        return ticked(expr.span, unary)

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
                    raise error("CPF-R006", "division by zero", span, hint="guard the division with an `if`")
                return (a if type(a) is Fraction else Fraction(a)) / (b if type(b) is Fraction else Fraction(b))

            return on_two_arguments(span, left, right, divide)
        function = arithmetic(op, self.model.types.get(id(expr.left)), expr.right)
        if function in (calendar_add, calendar_subtract):
            calendar_arithmetic = function

            def function(a: Any, b: Any) -> Any:
                try:
                    return calendar_arithmetic(a, b)
                except OverflowError:  # a date pushed past year 9999 or before year 1
                    days = int(b) if op == "+" else -int(b)
                    raise outside_calendar(f"{a.isoformat()} + {days} days", span) from None

        return on_two_arguments(span, left, right, function)

    # ---- evaluation --------------------------------------------------------------------
    def evaluation(
        self, facts: Facts, as_of: datetime.date, with_trace: bool = True, **options: Any
    ) -> CompiledEvaluation:
        """A fresh evaluation of one holder (memo, trace, budget), running the closures;
        ``options`` are those of :class:`~cpf_rules.evaluate.Evaluation` (e.g. ``step_budget``).
        Without trace, only the question's own step is built (:mod:`cpf_rules.compiled_values`)."""
        if not with_trace:
            return CompiledValueEvaluation(self, facts, as_of, with_trace, **options)
        return CompiledEvaluation(self, facts, as_of, with_trace, **options)


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
