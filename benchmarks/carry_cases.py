"""Callers left waiting: the roster model with and without the carry-over, against the
simulation, on one voice queue whose load falls after a peak.

One team of agents at work for four hours, arrivals constant within each block of the
pattern (calls per 15 minutes), queues from ``tests/data/good/plan.toml`` (sales: no
patience, 80/20; support: 120 s patience, 80/30). Per case: the service level over the
four hours from :func:`staffplan.pooling.evaluate_roster` with the carry-over (callers an
interval leaves waiting beyond the next interval's stationary queue join that interval;
``_carried_load``) and without it (``_CARRY_PASSES = 0``), and from the simulation
(Student-t 95% interval over the replications). With ``--intervals N`` the per-interval
service levels of case N are printed too.

    .venv/bin/python benchmarks/carry_cases.py [--replications 200] [--seed 1] [--intervals 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from staffplan import pooling
from staffplan.config import load_config
from staffplan.simulation import simulate

CONFIG = Path(__file__).resolve().parents[1] / "tests" / "data" / "good" / "plan.toml"
START = pd.Timestamp("2026-03-02 08:00", tz="Europe/Amsterdam")

# (queue, agents, calls per 15 minutes for each of the 16 intervals, AHT s, absence)
CASES = [
    ("support", 15, [48] * 8 + [36] * 8, 300.0, 0.0),
    ("support", 15, [44] * 8 + [30] * 8, 300.0, 0.0),
    ("sales", 15, ([42] * 4 + [30] * 4) * 2, 300.0, 0.0),
    ("sales", 20, [60] * 8 + [45] * 8, 270.0, 0.0),
    ("sales", 20, [36] * 12 + [24] * 4, 300.0, 0.3),
    ("sales", 20, [32] * 12 + [20] * 4, 300.0, 0.3),
    ("support", 20, [40] * 12 + [28] * 4, 300.0, 0.3),
]


def _team(queue: str, agents: int, hours: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": [f"{queue}-{i}" for i in range(agents)],
            "start": START,
            "end": START + pd.Timedelta(hours=hours),
            "activity": "work",
            "queue": queue,
        }
    )


def _model(work, forecast, config, absence: float, passes: int) -> pd.DataFrame:
    saved = pooling._CARRY_PASSES
    pooling._CARRY_PASSES = passes
    try:
        got = pooling.evaluate_roster(work, forecast, config, absence=absence)
    finally:
        pooling._CARRY_PASSES = saved
    return got.merge(forecast, on=["interval_start", "queue"])


def _weekly(frame: pd.DataFrame) -> float:
    return float(np.average(frame["service_level"], weights=frame["calls"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--intervals", type=int, default=0, metavar="N")
    args = parser.parse_args()
    config = load_config(CONFIG)
    print(
        "| case | queue | agents | calls / 15 min | AHT s | absence | with carry-over | without "
        "| simulated [95% CI] |"
    )
    print("|---:|---|---:|---|---:|---:|---:|---:|---:|")
    detail = None
    for number, (queue, agents, pattern, aht, absence) in enumerate(CASES, start=1):
        starts = pd.date_range(START, periods=len(pattern), freq="15min")
        forecast = pd.DataFrame(
            {"interval_start": starts, "queue": queue, "calls": pattern, "aht_s": aht}
        )
        work = _team(queue, agents, len(pattern) // 4)
        carried = _model(work, forecast, config, absence, pooling._CARRY_PASSES)
        plain = _model(work, forecast, config, absence, 0)
        sim = simulate(
            work, forecast, config, replications=args.replications, seed=args.seed, absence=absence
        )
        totals = sim.queues.set_index("queue")
        lo, mid, hi = (totals.loc[queue, f"sim_service_level{k}"] for k in ("_lo", "", "_hi"))
        blocks = " then ".join(f"{calls}×{len(list(group))}" for calls, group in _runs(pattern))
        print(
            f"| {number} | {queue} | {agents} | {blocks} | {aht:.0f} | {absence:.0%} | "
            f"{_weekly(carried):.2%} | {_weekly(plain):.2%} | {mid:.2%} [{lo:.2%}, {hi:.2%}] |"
        )
        if number == args.intervals:
            intervals = sim.intervals[sim.intervals["queue"] == queue]
            detail = pd.DataFrame(
                {
                    "start": starts.strftime("%H:%M"),
                    "calls": pattern,
                    "with carry-over": 100 * carried["service_level"].to_numpy(),
                    "without": 100 * plain["service_level"].to_numpy(),
                    "simulated": 100 * intervals["sim_service_level"].to_numpy(),
                }
            )
    if detail is not None:
        print(f"\ncase {args.intervals}, service level per interval, %")
        print(detail.round(1).to_string(index=False))
    return 0


def _runs(pattern: list[int]):
    out: list[tuple[int, list[int]]] = []
    for calls in pattern:
        if out and out[-1][0] == calls:
            out[-1][1].append(calls)
        else:
            out.append((calls, [calls]))
    return out


if __name__ == "__main__":
    sys.exit(main())
