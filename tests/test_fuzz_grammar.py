"""Grammar-aware fuzzing: hypothesis writes whole rule files in the rule language.

The generator builds declarations (enums, inputs, parameters with dated values, rules
with exceptions, citations and flags) whose formulas are typed expressions over the
bundled rules (``credit(y)``, ``annual_amount(y.start)``, ``worked_hours(y)``), over
each other (``r1(y - 1)``, ``r2(y + 1)``: recursion, cycles) and over the language's
operators and functions. Some draws are deliberately ill-typed, misnamed or
mis-cited. The file is checked with the bundled rules; a clean one is evaluated on
random years. Outcomes: a clean check or coded diagnostics; a value or a CPF-R
diagnostic. Never an exception, a hang or a RecursionError.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import bundled_sources, check_rule_text, evaluate_outcome, fuzz_settings, registry

pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")

GENERATED = "rules/zz_generated.cpf"
RULE_TYPES = {"r0": "money", "r1": "money", "r2": "boolean", "r3": "decimal", "r4": "date"}
PARAM_TYPES = {"p0": "money", "p1": "decimal", "p2": "date"}
RULES = list(RULE_TYPES)
PARAMS = list(PARAM_TYPES)
TYPES = ["money", "hours", "decimal", "integer", "boolean", "date", "days", "year", "Status"]
TYPE_POOL = [*TYPES, "text", "money/hours", "mony", "list LedgerEvent", "LedgerEvent", "Nope"]

LEAVES: dict[str, list[str]] = {
    "money": ["0 EUR", "500 EUR", "1200.50 EUR", "credit(y)", "balance(y - 1)", "annual_amount(y.start)"],
    "hours": ["0 h", "24 h", "1607 h", "worked_hours(y)", "dif_hours"],
    "decimal": ["0.5", "1", "0", "work_ratio(y)", "full_credit_share(y.start)"],
    "integer": ["0", "3", "count(e for e in ledger)", "y - 2015"],
    "boolean": ["true", "false", "accrues(y)", "low_qualified(y)", "status(y) == employee"],
    "date": ["y.start", "y.end", "2019-01-01", "2015-02-28"],
    "days": ["0 days", "30 days", "365 days"],
    "year": ["y", "y - 1", "2019", "y.start.year"],
    "Status": ["employee", "Status.job_seeker", "status(y)"],
}
NUMERIC = ("money", "hours", "decimal", "integer", "days")


def _paren(text: str) -> str:
    return f"({text})"


def expressions(type_: str, depth: int, wild: bool = False) -> st.SearchStrategy[str]:
    """Well-typed expressions of ``type_``; with ``wild``, now and then anything at all."""
    leaf = st.sampled_from(LEAVES[type_])
    if depth <= 0:
        return leaf
    sub = expressions(type_, depth - 1, wild)
    cond = expressions("boolean", depth - 1, wild) if type_ != "boolean" else leaf
    rules = [r for r, t in RULE_TYPES.items() if t == type_ or wild]
    params = [p for p, t in PARAM_TYPES.items() if t == type_ or wild]
    options: list[st.SearchStrategy[str]] = [
        leaf,
        leaf,
        st.builds(lambda c, a, b: f"if {c} then {a} else {b}", cond, sub, sub),
        st.builds(lambda v, b: f"let v = {v} in {b}", sub, sub),
        st.builds(lambda a, b: f"{a} otherwise {b}", sub, sub),
    ]
    if rules:
        periods = st.sampled_from(["y - 1", "y - 3", *(["y", "y + 1", "2019"] if wild else [])])
        options.append(st.builds(lambda r, p: f"{r}({p})", st.sampled_from(rules), periods))
    if params:
        options.append(st.builds(lambda p: f"{p}(y.start)", st.sampled_from(params)))
    if type_ in NUMERIC:
        options += [
            st.builds(lambda a, op, b: f"{_paren(a)} {op} {_paren(b)}", sub, st.sampled_from("+-"), sub),
            st.builds(lambda a, b: f"{_paren(a)} * {_paren(b)}", sub, expressions("decimal", depth - 1, wild)),
            st.builds(lambda a, b: f"{_paren(a)} / {_paren(b)}", sub, expressions("decimal", depth - 1, wild)),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), sub, sub),
            st.builds(lambda a: f"-{_paren(a)}", sub),
        ]
    if type_ == "money":
        options += [
            st.builds(lambda a: f"round_up_to_cent({a})", sub),
            st.builds(lambda a: f"round_half_up_to_cent({a})", sub),
            st.builds(lambda a: f"{_paren(a)} * 15 EUR/h", expressions("hours", depth - 1, wild)),
            st.builds(lambda c: f"sum(e.amount for e in ledger if {c})", st.sampled_from(["true", "e.date.year == y"])),
        ]
    if type_ == "hours":
        options += [st.builds(lambda a: f"round_up_to_hour({a})", sub)]
    if type_ == "boolean":
        options += [
            st.builds(lambda a, op, b: f"{a} {op} {b}", sub, st.sampled_from(["and", "or"]), sub),
            st.builds(lambda a: f"not {a}", sub),
            st.sampled_from(NUMERIC).flatmap(
                lambda t: st.builds(
                    lambda a, op, b: f"{a} {op} {b}",
                    expressions(t, depth - 1, wild),
                    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
                    expressions(t, depth - 1, wild),
                )
            ),
            st.builds(
                lambda a, b: f"{a} < {b}", expressions("date", depth - 1, wild), expressions("date", depth - 1, wild)
            ),
        ]
    if type_ == "date":
        options += [
            st.builds(
                lambda a, b: f"{_paren(a)} + {b}", sub, st.sampled_from(["1 days", "-100000 days", "3650000 days"])
            ),
            st.builds(lambda a: f"{_paren(a)} - 1000000 days", sub),
        ]
    if type_ == "year":
        options += [st.builds(lambda a, n: f"{_paren(a)} - {n}", sub, st.sampled_from(["1", "3000", "10000"]))]
    composite = st.one_of(leaf, *(option.map(_paren) for option in options[2:]))
    if not wild:
        return composite
    anything = st.sampled_from(TYPES).flatmap(lambda t: st.sampled_from(LEAVES[t]))
    return composite | anything | st.sampled_from(["unknown", "r9(y)", "credit()", "min(1)", '"text"'])


def citations(wild: bool) -> st.SearchStrategy[str]:
    refs = [ref for ref in sorted(registry().articles) if ref.startswith("CT:L6323")] or ["CT:L6323-1"]
    one = st.builds(
        lambda ref, loc: f"{ref}{loc}",
        st.sampled_from([*refs, *(["CT:L9999-99", "XX:1"] if wild else [])]),
        st.sampled_from(["", ' "al. 1"', ' "I"']),
    )
    items = st.lists(one, min_size=0 if wild else 1, max_size=2)
    return items.map(lambda found: f" cite {', '.join(found)}" if found else "")


HOSTILE_LABELS = ['"Libellé"', '"<script>alert(1)</script> & \\"q\\""', '"\u00e9t\u00e9 \u20ac \u202e"']
FLAGS = st.sampled_from(["", ' uncertain "source secondaire"', ' interpretation "lecture"'])


def labels(wild: bool) -> st.SearchStrategy[str]:
    return st.sampled_from([*HOSTILE_LABELS, *([""] if wild else [])])


@st.composite
def rule_decls(draw: st.DrawFn, name: str, wild: bool) -> str:
    type_ = RULE_TYPES[name]
    written = draw(st.sampled_from([type_, *TYPE_POOL])) if wild else type_
    formals = "(y : year)"
    if wild:
        formals = draw(st.sampled_from(["(y : year)", "(d : date)", "", "(y : year, z : year)"]))
    body = draw(expressions(type_, draw(st.integers(0, 3)), wild))
    text = f"rule {name}{formals} : {written} {draw(labels(wild))}{draw(citations(wild))}{draw(FLAGS)}\n  = {body}\n"
    for index in range(draw(st.integers(0, 2))):
        condition = draw(expressions("boolean", 2, wild))
        value = draw(expressions(type_, 2, wild))
        head = f"  exception e{index} {draw(labels(wild))}{draw(citations(wild))}{draw(FLAGS)}"
        text += f"{head}\n    when {condition}\n    = {value}\n"
    return text


@st.composite
def parameter_decls(draw: st.DrawFn, name: str, wild: bool) -> str:
    type_ = (
        draw(st.sampled_from(["money", "hours", "decimal", "boolean", "date", "Status"])) if wild else PARAM_TYPES[name]
    )
    constants = {
        "money": ["500 EUR", "-1 EUR", "0.001 EUR"],
        "hours": ["24 h", "0 h"],
        "decimal": ["0.5", "-0.5", "1"],
        "boolean": ["true", "false"],
        "date": ["2019-01-01", "2019-02-30" if wild else "2020-06-30"],
        "Status": ["employee", "Status.inactive"],
    }[type_]
    values = draw(
        st.lists(
            st.tuples(
                st.dates(datetime.date(2010, 1, 1), datetime.date(2030, 12, 31)),
                st.sampled_from([*constants, "none", *(["credit(y)", "1 + 1"] if wild else [])]),
            ),
            min_size=0 if wild else 1,
            max_size=3,
            unique_by=None if wild else (lambda item: item[0]),
        )
    )
    if not wild:
        values.sort()
    text = f"parameter {name} : {type_} {draw(labels(wild))}\n"
    for start, value in values:
        text += f"  from {start.isoformat()} = {value}{draw(citations(wild))}{draw(FLAGS)}\n"
    return text


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    """A file of declarations; one in four is "wild" (misnamed, ill-typed, mis-cited)."""
    wild = draw(st.integers(0, 3)) == 0
    parts = ["# generated\n"]
    if draw(st.booleans()):
        parts.append('enum Colour "Couleur" = red "rouge" | green "vert"\n')
    if draw(st.booleans()):
        parts.append('input year.extra_hours : hours default 0 h "Heures en plus"\n')
    for name in PARAMS:
        parts.append(draw(parameter_decls(name, wild)))
    for name in RULES:
        parts.append(draw(rule_decls(name, wild)))
    return "\n".join(parts)


@fuzz_settings(25)
@given(rule_files(), st.lists(st.integers(2013, 2027), min_size=1, max_size=3))
def test_generated_rule_files_check_and_evaluate_without_exception(text: str, years: list[int]) -> None:
    sources = {**bundled_sources(), GENERATED: text}
    _, ruleset = check_rule_text(sources, "rule files, generated from the grammar")
    if ruleset is None:
        return
    facts = {"years": [{"year": 2019, "worked_hours": 800}, {"year": 2020, "worked_hours": 1607}]}
    questions = [f"{r}({year})" for r in RULES if r in ruleset.rules for year in years]
    questions = [q for q in questions if ruleset.rules[q.split("(")[0]].formals]
    questions = [q for q in questions if len(ruleset.rules[q.split("(")[0]].formals) == 1]
    questions = [q for q in questions if ruleset.rules[q.split("(")[0]].formals[0].name == "y"]
    if questions:
        evaluate_outcome(ruleset, facts, questions, compiled=True)
