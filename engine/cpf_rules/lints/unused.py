"""Lints on declarations nobody reads.

- CPF-L301: a parameter no rule reads;
- CPF-L302: an input no rule reads (the facts schema asks for it for nothing);
- CPF-L303: an enum or record no type, input or expression mentions;
- CPF-L304: a ``let`` name its body never reads.

Rules are not reported: any rule may be asked as a question (``credit(2019)``).
"""

from __future__ import annotations

from .. import ast
from ..diagnostics import DiagnosticBag
from ..resolve import Symbols
from .walk import declaration_expressions, declaration_types, descendants, names_read


def _all_declarations(symbols: Symbols) -> list[ast.Declaration]:
    return [
        *symbols.enums.values(),
        *symbols.records.values(),
        *symbols.inputs.values(),
        *symbols.parameters.values(),
        *symbols.rules.values(),
    ]


def lint_unused(symbols: Symbols, bag: DiagnosticBag) -> None:
    read: set[str] = set()
    types: set[str] = set()
    for decl in _all_declarations(symbols):
        for top in declaration_expressions(decl):
            read.update(name for name, _ in names_read(top))
        for ref in declaration_types(decl):
            types.add(ref.name)
    enums_of_cases_read = {enum for case, enums in symbols.enum_cases.items() if case in read for enum in enums}
    for name, parameter in symbols.parameters.items():
        if name not in read:
            bag.warning(
                "CPF-L301",
                f"parameter `{name}` is read by no rule",
                parameter.span,
                hint=f"read it in the rule it sets (`{name}(y.start)`), or delete it",
            )
    for name, input_decl in symbols.inputs.items():
        if name not in read:
            place = f"{input_decl.section}.{name}" if input_decl.section else name
            bag.warning(
                "CPF-L302",
                f"input `{place}` is read by no rule, yet the facts schema accepts it",
                input_decl.span,
                hint="read it in a rule, or delete the declaration",
            )
    type_declarations: list[tuple[str, ast.EnumDecl | ast.RecordDecl]] = [
        *symbols.enums.items(),
        *symbols.records.items(),
    ]
    for name, type_decl in type_declarations:
        if name not in types and name not in read and name not in enums_of_cases_read:
            kind = "enum" if isinstance(type_decl, ast.EnumDecl) else "record"
            bag.warning(
                "CPF-L303",
                f"{kind} `{name}` is used by no input, parameter, rule or field",
                type_decl.span,
                hint="use it as a type, or delete it",
            )
    for decl in _all_declarations(symbols):
        for top in declaration_expressions(decl):
            for node in descendants(top):
                if isinstance(node, ast.Let) and all(name != node.name for name, _ in names_read(node.body)):
                    bag.warning(
                        "CPF-L304",
                        f"`let {node.name}` is never read",
                        node.span,
                        hint=f"use `{node.name}` in the expression after `in`, or remove the `let`",
                    )
