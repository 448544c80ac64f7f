"""Controlled multi-skill cases: the pooled roster model against the simulation.

Two voice queues (sales: 240 s, no patience, 80/20; support: 360 s, 120 s patience, 80/30,
from ``tests/data/good/plan.toml``), constant arrivals for four hours, agents at work all
along with fixed priority lists. Each case prints the service level per queue over the four
hours from :func:`staffplan.pooling.evaluate_roster` and from the simulation (Student-t 95%
interval over the replications), and whether the model lies inside it. The cases span
disjoint teams, one-way and two-way cross-training and full flexibility, with and without
absence: any model of priority routing across skills must get all of them right.

    .venv/bin/python benchmarks/multiskill_cases.py [--replications 40] [--more]

``--more`` runs the cases that locate the model's remaining voice errors instead (one team
helped by the other queue's team, no absence; see BENCHMARKS.md, "Where the voice model is
wrong with no absence").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from staffplan.config import load_config
from staffplan.pooling import evaluate_roster
from staffplan.simulation import simulate

CONFIG = Path(__file__).resolve().parents[1] / "tests" / "data" / "good" / "plan.toml"
START = pd.Timestamp("2026-03-02 08:00", tz="Europe/Amsterdam")

# (agents per priority list, sales calls and support calls per 15 minutes, absence)
CASES = [
    ({"sales": 10, "support": 12}, 35, 32, 0.0),
    ({"sales": 10, "support": 12, "sales>support": 3, "support>sales": 3}, 35, 32, 0.0),
    ({"sales": 10, "support": 12, "sales>support": 3, "support>sales": 3}, 35, 32, 0.3),
    ({"sales": 6, "support": 14, "sales>support": 6}, 30, 40, 0.0),
    ({"sales": 12, "support": 8, "support>sales": 6}, 30, 40, 0.0),
    ({"sales>support": 12, "support>sales": 12}, 40, 40, 0.0),
    ({"sales>support": 12, "support>sales": 12}, 30, 30, 0.0),
    ({"sales": 8, "support": 8, "sales>support": 4, "support>sales": 4}, 40, 25, 0.0),
]


def case_frames(teams: dict[str, int], sales: float, support: float):
    """The forecast and the work activities of one case."""
    starts = pd.date_range(START, periods=16, freq="15min")
    forecast = pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "queue": q, "calls": c, "aht_s": aht})
            for q, c, aht in (("sales", sales, 240.0), ("support", support, 360.0))
        ],
        ignore_index=True,
    )
    rows = [
        {
            "agent_id": f"{queues}-{i}",
            "start": START,
            "end": START + pd.Timedelta(hours=4),
            "activity": "work",
            "queue": queues,
        }
        for queues, count in teams.items()
        for i in range(count)
    ]
    return forecast, pd.DataFrame(rows)


# one queue's team helped by (or helping) the other's, no absence (``--more``)
MORE_CASES = [
    ({"sales": 12, "support": 10}, 30, 25, 0.0),
    ({"sales": 12, "support>sales": 10}, 30, 25, 0.0),
    ({"sales>support": 12, "support": 10}, 30, 25, 0.0),
    ({"sales": 9, "sales>support": 4, "support": 12}, 30, 25, 0.0),
    ({"sales": 7, "support>sales": 4, "support": 12}, 30, 25, 0.0),
    ({"sales": 9, "support>sales": 4, "support": 10}, 30, 25, 0.0),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--more", action="store_true", help="the cases of MORE_CASES")
    args = parser.parse_args()
    config = load_config(CONFIG)
    print(
        "| agents | calls / 15 min (sales, support) | absence | queue | model | "
        "simulated [95% CI] | inside |"
    )
    print("|---|---|---:|---|---:|---:|:---:|")
    inside_all = 0
    total = 0
    for teams, sales, support, absence in MORE_CASES if args.more else CASES:
        forecast, work = case_frames(teams, sales, support)
        model = evaluate_roster(work, forecast, config, absence=absence)
        model = model.merge(forecast, on=["interval_start", "queue"])
        sim = simulate(
            work, forecast, config, replications=args.replications, seed=1, absence=absence
        ).queues.set_index("queue")
        label = ", ".join(f"{k} {v}" for k, v in teams.items())
        for queue, group in model.groupby("queue"):
            expected = float(np.average(group["service_level"], weights=group["calls"]))
            lo, mid, hi = (sim.loc[queue, f"sim_service_level{s}"] for s in ("_lo", "", "_hi"))
            inside = lo <= expected <= hi
            inside_all += inside
            total += 1
            print(
                f"| {label} | {sales:g}, {support:g} | {absence:.0%} | {queue} | "
                f"{expected:.1%} | {mid:.1%} [{lo:.1%}, {hi:.1%}] | {'yes' if inside else 'no'} |"
            )
    print(f"\nmodel inside the simulated interval: {inside_all} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
