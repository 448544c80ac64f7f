"""The planning grid: requirements frame <-> arrays over (queue, interval of the horizon).

Interval ``t`` of the horizon starts ``t * interval_minutes`` minutes of local wall-clock time
after midnight of the first day. On a daylight-saving change the wall clock is what counts:
the hour that does not exist has no rows, and a repeated hour is merged (the larger
requirement is kept); contact centres are normally closed at those hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .templates import intervals_per_day

__all__ = ["Grid", "grid_from_requirements"]


@dataclass
class Grid:
    """Requirement on a regular local grid.

    Attributes
    ----------
    start_date : datetime.date
        First local day of the horizon.
    n_days : int
        Days in the horizon.
    interval_minutes : int
        Interval length, minutes.
    tz : str or None
        Time zone of the timestamps (None for naive timestamps).
    queues : list of str
        Queue names, in the order of the rows of ``required``.
    required : numpy.ndarray
        Agents needed, shape ``(n_queues, n_days * intervals_per_day)``.
    under_cost : numpy.ndarray
        Relative cost of one missing agent-interval (1 by default), same shape.
    """

    start_date: dt.date
    n_days: int
    interval_minutes: int
    tz: str | None
    queues: list[str]
    required: np.ndarray
    under_cost: np.ndarray

    @property
    def ipd(self) -> int:
        """Intervals per day."""
        return intervals_per_day(self.interval_minutes)

    @property
    def n_intervals(self) -> int:
        """Intervals in the horizon."""
        return self.n_days * self.ipd

    @property
    def total_required(self) -> np.ndarray:
        """Agents needed over all queues, per interval."""
        return self.required.sum(axis=0)

    def day(self, d: int) -> dt.date:
        """Local date of day ``d``."""
        return self.start_date + dt.timedelta(days=int(d))

    def timestamps(self, t: np.ndarray | list[int]) -> pd.DatetimeIndex:
        """Start-labelled local timestamps of intervals ``t`` (may run past the horizon)."""
        base = pd.Timestamp(self.start_date)
        naive = base + pd.to_timedelta(np.asarray(t, dtype=np.int64) * self.interval_minutes, "m")
        index = pd.DatetimeIndex(naive)
        if self.tz is None:
            return index
        return index.tz_localize(
            self.tz, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="shift_forward"
        )


def grid_from_requirements(
    requirements: pd.DataFrame,
    *,
    interval_minutes: int | None = None,
    column: str = "agents_scheduled",
) -> Grid:
    """Put a requirements frame on the planning grid.

    Parameters
    ----------
    requirements : pandas.DataFrame
        Long frame with ``interval_start`` (start-labelled local timestamps), ``queue`` and
        ``column``; an optional ``under_cost`` column scales the under-staffing weight.
    interval_minutes : int, optional
        Interval length, minutes; inferred from the timestamps when omitted.
    column : str
        Column holding the agents to schedule.

    Returns
    -------
    Grid
    """
    missing = {"interval_start", "queue", column} - set(requirements.columns)
    if missing:
        raise ValueError(
            f"requirements frame lacks column(s) {sorted(missing)}; expected interval_start, "
            f"queue and {column}"
        )
    keep = ["interval_start", "queue", column]
    frame = requirements[keep + [c for c in ["under_cost"] if c in requirements.columns]]
    if frame.empty:
        raise ValueError("requirements frame is empty")
    ts = pd.to_datetime(frame["interval_start"])
    tz = str(ts.dt.tz) if ts.dt.tz is not None else None
    wall = ts.dt.tz_localize(None) if tz is not None else ts
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = frame.loc[values.isna() | (values < 0)].iloc[0]
        raise ValueError(
            f"requirements column {column!r} must be non-negative numbers; found "
            f"{bad[column]!r} at {bad['interval_start']} queue {bad['queue']!r}"
        )
    if interval_minutes is None:
        steps = np.diff(np.unique(wall.to_numpy().astype("datetime64[m]").astype(np.int64)))
        if steps.size == 0:
            raise ValueError("cannot infer interval_minutes from a single timestamp; pass it")
        interval_minutes = int(steps.min())
    ipd = intervals_per_day(interval_minutes)
    start_date = wall.min().date()
    minutes = (wall - pd.Timestamp(start_date)).dt.total_seconds().to_numpy() / 60
    if np.any(np.abs(minutes / interval_minutes - np.round(minutes / interval_minutes)) > 1e-6):
        raise ValueError(
            f"interval_start values are not on the {interval_minutes}-minute grid; expected "
            f"start-labelled intervals"
        )
    t = np.round(minutes / interval_minutes).astype(np.int64)
    n_days = int(t.max() // ipd + 1)
    queues = sorted(str(q) for q in pd.unique(frame["queue"]))
    q_index = {q: i for i, q in enumerate(queues)}
    qi = np.array([q_index[str(q)] for q in frame["queue"]], dtype=np.int64)
    required = np.zeros((len(queues), n_days * ipd))
    np.maximum.at(required, (qi, t), values.to_numpy(dtype=float))
    under_cost = np.ones_like(required)
    if "under_cost" in frame.columns:
        under_cost[qi, t] = pd.to_numeric(frame["under_cost"]).to_numpy(float)
    return Grid(start_date, n_days, int(interval_minutes), tz, queues, required, under_cost)
