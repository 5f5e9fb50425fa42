"""Stage 2, syntax trees → symbol table: names, declared types, labels and citations.

Collects every declaration of every rule file into one global namespace (names are
unique across files), resolves written types (``money``, ``list LedgerEvent``), and
checks that each declaration has a French label and each rule and dated value cites an
article that exists in legal_refs/. Expression-level names are resolved by the checker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from . import ast
from .diagnostics import DiagnosticBag, Span, did_you_mean, suggest
from .legal_refs import LegalRegistry
from .types import BUILTIN_TYPES, PERIOD_TYPES, UNKNOWN, Type, unit_of_type_name

# Names the language owns: functions and period fields. Declarations may not take them.
BUILTIN_FUNCTIONS = (
    "min",
    "max",
    "round_up_to_cent",
    "round_half_up_to_cent",
    "round_up_to_hour",
    "round_to_nearest_hour",
    "years_between",
    "months_between",
)


@dataclass
class Symbols:
    """Every declaration by name, with resolved types."""

    enums: dict[str, ast.EnumDecl] = field(default_factory=dict)
    records: dict[str, ast.RecordDecl] = field(default_factory=dict)
    inputs: dict[str, ast.InputDecl] = field(default_factory=dict)
    parameters: dict[str, ast.ParameterDecl] = field(default_factory=dict)
    rules: dict[str, ast.RuleDecl] = field(default_factory=dict)
    enum_cases: dict[str, list[str]] = field(default_factory=dict)  # case -> enums that have it
    declared_types: dict[int, Type] = field(default_factory=dict)  # id(TypeRef) -> Type

    def value_names(self) -> list[str]:
        return [*self.inputs, *self.parameters, *self.rules, *self.enum_cases]

    def type_of(self, ref: ast.TypeRef) -> Type:
        return self.declared_types[id(ref)]


def _where(decl: ast.Declaration) -> Span:
    return decl.span


def resolve(
    modules: Iterable[ast.Module], registry: LegalRegistry, bag: DiagnosticBag, *, report: bool = True
) -> Symbols:
    """Build the symbol table; report duplicates, unknown types, labels and citations.

    ``report=False`` leaves out the checks that only report (labels, citations, dated
    values): the same tables, for a rule set whose findings are known already (the
    loader's warm path reads them from the cache).
    """
    symbols = Symbols()
    seen: dict[str, Span] = {}
    all_declarations = [d for module in modules for d in module.declarations]

    for decl in all_declarations:
        name = decl.name
        if name in BUILTIN_FUNCTIONS or name in BUILTIN_TYPES:
            bag.error(
                "CPF-E107",
                f"`{name}` is a name of the language and cannot be declared",
                decl.span,
                hint="choose another name",
            )
            continue
        if name in seen:
            bag.error(
                "CPF-E102",
                f"`{name}` is declared twice (first at {seen[name]})",
                decl.span,
                hint="names are shared by all rule files; rename one of them",
            )
            continue
        seen[name] = decl.span
        if isinstance(decl, ast.EnumDecl):
            symbols.enums[name] = decl
            for case in decl.cases:
                symbols.enum_cases.setdefault(case.name, []).append(name)
        elif isinstance(decl, ast.RecordDecl):
            symbols.records[name] = decl
        elif isinstance(decl, ast.InputDecl):
            symbols.inputs[name] = decl
        elif isinstance(decl, ast.ParameterDecl):
            symbols.parameters[name] = decl
        else:
            symbols.rules[name] = decl

    for case_name, owners in symbols.enum_cases.items():
        if case_name in seen:
            bag.error(
                "CPF-E102",
                f"enum case `{case_name}` of {owners[0]} has the same name as a declaration ({seen[case_name]})",
                symbols.enums[owners[0]].span,
                hint="rename the case or the declaration",
            )

    for decl in all_declarations:
        _resolve_types(decl, symbols, bag)
        if report:
            _check_label(decl, bag)
            _check_annotations(decl, registry, bag)
    return symbols


def _resolve_type(ref: ast.TypeRef, symbols: Symbols, bag: DiagnosticBag) -> Type:
    known = [*BUILTIN_TYPES, *symbols.enums, *symbols.records]
    if ref.kind == "rate":
        top, bottom = unit_of_type_name(ref.name), unit_of_type_name(ref.denominator or "")
        if top is None or bottom is None:
            bad = ref.name if top is None else ref.denominator
            bag.error(
                "CPF-E103",
                f"`{bad}` is not a unit type; a rate is written like money/hours",
                ref.span,
                hint="unit types are money, hours and days",
            )
            result = UNKNOWN
        else:
            result = Type("number", top / bottom)
    elif ref.kind == "list":
        if ref.name not in symbols.records:
            suggestions = suggest(ref.name, symbols.records)
            bag.error(
                "CPF-E103",
                f"unknown record type `{ref.name}`",
                ref.span,
                hint=did_you_mean(suggestions) or 'declare it with: record NAME "label" { field : type }',
                suggestions=suggestions,
            )
        result = Type("list", name=ref.name)
    elif ref.name in BUILTIN_TYPES:
        result = BUILTIN_TYPES[ref.name]
    elif ref.name in symbols.enums:
        result = Type("enum", name=ref.name)
    elif ref.name in symbols.records:
        result = Type("record", name=ref.name)
    else:
        suggestions = suggest(ref.name, known)
        bag.error(
            "CPF-E103",
            f"unknown type `{ref.name}`",
            ref.span,
            hint=did_you_mean(suggestions) or "types are " + ", ".join(BUILTIN_TYPES) + ", or a declared enum",
            suggestions=suggestions,
        )
        result = UNKNOWN
    symbols.declared_types[id(ref)] = result
    return result


def _resolve_types(decl: ast.Declaration, symbols: Symbols, bag: DiagnosticBag) -> None:
    if isinstance(decl, ast.RecordDecl):
        for f in decl.fields:
            _resolve_type(f.type, symbols, bag)
    elif isinstance(decl, ast.InputDecl):
        declared = _resolve_type(decl.type, symbols, bag)
        if declared.kind == "list" and decl.section is not None:
            bag.error(
                "CPF-E108",
                f"a list input is declared at the top of the facts: write `input {decl.name} : list …`",
                decl.span,
            )
        if declared.kind != "list" and decl.section is None:
            bag.error(
                "CPF-E108",
                f"input `{decl.name}` needs a section: holder.{decl.name} or year.{decl.name}",
                decl.span,
                hint="year.NAME is read once per calendar year as NAME(y); holder.NAME once per holder",
            )
    elif isinstance(decl, ast.ParameterDecl):
        _resolve_type(decl.type, symbols, bag)
    elif isinstance(decl, ast.RuleDecl):
        _resolve_type(decl.type, symbols, bag)
        for formal in decl.formals:
            formal_type = _resolve_type(formal.type, symbols, bag)
            if formal_type.kind not in PERIOD_TYPES:
                bag.error(
                    "CPF-E202",
                    f"the period of rule `{decl.name}` must be a year or a date, not {formal_type.display()}",
                    formal.type.span,
                    hint="rules are functions of an explicit period: rule NAME(y : year) or rule NAME(d : date)",
                )
        if len(decl.formals) > 1:
            bag.error(
                "CPF-E105",
                f"rule `{decl.name}` takes {len(decl.formals)} periods; a rule takes at most one",
                decl.formals[1].span,
            )


_LABEL_PLACE = {
    ast.EnumDecl: "after its name",
    ast.RecordDecl: "after its name",
    ast.InputDecl: "after its type",
    ast.ParameterDecl: "after its type",
    ast.RuleDecl: "after its type",
}


def _check_label(decl: ast.Declaration, bag: DiagnosticBag) -> None:
    kind = type(decl).__name__.removesuffix("Decl").lower()
    if decl.label is None:
        bag.error(
            "CPF-E303",
            f"{kind} `{decl.name}` has no label",
            decl.span,
            hint=f"add its French label, a quoted text {_LABEL_PLACE[type(decl)]}: the words of the law for it",
        )
    if isinstance(decl, ast.EnumDecl):
        for case in decl.cases:
            if case.label is None:
                bag.error(
                    "CPF-E303",
                    f"enum case `{case.name}` has no label",
                    case.span,
                    hint=f'add its French label after the case name, e.g. {case.name} "libellé"',
                )


def _check_citations(
    owner: str, citations: tuple[ast.Citation, ...], span: Span, registry: LegalRegistry, bag: DiagnosticBag
) -> None:
    if not citations:
        bag.error(
            "CPF-E301",
            f"{owner} cites no legal text",
            span,
            hint="add `cite CT:ARTICLE` naming the article (an entry of legal_refs/) that sets it",
        )
    for citation in citations:
        if citation.ref not in registry:
            suggestions = suggest(citation.ref, registry.articles, cutoff=0.9)
            bag.error(
                "CPF-E302",
                f"`{citation.ref}` is not in legal_refs/",
                citation.span,
                hint=did_you_mean(suggestions)
                or f"add legal_refs/{citation.ref.replace(':', '/')}.yaml with the article's versions",
                suggestions=suggestions,
            )


def _check_annotations(decl: ast.Declaration, registry: LegalRegistry, bag: DiagnosticBag) -> None:
    if isinstance(decl, ast.RuleDecl):
        _check_citations(f"rule `{decl.name}`", decl.citations, decl.span, registry, bag)
        names: set[str] = set()
        for exception in decl.exceptions:
            if exception.name in names:
                bag.error("CPF-E304", f"rule `{decl.name}` has two exceptions named `{exception.name}`", exception.span)
            names.add(exception.name)
            _check_citations(f"exception `{exception.name}`", exception.citations, exception.span, registry, bag)
    elif isinstance(decl, ast.ParameterDecl):
        if not decl.values:
            bag.error(
                "CPF-E403",
                f"parameter `{decl.name}` has no dated value",
                decl.span,
                hint="add at least one line: from YYYY-MM-DD = VALUE cite ARTICLE",
            )
        for dated in decl.values:
            _check_citations(
                f"the value of `{decl.name}` from {dated.start}", dated.citations, dated.span, registry, bag
            )
            for citation in dated.citations:
                article = registry.get(citation.ref)
                if article is not None and article.version_on(dated.start) is None:
                    bag.warning(
                        "CPF-W305",
                        f"{citation.ref} has no version in force on {dated.start}, "
                        f"when the value of `{decl.name}` starts",
                        citation.span,
                        hint="add the version in force on that date to legal_refs/, or cite the text that set the value",
                    )
        for earlier, later in zip(decl.values, decl.values[1:], strict=False):
            if later.start == earlier.start:
                bag.error(
                    "CPF-E402",
                    f"parameter `{decl.name}` has two values from {later.start}",
                    later.span,
                    hint="one dated value per date; a new value ends the previous one",
                )
            elif later.start < earlier.start:
                bag.error(
                    "CPF-E401",
                    f"dated values of `{decl.name}` are not in date order ({later.start} after {earlier.start})",
                    later.span,
                    hint="list dated values from the oldest to the newest",
                )
