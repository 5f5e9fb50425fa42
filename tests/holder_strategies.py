"""Hypothesis strategies: random but valid facts documents of CPF holders.

Shared by the property tests that compare the interpreter, the compiled evaluator and
the vectorised batch kernel: the same population must give the same answers on all
three paths. Values stay within what the facts schema accepts (hours ≥ 0, dates as
ISO strings, amounts with at most two decimals, one entry per year).
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from cpf_rules import RuleSet, load_rules


def rules_under_test() -> RuleSet:
    """The bundled rules, or those of ``$CPF_RULES_DIR`` (to run the comparisons on another rule set)."""
    return load_rules(os.environ.get("CPF_RULES_DIR"))


YEARS = range(2015, 2025)

_hours = st.one_of(
    st.sampled_from([0, 400, 700, 803, Decimal("803.5"), 1200, 1582, 1607, 1800]),
    st.decimals(min_value=0, max_value=2200, places=2, allow_nan=False, allow_infinity=False),
)
_dates = st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date(2025, 12, 31)).map(
    datetime.date.isoformat
)


@st.composite
def _year(draw: st.DrawFn, year: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"year": year, "worked_hours": draw(_hours)}
    if draw(st.booleans()):
        entry["conventional_hours"] = draw(st.sampled_from([1500, 1582, 1607, Decimal("1645.5")]))
    if draw(st.integers(0, 4)) == 0:
        entry["counted_absence_hours"] = draw(st.sampled_from([35, 120, 400]))
    if draw(st.integers(0, 5)) == 0:
        entry["status"] = draw(st.sampled_from(["job_seeker", "inactive"]))
    return entry


@st.composite
def holders(draw: st.DrawFn) -> dict[str, Any]:
    """One holder: some years 2015-2024, optional low-qualified dates, DIF hours, trainings."""
    years = draw(st.lists(st.sampled_from(list(YEARS)), unique=True, max_size=len(YEARS)))
    holder: dict[str, Any] = {}
    if draw(st.booleans()):
        holder["dif_hours"] = draw(st.integers(0, 120))
        if draw(st.booleans()):
            holder["dif_registered_on"] = draw(_dates)
    if draw(st.integers(0, 3)) == 0:
        holder["low_qualified_declared_on"] = draw(_dates)
        if draw(st.booleans()):
            holder["low_qualified_ended_on"] = draw(_dates)
    ledger = []
    for _ in range(draw(st.integers(0, 3))):
        date = draw(_dates)
        if date < "2019-01-01":
            ledger.append({"date": date, "kind": "training_paid", "hours": draw(st.integers(0, 60))})
        else:
            amount = draw(st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False, allow_infinity=False))
            ledger.append({"date": date, "kind": "training_paid", "amount": Decimal(amount)})
    document: dict[str, Any] = {"years": [draw(_year(y)) for y in sorted(years)]}
    if holder:
        document["holder"] = holder
    if ledger:
        document["ledger"] = ledger
    return document


QUESTIONS = [
    "balance(2024)",
    "credit(2019)",
    "credit(2023)",
    "hours_balance(2018)",
    "hours_credit(2017)",
    "converted_amount(2019-01-01)",
    "amount_due(2021)",
    "work_ratio(2020)",
]


def sample_holders(count: int, seed: int = 8) -> list[dict[str, Any]]:
    """``count`` varied holders drawn deterministically (for tests that need a fixed population)."""
    import random

    draw = random.Random(seed)
    documents = []
    for index in range(count):
        years = []
        for year in sorted(draw.sample(list(YEARS), draw.randint(0, len(YEARS)))):
            entry: dict[str, Any] = {"year": year, "worked_hours": Decimal(draw.randint(0, 220000)) / 100}
            if draw.random() < 0.3:
                entry["conventional_hours"] = draw.choice([1500, 1582, 1607])
            if draw.random() < 0.1:
                entry["status"] = draw.choice(["job_seeker", "inactive"])
            years.append(entry)
        document: dict[str, Any] = {"id": f"h{index}", "years": years}
        if draw.random() < 0.5:
            document["holder"] = {"dif_hours": draw.randint(0, 120), "dif_registered_on": "2020-06-30"}
        if draw.random() < 0.2:
            document.setdefault("holder", {})["low_qualified_declared_on"] = f"{draw.randint(2017, 2024)}-03-01"
        if draw.random() < 0.4:
            amount = Decimal(draw.randint(0, 300000)) / 100
            document["ledger"] = [
                {"date": f"{draw.randint(2019, 2024)}-05-04", "kind": "training_paid", "amount": amount}
            ]
        documents.append(document)
    return documents
