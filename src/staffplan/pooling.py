"""The pooled roster model: the service a roster gives when agents serve their queues in
priority order, as :mod:`staffplan.simulation` runs it (used by :mod:`staffplan.evaluate`).

Each voice queue waits on the agents skilled for it (a split birth-death chain: Erlang B
below all busy, the queue's own callers above, agents who rank another queue first lost to
its waiting callers), bounded below by one pool where other queues' agents all share its
skill; chat by the slots of chat-first agents and other idle chat-skilled agents, with
handle time growing with the chats an agent holds (:func:`chat_pool`); email-first agents
work the backlog first and lend the rest of their time, other agents with the email skill
work what is left in their idle time; head counts averaged over whole-day absence; load
lagging rising arrivals (modified offered load). See :func:`evaluate_roster` for the
approximations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from staffplan import erlang
from staffplan.config import PlanConfig
from staffplan.erlang.abandonment import _core as _erlang_a_core  # Erlang A without the ASA
from staffplan.erlang.abandonment import _log_kummer

_PASSES = 10  # fixed-point passes over the voice queues
_DAMPING = 0.3
_FREED_SHARE = 0.5  # see evaluate_roster, "Voice queues"
_CARRY_PASSES = 3  # see evaluate_roster, "Callers left waiting"

__all__ = ["MEASURES", "chat_pool", "evaluate_roster"]

MEASURES = ["service_level", "asa_s", "occupancy", "abandon_rate"]


# --------------------------------------------------------------------------- chat


def chat_pool(rate, agents, aht_s, threshold_s, concurrency: int, inflation: float = 0.0):
    """Chat service when each agent's chats slow down with the chats he actually holds.

    A chat handled alone takes ``aht_s`` on average; while an agent holds ``j`` chats each
    progresses at ``1 / (1 + inflation (j - 1))`` of that speed (Tezcan & Zhang 2014, the
    concurrency-dependent service rate; ``concurrency_inflation`` of the config). New chats go
    to the least-loaded agent, so ``m`` chats in service are spread evenly over the ``n``
    agents and leave at the total rate ``r(m)``; waiting chats (all ``n k`` slots full) are
    answered first come first served at rate ``r(n k)``. The birth-death chain on ``m`` gives
    the waiting probability, and the wait of a delayed chat is exponential with rate
    ``r(n k) - rate``. With ``inflation = 0`` this is Erlang C on ``n k`` slots.

    Parameters
    ----------
    rate : array_like
        Chats arriving per second.
    agents : array_like
        Agents (whole numbers).
    aht_s : array_like
        Handle time of a chat handled alone, seconds, > 0.
    threshold_s : float
        Service-level threshold, seconds.
    concurrency : int
        Chats per agent, ``k``.
    inflation : float
        Relative handle-time growth per extra concurrent chat.

    Returns
    -------
    dict of str to numpy.ndarray
        ``p_wait``, ``drain`` (rate at which a delayed chat's queue empties, 1/s; 0 when
        unstable), ``service_level``, ``asa_s`` (mean wait, seconds) and ``occupancy`` (busy
        share of the slots).
    """
    lam, n, h = np.broadcast_arrays(
        np.asarray(rate, float), np.round(np.asarray(agents, float)), np.asarray(aht_s, float)
    )
    shape = lam.shape
    lam, n, h = lam.ravel(), n.ravel(), h.ravel()
    k = int(concurrency)
    slots = n * k
    top = int(slots.max()) if slots.size else 0
    m = np.arange(1, top + 1, dtype=float)  # chats in service
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.maximum(n[:, None], 1.0)
        q, rem = np.floor(m / nn), m - np.floor(m / nn) * nn
        # total rate of m chats spread evenly: rem agents hold q + 1 chats, the others q
        speed = (nn - rem) * _chat_speed(q, inflation) + rem * _chat_speed(q + 1.0, inflation)
        r = speed / h[:, None]  # (S, top)
        inside = m[None, :] <= slots[:, None]
        log_step = np.where(inside, np.log(lam[:, None]) - np.log(r), 0.0)
        log_pi = np.concatenate([np.zeros((len(lam), 1)), np.cumsum(log_step, axis=1)], axis=1)
        full_rate = np.take_along_axis(
            np.concatenate([np.zeros((len(lam), 1)), r], axis=1),
            slots.astype(int)[:, None],
            axis=1,
        )[:, 0]
        rho = lam / full_rate
        stable = (slots > 0) & (rho < 1.0)
        log_top = np.take_along_axis(log_pi, slots.astype(int)[:, None], axis=1)[:, 0]
        mask = np.arange(top + 1)[None, :] < slots[:, None]
        shift = np.max(
            np.where(mask | (np.arange(top + 1)[None, :] == slots[:, None]), log_pi, -np.inf),
            axis=1,
        )
        below = np.sum(np.where(mask, np.exp(log_pi - shift[:, None]), 0.0), axis=1)
        tail = np.exp(log_top - shift) / np.where(stable, 1.0 - rho, 1.0)
        p_wait = np.where(stable, tail / (below + tail), 1.0)
        busy = np.sum(
            np.where(mask, np.arange(top + 1)[None, :] * np.exp(log_pi - shift[:, None]), 0.0),
            axis=1,
        )
        occ = np.where(stable, (busy + slots * tail) / (below + tail) / np.maximum(slots, 1.0), 1.0)
        drain = np.where(stable, full_rate - lam, 0.0)
        sl = np.where(stable, 1.0 - p_wait * np.exp(-drain * threshold_s), 0.0)
        asa = np.where(stable, p_wait / np.where(stable, drain, 1.0), np.inf)
    idle = lam <= 0.0
    res = {
        "p_wait": np.where(idle, 0.0, p_wait),
        "drain": np.where(idle, np.inf, drain),
        "service_level": np.where(idle, 1.0, sl),
        "asa_s": np.where(idle, 0.0, asa),
        "occupancy": np.where(idle, 0.0, occ),
    }
    return {key: value.reshape(shape) for key, value in res.items()}


def _chat_speed(held: np.ndarray, inflation: float) -> np.ndarray:
    """Chats an agent holding ``held`` of them completes per single-chat handle time."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(held > 0, held / (1.0 + inflation * (held - 1.0)), 0.0)


# --------------------------------------------------------------------------- pooled roster


def evaluate_roster(
    activities: pd.DataFrame,
    forecast: pd.DataFrame,
    config: PlanConfig,
    *,
    roster: pd.DataFrame | None = None,
    calls: str = "calls",
    absence: float | None = None,
) -> pd.DataFrame:
    """Expected service of a roster whose agents serve their queues in priority order.

    The model of the roster is the simulation's (:mod:`staffplan.simulation`): agents at work
    only in their ``work`` activities, each with the shift's priority list; a contact goes to
    a free agent who can take it, a freed agent takes the oldest contact of his first queue
    that has one; each agent misses a whole day with probability ``absence`` (default
    ``center.shrinkage``). This function approximates its expected service per interval,
    stationary within each interval like the Erlang models, vectorised over the week:

    * **Pools.** Voice and chat queues linked by agents who share them form one pool (a
      connected component of the skill graph). The pool's whole load (voice Erlangs plus
      the agents held by chats) on all its agents (Erlang A or C) is still what chat and
      deferred work see, and where the voice queues start from.
    * **Voice queues: skills and priorities.** A call waits when every agent *skilled for
      its queue* ``q`` is busy. For each voice queue a birth-death chain counts the busy
      agents of that set ``S_q`` (``N`` of them at work, binomial over absence, agents on
      deferred work excluded), then ``q``'s waiting callers:

      - Below ``N`` busy, work arrives at the whole load those agents carry, Erlangs
        (``K``): first-rank teams carry their queue's load less their Erlang B overflow,
        which goes to the other skilled agents in proportion to their idle time; ``q``'s
        own team carries all of ``q``'s load. So this part is Erlang B's at ``K``
        (``B``).
      - At ``N`` busy with none of ``q``'s callers waiting, a freed agent who has another
        voice skill ``k`` takes a waiting ``k`` caller instead of becoming free with
        probability ``u = 1/2 sum_k s_k c_k`` (``s_k`` the share of ``S_q`` with skill
        ``k``, ``c_k`` below). In one pool with a geometric queue the factor would be
        ``1 - c_k p_q`` (``p_q`` = ``q``'s share of the waiting callers), about one half
        where it matters; the constant 1/2 was chosen among 0, 1/2 and 1 on
        ``benchmarks/multiskill_cases.py``.
      - Above ``N``, only ``q``'s callers arrive (rate ``lambda_q``, 1/s; patience rate
        ``theta_q``). They are answered at rate ``d = sum_g n_g f_g / h_g``: ``n_g``
        agents of ``S_q`` whose first queue is ``g``, ``h_g`` the mean handle time of
        the work that team is busy with (seconds, from the overflow above), and
        ``f_g = 1 - c_g`` for teams whose first queue is another (they take their own
        queue's waiting callers first), ``f_q = 1``.
      - ``c_k``, the probability that queue ``k`` has callers waiting given that ``q``'s
        agents are all busy, is ``k``'s share of time with callers waiting divided by the
        larger of the two queues' all-busy probabilities (capped at 1), from a damped
        fixed point over the pool's voice queues (ten passes).

      With ``A = sum_j prod_{i<=j} lambda_q / (d + i theta_q)`` (Erlang C's or A's tail),
      ``P(wait) = A' B / (1 - B + A' B)`` with ``A' = A / (1 - u)``, and a delayed call's
      offered wait is Erlang A's (C's) with rate ``d`` and arrivals ``lambda_q``; each
      queue applies its own threshold and patience (answered within ``threshold_s``,
      abandoned first, ASA). For one queue and for disjoint teams this is Erlang C or A
      exactly.

      Where the agents of some other voice queue and those of ``q`` are the same (each
      has both skills: the fully flexible case), that queue's callers wait for the same
      agents, and ``q``'s agents are all busy at least as often as one pool of ``N``
      agents with the load of all such queues is (Erlang A with the waiting callers'
      patience mixed by arrivals, Erlang C where nobody abandons; Wallace & Whitt 2005, "A
      staffing algorithm for call centers with skill-based routing", M&SOM 7(4):276-294).
      Where that pool's waiting probability is higher it replaces the chain's, wait
      included. Where ``q`` also has agents without the other skill, this is no bound: they
      never take the other queue's callers, so ``q``'s callers wait less often than in one
      pool (sales 12 and support>sales 10 agents: sales 96.6% simulated, 88.4% with the
      pool's waiting probability, below sales' own 12 agents' Erlang C).
    * **Chat.** Agents whose first voice-or-chat queue is the chat queue take chats up to
      ``concurrency`` before anyone else does (:func:`chat_pool` on them, with the handle
      time growing with the chats held). Those among them who rank email first
      (``email>chat>...``) are on email for their share of the time (the deferred model's)
      and not there for arriving chats then; counting them whole made the sample centre's
      chat week 99.51% against 99.34-99.38% simulated (now 99.40%). Other agents with the
      chat skill (helpers) take a chat when they are not on a call, up to ``concurrency``
      too. A chat waits when those slots are full and so are the slots of every helper not
      on a call (``X ~ Poisson(chat load)`` chats in service against ``k (n0 + H - V)``,
      ``V ~ Binomial(H, calls on the helpers / H)`` helpers on a call; :func:`_slots_full`),
      and is then answered by the first free slot or the first free other agent (the sum
      of the two rates). A helper
      holding a chat takes no call, so the calls on the helpers are their share of the
      voice load among the pool's agents not holding a chat, ``H - C`` of ``O - C`` with
      ``C = E[min((X - k n0)+, H)]`` helpers holding the chats beyond the first-chat slots
      (:func:`_helpers_holding`; one each, as a new chat goes to the least loaded agent).
      Sharing the voice load over all of them made chat 9 points pessimistic on
      ``benchmarks/chat_overflow_cases.py``. The agents
      held by chats count in the pool's load as ``E[min(X, n0)] + E[(X - k n0)+]`` for
      ``n0`` first-chat agents with ``k`` slots; for a voice queue, the helpers among its
      agents who hold overflow chats are a Poisson number taken off its agents rather than
      a share of its load (:func:`_minus_poisson`), since how many are blocked at a time
      varies.
    * **Deferred work (email)** is done first come first served by the agents whose first
      queue it is (a fluid backlog carried over the intervals); their time left joins the
      pool. The other agents with the skill (helpers) take an item whenever they are free
      and no contact of a queue they rank higher waits, so while a backlog is left they are
      never idle: they answer only callers who already wait when an item ends, never one
      who arrives. For the share of an interval with backlog left they count as on
      deferred work (not there for arriving contacts, like the first-rank agents) and add
      the rate at which their items end to the drain of the queues they are skilled for
      (:func:`_deferred_busy`). This is what takes an overnight email backlog at the
      morning's start away from voice and chat. The email service level comes from the
      per-queue deferred model.
    * **Absence.** An agent at work is there with probability ``1 - absence``, independently,
      so head counts are binomial and the measures are averaged over that distribution: the
      expected service, not the service of the expected head count, which is lower because
      service falls faster below the average head count than it rises above it. In each
      head-count draw of a voice queue's skilled agents, the load they carry for other
      teams scales with the agents drawn (their teams' occupancy times the agents there);
      the queue's own load stays whole. Keeping it at its expected value made the model
      about 0.7 points pessimistic on the sample centre's voice queues against averaging
      over drawn absence patterns.
    * **Pauses and shift ends.** An agent on a contact when his work ends finishes it, and
      comes back from a break late by that time: the next interval's load of his first
      queue is lowered by what is left of his contacts, and raised by the same where he
      comes back (:func:`_handover`). Without this the stationary intervals handed every
      such contact to the agents still there, about 1 point of service level too
      pessimistic on the sample centre's rosters.
    * **Time-varying load.** The load is the modified offered load (the mean number of
      contacts that would be in service with unlimited agents, which lags the arrivals by
      about one handle time; Jennings, Mandelbaum, Massey & Whitt 1996, Management Science
      42(10):1383-1394), so a rising morning is not evaluated as if already in steady state.
    * **Callers left waiting.** The callers an interval leaves waiting (its stationary
      queue, Little's law: arrivals x ASA of the answered) beyond the next interval's own
      stationary queue are answered first there: they join that interval's voice arrivals
      (their handle time over the interval, in Erlangs), times the share answered, and
      times ``min(1, excess / (spare answering rate x interval))``, the share of the
      interval they hold up (none where the next interval has agents to spare). Three
      passes (the carried callers raise the next queue, which carries further). Chat and
      the pool's other figures do not see them: they are no extra work, only work done
      later. This is what stationary intervals miss in heavy traffic (a centre whose sales
      queue runs at 62-75% in its morning peak was 1.8 points optimistic for the week). It
      takes the stationary queue to be there at the interval's end: a peak near capacity
      that is too short to build it (one hour at 93% occupancy, no absence) carries too
      much, and the interval after it comes out far too low (33% against 63% simulated).

    Accuracy (Mon 23 Nov 2026, 30-200 replications): on ``benchmarks/multiskill_cases.py``
    (two voice queues; disjoint teams, one- and two-way cross-training, full flexibility)
    the model is inside the simulated 95% interval in 13 of 16 queue-cases. It misses
    sales with one-way cross-training, where the cross-trained agents rank support first
    (91.1% against 93.7% [92.1, 95.3]) and where they rank sales first and take support
    calls when idle (73.8% against 69.6% [66.8, 72.3]), and sales with full flexibility
    under overload (34.8% against 44.0% [41.0, 46.9]). On ``benchmarks/break_cases.py`` (one
    queue, staggered breaks) it is inside in 6 of 8 cases, 0.2-1.0 points pessimistic; on
    ``benchmarks/chat_overflow_cases.py`` (sales agents who take chats when free) sales is
    inside in 3 of 5, chat in none (3.6 points off on average, pessimistic but for one
    case; 4-5 points optimistic on sales where chat-first agents take calls). Weekly
    service level against 100 replications on eight plans (the sample centre's and seven
    generated centres', re-made on 23 Nov 2026; ``benchmarks/roster_model_study.py``, 23:22
    UTC): mean absolute gap sales 0.46 points, support 0.43, chat 0.12; hour by hour
    (call-weighted mean absolute error) 1.08 points for sales, 0.94 for support, 0.29 for
    chat. The chat figures rest on two errors of opposite sign that partly cancel: the
    averaging over absence is optimistic (0.27 points on the sample centre's plan against
    drawn absence patterns; averaging the waiting probability and speed of answer together
    over the helpers' and the pool's head counts fixes that) and on days with many absent,
    when the voice queues are overloaded, the model is pessimistic: there the helpers
    holding chats keep taking chats as their chats end, so chat keeps agents the model
    gives to the callers. See BENCHMARKS.md.

    Not modelled (the simulation has them): the queue an overloaded interval starts from
    (a stationary Erlang C interval above its capacity answers nobody in time; the
    simulation, starting from the previous interval's queue, answers some) and a queue
    that has not yet built up to its stationary size (see "Callers left waiting"); whole
    days of absence kept together (the model draws each interval's head count on its own);
    the rest of the effect of email taken by idle voice agents (see above), chat callers'
    waiting in the voice queues' fixed point (a chat-first team is taken to have chats
    waiting as often as the pool is all busy), and the correlation between queues beyond
    ``c_k``. The whole week (4 queues, 672 intervals) evaluates in about 1 s.

    Parameters
    ----------
    activities : pandas.DataFrame
        ``agent_id``, ``start``, ``end``, ``activity`` and ``queue`` (a queue or a priority
        list ``a>b``), as written by the scheduler.
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``aht_s`` and the ``calls`` column.
    config : PlanConfig
    roster : pandas.DataFrame, optional
        ``agent_id``, ``date``, ``queues``: a shift's priority list, instead of the
        activity's ``queue``.
    calls : str
        Column of ``forecast`` with the contacts per interval.
    absence : float, optional
        Probability that an agent misses a rostered day (default ``center.shrinkage``).

    Returns
    -------
    pandas.DataFrame
        ``interval_start``, ``queue``, ``service_level``, ``asa_s``, ``occupancy``,
        ``abandon_rate`` (NaN without patience) for the voice and chat queues.
    """
    absent = config.center.shrinkage if absence is None else float(absence)
    present = 1.0 - absent
    interval_s = config.center.interval_minutes * 60.0
    step = pd.Timedelta(seconds=interval_s)
    names = [q for q in config.queue_names if q in set(forecast["queue"])]
    index = {q: i for i, q in enumerate(names)}
    cfg = [config.queue(q) for q in names]
    utc = forecast["interval_start"].dt.tz_convert("UTC")
    first = utc.min()
    n_t = int(round((utc.max() - first) / step)) + 1
    pos = ((utc - first) / step).round().astype(int).to_numpy()
    qi = forecast["queue"].map(index).to_numpy()
    arrivals = np.zeros((len(names), n_t))
    aht = np.zeros_like(arrivals)
    arrivals[qi, pos] = forecast[calls].to_numpy(float)
    aht[qi, pos] = forecast["aht_s"].to_numpy(float)
    aht = np.where(arrivals > 0, aht, 0.0)
    ranks, presence = _presence(activities, roster, index, first, step, n_t)
    deferred = np.array([q.channel == "email" for q in cfg])

    handle = _carry_forward(aht)
    load = _modified_load(arrivals * aht / interval_s, handle, interval_s)
    load = _handover(
        activities, roster, index, first, step, cfg, load, handle, present, ranks, presence
    )
    traffic = _Traffic(
        arriving=arrivals > 0,
        rate=load / handle,  # arrival rate of the modified load, per second
        load=load,
        aht=handle,
        interval_s=interval_s,
    )
    components = _components(ranks, ~deferred)
    # each group's pool
    member = np.full(len(ranks), -1)
    for c, component in enumerate(components):
        member[(ranks[:, component] >= 0).any(axis=1)] = c
    email_busy, email_pull = _deferred_busy(
        ranks, presence * present, arrivals, aht, deferred, interval_s, member
    )
    pools = []
    for component in components:
        groups = (ranks[:, component] >= 0).any(axis=1)
        pool = _Pool(
            presence[groups], ranks[groups], email_busy[groups], email_pull[groups], present
        )
        pools.append((component, pool))

    def evaluate(traffic: _Traffic) -> dict:
        out = {}
        for component, pool in pools:
            out.update(_pool(component, pool, traffic, cfg))
        return out

    out = evaluate(traffic)
    for _ in range(_CARRY_PASSES):
        extra = _carried_load(out, traffic, cfg, load, handle)
        traffic = _Traffic(
            arriving=traffic.arriving,
            rate=(load + extra) / handle,
            load=load + extra,
            aht=handle,
            interval_s=interval_s,
            carried=extra,
        )
        out = evaluate(traffic)
    starts = pd.date_range(first, periods=n_t, freq=step).tz_convert(
        forecast["interval_start"].dt.tz
    )
    frames = [
        pd.DataFrame({"interval_start": starts, "queue": names[q], **measures})
        for q, measures in out.items()
    ]
    columns = ["interval_start", "queue", *MEASURES]
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    keys = forecast[["interval_start", "queue"]]
    return keys.merge(result[columns], on=["interval_start", "queue"], how="inner")


@dataclass
class _Traffic:
    arriving: np.ndarray  # (queues, intervals) bool: contacts forecast
    rate: np.ndarray  # arrivals per second (of the modified load)
    load: np.ndarray  # modified offered load, Erlangs
    aht: np.ndarray  # handle time, seconds (carried over idle intervals)
    interval_s: float
    carried: np.ndarray | float = 0.0  # Erlangs of callers left waiting by the interval before


@dataclass
class _Pool:
    presence: np.ndarray  # (groups, intervals) agents at work
    ranks: np.ndarray  # (groups, queues) place in the priority list, -1 if not skilled
    deferred_busy: np.ndarray  # (groups, intervals) agents expected on deferred work
    deferred_pull: np.ndarray  # (groups, intervals) helpers freeing from deferred work, 1/s
    present: float  # probability that a rostered agent is there


def _voice_sum(values, voice, n_t) -> np.ndarray:
    """Sum over the voice queues of per-queue values (zeros where ``values`` is a scalar)."""
    if np.ndim(values) == 0 or not voice:
        return np.zeros(n_t)
    return values[voice].sum(axis=0)


def _carried_load(out: dict, traffic: _Traffic, cfg, load: np.ndarray, handle) -> np.ndarray:
    """Erlangs added to each voice interval by the callers the previous one leaves waiting
    beyond the interval's own stationary queue (see evaluate_roster, "Callers left
    waiting")."""
    extra = np.zeros_like(load)
    for q, measures in out.items():
        if cfg[q].channel != "voice":
            continue
        abandon = np.nan_to_num(measures["abandon_rate"])
        waiting = traffic.rate[q] * measures["asa_s"] * (1.0 - abandon)  # Little's law
        excess = np.maximum(waiting[:-1] - waiting[1:], 0.0) * (1.0 - abandon[:-1])
        # they delay the interval's callers only until the spare agents have answered
        # them: a share min(1, excess / (spare rate x interval)) of the interval
        occ = np.clip(measures["occupancy"][1:], 1e-6, 1.0)
        spare = traffic.rate[q, 1:] * (1.0 - occ) / occ
        excess = excess * np.minimum(1.0, excess / np.maximum(spare * traffic.interval_s, 1e-9))
        extra[q, 1:] = excess * handle[q, 1:] / traffic.interval_s
    return extra


def _carry_forward(aht: np.ndarray) -> np.ndarray:
    """Handle times with idle intervals taking the last busy one's (the first busy one's
    before it; 1 s for a queue without contacts)."""
    out = np.ones_like(aht)
    for q, row in enumerate(aht):
        busy = np.flatnonzero(row > 0)
        if busy.size:
            last = busy[np.maximum(np.searchsorted(busy, np.arange(len(row)), "right") - 1, 0)]
            out[q] = row[last]
    return out


def _modified_load(load: np.ndarray, aht: np.ndarray, interval_s: float) -> np.ndarray:
    """Interval mean of the modified offered load: the mean number of contacts in service if
    every contact were answered at once (infinite servers, exponential handle times), which
    lags the arrivals by about one handle time (Jennings, Mandelbaum, Massey & Whitt 1996,
    "Server staffing to meet time-varying demand", Management Science 42(10):1383-1394).
    The horizon starts empty."""
    decay = np.exp(-interval_s / aht)
    lag = aht / interval_s * (1.0 - decay)
    out = np.empty_like(load)
    level = np.zeros(load.shape[0])
    for t in range(load.shape[1]):
        out[:, t] = load[:, t] + (level - load[:, t]) * lag[:, t]
        level = load[:, t] + (level - load[:, t]) * decay[:, t]
    return out


def _presence(activities, roster, index, first, step, n_t) -> tuple[np.ndarray, np.ndarray]:
    """Skill groups (distinct priority lists) and agents of each at work per interval.

    Returns ``ranks`` (groups x queues; the queue's place in the list, -1 if absent) and
    ``presence`` (groups x intervals; agents at work, a share of the interval at the edges).
    """
    work, spec = _work_lists(activities, roster)
    specs, group = np.unique(spec.astype(str), return_inverse=True)
    ranks = np.full((len(specs), len(index)), -1)
    for g, text in enumerate(specs):
        order = [index[q] for q in str(text).split(">") if q in index]
        for r, q in enumerate(order):
            if ranks[g, q] < 0:
                ranks[g, q] = r
    start = ((work["start"].dt.tz_convert("UTC") - first) / step).to_numpy(float)
    end = ((work["end"].dt.tz_convert("UTC") - first) / step).to_numpy(float)
    # cumulative work time up to each interval boundary, per group
    edges = np.arange(n_t + 1, dtype=float)
    cum = np.zeros((len(specs), n_t + 1))
    if len(work):
        order = np.argsort(group, kind="stable")
        worked = np.clip(edges[None, :] - start[order, None], 0.0, (end - start)[order, None])
        heads = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
        cum[group[order][heads]] = np.add.reduceat(worked, heads, axis=0)
    return ranks, np.diff(cum, axis=1)


def _work_lists(activities, roster) -> tuple[pd.DataFrame, np.ndarray]:
    """The ``work`` activities and each one's priority list (the roster's for the shift where
    given, else the activity's ``queue``), as text ``a>b``."""
    work = activities[activities["activity"] == "work"]
    spec = work["queue"].astype(str).where(work["queue"].notna(), "").to_numpy(dtype=str)
    if roster is not None and len(roster) and len(work):
        keys = pd.DataFrame(
            {"agent_id": work["agent_id"].astype(str), "date": work["start"].dt.date.astype(str)}
        )
        lists = pd.DataFrame(
            {
                "agent_id": roster["agent_id"].astype(str),
                "date": roster["date"].astype(str),
                "queues": roster["queues"].astype(str),
            }
        ).drop_duplicates(["agent_id", "date"])
        found = keys.merge(lists, on=["agent_id", "date"], how="left")["queues"]
        spec = np.where(found.notna(), found.astype(str), spec)
    return work, spec.astype(str)


def _handover(
    activities, roster, index, first, step, cfg, load, handle, present, ranks, presence
) -> np.ndarray:
    """The voice and chat load left on the other agents when work activities end and begin.

    An agent on a contact when his work activity ends finishes it (the simulation's rule,
    and the usual practice): at a shift's end as overtime; before a break or lunch, which
    then starts late and lasts its full length, so he comes back late by the same time. Per
    interval, a stationary model would hand his contact to the agents still there. So where
    a work activity ends, the load of his first queue in the next interval is lowered by the
    part of his contacts still to come, ``o r`` (``o`` the contacts he holds: his team's load
    per head in the interval before, at most 1 for voice and ``concurrency`` for chat;
    ``r = (h / I)(1 - exp(-I / h))`` the mean share of an interval ``I`` that an exponential
    contact of mean ``h`` still runs; times the probability ``present`` that he is at work
    that day), and where he comes back from the pause his late return takes the same from
    the agents then at work (the load is raised by it). Agents whose first queue is deferred
    work (email) are left as they are.

    Parameters
    ----------
    activities, roster : pandas.DataFrame
        As in :func:`evaluate_roster`.
    index : dict
        Queue name to row of ``load``.
    first : pandas.Timestamp
        Start of the first interval (UTC).
    step : pandas.Timedelta
        Interval length.
    cfg : list
        Queue configs in ``index`` order.
    load : numpy.ndarray
        Offered load per queue and interval, Erlangs.
    handle : numpy.ndarray
        Handle time per queue and interval, seconds (> 0).
    present : float
        Probability that a rostered agent is at work.
    ranks, presence : numpy.ndarray
        The skill groups and their agents at work per interval, as :func:`_presence` gives
        them.

    Returns
    -------
    numpy.ndarray
        The load with the handovers, Erlangs (>= 0).
    """
    work, spec = _work_lists(activities, roster)
    immediate = np.array([c.channel != "email" for c in cfg])
    held = np.array([float(c.concurrency) if c.channel == "chat" else 1.0 for c in cfg])
    if not len(work) or not immediate.any():
        return load
    n_t = load.shape[1]
    head = np.array([text.split(">")[0] for text in spec])
    queue = np.array([index.get(name, -1) for name in head])
    start = np.round(((work["start"].dt.tz_convert("UTC") - first) / step).to_numpy(float))
    end = np.round(((work["end"].dt.tz_convert("UTC") - first) / step).to_numpy(float))
    start, end = start.astype(int), end.astype(int)
    # each first-queue team's head count and occupancy (its queue's load on it)
    heads = np.zeros_like(load)
    led = (ranks == 0).any(axis=1)
    np.add.at(heads, np.argmax(ranks == 0, axis=1)[led], presence[led] * present)
    occupancy = np.clip(load / np.where(heads > 0, heads, np.inf), 0.0, held[:, None])
    interval_s = step.total_seconds()
    still = handle / interval_s * (1.0 - np.exp(-interval_s / handle))
    out = load.copy()
    agent = work["agent_id"].astype(str).to_numpy()
    day = work["start"].dt.date.astype(str).to_numpy()
    owed, previous = None, None
    for i in np.lexsort((start, day, agent)):
        key = (agent[i], day[i])
        if owed is not None and key == previous and 0 <= start[i] < n_t:
            out[owed[0], start[i]] += owed[1]  # back late from the pause
        owed, previous = None, key
        q, t = queue[i], end[i]
        if q >= 0 and immediate[q] and 0 < t < n_t:
            amount = present * occupancy[q, t - 1] * still[q, t - 1]
            out[q, t] -= amount  # his call is not on the others
            owed = (q, amount)
    return np.maximum(out, 0.0)


def _deferred_busy(
    ranks, agents, arrivals, aht, deferred, interval_s, member
) -> tuple[np.ndarray, np.ndarray]:
    """Agents of each group busy on deferred work per interval (fluid, first come first
    served, the backlog carried over the intervals), and the rate at which helpers on it
    free up.

    The agents whose first queue it is work the backlog as far as their time allows. What
    they leave is taken by the other agents with the skill (helpers): a helper takes a
    deferred item whenever he is free and no contact of a queue he ranks higher waits, so
    while a backlog is left he is never idle. He answers a contact of a higher queue only
    when one already waits as his item ends, never one that arrives while he is free. So
    for the share ``f`` of an interval with backlog left (helpers working it full time
    until it is done), each helper counts as on deferred work (not there for arriving
    contacts) and frees up at rate ``f / h`` (``h`` the item's handle time) to answer a
    waiting caller. ``member`` maps each group to its pool (-1 for none).

    Returns ``(busy, pull)``: agents per group and interval on deferred work, and the rate
    per group and interval (1/s) at which its helpers on deferred work free up.
    """
    busy = np.zeros_like(agents)
    pull = np.zeros_like(agents)
    pooled = member >= 0
    for d in np.flatnonzero(deferred):
        owners = ranks[:, d] == 0
        helpers = (ranks[:, d] > 0) & pooled
        work = arrivals[d] * aht[d]
        owner_capacity = agents[owners].sum(axis=0) * interval_s
        helper_capacity = agents[helpers].sum(axis=0) * interval_s
        share = np.zeros_like(work)  # of the first-rank agents' time on deferred work
        taken = np.zeros_like(work)  # of the helpers' time on deferred work
        left = 0.0
        for t in range(len(work)):
            left += work[t]
            done = min(left, owner_capacity[t])
            left -= done
            share[t] = done / owner_capacity[t] if owner_capacity[t] > 0 else 0.0
            if helper_capacity[t] > 0 and left > 0:
                taken[t] = min(left, helper_capacity[t]) / helper_capacity[t]
                left -= taken[t] * helper_capacity[t]
        busy[owners] += agents[owners] * share[None, :]
        if helpers.any():
            busy[helpers] += agents[helpers] * taken[None, :]
            handle = _carry_forward(aht[d][None, :])[0]
            pull[helpers] += agents[helpers] * taken[None, :] / np.maximum(handle, 1.0)
    return busy, pull


def _components(ranks, immediate) -> list[list[int]]:
    """Immediate queues linked by agents who serve both (union-find over the groups)."""
    parent = list(range(ranks.shape[1]))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in ranks:
        skilled = [q for q in np.flatnonzero(row >= 0) if immediate[q]]
        for q in skilled[1:]:
            parent[root(q)] = root(skilled[0])
    comps: dict[int, list[int]] = {}
    for q in np.flatnonzero(immediate):
        comps.setdefault(root(q), []).append(int(q))
    return list(comps.values())


def _binomial(count: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Support of Binomial(count, p) per interval, flattened: (interval, value, weight)."""
    n = np.round(count).astype(int)
    values = np.arange(int(n.max(initial=0)) + 1)
    pmf = stats.binom.pmf(values[:, None], n[None, :], p)
    keep = pmf > 1e-10
    value, where = np.nonzero(keep)
    return where, values[value].astype(float), pmf[keep]


def _pool_load(component, presence, ranks, present, load, cfg) -> tuple[np.ndarray, dict]:
    """Agents a pool's voice and chat keep busy per interval (voice Erlangs plus the agents
    held by chats), and each chat queue's first-chat agents at work."""
    pool_load = load[[q for q in component if cfg[q].channel == "voice"]].sum(axis=0)
    first_chat = {}
    for h in (q for q in component if cfg[q].channel == "chat"):
        first_chat[h] = presence[_first_immediate(ranks, cfg) == h].sum(axis=0)
        pool_load = pool_load + _agents_held(load[h], present * first_chat[h], cfg[h])
    return pool_load, first_chat


def _pool(component: list[int], pool: _Pool, traffic: _Traffic, cfg) -> dict:
    """Expected measures of the voice and chat queues of one pool (see evaluate_roster)."""
    n_t = pool.presence.shape[1]
    voice = [q for q in component if cfg[q].channel == "voice"]
    chats = [q for q in component if cfg[q].channel == "chat"]
    rate, load = traffic.rate, traffic.load
    voice_rate = rate[voice].sum(axis=0)
    theta = np.array([1.0 / cfg[q].patience_s if cfg[q].patience_s else 0.0 for q in voice])
    busy_rate = np.where(voice_rate > 0, voice_rate, 1.0)
    # the patience of the waiting callers: the arrival-weighted mix of the voice queues'
    theta_mix = np.where(voice_rate > 0, (rate[voice] * theta[:, None]).sum(axis=0) / busy_rate, 0)
    mean_h = np.where(voice_rate > 0, load[voice].sum(axis=0) / busy_rate, 0.0)
    pool_load, first_chat = _pool_load(
        component, pool.presence, pool.ranks, pool.present, load, cfg
    )
    for h in chats:
        mean_h = np.where(voice_rate > 0, mean_h, np.maximum(mean_h, traffic.aht[h]))
    mean_h = np.where(mean_h > 0, mean_h, 1.0)

    cap = traffic.interval_s  # a delayed contact's mean wait counts at most one interval
    # the pool's binomial head count; agents on deferred work are not available
    at, count, weight = _binomial(pool.presence.sum(axis=0), pool.present)
    agents = np.maximum(count - pool.deferred_busy.sum(axis=0)[at], 0.0)
    a, th, hh = pool_load[at], theta_mix[at], mean_h[at]
    p_wait = _pool_wait(a, agents, hh, th)
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(agents > 0, np.minimum(a / np.where(agents > 0, agents, 1), 1), 1)

    def expect(values) -> np.ndarray:
        return np.bincount(at, weights=weight * values, minlength=n_t)

    out = {}
    busy = expect(occupancy)
    out.update(_voice_queues(voice, component, pool, traffic, cfg, theta, expect(p_wait), busy))
    for h in chats:
        c = cfg[h]
        # the helpers (other agents with the chat skill, binomial on their own) answer a
        # waiting chat as they free up from their share of the rest of the pool's load
        helpers = (pool.ranks[:, h] >= 0) & (_first_immediate(pool.ranks, cfg) != h)
        others = pool.presence.sum(axis=0) - first_chat[h]
        skilled = pool.presence[helpers].sum(axis=0)
        share = np.where(others > 0, skilled / np.where(others > 0, others, 1.0), 0.0)
        where, value, w = _binomial(skilled, pool.present)
        free = np.maximum(value - pool.deferred_busy[helpers].sum(axis=0)[where], 0.0)
        left = pool_load - _voice_sum(traffic.carried, voice, n_t)
        rest = (np.maximum(left - pool.present * first_chat[h], 0.0) * share)[where]
        drain_others = np.maximum(free - rest, 0.0) / mean_h[where] + theta_mix[where]
        speed_others = np.bincount(where, weights=w * drain_others, minlength=n_t)
        where, value, w = _binomial(first_chat[h], pool.present)
        # agents who rank deferred work first and this chat next are on deferred work for
        # their share of the time, not there for arriving chats
        owners = (_first_immediate(pool.ranks, cfg) == h) & _deferred_first(pool.ranks, cfg)
        value = np.maximum(value - pool.deferred_busy[owners].sum(axis=0)[where], 0.0)
        slots = chat_pool(
            rate[h][where],
            value,
            traffic.aht[h][where],
            c.threshold_s,
            c.concurrency,
            c.concurrency_inflation,
        )
        # a delayed chat is answered by the first free slot or the first free other agent
        speed = np.where(value > 0, slots["drain"], 0.0) + speed_others[where]
        if helpers.any():
            # a helper not on a call takes chats up to concurrency: a chat waits when the
            # first-chat slots and the slots of every helper not on a call are full
            on_helpers = np.maximum(skilled * pool.present - pool.deferred_busy[helpers].sum(0), 0)
            voice_load = load[voice].sum(axis=0) if voice else np.zeros(n_t)
            voice_load = voice_load - _voice_sum(traffic.carried, voice, n_t)
            holding = _helpers_holding(
                rate[h] * traffic.aht[h], pool.present * first_chat[h], c.concurrency, on_helpers
            )
            there = np.maximum(others * pool.present - holding, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                calls = np.where(
                    there > 0,
                    voice_load * np.maximum(skilled * pool.present - holding, 0.0) / there,
                    0.0,
                )
            calls = np.minimum(calls, np.maximum(on_helpers - holding, 0.0))
            full = _slots_full(
                rate[h] * traffic.aht[h], value, on_helpers, calls, c.concurrency, where
            )
        else:
            full = np.where(value > 0, slots["p_wait"], 1.0)  # nobody else to take it
        tail = np.bincount(where, weights=w * full * np.exp(-speed * c.threshold_s), minlength=n_t)
        with np.errstate(divide="ignore"):
            delay = np.minimum(1.0 / speed, cap)
        mean_wait = np.bincount(where, weights=w * full * delay, minlength=n_t)
        abandon = np.full(n_t, np.nan)
        out[h] = _idle_rule(traffic.arriving[h], 1.0 - tail, mean_wait, busy, abandon)
    return out


def _skilled_load(q: int, component: list[int], pool: _Pool, load: np.ndarray, cfg, handle):
    """Agents a voice queue's skilled agents keep busy per interval (fluid), and the mean
    handle time of the work each team is busy with.

    The agents who rank a queue first (voice or chat) form its team. A contact goes first to
    its team, which carries the queue's load less what overflows it: the share of arrivals
    that find the whole team busy, Erlang B on its expected head count for voice,
    ``E[(X - k n0)+]`` for ``X ~ Poisson(load)`` chats on ``n0`` first-chat agents with ``k``
    slots (who are held by ``E[min(X, n0)]``). The overflow goes to the other skilled
    agents in proportion to their idle time (their team's head count less its load so far);
    what they cannot take stays with the queue's own team. A team shares its load evenly,
    so every group carries its team's occupancy times its head count; ``q``'s own team
    carries all of ``q``'s load, even above its head count (``q``'s callers wait for it).

    Returns ``(kept, team_h, chats, team_h_calls)``: the Erlangs on the agents skilled for
    ``q`` (expected head counts, agents on deferred work excluded); per queue of the pool,
    the mean handle time of its team's work (seconds; the busy agents free up at
    ``1 / team_h``); the part of ``kept`` that is agents of other teams holding overflow
    chats; and ``team_h`` of the teams' work other than those chats.
    """
    heads = np.maximum(pool.presence * pool.present - pool.deferred_busy, 0.0)
    first = _first_immediate(pool.ranks, cfg)
    team = {j: heads[first == j].sum(axis=0) for j in component}
    busy, overflow, freeing = {}, {}, {}
    # what each team's agents hold of other queues' overflow chats, and how fast it ends
    chat_busy = {k: np.zeros(heads.shape[1]) for k in component}
    chat_freeing = {k: np.zeros(heads.shape[1]) for k in component}
    for j in component:
        if cfg[j].channel == "chat":
            busy[j], overflow[j] = _chat_held(load[j], team[j], cfg[j].concurrency)
            freeing[j] = busy[j] / np.maximum(handle[j], 1.0)
        else:
            blocked = np.where(team[j] > 0, erlang.erlang_b(load[j], team[j]), 1.0)
            busy[j], overflow[j] = load[j] * (1.0 - blocked), load[j] * blocked
            freeing[j] = busy[j] / np.maximum(handle[j], 1.0)
    for j in component:
        helpers = np.flatnonzero((pool.ranks[:, j] >= 0) & (first != j))
        idle = np.zeros((len(helpers), heads.shape[1]))
        for row, g in enumerate(helpers):
            k = first[g]
            free = 1.0 - busy[k] / np.where(team[k] > 0, team[k], 1.0)
            idle[row] = heads[g] * np.clip(free, 0.0, 1.0)
        taken = np.minimum(overflow[j], idle.sum(axis=0))
        total_idle = idle.sum(axis=0)
        for row, g in enumerate(helpers):
            share = np.where(total_idle > 0, idle[row] / np.where(total_idle > 0, total_idle, 1), 0)
            busy[first[g]] = busy[first[g]] + taken * share
            freeing[first[g]] = freeing[first[g]] + taken * share / np.maximum(handle[j], 1.0)
            if cfg[j].channel == "chat":
                chat_busy[first[g]] = chat_busy[first[g]] + taken * share
                chat_freeing[first[g]] += taken * share / np.maximum(handle[j], 1.0)
        busy[j] = busy[j] + overflow[j] - taken
        freeing[j] = freeing[j] + (overflow[j] - taken) / np.maximum(handle[j], 1.0)
    skilled = pool.ranks[:, q] >= 0
    kept = np.zeros(heads.shape[1])
    chats = np.zeros(heads.shape[1])
    own = np.zeros(heads.shape[1])
    for k in component:
        size = np.where(team[k] > 0, team[k], 1.0)
        occupancy = busy[k] / size
        if k != q:
            occupancy = np.minimum(occupancy, 1.0)
        kept += occupancy * heads[(first == k) & skilled].sum(axis=0)
        if k == q:
            own = occupancy * heads[(first == k) & skilled].sum(axis=0)
        chats += np.minimum(chat_busy[k] / size, 1.0) * heads[(first == k) & skilled].sum(axis=0)

    def mean_handle(work, rate, k):
        return np.where(rate > 1e-12, work / np.where(rate > 1e-12, rate, 1.0), handle[k])

    # each team's mean handle time of the work it is busy with, and of the work other
    # than overflow chats
    team_h = {k: mean_handle(busy[k], freeing[k], k) for k in component}
    team_h_calls = {
        k: mean_handle(busy[k] - chat_busy[k], freeing[k] - chat_freeing[k], k) for k in component
    }
    return kept, team_h, np.minimum(chats, kept), team_h_calls, np.minimum(own, kept)


def _minus_poisson(at, weight, agents, mean):
    """Head-count support points less ``C ~ Poisson(mean[interval])`` agents: each point
    ``(interval, agents)`` becomes ``(interval, max(agents - c, 0))`` with its weight times
    ``P(C = c)`` (points of weight below 1e-9 dropped). Also returns each new point's old
    point."""
    m = mean[at]
    top = int(np.ceil(m.max(initial=0.0) + 6.0 * np.sqrt(m.max(initial=0.0)) + 3.0))
    values = np.arange(top + 1)
    pmf = stats.poisson.pmf(values[:, None], m[None, :])
    keep = pmf * weight[None, :] > 1e-9
    c, point = np.nonzero(keep)
    return at[point], weight[point] * pmf[keep], np.maximum(agents[point] - values[c], 0.0), point


def _split_wait(total, tail, agents, drain, aht, theta, held):
    """Probability that all ``agents`` are busy when work arrives at load ``total`` while one
    is free and at ``tail`` (patience rate ``theta``) once all are busy: a birth-death chain
    whose states below ``agents`` are Erlang B's at ``total`` and whose states above are
    Erlang C's (``theta == 0``) or A's at ``tail`` served at ``drain`` agents (handle time
    ``aht``). With all busy and nobody of the queue waiting, a freed agent stays busy with
    probability ``held`` (other queues' waiting callers), which raises that state by
    ``1 / (1 - held)``. With ``B`` Erlang B and ``A`` the tail's sum ``sum_j prod_i lambda /
    (d mu + i theta)``, ``A' = A / (1 - held)``, ``P = A' B / (1 + (A' - 1) B)``.

    Returns ``(P, A)``.
    """
    p_wait = np.ones_like(agents)
    tail_sum = np.full_like(agents, np.inf)
    some = (agents > 0) & (total > 0)
    p_wait[(total <= 0) & (agents > 0)] = 0.0
    if not some.any():
        return p_wait, tail_sum
    n, a, y_load, h, th = agents[some], total[some], tail[some], aht[some], theta[some]
    u = np.clip(held[some], 0.0, 0.999)
    d = drain[some]
    with np.errstate(all="ignore"):
        b = erlang.erlang_b(a, n)
        patient = th <= 0
        log_a = np.empty_like(n)
        rho = y_load / d
        log_a[patient] = np.where(rho[patient] < 1, -np.log1p(-np.minimum(rho[patient], 1)), np.inf)
        imp = ~patient
        if imp.any():
            x = d[imp] / h[imp] / th[imp]
            y = y_load[imp] / h[imp] / th[imp]
            log_a[imp] = np.where(y > 0, _log_kummer(x, y), 0.0)
        tail_sum[some] = np.exp(log_a)
        out = special.expit(log_a - np.log1p(-u) - np.log((1.0 - b) / b))
    p_wait[some] = np.where(b > 0, np.nan_to_num(out, nan=1.0), 0.0)
    return p_wait, tail_sum


def _slots_full(chats, first, helpers, calls, concurrency: int, where) -> np.ndarray:
    """Probability that an arriving chat finds no free slot: ``X ~ Poisson(chats)`` chats in
    service at least ``k (first + helpers - V)``, with ``V ~ Binomial(helpers, calls /
    helpers)`` helpers on a call (``first`` first-chat agents per support point, the rest per
    interval; ``where`` maps support points to intervals)."""
    n_help = np.round(helpers).astype(int)
    busy = np.clip(calls / np.where(helpers > 0, helpers, 1.0), 0.0, 1.0)
    full = np.zeros(len(where))
    for v in range(int(n_help.max(initial=0)) + 1):
        p_v = stats.binom.pmf(v, n_help, busy)[where]
        need = concurrency * (first + np.maximum(n_help[where] - v, 0))
        full += p_v * stats.poisson.sf(need - 1, chats[where])
    return full


def _chat_held(load: np.ndarray, first: np.ndarray, concurrency: int):
    """``E[min(X, first)]`` and ``E[(X - concurrency first)+]`` for ``X ~ Poisson(load)``."""
    top = float(load.max(initial=0.0))
    x = np.arange(int(np.ceil(top + 10.0 * np.sqrt(top) + 10.0)))[:, None]
    pmf = stats.poisson.pmf(x, load[None, :])
    held = (pmf * np.minimum(x, first)).sum(axis=0)
    over = (pmf * np.maximum(x - concurrency * first, 0.0)).sum(axis=0)
    return held, over


def _voice_queues(voice, component, pool, traffic, cfg, theta, pool_wait, pool_busy) -> dict:
    """Expected measures of a pool's voice queues with skills and priorities (see
    evaluate_roster, "Voice queues"): per queue the split chain on the agents skilled for it,
    raised to the one-pool bound where other queues' agents all have its skill; a fixed point
    over the queues' shares of time with callers waiting."""
    n_t = pool.presence.shape[1]
    rate, load = traffic.rate, traffic.load
    cap = traffic.interval_s
    first_rank = _first_immediate(pool.ranks, cfg)
    theta_of = np.zeros(len(cfg))
    theta_of[voice] = theta
    setups = {}
    for q in voice:
        skilled = pool.ranks[:, q] >= 0
        heads = pool.presence[skilled].sum(axis=0)
        at_q, count, weight_q = _binomial(heads, pool.present)
        agents_q = np.maximum(count - pool.deferred_busy[skilled].sum(axis=0)[at_q], 0.0)
        kept, team_h, chats, team_h_calls, own = _skilled_load(
            q, component, pool, load, cfg, traffic.aht
        )
        # the load the drawn agents carry for other teams: their teams' occupancy times the
        # agents drawn, not times the expected head count
        expected = pool.present * heads
        drawn = np.where(expected[at_q] > 0, count / np.maximum(expected[at_q], 1e-12), 0.0)
        kept_at = own[at_q] + np.maximum(kept - own, 0.0)[at_q] * drawn
        if chats.max(initial=0.0) > 1e-9:
            # agents of other teams holding overflow chats take no call until their chats
            # end: a random number of them (Poisson), not a share of the load
            kept_at = np.maximum(kept_at - chats[at_q] * drawn, 0.0)
            at_q, weight_q, agents_q, point = _minus_poisson(at_q, weight_q, agents_q, chats)
            kept_at = kept_at[point]
            team_h = team_h_calls
        # helpers on deferred work answer q's waiting callers as their items end
        pulled = pool.deferred_pull[skilled].sum(axis=0) * np.maximum(traffic.aht[q], 1.0)
        whole = np.where(heads > 0, heads, 1.0)
        # skilled agents by first queue (other than q), and with each other voice skill
        first = {
            k: pool.presence[skilled & (first_rank == k)].sum(axis=0) / whole
            for k in component
            if k != q
        }
        other = {
            k: pool.presence[skilled & (pool.ranks[:, k] >= 0)].sum(axis=0) / whole
            for k in voice
            if k != q
        }
        # queues whose agents are q's (every one with both skills) keep q's agents busy
        # as one pool does
        trapped = [
            k
            for k in voice
            if np.all(pool.ranks[pool.ranks[:, k] >= 0, q] >= 0)
            and np.all(pool.ranks[pool.ranks[:, q] >= 0, k] >= 0)
        ]
        bound = None
        if len(trapped) > 1:
            t_rate = rate[trapped].sum(axis=0)
            t_load = load[trapped].sum(axis=0)
            safe = np.where(t_rate > 0, t_rate, 1.0)
            t_h = np.maximum(np.where(t_rate > 0, t_load / safe, traffic.aht[q]), 1.0)
            t_th = np.where(
                t_rate > 0, (rate[trapped] * theta_of[trapped][:, None]).sum(axis=0) / safe, 0.0
            )
            p_bound = _pool_wait(t_load[at_q], agents_q, t_h[at_q], t_th[at_q])
            bound = (p_bound, t_load[at_q], t_h[at_q], t_th[at_q])
        setups[q] = (at_q, weight_q, agents_q, kept_at, team_h, first, other, bound, pulled)
    # each voice queue's share of time with all its agents busy and with callers waiting,
    # started from the pool's
    waiting = {k: pool_wait for k in component}
    queued = {k: pool_wait * pool_busy for k in component}
    measures = {}
    for _ in range(_PASSES):
        new_waiting, new_queued = {}, {}
        for q, th_q in zip(voice, theta, strict=True):
            at_q, weight_q, agents_q, kept_at, team_h, first, other, bound, pulled = setups[q]
            hq = np.maximum(traffic.aht[q], 1.0)
            # another queue's callers wait, given that q's agents are all busy
            given = {
                k: np.minimum(queued[k] / np.maximum(np.maximum(waiting[q], waiting[k]), 1e-9), 1)
                for k in voice
                if k != q
            }
            # with q's callers waiting each skilled agent frees up at the rate of his team's
            # work; one who ranks another queue first takes its waiting callers first
            speed = (1.0 - sum(first.values(), np.zeros(n_t))) * hq / np.maximum(team_h[q], 1.0)
            for k, share in first.items():
                speed = speed + share * (1.0 - given.get(k, waiting[k])) * hq / team_h[k]
            drain = agents_q * speed[at_q] + pulled[at_q]
            tail = rate[q][at_q] * hq[at_q]
            # with all busy and none of q's callers waiting, a freed agent takes another
            # queue's waiting caller instead of becoming free
            held = _FREED_SHARE * sum((s * given[k] for k, s in other.items()), np.zeros(n_t))
            th = np.full(len(at_q), th_q)
            p_q, a_q = _split_wait(kept_at, tail, agents_q, drain, hq[at_q], th, held[at_q])
            hh = hq[at_q]
            if bound is not None:
                p_bound, t_load, t_h, t_th = bound
                use = p_bound > p_q
                p_q = np.where(use, p_bound, p_q)
                drain = np.where(use, agents_q, drain)
                tail = np.where(use, t_load, tail)
                hh = np.where(use, t_h, hh)
                th = np.where(use, t_th, th)
                rho = np.minimum(t_load / np.maximum(agents_q, 1e-9), 0.999)
                a_q = np.where(use, 1.0 / (1.0 - rho), a_q)
            measures[q] = (p_q, drain, tail, hh, th)
            nonempty = p_q * np.where(a_q > 1, 1.0 - 1.0 / np.maximum(a_q, 1.0), 0.0)
            new_waiting[q] = np.bincount(at_q, weights=weight_q * p_q, minlength=n_t)
            new_queued[q] = np.bincount(at_q, weights=weight_q * nonempty, minlength=n_t)
        for q in voice:  # damped, so that two queues' estimates do not oscillate
            waiting[q] = (1 - _DAMPING) * new_waiting[q] + _DAMPING * waiting[q]
            queued[q] = (1 - _DAMPING) * new_queued[q] + _DAMPING * queued[q]
    out = {}
    for q, th_q in zip(voice, theta, strict=True):
        at_q, weight_q = setups[q][:2]
        p_q, drain, tail, hh, th = measures[q]
        sl, abandon, asa = _offered_wait(p_q, drain, tail, hh, th, th_q, cfg[q].threshold_s, cap)

        def expect_q(values, at_q=at_q, weight_q=weight_q) -> np.ndarray:
            return np.bincount(at_q, weights=weight_q * values, minlength=n_t)

        abandon = expect_q(abandon) if th_q > 0 else np.full(n_t, np.nan)
        answered = np.maximum(1.0 - np.nan_to_num(abandon), 1e-12)
        sl, asa = expect_q(sl), expect_q(asa) / answered
        out[q] = _idle_rule(traffic.arriving[q], sl, asa, pool_busy, abandon)
    return out


def _offered_wait(p_wait, agents, load, aht, theta, patience_rate, threshold_s, cap):
    """A voice class's answered-within-threshold, abandoned and answered-wait (unnormalised)
    shares in a pool whose waiting callers abandon at mean rate ``theta``.

    The wait a caller would have if he never hung up (the offered wait ``V``) is Erlang A's
    (Mandelbaum & Zeltyn 2007): with ``x = N mu / theta``, ``y = lambda / theta`` and ``P`` the
    regularized lower incomplete gamma function, ``P(V > t) = p_wait P(x, y e^-theta t) /
    P(x, y)`` and ``E[e^-d theta V; 0 < V <= t] = p_wait G(x + d) (P(x + d, y) - P(x + d,
    y e^-theta t)) / (G(x) y^d P(x, y))``. The class with patience rate ``patience_rate``
    (``d = patience_rate / theta``) is answered when ``V`` is below its own patience. Where
    nobody in the pool abandons, ``V`` given a wait is exponential with rate ``N mu - lambda``
    (Erlang C). Returns per-state ``(answered within threshold, abandoned, E[V; answered])``.
    """
    sl = 1.0 - p_wait
    abandon = np.zeros_like(p_wait)
    mean = np.zeros_like(p_wait)
    waits = p_wait > 0
    plain = waits & (theta <= 0)
    if plain.any():
        c = np.maximum(agents[plain] - load[plain], 0.0) / aht[plain] + patience_rate
        pw = p_wait[plain]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(c > 0, (c - patience_rate) / np.where(c > 0, c, 1.0), 0.0)
            sl[plain] += pw * ratio * (1.0 - np.exp(-c * threshold_s))
            abandon[plain] = pw * (1.0 - ratio)
            mean[plain] = pw * np.where(c > 0, np.minimum(ratio / np.where(c > 0, c, 1), cap), cap)
    mixed = waits & (theta > 0)
    if mixed.any():
        th = theta[mixed]
        x = agents[mixed] / aht[mixed] / th
        y = load[mixed] / aht[mixed] / th
        pw = p_wait[mixed]
        y_t = y * np.exp(-th * threshold_s)

        def answered(d, upper):
            # E[e^(-d theta V); 0 < V <= upper-limit] / p_wait, upper given as y e^(-theta t)
            with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
                log_ratio = special.gammaln(x + d) - special.gammaln(x) - d * np.log(y)
                part = special.gammainc(x + d, y) - special.gammainc(x + d, upper)
                return np.exp(log_ratio) * part / special.gammainc(x, y)

        d = patience_rate / th
        within = np.nan_to_num(answered(d, y_t))
        ever = np.nan_to_num(answered(d, 0.0 * y))
        step = 1e-4 * np.maximum(d, 1.0)
        slower = np.nan_to_num(answered(d + step, 0.0 * y))
        sl[mixed] += pw * np.clip(within, 0.0, 1.0)
        abandon[mixed] = pw * np.clip(1.0 - ever, 0.0, 1.0)
        # E[V e^(-d theta V)] = -d/dd E[e^(-d theta V)] / theta
        mean[mixed] = pw * np.minimum(np.maximum(ever - slower, 0.0) / step / th, cap)
    return np.clip(sl, 0.0, 1.0), abandon, mean


def _first_immediate(ranks: np.ndarray, cfg) -> np.ndarray:
    """Each group's highest-ranked voice or chat queue."""
    immediate = np.array([c.channel != "email" for c in cfg])
    masked = np.where((ranks >= 0) & immediate[None, :], ranks, np.iinfo(np.int64).max)
    return np.argmin(masked, axis=1)


def _deferred_first(ranks: np.ndarray, cfg) -> np.ndarray:
    """Groups whose highest-ranked queue is deferred work (email)."""
    top = np.argmin(np.where(ranks >= 0, ranks, np.iinfo(np.int64).max), axis=1)
    return np.array([cfg[q].channel == "email" for q in top], dtype=bool)


def _helpers_holding(load, first, concurrency: int, helpers) -> np.ndarray:
    """Helpers holding a chat: ``E[min((X - concurrency first)+, helpers)]`` for ``X ~
    Poisson(load)`` chats in service, those beyond the first-chat agents' slots one per
    helper (a new chat goes to the least loaded agent)."""
    top = float(np.max(load, initial=0.0))
    x = np.arange(int(np.ceil(top + 10.0 * np.sqrt(top) + 10.0)))[:, None]
    pmf = stats.poisson.pmf(x, load[None, :])
    over = np.minimum(np.maximum(x - concurrency * first[None, :], 0.0), helpers[None, :])
    return (pmf * over).sum(axis=0)


def _agents_held(load: np.ndarray, first: np.ndarray, queue) -> np.ndarray:
    """Agents held by chats: ``X ~ Poisson(load)`` chats fill the ``first`` first-chat agents
    one each, then up to ``concurrency``; the rest take one agent each."""
    held, over = _chat_held(load, first, queue.concurrency)
    return held + over


def _pool_wait(load, agents, aht, theta) -> np.ndarray:
    """Probability that every agent of the pool is busy: Erlang A with the waiting callers'
    patience ``1 / theta``, Erlang C where nobody abandons."""
    p_wait = np.ones_like(agents)
    some = (agents > 0) & (load > 0)
    patient = some & (theta <= 0)
    impatient = some & (theta > 0)
    if impatient.any():
        i = impatient
        wait = _erlang_a_core(load[i], agents[i], aht[i], 1 / theta[i], 0 * load[i], with_asa=False)
        p_wait[i] = wait["p_wait"]
    if patient.any():
        p_wait[patient] = erlang.erlang_c(load[patient], agents[patient])
    p_wait[(load <= 0) & (agents > 0)] = 0.0  # nobody there: every contact waits
    return p_wait


def _idle_rule(arriving, sl, asa, occ, abandon) -> dict:
    idle = ~arriving
    return {
        "service_level": np.where(idle, 1.0, np.clip(sl, 0.0, 1.0)),
        "asa_s": np.where(idle, 0.0, asa),
        "occupancy": np.where(idle, 0.0, occ),
        "abandon_rate": np.where(idle & ~np.isnan(abandon), 0.0, abandon),
    }
