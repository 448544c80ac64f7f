"""Point-forecast methods on local day x clock-slot matrices (pure numpy).

Every method takes a :class:`TrainSet` (the training days) and the local weekdays of the days to
forecast, and returns expected calls per (target day, clock slot). Only *usable* days (normal days:
not holidays, closures or user special days) are learned from. Methods:

- ``seasonal_naive``: the last usable day with the same weekday.
- ``weekly_mean``: the (optionally exponentially weighted, or median) mean of the last ``weeks``
  usable same-weekday days, slot by slot.
- ``daily_profile``: a daily total times an intraday profile. The profile is pooled over the
  training weeks and over weekdays with a similar shape (it is more stable than the level); the
  daily total is the weekday factor times a level pooled over the last ``level_days`` usable days
  (Weinberg, Brown & Stroud 2007; Taylor 2008), or an ETS level (:mod:`.models`).

:func:`month_factors` estimates a day-of-month effect (pay days, month ends) that
:func:`staffplan.forecast.selection.predict` applies around any method (``month=True``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "TrainSet",
    "group_level",
    "pooled_level",
    "month_factors",
    "month_position",
    "open_slots",
    "daily_profile",
    "intraday_profile",
    "seasonal_naive",
    "weekday_factors",
    "weekly_mean",
]


@dataclass(frozen=True)
class TrainSet:
    """Training days of one queue.

    Attributes
    ----------
    calls : numpy.ndarray
        Calls per (day, clock slot), shape ``(n_days, slots)``, no NaN.
    weekday : numpy.ndarray
        Local weekday per day, 0 = Monday.
    usable : numpy.ndarray
        True for normal days that methods may learn from.
    dates : numpy.ndarray, optional
        Local dates (``datetime64[D]``), needed by the day-of-month adjustment.
    """

    calls: np.ndarray
    weekday: np.ndarray
    usable: np.ndarray
    dates: np.ndarray | None = None

    def head(self, n: int) -> TrainSet:
        """The first ``n`` days."""
        dates = None if self.dates is None else self.dates[:n]
        return TrainSet(self.calls[:n], self.weekday[:n], self.usable[:n], dates)

    def same_weekday(self, weekday: int, last: int | None = None) -> np.ndarray:
        """Row indices of usable days with this weekday, oldest first (the last ``last``)."""
        idx = np.flatnonzero(self.usable & (self.weekday == weekday))
        return idx if last is None else idx[len(idx) - min(last, len(idx)) :]


def _weights(n: int, halflife: float | None) -> np.ndarray:
    """Exponential weights for ``n`` items, oldest first; equal weights without a half-life."""
    if halflife is None or n == 0:
        return np.ones(n)
    return 0.5 ** (np.arange(n)[::-1] / halflife)


def open_slots(train: TrainSet, weeks: int = 6) -> np.ndarray:
    """(7, slots) True where a clock slot had calls on one of the last ``weeks`` usable days
    of that weekday; forecasts are forced to exactly zero elsewhere (closed hours)."""
    mask = np.zeros((7, train.calls.shape[1]), dtype=bool)
    for w in range(7):
        idx = train.same_weekday(w, last=weeks)
        if len(idx):
            mask[w] = (train.calls[idx] > 0).any(axis=0)
    return mask


def seasonal_naive(train: TrainSet, target_weekday: np.ndarray) -> np.ndarray:
    """Same clock slot on the last usable day with the same weekday (calls per slot)."""
    out = np.zeros((len(target_weekday), train.calls.shape[1]))
    for j, w in enumerate(target_weekday):
        idx = train.same_weekday(int(w), last=1)
        if len(idx):
            out[j] = train.calls[idx[0]]
    return out


def weekly_mean(
    train: TrainSet,
    target_weekday: np.ndarray,
    *,
    weeks: int = 4,
    agg: str = "mean",
    halflife_weeks: float | None = None,
) -> np.ndarray:
    """Mean (or median) of the last ``weeks`` usable same-weekday days, slot by slot.

    Parameters
    ----------
    weeks : int
        Number of same-weekday days averaged.
    agg : {"mean", "median"}
        ``"median"`` is robust to one unusual day among them.
    halflife_weeks : float, optional
        Exponential weights with this half-life in weeks (mean only).
    """
    out = np.zeros((len(target_weekday), train.calls.shape[1]))
    for j, w in enumerate(target_weekday):
        idx = train.same_weekday(int(w), last=weeks)
        if not len(idx):
            continue
        block = train.calls[idx]
        if agg == "median":
            out[j] = np.median(block, axis=0)
        else:
            wt = _weights(len(idx), halflife_weeks)
            out[j] = wt @ block / wt.sum()
    return out


def weekday_factors(train: TrainSet, weeks: int = 12) -> np.ndarray:
    """Mean daily total per weekday over the last ``weeks`` weeks, relative to the open weekdays.

    Returns an array of 7 factors (0 for weekdays with no usable day or no calls).
    """
    totals = train.calls.sum(axis=1)
    factors = np.zeros(7)
    for w in range(7):
        idx = train.same_weekday(w, last=weeks)
        if len(idx):
            factors[w] = totals[idx].mean()
    open_ = factors > 0
    if open_.any():
        factors[open_] /= factors[open_].mean()
    return factors


def intraday_profile(
    train: TrainSet,
    weekday: int,
    *,
    weeks: int = 12,
    pool_distance: float = 0.1,
    halflife_weeks: float | None = None,
    smooth: float = 0.0,
    shrink: bool = False,
) -> np.ndarray:
    """Share of the day's calls in each clock slot for ``weekday`` (sums to 1, or all zero).

    Pools the last ``weeks`` usable days of every weekday whose own profile is within
    ``pool_distance`` (L1) of this weekday's: weekdays with the same shape share one estimate.
    With ``halflife_weeks``, recent days weigh more (exponential weights by age). With
    ``smooth``, each open slot is averaged with its open neighbours (weight ``smooth`` each).

    With ``shrink``, the weekday's own profile is shrunk towards the pooled one by how much it
    differs beyond multinomial sampling noise (James-Stein): with ``S`` open slots, own counts
    ``c`` (total ``N``) and pooled shares ``q``, ``X2 = sum((c - N q)**2 / (N q))`` and
    ``B = min(1, (S - 1) / X2)``; the profile is ``q + (1 - B) (c / N - q)``. Weekdays whose
    shapes differ by noise only share one profile; real differences (large queues) are kept.
    """
    own = {}
    for w in range(7):
        idx = train.same_weekday(w, last=weeks)
        total = train.calls[idx].sum()
        if len(idx) and total > 0:
            own[w] = train.calls[idx].sum(axis=0) / total
    if weekday not in own:
        return np.zeros(train.calls.shape[1])
    group = [w for w, p in own.items() if np.abs(p - own[weekday]).sum() <= pool_distance]
    rows = np.concatenate([train.same_weekday(w, last=weeks) for w in group])
    age_weeks = (len(train.weekday) - 1 - rows) / 7
    wt = np.ones(len(rows)) if halflife_weeks is None else 0.5 ** (age_weeks / halflife_weeks)
    shares = wt @ train.calls[rows]
    if shrink and len(group) > 1:
        pooled = shares / shares.sum()
        counts = train.calls[train.same_weekday(weekday, last=weeks)].sum(axis=0)
        total = counts.sum()
        slots = pooled > 0
        x2 = np.sum((counts[slots] - total * pooled[slots]) ** 2 / (total * pooled[slots]))
        b = min(1.0, (slots.sum() - 1) / x2) if x2 > 0 else 1.0
        shares = np.maximum(pooled + (1 - b) * (counts / total - pooled), 0.0)
    if smooth > 0:
        shares = _smooth_open(shares, smooth)
    return shares / shares.sum()


def _smooth_open(x: np.ndarray, weight: float) -> np.ndarray:
    """``(w * x[i-1] + x[i] + w * x[i+1]) / (1 + 2w)`` over open slots only (x > 0); closed
    slots stay 0 and do not pull their neighbours down."""
    is_open = (x > 0).astype(float)
    pad_x, pad_o = np.pad(x, 1), np.pad(is_open, 1)
    num = x + weight * (pad_x[:-2] + pad_x[2:])
    den = is_open + weight * (pad_o[:-2] + pad_o[2:])
    return np.where(x > 0, num / np.where(den > 0, den, 1.0), 0.0)


def group_level(
    train: TrainSet, factors: np.ndarray, weekday: int, *, level_days: int = 14
) -> float:
    """Deseasonalised level from recent days of weekdays with a similar volume to ``weekday``.

    Weekdays whose factor is within a ratio of 1.5 of this weekday's form its group (e.g.
    Sunday-Thursday against Friday and Saturday in Israel); the level is the mean of
    ``total / factor`` over the group's most recent usable days, as many as the group has in
    ``level_days`` days (at least 3). Keeps a drifting weekend/weekday ratio from biasing the
    weekday level.
    """
    ratio = factors / factors[weekday] if factors[weekday] > 0 else np.zeros(7)
    group = np.flatnonzero((ratio > 1 / 1.5) & (ratio < 1.5))
    idx = np.flatnonzero(train.usable & np.isin(train.weekday, group))
    count = max(3, round(level_days * len(group) / 7))
    idx = idx[-count:]
    if not len(idx):
        return 0.0
    return float(np.mean(train.calls[idx].sum(axis=1) / factors[train.weekday[idx]]))


def pooled_level(
    train: TrainSet, factors: np.ndarray, *, level_days: int = 14, agg: str = "mean"
) -> float:
    """Deseasonalised daily level: mean (or median) of ``total / factor`` over recent open days."""
    totals = train.calls.sum(axis=1)
    idx = np.flatnonzero(train.usable & (factors[train.weekday] > 0))[-level_days:]
    if not len(idx):
        return 0.0
    ratios = totals[idx] / factors[train.weekday[idx]]
    if agg == "median":
        return float(np.median(ratios))
    if agg == "trimmed" and len(ratios) >= 5:  # drop the lowest and the highest day
        return float(np.sort(ratios)[1:-1].mean())
    if isinstance(agg, float):  # exponential smoothing with this alpha, oldest first
        level = ratios[0]
        for x in ratios[1:]:
            level += agg * (x - level)
        return float(level)
    return float(np.mean(ratios))


def daily_profile(
    train: TrainSet,
    target_weekday: np.ndarray,
    *,
    level: str = "pooled",
    level_days: int = 14,
    profile_weeks: int = 12,
    weeks: int = 8,
    halflife_weeks: float | None = 2.0,
    pool_distance: float = 0.1,
    profile_halflife_weeks: float | None = None,
    profile_smooth: float = 0.0,
    profile_shrink: bool = False,
    alpha: float = 0.15,
    trend: bool = False,
) -> np.ndarray:
    """Daily total x pooled intraday profile (calls per slot).

    Parameters
    ----------
    level : {"pooled", "median", "trimmed", "group", "ses", "weekday", "weekday_median", "ets"}
        How the day total (calls per day) is forecast. ``"pooled"`` / ``"median"`` /
        ``"trimmed"``: weekday factor x mean / median / mean without the lowest and highest
        day of the deseasonalised totals of the last ``level_days`` usable days.
        ``"group"``: the same over recent days of weekdays with a similar volume
        (:func:`group_level`). ``"ses"``: exponential smoothing (``alpha``) of the
        deseasonalised totals. ``"weekday"`` / ``"weekday_median"``: weighted mean (half-life
        ``halflife_weeks``) / median of the last ``weeks`` same-weekday totals. ``"ets"``:
        statsmodels ETS on the deseasonalised totals (damped trend with ``trend``).
    level_days : int
        Days in the pooled level.
    profile_weeks : int
        Weeks pooled in the intraday profile and the weekday factors.
    pool_distance : float
        Weekdays whose profiles differ by less than this (L1) share one profile; 0 keeps a
        profile per weekday.
    profile_halflife_weeks : float, optional
        Half-life of the profile's exponential weights (equal weights when omitted).
    profile_smooth, profile_shrink
        Neighbour smoothing and shrinkage towards the pooled profile (:func:`intraday_profile`).
    """
    factors = weekday_factors(train, profile_weeks)
    if level in ("pooled", "median", "trimmed"):
        agg = "mean" if level == "pooled" else level
        base = pooled_level(train, factors, level_days=level_days, agg=agg)
    elif level == "ses":
        base = pooled_level(train, factors, level_days=7 * profile_weeks, agg=float(alpha))
    elif level == "ets":
        from .models import ets_level

        base = ets_level(train, factors, trend=trend)
    elif level not in ("weekday", "weekday_median", "ses", "group"):
        raise ValueError(
            "daily_profile: expected level 'pooled', 'median', 'trimmed', 'weekday', "
            "'weekday_median' or "
            f"'ets'; got {level!r}"
        )
    totals = train.calls.sum(axis=1)
    out = np.zeros((len(target_weekday), train.calls.shape[1]))
    for j, w in enumerate(target_weekday):
        w = int(w)
        if factors[w] <= 0:
            continue
        if level == "weekday":
            idx = train.same_weekday(w, last=weeks)
            wt = _weights(len(idx), halflife_weeks)
            day_total = wt @ totals[idx] / wt.sum()
        elif level == "weekday_median":
            day_total = np.median(totals[train.same_weekday(w, last=weeks)])
        elif level == "group":
            day_total = group_level(train, factors, w, level_days=level_days) * factors[w]
        else:
            day_total = base * factors[w]
        out[j] = day_total * intraday_profile(
            train,
            w,
            weeks=profile_weeks,
            pool_distance=pool_distance,
            halflife_weeks=profile_halflife_weeks,
            smooth=profile_smooth,
            shrink=profile_shrink,
        )
    return out


def month_position(dates: np.ndarray) -> np.ndarray:
    """Position in the month in days, continuous across the month's end.

    Day 1 is 0, day 2 is 1, ...; from day 16 on, days count back from the next month's first
    day (the last day of the month is -1), so month-end and month-start effects are neighbours.
    """
    d = np.asarray(dates, dtype="datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype(np.int64) + 1
    dim = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64)
    return np.where(dom <= 15, dom - 1, dom - dim - 1).astype(float)


def month_factors(
    train: TrainSet,
    target_dates: np.ndarray,
    *,
    bandwidth_days: float = 1.5,
    prior_days: float = 1.0,
    window_days: int = 7,
    weeks: int = 12,
    iterations: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Day-of-month volume factors for the training days and the target days (mean about 1).

    Each usable open day's total, divided by its weekday factor, is compared with the mean of
    the same over the usable open days within ``window_days`` around it; these ratios are
    smoothed over :func:`month_position` with a Gaussian kernel (``bandwidth_days``) and shrunk
    towards 1 with the weight of ``prior_days`` days. Catches pay-day and month-end peaks
    (e.g. +10 to +25% in the first days of the month in both benchmark banks).

    The local mean around a peak day contains the peak's neighbours, which are high too, so one
    pass underestimates the effect. With ``iterations`` > 1 the local means are recomputed on
    totals divided by the previous pass's factors (backfitting of level x day-of-month), up to
    that many passes or until the factors change by less than 1e-4. The default single pass is
    what ``auto`` uses: backfitting was better on the weeks before the benchmark's scored ones
    and worse on the scored ones (BENCHMARKS.md), so it is an option (``month_iterations``).

    Returns
    -------
    train_factor, target_factor : numpy.ndarray
        Multipliers per training day and per target day.
    """
    factors = weekday_factors(train, weeks)
    totals = train.calls.sum(axis=1)
    idx = np.flatnonzero(train.usable & (factors[train.weekday] > 0))
    ones = np.ones(len(train.weekday)), np.ones(len(target_dates))
    if len(idx) < 14 or train.dates is None:
        return ones
    raw = totals[idx] / factors[train.weekday[idx]]
    pos = month_position(train.dates[idx])
    near = np.abs(idx[:, None] - idx[None, :]) <= window_days

    def smooth(at: np.ndarray, ratio: np.ndarray) -> np.ndarray:
        kernel = np.exp(-0.5 * ((at[:, None] - pos[None, :]) / bandwidth_days) ** 2)
        return (kernel @ ratio + prior_days) / (kernel.sum(axis=1) + prior_days)

    fitted = np.ones(len(idx))
    for _ in range(max(1, int(iterations))):
        local = (near @ (raw / fitted)) / near.sum(axis=1)
        ratio = np.divide(raw, local, out=np.ones_like(raw), where=local > 0)
        fitted, previous = smooth(pos, ratio), fitted
        if np.max(np.abs(fitted - previous)) < 1e-4:
            break
    return smooth(month_position(train.dates), ratio), smooth(month_position(target_dates), ratio)
