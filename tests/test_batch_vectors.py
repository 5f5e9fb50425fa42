"""The fast paths of the batch kernel's exact arithmetic (``cpf_rules.batch.vectors``) and their limits.

Each fast path (one scalar denominator, proven magnitude bounds, comparisons against
a scalar threshold, ``min``/``max`` without selection, ``.year`` by binary search) is
checked against exact :class:`~fractions.Fraction` arithmetic on values of the law
(R6323-1: 500 € × hours / 1,607 rounded up to the cent; ceilings of 5,000 € and
8,000 €), and at the int64 edge, where the result must be flagged for the scalar
engine, never wrapped around. Then the kernel on the benchmark workload rules, whose
answers must be the scalar engine's.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("numpy")

import numpy as np

from cpf_rules.api import read_facts
from cpf_rules.batch import vectors as vx
from cpf_rules.batch.memory import retain_freed_memory
from cpf_rules.batch.run import answer_chunk
from cpf_rules.batch.vectors import Num
from cpf_rules.compiled import compile_rules
from cpf_rules.loader import load_rules
from cpf_rules.questions import parse_question
from cpf_rules.values import CENT as CENT_STEP

HOURS = [0, 1, 700, 803, 804, 1607, 1900]
LEGAL_HOURS = 1607  # R6323-1 II al. 3: durée de référence
WORKLOAD_RULES = Path(__file__).resolve().parent.parent / "bench" / "workload_rules"


def _fractions(value: Num) -> list[Fraction]:
    size = max(np.size(value.num), np.size(value.den))
    nums = np.broadcast_to(value.num, (size,))
    dens = np.broadcast_to(value.den, (size,))
    return [Fraction(int(n), int(d)) for n, d in zip(nums, dens, strict=True)]


def _column(values: list[int], den: int = 1) -> Num:
    return Num(np.asarray(values, dtype=np.int64), den)


def test_r6323_1_prorated_amount_is_exact_on_the_fast_paths() -> None:
    # R6323-1 II: 500 € × h / 1,607 rounded up to the cent; 700 h → 217.80 €, 803 h → 249.85 €.
    ratio, bad = vx.divide(_column(HOURS), Num.of(LEGAL_HOURS))[:2]
    assert bad is False and ratio.den == LEGAL_HOURS and ratio.bound is not None
    amount, bad = vx.multiply(Num.of(500), ratio)
    assert bad is False and not vx.is_array(amount.den)
    cents, bad = vx.ceil_to(amount, CENT_STEP)
    assert bad is False and cents.den == 100
    assert _fractions(cents) == [
        Fraction(0),
        Fraction("0.32"),
        Fraction("217.80"),
        Fraction("249.85"),
        Fraction("250.16"),
        Fraction(500),
        Fraction(50_000 * 1900 // 1607 + 1, 100),
    ]
    assert cents.magnitude() >= int(np.abs(cents.num).max())  # the carried bound is an upper bound


def test_half_of_the_legal_hours_compares_against_a_scalar_threshold() -> None:
    # L6323-11 al. 2: below half of 1,607 h (803.5 h) the amount is prorated.
    ratio = vx.divide(_column(HOURS), Num.of(LEGAL_HOURS))[0]
    below, bad = vx.less(ratio, Num.of(Fraction(1, 2)))
    assert bad is False
    assert below.tolist() == [True, True, True, True, False, False, False]
    above, bad = vx.less(Num.of(Fraction(1, 2)), ratio)
    assert bad is False
    assert above.tolist() == [False, False, False, False, True, True, True]
    # Two columns over different denominators: hours/1607 against amounts in cents.
    cents = _column([0, 1, 43_560, 49_969, 50_031, 100_000, 118_232], 100_000)
    assert vx.less(ratio, cents)[0].tolist() == [
        Fraction(h, LEGAL_HOURS) < Fraction(c, 100_000) for h, c in zip(HOURS, cents.num.tolist(), strict=True)
    ]


def test_ceilings_clip_the_credit_with_min_and_max() -> None:
    # L6323-11 al. 1, R6323-1 I: credit = min(due, max(5,000 € − balance, 0)); 8,000 € when
    # low-qualified (R6323-3-1 I). Balances in cents, ceilings in euros: one common denominator.
    balance = _column([0, 480_000, 499_950, 500_000, 650_000, 790_000], 100)
    ceiling = Num(np.asarray([5000, 5000, 5000, 5000, 8000, 8000], dtype=np.int64), 1)
    room, bad = vx.add(ceiling, balance, -1)
    assert bad is False
    room = vx.extreme(room, Num.of(0), lowest=False)
    assert room is not None
    due = _column([50_000, 50_000, 50_000, 21_780, 80_000, 80_000], 100)
    credit = vx.extreme(due, room, lowest=True)
    assert credit is not None
    assert _fractions(credit) == [Fraction(500), Fraction(200), Fraction("0.50"), Fraction(0), Fraction(800), 100]


def test_a_selection_keeps_one_denominator() -> None:
    # R6323-1: 500 € from half-time on, else the prorated amount in cents.
    full = vx.less(vx.divide(_column(HOURS), Num.of(LEGAL_HOURS))[0], Num.of(Fraction(1, 2)))[0]
    chosen = vx.where(~full, Num.of(500), _column([0, 32, 21_780, 24_985, 25_016, 50_000, 59_116], 100))
    assert chosen.den == 100
    assert _fractions(chosen)[2:5] == [Fraction("217.80"), Fraction("249.85"), Fraction(500)]


def test_products_beyond_int64_are_flagged_not_wrapped() -> None:
    # 500 € × an absurd ratio: the bound proves nothing, the guarded path flags the big row.
    ratio = Num(np.asarray([700, 2**55], dtype=np.int64), LEGAL_HOURS)
    amount, bad = vx.multiply(Num.of(500), ratio)
    assert bad.tolist() == [False, True]
    assert _fractions(amount)[0] == Fraction(350_000, LEGAL_HOURS)
    # Just below the edge the fast path answers exactly, without a flag.
    fine, bad = vx.multiply(Num.of(500), Num(np.asarray([700, 2**40], dtype=np.int64), LEGAL_HOURS))
    assert bad is False and _fractions(fine)[1] == Fraction(500 * 2**40, LEGAL_HOURS)


def test_sums_and_roundings_beyond_int64_are_flagged() -> None:
    big = _column([2**62, 50_000], 100)
    total, bad = vx.add(big, big)
    assert bad.tolist() == [True, False]
    assert _fractions(total)[1] == 1000
    rounded, bad = vx.ceil_to(Num(np.asarray([2**60, 350_000], dtype=np.int64), LEGAL_HOURS), CENT_STEP)
    assert bad.tolist() == [True, False]
    assert _fractions(rounded)[1] == Fraction("217.80")


def test_comparisons_and_extremes_beyond_int64_take_the_guarded_path() -> None:
    a = Num(np.asarray([2**61, 1], dtype=np.int64), 3)
    b = Num(np.asarray([1, 2**61], dtype=np.int64), 7)
    bad = vx.less(a, b)[1]
    assert bad.tolist() == [True, True]  # scaling to 21 would overflow: the scalar engine decides
    assert vx.extreme(a, b, lowest=True) is None
    small = vx.less(Num(np.asarray([1, 5], dtype=np.int64), 3), Num(np.asarray([3, 1], dtype=np.int64), 7))
    assert small[1] is False and small[0].tolist() == [True, False]  # 1/3 < 3/7, 5/3 > 1/7
    # A threshold beyond int64 still compares every row.
    assert vx.less(_column([0, 2**62]), Num.of(2**70))[0].tolist() == [True, True]
    assert vx.less(Num.of(-(2**70)), _column([0, -(2**62)]))[0].tolist() == [True, True]


def test_years_of_dates_by_binary_search_match_the_calendar() -> None:
    days = [
        datetime.date(1, 1, 1),
        datetime.date(2018, 12, 31),
        datetime.date(2019, 1, 1),
        datetime.date(2020, 2, 29),
        datetime.date(2024, 12, 31),
        datetime.date(9999, 12, 31),
    ]
    ordinals = np.asarray([d.toordinal() for d in days], dtype=np.int64)
    assert vx.years_of(ordinals).tolist() == [d.year for d in days]
    assert vx.years_of(np.zeros(0, dtype=np.int64)).tolist() == []


def test_retaining_freed_memory_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    retain_freed_memory.cache_clear()
    monkeypatch.setenv("CPF_BATCH_RETAIN_MEMORY", "0")
    try:
        assert retain_freed_memory() is False
    finally:
        retain_freed_memory.cache_clear()


def _holder(hours: list[int], dif: int = 0, low_qualified: bool = False) -> dict[str, Any]:
    holder: dict[str, Any] = {"dif_hours": dif, "dif_registered_on": "2020-01-15"}
    if low_qualified:
        holder["low_qualified_declared_on"] = "2019-01-01"
    return {"holder": holder, "years": [{"year": 2019 + i, "worked_hours": h} for i, h in enumerate(hours)]}


def test_workload_rules_in_batch_equal_the_scalar_engine() -> None:
    rules = load_rules(WORKLOAD_RULES)
    documents = [
        _holder([1607] * 6),  # L6323-11 al. 1: 6 × 500 € = 3,000 €
        _holder([700] + [0] * 5),  # R6323-1 II: 217.80 €
        _holder([1607] * 6, low_qualified=True),  # R6323-3-1 I: 6 × 800 € = 4,800 €
        _holder([1607] * 6, dif=120, low_qualified=True),  # 120 h × 15 € + 4,800 € = 6,600 €
        _holder([803, 804, 0, 1, 1900, 1607], dif=100),  # 1,500 € + 249.85 + 500 + 0 + 0.32 + 500 + 500
    ]
    facts = [read_facts(rules, d) for d in documents]
    question = parse_question("balance(2024)", rules)
    batch = answer_chunk(rules, facts, [question], datetime.date(2026, 1, 1))
    assert batch.tally.vectorised == len(documents) and batch.tally.scalar == 0
    assert batch.values["balance(2024)"] == [
        3000,
        Fraction("217.80"),
        4800,
        6600,
        Fraction("1500") + Fraction("249.85") + 500 + Fraction("0.32") + 500 + 500,
    ]
    compiled = compile_rules(rules)
    for holder, value in zip(facts, batch.values["balance(2024)"], strict=True):
        scalar = compiled.evaluation(holder, datetime.date(2026, 1, 1), with_trace=False)
        assert scalar.question("balance", 2024)[0] == value
