"""Differential tests, the inputs drawn: facts documents and whole rule files (hypothesis).

Support for tests/test_fuzz_differential.py (not collected by pytest). Facts draw the
optional inputs of :data:`differential_paths.PRELUDE` absent or present, defaults and
events; rule files draw parameters ended by ``none``, flags, rules on years and dates,
exceptions, ``let``, ``otherwise``, ``if``, filtered aggregates, ``min``/``max``, the four
roundings, calendar functions and recursion on earlier years.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from differential_paths import CITE

# ---- facts ------------------------------------------------------------------------------
YEARS = (2019, 2020, 2021)
_DATES = st.sampled_from(
    ["2019-01-01", "2019-12-31", "2020-02-28", "2020-02-29", "2020-03-01", "2020-12-31", "2021-01-31", "2021-03-31"]
)
_CENTS = st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("0.05"), Decimal("0.15"), Decimal("10.01"), Decimal(3)])
_HOURS = st.sampled_from([Decimal(0), Decimal("0.5"), Decimal("1.5"), Decimal("803.5"), Decimal(1607), Decimal(2)])


@st.composite
def _year(draw: st.DrawFn, year: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"year": year}
    for key, values in (
        ("h", _HOURS),
        ("m", _CENTS),
        ("flag", st.booleans()),
        ("opt_h", _HOURS),
        ("opt_d", _DATES),
        ("ratio", st.sampled_from([Decimal(0), Decimal("0.5"), Decimal("1.5"), Decimal(1)])),
    ):
        if draw(st.booleans()):
            entry[key] = draw(values)
    return entry


_EVENT = st.fixed_dictionaries(
    {"date": _DATES, "kind": st.sampled_from(["paid", "credit", "other"])},
    optional={
        "amount": _CENTS,
        "hours": _HOURS,
        "share": st.sampled_from([Decimal(0), Decimal("0.5"), Decimal("0.333")]),
    },
)


@st.composite
def facts_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A holder of the prelude: some years, holder facts present or absent, a few events."""
    years = draw(st.lists(st.sampled_from(YEARS), unique=True))
    document: dict[str, Any] = {"years": [draw(_year(year)) for year in years]}
    holder: dict[str, Any] = {}
    for key, values in (
        ("born", _DATES),
        ("start", _DATES),
        ("n", st.integers(0, 3)),
        ("cash", _CENTS),
    ):
        if draw(st.booleans()):
            holder[key] = draw(values)
    document["holder"] = holder
    document["events"] = draw(st.lists(_EVENT, max_size=3))
    return document


# ---- rule files -------------------------------------------------------------------------
# Rules r0..r4 (their types below), each on a year except r4 (on a date); parameters p0..p2.
RULE_TYPES = {"r0": "money", "r1": "hours", "r2": "boolean", "r3": "decimal", "r4": "money"}
PARAM_TYPES = {"p0": "money", "p1": "decimal", "p2": "hours"}

LEAVES: dict[str, list[str]] = {
    "money": ["0 EUR", "0.005 EUR", "-0.015 EUR", "m(y)", "cash", "m(y - 1)"],
    "hours": ["0 h", "0.5 h", "h(y)", "(opt_h(y) otherwise 1 h)", "h(y - 1)"],
    "decimal": ["0.5", "-1", "ratio(y)", "h(y) / 1607 h", "(n otherwise 2) / 3"],
    "boolean": ["true", "false", "flag(y)", "flag(y - 1)", "h(y) >= 803.5 h", "(born == start) otherwise false"],
    "date": ["y.start", "y.end", "start", "(born otherwise y.end)", "(opt_d(y) otherwise 2020-02-29)"],
    "integer": ["0", "3", "(n otherwise 1)", "count(e for e in events)"],
}
NUMERIC = ("money", "hours", "decimal", "integer")
LET_USED = ("money", "hours", "decimal")  # `let v = … in (…) + v`: the bound value is used


def _p(text: str) -> str:
    return f"({text})"


def expressions(type_: str, depth: int, calls: bool = True, unused_lets: bool = True) -> st.SearchStrategy[str]:
    """Well-typed expressions of ``type_`` over the prelude and r0..r4, p0..p2 (``y``: the year).

    ``calls``: may call r4 (not inside r4 itself). ``unused_lets``: may bind a value the
    body reads only in some arms, or not at all (booleans); without it, a ``let`` adds its
    value to the body, so that what the value fails with is what the expression fails with."""
    leaf = st.sampled_from(LEAVES[type_])
    if depth <= 0:
        return leaf
    sub = expressions(type_, depth - 1, calls, unused_lets)
    cond = expressions("boolean", depth - 1, calls, unused_lets) if type_ != "boolean" else leaf
    options: list[st.SearchStrategy[str]] = [
        st.builds(lambda c, a, b: f"(if {c} then {a} else {b})", cond, sub, sub),
        st.builds(lambda a, b: f"{_p(a)} otherwise {_p(b)}", sub, sub),
    ]
    if type_ in LET_USED or unused_lets:
        body = sub.map(lambda b: f"({b}) + v" if type_ in LET_USED else b)
        options.append(st.builds(lambda v, b: f"(let v = {v} in {b})", sub, body))
    rules = [name for name, t in RULE_TYPES.items() if t == type_ and name != "r4"]
    if rules:
        options.append(st.builds(lambda r, p: f"{r}({p})", st.sampled_from(rules), st.sampled_from(["y - 1", "y - 2"])))
    if type_ == "money" and calls:
        options.append(st.sampled_from(["r4(y.start)", "r4(y.end - 1 days)", "r4(start)"]))
    params = [name for name, t in PARAM_TYPES.items() if t == type_]
    if params:
        options.append(
            st.builds(
                lambda p, d: f"{p}({d})",
                st.sampled_from(params),
                st.sampled_from(["y.start", "y.end", "born otherwise y.start", "y.start + 59 days"]),
            )
        )
    if type_ in NUMERIC and type_ != "integer":
        options += [
            st.builds(lambda a, op, b: f"{_p(a)} {op} {_p(b)}", sub, st.sampled_from(["+", "-"]), sub),
            st.builds(lambda a, b: f"{_p(a)} * {_p(b)}", sub, expressions("decimal", depth - 1, calls, unused_lets)),
            st.builds(lambda a, b: f"{_p(a)} / {_p(b)}", sub, expressions("decimal", depth - 1, calls, unused_lets)),
            st.builds(lambda f, a, b, c: f"{f}({a}, {b}, {c})", st.sampled_from(["min", "max"]), sub, sub, sub),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), sub, sub),
            sub.map(lambda a: f"-{_p(a)}"),
        ]
    if type_ == "money":
        options += [
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["round_up_to_cent", "round_half_up_to_cent"]), sub),
            st.builds(lambda a: f"{_p(a)} * 15 EUR/h", expressions("hours", depth - 1, calls, unused_lets)),
            st.builds(
                lambda body, c: f"sum({body} for e in events if {c})",
                st.sampled_from(["e.amount", "e.amount * e.share", "round_half_up_to_cent(e.amount / 2)", "-e.amount"]),
                st.sampled_from(["true", "e.date.year == y", "e.kind == paid", "e.date <= y.end and e.share > 0"]),
            ),
        ]
    if type_ == "hours":
        options += [
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["round_up_to_hour", "round_to_nearest_hour"]), sub),
            st.sampled_from(["sum(e.hours for e in events if e.kind != credit)"]),
        ]
    if type_ == "decimal":
        options += [
            st.builds(
                lambda f, a: f"{f}({a}, y.end)",
                st.sampled_from(["years_between", "months_between"]),
                expressions("date", depth - 1, calls, unused_lets),
            ),
            st.builds(
                lambda a, b: f"({_p(a)} - {_p(b)}) / 1 days",
                expressions("date", depth - 1, calls, unused_lets),
                expressions("date", 0),
            ),
        ]
    if type_ == "boolean":
        options += [
            st.builds(lambda a, op, b: f"{a} {op} {b}", sub, st.sampled_from(["and", "or"]), sub),
            sub.map(lambda a: f"not {_p(a)}"),
            st.sampled_from(NUMERIC[:3]).flatmap(
                lambda t: st.builds(
                    lambda a, op, b: f"{_p(a)} {op} {_p(b)}",
                    expressions(t, depth - 1, calls, unused_lets),
                    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
                    expressions(t, depth - 1, calls, unused_lets),
                )
            ),
            st.builds(
                lambda a, b: f"{_p(a)} < {_p(b)}",
                expressions("date", depth - 1, calls, unused_lets),
                expressions("date", depth - 1, calls, unused_lets),
            ),
            st.builds(
                lambda k, c: f"{k}({c} for e in events)",
                st.sampled_from(["any", "all"]),
                st.sampled_from(["e.amount > 0.05 EUR", "e.kind == credit", "e.date.year == y", "e.share >= 0.5"]),
            ),
            st.sampled_from(["(opt_h(y) > 1 h) otherwise false", "(born < y.start) otherwise true"]),
        ]
    if type_ == "date":
        options += [
            st.builds(
                lambda a, b: f"{_p(a)} + {b}",
                sub,
                st.sampled_from(["1 days", "-1 days", "59 days", "365 days", "0.5 days", "-1.5 days"]),
            ),
            st.builds(lambda a, b: f"{_p(a)} - {b}", sub, st.sampled_from(["1 days", "1.5 days", "366 days"])),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max"]), sub, sub),
        ]
    return st.one_of(leaf, *options)


def _recursion_guard(type_: str, body: str) -> str:
    """A body that stops recursing before 2017 (rules call themselves on y - 1, y - 2)."""
    base = {"money": "0 EUR", "hours": "0 h", "boolean": "false", "decimal": "0"}[type_]
    return f"if y.start < 2017-01-01 then {base} else {_p(body)}"


@st.composite
def rule_files(draw: st.DrawFn, unused_lets: bool = True) -> str:
    """Parameters p0..p2 (dated values, some ended by ``none``) and rules r0..r4 with 0-2
    exceptions (``unused_lets``: see :func:`expressions`)."""
    parts = []
    constants = {"money": ["10 EUR", "-0.005 EUR", "0.015 EUR"], "decimal": ["0.5", "-1", "0.333"], "hours": ["24 h"]}
    for name, type_ in PARAM_TYPES.items():
        starts = draw(
            st.lists(
                st.sampled_from(["2018-01-01", "2019-06-30", "2020-03-01", "2021-01-01"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        text = f'parameter {name} : {type_} "{name}"\n'
        for start in sorted(starts):
            value = draw(st.sampled_from([*constants[type_], "none"]))
            flag = draw(st.sampled_from(["", ' uncertain "source"', ' interpretation "lecture"']))
            text += f"  from {start} = {value} {CITE}{flag}\n"
        parts.append(text)
    for name, type_ in RULE_TYPES.items():
        depth = draw(st.integers(0, 3))
        body = draw(expressions(type_, depth, name != "r4", unused_lets))
        formal = "(d : date)" if name == "r4" else "(y : year)"
        if name == "r4":  # on a date: `y` is the date's year
            body = f"let y = d.year in {body}" if "y" in body else body
        else:
            body = _recursion_guard(type_, body)
        flag = draw(st.sampled_from(["", ' uncertain "rule"']))
        text = f'rule {name}{formal} : {type_} "{name}" {CITE}{flag}\n  = {body}\n'
        for index in range(draw(st.integers(0, 2))):
            condition = draw(expressions("boolean", 2, name != "r4", unused_lets))
            value = draw(expressions(type_, 2, name != "r4", unused_lets))
            if name == "r4":
                condition = f"let y = d.year in {_p(condition)}"
                value = f"let y = d.year in {_p(value)}"
            else:
                condition = f"y.start >= 2017-01-01 and {_p(condition)}"
            text += f'  exception e{index} "e{index}" {CITE} when {condition}\n    = {value}\n'
        parts.append(text)
    return "\n".join(parts)


def questions_for(years: Sequence[int]) -> list[str]:
    """Each rule on each year (r4 on 29 February and 1 March), and two parameters."""
    questions = [f"{name}({year})" for name in ("r0", "r1", "r2", "r3") for year in years]
    questions += [f"r4({year}-02-29)" for year in years if year % 4 == 0] + ["r4(2021-03-01)"]
    questions += ["p0(2019-06-30)", "p1(2020-02-29)"]
    return questions
