"""Agent history of the sample centre: who worked in which team, from when to when, and why
they left, over the two years up to the end of the interval history.

Current agents (those of ``agents.csv``) have no end date; their start follows their tenure
(which also sets their pay). A few moved between teams inside the window (a closed stint with
``internal_move``, then their current team). Leavers are extra agent ids: about a third of
the head count per year, most of them voluntary and many within their first year.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffplan.sample.agents import TEAMS
from staffplan.sample.plan import HISTORY_DAYS, HISTORY_START, STATES_START

__all__ = ["AGENT_HISTORY_START", "LEAVING_REASONS", "build_agent_history"]

#: Last day of the interval history; the agent history runs for two years up to it.
_END = HISTORY_START + dt.timedelta(days=HISTORY_DAYS - 1)
AGENT_HISTORY_START = _END - dt.timedelta(days=2 * 365 - 1)
LEAVING_REASONS = ("voluntary", "involuntary", "internal_move", "contract_end")
_REASON_P = (0.55, 0.14, 0.13, 0.18)
_LEAVERS_PER_MONTH = 3.2  # mean; ~32% of a 120-agent head count per year
_SEASON = (1.3, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.2, 1.3, 0.9, 0.8, 0.8)  # Jan..Dec
_TENURE_MEDIAN_DAYS = 300.0  # of leavers
_TEAM_MOVERS = 0.08  # share of current agents who changed team inside the window


def build_agent_history(
    agents: pd.DataFrame, tenure_years: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Employment stints of current agents and leavers.

    Parameters
    ----------
    agents : pandas.DataFrame
        The current agents (``agent_id``, ``team``).
    tenure_years : numpy.ndarray
        Years each current agent has worked at the centre at the end of the history.
    rng : numpy.random.Generator
        The random stream of the agent history.

    Returns
    -------
    pandas.DataFrame
        ``agent_id``, ``team``, ``start_date``, ``end_date`` (``YYYY-MM-DD``; ``end_date`` is
        the last day worked in that team, empty while still there) and ``leaving_reason``
        (``voluntary`` | ``involuntary`` | ``internal_move`` | ``contract_end``, empty while
        still there), sorted by agent and start date.
    """
    n = len(agents)
    start = np.array([_END - dt.timedelta(days=int(round(y * 365.25))) for y in tenure_years])
    current = pd.DataFrame(
        {
            "agent_id": agents["agent_id"].to_numpy(),
            "team": agents["team"].to_numpy(),
            "start_date": start,
            "end_date": None,
            "leaving_reason": "",
        }
    )
    # team moves: an earlier stint in another team, closed the day before the move
    movers = np.flatnonzero(rng.random(n) < _TEAM_MOVERS)
    moved = []
    for a in movers:
        first = max(start[a], AGENT_HISTORY_START) + dt.timedelta(days=30)
        span = (STATES_START - first).days - 30
        if span <= 0:
            continue
        move = first + dt.timedelta(days=int(rng.integers(0, span)))
        old_team = rng.choice([t for t in TEAMS if t != agents["team"].iloc[a]])
        moved.append((agents["agent_id"].iloc[a], str(old_team), start[a], move, a))
    for agent_id, old_team, first_day, move, a in moved:
        current.loc[a, "start_date"] = move
        current.loc[len(current)] = (
            agent_id,
            old_team,
            first_day,
            move - dt.timedelta(days=1),
            "internal_move",
        )
    # leavers: a seasonal Poisson count per month, end dates before the agent-state weeks
    months = pd.period_range(AGENT_HISTORY_START, STATES_START - dt.timedelta(days=1), freq="M")
    ends = []
    for m in months:
        lo = max(m.start_time.date(), AGENT_HISTORY_START)
        hi = min(m.end_time.date(), STATES_START - dt.timedelta(days=1))
        share = ((hi - lo).days + 1) / m.days_in_month
        for _ in range(rng.poisson(_LEAVERS_PER_MONTH * _SEASON[m.month - 1] * share)):
            ends.append(lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1))))
    ends.sort()
    tenure = np.maximum(rng.lognormal(np.log(_TENURE_MEDIAN_DAYS), 0.8, len(ends)), 20.0)
    reason = rng.choice(len(LEAVING_REASONS), size=len(ends), p=_REASON_P)
    team = rng.choice(len(TEAMS), size=len(ends))
    first_days = [e - dt.timedelta(days=int(d)) for e, d in zip(ends, tenure, strict=True)]
    leavers = pd.DataFrame(
        {
            "start_date": first_days,
            "team": np.array(TEAMS)[team],
            "end_date": ends,
            "leaving_reason": np.array(LEAVING_REASONS)[reason],
        }
    ).sort_values(["start_date", "end_date"], kind="stable", ignore_index=True)
    leavers.insert(0, "agent_id", [f"A{n + 1 + i:03d}" for i in range(len(leavers))])
    out = pd.concat([current, leavers], ignore_index=True)
    out["start_date"] = [d.isoformat() for d in out["start_date"]]
    out["end_date"] = ["" if d is None or d != d else d.isoformat() for d in out["end_date"]]
    return out.sort_values(["agent_id", "start_date"], ignore_index=True)
