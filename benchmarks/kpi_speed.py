"""KPI report speed: a month of agent-state logs for 1,000 agents (about 3 million records).

Generates a seeded synthetic month (March 2026, with the switch to summer time) for the
sample centre's queues: each agent works about 22 shifts, each shift a run of available /
on-contact / wrap-up records with a break and a lunch; a roster and planned activities (for
adherence), an interval history consistent with the contacts, and agents.csv. Then times
:func:`staffplan.kpi.kpi_report` (validation, every table, recommendations, figures, the HTML
page and the JSON dict) for period week and by agent.

    .venv/bin/python benchmarks/kpi_speed.py [--agents 1000] [--repeat 1] [--text]

``--text`` also times the state log as a CSV reader gives it (ISO 8601 text cells), which
adds the timestamp parsing. Prints the record count and the timings; the bar is 60 s.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from staffplan.config import load_config
from staffplan.kpi import kpi_report

ROOT = Path(__file__).parents[1]
TZ = "Europe/Amsterdam"
QUEUES = np.array(["sales", "support", "chat", "email"])
TEAMS = np.array([f"Team {i + 1:02d}" for i in range(40)])


def synthetic_month(n_agents: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """State log, roster, activities, history and agents for March 2026 (vectorised)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-03-01", "2026-03-31", freq="D")
    # ~22 working days per agent: Mon-Sat with random days off
    works = rng.random((n_agents, len(days))) < np.where(days.day_of_week < 6, 0.82, 0.0)
    agent, day = np.nonzero(works)
    n_shift = agent.size
    start_h = rng.choice([8.0, 9.0, 10.0, 11.0, 12.0], n_shift)
    local = (days[day] + pd.to_timedelta(start_h, unit="h")).tz_localize(TZ)
    shift0 = local.as_unit("ns").asi8 // 10**9  # epoch seconds
    n_contacts = rng.integers(40, 52, n_shift)  # contacts per shift
    n_rec = 3 * n_contacts + 2  # available, talk, wrap-up per contact; break and lunch
    shift_of = np.repeat(np.arange(n_shift), n_rec)
    pos = np.arange(shift_of.size) - np.repeat(np.cumsum(n_rec) - n_rec, n_rec)
    kind = np.where(pos >= 3 * n_contacts[shift_of], 3 + pos - 3 * n_contacts[shift_of], pos % 3)
    # move break and lunch into the shift: after contact k = n/3 and 2n/3
    k_break, k_lunch = n_contacts // 3, 2 * n_contacts // 3
    slot = np.where(kind == 3, 3 * k_break[shift_of] + 2.5, pos.astype(float))
    slot = np.where(kind == 4, 3 * k_lunch[shift_of] + 2.5, slot)
    order = np.lexsort((slot, shift_of))
    shift_of, kind = shift_of[order], kind[order]
    dur = (
        np.select(
            [kind == 0, kind == 1, kind == 2, kind == 3],
            [
                rng.exponential(70.0, kind.size) + 5,
                rng.lognormal(np.log(260.0), 0.5, kind.size),
                rng.lognormal(np.log(45.0), 0.4, kind.size),
                np.full(kind.size, 900.0),
            ],
            np.full(kind.size, 1800.0),
        )
        .round()
        .astype(np.int64)
    )
    offset = np.cumsum(dur) - np.repeat(np.cumsum(np.bincount(shift_of, weights=dur))
                                        - np.bincount(shift_of, weights=dur), n_rec)  # fmt: skip
    end = shift0[shift_of] + offset.astype(np.int64)
    start = end - dur
    names = np.array(["available", "on_contact", "after_contact_work", "break", "lunch"])
    skill = rng.choice(len(QUEUES), n_agents, p=[0.4, 0.45, 0.1, 0.05])
    contact = (kind == 1) | (kind == 2)
    ids = np.array([f"B{i:04d}" for i in range(n_agents)])
    states = pd.DataFrame(
        {
            "agent_id": ids[agent[shift_of]],
            "state_start": pd.to_datetime(start, unit="s", utc=True).tz_convert(TZ),
            "state_end": pd.to_datetime(end, unit="s", utc=True).tz_convert(TZ),
            "state": names[kind],
            "queue": np.where(contact, QUEUES[skill[agent[shift_of]]], ""),
        }
    )
    # the roster and plan: the shift as worked, the break and lunch planned 0-10 minutes off
    last = np.cumsum(n_rec) - 1
    shift_end = end[last]
    roster = pd.DataFrame(
        {
            "agent_id": ids[agent],
            "date": days[day].strftime("%Y-%m-%d"),
            "shift_start": pd.to_datetime(shift0, unit="s", utc=True).tz_convert(TZ),
            "shift_end": pd.to_datetime(shift_end, unit="s", utc=True).tz_convert(TZ),
            "paid_hours": (shift_end - shift0 - 1800) / 3600.0,
            "queues": QUEUES[skill[agent]],
        }
    )
    b0 = start[kind == 3] + rng.integers(-600, 600, n_shift)
    l0 = start[kind == 4] + rng.integers(-600, 600, n_shift)
    cuts = np.stack([shift0, b0, b0 + 900, l0, l0 + 1800, shift_end], axis=1)
    act_kind = np.array(["work", "break", "work", "lunch", "work"])
    activities = pd.DataFrame(
        {
            "agent_id": np.repeat(ids[agent], 5),
            "start": pd.to_datetime(cuts[:, :-1].ravel(), unit="s", utc=True).tz_convert(TZ),
            "end": pd.to_datetime(cuts[:, 1:].ravel(), unit="s", utc=True).tz_convert(TZ),
            "activity": np.tile(act_kind, n_shift),
            "queue": np.where(np.tile(act_kind, n_shift) == "work",
                              np.repeat(QUEUES[skill[agent]], 5), ""),
        }
    )  # fmt: skip
    # history: handled = contacts started per interval and queue; some abandoned
    talk = kind == 1
    iv = (start[talk] // 900) * 900
    hist = pd.DataFrame({"iv": iv, "queue": states["queue"].to_numpy()[talk], "h": dur[talk]})
    hist = hist.groupby(["iv", "queue"]).agg(handled=("h", "size"), aht_s=("h", "mean"))
    hist = hist.reset_index()
    hist["abandoned"] = rng.binomial(hist["handled"], 0.04)
    hist["offered"] = hist["handled"] + hist["abandoned"]
    hist["answered_in_sl"] = rng.binomial(hist["handled"], 0.8)
    hist["sl_threshold_s"] = 20
    hist.insert(
        0, "interval_start", pd.to_datetime(hist.pop("iv"), unit="s", utc=True).dt.tz_convert(TZ)
    )
    hist = hist[["interval_start", "queue", "offered", "handled", "abandoned", "aht_s",
                 "answered_in_sl", "sl_threshold_s"]]  # fmt: skip
    agents = pd.DataFrame(
        {
            "agent_id": ids,
            "name": [f"Agent {i}" for i in range(n_agents)],
            "team": TEAMS[np.arange(n_agents) % len(TEAMS)],
            "skills": [f"{QUEUES[s]}:1" for s in skill],
            "min_hours_week": 24,
            "max_hours_week": 40,
            "cost_per_hour": np.round(rng.uniform(18, 28, n_agents), 2),
        }
    )
    return {"states": states, "roster": roster, "activities": activities, "history": hist,
            "agents": agents}  # fmt: skip


def _iso(values: pd.Series) -> pd.Series:
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text.str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--text", action="store_true", help="also time text (CSV) cells")
    args = parser.parse_args()
    config = load_config(ROOT / "data" / "samples" / "plan.toml")
    t0 = time.perf_counter()
    data = synthetic_month(args.agents)
    print(f"generated in {time.perf_counter() - t0:.1f} s: {len(data['states']):,} state records, "
          f"{len(data['activities']):,} activities, {len(data['history']):,} history rows, "
          f"{args.agents:,} agents")  # fmt: skip
    print(f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}")
    states = data.pop("states")
    history = data.pop("history")
    runs = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = kpi_report(states, history, config, period="week", by="agent", **data)
        runs.append(time.perf_counter() - t)
    print(f"kpi_report, typed frames: {min(runs):.1f} s (best of {len(runs)}; bar 60 s)")
    print(f"  {len(report.operators):,} operator-weeks, {len(report.intervals):,} interval rows, "
          f"{len(report.recommendations)} recommendations, "
          f"html {len(report.html) / 1e6:.1f} MB")  # fmt: skip
    if args.text:
        text = states.assign(
            state_start=_iso(states["state_start"]), state_end=_iso(states["state_end"])
        ).astype(str)
        t = time.perf_counter()
        kpi_report(text, history, config, period="week", by="agent", figures=False, **data)
        print(f"kpi_report, text cells (timestamps parsed), no figures: "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
