"""Behaviour cases in the analysts' format: ``*.cases.yaml`` files next to the rules.

A case gives facts, questions and expected values, and names the article it tests;
the case passes when every value matches exactly and the article is cited in the trace
of the answer. pytest collects these files (see conftest.py); ``cpf test`` will run them
the same way. Each case records which rules, exceptions and dated values it reached, so
that a coverage test can require every one of them to be exercised.

Format::

    cases:
      - name: full-time employee 2015-2018
        article: CT:L6323-11          # must be cited in the trace of the answer
        # 24 h × 4 years = 96 h (L6323-11 al. 1, loi 2014-288)
        facts: {years: [{year: 2015, worked_hours: 1607}, ...]}
        expect:
          hours_balance(2018): 96 h
          converted_amount(2019-01-01): 1440.00 EUR
        # or, for a question that must fail:  error: {hours_credit(2019): CPF-R001}
        # optional: what_if: [{parameter: P, from: DATE, value: "24 h"}] (a what-if rule set)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from .api import evaluate
from .diagnostics import CpfError
from .model import RuleSet
from .render.values import format_value
from .trace import Result, TraceNode
from .types import Type
from .whatif import Override, apply_overrides, overrides_from_data
from .yaml_io import YamlError, load_yaml_text

CASES_SUFFIX = ".cases.yaml"
DEFAULT_AS_OF = datetime.date(2026, 1, 1)


class CaseFormatError(Exception):
    """A cases file does not follow the format; the message says where and what."""


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    article: str
    facts: dict[str, Any]
    expect: dict[str, Any]
    errors: dict[str, str]
    as_of: datetime.date
    what_if: tuple[Override, ...] = ()


@dataclass
class CaseOutcome:
    case: Case
    failures: list[str] = field(default_factory=list)
    reached: frozenset[str] = frozenset()
    result: Result | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(path: Path) -> list[Case]:
    """Read one ``*.cases.yaml`` file."""
    shown = str(path)
    try:
        document = load_yaml_text(path.read_text(encoding="utf-8"), shown)
    except YamlError as error:
        raise CaseFormatError(error.diagnostic.message + f" ({error.diagnostic.span})") from None
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise CaseFormatError(f"{shown}: expected a mapping with a `cases:` list")
    cases = []
    for index, raw in enumerate(document["cases"]):
        where = f"{shown}: cases[{index}]"
        if not isinstance(raw, dict):
            raise CaseFormatError(f"{where}: expected a mapping")
        unknown = set(raw) - {"name", "article", "facts", "expect", "error", "as_of", "what_if"}
        if unknown:
            raise CaseFormatError(f"{where}: unknown keys {sorted(unknown)}")
        for key in ("name", "article", "facts"):
            if key not in raw:
                raise CaseFormatError(f"{where}: `{key}` is required")
        expect = raw.get("expect") or {}
        errors = raw.get("error") or {}
        if not expect and not errors:
            raise CaseFormatError(f"{where}: give `expect:` values or an `error:` code")
        as_of = raw.get("as_of")
        try:
            what_if = tuple(overrides_from_data(raw["what_if"], f"{where}.what_if")) if "what_if" in raw else ()
        except CpfError as error:
            raise CaseFormatError(error.diagnostics[0].message) from None
        cases.append(
            Case(
                file=shown,
                name=str(raw["name"]),
                article=str(raw["article"]),
                facts=raw["facts"] or {},
                expect={str(k): v for k, v in expect.items()},
                errors={str(k): str(v) for k, v in errors.items()},
                as_of=datetime.date.fromisoformat(as_of) if as_of else DEFAULT_AS_OF,
                what_if=what_if,
            )
        )
    return cases


def find_case_files(root: Path) -> list[Path]:
    return sorted(root.rglob(f"*{CASES_SUFFIX}"))


_UNIT_SUFFIX = {"money": "EUR", "hours": "h", "days": "days", "EUR/h": "EUR/h"}


def parse_expected(raw: Any, type_: Type | None) -> Any:
    """Turn an expected value written in a case into an engine value of ``type_``.

    >>> from cpf_rules.types import MONEY
    >>> parse_expected("217.80 EUR", MONEY)
    Fraction(1089, 5)
    """
    kind = type_.required().display() if type_ is not None else None
    if isinstance(raw, bool) or kind in ("boolean", None):
        return raw
    if type_ is not None and type_.kind == "number":
        text = str(raw).strip()
        suffix = _UNIT_SUFFIX.get(kind or "")
        if suffix is not None:
            if not text.endswith(" " + suffix):
                raise CaseFormatError(f"expected value {raw!r} must end with its unit ' {suffix}'")
            text = text[: -len(suffix) - 1]
        try:
            if "/" in text:  # an exact ratio such as 700/1607
                numerator, _, denominator = text.partition("/")
                return Fraction(int(numerator), int(denominator))
            return Fraction(Decimal(text))
        except (InvalidOperation, ValueError, ZeroDivisionError):
            raise CaseFormatError(f"expected value {raw!r} is not a number") from None
    if type_ is not None and type_.kind == "date":
        return datetime.date.fromisoformat(str(raw))
    if type_ is not None and type_.kind == "year":
        return int(raw)
    return raw


def cited_articles(node: TraceNode, seen: set[int] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    if id(node) in seen:
        return set()
    seen.add(id(node))
    refs = {c.ref for c in node.citations}
    for child in node.children:
        refs |= cited_articles(child, seen)
    return refs


def run_case(rules: RuleSet, case: Case) -> CaseOutcome:
    """Evaluate one case; collect every mismatch (never raises for a wrong value)."""
    outcome = CaseOutcome(case)
    questions = list(case.expect) + list(case.errors)
    try:
        if case.what_if:
            rules = apply_overrides(rules, case.what_if)
        result = evaluate(rules, case.facts, questions, as_of=case.as_of)
    except CpfError as error:
        outcome.failures.extend(f"{d.code} {d.message} {d.path or d.span or ''}".strip() for d in error.diagnostics)
        return outcome
    outcome.result = result
    outcome.reached = result.reached
    articles: set[str] = set()
    for answer in result.answers:
        if answer.question in case.errors:
            wanted = case.errors[answer.question]
            if answer.error is None:
                outcome.failures.append(f"{answer.question}: expected error {wanted}, got a value")
            elif answer.error.code != wanted:
                outcome.failures.append(
                    f"{answer.question}: expected error {wanted}, got {answer.error.code} {answer.error.message}"
                )
            continue
        if answer.error is not None:
            outcome.failures.append(f"{answer.question}: {answer.error.code} {answer.error.message}")
            continue
        assert answer.trace is not None
        articles |= cited_articles(answer.trace)
        try:
            wanted_value = parse_expected(case.expect[answer.question], answer.type)
        except CaseFormatError as error:
            outcome.failures.append(f"{answer.question}: {error}")
            continue
        if wanted_value != answer.value or isinstance(wanted_value, bool) != isinstance(answer.value, bool):
            outcome.failures.append(
                f"{answer.question}: expected {format_value(wanted_value, answer.type)}, "
                f"got {format_value(answer.value, answer.type)}"
            )
    if case.expect and case.article not in articles:
        outcome.failures.append(
            f"the case names {case.article}, but no answer's trace cites it (cited: {', '.join(sorted(articles))})"
        )
    return outcome
