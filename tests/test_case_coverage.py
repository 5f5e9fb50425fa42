"""The analysts' YAML cases reach every rule, exception and dated value of rules/.

Also checks that the case runner can fail: a wrong expected value and a wrong article
are reported.
"""

from __future__ import annotations

import dataclasses

from cpf_rules.cases import find_case_files, load_cases, run_case
from cpf_rules.loader import load_rules
from cpf_rules.paths import default_rules_dir


def _all_outcomes() -> list:
    rules = load_rules()
    return [run_case(rules, case) for path in find_case_files(default_rules_dir()) for case in load_cases(path)]


def test_every_rule_exception_and_dated_value_is_reached_by_a_case() -> None:
    rules = load_rules()
    reached: set[str] = set()
    for outcome in _all_outcomes():
        assert outcome.passed, outcome.failures
        reached |= outcome.reached
    wanted = {f"rule:{name}" for name in rules.rules}
    wanted |= {f"exception:{r.name}.{e.name}" for r in rules.rules.values() for e in r.exceptions}
    wanted |= {f"value:{p.name}@{v.start.isoformat()}" for p in rules.parameters.values() for v in p.values}
    missing = sorted(wanted - reached)
    assert not missing, "not reached by any case: " + ", ".join(missing)


def test_every_case_names_an_article_of_legal_refs() -> None:
    rules = load_rules()
    for path in find_case_files(default_rules_dir()):
        for case in load_cases(path):
            assert case.article in rules.registry, (path, case.name, case.article)


def test_a_wrong_expected_value_fails_the_case() -> None:
    rules = load_rules()
    case = next(c for c in load_cases(default_rules_dir() / "accrual/employee/euro_era.cases.yaml"))
    # R6323-1 II gives 217.80 €; 217.79 € (rounding down) must be refused.
    wrong = dataclasses.replace(case, expect={"credit(2019)": "217.79 EUR"})
    outcome = run_case(rules, wrong)
    assert outcome.failures == ["credit(2019): expected 217,79 €, got 217,80 €"]


def test_a_case_whose_article_is_not_cited_fails() -> None:
    rules = load_rules()
    case = next(c for c in load_cases(default_rules_dir() / "accrual/employee/euro_era.cases.yaml"))
    outcome = run_case(rules, dataclasses.replace(case, article="CT:L6323-17"))
    assert len(outcome.failures) == 1 and "names CT:L6323-17" in outcome.failures[0]
