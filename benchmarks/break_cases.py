"""Breaks and shift ends: the roster model against the simulation on one voice queue.

24 sales agents (16 in the last two cases) in two 4-hour relays (half from 08:00, half from
10:00), each with two 15-minute breaks staggered so that an eighth of the agents leave for a
break at each quarter hour while another eighth come back. Sales from
``tests/data/good/plan.toml`` (no patience, 80/20), constant arrivals for six hours, no
absence. Per case: the service level over the six hours from
:func:`staffplan.pooling.evaluate_roster` with the handover (an agent on a call when his work
ends finishes it and comes back from the break late by that time; :func:`_handover`),
without it (the calls handed to the agents still there), and from the simulation (Student-t
95% interval over the replications).

    .venv/bin/python benchmarks/break_cases.py [--replications 200] [--seed 1]
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

# (agents, calls per 15 minutes, handle time in seconds)
CASES = [
    (24, 16, 300.0),
    (24, 18, 300.0),
    (24, 20, 300.0),
    (24, 22, 300.0),
    (24, 24, 240.0),
    (24, 27, 240.0),
    (16, 20, 180.0),
    (16, 25, 180.0),
]


def relay(agents: int) -> pd.DataFrame:
    """Work and break activities of the relay (see the module docstring)."""
    q15 = pd.Timedelta(minutes=15)
    rows = []
    for i in range(agents):
        start = START + (pd.Timedelta(hours=2) if i % 2 else pd.Timedelta(0))
        first_break = start + pd.Timedelta(minutes=45) + q15 * ((i // 2) % 4)
        second_break = first_break + pd.Timedelta(hours=2)
        rows += [
            (f"a{i}", start, first_break, "work", "sales"),
            (f"a{i}", first_break, first_break + q15, "break", None),
            (f"a{i}", first_break + q15, second_break, "work", "sales"),
            (f"a{i}", second_break, second_break + q15, "break", None),
            (f"a{i}", second_break + q15, start + pd.Timedelta(hours=4), "work", "sales"),
        ]
    return pd.DataFrame(rows, columns=["agent_id", "start", "end", "activity", "queue"])


def _weekly(work, forecast, config) -> float:
    got = pooling.evaluate_roster(work, forecast, config, absence=0.0)
    got = got.merge(forecast, on=["interval_start", "queue"])
    return float(np.average(got["service_level"], weights=got["calls"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = load_config(CONFIG)
    handover = pooling._handover
    print("| agents | calls / 15 min | AHT s | with handover | without | simulated [95% CI] |")
    print("|---:|---:|---:|---:|---:|---:|")
    inside = {"with": 0, "without": 0}
    for agents, calls, aht in CASES:
        starts = pd.date_range(START, periods=24, freq="15min")
        forecast = pd.DataFrame(
            {"interval_start": starts, "queue": "sales", "calls": float(calls), "aht_s": aht}
        )
        work = relay(agents)
        model = _weekly(work, forecast, config)
        pooling._handover = lambda *a: a[6]  # the load unchanged
        try:
            plain = _weekly(work, forecast, config)
        finally:
            pooling._handover = handover
        sim = simulate(
            work, forecast, config, replications=args.replications, seed=args.seed
        ).queues.set_index("queue")
        lo, mid, hi = (sim.loc["sales", f"sim_service_level{k}"] for k in ("_lo", "", "_hi"))
        inside["with"] += lo <= model <= hi
        inside["without"] += lo <= plain <= hi
        print(
            f"| {agents} | {calls} | {aht:.0f} | {model:.2%} | {plain:.2%} | "
            f"{mid:.2%} [{lo:.2%}, {hi:.2%}] |"
        )
    print(
        f"\ninside the simulated interval: with the handover {inside['with']} of {len(CASES)}, "
        f"without {inside['without']} of {len(CASES)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
