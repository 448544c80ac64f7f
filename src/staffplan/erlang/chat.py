"""Chat with concurrency: agents who handle up to ``concurrency`` conversations at once.

Model (a slot model, documented here because the literature has no single standard):

* Each agent offers ``concurrency = k`` identical *slots*; a chat takes any free slot, and
  waits first come first served when all ``n k`` slots are busy. The queue is the M/M/(n k)
  Erlang C queue on slots.
* Handling several chats at once slows each of them down. The mean handle time of one chat at
  concurrency ``k`` is ``aht_s (1 + inflation (k - 1))``, where ``aht_s`` is the handle time of
  a chat handled alone and ``inflation`` the relative slow-down per extra concurrent chat
  (0 = no slow-down; 1 = no gain from concurrency at all). Estimate it from history as
  ``(AHT_k / AHT_1 - 1) / (k - 1)``.
* The slot load is therefore ``traffic (1 + inflation (k - 1))`` Erlangs, with ``traffic`` the
  load at single-chat handle time, ``calls * aht_s / interval_s``.

Assumptions: the slow-down applies whenever an agent is logged in at concurrency ``k`` (in
reality it only applies when the agent actually holds ``k`` chats, so the model is
conservative at low load); chats do not abandon; the service level measures the wait for a
first answer. Tezcan & Zhang (2014), "Routing and staffing in customer service chat systems
with impatient customers", Operations Research 62(4):943-956, model the service rate as a
function of the number of chats an agent holds; the fixed inflation here is the usual
planning simplification of that model.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float, as_int, out
from .delay import _aht, _erlang_c, _lower_bound, _search_erlang_c, _targets, _traffic

__all__ = ["chat_aht", "erlang_chat", "required_agents_chat"]


def _inflation(value) -> np.ndarray:
    return as_float(
        "inflation",
        value,
        lo=0.0,
        fix="inflation is the relative handle-time growth per extra concurrent chat, e.g. 0.2.",
    )


def _concurrency(value) -> np.ndarray:
    return as_int("concurrency", value, lo=1, fix="concurrency is the chats per agent, >= 1.")


def chat_aht(aht_s, concurrency, inflation=0.0):
    """Mean handle time of one chat when agents work ``concurrency`` chats at once, seconds.

    Parameters
    ----------
    aht_s : array_like
        Handle time of a chat handled alone, seconds, >= 0.
    concurrency : array_like
        Chats per agent, whole number >= 1.
    inflation : array_like, default 0.0
        Relative handle-time growth per extra concurrent chat, >= 0.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``aht_s * (1 + inflation * (concurrency - 1))`` seconds (module docstring model).

    Examples
    --------
    >>> float(chat_aht(300.0, 3, 0.25))
    450.0
    """
    h = as_float("aht_s", aht_s, lo=0.0, unit="s")
    k = _concurrency(concurrency)
    f = _inflation(inflation)
    return out(h * (1.0 + f * (k - 1.0)))


def erlang_chat(traffic, agents, aht_s, threshold_s, concurrency, *, inflation=0.0):
    """Chat measures for a head count under the slot model of this module.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs at single-chat handle time (``chats * aht_s / interval_s``).
    agents : array_like
        Number of agents, >= 0.
    aht_s : array_like
        Handle time of a chat handled alone, seconds, > 0.
    threshold_s : array_like
        Service-level threshold for the first answer, seconds, >= 0.
    concurrency : array_like
        Chats per agent, whole number >= 1.
    inflation : array_like, default 0.0
        Relative handle-time growth per extra concurrent chat, >= 0.

    Returns
    -------
    dict of str to numpy.ndarray (numpy.float64 for scalar inputs)
        ``p_wait`` (Erlang C on ``agents * concurrency`` slots), ``service_level`` (fraction
        answered within ``threshold_s``), ``asa_s`` (mean wait for an answer, seconds),
        ``occupancy`` (busy fraction of the slots) and ``aht_s`` (handle time at
        ``concurrency``). Conventions of :mod:`staffplan.erlang.delay`: unstable where the
        slots do not exceed the slot load, nobody waits where ``traffic == 0``.

    Notes
    -----
    M/M/(n k) Erlang C with the inflated handle time; see the module docstring for the model,
    its assumptions and its reference (Tezcan & Zhang 2014).
    """
    a = _traffic(traffic)
    n = as_float("agents", agents, lo=0.0)
    h = _aht(aht_s, a)
    t = as_float("threshold_s", threshold_s, lo=0.0, unit="s")
    k = _concurrency(concurrency)
    f = _inflation(inflation)
    factor = 1.0 + f * (k - 1.0)
    slot_a, slots, slot_h, t = np.broadcast_arrays(a * factor, n * k, h * factor, t)
    c = _erlang_c(slot_a, slots)
    stable = slots > slot_a
    with np.errstate(all="ignore"):
        safe_h = np.where(slot_h > 0.0, slot_h, 1.0)
        sl = np.where(stable, 1.0 - c * np.exp(-(slots - slot_a) * t / safe_h), 0.0)
        w = np.where(stable, c * slot_h / (slots - slot_a), np.inf)
        occ = np.where(slots > 0.0, np.minimum(slot_a / np.where(slots > 0, slots, 1.0), 1.0), 1.0)
    busy = slot_a > 0.0
    return {
        "p_wait": out(c),
        "service_level": out(np.where(busy, np.clip(sl, 0.0, 1.0), 1.0)),
        "asa_s": out(np.where(busy, w, 0.0)),
        "occupancy": out(np.where(busy, occ, 0.0)),
        "aht_s": out(np.broadcast_to(slot_h, slot_a.shape).copy()),
    }


def required_agents_chat(
    traffic,
    aht_s,
    concurrency,
    *,
    target_sl,
    threshold_s,
    inflation=0.0,
    max_occupancy=1.0,
    target_asa_s=None,
):
    """Smallest head count for a chat queue whose agents work ``concurrency`` chats at once.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs at single-chat handle time (``chats * aht_s / interval_s``).
    aht_s : array_like
        Handle time of a chat handled alone, seconds, > 0.
    concurrency : array_like
        Chats per agent, whole number >= 1.
    target_sl : array_like
        Target fraction of chats answered within ``threshold_s``, in [0, 1].
    threshold_s : array_like
        Service-level threshold for the first answer, seconds, >= 0.
    inflation : array_like, default 0.0
        Relative handle-time growth per extra concurrent chat, >= 0.
    max_occupancy : array_like, default 1.0
        Cap on the busy fraction of the slots, in (0, 1].
    target_asa_s : array_like, optional
        Cap on the mean wait for an answer, seconds, > 0.

    Returns
    -------
    numpy.ndarray or numpy.int64
        ``ceil(s / concurrency)`` where ``s`` is the smallest number of slots meeting the
        targets (:func:`~staffplan.erlang.required_agents` on the slot load and inflated
        handle time); this is exactly the smallest head count, since any ``s' >= s`` slots
        meet the targets. 0 where ``traffic == 0``.

    Notes
    -----
    Slot model of the module docstring (M/M/(n k) Erlang C with inflated handle time;
    Tezcan & Zhang 2014 for the concurrency-dependent service rate).

    Examples
    --------
    >>> int(required_agents_chat(10.0, 300.0, 3, target_sl=0.8, threshold_s=60.0,
    ...                          inflation=0.25))
    7
    """
    a = _traffic(traffic)
    h = _aht(aht_s, a)
    k = _concurrency(concurrency)
    f = _inflation(inflation)
    s, t, m, w = _targets(target_sl, threshold_s, max_occupancy, target_asa_s)
    factor = 1.0 + f * (k - 1.0)
    arrays = [a * factor, h * factor, s, t, m, k.astype(np.float64)] + ([] if w is None else [w])
    shape = np.broadcast_shapes(*(v.shape for v in arrays))
    flat = [np.broadcast_to(v, shape).ravel() for v in arrays]
    slot_a, slot_h, s, t, m, kk = flat[:6]
    w = flat[6] if target_asa_s is not None else None
    slots = np.zeros(slot_a.shape)
    pos = np.flatnonzero(slot_a > 0.0)
    if pos.size:
        ap = slot_a[pos]
        slots[pos] = _search_erlang_c(
            ap,
            slot_h[pos],
            s[pos],
            t[pos],
            _lower_bound(ap, m[pos]),
            None if w is None else w[pos],
        )
    agents = -(-slots.astype(np.int64) // kk.astype(np.int64))
    return out(agents.reshape(shape))
