"""Stage 3, operators: the type of a binary operation and of an aggregate over a list.

:class:`OperatorChecks` (inherited by the checker of :mod:`cpf_rules.check`) types
``and``/``or`` (conditions), comparisons (the same shape on both sides; ``<`` and its
kin order numbers, dates and years), ``+``/``-`` (numbers of one unit, a date ± days, a
year ± an integer, the difference of two dates or years), ``*``/``/`` (units multiplied
or divided) and ``sum``/``count``/``any``/``all`` over a list input (the filter and the
body typed with the item bound to a record). The result is optional when an operand may
be absent.
"""

from __future__ import annotations

from . import ast
from .check_calls import CheckerPart
from .types import BOOLEAN, DATE, DAYS, HOURS, INTEGER, MONEY, UNKNOWN, YEAR, Type


class OperatorChecks(CheckerPart):
    """The checker's handling of operators and aggregates (see the module docstring)."""

    def _infer_binary(self, expr: ast.Binary, scope: dict[str, Type]) -> Type:
        left = self.infer(expr.left, scope)
        right = self.infer(expr.right, scope)
        optional = left.optional or right.optional
        op = expr.op
        if UNKNOWN.kind in (left.kind, right.kind):  # an error was reported below
            return BOOLEAN if op in ("and", "or", "==", "!=", "<", "<=", ">", ">=") else UNKNOWN
        if op in ("and", "or"):
            self._expect(expr.left, left, BOOLEAN, f"`{op}` joins conditions")
            self._expect(expr.right, right, BOOLEAN, f"`{op}` joins conditions")
            return BOOLEAN.as_optional(optional)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            ordered = op not in ("==", "!=")
            if not left.same_shape(right):
                code = "CPF-E201" if left.kind == right.kind == "number" else "CPF-E202"
                self._mismatch(expr.right.span, left.required().display(), right, f"cannot compare with `{op}`", code)
            elif ordered and left.kind not in ("number", "date", "year"):
                self.bag.error("CPF-E202", f"`{op}` orders numbers, dates and years, not {left.display()}", expr.span)
            return BOOLEAN.as_optional(optional)
        if op in ("+", "-"):
            if left.kind == "number" and right.kind == "number":
                if left.unit != right.unit:
                    hint = "both sides must have the same unit"
                    if {left.unit, right.unit} == {MONEY.unit, HOURS.unit}:
                        hint = "convert the hours first: hours × a rate in EUR/h (money/hours) gives money"
                    self.bag.error(
                        "CPF-E201",
                        f"cannot {'add' if op == '+' else 'subtract'} {right.required().display()} "
                        f"{'to' if op == '+' else 'from'} {left.required().display()}",
                        expr.right.span,
                        hint=hint,
                        expected=left.required().display(),
                        found=right.required().display(),
                    )
                return Type("number", left.unit, left.integer and right.integer, optional=optional)
            if left.kind == "date" and right.kind == "number" and right.unit == DAYS.unit:
                return DATE.as_optional(optional)
            if left.kind == "year" and right.kind == "number" and right.integer and right.unit.dimensionless:
                return YEAR.as_optional(optional)
            if op == "-" and left.kind == right.kind == "date":
                return DAYS.as_optional(optional)
            if op == "-" and left.kind == right.kind == "year":
                return INTEGER.as_optional(optional)
            self.bag.error(
                "CPF-E202",
                f"cannot use `{op}` between {left.display()} and {right.display()}",
                expr.span,
                hint="numbers of one unit, a date ± days, or a year ± an integer",
            )
            return left
        # * and /
        if left.kind != "number" or right.kind != "number":
            bad = expr.left if left.kind != "number" else expr.right
            self._mismatch(bad.span, "a number", left if left.kind != "number" else right, f"`{op}` multiplies numbers")
            return Type("number")
        result = left * right if op == "*" else left / right
        return result.as_optional(optional)

    def _infer_aggregate(self, expr: ast.Aggregate, scope: dict[str, Type]) -> Type:
        source = self.infer(expr.source, scope)
        if source.kind != "list" or source.name is None:
            self._mismatch(expr.source.span, "a list", source, f"`{expr.kind}` runs over a list")
            element = Type("number")
        else:
            element = Type("record", name=source.name)
        inner = {**scope, expr.variable: element}
        if expr.condition is not None:
            condition = self.infer(expr.condition, inner)
            self._expect(expr.condition, condition, BOOLEAN, f"the filter of `{expr.kind}`")
            self._require_present(expr.condition, condition, f"the filter of `{expr.kind}`")
        body = self.infer(expr.body, inner)
        if expr.kind == "sum":
            if body.kind != "number":
                self._mismatch(expr.body.span, "a number", body, "`sum` adds numbers")
            self._require_present(expr.body, body, "what `sum` adds")
            return body
        if expr.kind == "count":
            return INTEGER
        self._expect(expr.body, body, BOOLEAN, f"`{expr.kind}` tests a condition")
        self._require_present(expr.body, body, f"what `{expr.kind}` tests")
        return BOOLEAN
