"""Load test of ``cpf serve`` on loopback: concurrent clients for a fixed time.

Starts ``cpf serve`` (uvicorn, one worker) on a free 127.0.0.1 port, then runs N
asyncio clients (httpx, one keep-alive connection each) that post requests back to
back for D seconds, in a rotation of 11: 7 ``balance(2024)`` of a bundled example without
trace, 2 ``credit(2019)`` with the trace, 2 bad requests (bad facts, a bad question) that
must get their 422 problem. Prints the throughput, the p50/p99/max latency, the answers by
status and the error count: transport errors, 5xx, or a status other than the one
expected. Exit status 1 if there is any error. Run from the repository root::

    python bench/load_http.py                    # 50 clients, 20 seconds
    python bench/load_http.py --clients 10 --seconds 5

Needs the ``api`` extra (fastapi, uvicorn, httpx).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_latency import dumps, free_port, machine, start_server

from cpf_rules.yaml_io import load_yaml_text

ROOT = Path(__file__).resolve().parent.parent


def requests_mix(facts: object) -> list[tuple[str, int]]:
    """(body, expected status): 7 plain, 2 traced, 2 bad (facts, question), in this rotation."""
    plain = dumps({"facts": facts, "questions": ["balance(2024)"], "trace": False, "as_of": "2026-01-01"})
    traced = dumps({"facts": facts, "questions": ["credit(2019)"], "trace": True, "as_of": "2026-01-01"})
    bad_facts = json.dumps({"facts": {"years": [{"year": "2019"}]}, "questions": ["balance(2024)"]})
    bad_question = dumps({"facts": facts, "questions": ["balance(20x4)"]})
    return [(plain, 200)] * 7 + [(traced, 200)] * 2 + [(bad_facts, 422), (bad_question, 422)]


async def client_loop(
    base: str, mix: list[tuple[str, int]], offset: int, stop: float, timings: list[float], outcomes: Counter[str]
) -> None:
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        index = offset
        while time.perf_counter() < stop:
            body, expected = mix[index % len(mix)]
            index += 1
            started = time.perf_counter()
            try:
                response = await client.post("/v1/evaluate", content=body, headers=headers)
                await response.aread()
            except httpx.HTTPError as error:
                outcomes[f"error: {type(error).__name__}"] += 1
                continue
            timings.append((time.perf_counter() - started) * 1000)
            outcomes[str(response.status_code)] += 1
            if response.status_code != expected:
                outcomes[f"error: {response.status_code} instead of {expected}"] += 1


async def run_load(
    base: str, mix: list[tuple[str, int]], clients: int, seconds: float
) -> tuple[list[float], Counter[str], float]:
    timings: list[float] = []
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(*(client_loop(base, mix, i, stop, timings, outcomes) for i in range(clients)))
    return timings, outcomes, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration (default: 20)")
    parser.add_argument("--facts", type=Path, default=ROOT / "examples" / "employee_full_time.yaml")
    args = parser.parse_args(argv)
    facts = load_yaml_text(args.facts.read_text(encoding="utf-8"), str(args.facts))
    port = free_port()
    server = start_server(port)
    try:
        timings, outcomes, elapsed = asyncio.run(
            run_load(f"http://127.0.0.1:{port}", requests_mix(facts), args.clients, args.seconds)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = sum(count for name, count in outcomes.items() if name.startswith("error"))
    centiles = statistics.quantiles(timings, n=100, method="inclusive") if len(timings) > 1 else [0.0] * 99
    print(f"cpf serve under load: {args.clients} clients for {elapsed:.1f} s on {machine()}")
    print(f"  requests answered: {len(timings):,} ({len(timings) / elapsed:.1f} per second)")
    print(f"  latency: p50 {statistics.median(timings):.0f} ms, p99 {centiles[98]:.0f} ms, max {max(timings):.0f} ms")
    print("  statuses: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(outcomes.items()) if not k.startswith("error")))
    print(
        f"  errors: {errors}" + "".join(f"\n    {k}: {v}" for k, v in sorted(outcomes.items()) if k.startswith("error"))
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
