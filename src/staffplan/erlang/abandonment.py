"""Erlang A (M/M/n+M): queues whose callers hang up after an exponential patience.

Model (Palm 1943; Garnett, Mandelbaum & Reiman 2002, M&SOM 4:208): Poisson arrivals at rate
``lambda``, ``n`` agents with exponential handle times of mean ``aht_s = 1/mu``, first come
first served, and every waiting caller abandons after an exponential patience of mean
``patience_s = 1/theta``. The queue is stable for every ``n``, also ``n <= traffic``.

Formulas (derived from the M/M/n+G representation of Baccelli & Hebuterne 1981 as summarised
by Mandelbaum & Zeltyn 2007, "The M/M/n+G queue: summary of performance measures", Technion).
Write ``a = lambda/mu`` (Erlangs), ``x = n mu/theta``, ``y = lambda/theta``, ``rho = a/n``,
``P(s, z)`` / ``Q(s, z)`` the regularized lower / upper incomplete gamma functions and
``h(s, z) = z**s e**-z / Gamma(s + 1)``. The offered wait ``V`` (the wait of a caller with
infinite patience) has an atom ``1 - p_wait`` at 0 and, for ``v > 0``, the density
``f(v) = lambda exp(lambda H(v) - n mu v) / D`` with ``H(v) = (1 - e^{-theta v}) / theta``.
Substituting ``s = y e^{-theta v}`` turns every integral into incomplete gamma functions:

* ``A = P(x, y) / h(x, y)`` (Mandelbaum & Zeltyn's ``A(x, y)``);
* ``p_wait = 1 / (1 + K)``, ``K = (1/B(n, a) - 1) / A = Q(n, a) h(x, y) / (h(n, a) P(x, y))``,
  the same as Mandelbaum & Zeltyn's ``A E / (1 + (A - 1) E)`` with ``E`` the Erlang B value;
* ``p_abandon = p_wait (1 - (1 - 1/A) / rho)``;
* answered within ``t`` = ``1 - p_wait + p_wait / rho * (1 - 1/A - P(x + 1, y e^{-theta t})
  / P(x, y))``;
* mean wait of all callers ``E[min(V, patience)] = p_abandon / theta``;
* mean wait of answered callers: ``E[V e^{-theta V}] / P(answered)``. Its integral has no
  incomplete-gamma form; it is ``p_wait (1 - 1/A) / rho / theta`` times the mean of ``u`` under
  the log-concave density ``exp(y (1 - e^{-u}) - (x + 1) u)`` on ``u > 0``, computed by
  Gauss-Legendre quadrature (3 panels of 32 nodes fitted to the mode and the tails; about
  1e-10 relative).

All logarithms are formed without overflow, so loads up to 10**5 Erlangs and patience up to
10**7 s are fine; as ``patience_s`` grows the measures tend to Erlang C (tested).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._checks import as_float, out
from ._kernels import erlang_b_kernel, log_poisson_pmf
from .delay import _agents, _aht, _traffic

__all__ = ["erlang_a", "required_agents_a"]

_XG, _WG = np.polynomial.legendre.leggauss(32)
_KEYS = (
    "p_wait",
    "p_abandon",
    "sl_offered",
    "sl_answered",
    "asa_answered_s",
    "mean_wait_all_s",
    "occupancy",
)


def _patience(value) -> np.ndarray:
    return as_float(
        "patience_s",
        value,
        lo=0.0,
        lo_open=True,
        unit="s",
        fix="Mean patience must be positive; for infinitely patient callers use erlang_c.",
    )


def _mean_scaled_wait(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean of ``u`` under the density proportional to ``exp(y (1 - e^-u) - (x + 1) u)``, u > 0.

    The log-density is concave with its mode at ``u* = max(0, log(y / (x + 1)))``. The
    integration window is cut where the density has fallen by ``e**-40`` below its peak
    (bounds from ``d - 1 + e**-d >= d**2 / 2``), split at the mode and at the end of the
    Gaussian core, and each panel gets 32 Gauss-Legendre nodes.
    """
    x1 = x + 1.0
    interior = y > x1
    ustar = np.where(interior, np.log(np.where(interior, y / x1, 1.0)), 0.0)
    curv = np.where(interior, x1, y)  # y e^{-u*}: curvature of the log-density at the mode
    c = 40.0 / curv
    slope = np.maximum(x1 - y, 0.0)
    with np.errstate(divide="ignore"):
        right_bd = np.minimum(np.where(slope > 0.0, 40.0 / slope, np.inf), np.sqrt(2.0 * c) + c)
    right = np.where(interior, ustar + np.sqrt(2.0 * c) + c, right_bd)
    left = np.where(interior, np.maximum(ustar - np.sqrt(2.0 * c), 0.0), 0.0)
    core = np.minimum(ustar + np.sqrt(2.0 * c), right)
    edges = (left, ustar, core, right)
    num = np.zeros_like(x)
    den = np.zeros_like(x)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        half = 0.5 * (hi - lo)
        u = (0.5 * (hi + lo))[:, None] + half[:, None] * _XG
        d = u - ustar[:, None]
        # log-density relative to the mode, accurate near it: -K expm1(-d) - (x + 1) d
        f = np.exp(-curv[:, None] * np.expm1(-d) - x1[:, None] * d) * (_WG * half[:, None])
        num += (f * u).sum(axis=1)
        den += f.sum(axis=1)
    return num / den


def _log_kummer(s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log A(s, z) = log(P(s, z) / h(s, z)) = log M(1, s + 1, z)`` without underflow.

    Below the mode (``z < s + 1``) ``M`` is at most about ``sqrt(s)`` and
    :func:`scipy.special.hyp1f1` gives it to ~1e-14; above, ``P(s, z) >= 1/2`` and the ratio of
    ``gammainc`` to the Poisson-form ``h`` is used in logs (``h`` may underflow there).
    """
    below = z < s + 1.0
    res = np.empty_like(z)
    res[below] = np.log(special.hyp1f1(1.0, s[below] + 1.0, z[below]))
    above = ~below
    sa, za = s[above], z[above]
    res[above] = np.log(special.gammainc(sa, za)) - log_poisson_pmf(sa, za)
    return res


def _core(a, n, aht, patience, threshold, *, with_asa: bool) -> dict[str, np.ndarray]:
    """Erlang A measures for flat arrays with ``a > 0`` and ``n > 0``."""
    x = n * patience / aht
    y = a * patience / aht
    b = erlang_b_kernel(a, n)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore", over="ignore"):
        log_a = _log_kummer(x, y)
        # K = (1/B - 1) / A; p_wait = 1 / (1 + K)
        p_wait = special.expit(log_a - np.log((1.0 - b) / b))
        waits = p_wait > 0.0
        inv_a = np.exp(-log_a)
        served_after_wait = np.where(waits, p_wait * (1.0 - inv_a) * (n / a), 0.0)
        p_abandon = np.clip(p_wait - served_after_wait, 0.0, 1.0)
        # P(x + 1, y_t) / P(x, y) with P(s, z) = h(s, z) A(s, z), all in logs
        y_t = y * np.exp(-threshold / patience)
        log_late = (
            log_poisson_pmf(x + 1.0, y_t)
            + _log_kummer(x + 1.0, y_t)
            - log_poisson_pmf(x, y)
            - log_a
        )
        late = np.where(y_t > 0.0, np.exp(log_late), 0.0)
        within = np.where(waits, p_wait * (n / a) * np.maximum(1.0 - inv_a - late, 0.0), 0.0)
    sl_offered = np.clip(1.0 - p_wait + within, 0.0, 1.0)
    answered = 1.0 - p_abandon
    with np.errstate(divide="ignore", invalid="ignore"):  # nobody answered: NaN
        sl_answered = np.clip(sl_offered / answered, 0.0, 1.0)
    res = {
        "p_wait": p_wait,
        "p_abandon": p_abandon,
        "sl_offered": sl_offered,
        "sl_answered": sl_answered,
        "mean_wait_all_s": p_abandon * patience,
        "occupancy": np.minimum(a * answered / n, 1.0),
    }
    if with_asa:
        asa = np.zeros_like(a)
        idx = np.flatnonzero(served_after_wait > 0.0)
        if idx.size:
            mean_u = _mean_scaled_wait(x[idx], y[idx])
            asa[idx] = served_after_wait[idx] * patience[idx] * mean_u / answered[idx]
        res["asa_answered_s"] = asa
    return res


def erlang_a(traffic, agents, aht_s, patience_s, threshold_s):
    """Erlang A (M/M/n+M) measures: waiting, abandonment and service level with impatient callers.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    agents : array_like
        Number of agents, >= 0 (whole numbers expected). Any value is valid, also
        ``agents <= traffic``: abandonment keeps the queue stable.
    aht_s : array_like
        Average handle time in seconds, > 0 (may be 0 only where ``traffic == 0``).
    patience_s : array_like
        Mean caller patience in seconds (exponential), > 0.
    threshold_s : array_like
        Service-level threshold in seconds, >= 0.

    Returns
    -------
    dict of str to numpy.ndarray (numpy.float64 for scalar inputs)
        ``p_wait``
            Probability that an arrival finds all agents busy (has to queue).
        ``p_abandon``
            Fraction of offered calls that hang up before being answered.
        ``sl_offered``
            Calls answered within ``threshold_s`` / calls offered. Every abandoned call counts
            as a failure, also one that hung up before the threshold (the common convention,
            and the strictest).
        ``sl_answered``
            Calls answered within ``threshold_s`` / calls answered.
        ``asa_answered_s``
            Mean wait of the answered calls, seconds (0 s for those answered at once).
        ``mean_wait_all_s``
            Mean time in queue over all offered calls, abandoned ones included, seconds.
        ``occupancy``
            Carried load per agent, ``traffic (1 - p_abandon) / agents``.

        Where ``traffic == 0``: no waits, ``sl_* = 1``, zeros elsewhere. Where
        ``agents == 0 < traffic``: every call abandons, ``p_wait = p_abandon = 1``,
        ``sl_* = 0``, ``asa_answered_s = inf``, ``mean_wait_all_s = patience_s``,
        ``occupancy = 1``.

    Notes
    -----
    Palm (1943); Garnett, Mandelbaum & Reiman (2002), "Designing a call center with impatient
    customers", M&SOM 4(3):208-227; Mandelbaum & Zeltyn (2007), "The M/M/n+G queue: summary of
    performance measures". See the module docstring for the incomplete-gamma forms used and
    their derivation. Checked in the tests against a discrete-event simulation and against a
    high-precision sum over the birth-death stationary distribution.

    Examples
    --------
    >>> m = erlang_a(10.0, 14, 180.0, 120.0, 20.0)
    >>> round(float(m["p_abandon"]), 4), round(float(m["sl_offered"]), 4)
    (0.0228, 0.9327)
    """
    a = _traffic(traffic)
    n = _agents(agents)
    h = _aht(aht_s, a)
    p = _patience(patience_s)
    t = as_float("threshold_s", threshold_s, lo=0.0, unit="s")
    shape = np.broadcast_shapes(a.shape, n.shape, h.shape, p.shape, t.shape)
    a, n, h, p, t = (np.broadcast_to(v, shape).ravel() for v in (a, n, h, p, t))
    res = {
        "p_wait": np.zeros(a.shape),
        "p_abandon": np.zeros(a.shape),
        "sl_offered": np.ones(a.shape),
        "sl_answered": np.ones(a.shape),
        "asa_answered_s": np.zeros(a.shape),
        "mean_wait_all_s": np.zeros(a.shape),
        "occupancy": np.zeros(a.shape),
    }
    none = np.flatnonzero((a > 0.0) & (n == 0.0))
    for key, value in (
        ("p_wait", 1.0),
        ("p_abandon", 1.0),
        ("sl_offered", 0.0),
        ("sl_answered", 0.0),
        ("asa_answered_s", np.inf),
        ("occupancy", 1.0),
    ):
        res[key][none] = value
    res["mean_wait_all_s"][none] = p[none]
    idx = np.flatnonzero((a > 0.0) & (n > 0.0))
    if idx.size:
        core = _core(a[idx], n[idx], h[idx], p[idx], t[idx], with_asa=True)
        for key in _KEYS:
            res[key][idx] = core[key]
    return {key: out(res[key].reshape(shape)) for key in _KEYS}


def required_agents_a(
    traffic,
    aht_s,
    patience_s,
    *,
    target_sl,
    threshold_s,
    max_abandon=None,
    max_occupancy=1.0,
):
    """Smallest head count meeting a service-level target under Erlang A (M/M/n+M).

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    aht_s : array_like
        Average handle time in seconds, > 0 (may be 0 only where ``traffic == 0``).
    patience_s : array_like
        Mean caller patience in seconds (exponential), > 0.
    target_sl : array_like
        Target for ``sl_offered`` (answered within ``threshold_s`` / offered, abandoned calls
        count as failures), in [0, 1].
    threshold_s : array_like
        Service-level threshold in seconds, >= 0.
    max_abandon : array_like, optional
        Cap on the abandoned fraction ``p_abandon``, in [0, 1].
    max_occupancy : array_like, default 1.0
        Cap on the occupancy of :func:`erlang_a` (carried load per agent), in (0, 1].

    Returns
    -------
    numpy.ndarray or numpy.int64
        The smallest whole ``n >= 1`` whose :func:`erlang_a` measures meet every target; 0
        where ``traffic == 0``. It may be below ``traffic``.

    Raises
    ------
    ValueError
        On invalid input, or (a safeguard) if no head count up to about ``2**200`` meets the
        targets. Extreme targets (``target_sl=1``, ``max_abandon=0``) are met where the
        floating-point measure rounds to them, as in :func:`~staffplan.erlang.required_agents`.

    Notes
    -----
    Vectorised search: a lower bound from ``sl_offered <= agents / traffic``, a galloping
    upper bound, then bisection, over only the unfinished entries. Exact because the measures
    are monotone in the head count (service level and occupancy improve, abandonment falls;
    property-tested).

    Examples
    --------
    >>> int(required_agents_a(10.0, 180.0, 120.0, target_sl=0.8, threshold_s=20.0))
    12
    """
    a = _traffic(traffic)
    h = _aht(aht_s, a)
    p = _patience(patience_s)
    s = as_float("target_sl", target_sl, lo=0.0, hi=1.0, fix="Targets are fractions in [0, 1].")
    t = as_float("threshold_s", threshold_s, lo=0.0, unit="s")
    m = as_float("max_occupancy", max_occupancy, lo=0.0, lo_open=True, hi=1.0, fix="e.g. 0.85.")
    ab = None if max_abandon is None else as_float("max_abandon", max_abandon, lo=0.0, hi=1.0)
    arrays = [a, h, p, s, t, m] + ([] if ab is None else [ab])
    shape = np.broadcast_shapes(*(v.shape for v in arrays))
    flat = [np.broadcast_to(v, shape).ravel() for v in arrays]
    res = np.zeros(flat[0].shape)
    pos = np.flatnonzero(flat[0] > 0.0)
    if pos.size:
        args = [v[pos] for v in flat]
        res[pos] = _search_erlang_a(*args[:6], None if ab is None else args[6])
    return out(res.astype(np.int64).reshape(shape))


def _search_erlang_a(a, aht, patience, target_sl, threshold, max_occ, max_ab):
    """Bisection for the smallest ``n >= 1`` meeting the Erlang A targets (flat, ``a > 0``)."""

    def meets(idx, n):
        m = _core(a[idx], n, aht[idx], patience[idx], threshold[idx], with_asa=False)
        ok = (m["sl_offered"] >= target_sl[idx]) & (m["occupancy"] <= max_occ[idx])
        if max_ab is not None:
            ok &= m["p_abandon"] <= max_ab[idx]
        return ok

    # sl_offered <= answered fraction <= n / a, so n < target * a always fails.
    lo = np.maximum(np.ceil(target_sl * a) - 2.0, 0.0)
    hi = np.maximum(np.ceil(a + np.sqrt(a)), lo + 1.0)
    step = np.maximum(np.ceil(np.sqrt(a)), 1.0)
    idx = np.arange(a.size)
    for _ in range(200):
        ok = meets(idx, hi[idx])
        bad = idx[~ok]
        if not bad.size:
            break
        lo[bad] = hi[bad]
        hi[bad] += step[bad]
        step[bad] *= 2.0
        idx = bad
    else:
        raise ValueError(
            f"Erlang A target cannot be met for traffic = {a[idx[0]]!r} Erlangs "
            f"(target_sl = {target_sl[idx[0]]!r}, max_abandon = "
            f"{None if max_ab is None else max_ab[idx[0]]!r}); relax the target."
        )
    idx = np.flatnonzero(hi - lo > 1.0)
    while idx.size:
        mid = np.floor(0.5 * (lo[idx] + hi[idx]))
        ok = meets(idx, mid)
        hi[idx[ok]] = mid[ok]
        lo[idx[~ok]] = mid[~ok]
        idx = idx[hi[idx] - lo[idx] > 1.0]
    return hi
