"""The benchmark workload (issue 8): CPF accrual of private-sector employees, years 2019-2024.

Each holder: hours worked each year 2019-2024 against the legal 1,607 h (about a
quarter of the years below half-time, so prorated and rounded up to the cent), one in
ten low-qualified (800 € a year, 8,000 € ceiling; 500 €/5,000 € otherwise), and an
opening balance: DIF hours converted at 15 €/h on 2019-01-01. The answer is the
balance at 31 December 2024, in exact cents.

This module only needs NumPy: the OpenFisca runner imports it from its own venv. It
gives the population as arrays (same seed → same holders), one holder as a facts
document, and the hand-written references: a NumPy kernel on integer cents and a
plain Python loop with Decimal.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

import numpy as np

YEARS = tuple(range(2019, 2025))
LEGAL_HOURS = 1607
DIF_REGISTERED_ON = "2020-01-15"
LOW_QUALIFIED_FROM = "2019-01-01"


def population(n: int, seed: int = 2024) -> dict[str, Any]:
    """``n`` holders as arrays: hours[year] (int64), low_qualified (bool), dif_hours (int64)."""
    rng = np.random.default_rng(seed)
    hours = {}
    for year in YEARS:
        full = rng.random(n) < 0.75
        hours[year] = np.where(full, rng.integers(804, 1900, n), rng.integers(0, 804, n)).astype(np.int64)
    return {
        "n": n,
        "hours": hours,
        "low_qualified": rng.random(n) < 0.1,
        "dif_hours": rng.integers(0, 121, n).astype(np.int64),
    }


def document(pop: dict[str, Any], row: int) -> dict[str, Any]:
    """Holder ``row`` as a cpf-rules facts document."""
    holder: dict[str, Any] = {"dif_hours": int(pop["dif_hours"][row]), "dif_registered_on": DIF_REGISTERED_ON}
    if pop["low_qualified"][row]:
        holder["low_qualified_declared_on"] = LOW_QUALIFIED_FROM
    return {
        "holder": holder,
        "years": [{"year": y, "worked_hours": int(pop["hours"][y][row])} for y in YEARS],
    }


def numpy_reference(pop: dict[str, Any]) -> np.ndarray:
    """Hand-written NumPy kernel on integer cents: balance(2024) of every holder."""
    lq = pop["low_qualified"]
    balance = pop["dif_hours"] * 1500
    full_amount = np.where(lq, 80_000, 50_000)
    ceiling = np.where(lq, 800_000, 500_000)
    for year in YEARS:
        hours = np.minimum(pop["hours"][year], LEGAL_HOURS)
        prorated = -((-50_000 * hours) // LEGAL_HOURS)  # 500 € × h / 1607, rounded up to the cent
        due = np.where(2 * hours >= LEGAL_HOURS, full_amount, prorated)
        balance = balance + np.minimum(due, np.maximum(ceiling - balance, 0))
    result: np.ndarray = balance
    return result


def decimal_reference(hours: list[list[int]], low_qualified: list[bool], dif_hours: list[int]) -> list[Decimal]:
    """Plain Python loop with Decimal (the issue's "hand-written Decimal loop")."""
    cent = Decimal("0.01")
    legal = Decimal(LEGAL_HOURS)
    half = Decimal("0.5")
    results = []
    for yearly, lq, dif in zip(hours, low_qualified, dif_hours, strict=True):
        balance = Decimal(dif) * 15
        full_amount, ceiling = (Decimal(800), Decimal(8000)) if lq else (Decimal(500), Decimal(5000))
        for worked in yearly:
            ratio = min(Decimal(worked) / legal, Decimal(1))
            if ratio >= half:
                due = full_amount
            else:
                due = (Decimal(500) * Decimal(worked) / legal).quantize(cent, rounding=ROUND_CEILING)
            balance += min(due, max(ceiling - balance, Decimal(0)))
        results.append(balance)
    return results
