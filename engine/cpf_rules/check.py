"""Stage 3, symbol table → checked model: names, types and units of every expression.

Infers a :class:`~cpf_rules.types.Type` for each expression and reports, before any
evaluation: unknown names (with "did you mean"), wrong arguments, unit errors (money +
hours), type errors, optional facts used without ``otherwise``, non-constant parameter
values. It also records the calls between rules for the cycle check (:mod:`cycles`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from . import ast
from .check_bounds import check_declared_bounds
from .check_calls import ROUNDING_FUNCTIONS, CallChecks, CallEdge
from .check_literals import check_literal_size, literal_digits
from .check_operators import OperatorChecks
from .diagnostics import DiagnosticBag, Span, did_you_mean, suggest
from .resolve import Symbols
from .types import BOOLEAN, DATE, DAYS, UNKNOWN, YEAR, Type, Unit, unit_of_literal


@dataclass
class CheckResult:
    types: dict[int, Type] = field(default_factory=dict)  # id(expr) -> type
    edges: list[CallEdge] = field(default_factory=list)


class _Checker(CallChecks, OperatorChecks):
    def __init__(self, symbols: Symbols, bag: DiagnosticBag) -> None:
        self.symbols = symbols
        self.bag = bag
        self.result = CheckResult()
        self.current_rule: ast.RuleDecl | None = None

    # ---- helpers -------------------------------------------------------------------
    def _record(self, expr: ast.Expr, type_: Type) -> Type:
        self.result.types[id(expr)] = type_
        return type_

    def _mismatch(self, span: Span, expected: str, found: Type, what: str, code: str = "CPF-E202") -> None:
        self.bag.error(
            code,
            f"{what}: expected {expected}, found {found.display()}",
            span,
            expected=expected,
            found=found.display(),
        )

    def _require_present(self, expr: ast.Expr, type_: Type, what: str) -> None:
        if not type_.optional:
            return
        source = self._optional_source(expr)
        if source is None:
            self.bag.error(
                "CPF-E203",
                f"{what} may be absent from the facts",
                expr.span,
                hint="say what to use when it is absent: `… otherwise VALUE`",
            )
            return
        name, span, text = source
        self.bag.error(
            "CPF-E203",
            f"input `{name}` is optional: `{text}` may be absent from the facts, and so may {what}",
            span,
            hint=f"say what to use when it is absent, e.g. `{text} otherwise VALUE`",
        )

    def _optional_source(self, expr: ast.Expr) -> tuple[str, Span, str] | None:
        """The optional input read (not under an `otherwise`) that makes ``expr`` optional."""
        if isinstance(expr, (ast.Name, ast.Call)) and expr.name in self.symbols.inputs:
            if self.symbols.inputs[expr.name].optional:
                text = expr.name if isinstance(expr, ast.Name) else f"{expr.name}(…)"
                return expr.name, expr.span, text
        children: list[ast.Expr] = []
        if isinstance(expr, ast.Call):
            children = list(expr.args)
        elif isinstance(expr, ast.FieldAccess):
            children = [expr.target]
        elif isinstance(expr, ast.Unary):
            children = [expr.operand]
        elif isinstance(expr, ast.Binary):
            children = [expr.left, expr.right]
        elif isinstance(expr, ast.Otherwise):
            children = [expr.right]
        elif isinstance(expr, ast.If):
            children = [expr.condition, expr.then, expr.orelse]
        elif isinstance(expr, ast.Let):
            children = [expr.value, expr.body]
        for child in children:
            found_type = self.result.types.get(id(child))
            if found_type is not None and found_type.optional:
                found = self._optional_source(child)
                if found is not None:
                    return found
        return None

    def _expect(self, expr: ast.Expr, type_: Type, expected: Type, what: str) -> None:
        if not _compatible(type_, expected):
            code = "CPF-E201" if type_.kind == expected.kind == "number" else "CPF-E202"
            self._mismatch(expr.span, expected.display(), type_, what, code)

    # ---- declarations ----------------------------------------------------------------
    def check_all(self) -> CheckResult:
        for record in self.symbols.records.values():
            for f in record.fields:
                if f.default is not None:
                    self._check_constant(f.default, self.symbols.type_of(f.type), f"default of field `{f.name}`")
        for input_decl in self.symbols.inputs.values():
            if input_decl.default is not None:
                self._check_constant(
                    input_decl.default, self.symbols.type_of(input_decl.type), f"default of input `{input_decl.name}`"
                )
        check_declared_bounds(self.symbols, self.bag, lambda end: self.infer(end, {}))  # check_bounds.py
        for parameter in self.symbols.parameters.values():
            declared = self.symbols.type_of(parameter.type)
            for dated in parameter.values:
                if dated.value is not None:
                    self._check_constant(dated.value, declared, f"value of `{parameter.name}` from {dated.start}")
        for rule in self.symbols.rules.values():
            self._check_rule(rule)
        return self.result

    def _check_constant(self, expr: ast.Expr, declared: Type, what: str) -> None:
        if not _is_constant(expr) or (isinstance(expr, ast.Name) and expr.name not in self.symbols.enum_cases):
            self.bag.error(
                "CPF-E205",
                f"{what} must be a constant (a number with its unit, a date, true/false or an enum case)",
                expr.span,
                hint="formulas belong in rules; parameters and defaults hold values",
            )
            return
        found = self.infer(expr, {})
        self._expect(expr, found, declared, what)

    def _check_rule(self, rule: ast.RuleDecl) -> None:
        self.current_rule = rule
        declared = self.symbols.type_of(rule.type)
        scope = {f.name: self.symbols.type_of(f.type) for f in rule.formals}
        body = self.infer(rule.body, scope)
        self._require_present(rule.body, body, f"the result of rule `{rule.name}`")
        self._expect(rule.body, body, declared, f"rule `{rule.name}` is declared {declared.display()}")
        for exception in rule.exceptions:
            condition = self.infer(exception.condition, scope)
            self._expect(exception.condition, condition, BOOLEAN, f"the condition of exception `{exception.name}`")
            self._require_present(exception.condition, condition, f"the condition of exception `{exception.name}`")
            value = self.infer(exception.body, scope)
            self._require_present(exception.body, value, f"the value of exception `{exception.name}`")
            self._expect(
                exception.body, value, declared, f"exception `{exception.name}` of a {declared.display()} rule"
            )
        self.current_rule = None

    # ---- expressions -----------------------------------------------------------------
    def infer(self, expr: ast.Expr, scope: dict[str, Type]) -> Type:
        return self._record(expr, self._infer(expr, scope))

    def _infer(self, expr: ast.Expr, scope: dict[str, Type]) -> Type:
        if isinstance(expr, ast.Quantity):
            check_literal_size(self.bag, expr)
            unit = unit_of_literal(expr.unit)
            if expr.unit == "days":
                return DAYS
            return Type("number", unit, integer=expr.is_integer and unit.dimensionless)
        if isinstance(expr, ast.DateLiteral):
            return DATE
        if isinstance(expr, ast.TextLiteral):
            return Type("text")
        if isinstance(expr, ast.BoolLiteral):
            return BOOLEAN
        if isinstance(expr, ast.Name):
            return self._infer_name(expr, scope)
        if isinstance(expr, ast.Call):
            return self._infer_call(expr, scope)
        if isinstance(expr, ast.FieldAccess):
            return self._infer_field(expr, scope)
        if isinstance(expr, ast.Unary):
            operand = self.infer(expr.operand, scope)
            if expr.op == "not":
                self._expect(expr.operand, operand, BOOLEAN, "`not` applies to a condition")
                return BOOLEAN.as_optional(operand.optional)
            if operand.kind != "number":
                self._mismatch(expr.span, "a number", operand, "`-` applies to a number")
            return operand
        if isinstance(expr, ast.Binary):
            return self._infer_binary(expr, scope)
        if isinstance(expr, ast.Otherwise):
            left = self.infer(expr.left, scope)
            right = self.infer(expr.right, scope)
            if not left.same_shape(right):
                self._mismatch(expr.right.span, left.required().display(), right, "the value after `otherwise`")
            return Type(left.kind, left.unit, left.integer and right.integer, left.name, right.optional)
        if isinstance(expr, ast.If):
            condition = self.infer(expr.condition, scope)
            self._expect(expr.condition, condition, BOOLEAN, "the condition of `if`")
            self._require_present(expr.condition, condition, "the condition of `if`")
            then = self.infer(expr.then, scope)
            orelse = self.infer(expr.orelse, scope)
            if not then.same_shape(orelse):
                code = "CPF-E201" if then.kind == orelse.kind == "number" else "CPF-E202"
                self.bag.error(
                    code,
                    f"both branches of `if` must agree: expected {then.display()}, found {orelse.display()}",
                    expr.orelse.span,
                    hint=f"make the else branch {then.required().display()} too (e.g. a zero in the same unit)",
                    expected=then.display(),
                    found=orelse.display(),
                )
            return Type(
                then.kind, then.unit, then.integer and orelse.integer, then.name, then.optional or orelse.optional
            )
        if isinstance(expr, ast.Let):
            value = self.infer(expr.value, scope)
            return self.infer(expr.body, {**scope, expr.name: value})
        assert isinstance(expr, ast.Aggregate)
        return self._infer_aggregate(expr, scope)

    def _infer_name(self, expr: ast.Name, scope: dict[str, Type]) -> Type:
        name = expr.name
        symbols = self.symbols
        if name in scope:
            return scope[name]
        if name in symbols.inputs:
            decl = symbols.inputs[name]
            declared = symbols.type_of(decl.type)
            if decl.section == "year":
                self.bag.error(
                    "CPF-E108",
                    f"input `{name}` is given per year: write {name}(y)",
                    expr.span,
                    hint="year.* inputs are read for one calendar year",
                )
            return declared.as_optional(decl.optional)
        if name in symbols.rules:
            rule = symbols.rules[name]
            if rule.formals:
                self.bag.error(
                    "CPF-E108",
                    f"rule `{name}` needs its period: {name}({rule.formals[0].name})",
                    expr.span,
                )
            self._edge(name, "none", expr.span)
            return symbols.type_of(rule.type)
        if name in symbols.parameters:
            self.bag.error(
                "CPF-E108",
                f"parameter `{name}` needs the date of its value: {name}(y.start) or {name}(d)",
                expr.span,
                hint="a parameter is a dated series; say on which date to read it",
            )
            return symbols.type_of(symbols.parameters[name].type)
        if name in symbols.enum_cases:
            owners = symbols.enum_cases[name]
            if len(owners) > 1:
                self.bag.error(
                    "CPF-E106",
                    f"`{name}` is a case of several enums ({', '.join(owners)})",
                    expr.span,
                    hint=f"write {owners[0]}.{name}",
                )
            return Type("enum", name=owners[0])
        if name in symbols.enums:
            self.bag.error("CPF-E106", f"`{name}` is an enum; name one of its cases: {name}.CASE", expr.span)
            return Type("enum", name=name)
        suggestions = suggest(name, [*scope, *symbols.value_names()])
        self.bag.error(
            "CPF-E101",
            f"unknown name `{name}`",
            expr.span,
            hint=did_you_mean(suggestions) or "declare it as an input, a parameter or a rule",
            suggestions=suggestions,
        )
        return UNKNOWN

    def _infer_field(self, expr: ast.FieldAccess, scope: dict[str, Type]) -> Type:
        target = expr.target
        if isinstance(target, ast.Name) and target.name in self.symbols.enums and target.name not in scope:
            enum = self.symbols.enums[target.name]
            cases = [c.name for c in enum.cases]
            if expr.name not in cases:
                by_label = {word: c.name for c in enum.cases for word in _plain(c.label or "").split()[:1]}
                suggestions = suggest(expr.name, cases) or tuple(
                    by_label[label] for label in suggest(_plain(expr.name), by_label, limit=1)
                )
                self.bag.error(
                    "CPF-E106",
                    f"enum `{enum.name}` has no case `{expr.name}`",
                    expr.span,
                    hint=did_you_mean(suggestions) or "its cases are " + ", ".join(cases),
                    suggestions=suggestions,
                )
            return self._record(target, Type("enum", name=enum.name))
        base = self.infer(target, scope)
        fields: dict[str, Type]
        if base.kind == "year":
            fields = {"start": DATE, "end": DATE}
        elif base.kind == "date":
            fields = {"year": YEAR}
        elif base.kind == "record" and base.name in self.symbols.records:
            record = self.symbols.records[base.name]
            fields = {f.name: self.symbols.type_of(f.type) for f in record.fields}
        elif base.kind == "unknown":
            return UNKNOWN
        else:
            self.bag.error("CPF-E104", f"a value of type {base.display()} has no fields", expr.span)
            return UNKNOWN
        if expr.name not in fields:
            suggestions = suggest(expr.name, fields)
            self.bag.error(
                "CPF-E104",
                f"{base.required().display()} has no field `{expr.name}`",
                expr.span,
                hint=did_you_mean(suggestions) or "its fields are " + ", ".join(fields),
                suggestions=suggestions,
            )
            return UNKNOWN
        return fields[expr.name].as_optional(base.optional or fields[expr.name].optional)


def _plain(text: str) -> str:
    """Lower case without accents, to match a French word against enum labels."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).split(" (")[0]


def _compatible(found: Type, expected: Type) -> bool:
    if UNKNOWN.kind in (found.kind, expected.kind):
        return True
    if not found.same_shape(expected):
        return False
    return not (expected.kind == "number" and expected.integer and not found.integer)


def _is_constant(expr: ast.Expr) -> bool:
    if isinstance(expr, (ast.Quantity, ast.DateLiteral, ast.TextLiteral, ast.BoolLiteral, ast.Name)):
        return True
    if isinstance(expr, ast.FieldAccess):
        return isinstance(expr.target, ast.Name)
    if isinstance(expr, ast.Unary) and expr.op == "-":
        return isinstance(expr.operand, ast.Quantity)
    return False


def check_constant(symbols: Symbols, expr: ast.Expr, declared: Type, what: str, bag: DiagnosticBag) -> None:
    """Check one constant (a what-if value) against a declared type."""
    _Checker(symbols, bag)._check_constant(expr, declared, what)


def check(symbols: Symbols, bag: DiagnosticBag) -> CheckResult:
    """Type-check every rule, parameter value and default; return types and call edges."""
    return _Checker(symbols, bag).check_all()


__all__ = ["ROUNDING_FUNCTIONS", "CallEdge", "CheckResult", "Unit", "check", "check_constant", "literal_digits"]
