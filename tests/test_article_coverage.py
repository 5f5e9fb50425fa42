"""Per-article coverage (engine/cpf_rules/coverage.py): every article cited by the
accrual side of the rule base (everything but rules/use/) is reached by a case, and the
report lists the cases of each article of legal_refs/."""

from __future__ import annotations

import functools

from cpf_rules.cases import CaseOutcome, find_case_files, load_cases, run_case
from cpf_rules.coverage import article_coverage, cited_articles_by_part, format_report, main
from cpf_rules.loader import load_rules
from cpf_rules.model import RuleSet


@functools.cache
def _rules_and_outcomes() -> tuple[RuleSet, tuple[CaseOutcome, ...]]:
    rules = load_rules()
    outcomes = tuple(run_case(rules, c) for path in find_case_files(rules.rules_dir) for c in load_cases(path))
    return rules, outcomes


def test_every_article_cited_by_the_accrual_rules_is_reached_by_a_case() -> None:
    rules, outcomes = _rules_and_outcomes()
    coverage = article_coverage(rules, outcomes)
    cited = cited_articles_by_part(rules, exclude=("use",))
    missing = {ref: keys for ref, keys in cited.items() if not coverage.get(ref)}
    assert not missing, f"cited by the accrual rules but reached by no case: {missing}"


def test_the_report_lists_every_article_of_legal_refs() -> None:
    rules, outcomes = _rules_and_outcomes()
    coverage = article_coverage(rules, outcomes)
    assert set(coverage) == {article.id for article in rules.registry}


def test_an_article_is_reached_by_the_cases_that_cite_it() -> None:
    rules, outcomes = _rules_and_outcomes()
    coverage = article_coverage(rules, outcomes)
    # R6323-29 I (800 € for ESAT workers) is cited by the ESAT case of esat.cases.yaml.
    assert "an ESAT worker gets 800 € a year, even part-time" in coverage["CT:R6323-29"]
    # The décret 2019-1392 (25 h for agents from 2020) is reached by the public-agent case.
    assert "from 2020 an agent accrues 25 h a year (décret 2019-1392)" in coverage["DEC:2019-1392"]
    # An expected-error case reaches the dated value it stops on: the hours amount of the
    # APC abondement ends in 2019 (LOI:2018-771, its citation).
    assert "the hours amounts of the correctif and of the APC end with the hours era" in coverage["LOI:2018-771"]


def test_an_article_no_case_reaches_is_reported() -> None:
    rules, _ = _rules_and_outcomes()
    # With no case at all every article is unreached, and the report marks the cited ones.
    coverage = article_coverage(rules, [])
    assert coverage["CT:R6323-29"] == []
    report = format_report(coverage, cited_articles_by_part(rules, exclude=("use",)))
    assert "CT:R6323-29 — 0 case(s)  ✗ cited by the rules, reached by no case" in report


def test_the_accrual_part_excludes_the_use_folder() -> None:
    rules, _ = _rules_and_outcomes()
    everything = cited_articles_by_part(rules)
    accrual = cited_articles_by_part(rules, exclude=("use",))
    # R6323-22 (independents' 500 €) is cited by accrual/self_employed/self_employed.cpf.
    assert "value:self_employed_annual_amount@2019-01-01" in accrual["CT:R6323-22"]
    assert set(accrual) <= set(everything)
    # Declarations under rules/use/ (e.g. the participation of L6323-7) are left out.
    use_only = set(everything) - set(accrual)
    assert use_only and all(not any(k in accrual.get(ref, []) for k in everything[ref]) for ref in use_only)


def test_main_prints_the_report(capsys) -> None:  # type: ignore[no-untyped-def]
    status = main([])
    out = capsys.readouterr().out
    assert "CT:R6323-29 —" in out and "articles reached by a case" in out
    rules, outcomes = _rules_and_outcomes()
    coverage = article_coverage(rules, outcomes)
    unreached = [ref for ref in cited_articles_by_part(rules) if not coverage.get(ref)]
    assert status == (1 if unreached else 0)
