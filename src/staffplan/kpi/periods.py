"""Time arithmetic of the KPI reports: periods on local dates, splitting records at period or
interval boundaries, and the union and overlap of time spans per agent.

All functions work on int64 nanoseconds since the epoch (UTC) and numpy arrays: no Python
loop per record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "PERIODS",
    "Spans",
    "assign",
    "ns",
    "period_bounds",
    "period_labels",
    "split",
    "union",
]

#: Report periods: local calendar days, ISO weeks (Monday first) and calendar months.
PERIODS = ("day", "week", "month")


def period_bounds(first: pd.Timestamp, last: pd.Timestamp, period: str, tz) -> pd.DatetimeIndex:
    """Local period starts covering ``[first, last]``, plus the end of the last period.

    Parameters
    ----------
    first, last : pandas.Timestamp
        tz-aware instants to cover.
    period : {"day", "week", "month"}
        Length of a period: local midnight to midnight, Monday to Monday, first of the month
        to the next first.
    tz : tzinfo
        The centre's time zone: periods follow its local dates (a DST day lasts 23 or 25 h).

    Returns
    -------
    pandas.DatetimeIndex
        tz-aware boundaries, strictly increasing; period ``k`` is ``[b[k], b[k + 1])``.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, found {period!r}")
    d0 = first.tz_convert(tz).tz_localize(None).normalize()
    d1 = last.tz_convert(tz).tz_localize(None).normalize() + pd.Timedelta(days=1)
    if period == "week":
        d0 = d0 - pd.Timedelta(days=d0.day_of_week)
        freq = "W-MON"
    elif period == "month":
        d0 = d0.replace(day=1)
        freq = "MS"
    else:
        freq = "D"
    naive = pd.date_range(d0, d1 + pd.tseries.frequencies.to_offset(freq), freq=freq)
    naive = naive[: int(np.searchsorted(naive, d1, side="left")) + 1]
    return naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=False).as_unit("ns")


def period_labels(bounds: pd.DatetimeIndex) -> np.ndarray:
    """Label of each period: its first local date as ``YYYY-MM-DD``."""
    return np.asarray(bounds[:-1].strftime("%Y-%m-%d"), dtype=object)


def ns(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Datetimes (naive or tz-aware, any unit) as int64 nanoseconds since the epoch."""
    values = times.dt.as_unit("ns") if isinstance(times, pd.Series) else times.as_unit("ns")
    return np.asarray(values.astype("int64"))


def assign(t_ns: np.ndarray, bounds_ns: np.ndarray) -> np.ndarray:
    """Index of the period holding each instant (``-1`` before the first bound)."""
    return np.searchsorted(bounds_ns, t_ns, side="right") - 1


def split(
    start_ns: np.ndarray, end_ns: np.ndarray, bounds_ns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut spans at the boundaries: the parts of each span in each period.

    Parameters
    ----------
    start_ns, end_ns : numpy.ndarray of int64
        Span starts and ends, ``end > start``, inside ``[bounds[0], bounds[-1]]``.
    bounds_ns : numpy.ndarray of int64
        Increasing period boundaries.

    Returns
    -------
    record, period, seconds : numpy.ndarray
        For every part: the index of its span, the period index and the length in seconds
        (float). A span inside one period gives one part; a span across midnight two, split
        in proportion to the time on each side.
    """
    first = assign(start_ns, bounds_ns)
    last = np.searchsorted(bounds_ns, end_ns, side="left") - 1
    count = np.maximum(last - first + 1, 1)
    record = np.repeat(np.arange(start_ns.size), count)
    offset = np.arange(record.size) - np.repeat(np.cumsum(count) - count, count)
    period = first[record] + offset
    lo = np.maximum(start_ns[record], bounds_ns[period])
    hi = np.minimum(end_ns[record], bounds_ns[np.minimum(period + 1, bounds_ns.size - 1)])
    return record, period, (hi - lo) / 1e9


class Spans:
    """Disjoint spans per agent, sorted by agent then time, with their running total length.

    Answers "how much of ``[a, b)`` does agent ``k`` spend inside these spans?" for many
    queries at once (:meth:`measure`), by binary search on the combined key
    ``agent * span_of_time + time``.
    """

    def __init__(self, agent: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray, t0: int):
        self.scale = np.int64(1 << 42)  # ~ 139 years of milliseconds per agent
        self.t0 = t0
        self.start = self._key(agent, start_ns)
        self.length = (end_ns - start_ns) // 1_000_000
        self.before = np.concatenate([[0], np.cumsum(self.length)[:-1]])

    def _key(self, agent: np.ndarray, t_ns: np.ndarray) -> np.ndarray:
        return agent.astype(np.int64) * self.scale + (t_ns - self.t0) // 1_000_000

    def cumulative_ms(self, agent: np.ndarray, t_ns: np.ndarray) -> np.ndarray:
        """Total span length (ms) of all spans before ``t`` (this agent's and earlier agents')."""
        key = self._key(agent, t_ns)
        j = np.searchsorted(self.start, key, side="right") - 1
        jj = np.maximum(j, 0)
        inside = np.clip(key - self.start[jj], 0, self.length[jj])
        return np.where(j >= 0, self.before[jj] + inside, 0)

    def measure(self, agent: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
        """Seconds of ``[start, end)`` of each query that lie inside the agent's spans."""
        return (self.cumulative_ms(agent, end_ns) - self.cumulative_ms(agent, start_ns)) / 1e3


def union(
    agent: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping or touching spans of each agent (input sorted by agent and start).

    Returns the agent, start and end of the merged, disjoint spans.
    """
    if start_ns.size == 0:
        return agent[:0], start_ns[:0], end_ns[:0]
    reach = pd.Series(end_ns).groupby(agent, sort=False).cummax().to_numpy()
    first = np.ones(agent.size, dtype=bool)
    first[1:] = agent[1:] != agent[:-1]
    new = first.copy()
    new[1:] |= start_ns[1:] > reach[:-1]
    at = np.flatnonzero(new)
    return agent[at], start_ns[at], np.maximum.reduceat(end_ns, at)
