"""Start-up of whole ``cpf`` processes: wall and CPU time, cold and warm cache, and imports.

    python bench/startup.py [--runs 5] [--imports 15]

Times ``cpf evaluate examples/employee_full_time.yaml -q 'balance(2024)' --no-trace`` and
``cpf check`` (the bundled rules), each with a fresh empty ``CPF_CACHE_DIR`` (cold: Lark
builds its tables, every rule file is parsed, every legal reference validated) and with
a cache filled by a first run (warm), and prints the median of ``--runs`` runs. CPU time
(user + system of the child) is printed too: on a loaded machine it moves less than the
wall time. Then the modules that take longest to import in a warm ``cpf evaluate``
(``python -X importtime``, median of the runs).

Bytecode is cached as in an installed package: the child processes write it to a
private ``PYTHONPYCACHEPREFIX`` (never into the tree), even when the environment sets
``PYTHONDONTWRITEBYTECODE=1``; ``--no-bytecode`` measures processes that compile every
module's source again (about 100 ms more).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSONA = str(ROOT / "examples" / "employee_full_time.yaml")
COMMANDS = {
    "cpf evaluate … --no-trace": ["-m", "cpf_rules.cli", "evaluate", PERSONA, "-q", "balance(2024)", "--no-trace"],
    "cpf check": ["-m", "cpf_rules.cli", "check"],
    "python -c pass (the interpreter alone)": ["-c", "pass"],
}


BYTECODE: dict[str, str] = {}
"""Set by :func:`use_bytecode_cache`: the environment the child processes get for bytecode."""


def use_bytecode_cache(directory: str | None) -> None:
    """Children write and reuse bytecode under ``directory`` (None: they compile every time)."""
    BYTECODE.clear()
    if directory is not None:
        BYTECODE.update({"PYTHONPYCACHEPREFIX": directory, "PYTHONDONTWRITEBYTECODE": ""})
    else:
        BYTECODE["PYTHONDONTWRITEBYTECODE"] = "1"


def _run(arguments: list[str], cache: str, extra: list[str] | None = None) -> tuple[float, float, str]:
    env = {**os.environ, "CPF_CACHE_DIR": cache, **BYTECODE}
    if not env.get("PYTHONDONTWRITEBYTECODE"):
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, *(extra or []), *arguments], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{arguments} failed: {done.stderr.strip()[-300:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), done.stderr


def _measure(arguments: list[str], warm: bool, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as shared:
        if warm:
            _run(arguments, shared)
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as fresh:
                wall, cpu = _run(arguments, shared if warm else fresh)[:2]
            walls.append(wall)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def _imports(runs: int, top: int) -> list[tuple[str, float, float]]:
    """Median self and cumulative import time (ms) of the slowest modules of a warm evaluate."""
    own: dict[str, list[int]] = defaultdict(list)
    cumulative: dict[str, list[int]] = defaultdict(list)
    arguments = COMMANDS["cpf evaluate … --no-trace"]
    with tempfile.TemporaryDirectory() as cache:
        _run(arguments, cache)
        for _ in range(runs):
            for line in _run(arguments, cache, ["-X", "importtime"])[2].splitlines():
                if line.startswith("import time:") and "|" in line:
                    self_us, cumulative_us, name = (part.strip() for part in line[12:].split("|"))
                    if self_us.isdigit():
                        own[name].append(int(self_us))
                        cumulative[name].append(int(cumulative_us))
    names = sorted(cumulative, key=lambda n: -statistics.median(cumulative[n]))[:top]
    return [(n, statistics.median(own[n]) / 1000, statistics.median(cumulative[n]) / 1000) for n in names]


def process_table(runs: int) -> list[str]:
    """Markdown rows: each command, warm and cold cache, median wall and CPU time."""
    lines = ["| process | cache | wall (median) | CPU (median) |", "|---|---|---:|---:|"]
    for name, arguments in COMMANDS.items():
        for warm in (True, False):
            wall, cpu = _measure(arguments, warm, runs)
            lines.append(f"| {name} | {'warm' if warm else 'cold'} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--imports", type=int, default=15, help="how many modules to list (0: none)")
    parser.add_argument("--no-bytecode", action="store_true", help="children compile every module's source")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as pycache:
        use_bytecode_cache(None if args.no_bytecode else pycache)
        bytecode = "compiled by every process" if args.no_bytecode else "cached"
        print(f"{os.cpu_count()} cores, load average {load:.2f}, Python {sys.version.split()[0]}, bytecode {bytecode}")
        print("\n".join(process_table(args.runs)))
        if args.imports:
            print("\n| module (warm `cpf evaluate`) | self | cumulative |\n|---|---:|---:|")
            for name, own, cumulative in _imports(args.runs, args.imports):
                print(f"| {name} | {own:.1f} ms | {cumulative:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
