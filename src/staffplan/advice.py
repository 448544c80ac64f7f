"""Recommendations for a plan: where the roster misses its targets and what would fix it.

Each recommendation is an action with its evidence, phrased the way a planner would say it:
"support under target Mon 10:00-12:00 (expected 71% vs 80%): +3 agents, or move 2
multi-skilled agents from sales".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.feed import Recommendation

__all__ = ["plan_recommendations", "shared_skills"]


def shared_skills(skills: Iterable[dict[str, int]]) -> set[tuple[str, str]]:
    """Ordered queue pairs (a, b) such that some agent is skilled in both."""
    pairs = set()
    for agent in skills:
        for a in agent:
            for b in agent:
                if a != b:
                    pairs.add((a, b))
    return pairs


def plan_recommendations(
    coverage: pd.DataFrame,
    config: PlanConfig,
    *,
    pairs: set[tuple[str, str]] = frozenset(),
    min_intervals: int = 2,
    tolerance: float = 0.02,
) -> list[Recommendation]:
    """Runs of intervals where the expected service level is below target.

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``interval_start``, ``queue``, ``required``, ``scheduled`` (agents on contacts) and
        ``service_level`` (expected, fraction).
    config : PlanConfig
        Queue targets.
    pairs : set of (str, str)
        Queue pairs with multi-skilled agents (see :func:`shared_skills`): a shortfall on
        ``a`` may be met by moving agents from ``b`` where ``b`` has a surplus.
    min_intervals : int
        Shortest run worth a recommendation (shorter dips are noise a planner ignores).
    tolerance : float
        Service-level shortfall (fraction) below which an interval counts as on target.

    Returns
    -------
    list of Recommendation
        Worst first (by missing agent-intervals); runs when nobody can be rostered (the
        centre closed, kind ``closed``) last, with what would fix them instead of agents.
    """
    step = pd.Timedelta(minutes=config.center.interval_minutes)
    surplus = _surplus(coverage)
    found = []
    for queue, part in coverage.groupby("queue", sort=False):
        target = config.queue(str(queue)).service_level
        part = part.sort_values("interval_start")
        short = (part["service_level"] < target - tolerance) & (part["calls"] > 0)
        for run in _runs(part[short.to_numpy()], step):
            if len(run) < min_intervals:
                continue
            if (run["required"] <= 0).all() and (run["scheduled"] <= 0).all():
                # nobody can be rostered then: items arriving while the centre is closed
                found.append(_closed(config, str(queue), run, target, step))
                continue
            found.append(_advise(str(queue), run, target, step, surplus, pairs))
    found.sort(key=lambda pair: -pair[0])
    return [rec for _, rec in found]


def _surplus(coverage: pd.DataFrame) -> pd.DataFrame:
    spare = (coverage["scheduled"] - coverage["required"]).clip(lower=0)
    return coverage.assign(spare=spare).pivot_table(
        index="interval_start", columns="queue", values="spare", aggfunc="sum"
    )


def _runs(rows: pd.DataFrame, step: pd.Timedelta) -> list[pd.DataFrame]:
    if rows.empty:
        return []
    starts = rows["interval_start"]
    breaks = (starts.diff() != step).cumsum()
    return [run for _, run in rows.groupby(breaks.to_numpy())]


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """``Mon 10:00-12:00``, or ``Sat 18:00-Sun 00:15`` across midnight."""
    if end.normalize() == start.normalize() or end == start.normalize() + pd.Timedelta(days=1):
        return f"{start:%a %H:%M}-{end:%H:%M}"
    return f"{start:%a %H:%M}-{end:%a %H:%M}"


def _summary(run: pd.DataFrame, step: pd.Timedelta) -> tuple[float, pd.Timestamp, pd.Timestamp]:
    """A run's call-weighted expected service level (fraction), its start and its end."""
    expected = float(np.average(run["service_level"], weights=run["calls"].to_numpy(float)))
    return expected, run["interval_start"].min(), run["interval_start"].max() + step


def _closed(config: PlanConfig, queue, run, target, step) -> tuple[float, Recommendation]:
    """A run of intervals with contacts but nobody rostered (the centre closed): more agents
    in the roster cannot help, the opening hours or the deadline can."""
    expected, start, end = _summary(run, step)
    spec = config.queue(queue)
    if spec.channel == "email":
        why = (
            f"items arriving then wait past the {spec.deadline_h:g} h deadline while the "
            "centre is closed; open longer, or agree a longer deadline for them"
        )
    else:
        why = "contacts are forecast while the centre is closed; open longer or route them"
    message = (
        f"{queue} under target {_span(start, end)} (expected {expected:.0%} vs {target:.0%}): {why}"
    )
    rec = Recommendation(
        kind="closed",
        queue=queue,
        start=start.to_pydatetime(),
        end=end.to_pydatetime(),
        agents=None,
        message=message,
    )
    return 0.0, rec  # after the runs that agents can fix


def _advise(queue, run, target, step, surplus, pairs) -> tuple[float, Recommendation]:
    missing = (run["required"] - run["scheduled"]).clip(lower=0)
    add = int(np.ceil(missing.max())) if len(missing) else 0
    expected, start, end = _summary(run, step)
    message = (
        f"{queue} under target {_span(start, end)} (expected {expected:.0%} vs "
        f"{target:.0%}): +{max(add, 1)} agent{'s' if max(add, 1) > 1 else ''}"
    )
    donors = _donors(queue, run["interval_start"], surplus, pairs)
    if donors:
        donor, count = donors[0]
        movable = min(count, max(add, 1))
        message += (
            f", or move {movable} multi-skilled agent{'s' if movable > 1 else ''} from {donor}"
        )
    rec = Recommendation(
        kind="understaffed",
        queue=queue,
        start=start.to_pydatetime(),
        end=end.to_pydatetime(),
        agents=max(add, 1),
        message=message,
    )
    return float(missing.sum()), rec


def _donors(queue, starts, surplus: pd.DataFrame, pairs) -> list[tuple[str, int]]:
    found = []
    for other in surplus.columns:
        if other == queue or (queue, other) not in pairs:
            continue
        spare = surplus.loc[surplus.index.isin(starts), other].min()
        if pd.notna(spare) and spare >= 1:
            found.append((str(other), int(spare)))
    return sorted(found, key=lambda d: -d[1])
