"""Stage 5, the bounds on an evaluation's rule calls and steps, and what passing one says.

An evaluation that recurses without reaching a base case stops with a located
diagnostic, never a hang or a Python traceback: at most :data:`~cpf_rules.limits.MAX_DEPTH`
rule calls on the stack, :data:`~cpf_rules.limits.MAX_NESTING` formula levels along
them (summed by :class:`NestingMeter`, which the interpreter, the compiled evaluator and
the batch kernel share) and :data:`~cpf_rules.limits.MAX_STEPS` steps per question (an
evaluation may have a smaller budget for all its questions). The interpreter
(:mod:`cpf_rules.evaluate`) checks the bounds; the diagnostics it raises when one is
passed are built here, off its hot path: CPF-R003 (calls or formulas nested too deep),
CPF-R004 (a rule that needs itself for the same period), CPF-R007 (the steps spent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .diagnostics import Span
from .evaluation_errors import EvaluationError, error
from .limits import MAX_DEPTH, MAX_NESTING, MAX_STEPS
from .periods import period_text

if TYPE_CHECKING:
    from .model import RuleSet

_BASE_CASE = "a recursion on periods must reach a base case (e.g. a year before the account existed)"


class NestingMeter:
    """The formula heights (:meth:`RuleSet.formula_height`) of the active rule calls and
    of one more rule, summed: what MAX_NESTING bounds (every evaluator and the batch
    kernel count it so).

    The sums of the stack's prefixes are kept from one call to the next, so a recursion
    600 calls deep adds one height a call instead of summing the whole stack again (that
    was quadratic in the depth). A prefix stays valid while its calls are still on the
    stack: every evaluator pushes a key tuple built for that call, so the same object at
    a position is the same call, and every position below it is unchanged (a stack). The
    meter keeps the keys it summed, so a popped key's memory is never reused for a new one.
    """

    __slots__ = ("_height", "_keys", "_sums")

    def __init__(self, model: RuleSet) -> None:
        self._height = model.formula_height
        self._keys: list[tuple[str, Any]] = []
        self._sums: list[int] = []

    def with_rule(self, active: list[tuple[str, Any]], name: str) -> int:
        """The heights of the calls in ``active`` and of rule ``name``, summed."""
        keys, sums = self._keys, self._sums
        valid = min(len(keys), len(active))
        while valid and keys[valid - 1] is not active[valid - 1]:
            valid -= 1
        del keys[valid:], sums[valid:]
        total = sums[-1] if sums else 0
        for key in active[valid:]:
            total += self._height(key[0])
            keys.append(key)
            sums.append(total)
        return total + self._height(name)


def depends_on_itself(name: str, period: Any, call_span: Span) -> EvaluationError:
    """CPF-R004: rule ``name`` called for ``period`` while it is being evaluated for it."""
    return error(
        "CPF-R004",
        f"{name}({period_text(period)}) depends on itself",
        call_span,
        hint="a rule may use itself only for an earlier period",
    )


def _too_deep(message: str, span: Span | None) -> EvaluationError:
    return error("CPF-R003", message, span, hint=_BASE_CASE)


def calls_too_deep(name: str, period: Any, call_span: Span) -> EvaluationError:
    """CPF-R003 for more than :data:`~cpf_rules.limits.MAX_DEPTH` rule calls on the stack."""
    return _too_deep(f"rules nest deeper than {MAX_DEPTH} calls at {name}({period_text(period)})", call_span)


def nested_too_deep(name: str, period: Any, call_span: Span) -> EvaluationError:
    """CPF-R003 for formulas nested deeper than :data:`~cpf_rules.limits.MAX_NESTING` levels along the calls."""
    where = f"{name}({period_text(period)})"
    return _too_deep(f"rules and their formulas nest deeper than {MAX_NESTING:,} levels at {where}", call_span)


def stack_exhausted(name: str, period: Any, span: Span | None) -> EvaluationError:
    """CPF-R003 when Python's stack runs out (RecursionError) before the other bounds do."""
    where = f"{name}({period_text(period)})"
    return _too_deep(f"{where} nests too deep to be evaluated (rule calls and formulas together)", span)


def budget_spent(span: Span, step_budget: int | None) -> EvaluationError:
    """CPF-R007, once a step past the limit was taken: the evaluation's ``step_budget``
    when that was the limit, else :data:`~cpf_rules.limits.MAX_STEPS` (None)."""
    if step_budget is not None:
        return error(
            "CPF-R007",
            f"evaluation stopped: its budget of {step_budget:,} steps is spent",
            span,
            hint="ask fewer questions per holder, or allow a larger step budget",
        )
    return error(
        "CPF-R007",
        f"evaluation stopped after {MAX_STEPS:,} steps",
        span,
        hint="a rule probably recurses without reaching its base case",
    )
