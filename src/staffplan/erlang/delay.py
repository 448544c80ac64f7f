"""Erlang B and C (M/M/n and M/M/n/n): measures for a staffing level, and the staffing needed.

All functions broadcast over scalars and numpy arrays (float64) and never loop in Python over
intervals. Times are seconds, probabilities fractions in [0, 1], loads in Erlangs.

Conventions shared by every function here:

* ``traffic == 0`` (a closed interval or no calls): nobody is blocked or waits, so Erlang B and
  C are 0, the service level is 1, the ASA 0 s and the occupancy 0, whatever the staffing, and
  :func:`required_agents` asks for 0 agents.
* ``traffic > 0`` and ``agents <= traffic``: the M/M/n queue is unstable, so Erlang C is 1, the
  service level 0 and the ASA ``inf``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._checks import as_float, ceil_exact, floor_exact, out
from ._kernels import b_down, b_up, c_from_b, erlang_b_kernel

__all__ = [
    "asa",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "required_agents",
    "scheduled_agents",
    "service_level",
    "traffic",
]


def _traffic(value) -> np.ndarray:
    return as_float(
        "traffic", value, lo=0.0, unit="Erlangs", fix="Offered load cannot be negative."
    )


def _agents(value) -> np.ndarray:
    return as_float("agents", value, lo=0.0, fix="Pass a head count >= 0.")


def traffic(calls, aht_s, interval_s):
    """Offered load in Erlangs.

    Parameters
    ----------
    calls : array_like
        Calls (contacts) offered in the interval, >= 0.
    aht_s : array_like
        Average handle time in seconds, >= 0.
    interval_s : array_like
        Interval length in seconds, > 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``calls * aht_s / interval_s`` (Erlangs): the mean number of busy agents needed.

    Notes
    -----
    Definition of the Erlang (A. K. Erlang, 1909; ITU-T E.600).

    Examples
    --------
    >>> float(traffic(100, 180, 1800))
    10.0
    """
    c = as_float("calls", calls, lo=0.0, fix="Call counts cannot be negative.")
    h = as_float("aht_s", aht_s, lo=0.0, unit="s")
    t = as_float("interval_s", interval_s, lo=0.0, lo_open=True, unit="s")
    return out(c * h / t)


def erlang_b(traffic, agents):
    """Erlang B: probability that an arrival finds all agents busy in a loss system (M/M/n/n).

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    agents : array_like
        Number of agents (servers), >= 0. Whole numbers are expected; real values give the
        usual continuous extension through the incomplete gamma function.

    Returns
    -------
    numpy.ndarray or numpy.float64
        Blocking probability in [0, 1]; 0 where ``traffic == 0``.

    Notes
    -----
    ``B(n, a) = (a**n / n!) / sum_{k<=n} a**k / k!`` (Erlang 1917), evaluated as the ratio of a
    Poisson probability to its distribution function, ``P(X = n) / P(X <= n)`` with
    ``X ~ Poisson(a)`` and ``P(X <= n) = Q(n + 1, a)`` (regularized upper incomplete gamma;
    Jagerman 1974, Bell Syst. Tech. J. 53:525). The Poisson probability uses Loader's (2000)
    saddle-point form, so there are no factorials and no overflow; accuracy is about 1e-13
    relative for loads up to 10**5 Erlangs.

    Examples
    --------
    >>> round(float(erlang_b(10, 14)), 6)
    0.056819
    """
    a = _traffic(traffic)
    n = _agents(agents)
    a, n = np.broadcast_arrays(a, n)
    pos = a > 0.0
    with np.errstate(all="ignore"):
        b = erlang_b_kernel(np.where(pos, a, 1.0), n)
    return out(np.where(pos, b, 0.0))


def _erlang_c(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Erlang C on validated, broadcast arrays (conventions of the module docstring)."""
    stable = n > a
    safe_a = np.where(stable & (a > 0.0), a, 1.0)
    safe_n = np.where(stable & (a > 0.0), n, 2.0)
    with np.errstate(all="ignore"):
        c = c_from_b(erlang_b_kernel(safe_a, safe_n), safe_n, safe_a)
    c = np.where(stable, c, 1.0)
    return np.where(a > 0.0, c, 0.0)


def erlang_c(traffic, agents):
    """Erlang C: probability that an arrival has to wait (M/M/n, infinite patience).

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    agents : array_like
        Number of agents, >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        P(wait > 0) in [0, 1]. Where ``agents <= traffic`` the queue is unstable and the
        result is 1.0 (never a value above 1); where ``traffic == 0`` it is 0.0.

    Notes
    -----
    ``C = n B / (n - a (1 - B))`` with ``B`` the Erlang B probability (Erlang 1917; the
    standard relation between the two formulas, e.g. Cooper, *Introduction to Queueing
    Theory*, 2nd ed., 1981, ch. 3).

    Examples
    --------
    >>> round(float(erlang_c(10, 14)), 4)
    0.1741
    """
    a = _traffic(traffic)
    n = _agents(agents)
    a, n = np.broadcast_arrays(a, n)
    return out(_erlang_c(a, n))


def service_level(traffic, agents, aht_s, threshold_s):
    """Fraction of calls answered within ``threshold_s`` seconds (Erlang C, FCFS).

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    agents : array_like
        Number of agents, >= 0.
    aht_s : array_like
        Average handle time in seconds, > 0 (may be 0 only where ``traffic == 0``).
    threshold_s : array_like
        Service-level threshold (target answer time) in seconds, >= 0; 0 gives the fraction
        answered immediately, ``1 - C``.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``1 - C exp(-(n - a) threshold_s / aht_s)`` in [0, 1]; 0.0 where
        ``agents <= traffic``, 1.0 where ``traffic == 0``.

    Notes
    -----
    Waiting-time distribution of the M/M/n FCFS queue, ``P(W > t) = C e^{-(n mu - lambda) t}``
    (e.g. Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed., 2008,
    ch. 2; Koole, *Call Center Optimization*, 2013).

    Examples
    --------
    >>> round(float(service_level(10, 14, 180, 20)), 4)
    0.8884
    """
    a = _traffic(traffic)
    n = _agents(agents)
    h = _aht(aht_s, a)
    t = as_float("threshold_s", threshold_s, lo=0.0, unit="s")
    a, n, h, t = np.broadcast_arrays(a, n, h, t)
    c = _erlang_c(a, n)
    with np.errstate(all="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * t / np.where(h > 0.0, h, 1.0))
    sl = np.where(n > a, np.clip(sl, 0.0, 1.0), 0.0)
    return out(np.where(a > 0.0, sl, 1.0))


def _aht(aht_s, a: np.ndarray) -> np.ndarray:
    h = as_float("aht_s", aht_s, lo=0.0, unit="s")
    bad = np.broadcast_to(h <= 0.0, np.broadcast_shapes(h.shape, a.shape)) & (a > 0.0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"aht_s must be > 0 s where traffic > 0; got aht_s = 0 at index {idx}. "
            "Fix the handle time, or set the calls of that interval to 0."
        )
    return h


def asa(traffic, agents, aht_s):
    """Average speed of answer over all calls (those answered at once count as 0 s), seconds.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    agents : array_like
        Number of agents, >= 0.
    aht_s : array_like
        Average handle time in seconds, > 0 (may be 0 only where ``traffic == 0``).

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``C aht_s / (n - a)`` seconds; ``inf`` where ``agents <= traffic``, 0.0 where
        ``traffic == 0``.

    Notes
    -----
    Mean wait of the M/M/n queue, ``E[W] = C / (n mu - lambda)`` (Gross et al. 2008, ch. 2).

    Examples
    --------
    >>> round(float(asa(10, 14, 180)), 2)
    7.84
    """
    a = _traffic(traffic)
    n = _agents(agents)
    h = _aht(aht_s, a)
    a, n, h = np.broadcast_arrays(a, n, h)
    c = _erlang_c(a, n)
    with np.errstate(all="ignore"):
        w = c * h / (n - a)
    w = np.where(n > a, w, np.inf)
    return out(np.where(a > 0.0, w, 0.0))


def occupancy(traffic, agents):
    """Agent occupancy: the fraction of staffed time spent handling calls.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0.
    agents : array_like
        Number of agents, >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``traffic / agents`` capped at 1 (1.0 where ``agents == 0 < traffic``; 0.0 where
        ``traffic == 0``).

    Notes
    -----
    Carried load per server of the M/M/n queue (every offered call is eventually carried when
    ``agents > traffic``).
    """
    a = _traffic(traffic)
    n = _agents(agents)
    a, n = np.broadcast_arrays(a, n)
    with np.errstate(all="ignore"):
        occ = np.minimum(a / np.where(n > 0.0, n, 1.0), 1.0)
    occ = np.where(n > 0.0, occ, 1.0)
    return out(np.where(a > 0.0, occ, 0.0))


def scheduled_agents(agents, shrinkage):
    """Agents to schedule so that ``agents`` remain productive after shrinkage.

    Parameters
    ----------
    agents : array_like
        Productive agents required (e.g. from :func:`required_agents`), >= 0.
    shrinkage : array_like
        Fraction of paid time not available for calls (breaks, training, absence), in [0, 1).

    Returns
    -------
    numpy.ndarray or numpy.int64
        ``ceil(agents / (1 - shrinkage))``. The ceiling is exact for decimal inputs: a
        quotient within 1e-10 (relative) above a whole number is that number, so 21 agents at
        30% shrinkage give 30 (binary floating point computes 30.000000000000004), not 31.

    Notes
    -----
    Standard workforce-management definition (e.g. Cleveland, *Call Center Management on Fast
    Forward*, 3rd ed., 2012).

    Examples
    --------
    >>> int(scheduled_agents(21, 0.30))
    30
    """
    n = as_float("agents", agents, lo=0.0)
    s = as_float(
        "shrinkage",
        shrinkage,
        lo=0.0,
        hi=1.0,
        hi_open=True,
        fix="Shrinkage is a fraction of paid time, e.g. 0.30 for 30%.",
    )
    return out(ceil_exact(n / (1.0 - s)).astype(np.int64))


# --------------------------------------------------------------------------------------------
# Required agents
# --------------------------------------------------------------------------------------------


def _hw_terms(beta: np.ndarray):
    """``log1p(beta R)`` and its derivative, ``R = Phi(beta) / phi(beta)`` (Halfin-Whitt)."""
    z = np.log(beta * np.sqrt(2.0 * np.pi) * special.ndtr(beta)) + 0.5 * beta * beta
    e = np.exp(-z)  # z >= log(beta) + 0.22, so e overflows only for beta < 1e-300
    w = 1.0 / (1.0 + e)
    log1p_br = z + np.log1p(e)
    return log1p_br, w * (1.0 / beta + beta) + beta * (1.0 - w)


def _estimate_agents(a, k, log_miss, asa_ratio, iters: int = 3) -> np.ndarray:
    """Starting point of the search: Halfin-Whitt (1981) square-root staffing ``a + beta sqrt(a)``.

    With ``n = a + beta sqrt(a)``, Erlang C is about ``1 / (1 + beta Phi(beta) / phi(beta))``.
    ``beta`` solves ``log C - k beta = log_miss`` for the service level, where
    ``k = sqrt(a) threshold / aht`` and ``log_miss = log(1 - target_sl)``, and
    ``log C - log(beta) = log(asa_ratio)`` for the ASA, ``asa_ratio = sqrt(a) target_asa /
    aht``; a few safeguarded Newton steps each. Only a start: the search then steps to the
    exact answer, so the accuracy of this estimate affects speed, never the result.
    """
    beta = np.ones_like(a)
    for _ in range(iters):
        f, df = _hw_terms(beta)
        beta = np.clip(beta - (f + k * beta + log_miss) / (df + k), 0.1 * beta, 4.0 * beta + 1.0)
    if asa_ratio is not None:
        gamma = np.ones_like(a)
        log_ratio = np.log(asa_ratio)
        for _ in range(iters):
            f, df = _hw_terms(gamma)
            step = (f + np.log(gamma) + log_ratio) / (df + 1.0 / gamma)
            gamma = np.clip(gamma - step, 0.1 * gamma, 4.0 * gamma + 1.0)
        beta = np.maximum(beta, gamma)
    return a + beta * np.sqrt(a)


def _meets(b, n, a, ratio, target_sl, aht, target_asa):
    """Service-level (and ASA) test for ``n > a`` given ``B(n, a)``."""
    c = c_from_b(b, n, a)
    ok = 1.0 - c * np.exp(-(n - a) * ratio) >= target_sl
    if target_asa is not None:
        ok &= c * aht <= target_asa * (n - a)
    return ok


def _search_erlang_c(a, aht, target_sl, threshold, n_lo, target_asa=None) -> np.ndarray:
    """Smallest ``n >= n_lo`` (``n_lo > a``) meeting the targets; flat float64 arrays, a > 0.

    Exact Erlang B at a Halfin-Whitt start, then unit steps with the Erlang B recursion
    (down while the target still holds, up until it holds), each step over only the entries
    still moving. Typically one evaluation of the incomplete gamma function and one or two
    steps per entry.
    """
    ratio = threshold / aht
    with np.errstate(divide="ignore"):
        log_miss = np.log1p(-np.minimum(target_sl, 1.0 - 1e-16))
    sa = np.sqrt(a)
    asa_ratio = None if target_asa is None else sa * target_asa / aht
    n0 = np.maximum(np.ceil(_estimate_agents(a, sa * ratio, log_miss, asa_ratio)), n_lo)
    b0 = erlang_b_kernel(a, n0)
    ok0 = _meets(b0, n0, a, ratio, target_sl, aht, target_asa)
    res = n0.copy()

    def take(idx, *arrays):
        return [x[idx] for x in arrays]

    def sub_asa(idx):
        return None if target_asa is None else target_asa[idx]

    # Step down while n - 1 still meets the targets and stays above the lower bound.
    idx = np.flatnonzero(ok0 & (n0 > n_lo))
    b, n, aa, r, s, h, lo = take(idx, b0, n0, a, ratio, target_sl, aht, n_lo)
    tasa = sub_asa(idx)
    while idx.size:
        b = b_down(b, n, aa)
        n = n - 1.0
        good = _meets(b, n, aa, r, s, h, tasa)
        res[idx[good]] = n[good]
        keep = good & (n > lo)
        idx = idx[keep]
        b, n, aa, r, s, h, lo = take(keep, b, n, aa, r, s, h, lo)
        tasa = None if tasa is None else tasa[keep]
    # Step up until the targets are met.
    idx = np.flatnonzero(~ok0)
    b, n, aa, r, s, h = take(idx, b0, n0, a, ratio, target_sl, aht)
    tasa = sub_asa(idx)
    while idx.size:
        b = b_up(b, n, aa)
        n = n + 1.0
        good = _meets(b, n, aa, r, s, h, tasa)
        res[idx[good]] = n[good]
        keep = ~good
        idx = idx[keep]
        b, n, aa, r, s, h = take(keep, b, n, aa, r, s, h)
        tasa = None if tasa is None else tasa[keep]
    return res


def _lower_bound(a: np.ndarray, max_occ: np.ndarray) -> np.ndarray:
    """Smallest head count with ``n > a`` and ``a / n <= max_occ``, decided exactly."""
    return np.maximum(floor_exact(a) + 1.0, ceil_exact(a / max_occ))


def _targets(target_sl, threshold_s, max_occupancy, target_asa_s):
    s = as_float(
        "target_sl",
        target_sl,
        lo=0.0,
        hi=1.0,
        fix="Targets are fractions in [0, 1], e.g. 0.8 for 80/20.",
    )
    t = as_float("threshold_s", threshold_s, lo=0.0, unit="s")
    m = as_float(
        "max_occupancy",
        max_occupancy,
        lo=0.0,
        lo_open=True,
        hi=1.0,
        fix="Occupancy caps are fractions in (0, 1], e.g. 0.85.",
    )
    w = None
    if target_asa_s is not None:
        w = as_float("target_asa_s", target_asa_s, lo=0.0, lo_open=True, unit="s")
    return s, t, m, w


def required_agents(
    traffic, aht_s, *, target_sl, threshold_s, max_occupancy=1.0, target_asa_s=None
):
    """Smallest head count meeting a service-level target under Erlang C.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs, >= 0 (see :func:`traffic`).
    aht_s : array_like
        Average handle time in seconds, > 0 (may be 0 only where ``traffic == 0``).
    target_sl : array_like
        Target fraction answered within ``threshold_s``, in [0, 1] (0.8 for 80/20).
    threshold_s : array_like
        Service-level threshold in seconds, >= 0 (20 for 80/20).
    max_occupancy : array_like, default 1.0
        Cap on ``traffic / agents``, in (0, 1].
    target_asa_s : array_like, optional
        Cap on the average speed of answer (all calls), seconds, > 0.

    Returns
    -------
    numpy.ndarray or numpy.int64
        The smallest whole ``n > traffic`` with ``service_level(traffic, n, aht_s,
        threshold_s) >= target_sl``, ``asa(traffic, n, aht_s) <= target_asa_s`` if given,
        and ``traffic / n <= max_occupancy``. Where ``traffic == 0`` the answer is 0 (no
        calls, no agents), not 1.

    Notes
    -----
    Erlang C staffing (e.g. Koole 2013; Gans, Koole & Mandelbaum 2003, M&SOM 5(2):79-141).
    The search starts at the Halfin-Whitt (1981, Oper. Res. 29:567) square-root-staffing
    estimate, evaluates Erlang B exactly there (see :func:`erlang_b`) and then moves one agent
    at a time with the exact Erlang B recursion, vectorised over the entries still moving; the
    answer is the exact minimum, not an approximation.

    Integer decisions are exact for decimal inputs: the bounds ``n > traffic`` and
    ``n >= traffic / max_occupancy`` treat quotients within 1e-10 (relative) of a whole number
    as that number, so 9.6 Erlangs at a 0.8 cap need 12 agents, not 13.

    Examples
    --------
    >>> int(required_agents(10.0, 180.0, target_sl=0.8, threshold_s=20.0))
    14
    >>> int(required_agents(9.6, 180.0, target_sl=0.0, threshold_s=20.0, max_occupancy=0.8))
    12
    """
    a = _traffic(traffic)
    h = _aht(aht_s, a)
    s, t, m, w = _targets(target_sl, threshold_s, max_occupancy, target_asa_s)
    arrays = [a, h, s, t, m] + ([] if w is None else [w])
    shape = np.broadcast_shapes(*(x.shape for x in arrays))
    flat = [np.broadcast_to(x, shape).ravel() for x in arrays]
    a, h, s, t, m = flat[:5]
    w = flat[5] if target_asa_s is not None else None
    res = np.zeros(a.shape, dtype=np.float64)
    pos = np.flatnonzero(a > 0.0)
    if pos.size:
        ap = a[pos]
        res[pos] = _search_erlang_c(
            ap,
            h[pos],
            s[pos],
            t[pos],
            _lower_bound(ap, m[pos]),
            None if w is None else w[pos],
        )
    return out(res.astype(np.int64).reshape(shape))
