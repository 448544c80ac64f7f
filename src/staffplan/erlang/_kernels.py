"""Unchecked numerical kernels: the Poisson probability in log form and Erlang B.

These take float64 arrays that are already validated and broadcast, and return float64
arrays. They never form factorials or powers, so they neither overflow nor lose accuracy for
offered loads up to 10**6 Erlangs and beyond.

The identity used throughout (Jagerman 1974; any queueing text) is that the Erlang B blocking
probability with ``n`` servers and ``a`` Erlangs is the ratio of a Poisson(``a``) probability
to its distribution function::

    B(n, a) = P(X = n) / P(X <= n),    X ~ Poisson(a),

with ``P(X <= n) = Q(n + 1, a)``, the regularized upper incomplete gamma function
(:func:`scipy.special.gammaincc`), which extends the formula to real ``n``.

``P(X = n) = a**n e**-a / n!`` is computed as ``exp(-stirlerr(n) - bd0(n, a)) / sqrt(2 pi n)``
(Loader 2000, "Fast and accurate computation of binomial probabilities"), which keeps the
absolute error of its logarithm at a few ulps even for ``n`` near 10**5, so ``B`` is accurate
to about 1e-13 relative where ``B`` is not denormal.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["b_down", "b_up", "c_from_b", "erlang_b_kernel", "log_poisson_pmf"]

_LN_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
# Below this log-probability exp() underflows to zero or a denormal.
_LOG_TINY = -700.0


def _stirlerr(n: np.ndarray) -> np.ndarray:
    """``log(n!) - (n + 1/2) log(n) + n - log(sqrt(2 pi))`` for ``n > 15`` (Stirling series)."""
    n2 = n * n
    return (
        1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * n2)) / n2) / n2) / n2
    ) / n


def log_poisson_pmf(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``log(a**n exp(-a) / Gamma(n + 1))`` for real ``n >= 0`` and ``a >= 0``.

    For ``n > 15`` the saddle-point form of Loader (2000) is used,
    ``-stirlerr(n) - bd0(n, a) - log(sqrt(2 pi n))`` with
    ``bd0 = n log(n / a) + a - n = n log1p((n - a) / a) - (n - a)``; below, the direct form
    ``n log(a) - a - gammaln(n + 1)``, whose terms are small there.
    """
    n, a = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(a, np.float64))
    res = np.empty(n.shape)
    big = n > 15.0
    if big.all():
        nb, ab = n, a
    else:
        nb, ab = n[big], a[big]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = nb - ab
        bd0 = nb * np.log1p(d / ab) - d
        lb = -_stirlerr(nb) - bd0 - _LN_SQRT_2PI - 0.5 * np.log(nb)
        lb = np.where(ab > 0.0, lb, -np.inf)
    if big.all():
        return lb
    res[big] = lb
    small = ~big
    ns, as_ = n[small], a[small]
    with np.errstate(divide="ignore", invalid="ignore"):
        res[small] = special.xlogy(ns, as_) - as_ - special.gammaln(ns + 1.0)
    return res


def _inv_b_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``1 / B(n, a) = sum_k prod_{j<k} (n - j) / a`` for overloaded ``a > n + 1``.

    Used where ``P(X = n)`` underflows (``a`` far above ``n``); the terms then shrink at
    least geometrically with ratio ``n / a`` well below one.
    """
    total = np.ones_like(a)
    term = np.ones_like(a)
    active = np.arange(a.size)
    k = 0.0
    while active.size:
        term = term * ((n[active] - k) / a[active])
        total[active] += term
        k += 1.0
        keep = np.abs(term) > 1e-17 * total[active]
        active, term = active[keep], term[keep]
    return total


def erlang_b_kernel(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Erlang B for ``a > 0`` Erlangs and real ``n >= 0`` servers (arrays of one shape)."""
    a, n = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(n, np.float64))
    lp = log_poisson_pmf(n, a)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        b = np.exp(lp) / special.gammaincc(n + 1.0, a)
    under = (lp < _LOG_TINY) & (n < a)
    if under.any():
        b = np.array(b, copy=True)
        b[under] = 1.0 / _inv_b_series(n[under], a[under])
    b = np.where(n == 0.0, 1.0, b)
    return np.clip(b, 0.0, 1.0)


def b_up(b: np.ndarray, n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``B(n + 1, a)`` from ``B(n, a)``: the classical stable forward recursion."""
    ab = a * b
    return ab / (n + 1.0 + ab)


def b_down(b: np.ndarray, n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``B(n - 1, a)`` from ``B(n, a)`` (inverse recursion; stable while ``B`` is small)."""
    return n * b / (a * (1.0 - b))


def c_from_b(b: np.ndarray, n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang C from Erlang B for ``n > a``: ``C = n B / (n - a (1 - B))``, capped at 1."""
    return np.minimum(n * b / (n - a * (1.0 - b)), 1.0)
