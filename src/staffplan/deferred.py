"""Deferred work (email) of a roster: the share of each interval's items answered within the
deadline when the roster's agents work the backlog as the simulation has them do it.

The per-queue deferred model of :mod:`staffplan.requirements` answers items with the
expected head count of the agents scheduled on the queue. With the roster known, this model
instead takes the agents who would answer: those who rank the queue first, at the queue's
``max_occupancy``, and every other agent with the skill (helpers) for their whole time while
a backlog is left, as the pooled roster model lends them (:mod:`staffplan.pooling`: a helper
takes an item whenever he is free and nothing he ranks higher waits). Each agent misses a
whole rostered day with probability ``absence``, as in the simulation, and the in-time share
is averaged over those absence patterns (scrambled Sobol draws, fixed seed, so the result is
reproducible). What the expected head count hides is the stretch where few agents work the
queue before a closure longer than the deadline (on the sample centre, two email agents on
Saturday until 18:00): when they are all away, the items wait until the next opening.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import qmc

from staffplan.config import PlanConfig
from staffplan.pooling import _work_lists  # priority lists as the roster model reads them
from staffplan.requirements import _pooled_aht  # the per-queue model's one handle time

__all__ = ["evaluate_deferred_roster"]

_DRAWS_LOG2 = 9  # 512 absence patterns


def evaluate_deferred_roster(
    activities: pd.DataFrame,
    forecast: pd.DataFrame,
    config: PlanConfig,
    *,
    roster: pd.DataFrame | None = None,
    calls: str = "calls",
    absence: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Expected share of each interval's deferred items answered within the deadline.

    Each interval's work arrives at its start and is done first come first served by the
    agents at work (a fluid backlog, as :func:`staffplan.requirements.evaluate`); an
    interval's items are in time when the backlog has done them by the end of the interval
    ``deadline_h`` later. Items whose deadline falls after the horizon count as in time (the
    next plan's to answer).

    Parameters
    ----------
    activities : pandas.DataFrame
        ``agent_id``, ``start``, ``end``, ``activity``, ``queue`` (a queue or a priority list
        ``a>b``), as written by the scheduler; only ``work`` rows count.
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``aht_s`` and the ``calls`` column.
    config : PlanConfig
    roster : pandas.DataFrame, optional
        ``agent_id``, ``date``, ``queues``: each shift's priority list, instead of the
        activity's ``queue``.
    calls : str
        Column of ``forecast`` with the items per interval.
    absence : float, optional
        Probability that an agent misses a rostered day (default ``center.shrinkage``).
    seed : int
        Seed of the absence patterns.

    Returns
    -------
    pandas.DataFrame
        ``interval_start``, ``queue``, ``service_level`` (fraction) for the forecast's rows of
        the deferred queues.
    """
    absent = config.center.shrinkage if absence is None else float(absence)
    interval_s = config.center.interval_minutes * 60.0
    step = pd.Timedelta(seconds=interval_s)
    work, spec = _work_lists(activities, roster)
    lists = [str(s).split(">") for s in spec]
    day = (work["agent_id"].astype(str) + "|" + work["start"].dt.date.astype(str)).to_numpy()
    frames = []
    for name, rows in forecast.groupby("queue", sort=False):
        queue = config.queue(str(name))
        if queue.channel != "email":
            continue
        utc = rows["interval_start"].dt.tz_convert("UTC")
        first = utc.min()
        n = int(round((utc.max() - first) / step)) + 1
        pos = ((utc - first) / step).round().astype(int).to_numpy()
        items = np.zeros(n)
        items[pos] = rows[calls].to_numpy(float)
        aht = _pooled_aht(rows.assign(calls=rows[calls]))
        owner = np.array([lst[0] == name for lst in lists], dtype=bool)
        helper = np.array([name in lst[1:] for lst in lists], dtype=bool)
        # seconds of work per agent-day and interval: owners at the occupancy cap, helpers
        # their whole time
        weight = np.where(owner, queue.max_occupancy, 1.0)[owner | helper]
        keys, per_day = _agent_day_time(
            work[owner | helper], day[owner | helper], weight, first, step, n
        )
        share = _in_time_over_absence(
            items * aht,
            per_day * interval_s,
            int(np.floor(queue.deadline_h * 3600.0 / interval_s + 1e-9)),
            absent,
            seed,
        )
        level = np.where(items[pos] > 0, share[pos], 1.0)
        frames.append(
            pd.DataFrame(
                {"interval_start": rows["interval_start"], "queue": name, "service_level": level}
            )
        )
    if not frames:
        return pd.DataFrame(columns=["interval_start", "queue", "service_level"])
    return pd.concat(frames, ignore_index=True)


def _agent_day_time(work, day, weight, first, step, n) -> tuple[np.ndarray, np.ndarray]:
    """Per agent-day, the share of each interval at work times ``weight``."""
    keys, index = np.unique(day, return_inverse=True)
    start = ((work["start"].dt.tz_convert("UTC") - first) / step).to_numpy(float)
    end = ((work["end"].dt.tz_convert("UTC") - first) / step).to_numpy(float)
    edges = np.arange(n + 1, dtype=float)
    at_work = np.clip(
        np.minimum(end[:, None], edges[None, 1:]) - np.maximum(start[:, None], edges[None, :-1]),
        0.0,
        1.0,
    )
    per_day = np.zeros((len(keys), n))
    np.add.at(per_day, index, at_work * weight[:, None])
    return keys, per_day


def _in_time_over_absence(work_s, capacity_s, window: int, absence: float, seed: int):
    """Mean over absence patterns of each interval's in-time indicator (FIFO fluid).

    ``work_s`` (intervals) arrives at each interval's start; ``capacity_s`` (agent-days x
    intervals) is what each agent-day can do; each agent-day is away with probability
    ``absence``.
    """
    n_days, n = capacity_s.shape
    if n_days and absence > 0:
        draws = qmc.Sobol(d=n_days, scramble=True, seed=seed).random_base2(_DRAWS_LOG2)
        present = (draws >= absence).astype(float)
    else:
        present = np.ones((1, n_days))
    capacity = present @ capacity_s  # (patterns, intervals)
    arrived = np.cumsum(work_s)
    net = np.cumsum(work_s[None, :] - capacity, axis=1)
    backlog = net - np.minimum(np.minimum.accumulate(net, axis=1), 0.0)
    done = arrived[None, :] - backlog
    due = np.arange(n) + window - 1
    inside = due < n
    in_time = np.ones_like(capacity)
    tolerance = 1e-9 * max(float(arrived[-1]) if n else 0.0, 1.0)
    in_time[:, inside] = done[:, due[inside]] >= arrived[None, inside] - tolerance
    return in_time.mean(axis=0)
