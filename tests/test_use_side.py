"""The use side of the rule base (rules/use/): personas of examples/, refusal reasons,
the per-article coverage of the use rules by their cases, and the facts it reads.

Values are derived from the law in the comments (article first); the personas are the
files a platform would send for one training request.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.cases import cited_articles, find_case_files, load_cases, run_case
from cpf_rules.diagnostics import CpfError
from cpf_rules.paths import default_rules_dir
from cpf_rules.yaml_io import load_yaml_text

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
USE_DIR = default_rules_dir() / "use"


def _values(example: str, questions: list[str]) -> dict[str, Any]:
    result = evaluate(load_rules(), EXAMPLES / example, questions)
    errors = {a.question: a.error.message for a in result.answers if a.error is not None}
    assert not errors, errors
    return {q: result.value(q) for q in questions}


def _warnings(example: str, question: str) -> list[str]:
    result = evaluate(load_rules(), EXAMPLES / example, [question])
    return [w.message for w in result.warnings]


# ---- personas ----------------------------------------------------------------------------


def test_job_seeker_buys_a_permis_b_in_2026() -> None:
    d = "2026-03-16"
    values = _values(
        "job_seeker_driving_licence_2026.yaml",
        [
            f"eligible({d})",
            f"available_rights({d})",
            f"mobilisable_rights({d})",
            f"participation_due({d})",
            f"holder_pays({d})",
        ],
    )
    # L6323-6 (LF 2026): a job seeker may buy a light licence; D6323-8: first licence, project, school.
    assert values[f"eligible({d})"] is True
    # L6323-3 al. 1: 2021-2024 rights (4 × 500 €, L6323-11) kept after the job loss.
    assert values[f"available_rights({d})"] == Decimal("2000.00")
    # D6323-1 A: light licence capped at 900 € per action.
    assert values[f"mobilisable_rights({d})"] == Decimal("900.00")
    # R6323: job seekers pay no participation; 1,450 − 900 = 550 € left to pay.
    assert values[f"participation_due({d})"] == Decimal("0.00")
    assert values[f"holder_pays({d})"] == Decimal("550.00")


def test_the_same_permis_b_is_refused_to_an_employee_without_co_funding() -> None:
    facts = load_yaml_text((EXAMPLES / "job_seeker_driving_licence_2026.yaml").read_text(encoding="utf-8"), "x")
    facts["request"]["holder_job_seeker"] = False
    result = evaluate(load_rules(), facts, ["licence_funding_refused(2026-03-16)", "eligible(2026-03-16)"])
    # L6323-6 (LF 2026 art. 203): light licence only for job seekers or with ≥ 100 € co-funding.
    assert result.value("licence_funding_refused(2026-03-16)") is True
    assert result.value("eligible(2026-03-16)") is False
    # the reason is a traced step citing L6323-6
    assert "CT:L6323-6" in cited_articles(result.answers[1].trace)


def test_retiree_uses_cec_rights_for_a_volunteer_training() -> None:
    d = "2026-03-16"
    values = _values(
        "retiree_cec_volunteer.yaml",
        [
            f"account_state({d})",
            f"eligible({d})",
            f"cec_rights_available({d})",
            f"mobilisable_rights({d})",
            f"holder_pays({d})",
        ],
    )
    # D5151-14 I: association volunteering in 2024 and 2025, 240 € each → 480 €.
    assert values[f"cec_rights_available({d})"] == Decimal("480.00")
    # L6323-3 al. 3-4 and L5421-4: after retirement only the CEC rights remain usable.
    assert values[f"account_state({d})"] == "account_cec_only"
    assert values[f"eligible({d})"] is True
    # L6323-6 II 5°: CEC rights only: min(480 €, 400 €) = 400 €, the 3,000 € CPF rights untouched.
    assert values[f"mobilisable_rights({d})"] == Decimal("400.00")
    # Participation 103.20 € (arrêté du 30 décembre 2025), applied to CEC rights (interpretation).
    assert values[f"holder_pays({d})"] == Decimal("103.20")


def test_retiree_cannot_use_the_cpf_rights_for_a_certification() -> None:
    facts = load_yaml_text((EXAMPLES / "retiree_cec_volunteer.yaml").read_text(encoding="utf-8"), "x")
    facts["request"]["training_kind"] = "rncp_certification"
    result = evaluate(load_rules(), facts, ["account_refused(2026-03-16)", "mobilisable_rights(2026-03-16)"])
    # L6323-3 al. 3: the account can no longer be used, except the CEC rights for volunteers.
    assert result.value("account_refused(2026-03-16)") is True
    assert result.value("mobilisable_rights(2026-03-16)") == Decimal("0.00")


def test_employee_asks_for_a_six_month_training_during_working_time() -> None:
    d = "2026-04-17"
    values = _values(
        "employee_working_time_request.yaml",
        [
            f"required_notice({d})",
            f"latest_request_date({d})",
            f"notice_respected({d})",
            f"employer_answer_deadline({d})",
            f"absence_authorised({d})",
            f"cofunding_used({d})",
            f"participation_due({d})",
            f"holder_pays({d})",
        ],
    )
    # D6323-4 I 2°: 2026-09-07 to 2027-03-06 lasts six months → 120 days → 2026-05-10.
    assert values[f"required_notice({d})"] == Decimal("120")
    assert values[f"latest_request_date({d})"] == datetime.date(2026, 5, 10)
    assert values[f"notice_respected({d})"] is True
    # D6323-4 II: received 2026-04-20 + 30 days; no answer → silence is acceptance (L6323-17).
    assert values[f"employer_answer_deadline({d})"] == datetime.date(2026, 5, 20)
    assert values[f"absence_authorised({d})"] is True
    # L6323-4 II, R6323: employer co-funding 1,000 € exempts the participation;
    # 5,200 − 2,000 (4 × 500 €) − 1,000 = 2,200 €.
    assert values[f"cofunding_used({d})"] == Decimal("1000.00")
    assert values[f"participation_due({d})"] == Decimal("0.00")
    assert values[f"holder_pays({d})"] == Decimal("2200.00")


def test_bilan_in_2026_above_its_cap() -> None:
    d = "2026-03-16"
    values = _values(
        "skills_assessment_2026_above_cap.yaml",
        [
            f"available_rights({d})",
            f"action_cap({d})",
            f"mobilisable_rights({d})",
            f"remaining_cost({d})",
            f"participation_due({d})",
            f"holder_pays({d})",
        ],
    )
    assert values[f"available_rights({d})"] == Decimal("3000.00")  # 6 × 500 € (L6323-11)
    assert values[f"action_cap({d})"] == Decimal("1600.00")  # D6323-1 A: bilan 1,600 €
    assert values[f"mobilisable_rights({d})"] == Decimal("1600.00")
    assert values[f"remaining_cost({d})"] == Decimal("800.00")  # 2,400 − 1,600
    assert values[f"participation_due({d})"] == Decimal("103.20")  # arrêté du 30 décembre 2025
    assert values[f"holder_pays({d})"] == Decimal("903.20")


def test_bilan_cap_and_participation_are_flagged_uncertain() -> None:
    warnings = " | ".join(_warnings("skills_assessment_2026_above_cap.yaml", "holder_pays(2026-03-16)"))
    assert "1,600 € cap" in warnings  # D6323-1 A read in secondary sources (S)
    assert "103.20 €" in warnings  # arrêté not read (S)


def test_employer_contributions() -> None:
    values = _values("employer_contributions.yaml", ["training_contribution(2025)", "cpf_cdd_contribution(2025)"])
    assert values["training_contribution(2025)"] == Decimal("12500.00")  # L6331-3: 1 % of 1,250,000 €
    assert values["cpf_cdd_contribution(2025)"] == Decimal("400.00")  # L6331-6: 1 % of 40,000 € (seasonal exempt)


# ---- every reason of a refusal is traced with its article ----------------------------------


def test_every_reason_of_a_refusal_is_a_traced_step_with_its_article() -> None:
    facts = {
        "request": {
            "training_kind": "driving_licence",
            "licence_category": "licence_b",
            "price": 1400,
            "training_start": "2026-06-01",
            "licence_suspended_or_banned": True,
        }
    }
    result = evaluate(load_rules(), facts, ["refusal_count(2026-03-10)"])
    trace = result.answers[0].trace
    assert result.value("refusal_count(2026-03-10)") == 5
    refused = {child.name: child for child in trace.children if child.kind == "rule" and child.value is True}
    assert set(refused) == {
        "licence_funding_refused",
        "licence_project_refused",
        "licence_suspension_refused",
        "licence_school_refused",
        "provider_refused",
    }
    for node in refused.values():
        assert node.label.startswith("Motif de refus"), node.name
        assert node.citations, node.name  # the article that explains the refusal
    assert "CT:L6316-1" in {c.ref for c in refused["provider_refused"].citations}
    assert "CT:D6323-8" in {c.ref for c in refused["licence_suspension_refused"].citations}


# ---- the use rules and their cases -------------------------------------------------------------


def _use_cited_articles() -> set[str]:
    rules = load_rules()
    refs: set[str] = set()
    for rule in rules.rules.values():
        if "rules/use/" not in str(rule.span.file).replace("\\", "/"):
            continue
        refs |= {c.ref for c in rule.citations}
        for exception in rule.exceptions:
            refs |= {c.ref for c in exception.citations}
    for parameter in rules.parameters.values():
        if "rules/use/" in str(parameter.span.file).replace("\\", "/"):
            refs |= {c.ref for dated in parameter.values for c in dated.citations}
    return refs


def test_every_article_cited_by_a_use_rule_is_reached_by_a_use_case() -> None:
    rules = load_rules()
    reached: set[str] = set()
    for path in find_case_files(USE_DIR):
        for case in load_cases(path):
            outcome = run_case(rules, case)
            assert outcome.passed, (case.name, outcome.failures)
            assert outcome.result is not None
            for answer in outcome.result.answers:
                if answer.trace is not None:
                    reached |= cited_articles(answer.trace)
    wanted = _use_cited_articles()
    assert len(wanted) > 20
    assert not sorted(wanted - reached), "articles cited by rules/use but by no case"


def test_a_document_without_a_request_is_still_valid_for_accrual_questions() -> None:
    result = evaluate(load_rules(), {"years": [{"year": 2019, "worked_hours": 700}]}, ["credit(2019)"])
    assert result.value("credit(2019)") == Decimal("217.80")  # R6323-1 II


def test_a_use_question_without_a_request_reports_the_missing_fact() -> None:
    result = evaluate(load_rules(), {"years": [{"year": 2025, "worked_hours": 1607}]}, ["eligible(2026-03-10)"])
    error = result.answers[0].error
    assert error is not None and error.code == "CPF-R005"
    assert "$.request." in error.message


def test_a_request_without_its_kind_is_refused_by_the_facts_schema() -> None:
    with pytest.raises(CpfError) as caught:
        evaluate(load_rules(), {"request": {"price": 100, "training_start": "2026-06-01"}}, ["eligible(2026-03-10)"])
    codes = {(d.code, d.path) for d in caught.value.diagnostics}
    assert ("CPF-F102", "$.request") in codes
