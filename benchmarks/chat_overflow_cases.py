"""Voice agents who also take chats: the roster model against the simulation.

Sales (250 s, no patience, 80/20) and chat (506 s alone, concurrency 2, 80/60) from
``data/samples/plan.toml``, at the volumes of a generated centre's morning peak (24.6 sales
calls and 9 chats per 15 minutes), constant for four hours, agents at work all along with
fixed priority lists, no absence. Agents ``sales>chat`` answer sales first and take a chat
when free and no sales caller waits; while they hold a chat they take no call (the
simulation's rule). Each case prints the service level per queue over the four hours from
:func:`staffplan.pooling.evaluate_roster` and from the simulation (Student-t 95% interval).

    .venv/bin/python benchmarks/chat_overflow_cases.py [--replications 100] [--more]

``--more`` runs cases with first-chat agents who also take sales calls (``chat>sales``)
instead: they take a call whenever they hold no chat and no chat waits.
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

CONFIG = Path(__file__).resolve().parents[1] / "data" / "samples" / "plan.toml"
START = pd.Timestamp("2026-05-18 08:00", tz="Europe/Amsterdam")

# agents per priority list; (sales calls, chats) per 15 minutes
CASES = [
    {"sales": 6, "sales>chat": 4, "chat>sales": 3},
    {"sales": 6, "sales>chat": 4, "chat>sales": 2},
    {"sales": 8, "sales>chat": 4, "chat>sales": 2},
    {"sales": 4, "sales>chat": 6, "chat": 2},
    {"sales>chat": 10, "chat": 2},
]
MORE_CASES = [
    {"sales": 10, "chat": 5},
    {"sales": 10, "chat>sales": 5},
    {"sales": 9, "chat>sales": 6},
    {"sales": 11, "chat>sales": 4},
    {"sales": 10, "chat>sales": 3, "chat": 2},
]
VOLUMES = {"sales": (24.6, 250.0), "chat": (9.0, 506.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--more", action="store_true", help="the cases of MORE_CASES")
    args = parser.parse_args()
    config = load_config(CONFIG)
    starts = pd.date_range(START, periods=16, freq="15min")
    forecast = pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "queue": q, "calls": c, "aht_s": h})
            for q, (c, h) in VOLUMES.items()
        ],
        ignore_index=True,
    )
    print("| agents | queue | model | simulated [95% CI] | inside |")
    print("|---|---|---:|---:|:---:|")
    inside_all = total = 0
    for teams in MORE_CASES if args.more else CASES:
        work = pd.DataFrame(
            [
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
        )
        model = evaluate_roster(work, forecast, config, absence=0.0)
        model = model.merge(forecast, on=["interval_start", "queue"])
        sim = simulate(work, forecast, config, replications=args.replications, seed=1)
        sim = sim.queues.set_index("queue")
        label = ", ".join(f"{k} {v}" for k, v in teams.items())
        for queue in VOLUMES:
            group = model[model["queue"] == queue]
            expected = float(np.average(group["service_level"], weights=group["calls"]))
            lo, mid, hi = (sim.loc[queue, f"sim_service_level{s}"] for s in ("_lo", "", "_hi"))
            inside = lo <= expected <= hi
            inside_all += inside
            total += 1
            print(
                f"| {label} | {queue} | {expected:.1%} | {mid:.1%} [{lo:.1%}, {hi:.1%}] | "
                f"{'yes' if inside else 'no'} |"
            )
    print(f"\nmodel inside the simulated interval: {inside_all} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
