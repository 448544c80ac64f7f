"""Deferred work (email, back office): staffing so that every item meets its deadline.

Fluid model on the planning intervals. Items arriving in interval ``i`` bring
``arrivals[i] * aht_s[i] / interval_s`` agent-intervals of work, may be worked from interval
``i`` on (an arrival is assumed available from the start of its interval; use a deadline one
interval shorter for the strict convention) and must be finished by the end of interval
``i + d - 1``, ``d = deadline_s / interval_s`` whole intervals. Agents work only in open
intervals, each giving ``max_occupancy`` agent-intervals of work. Work may be split across
intervals and agents (preemptive, divisible).

The minimum total of agent-intervals is found by an exact earliest-deadline greedy (proof in
:func:`required_agents_deferred`), in one pass over the intervals vectorised over all other
axes (queues, scenarios).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float, ceil_exact, floor_exact

__all__ = ["required_agents_deferred"]


def required_agents_deferred(
    arrivals,
    aht_s,
    interval_s,
    deadline_s,
    open_mask=None,
    *,
    max_occupancy=1.0,
    carry_over=False,
):
    """Agents per interval so that every deferred item is answered within its deadline.

    Parameters
    ----------
    arrivals : array_like, shape (..., T)
        Items arriving in each of ``T`` consecutive intervals (last axis), >= 0; leading axes
        (queues, scenarios) are independent.
    aht_s : array_like
        Handle time per item, seconds, >= 0; broadcast to ``arrivals``.
    interval_s : float
        Interval length, seconds, > 0.
    deadline_s : array_like
        Deadline from arrival, seconds; a whole number ``d >= 1`` of intervals (a quotient
        within 1e-10 of a whole number counts as that number; others are rounded down, which
        is the safe side). Broadcast to ``arrivals.shape[:-1]``.
    open_mask : array_like of bool, shape (..., T), optional
        True where agents may work; default: every interval.
    max_occupancy : array_like, default 1.0
        Work per agent per interval, as a fraction of the interval, in (0, 1].
    carry_over : bool, default False
        If False every item must be finished inside the horizon, also one whose deadline falls
        after it. If True, work due after the last interval may be left over (it is still
        done earlier when agents have spare capacity).

    Returns
    -------
    numpy.ndarray of int64, shape (..., T)
        Agents per interval (0 in closed intervals), minimising the total agent-intervals.

    Raises
    ------
    ValueError
        If some interval with arrivals has no open interval in its deadline window (the
        message lists the first offenders), or on invalid input.

    Notes
    -----
    Let the *effective deadline* of interval ``i``'s items be the last open interval of their
    window; they are agreeable (a later arrival never has an earlier deadline), so
    earliest-deadline-first is first-in-first-out. The greedy staffs each open interval ``j``
    with the fewest agents that finish the not-yet-done work whose effective deadline is
    ``j``, ``c_j = ceil(due_j / max_occupancy)``, and spends all their capacity on the
    released work in EDF order.

    *Proof of optimality.* For fixed staffing, EDF finishes every item in time whenever any
    order does (Jackson 1955; Horn 1974 for release times with preemption), so only the
    staffing matters. Take an optimal staffing ``S`` that agrees with the greedy ``G`` on the
    longest prefix, and let ``j`` be the first interval where they differ. Both process the
    same work before ``j`` (same staffing, EDF), so ``S`` faces the same due work at ``j``; by
    the minimality of ``c_j``, ``S_j < G_j`` would miss a deadline, hence ``S_j > G_j``. The
    surplus ``S_j - G_j`` agents in ``S`` only work on items whose effective deadline is a later
    open interval ``j'`` (the next open one); moving them to ``j'`` keeps every item feasible
    (those items are released by ``j`` and due no earlier than ``j'``) and the total unchanged
    (if there is no later open interval the surplus is idle and ``S`` was not optimal). The
    modified ``S`` is optimal and agrees with ``G`` one interval longer; by induction ``G`` is
    optimal. The same argument is cross-checked in the tests against brute force and an
    integer program.

    Examples
    --------
    One interval of 900 s, 3 items of 600 s each, a two-interval deadline: 2 agent-intervals
    of work, done by one agent in each interval (or two in the second); the greedy staffs as
    late as possible.

    >>> required_agents_deferred([3, 0], 600, 900, 1800).tolist()
    [0, 2]
    """
    arr = as_float("arrivals", arrivals, lo=0.0, fix="Item counts cannot be negative.")
    if arr.ndim == 0:
        raise ValueError("arrivals must have a time axis (shape (..., T)); got a scalar.")
    h = as_float("aht_s", aht_s, lo=0.0, unit="s")
    dt = float(as_float("interval_s", interval_s, lo=0.0, lo_open=True, unit="s"))
    dl = as_float("deadline_s", deadline_s, lo=0.0, unit="s")
    m = as_float("max_occupancy", max_occupancy, lo=0.0, lo_open=True, hi=1.0)
    shape = arr.shape
    lead, t_len = shape[:-1], shape[-1]
    d = floor_exact(dl / dt)
    if (d < 1).any():
        raise ValueError(
            f"deadline_s must be at least one interval ({dt:g} s); got {dl.min():g} s. "
            "Work answered within the interval is a queue: use required_agents (Erlang C)."
        )
    if open_mask is None:
        is_open = np.ones(shape, dtype=bool)
    else:
        is_open = np.broadcast_to(np.asarray(open_mask, dtype=bool), shape)
    work = np.broadcast_to(arr * h / dt, shape).reshape(-1, t_len)
    is_open = is_open.reshape(-1, t_len)
    d = np.broadcast_to(d, lead).reshape(-1, 1).astype(np.int64)
    m = np.broadcast_to(m, lead).reshape(-1)
    rows = work.shape[0]

    # Effective deadline of each arrival interval: the last open interval of its window.
    t_idx = np.arange(t_len)
    last_open = np.maximum.accumulate(np.where(is_open, t_idx, -1), axis=1)
    end = t_idx + d - 1
    beyond = end > t_len - 1
    eff = np.take_along_axis(last_open, np.minimum(end, t_len - 1), axis=1)
    lost = (eff < t_idx) & (work > 0.0)
    if carry_over:
        lost &= ~beyond
    if lost.any():
        where = np.argwhere(lost)[:5]
        lead_idx = [np.unravel_index(r, lead) if lead else () for r, _ in where]
        items = ", ".join(
            f"interval {int(i)}" + (f" of series {tuple(int(v) for v in li)}" if lead else "")
            for (_, i), li in zip(where, lead_idx, strict=True)
        )
        raise ValueError(
            f"Infeasible deferred work: items arriving in {items} have no open interval "
            "before their deadline. Open an interval in the window, lengthen deadline_s, "
            "or pass carry_over=True if the window runs past the horizon."
        )
    if carry_over:
        eff = np.where(beyond, t_len, eff)  # due after the horizon
    eff = np.where(work > 0.0, eff, t_len)
    due = np.zeros((rows, t_len + 1))
    np.add.at(due, (np.repeat(np.arange(rows), t_len), eff.ravel()), work.ravel())
    due_cum = np.cumsum(due[:, :t_len], axis=1)
    released_cum = np.cumsum(work, axis=1)

    agents = np.zeros((rows, t_len), dtype=np.int64)
    done = np.zeros(rows)
    for j in range(t_len):  # one pass over time, vectorised over every other axis
        # work due by j and not yet done, less the rounding noise of the cumulative sums
        need = due_cum[:, j] - done - 1e-11 * np.maximum(due_cum[:, j], 1.0)
        c = np.where(is_open[:, j] & (need > 0.0), ceil_exact(np.maximum(need, 0.0) / m), 0.0)
        agents[:, j] = c
        done = np.minimum(released_cum[:, j], done + c * m)
    return agents.reshape(shape)
