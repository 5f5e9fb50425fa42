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
        # (a facts code, CPF-F105, when the facts must be refused: a value out of its range)
        # optional: what_if: [{parameter: P, from: DATE, value: "24 h"}] (a what-if rule set)
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from .api import evaluate
from .diagnostics import CpfError, Diagnostic
from .model import RuleSet
from .render.values import format_value
from .trace import Result, TraceNode
from .types import Type
from .whatif import Override, apply_overrides

CASES_SUFFIX = ".cases.yaml"
DEFAULT_AS_OF = datetime.date(2026, 1, 1)


class CaseFormatError(Exception):
    """A cases file does not follow the format; the message says where and what.

    Raised with a located :class:`Diagnostic` (CPF-T001 unreadable file, CPF-T002 not the
    cases format, CPF-T003 an expected value, CPF-E110/E111 a ``what_if``); ``str()`` is
    the one-line form ``cpf test`` prints: ``file:line:col: CODE message; expected …``.
    """

    def __init__(self, message: str | Diagnostic) -> None:
        self.diagnostic = message if isinstance(message, Diagnostic) else None
        super().__init__(message if isinstance(message, str) else _one_line(message))


def _one_line(diagnostic: Diagnostic) -> str:
    where = f"{diagnostic.span}: " if diagnostic.span is not None else ""
    text = f"{where}{diagnostic.code} {diagnostic.message}"
    if diagnostic.expected is not None:
        text += f"; expected {diagnostic.expected}"
    if diagnostic.found is not None:
        text += f"; found {diagnostic.found}"
    return text


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
    """Read one ``*.cases.yaml`` file; CaseFormatError (located) when it is not readable
    or does not follow the format (:mod:`cpf_rules.cases_format`)."""
    from .cases_format import read_cases_file

    return [Case(**fields) for fields in read_cases_file(path, DEFAULT_AS_OF)]


def find_case_files(root: Path) -> list[Path]:
    return sorted(root.rglob(f"*{CASES_SUFFIX}"))


_UNIT_SUFFIX = {"money": "EUR", "hours": "h", "days": "days", "EUR/h": "EUR/h"}


MAX_EXPECTED_DIGITS = 12
"""Digits before and after the decimal point of an expected number (the facts' limits)."""


def _shown(raw: Any) -> str:
    return repr(raw) if isinstance(raw, str) else str(raw)


def _number(text: str, raw: Any) -> Fraction:
    """An expected number: a decimal or an exact ratio ``700/1607``, of sensible size."""
    try:
        if "/" in text:  # an exact ratio such as 700/1607
            numerator, _, denominator = text.partition("/")
            value = Fraction(int(numerator), int(denominator))
        else:
            decimal = Decimal(text)
            if not decimal.is_finite():
                raise ValueError(text)
            exponent = decimal.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -MAX_EXPECTED_DIGITS:
                raise CaseFormatError(
                    f"CPF-T003 expected value {_shown(raw)} has more than {MAX_EXPECTED_DIGITS} decimals"
                )
            value = Fraction(decimal)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        raise CaseFormatError(f"CPF-T003 expected value {_shown(raw)} is not a number") from None
    if abs(value) >= 10**MAX_EXPECTED_DIGITS:
        raise CaseFormatError(
            f"CPF-T003 expected value {_shown(raw)} is too large (at most {MAX_EXPECTED_DIGITS} digits before the point)"
        )
    return value


def parse_expected(raw: Any, type_: Type | None) -> Any:
    """Turn an expected value written in a case into an engine value of ``type_``;
    CaseFormatError (CPF-T003) when it cannot be one.

    >>> from cpf_rules.types import MONEY
    >>> parse_expected("217.80 EUR", MONEY)
    Fraction(1089, 5)
    """
    kind = type_.required().display() if type_ is not None else None
    if isinstance(raw, (list, dict)) or raw is None:
        raise CaseFormatError(f"CPF-T003 expected value {_shown(raw)} is not one value")
    if isinstance(raw, bool) or kind in ("boolean", None):
        if kind == "boolean" and not isinstance(raw, bool):
            raise CaseFormatError(f"CPF-T003 expected value {_shown(raw)} is not true or false")
        return raw
    if type_ is not None and type_.kind == "number":
        text = str(raw).strip()
        suffix = _UNIT_SUFFIX.get(kind or "")
        if suffix is not None:
            if not text.endswith(" " + suffix):
                raise CaseFormatError(f"CPF-T003 expected value {_shown(raw)} must end with its unit ' {suffix}'")
            text = text[: -len(suffix) - 1]
        return _number(text, raw)
    if type_ is not None and type_.kind == "date":
        text = str(raw)
        try:
            if len(text) != 10:
                raise ValueError(text)
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CaseFormatError(f"CPF-T003 expected value {_shown(raw)} is not a date YYYY-MM-DD") from None
    if type_ is not None and type_.kind == "year":
        if isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) == 4):
            return int(raw)
        raise CaseFormatError(f"CPF-T003 expected value {_shown(raw)} is not a year")
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


def refusal_failures(rules: RuleSet, case: Case, diagnostics: Sequence[Diagnostic]) -> list[str]:
    """What a case did not expect when its facts (or questions) are refused as a whole.

    A case may expect the refusal: ``error: {public_share(2021): CPF-F105}`` passes when
    the facts are refused with CPF-F105 (a value out of its declared range) and nothing
    else. A refusal is the document's, not one question's: each question expecting a
    facts code counts one diagnostic of that code (two questions expecting CPF-F105 need
    two values refused). Each other diagnostic (a question that does not parse among
    them), each expected code not given or given too few times, each ``expect`` value
    (it cannot be answered) and an article legal_refs/ does not hold is a failure.
    """
    wanted = Counter(case.errors.values())
    given = Counter(d.code for d in diagnostics)
    failures = [f"{d.code} {d.message} {d.path or d.span or ''}".strip() for d in diagnostics if d.code not in wanted]
    for code, count in sorted(wanted.items()):
        questions = ", ".join(q for q, c in case.errors.items() if c == code)
        if given[code] == 0:
            refused = ", ".join(sorted(given)) or "nothing"
            failures.append(f"{questions}: expected error {code}, but the facts were refused with {refused}")
        elif given[code] < count:
            failures.append(f"{questions}: expected {count} refusals {code}, the facts got {given[code]}")
    failures += [
        f"{question}: no value, the facts were refused" for question in case.expect if set(wanted) & set(given)
    ]
    if rules.registry.get(case.article) is None:
        failures.append(f"the case names {case.article}, which legal_refs/ does not hold")
    return failures


def run_case(rules: RuleSet, case: Case) -> CaseOutcome:
    """Evaluate one case; collect every mismatch (never raises for a wrong value)."""
    outcome = CaseOutcome(case)
    questions = list(case.expect) + list(case.errors)
    try:
        if case.what_if:
            rules = apply_overrides(rules, case.what_if)
        result = evaluate(rules, case.facts, questions, as_of=case.as_of)
    except CpfError as error:
        outcome.failures.extend(refusal_failures(rules, case, error.diagnostics))
        return outcome
    outcome.result = result
    # A dated value a what-if replaces is not the law's: the case reached the override
    # (keyed like the law's value when it starts on the same date), not that value.
    overridden = {f"value:{o.parameter}@{o.start.isoformat()}" for o in case.what_if}
    outcome.reached = result.reached - overridden
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
