"""Expected (analytic) against simulated service of the sample plan's roster, per queue.

    .venv/bin/python benchmarks/sim_vs_analytic.py [--replications 30] [--seed 1]
                                                   [--plan-dir DIR]

Without ``--plan-dir`` the weekly plan of the sample centre is made first (about a minute:
the roster solver runs to its ``time_limit_s``); with it, the plan written there by
``staffplan plan`` is read (``forecast.csv``, ``activities.csv``, ``roster.csv``,
``coverage.csv``, ``plan.toml``). The roster is then evaluated by

* the pooled roster model (:func:`staffplan.evaluate.evaluate_roster` through
  ``evaluate_coverage(..., activities=, roster=)``): the expected service level, ASA and
  abandonment the issue-7 acceptance compares;
* the per-queue model (coverage only, each queue with its share of the agents), for
  reference;
* the discrete-event simulation (:func:`staffplan.simulation.simulate`) with shrinkage as
  day absence, ``--replications`` replications, Student-t 95% confidence intervals.

Prints one row per queue and exits 1 when a queue's expected service level is below its
target or outside the simulated 95% confidence interval (ASA and abandonment are printed,
not judged). The comparison covers the contacts the simulation scores: it leaves out email
items whose deadline falls after the horizon, so the expected figure printed is weighted the
same way (``weekly_service(..., scored=)``); the target is checked over every contact.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffplan.config import load_config
from staffplan.evaluate import evaluate_coverage, weekly_service
from staffplan.simulation import simulate

SAMPLES = Path(__file__).parents[1] / "data" / "samples"


def _read(path: Path, times: tuple[str, ...], tz) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"queue": "string", "queues": "string", "agent_id": str})
    for column in times:
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(tz)
    return frame


def _plan(folder: Path | None):
    if folder is None:
        from staffplan.pipeline import run_plan

        out = Path(tempfile.mkdtemp(prefix="sim_vs_analytic_"))
        start = time.perf_counter()
        result = run_plan(
            SAMPLES / "history.csv",
            SAMPLES / "plan.toml",
            out,
            agents_path=SAMPLES / "agents.csv",
            availability_path=SAMPLES / "availability.csv",
        )
        print(f"plan of the sample centre made in {time.perf_counter() - start:.0f} s: {out}")
        s = result.schedule
        return result.config, result.forecast, s.activities, s.roster, s.coverage, out
    config = load_config(folder / "plan.toml")
    tz = config.center.timezone
    forecast = _read(folder / "forecast.csv", ("interval_start",), tz)
    activities = _read(folder / "activities.csv", ("start", "end"), tz)
    roster = _read(folder / "roster.csv", ("shift_start", "shift_end"), tz)
    coverage = _read(folder / "coverage.csv", ("interval_start",), tz)
    return config, forecast, activities, roster, coverage, folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plan-dir", type=Path, default=None)
    args = parser.parse_args()
    config, forecast, activities, roster, coverage, folder = _plan(args.plan_dir)
    coverage = coverage[["interval_start", "queue", "required", "scheduled"]]

    start = time.perf_counter()
    pooled = evaluate_coverage(coverage, forecast, config, activities=activities, roster=roster)
    pooled_s = time.perf_counter() - start
    split = evaluate_coverage(coverage, forecast, config)
    start = time.perf_counter()
    sim = simulate(
        activities,
        forecast,
        config,
        roster=roster,
        replications=args.replications,
        seed=args.seed,
        absence=config.center.shrinkage,
    )
    sim_s = time.perf_counter() - start

    # compared over the contacts the simulation scores (email items due after the horizon
    # are not); the target is checked on every contact
    expected = weekly_service(pooled, config, scored=sim.intervals).set_index("queue")
    every = weekly_service(pooled, config).set_index("queue")["service_level"]
    split_weekly = weekly_service(split, config, scored=sim.intervals).set_index("queue")
    per_queue = split_weekly["service_level"]
    simulated = sim.queues.set_index("queue")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cpus; plan {folder}; "
        f"simulation: {args.replications} replications, seed {args.seed}, "
        f"absence {config.center.shrinkage:g} ({sim_s:.0f} s); pooled evaluation "
        f"(forecast and upper band) {pooled_s:.2f} s"
    )
    header = (
        f"{'queue':8s} {'target':>6s} {'per-q':>6s} {'SL':>6s} {'sim SL [95% CI]':>24s} "
        f"{'ok':>3s} {'ASA':>6s} {'sim ASA [95% CI]':>22s} {'aband':>6s} "
        f"{'sim aband [95% CI]':>22s}"
    )
    print(header)
    failed = []
    for queue in expected.index:
        e, s = expected.loc[queue], simulated.loc[queue]
        lo, mid, hi = (s[f"sim_service_level{k}"] for k in ("_lo", "", "_hi"))
        ok = lo <= e["service_level"] <= hi and every[queue] >= e["target_service_level"]
        if not ok:
            failed.append(str(queue))
        print(
            f"{queue:8s} {e['target_service_level']:6.1%} {per_queue[queue]:6.1%} "
            f"{e['service_level']:6.1%} {mid:8.1%} [{lo:6.1%}, {hi:6.1%}] "
            f"{'yes' if ok else 'NO':>3s} {_num(e.get('asa_s'), '6.1f')} "
            f"{_ci(s, 'asa_s', '6.1f')} {_num(e.get('abandon_rate'), '6.1%')} "
            f"{_ci(s, 'abandon_rate', '6.1%') if config.queue(str(queue)).patience_s else ''}"
        )
    if failed:
        print(f"disagreement: {', '.join(failed)}")
        return 1
    print("every queue meets its target and agrees with the simulation")
    return 0


def _num(value, fmt: str) -> str:
    return format(value, fmt) if value is not None and np.isfinite(value) else f"{'-':>6s}"


def _ci(row: pd.Series, name: str, fmt: str) -> str:
    mid, lo, hi = (row[f"sim_{name}{k}"] for k in ("", "_lo", "_hi"))
    if not np.isfinite(mid):
        return f"{'-':>22s}"
    return f"{format(mid, fmt)} [{format(lo, fmt)}, {format(hi, fmt)}]"


if __name__ == "__main__":
    sys.exit(main())
