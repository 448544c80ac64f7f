"""Forecast speed: 100 queues x 12 weeks of 15-minute history, fit and forecast one week (auto).

Run from the project root::

    nice .venv/bin/python benchmarks/forecast_speed.py [--queues 100] [--n-jobs 2]

Target (issue 4): under 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np
import pandas as pd

from staffplan.forecast import forecast


def synthetic_history(queues: int, weeks: int = 12, seed: int = 0) -> pd.DataFrame:
    """Poisson counts with weekday and intraday shape; open 08:00-20:00 Mon-Sat (Amsterdam)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-05", tz="Europe/Amsterdam")
    end = (start.tz_localize(None) + pd.Timedelta(weeks=weeks)).tz_localize(start.tz)
    index = pd.date_range(start, end, freq="15min", inclusive="left")
    hour = index.hour + index.minute / 60
    wd = index.day_of_week.to_numpy()
    shape = np.clip(np.sin(np.pi * (hour - 8) / 12), 0, None) * (hour >= 8) * (hour < 20)
    shape = shape * (wd < 6) * np.array([1.2, 1.05, 1.0, 0.95, 0.9, 0.5, 0.0])[wd]
    frames = []
    for q in range(queues):
        peak = rng.uniform(2, 60)
        offered = rng.poisson(peak * shape * rng.gamma(50, 1 / 50, len(index))).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": index,
                    "queue": f"q{q:03d}",
                    "offered": offered,
                    "handled": offered,
                    "abandoned": 0.0,
                    "aht_s": np.where(offered > 0, 240.0, 0.0),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    history = synthetic_history(args.queues)
    print(f"history: {len(history):,} rows, {args.queues} queues, 12 weeks of 15-minute intervals")
    print(
        f"machine: nproc={os.cpu_count()}, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}"
    )
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = forecast(history, "7D", method="auto", n_jobs=args.n_jobs)
    seconds = time.perf_counter() - tic
    print(
        f"auto, n_jobs={args.n_jobs}: {len(fc):,} forecast rows in {seconds:.1f} s "
        f"({'PASS' if seconds < 120 else 'FAIL'}: target < 120 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
