"""The vectorised evaluator: one question over a whole population, column by column.

It follows the interpreter (:mod:`cpf_rules.evaluate`) construct by construct, on
:class:`~cpf_rules.batch.vectors.Vec` columns instead of one holder's values. Periods
come from the question, so they are the same for every holder: rule results are
memoised per (rule, period) as whole columns, inputs (and the years of date inputs)
are read once per chunk, parameters read on a period are scalars looked up once, an
aggregate over a list nobody has is a constant, and an ``if`` whose condition is
uniform evaluates one arm only, as the interpreter does. A condition that differs
between holders evaluates both arms and picks per row; whatever an untaken arm would
have raised is masked away.

Anything the kernel cannot answer exactly is never guessed:

- a construct it does not vectorise (a rule called on a period that differs between
  holders, a nested aggregate, a built-in added later...) raises :class:`Unvectorisable`:
  the runner answers the whole question on the scalar engine and reports why;
- a row whose evaluation would fail (missing input, two exceptions, division by zero,
  a parameter with no value that no ``otherwise`` catches), whose numbers outgrow
  int64 (or whose facts hold one int64 cannot represent, ``Population.unfit``), or
  that might spend the scalar engine's step budget is flagged ``fallback``: the runner
  answers that holder on the scalar engine, which gives the value or the exact
  diagnostic (CPF-R007 for a spent budget).

Steps are counted as an upper bound of what the scalar engine takes for each holder
(see :meth:`BatchEvaluation.question`): one per expression evaluated, like the
interpreter; an aggregate's condition and body once per item of each holder's list
(the kernel evaluates them once for all items); and a rule result memoised by an
earlier question counted again, with what it cost, in the first question that reuses
it (the scalar engine answers each question from scratch in ``cpf batch``).

The kernel is the evaluator: the entry point, rules, and one handler per expression
construct, which decides what to evaluate and caches it; the handlers of the constructs
where a condition chooses (a rule's exceptions, ``and``/``or``, ``otherwise``, ``if``)
are inherited from :class:`~cpf_rules.batch.branches.BranchHandlers`. The rest is done
by plain functions it calls: :mod:`~cpf_rules.batch.columns` reads inputs
and parameters into columns, :mod:`~cpf_rules.batch.operators` combines evaluated
operands (comparisons, arithmetic, ``and``/``or``, built-ins),
:mod:`~cpf_rules.batch.aggregates` holds list items and reduces them per holder, and
:mod:`~cpf_rules.batch.errors` defines :class:`Unvectorisable`.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

import numpy as np

from .. import ast
from ..evaluation_limits import NestingMeter
from ..limits import MAX_DEPTH, MAX_NESTING, MAX_STEPS, NESTING_WATCH, RECURSION_LIMIT
from ..model import RuleSet
from ..periods import period_date
from . import vectors as vx
from .aggregates import ItemRef, Items, aggregate, align, empty, item_field, lift
from .branches import BranchHandlers
from .columns import parameter_by_row, parameter_on, read_input
from .errors import Unvectorisable
from .operators import binary, blank, builtin, year_edge
from .population import ListColumn, Population
from .vectors import Num, Vec, union


class BatchEvaluation(BranchHandlers):
    """Answers questions for every holder of one population (a chunk of the input)."""

    def __init__(self, model: RuleSet, population: Population, as_of: datetime.date) -> None:
        self.model = model
        self.symbols = model.symbols
        self.types = model.types
        self.population = population
        self.n = population.n
        self.as_of = as_of
        self.memo: dict[tuple[str, Any], Vec] = {}
        self.inputs: dict[tuple[str, Any], Vec] = {}  # (input, year) → its column, read once
        self.years: dict[int, tuple[Any, Any]] = {}  # id(date column) → (the column, its years)
        self.parameters: dict[tuple[str, Any], Vec] = {}  # (parameter, date) → its uniform value
        self.constants: dict[int, Vec] = {}  # id(quantity literal) → its value
        self.active: list[tuple[str, Any]] = []
        self._nesting: NestingMeter | None = None
        self.owner: Any = None  # item → row, inside an aggregate
        self.steps = 0  # steps of the question, for every holder (an upper bound of each one's)
        self.extra: Any = None  # None, or each holder's steps beyond ``steps`` (its list items' share)
        self.costs: dict[tuple[str, Any], tuple[int, Any, tuple[tuple[str, Any], ...]]] = {}
        """(rule, period) → the steps and extra its memoised result cost, and the results computed for it."""
        self.counted: set[tuple[str, Any]] = set()  # results whose cost this question has counted
        self.counted_order: list[tuple[str, Any]] = []  # the same, in the order they were counted

    # ---- entry point -------------------------------------------------------------------
    def question(self, name: str, period: Any) -> Vec:
        """The answer column; rows flagged ``fallback`` must be asked to the scalar engine."""
        if sys.getrecursionlimit() < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
        self.steps = 0
        self.extra = None
        self.counted = set()
        self.counted_order = []
        try:
            if name in self.symbols.rules:
                result = self._rule(self.symbols.rules[name], period, None)
            else:
                result = self._parameter(self.symbols.parameters[name], period)
                result = Vec(result.data, result.missing, False, union(result.fallback, result.undefined))
        except (ValueError, OverflowError, RecursionError) as error:
            # A date outside the calendar (`credit(0000)`, `d + 10000000 days`) or a stack
            # exhausted: the scalar engine answers each row with its diagnostic (R008, R003).
            raise Unvectorisable(f"not vectorised ({type(error).__name__}): answered by the scalar engine") from None
        # A missing answer is rare and rendered by the scalar engine; so are the rows
        # holding a number int64 cannot represent, and those that may spend the step budget.
        fallback = union(result.fallback, result.missing, result.undefined, self.population.unfit, self._over_budget())
        return Vec(result.data, False, False, fallback)

    def _over_budget(self) -> Any:
        """The rows whose bound of steps (``steps`` plus their ``extra``) passes the scalar engine's MAX_STEPS."""
        if self.extra is None:
            return False  # `steps` alone never passes it: _tick stops the question first
        over = self.extra > MAX_STEPS - self.steps
        return over if over.any() else False

    def _size(self, level: int) -> int:
        return len(self.owner) if level == 1 and self.owner is not None else self.n

    def _tick(self, expr: ast.Expr) -> None:
        self.steps += 1  # an upper bound of any holder's steps: past the budget, let the scalar engine say so
        if self.steps > MAX_STEPS:
            raise Unvectorisable("the step budget would be reached", expr.span)

    def _count(self, key: tuple[str, Any]) -> None:
        self.counted.add(key)
        self.counted_order.append(key)

    def _recount(self, key: tuple[str, Any], span: Any) -> None:
        """A result memoised by an earlier question: its cost, once in this question (and its parts' too)."""
        steps, extra, parts = self.costs[key]
        self.steps += steps
        if extra is not None:
            self.extra = extra if self.extra is None else self.extra + extra
        for part in (*parts, key):
            if part not in self.counted:
                self._count(part)
        if self.steps > MAX_STEPS:
            raise Unvectorisable("the step budget would be reached", span)

    # ---- rules, and the inputs and parameters they read (cached) ----------------------
    def _rule(self, rule: ast.RuleDecl, period: Any, span: Any) -> Vec:
        key = (rule.name, period)
        cached = self.memo.get(key)
        if cached is not None:
            if key not in self.counted:
                self._recount(key, span)
            return cached
        if key in self.active or len(self.active) >= MAX_DEPTH or self._nesting_with(rule.name) > MAX_NESTING:
            raise Unvectorisable(f"{rule.name} recurses too deep or on itself", span)
        self.active.append(key)
        saved_owner, self.owner = self.owner, None
        steps, extra, first = self.steps, self.extra, len(self.counted_order)
        try:
            env: dict[str, Any] = {rule.formals[0].name: Vec(period)} if rule.formals else {}
            result = self._rule_value(rule, env)
        finally:
            self.owner = saved_owner
            self.active.pop()
        # A parameter with no value that no `otherwise` of this rule caught: an error.
        result = Vec(result.data, result.missing, False, union(result.fallback, result.undefined))
        self.memo[key] = result
        added = None if self.extra is extra else self.extra if extra is None else self.extra - extra
        self.costs[key] = (self.steps - steps, added, tuple(self.counted_order[first:]))
        self._count(key)
        return result

    def _nesting_with(self, name: str) -> int:
        """As the scalar engine sums them (MAX_NESTING): the formula heights of the active rules and ``name``."""
        if len(self.active) < NESTING_WATCH:
            return 0  # too few calls to pass MAX_NESTING (see evaluate.NESTING_WATCH)
        if self._nesting is None:
            self._nesting = NestingMeter(self.model)
        return self._nesting.with_rule(self.active, name)

    def _parameter(self, parameter: ast.ParameterDecl, on: Any) -> Vec:
        if vx.is_array(on):
            return parameter_by_row(parameter, on)
        key = (parameter.name, on)
        cached = self.parameters.get(key)
        if cached is None:
            cached = self.parameters[key] = parameter_on(parameter, on)
        return cached

    def _input(self, decl: ast.InputDecl, year: Any, span: Any) -> Vec:
        key = (decl.name, year)
        cached = self.inputs.get(key)
        if cached is None:
            cached = self.inputs[key] = read_input(self.population, self.symbols, decl, year, span)
        return cached

    # ---- expressions -------------------------------------------------------------------
    def eval(self, expr: ast.Expr, env: dict[str, Any]) -> Vec:
        self._tick(expr)
        method = getattr(self, f"_e_{type(expr).__name__}", None)
        if method is None:
            raise Unvectorisable(f"{type(expr).__name__} is not vectorised", expr.span)
        result: Vec = method(expr, env)
        return result

    def _e_Quantity(self, expr: ast.Quantity, env: dict[str, Any]) -> Vec:
        cached = self.constants.get(id(expr))
        if cached is None:
            cached = self.constants[id(expr)] = Vec(Num.of(expr.value))
        return cached

    def _e_DateLiteral(self, expr: ast.DateLiteral, env: dict[str, Any]) -> Vec:
        return Vec(expr.value)

    def _e_TextLiteral(self, expr: ast.TextLiteral, env: dict[str, Any]) -> Vec:
        return Vec(expr.value)

    def _e_BoolLiteral(self, expr: ast.BoolLiteral, env: dict[str, Any]) -> Vec:
        return Vec(expr.value)

    def _e_Name(self, expr: ast.Name, env: dict[str, Any]) -> Any:
        name = expr.name
        if name in env:
            return env[name]
        symbols = self.symbols
        if name in symbols.inputs:
            decl = symbols.inputs[name]
            if decl.section is None:
                column = self.population.lists.get(name)
                if column is None:
                    column = ListColumn(np.zeros(0, dtype=np.int64))
                return Vec(Items(decl.type.name, column))
            return self._input(decl, None, expr.span)
        if name in symbols.rules:
            return self._rule(symbols.rules[name], None, expr.span)
        return Vec(name)  # an enum case

    def _e_Call(self, expr: ast.Call, env: dict[str, Any]) -> Vec:
        name = expr.name
        symbols = self.symbols
        args = align(self.owner, *[self.eval(a, env) for a in expr.args])
        nothing = blank(*args)
        if nothing is not None and (name not in symbols.rules and name not in symbols.inputs):
            return nothing
        missing = union(*[a.missing for a in args])
        undefined = union(*[a.undefined for a in args])
        fallback = union(*[a.fallback for a in args])
        level = max((a.level for a in args), default=0)
        value = builtin(name, args, missing, undefined, fallback, level)
        if value is not None:
            return value
        period = args[0].data if args else None
        if name in symbols.parameters:
            result = self._parameter(symbols.parameters[name], period)
            looked_up = result.undefined  # rows whose date is missing were never looked up
            if looked_up is not False and missing is not False:
                looked_up = looked_up & ~missing
            return Vec(result.data, missing, union(undefined, looked_up), fallback, level)
        if missing is not False or undefined is not False or fallback is not False or vx.is_array(period):
            raise Unvectorisable(f"{name} called on a period that differs between holders", expr.span)
        if name in symbols.rules:
            return self._rule(symbols.rules[name], period, expr.span)
        if name in symbols.inputs:
            return self._input(symbols.inputs[name], period, expr.span)
        raise Unvectorisable(f"the function {name} is not vectorised", expr.span)

    def _e_FieldAccess(self, expr: ast.FieldAccess, env: dict[str, Any]) -> Vec:
        target_type = self.types.get(id(expr.target))
        target = expr.target
        if target_type is not None and target_type.kind == "enum" and isinstance(target, ast.Name):
            if target.name not in env and target.name in self.symbols.enums:
                return Vec(expr.name)
        base = self.eval(target, env)
        nothing = blank(base)
        if nothing is not None:
            return nothing
        if target_type is None:
            raise Unvectorisable("unchecked expression", expr.span)
        data = base.data
        if target_type.kind == "year":
            data = year_edge(data, expr.name)
        elif target_type.kind == "date":
            data = self._years_of(data) if vx.is_array(data) else data.year
        elif isinstance(data, Items):
            raise Unvectorisable("a whole list used as a value", expr.span)
        else:
            return item_field(self.symbols, expr, base)
        return Vec(data, base.missing, base.undefined, base.fallback, base.level)

    def _years_of(self, ordinals: Any) -> Any:
        """``.year`` of a date column, computed once per column (``low_qualified(y)`` reads it every year)."""
        cached = self.years.get(id(ordinals))
        if cached is None or cached[0] is not ordinals:
            cached = self.years[id(ordinals)] = (ordinals, vx.years_of(ordinals))
        return cached[1]

    def _e_Unary(self, expr: ast.Unary, env: dict[str, Any]) -> Vec:
        value = self.eval(expr.operand, env)
        nothing = blank(value)
        if nothing is not None:
            return nothing
        data = value.data
        if expr.op == "not":
            data = ~data if vx.is_array(data) else (not data)
        else:
            data = vx.as_num(data)
            data = Num(-data.num, data.den, data.bound)
        return Vec(data, value.missing, value.undefined, value.fallback, value.level)

    def _e_Binary(self, expr: ast.Binary, env: dict[str, Any]) -> Vec:
        op = expr.op
        left = self.eval(expr.left, env)
        if op in ("and", "or"):
            return self._logical(op, left, expr.right, env)
        right = self.eval(expr.right, env)
        left, right = align(self.owner, left, right)
        nothing = blank(left, right)
        if nothing is not None:
            return nothing
        data, bad = binary(op, left.data, right.data, expr.span)
        missing = union(left.missing, right.missing)
        undefined = union(left.undefined, right.undefined)
        return Vec(data, missing, undefined, union(left.fallback, right.fallback, bad), left.level)

    def _e_Let(self, expr: ast.Let, env: dict[str, Any]) -> Vec:
        value = self.eval(expr.value, env)
        body, bound = align(self.owner, self.eval(expr.body, {**env, expr.name: value}), value)
        # The scalar engine evaluates the value first, whatever the body reads: where it
        # fails (a parameter without a value, a row for the scalar engine) the `let` fails.
        undefined = union(body.undefined, bound.undefined)
        return Vec(body.data, body.missing, undefined, union(body.fallback, bound.fallback), body.level)

    def _e_Aggregate(self, expr: ast.Aggregate, env: dict[str, Any]) -> Vec:
        if self.owner is not None:
            raise Unvectorisable("an aggregate inside an aggregate", expr.span)
        source = self.eval(expr.source, env)
        if not isinstance(source.data, Items):
            raise Unvectorisable("an aggregate over something other than a list input", expr.span)
        column = source.data.column
        owner = column.owner
        if not len(owner):  # nobody has an item: the value is known without looking at the body
            return Vec(empty(expr.kind))
        self.owner = owner
        steps = self.steps
        try:
            inner = {**env, expr.variable: Vec(ItemRef(source.data.record, column), level=1)}
            condition = lift(self.eval(expr.condition, inner), owner) if expr.condition is not None else None
            body = lift(self.eval(expr.body, inner), owner) if expr.kind != "count" else None
        finally:
            self.owner = None
        # The scalar engine evaluates the condition and the body once per item: each
        # holder's bound grows by their steps times its number of items.
        per_item = np.bincount(owner, minlength=self.n) * (self.steps - steps)
        self.extra = per_item if self.extra is None else self.extra + per_item
        return aggregate(expr, owner, self.n, condition, body)


__all__ = ["BatchEvaluation", "Unvectorisable", "period_date"]
