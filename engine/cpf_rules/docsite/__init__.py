"""``cpf docs -o DIR``: a static, searchable documentation site generated from the rules.

One page per rule (label, signature, formula, exceptions, citations, what it uses and
what uses it, the YAML cases that exercise it), per parameter (dated history with
citations and the cases reaching each value), and per cited article (its versions and
the rules and values that cite it); an index; an offline search (:mod:`.assets`). The
cases are run once (:mod:`cpf_rules.testrunner`) to know which ones reach what.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..diagnostics import CpfError, Diagnostic, Severity
from ..lints.walk import declaration_expressions, names_read
from ..loader import load_rules
from ..model import RuleSet
from ..testrunner import Coverage, collect, measure_coverage, run
from .assets import SEARCH, STYLE, search_index_js
from .pages import SiteIndex, article_file, article_page, index_page, parameter_page, rule_page

__all__ = ["build_index", "build_site", "check_output", "run_docs", "site_files"]


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


def site_files(rules: RuleSet, coverage: Coverage | None) -> dict[str, str]:
    """Every file of the site, by path relative to the output folder, rendered in memory."""
    index = build_index(rules, coverage)
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
    search.sort(key=lambda e: (e["kind"], e["name"]))
    return {**pages, "style.css": STYLE, "search.js": SEARCH, "search-index.js": search_index_js(search)}


FOLDERS = ("rules", "parameters", "articles")
"""The site's folders, replaced as a whole; other files of the output folder are kept."""


def _cannot_write(output: Path, reason: str) -> CpfError:
    return CpfError(
        [
            Diagnostic(
                "CPF-D003",
                Severity.ERROR,
                f"cannot write the documentation site into {output}: {reason}",
                path=str(output),
                expected="a folder that exists or can be created, and that can be written",
                hint="choose another folder with -o",
            )
        ]
    )


def check_output(output: Path) -> None:
    """Refuse, before any work, an output that is a file or lies under a file."""
    for place in (output, *output.parents):
        if place.exists() or place.is_symlink():
            if not place.is_dir():
                what = "it is a file" if place == output else f"{place} is a file, not a folder"
                raise _cannot_write(output, what)
            return


def build_site(rules: RuleSet, output: Path, coverage: Coverage | None) -> int:
    """Write the site into ``output`` (its rules/, parameters/, articles/ are replaced);
    return the page count. Every file is first written to a staging folder inside
    ``output``, then moved into place: a failure (CPF-D003) leaves the site as it was."""
    files = site_files(rules, coverage)
    check_output(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".cpf-docs-", dir=output))
    except OSError as error:
        raise _cannot_write(output, error.strerror or str(error)) from None
    try:
        for relative, text in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for folder in FOLDERS:
            (staging / folder).mkdir(exist_ok=True)  # a rule set without parameters still has the folder
        for folder in FOLDERS:
            shutil.rmtree(output / folder, ignore_errors=True)
            os.replace(staging / folder, output / folder)
        for name in sorted(p.name for p in staging.iterdir()):
            os.replace(staging / name, output / name)
    except OSError as error:
        raise _cannot_write(output, error.strerror or str(error)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(files) - 3  # pages, not the style sheet and the two scripts


def run_docs(output: Path, rules_dir: Path | None, legal_refs_dir: Path | None, with_cases: bool = True) -> int:
    """``cpf docs``: load the rules, run their cases (for the case lists), write the site."""
    check_output(output)
    rules = load_rules(rules_dir, legal_refs_dir)
    coverage = None
    if with_cases:
        cases, problems = collect([rules.rules_dir])
        coverage = measure_coverage(rules, run(rules, cases, problems).outcomes)
    count = build_site(rules, output, coverage)
    print(f"wrote {count} pages to {output} (open {output / 'index.html'})")
    return 0
