"""Stage 3, calls: the type of a call and the calls between rules.

:class:`CallChecks` (inherited by the checker of :mod:`cpf_rules.check`) types a call of
``min``/``max``, a calendar function, a named rounding, a rule on a period, a yearly
input or a parameter on a date: the number of arguments, the type of each, and the
type of the result (optional when an argument may be absent). Each call of a rule by a
rule is recorded as a :class:`CallEdge` with its period step (the same period, an
earlier one or another), which :mod:`cpf_rules.cycles` reads to refuse a rule that
depends on itself for the same period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import ast
from .calendar import CALENDAR_FUNCTIONS
from .diagnostics import DiagnosticBag, Span, did_you_mean, suggest
from .resolve import BUILTIN_FUNCTIONS, Symbols
from .types import DATE, HOURS, INTEGER, MONEY, UNKNOWN, YEAR, Type

if TYPE_CHECKING:
    from .check import CheckResult

ROUNDING_FUNCTIONS: dict[str, Type] = {
    "round_up_to_cent": MONEY,
    "round_half_up_to_cent": MONEY,
    "round_up_to_hour": HOURS,
    "round_to_nearest_hour": HOURS,
}


@dataclass(frozen=True, slots=True)
class CallEdge:
    """rule ``caller`` calls rule ``callee`` on the same, an earlier or another period."""

    caller: str
    callee: str
    step: str  # "same" | "earlier" | "other" | "none"
    span: Span


class CheckerPart:
    """What a part of the checker (:class:`CallChecks`, ``check_operators.OperatorChecks``)
    reads of the checker of :mod:`cpf_rules.check`, which inherits the parts."""

    bag: DiagnosticBag

    if TYPE_CHECKING:  # defined by the checker

        def infer(self, expr: ast.Expr, scope: dict[str, Type]) -> Type: ...

        def _expect(self, expr: ast.Expr, type_: Type, expected: Type, what: str) -> None: ...

        def _require_present(self, expr: ast.Expr, type_: Type, what: str) -> None: ...

        def _mismatch(self, span: Span, expected: str, found: Type, what: str, code: str = "CPF-E202") -> None: ...


class CallChecks(CheckerPart):
    """The checker's handling of calls (see the module docstring)."""

    symbols: Symbols
    result: CheckResult
    current_rule: ast.RuleDecl | None

    def _edge(self, callee: str, step: str, span: Span) -> None:
        if self.current_rule is not None:
            self.result.edges.append(CallEdge(self.current_rule.name, callee, step, span))

    def _period_step(self, arg: ast.Expr) -> str:
        rule = self.current_rule
        if rule is None or not rule.formals:
            return "other"
        formal = rule.formals[0].name
        if isinstance(arg, ast.Name) and arg.name == formal:
            return "same"
        if (
            isinstance(arg, ast.Binary)
            and arg.op == "-"
            and isinstance(arg.left, ast.Name)
            and arg.left.name == formal
            and isinstance(arg.right, ast.Quantity)
            and arg.right.value > 0
        ):
            return "earlier"
        return "other"

    def _arity(self, expr: ast.Call, count: int, shape: str, scope: dict[str, Type]) -> bool:
        if len(expr.args) != count:
            self.bag.error(
                "CPF-E105",
                f"`{expr.name}` takes {count} argument{'s' if count != 1 else ''}, not {len(expr.args)}",
                expr.span,
                hint=f"write {shape}",
            )
            for arg in expr.args:
                self.infer(arg, scope)
            return False
        return True

    def _infer_call(self, expr: ast.Call, scope: dict[str, Type]) -> Type:
        name = expr.name
        symbols = self.symbols
        if name in ("min", "max"):
            if len(expr.args) < 2:
                self.bag.error("CPF-E105", f"`{name}` takes at least 2 arguments", expr.span)
            types = [self.infer(a, scope) for a in expr.args]
            if not types:
                return Type("number")
            first = types[0]
            for operand, type_ in zip(expr.args[1:], types[1:], strict=False):
                if not type_.same_shape(first) or first.kind not in ("number", "date", "year"):
                    code = "CPF-E201" if type_.kind == first.kind == "number" else "CPF-E202"
                    self._mismatch(operand.span, first.display(), type_, f"all arguments of `{name}` must agree", code)
            return Type(
                first.kind, first.unit, all(t.integer for t in types), first.name, any(t.optional for t in types)
            )
        if name in CALENDAR_FUNCTIONS:
            if not self._arity(expr, 2, f"{name}(DATE, DATE)", scope):
                return INTEGER
            date_types = [self.infer(a, scope) for a in expr.args]
            for date_arg, date_type in zip(expr.args, date_types, strict=True):
                self._expect(date_arg, date_type, DATE, f"`{name}` counts between two dates")
            return INTEGER.as_optional(any(t.optional for t in date_types))
        if name in ROUNDING_FUNCTIONS:
            expected = ROUNDING_FUNCTIONS[name]
            if not self._arity(expr, 1, f"{name}(VALUE)", scope):
                return expected
            found = self.infer(expr.args[0], scope)
            self._expect(expr.args[0], found, expected, f"`{name}` rounds {expected.display()}")
            return expected.as_optional(found.optional)
        if name in symbols.rules:
            rule = symbols.rules[name]
            if not rule.formals:
                self.bag.error(
                    "CPF-E105", f"rule `{name}` has no period: write `{name}` without parentheses", expr.span
                )
                return symbols.type_of(rule.type)
            formal = symbols.type_of(rule.formals[0].type)
            if self._arity(expr, 1, f"{name}({rule.formals[0].name})", scope):
                arg = self.infer(expr.args[0], scope)
                self._expect(expr.args[0], arg, formal, f"the period of `{name}`")
                self._require_present(expr.args[0], arg, f"the period of `{name}`")
                self._edge(name, self._period_step(expr.args[0]), expr.span)
            return symbols.type_of(rule.type)
        if name in symbols.inputs:
            decl = symbols.inputs[name]
            declared = symbols.type_of(decl.type).as_optional(decl.optional)
            if decl.section != "year":
                self.bag.error("CPF-E105", f"input `{name}` is not given per year: write `{name}`", expr.span)
                return declared
            if self._arity(expr, 1, f"{name}(y)", scope):
                arg = self.infer(expr.args[0], scope)
                self._expect(expr.args[0], arg, YEAR, f"the year of input `{name}`")
                return declared.as_optional(declared.optional or arg.optional)
            return declared
        if name in symbols.parameters:
            declared = symbols.type_of(symbols.parameters[name].type)
            if self._arity(expr, 1, f"{name}(y.start)", scope):
                arg = self.infer(expr.args[0], scope)
                self._expect(expr.args[0], arg, DATE, f"the date of parameter `{name}`")
                return declared.as_optional(arg.optional)
            return declared
        for argument in expr.args:
            self.infer(argument, scope)
        callables = [*symbols.rules, *symbols.parameters, *symbols.inputs, *BUILTIN_FUNCTIONS]
        suggestions = suggest(name, callables)
        self.bag.error(
            "CPF-E101",
            f"unknown function, rule or parameter `{name}`",
            expr.name_span,
            hint=did_you_mean(suggestions),
            suggestions=suggestions,
        )
        return UNKNOWN
