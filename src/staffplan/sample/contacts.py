"""Contacts log of the sample centre: who contacted, when, on which queue, and was it resolved.

One row per handled contact of the agent-state weeks, at the instant the history counts it
(so contacts per queue and interval equal the history's ``handled``). Customers come back
when their issue was not resolved (often on the same queue, sometimes on another channel),
and a minority of frequent customers raise many issues: first-contact resolution lands near
three quarters, as in a typical centre.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from staffplan.sample.plan import QUEUES, to_local

__all__ = ["build_contacts"]

_P_RESOLVED_FIRST = 0.76  # an issue is solved at its first contact
_P_RESOLVED_LATER = 0.82  # ... at a repeat contact
_MAX_CONTACTS = 4  # the fourth contact of an issue always closes it
_P_COMES_BACK = 0.92  # an unresolved customer contacts again (else gives up)
_P_SAME_QUEUE = 0.7  # the repeat contact comes in on the same queue
_GAP_MEDIAN_S = 20 * 3600.0  # median time until the repeat contact
_GAP_SIGMA = 1.1  # log-standard deviation of that time
_CUSTOMERS = 200_000  # customer base the new issues are drawn from
_ACTIVITY_SIGMA = 1.4  # log-standard deviation of how often a customer raises an issue


def build_contacts(contacts: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Contacts log for the handled contacts given.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Handled contacts: ``qi`` (queue index) and ``start_s`` (the instant the history
        counts the contact in, epoch seconds).
    rng : numpy.random.Generator
        The random stream of the contacts log.

    Returns
    -------
    pandas.DataFrame
        ``contact_id`` (``K0000001``..., in time order), ``customer_id`` (``C000001``...),
        ``time`` (tz-aware local), ``queue``, ``channel`` (voice | chat | email) and
        ``resolved`` (bool: the agent closed the customer's issue).

    Notes
    -----
    Contacts are played in time order. Each contact is either the repeat of an earlier
    unresolved issue that is due (its customer's return time has passed, on the queue the
    customer chose) or a new issue from a customer drawn with lognormal weights (a few customers
    raise many issues). An issue is resolved at its first contact with probability 0.76, at
    a repeat with 0.82, and always at its fourth contact; 92% of unresolved customers come
    back after a lognormal time (median 20 h).
    """
    order = np.lexsort((contacts["qi"].to_numpy(), contacts["start_s"].to_numpy()))
    qi = contacts["qi"].to_numpy()[order]
    t = contacts["start_s"].to_numpy()[order].astype(np.int64)
    n, n_q = len(t), len(QUEUES)
    weights = rng.lognormal(0.0, _ACTIVITY_SIGMA, _CUSTOMERS)
    new_customer = rng.choice(_CUSTOMERS, size=n, p=weights / weights.sum())
    draws = rng.random((n, 3))  # resolved?, comes back?, same queue?
    gap_s = np.maximum(rng.lognormal(np.log(_GAP_MEDIAN_S), _GAP_SIGMA, n), 600.0)
    volume = np.bincount(qi, minlength=n_q).astype(float)
    other_queue = rng.choice(n_q, size=n, p=volume / volume.sum())
    pending: list[list[tuple[float, int, int]]] = [[] for _ in range(n_q)]  # (due, customer, k)
    customer = np.empty(n, dtype=np.int64)
    resolved = np.empty(n, dtype=bool)
    for i in range(n):
        q = int(qi[i])
        if pending[q] and pending[q][0][0] <= t[i]:
            _, cust, k = heapq.heappop(pending[q])
        else:
            cust, k = int(new_customer[i]), 0
        customer[i] = cust
        p_solve = _P_RESOLVED_FIRST if k == 0 else _P_RESOLVED_LATER
        resolved[i] = draws[i, 0] < p_solve or k + 1 >= _MAX_CONTACTS
        if not resolved[i] and draws[i, 1] < _P_COMES_BACK:
            back = q if draws[i, 2] < _P_SAME_QUEUE else int(other_queue[i])
            heapq.heappush(pending[back], (float(t[i] + gap_s[i]), cust, k + 1))
    names = np.array([q.name for q in QUEUES])
    channels = np.array([q.channel for q in QUEUES])
    return pd.DataFrame(
        {
            "contact_id": [f"K{i + 1:07d}" for i in range(n)],
            "customer_id": [f"C{c + 1:06d}" for c in customer],
            "time": to_local(t),
            "queue": names[qi],
            "channel": channels[qi],
            "resolved": resolved,
        }
    )
