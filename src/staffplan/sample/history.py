"""Interval history of the sample centre: arrivals, handle times, service and abandonment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan.erlang import erlang_a
from staffplan.sample.plan import (
    DAILY_CV,
    EMAIL_HOLIDAY_LEVEL,
    HISTORY_DAYS,
    INTERVAL_S,
    QUEUES,
    TREND_12W,
    WEEKDAY_LEVEL,
    Queue,
    to_local,
)

__all__ = ["build_history"]


def _intraday_shape(channel: str, hour: np.ndarray) -> np.ndarray:
    """Relative arrival intensity by local hour of day (dimensionless, peak ~1).

    Voice peaks at 10:00-11:00 with a smaller peak after lunch; chat runs later into the
    evening; email arrives around the clock with a low night and an evening tail.
    """

    def bump(mu: float, sd: float) -> np.ndarray:
        return np.exp(-0.5 * ((hour - mu) / sd) ** 2)

    if channel == "voice":
        return 0.22 + bump(10.5, 1.3) + 0.6 * bump(14.25, 1.3) + 0.12 * bump(18.5, 1.2)
    if channel == "chat":
        return 0.25 + 0.75 * bump(11.0, 1.5) + 0.8 * bump(15.0, 1.6) + 0.6 * bump(19.0, 1.3)
    return 0.04 + 0.9 * bump(10.5, 1.8) + 0.7 * bump(14.5, 1.8) + 0.45 * bump(20.5, 2.0)


def _day_levels(grid: pd.DataFrame, q: Queue, rng: np.random.Generator) -> np.ndarray:
    """Expected contacts per local day for queue ``q``, before and after the gamma draw.

    Returns an array of shape (2, n_days): row 0 the planned level (weekday profile, trend,
    busier day after a holiday), row 1 that level times a gamma multiplier (mean 1, CV ~9%).
    """
    days = grid.groupby("day")[["dow", "holiday"]].first()
    dow, holiday = days["dow"].to_numpy(), days["holiday"].to_numpy()
    weekday = np.asarray(WEEKDAY_LEVEL[q.channel])[dow]
    trend = 1.0 + TREND_12W * np.arange(len(days)) / len(days)
    if q.channel == "email":
        after_holiday = np.ones(len(days))
        weekday = np.where(holiday, EMAIL_HOLIDAY_LEVEL, weekday)
    else:
        boost = rng.uniform(1.15, 1.25, len(days))
        after_holiday = np.where(np.roll(holiday & (dow < 6), 1), boost, 1.0)
    planned = q.weekday_volume * weekday * trend * after_holiday
    k = 1.0 / DAILY_CV**2
    return np.vstack([planned, planned * rng.gamma(k, 1.0 / k, len(days))])


def _expected_arrivals(grid: pd.DataFrame, q: Queue, rng: np.random.Generator) -> np.ndarray:
    """Planned and actual expected arrivals per interval, shape (2, n_intervals)."""
    shape = _intraday_shape(q.channel, grid["hour"].to_numpy())
    rows = np.ones(len(grid), dtype=bool) if q.channel == "email" else grid["open"].to_numpy()
    shape = np.where(rows, shape, 0.0)
    day = grid["day"].to_numpy()
    per_day = np.bincount(day, weights=shape, minlength=day.max() + 1)
    share = np.divide(shape, per_day[day], out=np.zeros_like(shape), where=per_day[day] > 0)
    return _day_levels(grid, q, rng)[:, day] * share


def _mean_handle_s(grid: pd.DataFrame, q: Queue, rng: np.random.Generator) -> np.ndarray:
    """Mean handle time per interval, seconds: longer just after opening and in the evening."""
    min_open = np.nan_to_num(grid["min_open"].to_numpy(), nan=600.0)
    hour = grid["hour"].to_numpy()
    tod = 1.0 + 0.15 * np.exp(-min_open / 40.0) + 0.12 * np.clip((hour - 17.0) / 3.0, 0, 1)
    day_noise = rng.lognormal(0.0, 0.03, grid["day"].max() + 1)[grid["day"].to_numpy()]
    return q.aht_s * tod * day_noise / 1.03  # 1.03: mean of tod over an open day


def _service_outcome(
    offered: np.ndarray,
    planned: np.ndarray,
    mean_s: np.ndarray,
    day: np.ndarray,
    q: Queue,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Abandoned, handled and answered-in-SL counts for a voice or chat queue (open intervals).

    Staffing follows the square-root rule on the *planned* traffic with a thinner margin at
    the day's peak; the realised traffic then meets it in an Erlang A queue
    (:func:`staffplan.erlang.erlang_a`, handle time ``mean_s``, patience ``q.patience_s``).
    """
    planned_load = planned * mean_s / INTERVAL_S
    peak = pd.Series(planned_load).groupby(day).transform("max").to_numpy()
    margin = q.safety * np.sqrt(planned_load) * (1.15 - 0.3 * planned_load / peak)
    servers = np.maximum(np.ceil(planned_load + margin), q.concurrency).astype(np.int64)
    load = offered * mean_s / INTERVAL_S
    service = erlang_a(load, servers, mean_s, q.patience_s, q.threshold_s)
    abandoned = rng.binomial(offered, np.clip(service["p_abandon"], 0.0, 0.6))
    handled = offered - abandoned
    return abandoned, handled, rng.binomial(handled, np.clip(service["sl_answered"], 0.0, 1.0))


def _within_interval_s(
    utc_s: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sorted uniform instants inside each interval, one per counted item (epoch seconds)."""
    start = np.repeat(utc_s, counts)
    return np.sort(start + rng.uniform(0.0, INTERVAL_S, start.size))


def _email_fifo(
    grid: pd.DataFrame, arrivals: np.ndarray, q: Queue, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work the email backlog first-in first-out during opening hours.

    Returns handled per interval, answered within the deadline per interval, and the
    instant each handled email is picked up (epoch seconds, sorted).
    """
    is_open = grid["open"].to_numpy()
    dow = grid["dow"].to_numpy()
    # emails answered per open interval, relative to weekday arrivals: more on Monday to clear
    # the weekend backlog, fewer on Saturday
    rate = q.weekday_volume * np.where(dow == 5, 0.75, np.where(dow == 0, 1.6, 1.35)) / 48.0
    trend = 1.0 + TREND_12W * grid["day"].to_numpy() / HISTORY_DAYS
    capacity = np.where(is_open, rng.poisson(rate * trend), 0)
    handled = np.zeros(len(grid), dtype=np.int64)
    backlog = 0
    for i, (cap, new) in enumerate(zip(capacity, arrivals, strict=True)):
        handled[i] = min(cap, backlog)  # only emails that arrived before the interval
        backlog += new - handled[i]
    utc_s = grid["utc_s"].to_numpy()
    arrived = _within_interval_s(utc_s, arrivals, rng)[: handled.sum()]
    picked = _within_interval_s(utc_s, handled, rng)
    in_time = picked - arrived <= q.threshold_s
    cell = np.repeat(np.arange(len(grid)), handled)
    in_sl = np.bincount(cell, weights=in_time, minlength=len(grid)).astype(np.int64)
    return handled, in_sl, np.floor(picked).astype(np.int64)


def _queue_history(grid: pd.DataFrame, q: Queue, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Offered, handled, abandoned, answered-in-SL, mean handle time and pick-up instants."""
    planned, expected = _expected_arrivals(grid, q, rng)
    offered = rng.poisson(expected)
    mean_s = _mean_handle_s(grid, q, rng)
    if q.channel == "email":
        handled, in_sl, picked = _email_fifo(grid, offered, q, rng)
        abandoned = np.zeros_like(offered)
    else:
        rows = grid["open"].to_numpy()
        abandoned, handled, in_sl = (np.zeros_like(offered) for _ in range(3))
        abandoned[rows], handled[rows], in_sl[rows] = _service_outcome(
            offered[rows], planned[rows], mean_s[rows], grid["day"].to_numpy()[rows], q, rng
        )
        picked = np.floor(_within_interval_s(grid["utc_s"].to_numpy(), handled, rng))
    return {
        "offered": offered,
        "handled": handled,
        "abandoned": abandoned,
        "answered_in_sl": in_sl,
        "mean_s": mean_s,
        "picked_s": picked.astype(np.int64),
    }


def _handle_times(
    handled: np.ndarray, mean_s: np.ndarray, q: Queue, rng: np.random.Generator
) -> np.ndarray:
    """Handle time of every handled contact, whole seconds (lognormal around the mean)."""
    mean = np.repeat(mean_s, handled)
    mu = np.log(mean) - 0.5 * q.aht_sigma**2
    return np.clip(np.round(rng.lognormal(mu, q.aht_sigma)), 30, 3600).astype(np.int64)


def build_history(
    grid: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History frame and the table of handled contacts (queue, pick-up instant, handle time)."""
    frames, contacts = [], []
    cell = np.arange(len(grid))
    for qi, q in enumerate(QUEUES):
        h = _queue_history(grid, q, rng)
        ht = _handle_times(h["handled"], h["mean_s"], q, rng)
        total = np.bincount(np.repeat(cell, h["handled"]), weights=ht, minlength=len(grid))
        aht = np.round(np.divide(total, h["handled"], out=total.copy(), where=h["handled"] > 0), 1)
        rows = cell if q.channel == "email" else cell[grid["open"].to_numpy()]
        frames.append(
            pd.DataFrame(
                {
                    "cell": rows,
                    "qi": qi,
                    "queue": q.name,
                    "offered": h["offered"][rows],
                    "handled": h["handled"][rows],
                    "abandoned": h["abandoned"][rows],
                    "aht_s": aht[rows],
                    "answered_in_sl": h["answered_in_sl"][rows],
                    "sl_threshold_s": q.threshold_s,
                }
            )
        )
        contacts.append(pd.DataFrame({"qi": qi, "start_s": h["picked_s"], "handle_s": ht}))
    hist = pd.concat(frames, ignore_index=True).sort_values(["cell", "qi"], ignore_index=True)
    hist.insert(0, "interval_start", to_local(grid["utc_s"].to_numpy()[hist["cell"]]))
    hist = hist.drop(columns=["cell", "qi"])
    counts = ["offered", "handled", "abandoned", "answered_in_sl", "sl_threshold_s"]
    hist[counts] = hist[counts].astype(np.int64)
    hist["aht_s"] = hist["aht_s"].astype(np.float64)
    return hist, pd.concat(contacts, ignore_index=True)
