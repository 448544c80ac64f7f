"""Validate a history frame and reshape it into local wall-clock day x slot matrices.

Every queue's history becomes a matrix with one row per local calendar date and one column per
clock slot of the day (``1440 / interval_minutes`` columns). Keying by local date and clock time
makes weekday-and-time profiles follow daylight-saving changes: on the spring-forward day the
missing hour's slots hold NaN, on the fall-back day the repeated hour's two intervals are averaged
into one slot (and both get that slot's forecast back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ALLOWED_INTERVAL_MINUTES",
    "QueueHistory",
    "horizon_index",
    "infer_interval_minutes",
    "queue_histories",
    "validate_history",
]

ALLOWED_INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60)
REQUIRED_COLUMNS = ("interval_start", "queue", "offered", "handled", "abandoned", "aht_s")


@dataclass(frozen=True)
class QueueHistory:
    """One queue's history as local day x clock-slot matrices.

    Attributes
    ----------
    queue : str
        Queue name.
    dates : numpy.ndarray
        ``datetime64[D]`` local calendar dates, consecutive, one per row.
    calls : numpy.ndarray
        Offered calls per (date, slot), float, shape ``(n_days, slots_per_day)``; 0 where the
        history has no row (closed), NaN at clock slots that do not exist (spring-forward hour).
    handled : numpy.ndarray
        Handled calls per (date, slot), same shape; NaN-free (0 where absent).
    handle_s : numpy.ndarray
        Total handle time in seconds (``handled * aht_s``) per (date, slot).
    interval_minutes : int
        Interval length in minutes.
    """

    queue: str
    dates: np.ndarray
    calls: np.ndarray
    handled: np.ndarray
    handle_s: np.ndarray
    interval_minutes: int

    @property
    def weekday(self) -> np.ndarray:
        """Local weekday of each row, 0 = Monday."""
        return ((self.dates.astype("datetime64[D]").astype(np.int64) + 3) % 7).astype(np.int64)

    @property
    def slots_per_day(self) -> int:
        """Number of clock slots in a day (``1440 / interval_minutes``)."""
        return 1440 // self.interval_minutes

    def head(self, n_days: int) -> QueueHistory:
        """The first ``n_days`` rows (a history cut at a day boundary)."""
        return QueueHistory(
            self.queue,
            self.dates[:n_days],
            self.calls[:n_days],
            self.handled[:n_days],
            self.handle_s[:n_days],
            self.interval_minutes,
        )


def _fail(expected: str, got: str, fix: str) -> ValueError:
    return ValueError(f"history: expected {expected}; got {got}. Fix: {fix}")


def validate_history(history: pd.DataFrame) -> pd.DataFrame:
    """Check a history frame and return a clean copy (sorted, numeric, string queue names).

    Raises
    ------
    ValueError
        With expected / got / fix wording for a missing column, naive or non-datetime
        timestamps, NaN or negative counts, or duplicate (queue, interval_start) rows.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise _fail(
            f"columns {list(REQUIRED_COLUMNS)}",
            f"{list(history.columns)} (missing {missing})",
            "export the ACD interval report with these columns",
        )
    if len(history) == 0:
        raise _fail("at least two weeks of interval rows", "an empty frame", "pass more history")
    ts = history["interval_start"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise _fail(
            "tz-aware timestamps in 'interval_start' (the centre's time zone)",
            f"dtype {ts.dtype}",
            "parse with pd.to_datetime(...).dt.tz_localize('Europe/Amsterdam') or similar",
        )
    frame = history.loc[:, [c for c in history.columns]].copy()
    frame["queue"] = frame["queue"].astype(str)
    for col in ("offered", "handled", "abandoned", "aht_s"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(
                f"non-negative numbers in column '{col}'",
                f"{history[col].iloc[row]!r} at row {row}",
                "closed hours are zero or absent rows, never NaN or negative",
            )
        frame[col] = values.astype(float)
    dup = frame.duplicated(["queue", "interval_start"])
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise _fail(
            "one row per (queue, interval_start)",
            f"a duplicate at row {row} ({frame['queue'].iloc[row]}, "
            f"{frame['interval_start'].iloc[row]})",
            "sum or drop duplicate rows before forecasting",
        )
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def infer_interval_minutes(history: pd.DataFrame) -> int:
    """Interval length in minutes: the smallest step between consecutive starts of a queue.

    Raises
    ------
    ValueError
        If the step is not one of 5, 10, 15, 20, 30, 60 minutes or timestamps are off the grid.
    """
    steps = []
    for _, ts in history.groupby("queue", sort=False)["interval_start"]:
        utc = ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
        d = np.diff(np.sort(utc.astype(np.int64)))
        d = d[d > 0]
        if len(d):
            steps.append(int(d.min()))
    if not steps:
        raise _fail("at least two intervals per queue", "a single row", "pass more history")
    minutes = min(steps) / 60
    if minutes not in ALLOWED_INTERVAL_MINUTES:
        raise _fail(
            f"an interval length of {ALLOWED_INTERVAL_MINUTES} minutes",
            f"a smallest step of {minutes:g} minutes",
            "aggregate the history to 15 or 30 minute intervals",
        )
    m = int(minutes)
    local = history["interval_start"]
    off_grid = ((local.dt.hour * 60 + local.dt.minute) % m != 0) | (local.dt.second != 0)
    if off_grid.any():
        row = int(np.flatnonzero(off_grid.to_numpy())[0])
        raise _fail(
            f"interval starts on the {m}-minute grid of the local clock",
            f"{local.iloc[row]} at row {row}",
            "label each interval by its start time",
        )
    return m


def _local_date_slot(
    ts: pd.Series | pd.DatetimeIndex, minutes: int
) -> tuple[np.ndarray, np.ndarray]:
    idx = pd.DatetimeIndex(ts)
    dates = idx.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
    slots = ((idx.hour * 60 + idx.minute) // minutes).to_numpy().astype(np.int64)
    return dates, slots


def queue_histories(
    history: pd.DataFrame, interval_minutes: int, end_date: np.datetime64 | None = None
) -> dict[str, QueueHistory]:
    """Reshape a validated history frame into one :class:`QueueHistory` per queue.

    All queues share the same dates: from the first local date in the frame to ``end_date``
    (default: the last local date in the frame).
    """
    dates_all, slots_all = _local_date_slot(history["interval_start"], interval_minutes)
    first = dates_all.min()
    last = dates_all.max() if end_date is None else end_date
    dates = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    n, s = len(dates), 1440 // interval_minutes
    exists = _existing_slots(dates, s, interval_minutes, history["interval_start"].dt.tz)
    out = {}
    for queue, rows in history.groupby("queue", sort=True).indices.items():
        row = (dates_all[rows] - first).astype(np.int64)
        col = slots_all[rows]
        count = np.zeros((n, s))
        np.add.at(count, (row, col), 1.0)
        mats = []
        for values in (
            history["offered"].to_numpy()[rows],
            history["handled"].to_numpy()[rows],
            (history["handled"] * history["aht_s"]).to_numpy()[rows],
        ):
            m = np.zeros((n, s))
            np.add.at(m, (row, col), values)
            mats.append(np.divide(m, count, out=m, where=count > 1))
        calls = np.where(exists, mats[0], np.nan)
        out[str(queue)] = QueueHistory(str(queue), dates, calls, mats[1], mats[2], interval_minutes)
    return out


def _existing_slots(dates: np.ndarray, slots: int, minutes: int, tz) -> np.ndarray:
    """Boolean (n_days, slots): False where a clock slot does not exist (spring-forward gap)."""
    exists = np.ones((len(dates), slots), dtype=bool)
    if tz is None:
        return exists
    edges = np.append(dates, dates[-1] + np.timedelta64(1, "D")).astype("datetime64[ns]")
    midnights = pd.DatetimeIndex(edges).tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    day_start = midnights[:-1]
    lengths = np.diff(midnights.asi8) / 6e10
    for i in np.flatnonzero(lengths < 1440):
        day = pd.date_range(day_start[i], periods=int(lengths[i]) // minutes, freq=f"{minutes}min")
        present = np.zeros(slots, dtype=bool)
        present[((day.hour * 60 + day.minute) // minutes).to_numpy()] = True
        exists[i] = present
    return exists


def horizon_index(
    last_start: pd.Timestamp, horizon: str | int | pd.Timedelta, interval_minutes: int
) -> pd.DatetimeIndex:
    """The interval starts of the horizon after ``last_start`` (tz-aware, start-labelled).

    A whole-day duration (``"7D"``) counts local calendar days, so a week across a DST change
    keeps its wall-clock end; an integer counts intervals.
    """
    step = pd.Timedelta(minutes=interval_minutes)
    start = last_start + step
    if isinstance(horizon, (int, np.integer)) and not isinstance(horizon, bool):
        if horizon <= 0:
            raise ValueError(f"horizon: expected a positive number of intervals; got {horizon}")
        return pd.date_range(start, periods=int(horizon), freq=step)
    try:
        delta = pd.Timedelta(horizon)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"horizon: expected a duration such as '7D' or a number of intervals; got {horizon!r}"
        ) from exc
    if delta <= pd.Timedelta(0):
        raise ValueError(f"horizon: expected a positive duration; got {horizon!r}")
    if delta % pd.Timedelta(days=1) == pd.Timedelta(0):
        end = start + pd.DateOffset(days=delta.days)
    else:
        end = start + delta
    return pd.date_range(start, end, freq=step, inclusive="left")
