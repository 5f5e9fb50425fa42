"""Shared harness of the fuzz tests (tests/test_fuzz_*.py) and of bench/fuzz_long.py.

The rule: whatever a rule file, a facts document or a request contains, the engine
answers with a value or with diagnostics carrying a stable code (``CPF-E012``), never
with a Python exception. This module runs inputs through the same stages as
``check_rules`` and ``evaluate`` (in memory, the bundled files parsed once, so a
thousand inputs take seconds), checks every outcome against that rule, and counts
the inputs tried per target (``TRIED``), which bench/fuzz_long.py reports.

``CPF_FUZZ_SCALE`` multiplies every example count (default 1: the bounded CI run).
"""

from __future__ import annotations

import datetime
import functools
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from cpf_rules import ast
from cpf_rules.api import evaluate
from cpf_rules.check import check
from cpf_rules.cycles import check_cycles
from cpf_rules.diagnostics import CpfError, Diagnostic, DiagnosticBag, render_all_text
from cpf_rules.legal_refs import LegalRegistry, load_legal_refs
from cpf_rules.loader import RULE_SUFFIX
from cpf_rules.model import RuleSet
from cpf_rules.paths import default_legal_refs_dir, default_rules_dir
from cpf_rules.render.json import diagnostics_to_json, dumps, result_to_json
from cpf_rules.render.text import render_result
from cpf_rules.resolve import resolve
from cpf_rules.syntax import parse_module

try:  # the analyst lints (CPF-L…), run by check_rules when the rules are free of errors
    from cpf_rules.lints import run_lints
except ImportError:  # pragma: no cover - an engine without lints
    run_lints = None  # type: ignore[assignment]

SCALE = float(os.environ.get("CPF_FUZZ_SCALE", "1"))
CODE = re.compile(r"^CPF-[EFLQRW][0-9]{3}$")
TRIED: Counter[str] = Counter()
"""Inputs tried per fuzz target in this process (reported by bench/fuzz_long.py)."""

AS_OF = datetime.date(2026, 1, 1)


def examples(count: int) -> int:
    """The number of examples for a target: ``count`` times CPF_FUZZ_SCALE."""
    return max(1, int(count * SCALE))


def fuzz_settings(count: int) -> settings:
    """Hypothesis settings of a fuzz target: no deadline (the machine is shared), no
    example database in the tree, derandomised in CI so a run is reproducible; random
    (a new seed per run) in the long run."""
    return settings(
        max_examples=examples(count),
        deadline=None,
        database=None,
        derandomize=SCALE <= 1,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# ---- the bundled rules, read and parsed once ---------------------------------------------
@functools.cache
def registry() -> LegalRegistry:
    return load_legal_refs(default_legal_refs_dir())


@functools.cache
def bundled_sources() -> dict[str, str]:
    """The bundled rule files by display name (``rules/common/holder.cpf``)."""
    root = default_rules_dir()
    return {
        path.relative_to(root.parent).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob(f"*{RULE_SUFFIX}"))
    }


@functools.cache
def _parsed_bundled(name: str) -> ast.Module:
    return parse_module(bundled_sources()[name], name)


# ---- the static pipeline, as check_rules runs it ---------------------------------------
def check_sources(sources: Mapping[str, str]) -> tuple[tuple[Diagnostic, ...], RuleSet | None]:
    """Parse, resolve, check and look for cycles, as ``loader.check_rules`` does.

    Bundled files whose text is unchanged reuse their parsed module. Never raises for
    a bad file; returns the diagnostics and the rule set when there is no error.
    """
    bag = DiagnosticBag()
    modules = []
    bundled = bundled_sources()
    for name, text in sources.items():
        try:
            if bundled.get(name) == text:
                modules.append(_parsed_bundled(name))
            else:
                modules.append(parse_module(text, name))
        except CpfError as error:
            bag.extend(error.diagnostics)
    if bag.has_errors:
        return tuple(bag.items), None
    symbols = resolve(modules, registry(), bag)
    checked = check(symbols, bag)
    check_cycles(checked.edges, bag)
    if not bag.has_errors and run_lints is not None:  # as check_rules: lints on an error-free set
        bag.extend(run_lints(symbols, registry()))
    if bag.has_errors:
        return tuple(bag.items), None
    ruleset = RuleSet(
        symbols=symbols,
        types=checked.types,
        registry=registry(),
        sources=dict(sources),
        fingerprint="sha256:fuzz",
        warnings=tuple(bag.items),
        rules_dir=default_rules_dir(),
        legal_refs_dir=default_legal_refs_dir(),
        modules=tuple(modules),
    )
    return tuple(bag.items), ruleset


def assert_diagnostics_well_formed(diagnostics: Sequence[Diagnostic], sources: Mapping[str, str]) -> None:
    """Every diagnostic has a stable code and a location inside its file; both renderings work."""
    for diagnostic in diagnostics:
        assert CODE.match(diagnostic.code), f"unstable code {diagnostic.code!r}: {diagnostic.message}"
        assert diagnostic.message, diagnostic
        span = diagnostic.span
        if span is not None and span.file in sources:
            lines = max(1, len(sources[span.file].splitlines()) + 1)
            assert 1 <= span.line <= lines, f"{diagnostic.code} points at line {span.line} of {lines}"
            assert span.column >= 1, diagnostic
    render_all_text(diagnostics, dict(sources))
    dumps(diagnostics_to_json(diagnostics))


def check_rule_text(sources: Mapping[str, str], target: str) -> tuple[tuple[Diagnostic, ...], RuleSet | None]:
    """Check rule files; assert the outcome is a clean model or well-formed diagnostics."""
    TRIED[target] += 1
    diagnostics, ruleset = check_sources(sources)
    assert_diagnostics_well_formed(diagnostics, sources)
    if ruleset is None:
        assert any(d.is_error for d in diagnostics), "no model and no error"
    return diagnostics, ruleset


def evaluate_outcome(ruleset: RuleSet, facts: Any, questions: Iterable[str], compiled: bool = False) -> list[Any]:
    """Evaluate; the outcome must be a value or a coded diagnostic per question, or a
    CpfError with coded diagnostics for the whole request. Both renderings must work.
    With ``compiled``, the compiled evaluator (what ``cpf evaluate`` runs) must give the
    same values and the same error codes as the interpreter."""
    questions = list(questions)
    values = _evaluate_outcome(ruleset, facts, questions, False)
    if compiled:
        assert _evaluate_outcome(ruleset, facts, questions, True) == values
    return values


def _evaluate_outcome(ruleset: RuleSet, facts: Any, questions: list[str], compiled: bool) -> list[Any]:
    try:
        result = evaluate(ruleset, facts, questions, as_of=AS_OF, compiled=compiled)
    except CpfError as error:
        assert error.diagnostics, "CpfError without diagnostics"
        assert_diagnostics_well_formed(error.diagnostics, error.sources or ruleset.sources)
        return [d.code for d in error.diagnostics]
    values = []
    for answer in result.answers:
        if answer.error is not None:
            assert CODE.match(answer.error.code), answer.error
            assert answer.error.code.startswith("CPF-R"), answer.error
            values.append(answer.error.code)
        else:
            assert answer.trace is not None
            values.append(answer.value)
    render_result(result, color=False, with_trace=True)
    dumps(result_to_json(result, with_trace=True))
    return values


def rule_files_dir() -> Path:
    return default_rules_dir()
