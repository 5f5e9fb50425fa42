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
  a parameter with no value that no ``otherwise`` catches) or whose numbers outgrow
  int64 is flagged ``fallback``: the runner answers that holder on the scalar engine,
  which gives the value or the exact diagnostic.
"""

from __future__ import annotations

import datetime
import functools
import sys
from fractions import Fraction
from typing import Any

import numpy as np

from .. import ast
from ..evaluate import MAX_DEPTH, MAX_STEPS, constant_value, period_date
from ..model import RuleSet
from ..values import CENT, HOUR
from . import vectors as vx
from .population import Column, ListColumn, Population, kind_of
from .vectors import Num, Vec, union

_ROUNDINGS = {
    "round_up_to_cent": (vx.ceil_to, CENT),
    "round_half_up_to_cent": (vx.half_up_to, CENT),
    "round_up_to_hour": (vx.ceil_to, HOUR),
    "round_to_nearest_hour": (vx.half_up_to, HOUR),
}


class Unvectorisable(Exception):
    """The question uses something the kernel does not vectorise; ``reason`` says what, and where."""

    def __init__(self, reason: str, span: Any = None) -> None:
        self.reason = f"{reason} ({span})" if span is not None else reason
        super().__init__(self.reason)


class _Items:
    """The current item of an aggregate (``e`` in ``for e in ledger``)."""

    def __init__(self, record: str, column: ListColumn) -> None:
        self.record = record
        self.column = column


class BatchEvaluation:
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
        self.owner: Any = None  # item → row, inside an aggregate
        self.steps = 0

    # ---- entry point -------------------------------------------------------------------
    def question(self, name: str, period: Any) -> Vec:
        """The answer column; rows flagged ``fallback`` must be asked to the scalar engine."""
        if sys.getrecursionlimit() < 20 * MAX_DEPTH:
            sys.setrecursionlimit(20 * MAX_DEPTH)
        self.steps = 0
        try:
            if name in self.symbols.rules:
                result = self._rule(self.symbols.rules[name], period, None)
            else:
                result = self._parameter(self.symbols.parameters[name], period, None)
                result = Vec(result.data, result.missing, False, union(result.fallback, result.undefined))
        except (ValueError, OverflowError, RecursionError) as error:
            # A date outside the calendar (`credit(0000)`, `d + 10000000 days`) or a stack
            # exhausted: the scalar engine answers each row with its diagnostic (R008, R003).
            raise Unvectorisable(f"not vectorised ({type(error).__name__}): answered by the scalar engine") from None
        # A missing answer is rare and rendered by the scalar engine.
        return Vec(result.data, False, False, union(result.fallback, result.missing, result.undefined))

    # ---- helpers -----------------------------------------------------------------------
    def _lift(self, value: Vec) -> Vec:
        """A holder-level column read inside an aggregate: one entry per item."""
        if value.level == 1 or self.owner is None:
            return value
        owner = self.owner

        def at(part: Any) -> Any:
            if isinstance(part, Num):
                return Num(at(part.num), at(part.den))
            return part[owner] if vx.is_array(part) else part

        return Vec(at(value.data), at(value.missing), at(value.undefined), at(value.fallback), 1)

    def _align(self, *values: Vec) -> list[Vec]:
        if any(v.level == 1 for v in values):
            return [self._lift(v) for v in values]
        return list(values)

    @staticmethod
    def _blank(*values: Vec) -> Vec | None:
        """When an operand is missing, undefined or failed for every row, so is the result: no arithmetic."""
        if not any(v.missing is True or v.undefined is True or v.fallback is True for v in values):
            return None
        return Vec(
            False,
            union(*[v.missing for v in values]),
            union(*[v.undefined for v in values]),
            union(*[v.fallback for v in values]),
            max(v.level for v in values),
        )

    def _size(self, level: int) -> int:
        return len(self.owner) if level == 1 and self.owner is not None else self.n

    def _tick(self, expr: ast.Expr) -> None:
        self.steps += 1  # an upper bound of any holder's steps: past the budget, let the scalar engine say so
        if self.steps > MAX_STEPS:
            raise Unvectorisable("the step budget would be reached", expr.span)

    # ---- rules and parameters ----------------------------------------------------------
    def _rule(self, rule: ast.RuleDecl, period: Any, span: Any) -> Vec:
        key = (rule.name, period)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        if key in self.active or len(self.active) >= MAX_DEPTH:
            raise Unvectorisable(f"{rule.name} recurses too deep or on itself", span)
        self.active.append(key)
        saved_owner, self.owner = self.owner, None
        try:
            env: dict[str, Any] = {rule.formals[0].name: Vec(period)} if rule.formals else {}
            result = self._rule_value(rule, env)
        finally:
            self.owner = saved_owner
            self.active.pop()
        # A parameter with no value that no `otherwise` of this rule caught: an error.
        result = Vec(result.data, result.missing, False, union(result.fallback, result.undefined))
        self.memo[key] = result
        return result

    def _rule_value(self, rule: ast.RuleDecl, env: dict[str, Any]) -> Vec:
        taken: list[tuple[Any, Vec]] = []
        fallback: Any = False
        for exception in rule.exceptions:
            condition = self.eval(exception.condition, env)
            fallback = union(fallback, condition.fallback, condition.undefined, condition.missing)
            holds = condition.data
            if not vx.is_array(holds):
                if holds:
                    taken.append((True, self.eval(exception.body, env)))
                continue
            holds = holds & ~condition.missing if vx.is_array(condition.missing) else holds
            if not holds.any():
                continue
            taken.append((holds, self.eval(exception.body, env)))
        if len(taken) <= 1:  # one exception at most: no conflict, no count to take
            none_applies: Any = not taken or (vx.is_array(taken[0][0]) and not taken[0][0].all())
        else:
            applying = sum(holds.astype(np.int64) if vx.is_array(holds) else 1 for holds, _ in taken)
            conflict = applying > 1
            fallback = union(fallback, conflict if vx.any_rows(conflict) else False)
            none_applies = applying == 0
        if (vx.is_array(none_applies) and not none_applies.any()) or none_applies is False:
            result: Vec | None = None
        else:
            result = self.eval(rule.body, env)
        for holds, value in reversed(taken):
            result = value if result is None else self._choose(holds, value, result)
        assert result is not None
        return Vec(result.data, result.missing, result.undefined, union(result.fallback, fallback), result.level)

    def _choose(self, condition: Any, then: Vec, orelse: Vec) -> Vec:
        """Row-wise ``then if condition else orelse``, with the masks of the arm taken."""
        if condition is True:
            return then
        if condition is False:
            return orelse

        def pick(a: Any, b: Any) -> Any:
            if a is False and b is False:
                return False
            return np.where(condition, a, b)

        return Vec(
            vx.choose(condition, then.data, orelse.data),
            pick(then.missing, orelse.missing),
            pick(then.undefined, orelse.undefined),
            pick(then.fallback, orelse.fallback),
            max(then.level, orelse.level),
        )

    def _parameter(self, parameter: ast.ParameterDecl, on: Any, span: Any) -> Vec:
        values = parameter.values
        if not vx.is_array(on):
            key = (parameter.name, on)
            cached = self.parameters.get(key)
            if cached is None:
                chosen = None
                for dated in values:
                    if dated.start <= on:
                        chosen = dated
                if chosen is None or chosen.value is None:
                    cached = Vec(False, undefined=True)
                else:
                    cached = Vec(_scalar(constant_value(chosen.value)))
                self.parameters[key] = cached
            return cached
        starts = np.asarray([v.start.toordinal() for v in values], dtype=np.int64)
        index = np.searchsorted(starts, on, side="right") - 1
        undefined = index < 0
        for position, dated in enumerate(values):
            if dated.value is None:
                undefined = undefined | (index == position)
        index = np.where(index < 0, 0, index)
        constants = [constant_value(v.value) if v.value is not None else None for v in values]
        present = [c for c in constants if c is not None]
        if not present:
            return Vec(False, undefined=np.ones(len(on), dtype=bool))
        filler = present[0]
        table = [filler if c is None else c for c in constants]
        data: Any
        if isinstance(filler, Fraction):
            data = Num(
                np.asarray([c.numerator for c in table], dtype=np.int64)[index],
                np.asarray([c.denominator for c in table], dtype=np.int64)[index],
            )
        elif isinstance(filler, datetime.date):
            data = np.asarray([c.toordinal() for c in table], dtype=np.int64)[index]
        else:
            data = np.asarray(table)[index]
        return Vec(data, undefined=undefined if undefined.any() else False)

    def _input(self, decl: ast.InputDecl, year: Any, span: Any) -> Vec:
        key = (decl.name, year)
        cached = self.inputs.get(key)
        if cached is None:
            cached = self.inputs[key] = self._read_input(decl, year, span)
        return cached

    def _read_input(self, decl: ast.InputDecl, year: Any, span: Any) -> Vec:
        population = self.population
        if decl.section == "year":
            if vx.is_array(year):
                raise Unvectorisable(f"input {decl.name} read for a year that differs between holders", span)
            column = population.yearly.get((decl.name, year))
        else:
            column = population.sections.get((decl.section or "", decl.name))
        return self._read(column, decl.default, decl.optional, decl.type, self.n)

    def _read(self, column: Column | None, default: Any, optional: bool, type_ref: Any, n: int) -> Vec:
        kind = kind_of(self.symbols.type_of(type_ref))
        fill: Any = _scalar(constant_value(default)) if default is not None else None
        if column is None:
            if fill is not None:
                return Vec(fill)
            return Vec(False, missing=True) if optional else Vec(False, fallback=True)  # CPF-R005
        present = column.present
        if present is True:
            return Vec(_uniform(column.values, kind))
        absent = ~present
        if fill is not None:
            return Vec(_uniform(_fill(column.values, absent, fill, kind), kind))
        if optional:
            return Vec(column.values, missing=absent)
        return Vec(column.values, fallback=absent)

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
                return Vec(_Items(decl.type.name, column))
            return self._input(decl, None, expr.span)
        if name in symbols.rules:
            return self._rule(symbols.rules[name], None, expr.span)
        return Vec(name)  # an enum case

    def _e_Call(self, expr: ast.Call, env: dict[str, Any]) -> Vec:
        name = expr.name
        symbols = self.symbols
        args = self._align(*[self.eval(a, env) for a in expr.args])
        blank = self._blank(*args)
        if blank is not None and (name not in symbols.rules and name not in symbols.inputs):
            return blank
        missing = union(*[a.missing for a in args])
        undefined = union(*[a.undefined for a in args])
        fallback = union(*[a.fallback for a in args])
        level = max((a.level for a in args), default=0)
        if name in _ROUNDINGS:
            rounding, step = _ROUNDINGS[name]
            value, bad = rounding(vx.as_num(args[0].data), step)
            return Vec(value, missing, undefined, union(fallback, bad), level)
        if name in ("min", "max"):
            best = args[0].data
            for other in args[1:]:
                if isinstance(best, Num) and isinstance(other.data, Num):
                    extreme = vx.extreme(best, other.data, lowest=name == "min")
                    if extreme is not None:
                        best = extreme
                        continue
                less, bad = self._less(other.data, best) if name == "min" else self._less(best, other.data)
                fallback = union(fallback, bad)
                best = self._pick(less, other.data, best)
            return Vec(best, missing, undefined, fallback, level)
        if name in _calendar():
            if all(not vx.is_array(a.data) for a in args):
                count: Any = _calendar()[name](args[0].data, args[1].data)
                return Vec(Num.of(count), missing, undefined, fallback, level)
            return Vec(
                Num(vx.calendar_between(name, args[0].data, args[1].data), 1), missing, undefined, fallback, level
            )
        period = args[0].data if args else None
        if name in symbols.parameters:
            result = self._parameter(symbols.parameters[name], period, expr.span)
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

    @staticmethod
    def _pick(condition: Any, a: Any, b: Any) -> Any:
        if not vx.is_array(condition):
            return a if condition else b
        return vx.choose(condition, a, b)

    def _less(self, a: Any, b: Any) -> tuple[Any, Any]:
        """``a < b`` row by row for numbers, dates, years; and the overflow rows."""
        if isinstance(a, Num) or isinstance(b, Num):
            a, b = vx.as_num(a), vx.as_num(b)
            if a.scalar and b.scalar:
                return a.fraction() < b.fraction(), False
            return vx.less(a, b)
        a, b = _comparable(a, b)
        return a < b, False

    def _e_FieldAccess(self, expr: ast.FieldAccess, env: dict[str, Any]) -> Vec:
        target_type = self.types.get(id(expr.target))
        target = expr.target
        if target_type is not None and target_type.kind == "enum" and isinstance(target, ast.Name):
            if target.name not in env and target.name in self.symbols.enums:
                return Vec(expr.name)
        base = self.eval(target, env)
        blank = self._blank(base)
        if blank is not None:
            return blank
        if target_type is None:
            raise Unvectorisable("unchecked expression", expr.span)
        data = base.data
        if target_type.kind == "year":
            if vx.is_array(data):
                shift = 0 if expr.name == "start" else 1
                first = (data - 1970 + shift).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
                data = first - shift + vx.ORDINAL_EPOCH
            else:
                data = datetime.date(data, 1, 1) if expr.name == "start" else datetime.date(data, 12, 31)
        elif target_type.kind == "date":
            data = self._years_of(data) if vx.is_array(data) else data.year
        elif isinstance(data, _Items):
            raise Unvectorisable("a whole list used as a value", expr.span)
        else:
            return self._item_field(expr, base)
        return Vec(data, base.missing, base.undefined, base.fallback, base.level)

    def _years_of(self, ordinals: Any) -> Any:
        """``.year`` of a date column, computed once per column (``low_qualified(y)`` reads it every year)."""
        cached = self.years.get(id(ordinals))
        if cached is None or cached[0] is not ordinals:
            cached = self.years[id(ordinals)] = (ordinals, vx.years_of(ordinals))
        return cached[1]

    def _item_field(self, expr: ast.FieldAccess, base: Vec) -> Vec:
        items = base.data
        if not isinstance(items, _ItemRef):
            raise Unvectorisable(f"field {expr.name} of a record value", expr.span)
        record = self.symbols.records[items.record]
        field_decl = next(f for f in record.fields if f.name == expr.name)
        column = items.column.fields.get(expr.name)
        value = self._read(column, field_decl.default, False, field_decl.type, len(items.column.owner))
        return Vec(value.data, value.missing, value.undefined, value.fallback, 1)

    def _e_Unary(self, expr: ast.Unary, env: dict[str, Any]) -> Vec:
        value = self.eval(expr.operand, env)
        blank = self._blank(value)
        if blank is not None:
            return blank
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
        left, right = self._align(left, right)
        blank = self._blank(left, right)
        if blank is not None:
            return blank
        missing = union(left.missing, right.missing)
        undefined = union(left.undefined, right.undefined)
        fallback = union(left.fallback, right.fallback)
        a, b = left.data, right.data
        bad: Any = False
        if op in ("==", "!="):
            if isinstance(a, Num) or isinstance(b, Num):
                lt, bad1 = self._less(a, b)
                gt, bad2 = self._less(b, a)
                data = ~(lt | gt) if vx.is_array(lt) or vx.is_array(gt) else not (lt or gt)
                bad = union(bad1, bad2)
            else:
                a, b = _comparable(a, b)
                data = a == b
            if op == "!=":
                data = ~data if vx.is_array(data) else not data
        elif op in ("<", "<=", ">", ">="):
            if op in ("<", ">="):
                data, bad = self._less(a, b)
            else:
                data, bad = self._less(b, a)
            if op in ("<=", ">="):
                data = ~data if vx.is_array(data) else not data
        elif op in ("+", "-"):
            data, bad = self._plus(a, b, 1 if op == "+" else -1, expr)
        elif op == "*":
            x, y = vx.as_num(a), vx.as_num(b)
            if x.scalar and y.scalar:
                data = Num.of(x.fraction() * y.fraction())
            else:
                data, bad = vx.multiply(x, y)
        else:
            x, y = vx.as_num(a), vx.as_num(b)
            if x.scalar and y.scalar and y.num != 0:
                data = Num.of(x.fraction() / y.fraction())
            else:
                data, bad, zero = vx.divide(x, y)
                bad = union(bad, zero if vx.is_array(zero) or zero else False)  # CPF-R006
        return Vec(data, missing, undefined, union(fallback, bad), left.level)

    def _plus(self, a: Any, b: Any, sign: int, expr: ast.Binary) -> tuple[Any, Any]:
        if isinstance(a, datetime.date) and not vx.is_array(b):
            if isinstance(b, datetime.date):
                return Num.of((a - b).days), False
            return a + sign * datetime.timedelta(days=int(vx.as_num(b).fraction())), False
        if isinstance(a, int) and not isinstance(a, bool) and isinstance(b, int):
            return (a + int(b), False) if sign > 0 else (Num.of(a - b), False)  # year ± n; year - year
        if isinstance(a, int) and isinstance(b, Num) and b.scalar:
            return a + sign * int(b.fraction()), False
        if isinstance(a, Num) and isinstance(b, Num):
            if a.scalar and b.scalar:
                return Num.of(a.fraction() + sign * b.fraction()), False
            return vx.add(a, b, sign)
        raise Unvectorisable("date or year arithmetic that differs between holders", expr.span)

    def _logical(self, op: str, left: Vec, right_expr: ast.Expr, env: dict[str, Any]) -> Vec:
        short = op == "or"  # `or` stops on true, `and` on false
        a = left.data
        if not vx.is_array(a) and left.missing is False and left.undefined is False and bool(a) is short:
            return Vec(short, False, False, left.fallback, left.level)
        right = self.eval(right_expr, env)
        left, right = self._align(left, right)
        a = left.data
        stops = (a == short) if vx.is_array(a) else (bool(a) is short)
        if left.missing is True or left.undefined is True or left.fallback is True:
            stops = False
        elif left.missing is not False:
            stops = stops & ~left.missing
        go_on = ~stops if vx.is_array(stops) else not stops
        data = self._pick(stops, short, right.data)
        if isinstance(data, np.ndarray):
            data = data.astype(bool, copy=False)

        def past(mask: Any) -> Any:
            if mask is False or go_on is False:
                return False
            return mask if go_on is True else (mask & go_on)

        return Vec(
            data,
            past(union(left.missing, right.missing)),
            union(left.undefined, past(right.undefined)),
            union(left.fallback, past(right.fallback)),
            max(left.level, right.level),
        )

    def _e_Otherwise(self, expr: ast.Otherwise, env: dict[str, Any]) -> Vec:
        left = self.eval(expr.left, env)
        catch = union(left.missing, left.undefined)
        if catch is False or (vx.is_array(catch) and not catch.any()):
            return Vec(left.data, False, False, left.fallback, left.level)
        right = self.eval(expr.right, env)
        left, right = self._align(left, right)
        if catch is True or (vx.is_array(catch) and catch.all()):
            return Vec(right.data, right.missing, right.undefined, union(left.fallback, right.fallback), right.level)
        if not vx.is_array(catch):
            catch = np.full(self._size(left.level), bool(catch))
        chosen = self._choose(catch, right, Vec(left.data, False, False, False, left.level))
        return Vec(chosen.data, chosen.missing, chosen.undefined, union(left.fallback, chosen.fallback), chosen.level)

    def _e_If(self, expr: ast.If, env: dict[str, Any]) -> Vec:
        condition = self.eval(expr.condition, env)
        holds = condition.data
        guard = union(condition.fallback, condition.missing)  # a missing condition: the scalar engine decides
        if vx.is_array(holds):
            if holds.all():
                holds = True
            elif not holds.any():
                holds = False
        if not vx.is_array(holds):
            arm, condition = self._align(self.eval(expr.then if holds else expr.orelse, env), condition)
            guard = union(condition.fallback, condition.missing)
            undefined = union(condition.undefined, arm.undefined)
            return Vec(arm.data, arm.missing, undefined, union(guard, arm.fallback), arm.level)
        then, orelse, condition = self._align(self.eval(expr.then, env), self.eval(expr.orelse, env), condition)
        guard = union(condition.fallback, condition.missing)
        chosen = self._choose(condition.data, then, orelse)
        return Vec(
            chosen.data,
            chosen.missing,
            union(condition.undefined, chosen.undefined),
            union(guard, chosen.fallback),
            chosen.level,
        )

    def _e_Let(self, expr: ast.Let, env: dict[str, Any]) -> Vec:
        value = self.eval(expr.value, env)
        return self.eval(expr.body, {**env, expr.name: value})

    def _e_Aggregate(self, expr: ast.Aggregate, env: dict[str, Any]) -> Vec:
        if self.owner is not None:
            raise Unvectorisable("an aggregate inside an aggregate", expr.span)
        source = self.eval(expr.source, env)
        if not isinstance(source.data, _Items):
            raise Unvectorisable("an aggregate over something other than a list input", expr.span)
        column = source.data.column
        owner = column.owner
        n = self.n
        if not len(owner):  # nobody has an item: the value is known without looking at the body
            return Vec(Num(0, 1, 0) if expr.kind in ("count", "sum") else expr.kind == "all")
        self.owner = owner
        try:
            inner = {**env, expr.variable: Vec(_ItemRef(source.data.record, column), level=1)}
            selected: Any = np.ones(len(owner), dtype=bool)
            bad_items: Any = False
            if expr.condition is not None:
                condition = self._lift(self.eval(expr.condition, inner))
                bad_items = union(condition.missing, condition.undefined, condition.fallback)
                selected = np.broadcast_to(np.asarray(condition.data, dtype=bool), (len(owner),)).copy()
            body = self._lift(self.eval(expr.body, inner)) if expr.kind != "count" else None
        finally:
            self.owner = None
        if body is not None:
            bad_items = union(bad_items, _select(union(body.missing, body.undefined, body.fallback), selected))
        fallback: Any = False
        if vx.is_array(bad_items):
            fallback = np.bincount(owner[bad_items], minlength=n) > 0 if bad_items.any() else False
        elif bad_items and len(owner):
            fallback = np.bincount(owner, minlength=n) > 0
        rows = owner[selected]
        if not rows.size:  # no item selected for anybody (often: nobody has the list): a uniform answer
            empty: Any = Num(0, 1, 0) if expr.kind in ("count", "sum") else expr.kind == "all"
            return Vec(empty, fallback=fallback)
        if expr.kind == "count":
            return Vec(Num(np.bincount(rows, minlength=n).astype(np.int64), 1), fallback=fallback)
        assert body is not None
        if expr.kind == "sum":
            value = vx.common_denominator(vx.as_num(body.data))
            if vx.is_array(value.den):
                raise Unvectorisable("a sum of amounts with different denominators", expr.span)
            terms = np.broadcast_to(np.asarray(value.num, dtype=np.int64), (len(owner),))[selected]
            if terms.size and int(np.abs(terms).sum()) >= 2**62:
                raise Unvectorisable("a sum too large for 64-bit integers", expr.span)
            total = np.zeros(n, dtype=np.int64)
            np.add.at(total, rows, terms)
            return Vec(vx._reduce(total, int(value.den)), fallback=fallback)
        truth = np.broadcast_to(np.asarray(body.data, dtype=bool), (len(owner),))[selected]
        if expr.kind == "any":
            return Vec(np.bincount(rows[truth], minlength=n) > 0, fallback=fallback)
        return Vec(np.bincount(rows[~truth], minlength=n) == 0, fallback=fallback)


@functools.cache
def _calendar() -> dict[str, Any]:
    """The calendar built-ins of the language (``years_between``...), if this engine has them."""
    try:
        from ..calendar import CALENDAR
    except ImportError:
        return {}
    return dict(CALENDAR)


class _ItemRef:
    """A list item bound to an aggregate's variable: its fields are item columns."""

    def __init__(self, record: str, column: ListColumn) -> None:
        self.record = record
        self.column = column


def _select(mask: Any, selected: Any) -> Any:
    if mask is False:
        return False
    return mask & selected


def _scalar(value: Any) -> Any:
    return Num.of(value) if isinstance(value, Fraction) else value


def _uniform(values: Any, kind: str) -> Any:
    """A column whose rows all hold the same value becomes a scalar (the common case: defaults)."""
    if isinstance(values, Num):
        if vx.is_array(values.num) and values.num.size and not vx.is_array(values.den):
            if (values.num == values.num[0]).all():
                return Num(int(values.num[0]), int(values.den))
        return values
    if vx.is_array(values) and values.size and (values == values[0]).all():
        first = values[0].item()
        return datetime.date.fromordinal(first) if kind == "date" else first
    return values


def _fill(values: Any, absent: Any, fill: Any, kind: str) -> Any:
    if isinstance(values, Num):
        filler = vx.as_num(fill)
        return vx.where(absent, filler, values)
    if kind == "date" and isinstance(fill, datetime.date):
        return np.where(absent, fill.toordinal(), values)
    return np.where(absent, fill, values)


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Dates as ordinals when one side is a column; everything else as it is."""
    if vx.is_array(a) or vx.is_array(b):
        if isinstance(a, datetime.date):
            a = a.toordinal()
        if isinstance(b, datetime.date):
            b = b.toordinal()
    return a, b


__all__ = ["BatchEvaluation", "Unvectorisable", "period_date"]
