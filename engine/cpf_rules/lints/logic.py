"""Lints on conditions decided before any fact is read: dead exceptions and branches.

Decidable cases only (no solver): conditions made of literals (``false``,
``1 > 2``, ``2019-01-01 < 2020-01-01``), conditions written twice, and a condition
whose ``and`` parts include all the parts of another's.

- CPF-L401: an exception whose condition is always false never applies;
- CPF-L402: an exception whose condition is always true: the rule's formula is never used;
- CPF-L403: two exceptions of a rule with the same condition: they always apply
  together, which is a conflict (CPF-R002) each time;
- CPF-L404: an exception whose condition implies another's: whenever it applies the
  other applies too (conflict), so it can never apply alone;
- CPF-L501: an ``if`` whose condition is constant: one branch is never taken;
- CPF-L502: an ``if`` whose condition was already decided by an enclosing ``if`` or
  by the exception's own ``when``: one branch is never taken.
"""

from __future__ import annotations

from typing import Any

from .. import ast
from ..diagnostics import DiagnosticBag
from ..resolve import Symbols
from .walk import children, conjuncts, disjuncts, shape


def constant_truth(expr: ast.Expr, symbols: Symbols) -> bool | None:
    """True/False when ``expr`` has that value whatever the facts, else None.

    >>> from cpf_rules.syntax import parse_value
    >>> from cpf_rules.resolve import Symbols
    >>> constant_truth(parse_value("1 > 2 or false", "x"), Symbols())
    False
    >>> constant_truth(parse_value("x and false", "x"), Symbols()) is False
    True
    """
    if isinstance(expr, ast.BoolLiteral):
        return expr.value
    if isinstance(expr, ast.Unary) and expr.op == "not":
        inner = constant_truth(expr.operand, symbols)
        return None if inner is None else not inner
    if isinstance(expr, ast.Binary) and expr.op in ("and", "or"):
        left, right = constant_truth(expr.left, symbols), constant_truth(expr.right, symbols)
        if expr.op == "and":
            if left is False or right is False:
                return False
            return True if left is True and right is True else None
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    if isinstance(expr, ast.Binary) and expr.op in ("==", "!=", "<", "<=", ">", ">="):
        left_value, right_value = _literal(expr.left, symbols), _literal(expr.right, symbols)
        if left_value is None or right_value is None or type(left_value) is not type(right_value):
            return None
        return _compare(expr.op, left_value, right_value)
    return None


def _literal(expr: ast.Expr, symbols: Symbols) -> Any:
    if isinstance(expr, ast.Quantity):
        return ("quantity", expr.unit, expr.value)
    if isinstance(expr, ast.DateLiteral):
        return ("date", expr.value)
    if isinstance(expr, ast.TextLiteral):
        return ("text", expr.value)
    if isinstance(expr, ast.Name) and expr.name in symbols.enum_cases:
        return ("case", expr.name)
    return None


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if left[0] != right[0] or (left[0] == "quantity" and left[1] != right[1]):
        return None  # different units: CPF-E201 already
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left[0] in ("text", "case"):
        return None
    a, b = left[-1], right[-1]
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def implies(stronger: ast.Expr, weaker: ast.Expr) -> bool:
    """``stronger`` ⇒ ``weaker`` by inclusion: some ``or`` part of ``weaker`` has all
    its ``and`` parts among the ``and`` parts of ``stronger``."""
    have = {shape(part) for part in conjuncts(stronger)}
    return any({shape(part) for part in conjuncts(option)} <= have for option in disjuncts(weaker))


def lint_logic(symbols: Symbols, bag: DiagnosticBag) -> None:
    for rule in symbols.rules.values():
        _lint_exceptions(rule, symbols, bag)
        _lint_branches(rule.body, {}, symbols, bag)
        for exception in rule.exceptions:
            _lint_branches(exception.condition, {}, symbols, bag)
            _lint_branches(exception.body, _known(exception.condition, True), symbols, bag)


def _lint_exceptions(rule: ast.RuleDecl, symbols: Symbols, bag: DiagnosticBag) -> None:
    live: list[ast.ExceptionDecl] = []
    for exception in rule.exceptions:
        truth = constant_truth(exception.condition, symbols)
        if truth is False:
            bag.warning(
                "CPF-L401",
                f"exception `{exception.name}` of `{rule.name}` never applies: its condition is always false",
                exception.condition.span,
                hint="fix the condition, or delete the exception",
            )
            continue
        if truth is True:
            bag.warning(
                "CPF-L402",
                f"exception `{exception.name}` of `{rule.name}` always applies: the rule's formula is never used",
                exception.condition.span,
                hint="make the exception's formula the rule's formula, or fix the condition",
            )
        live.append(exception)
    for index, first in enumerate(live):
        for second in live[index + 1 :]:
            if shape(first.condition) == shape(second.condition):
                bag.warning(
                    "CPF-L403",
                    f"exceptions `{first.name}` and `{second.name}` of `{rule.name}` have the same condition: "
                    "they always apply together, a conflict (CPF-R002)",
                    second.condition.span,
                    hint="merge them into one exception, or tell them apart with `and not …`",
                )
                continue
            for stronger, weaker in ((first, second), (second, first)):
                if implies(stronger.condition, weaker.condition):
                    bag.warning(
                        "CPF-L404",
                        f"whenever exception `{stronger.name}` of `{rule.name}` applies, `{weaker.name}` applies "
                        "too: the two conflict (CPF-R002), so it can never apply alone",
                        stronger.condition.span,
                        hint=f"add `and not (…)` to the condition of `{weaker.name}` so that the more "
                        "specific exception wins",
                    )


def _known(condition: ast.Expr, holds: bool) -> dict[Any, bool]:
    """What a taken branch tells: the parts of an ``and`` that held, of an ``or`` that failed."""
    parts = conjuncts(condition) if holds else disjuncts(condition)
    known = {shape(part): holds for part in parts}
    known[shape(condition)] = holds
    return known


def _lint_branches(expr: ast.Expr, known: dict[Any, bool], symbols: Symbols, bag: DiagnosticBag) -> None:
    if isinstance(expr, ast.If):
        truth = constant_truth(expr.condition, symbols)
        code, why = "CPF-L501", "is always"
        if truth is None and shape(expr.condition) in known:
            truth, code, why = known[shape(expr.condition)], "CPF-L502", "was already decided to be"
        if truth is not None:
            dead = "else" if truth else "then"
            bag.warning(
                code,
                f"the `{dead}` branch is never taken: the condition `{expr.condition_text}` {why} "
                f"{'true' if truth else 'false'} here",
                expr.condition.span,
                hint="remove the `if` and keep the branch that is taken, or fix the condition",
            )
        _lint_branches(expr.condition, known, symbols, bag)
        _lint_branches(expr.then, {**known, **_known(expr.condition, True)}, symbols, bag)
        _lint_branches(expr.orelse, {**known, **_known(expr.condition, False)}, symbols, bag)
        return
    if isinstance(expr, ast.Let | ast.Aggregate):
        # `let x` and `for x in` rebind x: forget what was known about conditions reading it
        inner = {
            k: v
            for k, v in known.items()
            if not _mentions(k, expr.name if isinstance(expr, ast.Let) else expr.variable)
        }
        for child in children(expr):
            _lint_branches(child, inner, symbols, bag)
        return
    for child in children(expr):
        _lint_branches(child, known, symbols, bag)


def _mentions(node_shape: Any, name: str) -> bool:
    """Whether a shape reads ``name`` (a bare name or a call)."""
    if isinstance(node_shape, tuple):
        if len(node_shape) == 2 and node_shape[0] in ("Name", "Call") and ("name", name) in node_shape[1]:
            return True
        return any(_mentions(item, name) for item in node_shape)
    return False
