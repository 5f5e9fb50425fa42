"""``cpf reform``: what a change of the law would do, holder by holder and in total.

A reform file (YAML) overrides parameters from a date (:class:`whatif.Override`)
and/or replaces whole rule files; the reformed rule set is checked like the law. Each
holder of a population file is evaluated under the law and under the reform for the
years of the reform; the report lists, per holder, the values that change, and per
year the totals: credits paid, holders at the ceiling after the credit (their droits
communs: :data:`MEASURES`), and the cost difference (reform − law). Text table, JSON, and CSV written atomically. With the
``batch`` extra installed, the population is answered by the vectorised kernel
(:mod:`cpf_rules.batch`), chunk by chunk, with the scalar engine for what it flags.

Reform file::

    name: Plafond du compte porté à 6 000 € au 1er janvier 2027
    overrides:                       # whatif.Override: parameter, from, value
      - {parameter: euro_ceiling, from: 2027-01-01, value: 6000 EUR}
    replace_rules:                   # optional: rule file (relative to rules/) → new file
      accrual/employee/euro_era.cpf: my_euro_era.cpf   # relative to the reform file
    years: [2027]
    measures: {credit: credit, balance: balance, ceiling: ceiling_for, capped: common_balance}   # the defaults

Population: JSON Lines (one ``{"id": ..., "facts": {...}}`` per line) or YAML
(``holders: [{id, facts}, ...]``).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .api import evaluate, read_facts
from .atomic_io import write_text_atomic
from .diagnostics import CpfError, Diagnostic, Severity, Span
from .loader import load_rules
from .model import RuleSet
from .reform_paths import EXPECTED, RuleKeyError, destination, read_text, replaced_files
from .reform_report import changes_csv, render_report, report_to_json
from .types import MONEY
from .whatif import Override, apply_overrides, overrides_from_data
from .yaml_io import YamlError, load_json_text, load_yaml_text
from .yaml_where import span_at

MEASURES = {"credit": "credit", "balance": "balance", "ceiling": "ceiling_for", "capped": "common_balance"}
"""The rules a report reads each year: the credit, the balance, the ceiling, and the part of
the balance the ceiling limits (``capped``: the droits communs, without the abondements
and the CEC hours, which L6323-4 II and L5151-10 put outside the ceiling); a holder is at
the ceiling when ``capped`` reaches ``ceiling``."""


@dataclass(frozen=True)
class Reform:
    name: str
    overrides: tuple[Override, ...]
    replace_rules: dict[str, Path]
    years: tuple[int, ...]
    measures: dict[str, str]
    file: str
    measure_spans: dict[str, Span] = field(default_factory=dict)
    """Where the file names each measure it sets (the defaults have none)."""


@dataclass(frozen=True)
class Holder:
    id: str
    facts: dict[str, Any]
    where: str


@dataclass
class YearTotals:
    law_credits: Fraction = Fraction(0)
    reform_credits: Fraction = Fraction(0)
    law_at_ceiling: int = 0
    reform_at_ceiling: int = 0

    @property
    def cost_difference(self) -> Fraction:
        return self.reform_credits - self.law_credits


@dataclass(frozen=True)
class Change:
    holder: str
    question: str
    law: Fraction
    reform: Fraction


@dataclass
class ReformReport:
    reform: Reform
    holders: int
    changes: list[Change] = field(default_factory=list)
    totals: dict[int, YearTotals] = field(default_factory=dict)


def _error(message: str, file: str, hint: str | None = None, line: int = 1, span: Span | None = None) -> CpfError:
    """CPF-E112 at ``span`` (default: the start of ``line``)."""
    where = span or Span(file, line, 1, line, 2)
    return CpfError([Diagnostic("CPF-E112", Severity.ERROR, message, where, hint=hint)])


def load_reform(path: Path) -> Reform:
    """Read and validate a reform file; raise CpfError with the place of each mistake."""
    shown = str(path)
    text = read_text(path, "reform")
    try:
        data = load_yaml_text(text, shown)
    except YamlError as error:
        raise CpfError([error.diagnostic]) from None
    if not isinstance(data, dict):
        raise _error("a reform file is a mapping with `overrides:` and/or `replace_rules:`", shown)
    unknown = set(data) - {"name", "title", "overrides", "replace_rules", "years", "measures", "description"}
    if unknown:
        raise _error(f"unknown keys {sorted(unknown)}", shown, "keys: name, overrides, replace_rules, years, measures")
    overrides = (
        tuple(overrides_from_data(data["overrides"], f"{shown}: overrides", text=text, file=shown, at=("overrides",)))
        if "overrides" in data
        else ()
    )
    replace = data.get("replace_rules") or {}
    if not isinstance(replace, dict):
        raise _error("`replace_rules` maps a rule file of rules/ to its replacement", shown)
    replace_rules = replaced_files(replace, path, text)
    for target, source in replace_rules.items():
        if not source.is_file():
            raise _error(f"replacement of {target} not found: {source}", shown)
    if not overrides and not replace_rules:
        raise _error("the reform changes nothing", shown, "give `overrides:` or `replace_rules:`")
    years = data.get("years")
    if not isinstance(years, list) or not years or not all(isinstance(y, int) and 1900 < y < 2200 for y in years):
        raise _error("`years` must be a list of years, e.g. [2027, 2028]", shown, span=span_at(text, shown, ["years"]))
    measures = dict(MEASURES)
    given = data.get("measures") or {}
    if not isinstance(given, dict) or set(given) - set(MEASURES):
        raise _error(
            f"`measures` maps {sorted(MEASURES)} to rule names", shown, span=span_at(text, shown, ["measures"])
        )
    measures.update({str(k): str(v) for k, v in given.items()})
    name = data.get("name") or data.get("title") or path.stem  # `title`: the cpf diff --reform files
    spans = {kind: span_at(text, shown, ["measures", kind]) for kind in given}
    return Reform(str(name), overrides, replace_rules, tuple(years), measures, shown, spans)


def _check_measures(rules: RuleSet, reform: Reform, side: str) -> None:
    """CPF-E112, in the reform file, for a measure that is not a money rule of ``rules``
    taking a year (the report adds credits and compares balances with ceilings in euros)."""
    symbols = rules.symbols
    for kind, rule_name in reform.measures.items():
        rule = symbols.rules.get(rule_name)
        fits = (
            rule is not None
            and len(rule.formals) == 1
            and symbols.type_of(rule.formals[0].type).kind == "year"
            and symbols.type_of(rule.type) == MONEY
        )
        if not fits:
            found = "no rule" if rule is None else f"a rule of type {symbols.type_of(rule.type).display()}"
            if rule is not None and (len(rule.formals) != 1 or symbols.type_of(rule.formals[0].type).kind != "year"):
                found = "a rule that does not take a year"
            raise _error(
                f"measure `{kind}` names `{rule_name}` in {side}: {found}, where a money rule taking a year is expected",
                reform.file,
                f"the defaults: {', '.join(f'{k}: {v}' for k, v in MEASURES.items())}",
                span=reform.measure_spans.get(kind),
            )


def load_population(path: Path) -> list[Holder]:
    """Holders from JSON Lines or YAML; each needs an ``id`` and ``facts``."""
    shown = str(path)
    text = read_text(path, "population")
    raw: list[tuple[Any, int]] = []
    try:
        if path.suffix == ".jsonl":
            for number, text_line in enumerate(text.splitlines(), start=1):
                if text_line.strip():
                    raw.append((load_json_text(text_line, f"{shown}:{number}"), number))
        else:
            document = load_yaml_text(text, shown)
            if not isinstance(document, dict) or not isinstance(document.get("holders"), list):
                raise _error("a YAML population is a mapping with a `holders:` list", shown)
            raw = [(item, 1) for item in document["holders"]]
    except YamlError as error:
        raise CpfError([error.diagnostic]) from None
    holders: list[Holder] = []
    seen: set[str] = set()
    for index, (item, line) in enumerate(raw):
        where = f"{shown}:{line}" if path.suffix == ".jsonl" else f"{shown}: holders[{index}]"
        if not isinstance(item, dict) or set(item) != {"id", "facts"} or not isinstance(item["facts"], dict):
            raise _error(f"{where}: expected {{id, facts}}", shown, 'e.g. {"id": "h1", "facts": {"years": []}}', line)
        holder_id = str(item["id"])
        if holder_id in seen:
            raise _error(f"{where}: holder id {holder_id!r} appears twice", shown, line=line)
        seen.add(holder_id)
        holders.append(Holder(holder_id, item["facts"], where))
    if not holders:
        raise _error("the population has no holder", shown)
    return holders


def reformed_rules(law: RuleSet, reform: Reform) -> RuleSet:
    """The law with the reform's rule files replaced, then its overrides applied."""
    rules = law
    if reform.replace_rules:
        with tempfile.TemporaryDirectory(prefix="cpf-reform-") as temporary:
            copy = Path(temporary) / "rules"
            shutil.copytree(law.rules_dir, copy)
            writes: list[tuple[Path, Path]] = []
            for target, source in reform.replace_rules.items():  # every key checked before any write
                try:
                    writes.append((source, destination(law.rules_dir, copy, target)))
                except RuleKeyError as error:
                    raise _error(f"replace_rules: {error}", reform.file, EXPECTED) from None
            for source, written in writes:
                shutil.copyfile(source, written)
            rules = load_rules(copy, law.legal_refs_dir)
    return apply_overrides(rules, reform.overrides) if reform.overrides else rules


CHUNK = 20_000
"""Holders answered per call of the batch kernel (as ``cpf batch`` streams its input)."""


def _named(holder: Holder, error: CpfError) -> CpfError:
    """The holder's facts problems, each naming the holder and where it is in the file."""
    return CpfError(
        [dataclasses.replace(d, message=f"holder {holder.id} ({holder.where}): {d.message}") for d in error.diagnostics]
    )


def _failed(holder: Holder, question: str, error: Diagnostic) -> CpfError:
    """An evaluation error of one holder's question (the report needs every value)."""
    return CpfError(
        [
            Diagnostic(
                error.code,
                Severity.ERROR,
                f"holder {holder.id}, {question}: {error.message}",
                error.span,
                hint=error.hint,
            )
        ]
    )


def _values(rules: RuleSet, holder: Holder, questions: list[str], as_of: datetime.date) -> dict[str, Any]:
    """One holder's answers, on the compiled scalar engine."""
    try:
        result = evaluate(rules, holder.facts, questions, as_of=as_of, trace=False, compiled=True)
    except CpfError as error:
        raise _named(holder, error) from None
    values: dict[str, Any] = {}
    for answer in result.answers:
        if answer.error is not None:
            raise _failed(holder, answer.question, answer.error)
        values[answer.question] = answer.value
    return values


def _answers(
    rules: RuleSet, holders: list[Holder], questions: list[str], as_of: datetime.date, vectorised: bool
) -> list[dict[str, Any]]:
    """Every holder's answers under ``rules``. With NumPy (the ``batch`` extra) the batch
    kernel answers the population chunk by chunk, and the scalar engine what it flags
    (the same values: tests/test_batch.py); without it, one holder at a time."""
    if vectorised:
        try:
            from .batch.run import answer_chunk
        except ImportError:  # NumPy is not installed
            vectorised = False
    if not vectorised:
        return [_values(rules, holder, questions, as_of) for holder in holders]
    from .questions import parse_question

    parsed = [parse_question(question, rules) for question in questions]
    results: list[dict[str, Any]] = []
    for start in range(0, len(holders), CHUNK):
        chunk = holders[start : start + CHUNK]
        facts = []
        for holder in chunk:
            try:
                facts.append(read_facts(rules, holder.facts))
            except CpfError as error:
                raise _named(holder, error) from None
        answers = answer_chunk(rules, facts, parsed, as_of)
        for row, holder in enumerate(chunk):
            values: dict[str, Any] = {}
            for question, asked in zip(questions, parsed, strict=True):
                failure = answers.errors[asked.text].get(row)
                if failure is not None:
                    raise _failed(holder, question, failure)
                values[question] = answers.values[asked.text][row]
            results.append(values)
    return results


def compare(
    law: RuleSet, reform_rules: RuleSet, reform: Reform, holders: list[Holder], vectorised: bool = True
) -> ReformReport:
    """Evaluate every holder under both rule sets; collect changes and totals.
    ``vectorised=False`` answers one holder at a time even when the batch kernel is there."""
    _check_measures(law, reform, "the law")
    _check_measures(reform_rules, reform, "the reformed rules")
    report = ReformReport(reform, len(holders), totals={year: YearTotals() for year in reform.years})
    m = reform.measures
    questions = [f"{m[kind]}({year})" for year in reform.years for kind in ("credit", "balance", "ceiling")]
    capped = [f"{m['capped']}({year})" for year in reform.years]  # read for the totals, not listed
    as_of = datetime.date(max(reform.years), 12, 31)
    law_answers = _answers(law, holders, questions + capped, as_of, vectorised)
    reform_answers = _answers(reform_rules, holders, questions + capped, as_of, vectorised)
    for holder, before, after in zip(holders, law_answers, reform_answers, strict=True):
        for question in questions:
            if before[question] != after[question]:
                report.changes.append(Change(holder.id, question, before[question], after[question]))
        for year in reform.years:
            totals = report.totals[year]
            credit, limited, ceiling = (f"{m[k]}({year})" for k in ("credit", "capped", "ceiling"))
            totals.law_credits += before[credit]
            totals.reform_credits += after[credit]
            totals.law_at_ceiling += before[limited] >= before[ceiling]
            totals.reform_at_ceiling += after[limited] >= after[ceiling]
    return report


def run_reform(
    reform_file: Path,
    population: Path,
    csv_file: Path | None,
    output_format: str,
    rules_dir: Path | None,
    legal_refs_dir: Path | None,
) -> int:
    """``cpf reform``: print the report; write the CSV atomically when asked."""
    reform = load_reform(reform_file)
    holders = load_population(population)
    law = load_rules(rules_dir, legal_refs_dir)
    report = compare(law, reformed_rules(law, reform), reform, holders)
    if csv_file is not None:
        try:
            write_text_atomic(csv_file, changes_csv(report))
        except OSError as error:
            raise _error(
                f"cannot write {csv_file}: {error.strerror}", str(csv_file), "check the folder exists"
            ) from None
    if output_format == "json":
        sys.stdout.write(json.dumps(report_to_json(report), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_report(report))
    return 0
