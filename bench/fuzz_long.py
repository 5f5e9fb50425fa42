"""Run the fuzz targets longer than CI does, and report how many inputs each one tried.

    python bench/fuzz_long.py              # 10× the CI example counts, a new random seed
    python bench/fuzz_long.py --scale 1    # exactly the bounded CI run (derandomised)
    python bench/fuzz_long.py --scale 50 -k facts

Runs tests/test_fuzz_*.py with ``CPF_FUZZ_SCALE`` set (tests/fuzzing.py multiplies every
example count by it; above 1 the runs are random, so each long run explores new inputs).
Exit status: pytest's (0 when every input gave a value or a coded diagnostic).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="multiplier of the CI example counts (default 10)")
    parser.add_argument("-k", default=None, help="pytest -k expression to select targets")
    args = parser.parse_args()
    os.environ["CPF_FUZZ_SCALE"] = str(args.scale)
    os.chdir(ROOT)
    import pytest

    argv = ["-q", "-p", "no:cacheprovider", *sorted(str(p) for p in (ROOT / "tests").glob("test_fuzz_*.py"))]
    if args.k:
        argv += ["-k", args.k]
    started = time.perf_counter()
    status = pytest.main(argv)
    elapsed = time.perf_counter() - started
    fuzzing = sys.modules.get("fuzzing")
    tried = dict(fuzzing.TRIED) if fuzzing is not None else {}
    print(f"\nfuzz run, scale {args.scale:g}, {elapsed:.0f} s:")
    for target, count in sorted(tried.items()):
        print(f"  {count:>7,}  {target}")
    print(f"  {sum(tried.values()):>7,}  inputs in all; exit status {int(status)}")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
