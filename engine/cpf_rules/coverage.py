"""Per-article coverage of the analysts' cases (public API layer, beside cases.py).

For every article of ``legal_refs/``, the names of the ``rules/**/*.cases.yaml`` cases
that reach it: a case reaches an article when one of its answers' traces cites it, or
when it reaches (evaluates) a rule, an exception or a dated value that cites it (so an
expected-error case reaches the dated value it stops on). Also lists, for a part of
the rule base, the articles its declarations cite, so that a test can assert that every
cited article is reached by some case.

    python -m cpf_rules.coverage [RULES_DIR]     # prints the report; exit 1 if a cited article is not reached

``article_coverage(rules)`` returns ``{article_id: [case names]}`` (every article of the
registry, sorted; an empty list when no case reaches it); ``cited_articles_by_part``
returns ``{article_id: [declaration names]}`` for the rule files under a folder.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import ast
from .cases import CaseOutcome, cited_articles, find_case_files, load_cases, run_case
from .diagnostics import Span
from .loader import load_rules
from .model import RuleSet

__all__ = ["article_coverage", "cited_articles_by_part", "declaration_citations", "format_report", "main"]


def declaration_citations(rules: RuleSet) -> dict[str, tuple[Span, tuple[ast.Citation, ...]]]:
    """Every citing declaration, keyed as in ``Result.reached``: ``rule:NAME``,
    ``exception:RULE.NAME``, ``value:PARAMETER@YYYY-MM-DD``; with its span and citations."""
    table: dict[str, tuple[Span, tuple[ast.Citation, ...]]] = {}
    for rule in rules.rules.values():
        table[f"rule:{rule.name}"] = (rule.span, rule.citations)
        for exception in rule.exceptions:
            table[f"exception:{rule.name}.{exception.name}"] = (exception.span, exception.citations)
    for parameter in rules.parameters.values():
        for dated in parameter.values:
            table[f"value:{parameter.name}@{dated.start.isoformat()}"] = (dated.span, dated.citations)
    return table


def _articles_of(outcome: CaseOutcome, table: dict[str, tuple[Span, tuple[ast.Citation, ...]]]) -> set[str]:
    refs: set[str] = set()
    if outcome.result is not None:
        for answer in outcome.result.answers:
            if answer.trace is not None:
                refs |= cited_articles(answer.trace)
    for key in outcome.reached:
        if key in table:
            refs |= {citation.ref for citation in table[key][1]}
    return refs


def article_coverage(
    rules: RuleSet | None = None, outcomes: Iterable[CaseOutcome] | None = None
) -> dict[str, list[str]]:
    """``{article_id: [case names]}`` for every article of the registry (sorted ids and names).

    ``outcomes`` defaults to running every case of ``rules.rules_dir``; a case name is
    prefixed with its file when two files hold cases of the same name.
    """
    rules = rules if rules is not None else load_rules()
    if outcomes is None:
        outcomes = [run_case(rules, case) for path in find_case_files(rules.rules_dir) for case in load_cases(path)]
    table = declaration_citations(rules)
    coverage: dict[str, set[str]] = {article.id: set() for article in rules.registry}
    for outcome in outcomes:
        for ref in _articles_of(outcome, table):
            coverage.setdefault(ref, set()).add(outcome.case.name)
    return {ref: sorted(names) for ref, names in sorted(coverage.items())}


def cited_articles_by_part(rules: RuleSet, exclude: Sequence[str] = ()) -> dict[str, list[str]]:
    """``{article_id: [declaration keys]}`` for the declarations whose file is under the
    rules directory but not under one of the ``exclude`` sub-folders (e.g. ``("use",)``)."""
    root = rules.rules_dir.resolve()
    excluded = [(root / part).resolve() for part in exclude]
    cited: dict[str, set[str]] = {}
    for key, (span, citations) in declaration_citations(rules).items():
        path = Path(span.file)  # shown relative to the rules directory's parent (loader.py)
        path = (path if path.is_absolute() else root.parent / path).resolve()
        if any(path.is_relative_to(folder) for folder in excluded):
            continue
        for citation in citations:
            cited.setdefault(citation.ref, set()).add(key)
    return {ref: sorted(keys) for ref, keys in sorted(cited.items())}


def format_report(coverage: dict[str, list[str]], cited: dict[str, list[str]] | None = None) -> str:
    """Plain-text report: one block per article, its cases, and a mark on cited articles
    that no case reaches."""
    lines: list[str] = []
    for ref, names in coverage.items():
        mark = "  ✗ cited by the rules, reached by no case" if cited and ref in cited and not names else ""
        lines.append(f"{ref} — {len(names)} case(s){mark}")
        lines.extend(f"    {name}" for name in names)
    unreached = sorted(ref for ref in (cited or {}) if not coverage.get(ref))
    lines.append("")
    lines.append(
        f"{sum(1 for names in coverage.values() if names)}/{len(coverage)} articles reached by a case; "
        f"{len(unreached)} cited article(s) not reached" + (": " + ", ".join(unreached) if unreached else "")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cpf_rules.coverage [RULES_DIR]``: print the per-article report."""
    args = list(sys.argv[1:] if argv is None else argv)
    rules = load_rules(Path(args[0])) if args else load_rules()
    coverage = article_coverage(rules)
    cited = cited_articles_by_part(rules)
    print(format_report(coverage, cited))
    return 1 if any(not coverage.get(ref) for ref in cited) else 0


if __name__ == "__main__":  # pragma: no cover - exercised through main()
    raise SystemExit(main())
