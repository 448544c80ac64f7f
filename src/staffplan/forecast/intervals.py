"""Calibrated prediction bands: negative binomial (Poisson-gamma) with a fitted dispersion.

Calls in an interval are modelled as negative binomial with mean ``mu`` and variance
``mu + dispersion * mu**2`` (Poisson arrivals whose rate carries day-level and interval-level
randomness, as in Weinberg, Brown & Stroud 2007). The dispersion is chosen so that the central
``level`` band covers ``level`` of the actuals in a rolling backtest on the training history, which
absorbs both overdispersion and the point forecast's own error.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["calibrate_dispersion", "coverage", "moment_dispersion", "nb_band"]


def nb_band(mean: np.ndarray, dispersion: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` band of a negative binomial with the given mean and dispersion.

    Parameters
    ----------
    mean : array_like
        Expected calls per interval (>= 0).
    dispersion : float
        ``phi`` in ``var = mean + phi * mean**2`` (0 gives Poisson).
    level : float
        Central coverage in (0, 1), e.g. 0.8 for the 10%-90% band.

    Returns
    -------
    lo, hi : numpy.ndarray
        Integer-valued calls (as float); both 0 where the mean is 0.
    """
    mean = np.asarray(mean, dtype=float)
    a, b = (1 - level) / 2, (1 + level) / 2
    pos = mean > 0
    lo = np.zeros_like(mean)
    hi = np.zeros_like(mean)
    m = mean[pos]
    if dispersion <= 1e-9:
        lo[pos], hi[pos] = stats.poisson.ppf(a, m), stats.poisson.ppf(b, m)
    else:
        n = 1.0 / dispersion
        p = n / (n + m)
        lo[pos], hi[pos] = stats.nbinom.ppf(a, n, p), stats.nbinom.ppf(b, n, p)
    return lo, hi


def _nb_cdf(k: np.ndarray, mean: np.ndarray, dispersion: float) -> np.ndarray:
    if dispersion <= 1e-9:
        return stats.poisson.cdf(k, mean)
    n = 1.0 / dispersion
    return stats.nbinom.cdf(k, n, n / (n + mean))


def _band_coverage(mean: np.ndarray, actual: np.ndarray, dispersion: float, level: float) -> float:
    """Coverage of :func:`nb_band` without computing the band: ``ppf(a) <= y <= ppf(b)``
    holds exactly when ``cdf(y) >= a`` and ``cdf(y - 1) < b`` (means > 0)."""
    a, b = (1 - level) / 2, (1 + level) / 2
    inside = (_nb_cdf(actual, mean, dispersion) >= a) & (_nb_cdf(actual - 1, mean, dispersion) < b)
    return float(np.mean(inside))


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actuals inside the closed band ``[lo, hi]``."""
    actual = np.asarray(actual)
    if actual.size == 0:
        return float("nan")
    return float(np.mean((actual >= lo) & (actual <= hi)))


def moment_dispersion(mean: np.ndarray, actual: np.ndarray) -> float:
    """Method-of-moments ``phi``: ``sum((y - mu)**2 - mu) / sum(mu**2)``, floored at 0."""
    mean, actual = np.asarray(mean, float), np.asarray(actual, float)
    denom = float(np.sum(mean**2))
    if denom <= 0:
        return 0.0
    return max(0.0, float(np.sum((actual - mean) ** 2 - mean)) / denom)


def calibrate_dispersion(
    mean: np.ndarray, actual: np.ndarray, level: float, *, max_dispersion: float = 4.0
) -> float:
    """Smallest ``phi`` whose ``level`` band covers ``level`` of ``actual`` (bisection).

    Falls back to :func:`moment_dispersion` when there are fewer than 50 non-zero means.
    """
    mean, actual = np.asarray(mean, float), np.asarray(actual, float)
    keep = mean > 0
    mean, actual = mean[keep], actual[keep]
    if mean.size < 50:
        return moment_dispersion(mean, actual)
    actual = np.round(actual)
    if _band_coverage(mean, actual, 0.0, level) >= level:
        return 0.0
    lo_phi, hi_phi = 0.0, max_dispersion
    if _band_coverage(mean, actual, hi_phi, level) < level:
        return hi_phi
    for _ in range(30):
        mid = 0.5 * (lo_phi + hi_phi)
        if _band_coverage(mean, actual, mid, level) >= level:
            hi_phi = mid
        else:
            lo_phi = mid
        if hi_phi - lo_phi < 1e-4:
            break
    return hi_phi
