"""Fuzzing the rule files: the real rule files mutated (tokens deleted, duplicated,
swapped, replaced; the file truncated; random characters inserted) go through the
parser and the checker; a mutant that still checks clean is evaluated on a bundled
example. The only acceptable outcomes: a clean check, or diagnostics with stable codes
(CPF-…) located in the file; a value or a CPF-R diagnostic per question. Never an
exception. Bounded here; ``python bench/fuzz_long.py`` runs it longer.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpf_rules.loader import check_rules
from fuzzing import (
    TRIED,
    assert_diagnostics_well_formed,
    bundled_sources,
    check_rule_text,
    check_sources,
    evaluate_outcome,
    fuzz_settings,
)

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "employee_full_time.yaml"
QUESTIONS = ("balance(2024)", "hours_balance(2018)", "credit(2019)", "converted_amount(2019-01-01)")

# Tokens of the rule language, so that a mutation moves whole words and symbols.
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9.\-]*|==|!=|<=|>=|\s+|.', re.S)
VOCABULARY = [
    *"rule parameter input enum record exception when cite uncertain interpretation from none".split(),
    *"if then else let in and or not otherwise for sum count any all true false list default optional".split(),
    *'= == != < <= > >= + - * / ( ) , . : | { } " # EUR h days EUR/h y y.start 2019-01-01 0 1 -1'.split(),
    "CT:L6323-11",
    "ZZ:NOPE",
    "2019-02-30",
    "99999999999999999999",
    "\u00e9",
    "\u20ac",
    "'",
    "\t",
    "\x00",
    "\ufeff",
    "\r",
    "\n",
]


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, str]:
    """One bundled rule file, mutated 1 to 4 times."""
    sources = bundled_sources()
    name = draw(st.sampled_from(sorted(sources)))
    tokens = _tokens(sources[name])
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            tokens = [""]
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "truncate", "insert", "vocab"]))
        i = draw(st.integers(0, len(tokens) - 1))
        if kind == "delete":
            del tokens[i]
        elif kind == "duplicate":
            tokens.insert(i, tokens[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "replace":
            tokens[i] = draw(st.sampled_from(tokens))
        elif kind == "truncate":
            tokens = tokens[:i]
        elif kind == "insert":
            tokens.insert(i, draw(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8)))
        else:
            tokens.insert(i, draw(st.sampled_from(VOCABULARY)))
    return name, "".join(tokens)


@fuzz_settings(80)
@given(mutants())
def test_mutated_rule_files_give_diagnostics_or_a_clean_model(mutant: tuple[str, str]) -> None:
    name, text = mutant
    sources = {**bundled_sources(), name: text}
    _, ruleset = check_rule_text(sources, "rule files, mutated")
    if ruleset is not None:
        questions = [q for q in QUESTIONS if q.split("(")[0] in ruleset.rules]
        if questions:
            evaluate_outcome(ruleset, EXAMPLE, questions, compiled=True)


@fuzz_settings(20)
@given(st.binary(max_size=200), st.integers(0, 2000))
def test_random_bytes_in_a_rule_file_on_disk(junk: bytes, at: int) -> None:
    """The loader reads files: bytes that are not UTF-8 give CPF-E011, never UnicodeDecodeError."""
    source = bundled_sources()["rules/common/holder.cpf"].encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules"
        rules.mkdir()
        (rules / "holder.cpf").write_bytes(source[:at] + junk + source[at:])
        report = check_rules(rules, Path(__file__).resolve().parent.parent / "legal_refs")
    TRIED["rule files, random bytes on disk"] += 1
    assert_diagnostics_well_formed(report.diagnostics, report.sources)
    assert report.ok or any(d.is_error for d in report.diagnostics)


def test_the_harness_agrees_with_check_rules_on_the_bundled_rules() -> None:
    """The in-memory pipeline of the fuzz tests is the one `cpf check` runs."""
    diagnostics, ruleset = check_sources(bundled_sources())
    report = check_rules()
    assert [d.code for d in diagnostics] == [d.code for d in report.diagnostics]
    assert (ruleset is None) == (report.ruleset is None)
