"""Rolling-origin backtest of forecast methods on a history frame."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from .calendar import SpecialDays
from .engine import forecast
from .grid import infer_interval_minutes, validate_history

__all__ = ["backtest", "backtest_origins"]


def backtest_origins(history: pd.DataFrame, horizon: str = "7D", origins: int = 8) -> list:
    """Starts (tz-aware local midnights) of ``origins`` consecutive windows ending at the end.

    The last window ends at the local midnight after the last history interval.
    """
    ts = history["interval_start"]
    m = infer_interval_minutes(validate_history(history))
    end_local = (ts.max() + pd.Timedelta(minutes=m)).tz_localize(None).ceil("D")
    days = pd.Timedelta(horizon).days
    tz = ts.dt.tz
    return [
        (end_local - pd.Timedelta(days=days * k)).tz_localize(tz, nonexistent="shift_forward")
        for k in range(origins, 0, -1)
    ]


def _label(method) -> str:
    if isinstance(method, tuple):
        name, params = method
        return f"{name}({', '.join(f'{k}={v}' for k, v in sorted(params.items()))})"
    return str(method)


def backtest(
    history: pd.DataFrame,
    *,
    methods,
    horizon: str = "7D",
    origins: int = 8,
    level: float = 0.8,
    calendar: SpecialDays | None = None,
    train_weeks: int | None = None,
    scored: Callable[[pd.DataFrame], np.ndarray] | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Score methods from rolling origins: one row per method and queue.

    Parameters
    ----------
    history : pandas.DataFrame
        The history frame (see :func:`staffplan.forecast.forecast`).
    methods : sequence
        Method names (``"auto"``, ``"weekly_mean"``, ...) or ``(name, params)`` tuples.
    horizon : str
        Window length per origin, whole days (``"7D"``).
    origins : int
        Number of consecutive windows, the last ending at the end of the history.
    level : float
        Band level whose coverage is reported.
    calendar : SpecialDays, optional
        Special days passed to every forecast.
    train_weeks : int, optional
        Train on at most this many weeks before each origin (all history when omitted).
    scored : callable, optional
        ``scored(frame) -> bool array`` choosing which actual rows count (e.g. staffed hours);
        every history row in the window counts by default (absent rows are not scored).
    n_jobs : int
        Passed to :func:`forecast`.

    Returns
    -------
    pandas.DataFrame
        ``method``, ``queue``, ``wape`` (sum |actual - calls| / sum actual), ``daily_wape`` (the
        same on local daily totals), ``coverage`` (share of actuals in ``[calls_lo, calls_hi]``),
        ``seconds`` (fit + predict, summed over origins), ``n_intervals``.
    """
    frame = validate_history(history)
    starts = backtest_origins(frame, horizon, origins)
    span = pd.Timedelta(horizon)
    rows = []
    for method in methods:
        merged, seconds = [], 0.0
        for origin in starts:
            train = frame[frame["interval_start"] < origin]
            if train_weeks is not None:
                train = train[train["interval_start"] >= origin - pd.Timedelta(weeks=train_weeks)]
            end = (origin.tz_localize(None) + span).tz_localize(
                origin.tz, nonexistent="shift_forward"
            )
            actual = frame[(frame["interval_start"] >= origin) & (frame["interval_start"] < end)]
            if scored is not None:
                actual = actual[np.asarray(scored(actual), dtype=bool)]
            tic = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fc = forecast(
                    train, method=method, level=level, calendar=calendar, n_jobs=n_jobs, until=end
                )
            seconds += time.perf_counter() - tic
            merged.append(
                actual[["interval_start", "queue", "offered"]].merge(
                    fc, on=["interval_start", "queue"], how="left"
                )
            )
        data = pd.concat(merged, ignore_index=True).fillna(
            {"calls": 0.0, "calls_lo": 0.0, "calls_hi": 0.0}
        )
        data["date"] = data["interval_start"].dt.tz_localize(None).dt.normalize()
        for queue, g in data.groupby("queue", sort=True):
            y, f = g["offered"].to_numpy(), g["calls"].to_numpy()
            daily = g.groupby("date")[["offered", "calls"]].sum()
            rows.append(
                {
                    "method": _label(method),
                    "queue": queue,
                    "wape": float(np.abs(y - f).sum() / y.sum()),
                    "daily_wape": float(
                        np.abs(daily["offered"] - daily["calls"]).sum() / daily["offered"].sum()
                    ),
                    "coverage": float(
                        np.mean((y >= g["calls_lo"].to_numpy()) & (y <= g["calls_hi"].to_numpy()))
                    ),
                    "seconds": seconds / frame["queue"].nunique(),
                    "n_intervals": len(g),
                }
            )
    return pd.DataFrame(rows)
