"""Stage timings of the weekly plan on the sample centre (what `make demo` runs).

    .venv/bin/python benchmarks/plan_stages.py [--repeat 2] [--simulate 10]

Prints each stage's seconds (median over the repeats) and the total; the schedule stage is
bounded by ``[solver] time_limit_s`` of the sample's plan.toml.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

from staffplan.pipeline import run_plan

SAMPLES = Path(__file__).parents[1] / "data" / "samples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--simulate", type=int, default=0)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            result = run_plan(
                SAMPLES / "history.csv",
                SAMPLES / "plan.toml",
                out,
                agents_path=SAMPLES / "agents.csv",
                availability_path=SAMPLES / "availability.csv",
                simulate=args.simulate,
            )
            runs.append({**result.timings, "total": time.perf_counter() - start})
    print(f"python {platform.python_version()}, {args.repeat} runs, median seconds")
    for stage in runs[0]:
        print(f"{stage:14s} {statistics.median(r[stage] for r in runs):7.2f}")


if __name__ == "__main__":
    main()
