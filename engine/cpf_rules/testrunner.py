"""``cpf test``: run the analysts' YAML cases, explain failures, measure coverage.

A surface over :mod:`cpf_rules.cases` (the same runner pytest uses). A failing case
prints, for each wrong answer, the expected and the actual value and the trace of that
answer (the step that gave the wrong value, with its branches, parameter values,
facts and citations). ``--coverage`` reports which cases reach each article (as
:func:`cpf_rules.coverage.article_coverage` reads it: cited in a trace, or cited by a
rule, exception or dated value the case reaches), each dated value and each rule and
exception, as a table or as JSON; an item cited by the rules and reached by no case is
listed with 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cases import (
    CASES_SUFFIX,
    Case,
    CaseFormatError,
    CaseOutcome,
    find_case_files,
    load_cases,
    run_case,
)
from .coverage import article_coverage
from .model import RuleSet
from .render.text import render_trace

TRACE_LINES = 40
"""Lines of a failing answer's trace shown by ``cpf test`` (the rest is summarised)."""


@dataclass
class Coverage:
    """For each article, dated value, rule and exception: the cases that reach it."""

    articles: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    rules: dict[str, list[str]] = field(default_factory=dict)
    exceptions: dict[str, list[str]] = field(default_factory=dict)

    def sections(self) -> list[tuple[str, dict[str, list[str]]]]:
        return [
            ("article", self.articles),
            ("dated value", self.values),
            ("rule", self.rules),
            ("exception", self.exceptions),
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "dated_values": self.values,
            "rules": self.rules,
            "exceptions": self.exceptions,
            "uncovered": {title: sorted(k for k, v in table.items() if not v) for title, table in self.sections()},
        }


@dataclass
class CaseRun:
    """The outcome of ``cpf test``: each case's outcome and unreadable case files."""

    outcomes: list[CaseOutcome]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and all(o.passed for o in self.outcomes)


def case_id(case: Case) -> str:
    """``euro_era::700 h worked…``: the file stem and the case name."""
    return f"{Path(case.file).name.removesuffix(CASES_SUFFIX)}::{case.name}"


def collect(paths: Sequence[Path], keyword: str | None = None) -> tuple[list[Case], list[str]]:
    """The cases of ``paths`` (files or folders searched for ``*.cases.yaml``) matching ``keyword``."""
    cases: list[Case] = []
    problems: list[str] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(find_case_files(path))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    for file in files:
        try:
            cases.extend(load_cases(file))
        except CaseFormatError as error:
            problems.append(str(error))
    if keyword:
        wanted = keyword.casefold()
        cases = [c for c in cases if wanted in c.name.casefold() or wanted in case_id(c).casefold()]
    return cases, problems


def run(rules: RuleSet, cases: Iterable[Case], problems: Sequence[str] = ()) -> CaseRun:
    return CaseRun([run_case(rules, case) for case in cases], list(problems))


def measure_coverage(rules: RuleSet, outcomes: Iterable[CaseOutcome]) -> Coverage:
    """Which cases reach what; every article cited by the rules and every declaration is listed."""
    coverage = Coverage()
    symbols = rules.symbols
    for rule in symbols.rules.values():
        coverage.rules[rule.name] = []
        for citation in rule.citations:
            coverage.articles.setdefault(citation.ref, [])
        for exception in rule.exceptions:
            coverage.exceptions[f"{rule.name}.{exception.name}"] = []
            for citation in exception.citations:
                coverage.articles.setdefault(citation.ref, [])
    for parameter in symbols.parameters.values():
        for dated in parameter.values:
            coverage.values[f"{parameter.name}@{dated.start.isoformat()}"] = []
            for citation in dated.citations:
                coverage.articles.setdefault(citation.ref, [])
    for outcome in outcomes:
        name = case_id(outcome.case)
        for item in sorted(outcome.reached):
            kind, _, key = item.partition(":")
            table = {"rule": coverage.rules, "exception": coverage.exceptions, "value": coverage.values}.get(kind)
            if table is not None:
                table.setdefault(key, []).append(name)
        # coverage.py's reading: an article is reached when an answer's trace cites it, or
        # when the case reaches a rule, exception or dated value citing it
        reached_articles = article_coverage(rules, [outcome])
        for ref in sorted(ref for ref, names in reached_articles.items() if names):
            coverage.articles.setdefault(ref, []).append(name)
    for _, table in coverage.sections():
        for key in table:
            table[key] = sorted(set(table[key]))
    coverage.articles = dict(sorted(coverage.articles.items()))
    coverage.values = dict(sorted(coverage.values.items()))
    coverage.rules = dict(sorted(coverage.rules.items()))
    coverage.exceptions = dict(sorted(coverage.exceptions.items()))
    return coverage


def _trace_excerpt(text: str, limit: int = TRACE_LINES) -> str:
    lines = text.splitlines()
    if len(lines) <= limit:
        return text
    return "\n".join([*lines[:limit], f"… {len(lines) - limit} more lines (cpf evaluate shows the whole trace)"])


def render_failure(outcome: CaseOutcome) -> str:
    """A failing case: where it is, each failure, and the trace of each wrong answer."""
    case = outcome.case
    out = [f"FAIL {case_id(case)} [{case.article}] ({case.file})"]
    answers = {a.question: a for a in outcome.result.answers} if outcome.result is not None else {}
    for failure in outcome.failures:
        out.append(f"  {failure}")
        question = failure.split(":", 1)[0]
        answer = answers.get(question)
        if answer is not None and answer.trace is not None and question in case.expect:
            out.append("    trace of the failing step:")
            out.extend("      " + line for line in _trace_excerpt(render_trace(answer.trace)).splitlines())
    return "\n".join(out)


def render_run(test_run: CaseRun) -> str:
    out = [f"ERROR {problem}" for problem in test_run.problems]
    out += [render_failure(o) for o in test_run.outcomes if not o.passed]
    passed = sum(1 for o in test_run.outcomes if o.passed)
    failed = len(test_run.outcomes) - passed
    summary = f"{passed} passed, {failed} failed"
    if test_run.problems:
        summary += f", {len(test_run.problems)} unreadable case file(s)"
    out.append(summary)
    return "\n\n".join(out) + "\n"


def render_coverage(coverage: Coverage) -> str:
    """Tables: item, number of cases, first cases; uncovered items are marked ``✗``."""
    blocks = []
    for title, table in coverage.sections():
        if not table:
            continue
        covered = sum(1 for v in table.values() if v)
        width = max(len(title), *(len(k) for k in table))
        lines = [f"{title.ljust(width)}  cases  reached by", f"{'-' * width}  -----  ----------"]
        for key, names in table.items():
            shown = ", ".join(names[:2]) + (f", … (+{len(names) - 2})" if len(names) > 2 else "")
            mark = str(len(names)) if names else "0 ✗"
            lines.append(f"{key.ljust(width)}  {mark.rjust(5)}  {shown}")
        percent = 100 * covered // len(table)
        lines.append(f"{covered}/{len(table)} {title}s reached by a case ({percent} %)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def run_to_json(test_run: CaseRun, coverage: Coverage | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cases": [
            {
                "id": case_id(o.case),
                "file": o.case.file,
                "name": o.case.name,
                "article": o.case.article,
                "passed": o.passed,
                "failures": o.failures,
            }
            for o in test_run.outcomes
        ],
        "passed": sum(1 for o in test_run.outcomes if o.passed),
        "failed": sum(1 for o in test_run.outcomes if not o.passed),
        "problems": test_run.problems,
    }
    if coverage is not None:
        data["coverage"] = coverage.to_json()
    return data


def rules_dir_for(path: Path) -> Path | None:
    """The rules folder a cases path belongs to: the nearest ``rules`` folder above it."""
    for candidate in [path, *path.resolve().parents]:
        if candidate.name == "rules" and candidate.is_dir():
            return candidate
    return None
