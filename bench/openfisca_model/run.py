"""Measure OpenFisca on the workload; prints one JSON line. Run with the bench venv's python.

.bench-venv/bin/python bench/openfisca_model/run.py vector 1000000
.bench-venv/bin/python bench/openfisca_model/run.py single 200      # one simulation per holder, traced
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.openfisca_model import CpfTaxBenefitSystem
from openfisca_core.simulation_builder import SimulationBuilder
from workload import YEARS, numpy_reference, population

SPIRAL = 20
"""OpenFisca stops a variable that depends on its own earlier periods after ``max_spiral_loops``
(default 1) and returns its default, 0: the 2019-2024 recursion needs 7 levels."""


def _vector(n: int) -> dict[str, object]:
    system = CpfTaxBenefitSystem()
    pop = population(n)
    start = time.perf_counter()
    simulation = SimulationBuilder().build_default_simulation(system, count=n)
    simulation.max_spiral_loops = SPIRAL  # else balance(y - 1) silently returns 0
    for year in YEARS:
        simulation.set_input("worked_hours", str(year), pop["hours"][year].astype(float))
    simulation.set_input("low_qualified", "ETERNITY", pop["low_qualified"])
    simulation.set_input("dif_hours", "ETERNITY", pop["dif_hours"].astype(float))
    balance = simulation.calculate("cpf_balance", "2024")
    seconds = time.perf_counter() - start
    cents = np.round(balance * 100).astype(np.int64)
    reference = numpy_reference(pop)
    return {
        "seconds": seconds,
        "holders": n,
        "exact": bool((cents == reference).all()),
        "wrong_cents": int((cents != reference).sum()),
    }


def _single(n: int) -> dict[str, object]:
    system = CpfTaxBenefitSystem()
    pop = population(n)
    start = time.perf_counter()
    cents = []
    for row in range(n):
        situation = {
            "persons": {
                "p": {
                    "worked_hours": {str(y): float(pop["hours"][y][row]) for y in YEARS},
                    "low_qualified": {"ETERNITY": bool(pop["low_qualified"][row])},
                    "dif_hours": {"ETERNITY": float(pop["dif_hours"][row])},
                }
            }
        }
        simulation = SimulationBuilder().build_from_entities(system, situation)
        simulation.trace = True
        simulation.max_spiral_loops = SPIRAL
        cents.append(round(float(simulation.calculate("cpf_balance", "2024")[0]) * 100))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "holders": n, "exact": cents == numpy_reference(pop).tolist()}


if __name__ == "__main__":
    mode, size = sys.argv[1], int(sys.argv[2])
    result = _vector(size) if mode == "vector" else _single(size)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
