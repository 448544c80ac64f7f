"""Discrete-event simulation of a roster: the service it really gives, with confidence intervals.

The analytic stage (:mod:`staffplan.requirements`) treats each queue and interval on its own,
in steady state, with dedicated agents. The simulation drops those assumptions: agents work
only inside their ``work`` activities and serve their queues in priority order, queues carry
their backlog from one interval to the next, callers abandon after an exponential patience
where the queue has one, and chats share an agent's ``concurrency`` slots.

Model, per replication:

* arrivals: a Poisson process per queue whose rate is constant in each interval (the forecast's
  ``calls`` per interval);
* handle times: exponential with the forecast's ``aht_s`` of the arrival interval (the
  Erlang models' assumption, so a single-skill queue with constant staffing reproduces Erlang
  C or A in steady state);
* patience: exponential with mean ``patience_s`` for queues that have one, else infinite;
* routing: an arriving contact goes to the free agent who ranks its queue highest (then the
  least loaded, then the one idle longest); an agent who frees up takes the oldest contact
  of the highest-ranked queue he can serve. Voice and email take the whole agent; a chat
  takes one of ``concurrency`` slots, and an agent holding chats takes no voice or email;
* chat speed: with ``concurrency_inflation`` ``f`` a chat's handle time (drawn for a chat
  handled alone) stretches with the chats its agent holds: while he holds ``j`` each
  progresses at ``1 / (1 + f (j - 1))`` of its speed (Tezcan & Zhang 2014's
  concurrency-dependent service rate; the planning model of :mod:`staffplan.erlang.chat`
  instead inflates every chat as if agents always held ``concurrency``);
* shifts: an agent on a contact when a work activity ends finishes it first. At the end of
  a shift that is overtime; before a break or lunch, the pause then starts late and lasts
  its full length, so the agent comes back late by the same time (work and pause time stay
  as rostered).

A contact counts in the interval it arrived in. Service level is answered within the threshold
over offered, abandoned contacts counting as failures (``sl_offered`` of Erlang A); for email,
answered within ``deadline_h``, counting only items whose deadline falls inside the horizon.
"""

from __future__ import annotations

import heapq
import warnings
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from staffplan.config import PlanConfig

__all__ = ["SimulationResult", "simulate"]

# Event kinds, in the order they are handled at equal times: a finished contact frees its agent
# and a work activity ends before the next begins, before arrivals look for a free agent.
_DEPART, _SHIFT_OFF, _SHIFT_ON, _ARRIVE, _ABANDON = range(5)


@dataclass
class SimulationResult:
    """Simulated service per interval and queue, and per queue over the horizon.

    ``intervals`` has ``interval_start``, ``queue``, ``sim_offered`` (mean contacts),
    ``sim_service_level``, ``sim_asa_s`` (mean wait of answered contacts, seconds),
    ``sim_abandon_rate``, each the share of the interval's contacts over all replications
    (as the Erlang models give it), with ``_lo`` / ``_hi`` bounds of a ``level`` confidence
    interval (Student t, delta method), and ``sim_scored``, the share of the interval's
    arrivals the measures count (1, but for email items whose deadline falls after the
    horizon: 0 for an interval that late). ``queues`` has the same measures over the whole
    horizon, contact-weighted within each replication, then averaged over replications. To
    compare an expected weekly figure with ``queues``, weight each interval's calls by
    ``sim_scored`` (:func:`staffplan.evaluate.weekly_service`'s ``scored``).
    """

    intervals: pd.DataFrame
    queues: pd.DataFrame
    replications: int
    level: float


@dataclass(eq=False)
class _Contact:
    queue: int
    arrival_s: float
    interval: int
    service_s: float
    answered_s: float = -1.0
    abandoned: bool = False
    version: int = 0  # of the scheduled end (chats re-timed when the agent's load changes)


@dataclass
class _Agent:
    ranks: dict[int, int]  # queue index -> rank (0 = highest priority)
    order: list[int]  # queue indices in priority order
    on: bool = False
    load: int = 0
    chat_mode: bool = False
    free_since: float = 0.0
    off_at: float = 0.0  # when the last work activity ended
    off_day: int = -1  # agent-day of that end
    overrun: float | None = 0.0  # work past ``off_at`` (None: still on a contact)
    pause_s: float | None = None  # length of a pause that waits for the contact to end
    token: int = 0  # invalidates postponed returns
    chats: dict | None = None  # chat contact -> remaining work at single-chat speed (inflation > 0)
    timed_at: float = 0.0  # when the remaining work of ``chats`` was last brought up to date


def simulate(
    activities: pd.DataFrame,
    forecast: pd.DataFrame,
    config: PlanConfig,
    *,
    roster: pd.DataFrame | None = None,
    replications: int = 10,
    seed: int = 0,
    level: float = 0.95,
    absence: float = 0.0,
) -> SimulationResult:
    """Simulate the roster against the forecast.

    Parameters
    ----------
    activities : pandas.DataFrame
        ``agent_id``, ``start``, ``end`` (tz-aware), ``activity`` (only ``work`` rows staff
        queues) and ``queue`` (the queue, or a priority list such as ``sales>chat``).
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``calls`` (expected contacts per interval), ``aht_s``.
    config : PlanConfig
        Interval length, queue thresholds, patience, concurrency and deadlines.
    roster : pandas.DataFrame, optional
        ``agent_id``, ``date`` and ``queues`` (priority order joined by ``>``): when given, an
        agent's priorities on a date come from here instead of the activity's ``queue``.
    replications : int
        Independent replications (>= 2 for confidence intervals).
    seed : int
        Seed of the replications' random streams (reproducible).
    level : float
        Confidence level of the intervals.
    absence : float
        Probability that an agent misses a whole rostered day, drawn independently per
        agent-day and replication: the plan's shrinkage modelled as absence. The pooled
        roster model (:func:`staffplan.evaluate.evaluate_roster`) averages over the same
        absence; the per-queue model instead removes that share of agents from every
        interval, which hides the risk of a bad day.

    Returns
    -------
    SimulationResult
    """
    if replications < 2:
        raise ValueError(
            f"replications must be at least 2 for confidence intervals, got {replications}"
        )
    setup = _Setup.build(activities, forecast, config, roster)
    streams = np.random.SeedSequence(seed).spawn(replications)
    if not 0.0 <= absence < 1.0:
        raise ValueError(f"absence must be in [0, 1), got {absence}")
    runs = [_replicate(setup, np.random.default_rng(s), absence) for s in streams]
    return _summarise(setup, runs, level)


@dataclass
class _Setup:
    queues: list[str]
    starts: pd.DatetimeIndex  # interval starts (tz-aware)
    interval_s: float
    rates: np.ndarray  # (queues, intervals) expected contacts
    aht: np.ndarray  # (queues, intervals) seconds
    threshold_s: np.ndarray  # per queue (deadline for email)
    patience_s: np.ndarray  # per queue (inf when none)
    chat: np.ndarray  # per queue bool
    concurrency: np.ndarray  # per queue
    inflation: np.ndarray  # per queue: chat handle-time growth per extra concurrent chat
    deferred: np.ndarray  # per queue bool (email)
    agents: list[_Agent]
    shifts: list[tuple[float, int, int, int]]  # (time_s, kind, agent, agent-day)
    horizon_s: float

    @classmethod
    def build(cls, activities, forecast, config, roster) -> _Setup:
        queues = [q for q in config.queue_names if q in set(forecast["queue"])]
        index = {q: i for i, q in enumerate(queues)}
        step = pd.Timedelta(minutes=config.center.interval_minutes)
        utc = forecast["interval_start"].dt.tz_convert("UTC")
        first, last = utc.min(), utc.max()
        grid = pd.date_range(first, last, freq=step)
        pos = ((utc - first) / step).round().astype(int).to_numpy()
        rates = np.zeros((len(queues), len(grid)))
        aht = np.zeros_like(rates)
        qi = forecast["queue"].map(index).to_numpy()
        rates[qi, pos] = forecast["calls"].to_numpy(float)
        aht[qi, pos] = forecast["aht_s"].to_numpy(float)
        cfg = [config.queue(q) for q in queues]
        threshold = [
            q.deadline_h * 3600.0 if q.channel == "email" else float(q.threshold_s) for q in cfg
        ]
        agents, shifts = _agents(activities, roster, index, first)
        tz = forecast["interval_start"].dt.tz
        return cls(
            queues=queues,
            starts=grid.tz_convert(tz),
            interval_s=step.total_seconds(),
            rates=rates,
            aht=aht,
            threshold_s=np.array(threshold),
            patience_s=np.array([q.patience_s or np.inf for q in cfg]),
            chat=np.array([q.channel == "chat" for q in cfg]),
            concurrency=np.array([q.concurrency for q in cfg]),
            inflation=np.array(
                [q.concurrency_inflation if q.channel == "chat" else 0.0 for q in cfg]
            ),
            deferred=np.array([q.channel == "email" for q in cfg]),
            agents=agents,
            shifts=shifts,
            horizon_s=len(grid) * step.total_seconds(),
        )


def _agents(activities, roster, index, first) -> tuple[list[_Agent], list[tuple]]:
    work = activities[activities["activity"] == "work"]
    priorities = {}
    if roster is not None:
        for row in roster.itertuples(index=False):
            priorities[(str(row.agent_id), str(row.date))] = str(row.queues)
    agents: list[_Agent] = []
    shifts: list[tuple[float, int, int, int]] = []
    days: dict[tuple[str, str], int] = {}
    # An agent's priorities may change by date: one simulated agent per (agent, date).
    keyed: dict[tuple[str, str], int] = {}
    for row in work.itertuples(index=False):
        date = str(row.start.date())
        spec = priorities.get((str(row.agent_id), date), str(row.queue))
        key = (str(row.agent_id), spec)
        if key not in keyed:
            order = [index[q] for q in spec.split(">") if q in index]
            keyed[key] = len(agents)
            agents.append(_Agent({q: r for r, q in enumerate(order)}, order))
        who = keyed[key]
        start = (row.start.tz_convert("UTC") - first).total_seconds()
        end = (row.end.tz_convert("UTC") - first).total_seconds()
        day = days.setdefault((str(row.agent_id), date), len(days))
        shifts.append((start, _SHIFT_ON, who, day))
        shifts.append((end, _SHIFT_OFF, who, day))
    return agents, shifts


def _replicate(setup: _Setup, rng: np.random.Generator, absence: float = 0.0) -> list:
    """One replication: every contact of every queue with its outcome."""
    events: list[tuple[float, int, int, int, object]] = []
    seq = 0
    contacts: list[list[_Contact]] = [[] for _ in setup.queues]
    for q in range(len(setup.queues)):
        counts = rng.poisson(setup.rates[q])
        for i in np.flatnonzero(counts):
            times = (i + rng.random(counts[i])) * setup.interval_s
            services = rng.exponential(setup.aht[q, i], counts[i])
            for t, s in zip(times, services, strict=True):
                contact = _Contact(q, float(t), int(i), float(s))
                contacts[q].append(contact)
                events.append((float(t), _ARRIVE, seq, q, contact))
                seq += 1
    n_days = 1 + max((s[3] for s in setup.shifts), default=-1)
    absent = rng.random(n_days) < absence
    for t, kind, who, day in setup.shifts:
        if absent[day]:
            continue
        events.append((t, kind, seq, who, day))
        seq += 1
    heapq.heapify(events)
    state = _State(setup, [_Agent(a.ranks, a.order) for a in setup.agents], rng)
    while events:
        t, kind, _, who, item = heapq.heappop(events)
        for event in state.handle(t, kind, who, item):
            heapq.heappush(events, (event[0], event[1], seq, event[2], event[3]))
            seq += 1
    return contacts


class _State:
    """Queues and agents during one replication; ``handle`` returns new events."""

    def __init__(self, setup: _Setup, agents: list[_Agent], rng: np.random.Generator):
        self.setup = setup
        self.agents = agents
        self.rng = rng
        self.waiting: list[deque[_Contact]] = [deque() for _ in setup.queues]
        self.skilled = [
            sorted((a.ranks[q], i) for i, a in enumerate(agents) if q in a.ranks)
            for q in range(len(setup.queues))
        ]

    def handle(self, t: float, kind: int, who: int, item) -> list[tuple]:
        if kind == _ARRIVE:
            return self._arrive(t, item)
        if kind == _ABANDON:
            if item.answered_s < 0 and not item.abandoned:
                item.abandoned = True
            return []
        agent = self.agents[who]
        retimed: list[tuple] = []
        if kind == _DEPART:
            if item is not None:  # a chat whose speed depends on the agent's load
                contact, version = item
                if version != contact.version:
                    return []  # re-timed since
                retimed = self._retime(t, who, drop=contact)
            agent.load -= 1
            if agent.load == 0:
                agent.chat_mode = False
                agent.free_since = t
                if not agent.on and agent.overrun is None:
                    agent.overrun = t - agent.off_at
                    if agent.pause_s is not None:  # the pause starts now, in full
                        agent.token += 1
                        back = (t + agent.pause_s, _SHIFT_ON, who, ("back", agent.token))
                        agent.pause_s = None
                        return [back]
            if not agent.on:
                return retimed
            return retimed + self._pull(t, who)
        elif kind == _SHIFT_ON:
            back = self._return_time(t, who, item)
            if back is not None:
                return back
            agent.on = True
            agent.free_since = t
        elif kind == _SHIFT_OFF:
            agent.on = False
            agent.token += 1  # a return postponed past this end is void
            agent.pause_s = None
            agent.off_at, agent.off_day = t, item
            agent.overrun = 0.0 if agent.load == 0 else None
            return []
        return self._pull(t, who) if agent.on else []

    def _return_time(self, t: float, who: int, item) -> list[tuple] | None:
        """A pause (break, lunch) is taken in full after the contact that ran into it: the
        agent comes back late by the overrun. ``None`` when the agent starts work now."""
        agent = self.agents[who]
        if isinstance(item, tuple):  # a postponed return
            return [] if item[1] != agent.token else None
        if item != agent.off_day:  # a new shift: overtime does not delay it
            return None
        if agent.overrun is None:  # still on the contact: back one pause after it ends
            agent.pause_s = t - agent.off_at
            return []
        if agent.overrun > 0.0:
            agent.token += 1
            return [(t + agent.overrun, _SHIFT_ON, who, ("back", agent.token))]
        return None

    def _can_take(self, agent: _Agent, q: int) -> bool:
        if not agent.on:
            return False
        if agent.load == 0:
            return True
        return agent.chat_mode and self.setup.chat[q] and agent.load < self.setup.concurrency[q]

    def _arrive(self, t: float, contact: _Contact) -> list[tuple]:
        q = contact.queue
        best, best_key = -1, None
        for rank, i in self.skilled[q]:
            agent = self.agents[i]
            if self._can_take(agent, q):
                key = (rank, agent.load, agent.free_since)
                if best_key is None or key < best_key:
                    best, best_key = i, key
        if best >= 0:
            return self._start(t, best, contact)
        self.waiting[q].append(contact)
        patience = self.setup.patience_s[q]
        if np.isfinite(patience):
            return [(t + self.rng.exponential(patience), _ABANDON, 0, contact)]
        return []

    def _pull(self, t: float, who: int) -> list[tuple]:
        agent = self.agents[who]
        started = []
        for q in agent.order:
            line = self.waiting[q]
            while line and self._can_take(agent, q):
                contact = line.popleft()
                if contact.abandoned:
                    continue
                started.extend(self._start(t, who, contact))
            if agent.load and not agent.chat_mode:
                break
        return started

    def _start(self, t: float, who: int, contact: _Contact) -> list[tuple]:
        agent = self.agents[who]
        agent.load += 1
        agent.chat_mode = bool(self.setup.chat[contact.queue])
        contact.answered_s = t
        if agent.chat_mode and self.setup.inflation[contact.queue] > 0.0:
            return self._retime(t, who, add=contact)
        return [(t + contact.service_s, _DEPART, who, None)]

    def _retime(
        self, t: float, who: int, *, add: _Contact | None = None, drop: _Contact | None = None
    ) -> list[tuple]:
        """Chats progress at ``1 / (1 + inflation (j - 1))`` of their single-chat speed while
        the agent holds ``j`` of them: bring the remaining work up to date, add or drop a chat,
        and schedule the new ends of the others."""
        agent = self.agents[who]
        if agent.chats is None:
            agent.chats = {}
        chats = agent.chats
        if chats:
            f = self.setup.inflation[next(iter(chats)).queue]
            done = (t - agent.timed_at) / (1.0 + f * (len(chats) - 1))
            for c in chats:
                chats[c] -= done
        agent.timed_at = t
        if drop is not None:
            chats.pop(drop, None)
        if add is not None:
            chats[add] = add.service_s
        if not chats:
            return []
        f = self.setup.inflation[next(iter(chats)).queue]
        slow = 1.0 + f * (len(chats) - 1)
        events = []
        for c, work in chats.items():
            c.version += 1
            events.append((t + max(work, 0.0) * slow, _DEPART, who, (c, c.version)))
        return events


def _outcomes(setup: _Setup, contacts: list[list[_Contact]]) -> dict[str, np.ndarray]:
    """Per (queue, interval): offered, in-threshold, answered, abandoned, total wait."""
    shape = setup.rates.shape
    totals = {k: np.zeros(shape) for k in ("offered", "in_sl", "answered", "abandoned", "wait")}
    for q, items in enumerate(contacts):
        if not items:
            continue
        interval = np.array([c.interval for c in items])
        arrival = np.array([c.arrival_s for c in items])
        answered_at = np.array([c.answered_s for c in items])
        answered = answered_at >= 0
        wait = np.where(answered, answered_at - arrival, 0.0)
        threshold = setup.threshold_s[q]
        counted = np.ones(len(items), dtype=bool)
        if setup.deferred[q]:  # only items whose deadline falls inside the horizon
            counted = arrival + threshold <= setup.horizon_s
        in_sl = answered & (wait <= threshold + 1e-9)
        for key, values in (
            ("offered", counted),
            ("in_sl", in_sl & counted),
            ("answered", answered & counted),
            ("abandoned", np.array([c.abandoned for c in items]) & counted),
            ("wait", np.where(counted, wait, 0.0)),
        ):
            np.add.at(totals[key][q], interval, values.astype(float))
    return totals


def _summarise(setup: _Setup, runs, level: float) -> SimulationResult:
    per_run = [_outcomes(setup, contacts) for contacts in runs]
    stack = {k: np.stack([r[k] for r in per_run]) for k in per_run[0]}
    n_q, n_t = setup.rates.shape
    frame = pd.DataFrame(
        {
            "interval_start": np.tile(setup.starts, n_q),
            "queue": np.repeat(setup.queues, n_t),
            "sim_offered": stack["offered"].mean(axis=0).ravel(),
        }
    )
    for name, top, bottom in (
        ("service_level", "in_sl", "offered"),
        ("asa_s", "wait", "answered"),
        ("abandon_rate", "abandoned", "offered"),
    ):
        mean, lo, hi = _ratio_ci(stack[top], stack[bottom], level, fraction=name != "asa_s")
        frame[f"sim_{name}"] = mean.ravel()
        frame[f"sim_{name}_lo"] = lo.ravel()
        frame[f"sim_{name}_hi"] = hi.ravel()
    frame["sim_scored"] = _scored_share(setup).ravel()
    frame = frame[setup.rates.ravel() > 0].reset_index(drop=True)
    queues = _queue_totals(setup, stack, level)
    return SimulationResult(frame, queues, len(runs), level)


def _scored_share(setup: _Setup) -> np.ndarray:
    """Per (queue, interval): the share of the interval's arrivals that :func:`_outcomes`
    counts. An email item counts only when its deadline falls inside the horizon (arrival
    uniform within the interval)."""
    n_q, n_t = setup.rates.shape
    start = np.arange(n_t) * setup.interval_s
    latest = setup.horizon_s - setup.threshold_s[:, None]  # last arrival counted, s
    share = np.clip((latest - start[None, :]) / setup.interval_s, 0.0, 1.0)
    return np.where(setup.deferred[:, None], share, 1.0)


def _queue_totals(setup: _Setup, stack: dict[str, np.ndarray], level: float) -> pd.DataFrame:
    sums = {k: v.sum(axis=2) for k, v in stack.items()}  # (replications, queues)
    with np.errstate(invalid="ignore", divide="ignore"):
        measures = {
            "service_level": sums["in_sl"] / sums["offered"],
            "asa_s": sums["wait"] / sums["answered"],
            "abandon_rate": sums["abandoned"] / sums["offered"],
        }
    frame = pd.DataFrame({"queue": setup.queues, "sim_offered": sums["offered"].mean(axis=0)})
    for name, values in measures.items():
        mean, lo, hi = _mean_ci(values, level, fraction=name != "asa_s")
        frame[f"sim_{name}"], frame[f"sim_{name}_lo"], frame[f"sim_{name}_hi"] = mean, lo, hi
    return frame


def _ratio_ci(
    top: np.ndarray, bottom: np.ndarray, level: float, *, fraction: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per interval, the ratio of sums over replications (axis 0), e.g. contacts answered in
    time over contacts offered in all replications, and its Student-t confidence interval by
    the delta method (standard error ``sd(top - R bottom) / (sqrt(n) mean(bottom))``).

    This is the share of contacts, as the Erlang models give it: the mean of each
    replication's own share would weigh a replication with few contacts (and so a short
    queue) like one with many, and comes out about a point higher at 30 contacts an
    interval. NaN where no replication has any ``bottom``; bounds of a ``fraction`` are
    clipped to [0, 1]."""
    n = top.shape[0]
    total = bottom.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, top.sum(axis=0) / np.where(total > 0, total, 1.0), np.nan)
        residual = top - np.nan_to_num(ratio)[None] * bottom
        spread = residual.std(axis=0, ddof=1) if n > 1 else np.full(ratio.shape, np.nan)
        t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
        half = t * spread / (np.sqrt(n) * (total / n))
    half = np.where((total > 0) & (n > 1), half, np.nan)
    lo, hi = ratio - half, ratio + half
    if fraction:
        lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return ratio, lo, hi


def _mean_ci(
    values: np.ndarray, level: float, *, fraction: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (axis 0) and a Student-t confidence interval, ignoring NaN;
    bounds of a ``fraction`` are clipped to [0, 1]."""
    count = np.sum(~np.isnan(values), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no contacts there
        mean = np.nanmean(np.where(count > 0, values, 0.0), axis=0)
        spread = np.nanstd(values, axis=0, ddof=1)
        t = stats.t.ppf(0.5 + level / 2, np.maximum(count - 1, 1))
        half = np.where(count > 1, t * spread / np.sqrt(np.maximum(count, 1)), np.nan)
    mean = np.where(count > 0, mean, np.nan)
    lo, hi = mean - half, mean + half
    if fraction:
        lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return mean, lo, hi
