"""The vectorised evaluator's branches: where a condition decides what is evaluated.

:class:`BranchHandlers` holds what the kernel (:class:`cpf_rules.batch.kernel.BatchEvaluation`,
which inherits it) does for a rule's exceptions, ``and``/``or``, ``otherwise`` and
``if``, following the interpreter (:mod:`cpf_rules.evaluate`): a condition that is the
same for every holder evaluates one arm only, as the interpreter does; one that differs
between holders evaluates every arm some holder takes and picks per row
(:func:`~cpf_rules.batch.operators.choose`), so that whatever an untaken arm would have
raised is masked away. A holder for whom two exceptions apply (a conflict, CPF-R002),
or whose condition is missing, is flagged ``fallback``: the scalar engine answers it,
with the exact diagnostic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ast
from . import vectors as vx
from .aggregates import align
from .operators import choose, connective
from .vectors import Vec, union


class BranchHandlers:
    """The kernel's handlers of the constructs that choose: exceptions, ``and``/``or``, ``otherwise``, ``if``."""

    owner: Any

    if TYPE_CHECKING:  # defined by BatchEvaluation

        def eval(self, expr: ast.Expr, env: dict[str, Any]) -> Vec: ...

        def _size(self, level: int) -> int: ...

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
            result = value if result is None else choose(holds, value, result)
        assert result is not None
        return Vec(result.data, result.missing, result.undefined, union(result.fallback, fallback), result.level)

    # ---- expressions ------------------------------------------------------------------
    def _logical(self, op: str, left: Vec, right_expr: ast.Expr, env: dict[str, Any]) -> Vec:
        short = op == "or"  # `or` stops on true, `and` on false
        a = left.data
        if not vx.is_array(a) and left.missing is False and left.undefined is False and bool(a) is short:
            return Vec(short, False, False, left.fallback, left.level)
        right = self.eval(right_expr, env)
        return connective(short, *align(self.owner, left, right))

    def _e_Otherwise(self, expr: ast.Otherwise, env: dict[str, Any]) -> Vec:
        left = self.eval(expr.left, env)
        catch = union(left.missing, left.undefined)
        if catch is False or (vx.is_array(catch) and not catch.any()):
            return Vec(left.data, False, False, left.fallback, left.level)
        right = self.eval(expr.right, env)
        left, right = align(self.owner, left, right)
        if catch is True or (vx.is_array(catch) and catch.all()):
            return Vec(right.data, right.missing, right.undefined, union(left.fallback, right.fallback), right.level)
        if not vx.is_array(catch):
            catch = np.full(self._size(left.level), bool(catch))
        chosen = choose(catch, right, Vec(left.data, False, False, False, left.level))
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
            arm, condition = align(self.owner, self.eval(expr.then if holds else expr.orelse, env), condition)
            guard = union(condition.fallback, condition.missing)
            undefined = union(condition.undefined, arm.undefined)
            return Vec(arm.data, arm.missing, undefined, union(guard, arm.fallback), arm.level)
        then, orelse, condition = align(self.owner, self.eval(expr.then, env), self.eval(expr.orelse, env), condition)
        guard = union(condition.fallback, condition.missing)
        chosen = choose(condition.data, then, orelse)
        return Vec(
            chosen.data,
            chosen.missing,
            union(condition.undefined, chosen.undefined),
            union(guard, chosen.fallback),
            chosen.level,
        )
