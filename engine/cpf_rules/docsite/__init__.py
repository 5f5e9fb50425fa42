"""``cpf docs -o DIR``: a static, searchable documentation site generated from the rules.

One page per rule (label, signature, formula, exceptions, citations, what it uses and
what uses it, the YAML cases that exercise it), per parameter (dated history with
citations and the cases reaching each value), and per cited article (its versions and
the rules and values that cite it); an index; an offline search (:mod:`.assets`). The
cases are run once (:mod:`cpf_rules.testrunner`) to know which ones reach what.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..atomic_io import write_text_atomic
from ..lints.walk import declaration_expressions, names_read
from ..loader import load_rules
from ..model import RuleSet
from ..testrunner import Coverage, collect, measure_coverage, run
from .assets import SEARCH, STYLE, search_index_js
from .pages import SiteIndex, article_file, article_page, index_page, parameter_page, rule_page

__all__ = ["build_index", "build_site", "run_docs"]


def build_index(rules: RuleSet, coverage: Coverage | None) -> SiteIndex:
    index = SiteIndex(coverage=coverage)
    known = set(rules.rules) | set(rules.parameters) | set(rules.inputs)
    for name, rule in sorted(rules.rules.items()):
        read = sorted({n for top in declaration_expressions(rule) for n, _ in names_read(top) if n in known} - {name})
        index.uses[name] = read
        for target in read:
            index.used_by.setdefault(target, []).append(name)
        for citation in rule.citations:
            index.citers.setdefault(citation.ref, []).append((f"rules/{name}.html", f"règle {name}", citation.locator))
        for exception in rule.exceptions:
            for citation in exception.citations:
                index.citers.setdefault(citation.ref, []).append(
                    (f"rules/{name}.html", f"exception {name}.{exception.name}", citation.locator)
                )
    for name, parameter in sorted(rules.parameters.items()):
        for dated in parameter.values:
            for citation in dated.citations:
                index.citers.setdefault(citation.ref, []).append(
                    (f"parameters/{name}.html", f"paramètre {name} depuis le {dated.start}", citation.locator)
                )
    return index


def build_site(rules: RuleSet, output: Path, coverage: Coverage | None) -> int:
    """Write the site into ``output`` (its rules/, parameters/, articles/ are replaced); return the page count."""
    index = build_index(rules, coverage)
    output.mkdir(parents=True, exist_ok=True)
    for folder in ("rules", "parameters", "articles"):
        shutil.rmtree(output / folder, ignore_errors=True)
        (output / folder).mkdir()
    pages: dict[str, str] = {}
    search: list[dict[str, str]] = []
    for name, rule in rules.rules.items():
        pages[f"rules/{name}.html"] = rule_page(rules, rule, index)
        search.append({"kind": "règle", "name": name, "label": rule.label or "", "url": f"rules/{name}.html"})
    for name, parameter in rules.parameters.items():
        pages[f"parameters/{name}.html"] = parameter_page(rules, parameter, index)
        search.append(
            {"kind": "paramètre", "name": name, "label": parameter.label or "", "url": f"parameters/{name}.html"}
        )
    cited = [article for article in rules.registry if article.id in index.citers]
    for article in cited:
        pages[article_file(article.id)] = article_page(article, index)
        search.append({"kind": "article", "name": article.id, "label": article.title, "url": article_file(article.id)})
    pages["index.html"] = index_page(rules, cited)
    for relative, text in pages.items():
        write_text_atomic(output / relative, text)
    write_text_atomic(output / "style.css", STYLE)
    write_text_atomic(output / "search.js", SEARCH)
    search.sort(key=lambda e: (e["kind"], e["name"]))
    write_text_atomic(output / "search-index.js", search_index_js(search))
    return len(pages)


def run_docs(output: Path, rules_dir: Path | None, legal_refs_dir: Path | None, with_cases: bool = True) -> int:
    """``cpf docs``: load the rules, run their cases (for the case lists), write the site."""
    rules = load_rules(rules_dir, legal_refs_dir)
    coverage = None
    if with_cases:
        cases, problems = collect([rules.rules_dir])
        coverage = measure_coverage(rules, run(rules, cases, problems).outcomes)
    count = build_site(rules, output, coverage)
    print(f"wrote {count} pages to {output} (open {output / 'index.html'})")
    return 0
