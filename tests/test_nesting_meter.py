"""The sum of formula heights along the active rule calls (MAX_NESTING, CPF-R003) is kept
from call to call (evaluate.NestingMeter): the same sums as adding the stack up again,
with work linear in the depth of a recursion (it was quadratic: summing 600 heights at
each of 600 calls made a deep ``balance`` spend most of its time there)."""

from __future__ import annotations

import random
from typing import Any

from cpf_rules import evaluate
from cpf_rules.evaluate import NestingMeter
from cpf_rules.limits import MAX_DEPTH
from test_limits import RECURSIVE, _ruleset


def _call(rule: str, year: int) -> tuple[str, Any]:
    """The key an evaluator builds for one call: a new tuple (never a folded constant)."""
    return tuple([rule, year])  # type: ignore[return-value]


class _Heights:
    """A stand-in rule set: each rule's height is its number, and every lookup is counted."""

    def __init__(self) -> None:
        self.lookups = 0

    def formula_height(self, name: str) -> int:
        self.lookups += 1
        return int(name[1:])


def test_the_meter_sums_what_adding_the_stack_up_gives_on_random_pushes_and_pops() -> None:
    model = _Heights()
    meter = NestingMeter(model)  # type: ignore[arg-type]
    active: list[tuple[str, Any]] = []
    chooser = random.Random(6323)
    for _ in range(5_000):
        if active and chooser.random() < 0.45:
            active.pop()
        else:
            active.append(_call(f"r{chooser.randrange(1, 90)}", chooser.randrange(1990, 2030)))
        name = f"r{chooser.randrange(1, 90)}"
        expected = sum(int(rule[1:]) for rule, _ in active) + int(name[1:])
        assert meter.with_rule(active, name) == expected


def test_an_equal_key_pushed_again_is_a_new_call_not_the_old_one() -> None:
    """r5(2020) popped with the call below it, then an equal key pushed again above
    another rule: summed afresh (the meter knows calls by the key object built for each)."""
    meter = NestingMeter(_Heights())  # type: ignore[arg-type]
    active: list[tuple[str, Any]] = [_call("r10", 2021), _call("r5", 2020)]
    assert meter.with_rule(active, "r1") == 16
    active[:] = [_call("r30", 2021), _call("r5", 2020)]
    assert meter.with_rule(active, "r1") == 36


def test_a_recursion_600_calls_deep_looks_up_each_height_a_constant_number_of_times() -> None:
    """Work linear in the depth: a deeper recursion costs in proportion (the quadratic
    sum looked up 180,000 heights for 600 calls)."""
    lookups = []
    for depth in (150, 600):
        model = _Heights()
        meter = NestingMeter(model)  # type: ignore[arg-type]
        active: list[tuple[str, Any]] = []
        for year in range(depth):
            meter.with_rule(active, "r3")
            active.append(_call("r3", year))
        lookups.append(model.lookups)
    assert lookups[0] <= 2 * 150 and lookups[1] <= 2 * 600


def test_the_deepest_recursion_still_gives_its_exact_value_on_every_evaluator() -> None:
    """MAX_DEPTH calls of ``r(y) = r(y - 1) + 1`` from 2024 reach the base case at 1425:
    599 on every evaluator (the meter is what MAX_NESTING reads from depth 29 on)."""
    base = 2024 - MAX_DEPTH + 1
    ruleset = _ruleset(RECURSIVE.format(body=f"if y.start <= {base}-01-01 then 0 else r(y - 1) + 1"))
    for compiled, trace in ((False, True), (True, True), (True, False)):
        answer = evaluate(ruleset, {}, ["r(2024)"], compiled=compiled, trace=trace).answers[0]  # type: ignore[arg-type]
        assert answer.error is None and answer.value == MAX_DEPTH - 1
