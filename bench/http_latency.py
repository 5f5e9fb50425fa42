"""Latency of ``POST /v1/evaluate`` over loopback HTTP, for a bundled persona.

Starts ``cpf serve`` (uvicorn, one worker) on a free 127.0.0.1 port, sends a bounded
number of sequential requests with one keep-alive httpx connection, and prints the
median, p90, p99 and maximum client-side latency (request sent → response read), with
and without the trace, and the machine it ran on. Run from the repository root::

    python bench/http_latency.py                     # 300 requests per variant
    python bench/http_latency.py --requests 1000 --question 'credit(2019)'

Needs the ``api`` extra (fastapi, uvicorn, httpx).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from cpf_rules.version import __version__
from cpf_rules.yaml_io import load_yaml_text

ROOT = Path(__file__).resolve().parent.parent


def dumps(value: Any) -> str:
    """JSON with decimals written exactly (the facts' 1200.00 stays 1200.00)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "cpf_rules.cli", "serve", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)  # noqa: S603 - our own command
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"cpf serve did not start: {process.communicate()[1]}")


def measure(client: httpx.Client, body: str, requests: int, warmup: int) -> list[float]:
    headers = {"content-type": "application/json"}
    for _ in range(warmup):
        client.post("/v1/evaluate", content=body, headers=headers).raise_for_status()
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.post("/v1/evaluate", content=body, headers=headers)
        response.read()
        timings.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    return timings


def summary(timings: list[float]) -> dict[str, float]:
    centiles = statistics.quantiles(timings, n=100, method="inclusive")
    return {
        "median": statistics.median(timings),
        "p90": centiles[89],
        "p99": centiles[98],
        "max": max(timings),
    }


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, cpf-rules {__version__}, load average {load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=Path, default=ROOT / "examples" / "employee_full_time.yaml")
    parser.add_argument("--question", default="balance(2024)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per variant (default: 300)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default: 20)")
    args = parser.parse_args(argv)
    facts = load_yaml_text(args.facts.read_text(encoding="utf-8"), str(args.facts))
    port = free_port()
    server = start_server(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            rows = []
            for trace in (False, True):
                body = dumps({"facts": facts, "questions": [args.question], "trace": trace, "as_of": "2026-01-01"})
                stats = summary(measure(client, body, args.requests, args.warmup))
                rows.append((trace, stats))
    finally:
        server.terminate()
        server.wait(timeout=10)
    shown = args.facts.relative_to(ROOT) if args.facts.is_relative_to(ROOT) else args.facts
    print(f"POST /v1/evaluate, {shown}, {args.question}: {args.requests} sequential requests per row")
    print(f"machine: {machine()}\n")
    print("| trace | median | p90 | p99 | max |")
    print("|---|---|---|---|---|")
    for trace, stats in rows:
        cells = " | ".join(f"{stats[key]:.1f} ms" for key in ("median", "p90", "p99", "max"))
        print(f"| {'yes' if trace else 'no'} | {cells} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
