"""Lints: warnings about rule files that check but are probably wrong (codes CPF-L…).

Run by :func:`cpf_rules.loader.check_rules` after the static checks, only on rule sets
free of errors (a lint reasons on resolved names and types). Lints never stop
evaluation: they are warnings with a stable code, a place and a fix hint, printed by
``cpf check`` (text or JSON), by the language server as you type, and kept in
``RuleSet.warnings``.

| code | what |
|---|---|
| CPF-L101 | a rule or exception cites an article not in force on dates where it reads a parameter value |
| CPF-L102 | a dated value cites an article that ends (or has a gap) while the value still applies |
| CPF-L201 | a gap in a parameter's history: ``none`` then a value again |
| CPF-L202 | a dated value restating the previous one with the same citations |
| CPF-L301 | a parameter no rule reads |
| CPF-L302 | an input no rule reads |
| CPF-L303 | an enum or record used nowhere |
| CPF-L304 | a ``let`` name never read |
| CPF-L401 | an exception that never applies (condition always false) |
| CPF-L402 | an exception that always applies (the rule's formula is dead) |
| CPF-L403 | two exceptions with the same condition (always in conflict) |
| CPF-L404 | an exception whose condition implies another's (it can never apply alone) |
| CPF-L501 | an ``if`` with a constant condition (a branch never taken) |
| CPF-L502 | an ``if`` whose condition an enclosing ``if`` or ``when`` already decided |
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, DiagnosticBag
from ..legal_refs import LegalRegistry
from ..resolve import Symbols
from .citations import lint_citations
from .dated import lint_dated_values
from .logic import lint_logic
from .unused import lint_unused

LINT_CODES = {
    "CPF-L101": "rule citation not in force on dates where the rule reads a parameter value",
    "CPF-L102": "dated value citation no longer in force while the value applies",
    "CPF-L201": "gap in a parameter's dated values",
    "CPF-L202": "dated value restating the previous one",
    "CPF-L301": "unused parameter",
    "CPF-L302": "unused input",
    "CPF-L303": "unused enum or record",
    "CPF-L304": "unused let",
    "CPF-L401": "exception that never applies",
    "CPF-L402": "exception that always applies",
    "CPF-L403": "exceptions with the same condition",
    "CPF-L404": "exception whose condition implies another's",
    "CPF-L501": "branch never taken (constant condition)",
    "CPF-L502": "branch never taken (condition already decided)",
}

__all__ = ["LINT_CODES", "run_lints"]


def run_lints(symbols: Symbols, registry: LegalRegistry) -> list[Diagnostic]:
    """Every lint warning of a checked rule set, in a stable order."""
    bag = DiagnosticBag()
    lint_citations(symbols, registry, bag)
    lint_dated_values(symbols, bag)
    lint_unused(symbols, bag)
    lint_logic(symbols, bag)
    return bag.items
