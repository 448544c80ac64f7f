"""statsmodels-based methods: an ETS daily level and MSTL on the interval series."""

from __future__ import annotations

import warnings

import numpy as np

from .methods import TrainSet, weekday_factors

__all__ = ["ets_level", "mstl"]


def ets_level(
    train: TrainSet, factors: np.ndarray, *, trend: bool = False, steps: int = 4
) -> float:
    """One-step-ahead level of the deseasonalised daily totals (calls per day, factor 1).

    Simple exponential smoothing (statsmodels ``ETSModel``, additive error; with ``trend``, an
    additive damped trend) fitted by maximum likelihood to ``total / weekday factor`` of the
    usable open days, in day order; returns the forecast ``steps`` open days ahead.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    totals = train.calls.sum(axis=1)
    idx = np.flatnonzero(train.usable & (factors[train.weekday] > 0))
    series = totals[idx] / factors[train.weekday[idx]]
    if len(series) < 10:
        return float(series.mean()) if len(series) else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if trend:
            model = ETSModel(series, error="add", trend="add", damped_trend=True)
        else:
            model = ETSModel(series, error="add", trend=None)
        fit = model.fit(disp=False)
    # the level a few open days ahead (the middle of a one-week horizon)
    return float(max(fit.forecast(steps)[-1], 0.0))


def mstl(train: TrainSet, target_weekday: np.ndarray, *, weeks: int = 8) -> np.ndarray:
    """statsmodels MSTL (daily and weekly periods) on the last ``weeks`` weeks of slots.

    Unusable days are replaced by the same-weekday mean before decomposing. The forecast is the
    last week's weekly + daily seasonal components plus a damped-trend ETS forecast of the
    trend + remainder, clipped at zero (calls per slot).
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.seasonal import MSTL

    n_days, slots = train.calls.shape
    keep = min(n_days, 7 * weeks)
    calls = train.calls[-keep:].copy()
    wd = train.weekday[-keep:]
    usable = train.usable[-keep:]
    for i in np.flatnonzero(~usable):
        same = usable & (wd == wd[i])
        calls[i] = calls[same].mean(axis=0) if same.any() else 0.0
    series = calls.ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = MSTL(series, periods=(slots, 7 * slots), stl_kwargs={"robust": False}).fit()
        deseason = res.trend + res.resid
        ets = ExponentialSmoothing(deseason[-7 * slots :], trend="add", damped_trend=True).fit()
    seasonal = res.seasonal if res.seasonal.ndim == 1 else res.seasonal.sum(axis=1)
    last_week = seasonal[-7 * slots :].reshape(7, slots)
    last_wd = wd[-7:]
    h = len(target_weekday) * slots
    level = ets.forecast(h).reshape(len(target_weekday), slots)
    out = np.zeros((len(target_weekday), slots))
    for j, w in enumerate(target_weekday):
        pos = np.flatnonzero(last_wd == w)
        if len(pos) and weekday_factors(train)[w] > 0:
            out[j] = np.maximum(level[j] + last_week[pos[0]], 0.0)
    return out
