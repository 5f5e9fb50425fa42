"""The checked model: an immutable, reusable rule set ready for evaluation.

Built by :mod:`cpf_rules.loader` once the rule files have parsed, resolved and checked
without error. It holds the declarations by name, the inferred type of every
expression, the legal-reference registry, the sources (for diagnostics and traces) and
the fingerprint that identifies this exact rule set in results.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ast
from .diagnostics import Diagnostic
from .legal_refs import LegalRegistry
from .resolve import Symbols
from .types import Type


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A checked rule set. Load it once (``load_rules()``), evaluate many facts."""

    symbols: Symbols
    types: dict[int, Type]
    registry: LegalRegistry
    sources: dict[str, str]
    fingerprint: str
    warnings: tuple[Diagnostic, ...]
    rules_dir: Path
    legal_refs_dir: Path
    modules: tuple[ast.Module, ...] = field(repr=False)

    @property
    def rules(self) -> dict[str, ast.RuleDecl]:
        return self.symbols.rules

    @property
    def parameters(self) -> dict[str, ast.ParameterDecl]:
        return self.symbols.parameters

    @property
    def inputs(self) -> dict[str, ast.InputDecl]:
        return self.symbols.inputs

    @functools.cached_property
    def formula_heights(self) -> dict[str, int]:
        """Each rule's deepest formula met so far, by name (see :meth:`formula_height`)."""
        return {}

    def formula_height(self, name: str) -> int:
        """The deepest formula of rule ``name`` (its body, its exceptions' conditions and
        bodies), in expressions: what one call of it may nest
        (:data:`cpf_rules.limits.MAX_NESTING`). Computed on first use, once per rule."""
        height = self.formula_heights.get(name)
        if height is None:
            rule = self.symbols.rules[name]
            parts = (rule.body, *(part for e in rule.exceptions for part in (e.condition, e.body)))
            height = self.formula_heights[name] = max(ast.expression_height(expr) for expr in parts)
        return height

    @functools.cached_property
    def facts_reader(self) -> Any:
        from .facts import FactsReader

        return FactsReader(self.symbols)

    def facts_schema(self) -> dict[str, Any]:
        """The JSON Schema of a facts document for this rule set."""
        schema: dict[str, Any] = self.facts_reader.schema
        return schema


def constant_value(expr: ast.Expr) -> Any:
    """The value of a constant expression (a default, a dated value): a literal, an enum
    case (by name) or a negated quantity. Shared by the interpreter, the compiled
    evaluator and the batch kernel."""
    if isinstance(expr, (ast.Quantity, ast.DateLiteral, ast.TextLiteral, ast.BoolLiteral)):
        return expr.value
    if isinstance(expr, (ast.Name, ast.FieldAccess)):
        return expr.name
    assert isinstance(expr, ast.Unary) and isinstance(expr.operand, ast.Quantity)
    return -expr.operand.value
