"""Weekly rosters for named agents, with floating breaks and multi-skill allocation.

Three steps, each small enough for a week of 15-minute intervals and a hundred agents:

1. **Shift design** (``design.py``) of the pooled requirement on the roster start grid: which
   shift types each day needs and where their breaks float. It picks the candidate shifts.
2. **Roster MIP** over ``z[agent, day, shift]`` for the designed shift types and every length
   at their start times (plus, where an agent's availability window fits no designed start,
   the first and last start inside it), each agent inside a start band given greedily by the
   designed demand still uncovered: one shift a day, max days, contract hours (max hard, min
   as a heavily weighted soft goal so a short week is reported instead of failing), minimum
   rest, availability (hard, to the minute), a run of days off (soft), weighted on/off
   requests, start times inside a band, fairness (the most weekend and late shifts of any
   agent is penalised), and the split of each skill group's working capacity across its
   queues per interval with soft, weighted coverage. A shift's work per interval is its
   expected work with the breaks spread as in the design.
   It is solved as: LP relaxation (interior point; its optimum is the reported bound, for the
   candidate shifts only, as a note says), agent-shifts unused by the LP never turned on by
   the search, a greedy rounding of the LP that keeps every hard rule and the same rounding
   re-chosen agent by agent against the uncovered requirement (the better of the two is the
   start), then a neighbourhood search (a few agents re-solved by HiGHS at a time, the others
   fixed; each new roster also gets longer shifts at the same start for agents below their
   contract minimum) until the time limit.
3. **Break placement**: each rostered shift gets its breaks, in order and inside their
   windows, where the surplus of agents is largest (greedy, shift by shift).
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .agents import Agent
from .design import DesignLimits, design_shifts
from .grid import Grid
from .outputs import Assignment
from .rules import ShiftRules, SolverSettings, clock_to_minutes
from .skills import queue_order
from .solver import MipModel, SolveReport, neighbourhood_search, solve_model
from .templates import ShiftType, fixed_break_mask

__all__ = ["RosterResult", "build_roster", "place_breaks"]

_ALLOC_EPS = 1e-3  # cost per agent-interval per priority level below the first


@dataclass
class RosterResult:
    """Named-agent roster.

    Attributes
    ----------
    assignments : list of Assignment
    scheduled : numpy.ndarray
        Agents working per queue and interval, shape ``(n_queues, n_intervals)``.
    report : SolveReport
        Objective of the roster, bound of the aggregate LP and their gap.
    min_hours_shortfall : dict
        ``agent_id -> hours`` below the contract minimum (only when unavoidable).
    notes : list of str
    models : list of MipModel
    """

    assignments: list[Assignment]
    scheduled: np.ndarray
    report: SolveReport
    min_hours_shortfall: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    models: list[MipModel] = field(default_factory=list)


def _add_coverage(model: MipModel, q_l, t_l, c_l, v_l, grid: Grid, rules: ShiftRules) -> None:
    """Soft coverage rows ``sum(work on q at t) + under - over = required`` per (queue, t)."""
    n_q, n_t = grid.required.shape
    w = rules.weights
    under = model.add_vars(
        n_q * n_t, cost=(w.under_staffing * grid.under_cost).reshape(-1), name="under"
    )
    over = model.add_vars(n_q * n_t, cost=w.over_staffing, name="over")
    if q_l:
        q_a, t_a, c_a, v_a = (np.concatenate(x) for x in (q_l, t_l, c_l, v_l))
        keep = (t_a < n_t) & (v_a > 0)
        key = q_a[keep] * n_t + t_a[keep]
        c_a, v_a = c_a[keep], v_a[keep]
        order = np.argsort(key, kind="stable")
        key, c_a, v_a = key[order], c_a[order], v_a[order]
    else:
        key, c_a, v_a = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    bounds = np.searchsorted(key, np.arange(n_q * n_t + 1))
    req = grid.required.reshape(-1)
    for i in range(n_q * n_t):
        s, e = bounds[i], bounds[i + 1]
        model.add_row(
            np.r_[c_a[s:e], under[i], over[i]], np.r_[v_a[s:e], 1.0, -1.0], req[i], req[i]
        )


def _shift_minutes(d: int, shift: ShiftType) -> tuple[int, int]:
    im = shift.interval_minutes
    start = d * 1440 + shift.start * im
    return start, start + shift.length * im


def _overlaps(span: tuple[int, int], req) -> bool:
    return span[0] < req.end_min and req.start_min < span[1]


def _covers(span: tuple[int, int], req) -> bool:
    return span[0] <= req.start_min and req.end_min <= span[1]


def place_breaks(
    shifts: list[tuple[int, ShiftType]], required: np.ndarray
) -> list[tuple[int, ...]]:
    """Place each shift's breaks where the surplus of working agents is largest.

    Parameters
    ----------
    shifts : list of (int, ShiftType)
        Start interval on the horizon and shift type of every shift.
    required : numpy.ndarray
        Agents needed per interval of the horizon (all queues).

    Returns
    -------
    list of tuple of int
        Break start offsets (intervals after the shift start), in the order of
        ``ShiftType.breaks``, for each shift.
    """
    n_t = required.size + 4 * 96 * 4
    surplus = -np.r_[np.asarray(required, float), np.zeros(n_t - required.size)]
    for t0, shift in shifts:
        surplus[t0 : t0 + shift.length] += 1
    order = sorted(range(len(shifts)), key=lambda i: (shifts[i][0], shifts[i][1].length))
    out: list[tuple[int, ...]] = [()] * len(shifts)
    for i in order:
        t0, shift = shifts[i]
        offsets, earliest = [], 0
        for slot in shift.breaks:
            best, best_val = None, -math.inf
            for o in range(max(slot.earliest, earliest), slot.latest + 1):
                val = surplus[t0 + o : t0 + o + slot.length].min()
                if val > best_val + 1e-9:
                    best, best_val = o, val
            if best is None:  # windows leave no room after the previous break: keep order
                best = max(slot.earliest, min(earliest, slot.latest))
            surplus[t0 + best : t0 + best + slot.length] -= 1
            offsets.append(best)
            earliest = best + slot.length
        out[i] = tuple(offsets)
    return out


def _availability_starts(
    agent: Agent, n_days: int, shift_types, designed: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Extra ``(day, shift)`` candidates for an agent the designed start times do not fit.

    For each day with designed shifts and each shift length, the starts the agent is free for
    form runs (one per availability window). A run without a designed start of that length
    adds its first and its last start: the earliest shift at or after the window opens and
    the latest one that ends by its close. Agents without part-day absences get none.
    """
    if not agent.unavailable:
        return []
    by_length: dict[int, list[int]] = {}
    for s, st in enumerate(shift_types):
        by_length.setdefault(st.length, []).append(s)
    for idx in by_length.values():
        idx.sort(key=lambda s: shift_types[s].start)
    days = sorted({d for d, _ in designed})
    out: list[tuple[int, int]] = []
    for d in days:
        if d >= n_days:
            continue
        for idx in by_length.values():
            run: list[int] = []
            for s in [*idx, -1]:  # -1 closes the last run
                if s >= 0 and agent.is_free(*_shift_minutes(d, shift_types[s])):
                    run.append(s)
                    continue
                if run and not any((d, r) in designed for r in run):
                    out.extend((d, r) for r in {run[0], run[-1]})
                run = []
    return sorted(set(out))


def _assign_bands(
    agents, design, shift_types, band: int, max_days: int, cands: list[list[tuple[int, int]]]
) -> list[int]:
    """Give each agent a start band ``[b, b + band]`` (minutes after midnight) before the MIP.

    Greedy, the least available agents first, then by weekly hours (most first). An agent's
    value of a band is the designed paid hours still uncovered that he can take in it: on
    each day he has a candidate shift starting inside the band (``cands``: his
    ``(day, shift)`` candidates, availability checked), the uncovered designed hours of that
    day starting inside the band, at most the longest shift he can work there (one shift a
    day), over his best ``max_days`` days and at most ``(min + max) / 2`` weekly hours. He
    takes the band of most value; ties (all demand already taken) go to the band with the
    most designed hours, then the most candidate shifts, so that an agent with candidates
    never lands in a band without any. His value is then taken off the band's designed
    starts of those days in proportion. A band is only given to an agent who can reach the
    contract minimum in it, unless no band allows that. It keeps the roster MIP small and
    makes start times stable by construction.
    """
    im = shift_types[0].interval_minutes
    starts = sorted({st.start * im for st in shift_types})
    demand: dict[tuple[int, int], float] = {}
    for ds in design.shifts:
        key = (ds.day, ds.shift.start * im)
        demand[key] = demand.get(key, 0.0) + ds.shift.paid_h
    out = [starts[0]] * len(agents)
    if not demand:
        return out
    remaining = dict(demand)
    by_day: dict[int, list[int]] = {}
    for d, st in demand:
        by_day.setdefault(d, []).append(st)
    # the least available agents first (fewest (day, start) pairs they are free for), then
    # by weekly hours, most first: an agent free only from 14:00 picks before those who can
    # take any start
    days = sorted(by_day)
    free = [
        sum(
            len({st.start for st in shift_types if agent.is_free(*_shift_minutes(d, st))})
            for d in days
        )
        if agent.unavailable
        else len(days) * len(starts)
        for agent in agents
    ]
    order = sorted(range(len(agents)), key=lambda a: (free[a], -agents[a].max_hours_week))
    for a in order:
        agent, mine = agents[a], cands[a]
        if not mine:
            continue
        hours = 0.5 * (agent.min_hours_week + agent.max_hours_week)
        c_day = np.array([d for d, _ in mine])
        c_start = np.array([shift_types[s].start * im for _, s in mine])
        c_paid = np.array([shift_types[s].paid_h for _, s in mine])
        best, best_key, best_take = None, None, {}
        for b in starts:
            inside = (c_start >= b) & (c_start <= b + band)
            if not inside.any():
                continue
            longest: dict[int, float] = {}
            for d, p in zip(c_day[inside].tolist(), c_paid[inside].tolist(), strict=True):
                longest[d] = max(longest.get(d, 0.0), p)
            reach = sum(sorted(longest.values(), reverse=True)[:max_days])
            caps, total = {}, 0.0
            for d, top in longest.items():
                sts = [st for st in by_day.get(d, ()) if b <= st <= b + band]
                total += sum(demand[(d, st)] for st in sts)
                caps[d] = min(top, sum(max(remaining[(d, st)], 0.0) for st in sts))
            best_days = sorted(caps, key=lambda d: -caps[d])[:max_days]
            value = min(hours, sum(caps[d] for d in best_days))
            key = (
                reach >= agent.min_hours_week - 1e-9,
                round(value, 6),
                round(total, 6),
                int(inside.sum()),
            )
            if best_key is None or key > best_key:
                scale = value / max(sum(caps[d] for d in best_days), 1e-9)
                best, best_key = b, key
                best_take = {d: caps[d] * scale for d in best_days if caps[d] > 0}
        if best is None:
            continue
        out[a] = best
        for d, take in best_take.items():
            sts = [st for st in by_day[d] if best <= st <= best + band]
            pos = {st: max(remaining[(d, st)], 0.0) for st in sts}
            left = sum(pos.values())
            for st in sts:
                remaining[(d, st)] -= take * (pos[st] / left if left > 0 else 1.0 / len(sts))
    return out


def _greedy_start(
    values: np.ndarray, za: np.ndarray, agents: list[Agent], shift_types, rules: ShiftRules
) -> np.ndarray:
    """A roster near the LP optimum that keeps every hard rule (a start for the MIP).

    Each agent takes as many agent-shifts as the LP gives them (rounded), by decreasing LP
    value, then more while below the contract minimum, keeping one shift a day, max days, max
    hours and rest.
    """
    out = np.zeros(values.size)
    rest = rules.min_rest_h * 60
    paid_h = np.array([s.paid_h for s in shift_types])
    for a, agent in enumerate(agents):
        mine = np.flatnonzero(za[:, 0] == a)
        mine = mine[np.argsort(-values[mine], kind="stable")]
        taken: dict[int, tuple[int, int]] = {}
        hours = 0.0
        # as many shifts as the LP gives the agent, by decreasing LP value; then up to the
        # contract minimum
        target = round(float(values[mine].sum()))
        for phase in (0, 1):
            for j in mine:
                if phase == 0 and len(taken) >= target:
                    break
                if phase == 1 and hours >= agent.min_hours_week:
                    break
                d, s = int(za[j, 1]), int(za[j, 2])
                span = _shift_minutes(d, shift_types[s])
                if d in taken or len(taken) >= rules.max_days_per_week:
                    continue
                if hours + paid_h[s] > agent.max_hours_week + 1e-9:
                    continue
                before, after = taken.get(d - 1), taken.get(d + 1)
                if before is not None and span[0] < before[1] + rest:
                    continue
                if after is not None and after[0] < span[1] + rest:
                    continue
                taken[d] = span
                hours += paid_h[s]
                out[j] = 1.0
    return out


@dataclass
class _Cover:
    """The coverage a cover start fills, and each agent-shift column's part in it.

    Attributes
    ----------
    remaining : numpy.ndarray
        Requirement still uncovered per queue and interval, agent-intervals, shape
        ``(n_queues, n_intervals + pad)`` (zero in the padding past the horizon).
    under_w : numpy.ndarray
        Cost of a missing agent-interval, same shape (objective units).
    over_w : numpy.ndarray
        Cost of a surplus agent-interval per interval, shape ``(n_intervals + pad,)``.
    queues : list of numpy.ndarray
        Per column: the queues its agent's skill group serves.
    t0 : numpy.ndarray
        Per column: first interval of the shift on the horizon.
    masks : list of numpy.ndarray
        Per column: expected work per interval of the shift (agents, 0-1).
    """

    remaining: np.ndarray
    under_w: np.ndarray
    over_w: np.ndarray
    queues: list[np.ndarray]
    t0: np.ndarray
    masks: list[np.ndarray]

    def take(self, j: int) -> tuple[float, np.ndarray]:
        """Coverage value of column ``j`` now and the work it takes from each of its queues.

        The shift's work per interval covers the uncovered requirement of its queues pooled,
        split across them in proportion to what each still lacks; what is left is
        over-staffing.
        """
        qs, mask = self.queues[j], self.masks[j]
        span = slice(int(self.t0[j]), int(self.t0[j]) + mask.size)
        rem = self.remaining[qs, span]
        pooled = rem.sum(axis=0)
        covered = np.minimum(mask, pooled)
        take = rem * (covered / np.maximum(pooled, 1e-12))[None, :]
        value = (take * self.under_w[qs, span]).sum() - ((mask - covered) * self.over_w[span]).sum()
        return float(value), take

    def apply(self, j: int, take: np.ndarray, sign: float) -> None:
        """Take (``sign`` -1) or give back (+1) the work ``take`` of column ``j``."""
        span = slice(int(self.t0[j]), int(self.t0[j]) + self.masks[j].size)
        self.remaining[self.queues[j], span] += sign * take


class _CoverState:
    """A roster under construction: each agent's shifts, hours and the coverage they take.

    Parameters
    ----------
    za : numpy.ndarray
        ``(agent, day, shift)`` of every column, shape ``(n_columns, 3)``.
    agents : list of Agent
    shift_types : list of ShiftType
    rules : ShiftRules
    cover : _Cover
    col_cost : numpy.ndarray
        Objective cost of each column (pay and requests, objective units).
    """

    def __init__(self, za, agents, shift_types, rules, cover, col_cost) -> None:
        self.za, self.agents, self.cover, self.col_cost = za, agents, cover, col_cost
        self.max_days, self.rest = rules.max_days_per_week, rules.min_rest_h * 60
        self.paid_h = np.array([shift_types[s].paid_h for s in za[:, 2]], float)
        self.spans = [_shift_minutes(int(d), shift_types[s]) for _, d, s in za]
        self.days: dict[int, dict[int, int]] = {}  # agent -> day -> column
        self.hours = np.zeros(len(agents))
        self.taken: dict[int, np.ndarray] = {}  # column -> work it takes

    def fits(self, j: int) -> bool:
        """Whether agent-shift ``j`` keeps the agent's hard rules (days, hours, rest)."""
        a, d, _ = (int(v) for v in self.za[j])
        days = self.days.get(a, {})
        if d in days or len(days) >= self.max_days:
            return False
        if self.hours[a] + self.paid_h[j] > self.agents[a].max_hours_week + 1e-9:
            return False
        start, end = self.spans[j]
        before, after = days.get(d - 1), days.get(d + 1)
        if before is not None and start < self.spans[before][1] + self.rest:
            return False
        return after is None or end + self.rest <= self.spans[after][0]

    def gain(self, j: int) -> tuple[float, np.ndarray]:
        """Coverage gain less cost of adding column ``j`` now, and the work it would take.

        The contract minimum is not valued here: the start keeps the LP rounding's shifts
        (which fill it) unless re-choosing gains, and the search lengthens shifts for it.
        """
        value, take = self.cover.take(j)
        return value - self.col_cost[j], take

    def add(self, j: int, take: np.ndarray) -> None:
        """Put agent-shift ``j`` in the roster, taking the work ``take``."""
        a, d = int(self.za[j, 0]), int(self.za[j, 1])
        self.days.setdefault(a, {})[d] = j
        self.hours[a] += self.paid_h[j]
        self.taken[j] = take
        self.cover.apply(j, take, -1.0)

    def drop_agent(self, a: int) -> list[int]:
        """Take agent ``a`` off the roster; return the columns he had."""
        cols = list(self.days.pop(a, {}).values())
        for j in cols:
            self.cover.apply(j, self.taken.pop(j), 1.0)
        self.hours[a] = 0.0
        return cols

    def add_all(self, cols: list[int]) -> float:
        """Add ``cols`` in order (they must fit); return the objective decrease."""
        total = 0.0
        for j in cols:
            value, take = self.gain(j)
            self.add(j, take)
            total += value
        return total

    def fill(self, cols: np.ndarray) -> float:
        """Lazy greedy: add the fitting column of largest gain while any gains; return the sum.

        Gains only fall as the roster grows (less uncovered requirement), so a column is
        re-valued only when it reaches the top of the heap.
        """
        heap = [(-self.gain(int(j))[0], int(j)) for j in cols if self.fits(int(j))]
        heapq.heapify(heap)
        total = 0.0
        while heap and -heap[0][0] > 1e-9:
            _, j = heapq.heappop(heap)
            if not self.fits(j):
                continue
            value, take = self.gain(j)
            if heap and value < -heap[0][0] - 1e-9:
                heapq.heappush(heap, (-value, j))
                continue
            if value <= 1e-9:
                break
            self.add(j, take)
            total += value
        return total

    def on(self) -> np.ndarray:
        """The roster as column values (1 on, 0 off)."""
        out = np.zeros(len(self.za))
        out[list(self.taken)] = 1.0
        return out


def _cover_start(
    state: _CoverState, kept: np.ndarray, seed: np.ndarray, passes: int = 5
) -> np.ndarray:
    """The LP rounding with its gaps filled shift by shift, then re-chosen agent by agent.

    Parameters
    ----------
    state : _CoverState
        An empty roster over the model's columns.
    kept : numpy.ndarray
        Indices of the columns the roster may take on (the ones the relaxation used).
    seed : numpy.ndarray
        Columns of a roster that keeps every hard rule (the LP rounding), in the order to add
        them (largest LP value first).
    passes : int
        Most passes of re-choice: each agent in turn drops his shifts and takes them again
        greedily (lazy greedy on coverage less cost) against the others'; kept when the
        estimated objective falls. The LP rounding gives agents of one skill group and band
        the same shifts; this spreads them over the requirement.

    Returns
    -------
    numpy.ndarray
        Column values (0/1) of a roster that keeps every hard rule.
    """
    state.add_all([int(j) for j in seed])
    state.fill(kept)
    by_agent: dict[int, np.ndarray] = {}
    for a in np.unique(state.za[kept, 0]):
        by_agent[int(a)] = kept[state.za[kept, 0] == a]
    for _ in range(passes):
        changed = False
        for a, cols in by_agent.items():
            old = state.drop_agent(a)
            old_value = state.add_all(old)
            state.drop_agent(a)
            new_value = state.fill(cols)
            if set(state.days.get(a, {}).values()) == set(old):
                continue
            if new_value > old_value + 1e-6:
                changed = True
            else:
                state.drop_agent(a)
                state.add_all(old)
        if not changed:
            break
    return state.on()


def _lengthen_to_contract(
    on: list[tuple[int, int, int]],
    allowed: set[tuple[int, int, int]],
    agents: list[Agent],
    shift_types,
    rules: ShiftRules,
) -> tuple[list[tuple[int, int, int]], dict, dict]:
    """Lengthen shifts at their start time for agents below their contract minimum.

    The roster MIP keeps only the agent-shifts its relaxation used, so a roster stopped at the
    time limit can leave an agent short of the contract minimum although a longer shift at the
    same start would fit. Each short agent's shifts are lengthened (the smallest lengthening
    that closes the gap first) to candidate shifts of the same day and start
    (``allowed``: availability already checked) while the maximum hours and the rest before
    the next day's shift allow. Returns the new shift list, ``new -> old`` for the lengthened
    shifts and ``new -> hours added``.
    """
    rest = rules.min_rest_h * 60
    by_agent: dict[int, dict[int, int]] = {}
    for a, d, s in on:
        by_agent.setdefault(a, {})[d] = s
    origin: dict[tuple[int, int, int], tuple[int, int, int]] = {}
    added: dict[tuple[int, int, int], float] = {}
    for a, days in by_agent.items():
        agent = agents[a]
        hours = sum(shift_types[s].paid_h for s in days.values())
        while hours < agent.min_hours_week - 1e-9:
            need = agent.min_hours_week - hours
            options = []
            for d, s in days.items():
                start = shift_types[s].start
                nxt = days.get(d + 1)
                for s2, st in enumerate(shift_types):
                    gain = st.paid_h - shift_types[s].paid_h
                    if st.start != start or gain <= 1e-9 or (a, d, s2) not in allowed:
                        continue
                    if hours + gain > agent.max_hours_week + 1e-9:
                        continue
                    end = _shift_minutes(d, st)[1]
                    if nxt is not None and _shift_minutes(d + 1, shift_types[nxt])[0] < end + rest:
                        continue
                    options.append((gain < need - 1e-9, abs(gain - need), d, s2))
            if not options:
                break
            _, _, d, s2 = min(options)
            old = (a, d, days[d])
            gain = shift_types[s2].paid_h - shift_types[days[d]].paid_h
            days[d] = s2
            hours += gain
            new = (a, d, s2)
            origin[new] = origin.pop(old, old)
            added[new] = added.pop(old, 0.0) + gain
    lengthened = [(a, d, s) for a, days in by_agent.items() for d, s in days.items()]
    return lengthened, origin, added


def _expected_masks(design, shift_types, ipd) -> dict[tuple[int, int], np.ndarray]:
    """Expected work per interval of each designed (day, shift type), breaks as designed."""
    sums: dict[tuple[int, int], np.ndarray] = {}
    counts: dict[tuple[int, int], int] = {}
    index = {id(s): i for i, s in enumerate(shift_types)}
    for ds in design.shifts:
        key = (ds.day, index[id(ds.shift)])
        sums[key] = sums.get(key, 0) + ds.work_mask().astype(float)
        counts[key] = counts.get(key, 0) + 1
    return {k: v / counts[k] for k, v in sums.items()}


def _cover_state(
    za: np.ndarray,
    masks: dict[tuple[int, int], np.ndarray],
    grid: Grid,
    group_queues: list[list[tuple[int, float]]],
    group_of: list[int],
    agents: list[Agent],
    shift_types: list[ShiftType],
    rules: ShiftRules,
    col_cost: np.ndarray,
) -> _CoverState:
    """An empty roster over the columns ``za`` for :func:`_cover_start`.

    ``masks``: expected work per interval of each ``(day, shift)``; ``col_cost``: each
    column's objective cost (pay and requests, objective units).
    """
    w = rules.weights
    n_q, n_t = grid.required.shape
    pad = max(m.size for m in masks.values())
    remaining = np.zeros((n_q, n_t + pad))
    remaining[:, :n_t] = grid.required
    under_w = np.zeros_like(remaining)
    under_w[:, :n_t] = w.under_staffing * grid.under_cost
    over_w = np.r_[np.full(n_t, w.over_staffing), np.zeros(pad)]
    queues = [np.array([q for q, _ in gq], np.int64) for gq in group_queues]
    cover = _Cover(
        remaining,
        under_w,
        over_w,
        [queues[group_of[a]] for a in za[:, 0]],
        np.array([d * grid.ipd + shift_types[s].start for _, d, s in za], np.int64),
        [masks[(int(d), int(s))] for _, d, s in za],
    )
    return _CoverState(za, agents, shift_types, rules, cover, col_cost)


def _best_start(
    model: MipModel,
    z: np.ndarray,
    starts: list[tuple[str, np.ndarray]],
    settings: SolverSettings,
    t_start: float,
    say: Callable[[str], None],
) -> SolveReport | None:
    """Evaluate each start roster (``z`` fixed, the rest completed); return the best.

    Each evaluation gets a tenth of the time left (at least 1 s). None when no start gives a
    solution (or there is none).
    """
    best = None
    for name, values in starts:
        remaining = settings.time_limit_s - (time.perf_counter() - t_start)
        rep = solve_model(
            model.with_fixed(z, values), settings, time_limit_s=max(1.0, 0.1 * remaining)
        )
        if not rep.has_solution:
            continue
        say(f"roster: {name} start, objective {rep.objective:,.1f}")
        if best is None or rep.objective < best.objective:
            best = rep
    return best


def _contract_repair(
    za: np.ndarray, z: np.ndarray, agents: list[Agent], shift_types, rules: ShiftRules
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray] | None]:
    """The search's repair move: :func:`_lengthen_to_contract` on an incumbent.

    Returns ``repair(values) -> (z, new z values)``, or None when no agent below the contract
    minimum can get a longer shift at the same start.
    """
    keys = [tuple(int(v) for v in r) for r in za]
    row_of = {k: j for j, k in enumerate(keys)}
    allowed = set(keys)

    def repair(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        on = [keys[j] for j in np.flatnonzero(values[z] > 0.5)]
        new, _, added = _lengthen_to_contract(on, allowed, agents, shift_types, rules)
        if not added:
            return None
        out = np.zeros(len(keys))
        out[[row_of[k] for k in new]] = 1.0
        return z, out

    return repair


def build_roster(
    grid: Grid,
    agents: list[Agent],
    rules: ShiftRules,
    settings: SolverSettings,
    shift_types: list[ShiftType],
    *,
    progress: Callable[[str], None] | None = None,
) -> RosterResult:
    """Roster named agents over the grid's horizon.

    Parameters
    ----------
    grid : Grid
        Requirement per queue and interval.
    agents : list of Agent
        Agents with contracts, skills, availability and requests.
    rules : ShiftRules
        Shift rules and objective weights.
    settings : SolverSettings
        Solver and time limit for the whole roster, s.
    shift_types : list of ShiftType
        Allowed shift types of one day (normally on ``rules.roster_start_step_minutes``).
    progress : callable, optional
        Called with a short message per step.

    Returns
    -------
    RosterResult
    """
    t_start = time.perf_counter()
    say = progress or (lambda _msg: None)
    ipd, n_days, n_t = grid.ipd, grid.n_days, grid.n_intervals
    q_index = {q: i for i, q in enumerate(grid.queues)}
    notes: list[str] = []
    w = rules.weights

    # skill groups: agents with the same set of queues
    group_key: dict[tuple, int] = {}
    group_of: list[int] = []
    members: list[list[int]] = []
    prios: list[list[list[int]]] = []
    for a_i, agent in enumerate(agents):
        key = tuple(sorted(q_index[q] for q in agent.skills if q in q_index))
        if not key:
            notes.append(f"agent {agent.agent_id} has no skill for a queue in the requirements")
            group_of.append(-1)
            continue
        if key not in group_key:
            group_key[key] = len(members)
            members.append([])
            prios.append([[] for _ in key])
        g = group_key[key]
        group_of.append(g)
        members[g].append(a_i)
        for j, q in enumerate(key):
            prios[g][j].append(agent.skills[grid.queues[q]])
    group_queues = [
        [(q, float(np.mean(p))) for q, p in zip(key, prios[g], strict=True)]
        for key, g in group_key.items()
    ]
    mean_cost = float(np.mean([a.cost_per_hour for a in agents])) if agents else 1.0
    mean_cost = mean_cost if mean_cost > 0 else 1.0

    # step 1: pooled shift design picks the candidate shift types
    design_settings = settings.model_copy(
        update={"time_limit_s": max(1.0, 0.2 * settings.time_limit_s), "mip_gap": 0.01}
    )
    free_day = np.array(
        [
            [any(a.is_free(*_shift_minutes(d, st)) for st in shift_types) for d in range(n_days)]
            for a in agents
        ]
    ).reshape(len(agents), n_days)
    limits = DesignLimits(
        agents_per_day=free_day.sum(axis=0),
        max_shifts=int(np.minimum(free_day.sum(axis=1), rules.max_days_per_week).sum()),
        min_paid_h=float(sum(a.min_hours_week for a in agents)),
        max_paid_h=float(sum(a.max_hours_week for a in agents)),
    )
    design = design_shifts(
        grid.total_required,
        shift_types,
        n_days=n_days,
        ipd=ipd,
        settings=design_settings,
        weights=w,
        under_cost=grid.under_cost.max(axis=0),
        limits=limits,
    )
    say(f"roster: designed {len(design.shifts)} shifts to pick candidates")
    masks = _expected_masks(design, shift_types, ipd)
    designed_starts = {(d, shift_types[s].start) for d, s in masks}
    candidates = sorted(
        (d, s)
        for d in range(n_days)
        for s, st in enumerate(shift_types)
        if (d, st.start) in designed_starts
    )
    # each agent's candidates: the designed start times he is free for, plus starts fitted to
    # his availability windows that no designed start fits (e.g. free only from 14:00)
    designed = set(candidates)
    cands: list[list[tuple[int, int]]] = []
    n_extra = 0
    for a, agent in enumerate(agents):
        if group_of[a] < 0:
            cands.append([])
            continue
        mine = [(d, s) for d, s in candidates if agent.is_free(*_shift_minutes(d, shift_types[s]))]
        extra = _availability_starts(agent, n_days, shift_types, designed)
        n_extra += len(extra)
        cands.append(sorted(mine + extra))
    for mine in cands:
        for d, s in mine:
            if (d, s) not in masks:
                masks[(d, s)] = fixed_break_mask(shift_types[s]).astype(float)

    # step 2: roster MIP
    band = rules.start_band_minutes
    bands = (
        _assign_bands(agents, design, shift_types, band, rules.max_days_per_week, cands)
        if band is not None
        else None
    )
    mip = MipModel("roster")
    z_keys: list[tuple[int, int, int]] = []  # (agent, day, shift)
    for a, mine in enumerate(cands):
        for d, s in mine:
            start = shift_types[s].start * shift_types[s].interval_minutes
            if bands is not None and not bands[a] <= start <= bands[a] + band:
                continue
            z_keys.append((a, d, s))
    za = np.array(z_keys, dtype=np.int64).reshape(-1, 3)
    paid = np.array([s.paid for s in shift_types], float)
    paid_h = np.array([s.paid_h for s in shift_types], float)
    z_cost = np.array([agents[a].cost_per_hour / mean_cost * paid[s] for a, _, s in z_keys], float)
    z = mip.add_vars(len(z_keys), ub=1.0, cost=z_cost, integer=True, name="z")
    # each (group, day, shift) slot splits its agents across the group's queues
    slot_of_z = [(group_of[a], d, s) for a, d, s in z_keys]
    slot_keys = sorted(set(slot_of_z))
    slot_index = {k: i for i, k in enumerate(slot_keys)}
    by_slot: list[list[int]] = [[] for _ in slot_keys]
    for j, key in enumerate(slot_of_z):
        by_slot[slot_index[key]].append(j)
    slot_alloc: list[tuple[np.ndarray, np.ndarray]] = []
    q_l, t_l, c_l, v_l = [], [], [], []
    for k, (g, d, s) in enumerate(slot_keys):
        qs = np.array([q for q, _ in group_queues[g]], dtype=np.int64)
        prio = np.array([p for _, p in group_queues[g]], float)
        mask = masks[(d, s)]
        cols = mip.add_vars(qs.size, cost=_ALLOC_EPS * (prio - 1) * mask.sum(), name="alloc")
        slot_alloc.append((qs, cols))
        mip.add_row(
            np.r_[cols, z[by_slot[k]]],
            np.r_[np.ones(qs.size), -np.ones(len(by_slot[k]))],
            0.0,
            0.0,
        )
        t0 = d * ipd + shift_types[s].start
        for q, col in zip(qs, cols, strict=True):
            q_l.append(np.full(mask.size, q))
            t_l.append(np.arange(t0, t0 + mask.size))
            c_l.append(np.full(mask.size, col))
            v_l.append(mask)
    _add_coverage(mip, q_l, t_l, c_l, v_l, grid, rules)

    late_min = clock_to_minutes(rules.late_after)
    weekend = np.array([grid.day(d).weekday() >= 5 for d in range(n_days)])
    is_late = np.array([s.end * s.interval_minutes > late_min for s in shift_types])
    wknd_max = mip.add_vars(1, cost=w.fairness, name="weekend_max") if weekend.any() else None
    late_max = mip.add_vars(1, cost=w.fairness, name="late_max") if is_late.any() else None
    shortfall: dict[int, int] = {}
    k_off = rules.consecutive_days_off
    rest_min = rules.min_rest_h * 60
    longest = max(st.length * st.interval_minutes for st in shift_types)
    rest_implied = band is not None and band + longest + rest_min <= 1440
    for a, agent in enumerate(agents):
        mine = np.flatnonzero(za[:, 0] == a) if len(z_keys) else np.zeros(0, np.int64)
        if mine.size == 0:
            if agent.min_hours_week > 0 and group_of[a] >= 0:
                notes.append(f"agent {agent.agent_id}: no shift fits availability and the plan")
            continue
        days, shifts = za[mine, 1], za[mine, 2]
        day_z = {int(d): z[mine[days == d]] for d in np.unique(days)}
        for cols in day_z.values():
            if cols.size > 1:
                mip.add_row(cols, 1.0, -math.inf, 1.0)
        if len(day_z) > rules.max_days_per_week:
            mip.add_row(z[mine], 1.0, -math.inf, rules.max_days_per_week)
        mip.add_row(z[mine], paid_h[shifts], -math.inf, agent.max_hours_week)
        if agent.min_hours_week > 0:
            short = mip.add_vars(
                1, cost=w.min_hours_shortfall * agent.cost_per_hour / mean_cost, name="short"
            )
            shortfall[a] = int(short[0])
            mip.add_row(
                np.r_[z[mine], short], np.r_[paid_h[shifts], 1.0], agent.min_hours_week, math.inf
            )
        # minimum rest: a shift and every next-day shift starting too early are exclusive
        ends = {}
        for j, d, s in zip(mine, days, shifts, strict=True):
            ends.setdefault((int(d), _shift_minutes(int(d), shift_types[s])[1]), []).append(j)
        for (d, end), cols in [] if rest_implied else ends.items():
            nxt = [
                j
                for j in mine[days == d + 1]
                if _shift_minutes(d + 1, shift_types[za[j, 2]])[0] < end + rest_min
            ]
            if nxt:
                for j in cols:
                    mip.add_row(np.r_[z[j], z[nxt]], 1.0, -math.inf, 1.0)
        # a run of k days off (soft)
        if k_off >= 1 and n_days >= k_off and len(day_z) > n_days - k_off:
            runs = mip.add_vars(n_days - k_off + 1, ub=1.0, name="off_run")
            miss = mip.add_vars(1, cost=w.consecutive_days_off, name="off_miss")
            for r in range(n_days - k_off + 1):
                for d in range(r, r + k_off):
                    if d in day_z:
                        mip.add_row(np.r_[runs[r], day_z[d]], 1.0, -math.inf, 1.0)
            mip.add_row(np.r_[runs, miss], 1.0, 1.0, math.inf)
        # requests (weighted)
        for req in agent.requests:
            if req.day >= n_days:
                continue
            cost_r = w.request * req.weight
            spans = [
                _shift_minutes(int(d), shift_types[s]) for d, s in zip(days, shifts, strict=True)
            ]
            if req.kind == "request_off":
                hit = [
                    z[j]
                    for j, d, span in zip(mine, days, spans, strict=True)
                    if (d == req.day if req.whole_day else _overlaps(span, req))
                ]
                mip.add_cost(hit, cost_r)
            else:
                hit = [
                    z[j]
                    for j, d, span in zip(mine, days, spans, strict=True)
                    if (d == req.day if req.whole_day else _covers(span, req))
                ]
                mip.offset += cost_r
                mip.add_cost(hit, -cost_r)
        # fairness: the most weekend / late shifts of any agent
        for flag, top in ((weekend[days], wknd_max), (is_late[shifts], late_max)):
            sel = mine[flag] if top is not None else np.zeros(0, np.int64)
            if sel.size:
                mip.add_row(np.r_[z[sel], top], np.r_[np.ones(sel.size), -1.0], -math.inf, 0.0)
    say(f"roster: MIP with {len(z_keys):,} agent-shift columns, {mip.n_rows:,} rows")
    remaining = settings.time_limit_s - (time.perf_counter() - t_start)
    lp = solve_model(
        mip.relaxed(), settings, time_limit_s=max(1.0, 0.3 * remaining), lp_method="ipm"
    )
    bound = lp.objective if lp.status == "optimal" else -math.inf
    kept = np.arange(len(z_keys))
    if lp.has_solution and len(z_keys):
        # LP-guided restriction: the search may not turn on agent-shifts the relaxation does
        # not use at all (the bound and the final roster's score are the whole model's)
        kept = np.flatnonzero(lp.values[z] >= 1e-3)
        say(f"roster: LP bound {bound:,.1f}; {kept.size:,} agent-shifts kept")
    starts: list[tuple[str, np.ndarray]] = []
    if len(z_keys):
        # without the relaxation (a starved machine), the greedy roster still fills every
        # agent's contract minimum, so the search below starts from a roster, never from none
        guide = lp.values[z] if lp.has_solution else np.zeros(len(z_keys))
        if not lp.has_solution:
            say("roster: the LP relaxation did not finish in time; greedy start from contracts")
        starts.append(("LP rounding", _greedy_start(guide, za, agents, shift_types, rules)))
        state = _cover_state(
            za,
            masks,
            grid,
            group_queues,
            group_of,
            agents,
            shift_types,
            rules,
            mip.arrays()["cost"][z],
        )
        seed = np.flatnonzero(starts[0][1] > 0.5)
        seed = seed[np.argsort(-guide[seed], kind="stable")]
        starts.append(("re-chosen LP rounding", _cover_start(state, kept, seed, passes=5)))
    report = _best_start(mip, z, starts, settings, t_start, say)
    if report is None:
        remaining = settings.time_limit_s - (time.perf_counter() - t_start)
        report = solve_model(mip, settings, time_limit_s=max(1.0, 0.4 * remaining))
    if (
        report.has_solution
        and len(z_keys)
        and report.objective - bound > settings.mip_gap * abs(report.objective) + 1e-9
    ):
        blocks = [z[za[:, 0] == a] for a in np.unique(za[:, 0])]
        off = np.ones(len(z_keys), bool)
        off[kept] = False
        # 20 agents per move; their sub-MIP needs about 8 s to find its gain on a week of
        # 120 agents (with 5 s, 1 move in 10 improved on the benchmark; with 8 s, 5-6 in 7)
        report, improved, tries = neighbourhood_search(
            mip,
            blocks,
            report,
            settings,
            deadline=t_start + settings.time_limit_s,
            bound=bound,
            size=20,
            sub_limit_s=8.0,
            frozen=z[off],
            repair=_contract_repair(za, z, agents, shift_types, rules),
        )
        say(
            f"roster: neighbourhood search {improved}/{tries} improving moves, "
            f"objective {report.objective:,.1f}"
        )
    if not report.has_solution:
        raise RuntimeError(
            f"roster MIP ended with status {report.status!r} before finding a roster; raise "
            f"solver.time_limit_s (now {settings.time_limit_s:g} s)"
        )
    on = (
        [tuple(int(v) for v in za[j]) for j in np.flatnonzero(report.values[z] > 0.5)]
        if len(z_keys)
        else []
    )
    on, origin, repaired = _lengthen_to_contract(on, set(z_keys), agents, shift_types, rules)
    if repaired:
        # the lengthened shifts may be ones the search's restriction dropped: the final
        # roster is scored (and its queue allocation made) in the whole candidate model
        final_z = np.zeros(len(z_keys))
        row_of = {tuple(int(v) for v in r): j for j, r in enumerate(za)}
        final_z[[row_of[k] for k in on]] = 1.0
        rescored = solve_model(mip.with_fixed(z, final_z), settings, time_limit_s=30.0)
        note = (
            f"contract minimum: after the solve, {len(repaired)} shifts were lengthened at the "
            f"same start ({sum(repaired.values()):g} h) for agents below their minimum"
        )
        if rescored.has_solution:
            say(
                f"roster: {len(repaired)} shifts lengthened to contract; objective "
                f"{report.objective:,.1f} -> {rescored.objective:,.1f}"
            )
            report = replace(rescored, status=report.status)
            note += "; the objective and gap are the final roster's"
        else:
            note += "; the objective and gap are the solver's, before that repair"
        notes.append(note)
    bound = min(
        max(bound, report.bound if report.status == "optimal" and not len(z_keys) else -math.inf),
        report.objective,
    )
    gap = max(0.0, report.objective - bound) / max(abs(report.objective), 1e-9)
    status = (
        "optimal"
        if gap <= settings.mip_gap + 1e-9
        else ("time_limit" if report.status == "time_limit" else "feasible")
    )
    say(f"roster: MIP {report.status}, objective {report.objective:,.1f}, gap {gap:.2%}")
    if len(z_keys):
        # the bound is the candidate model's: say so, an "optimal" roster is only optimal
        # among the shifts generated for it
        n_cand = len(np.unique(za[:, 0]))
        what = (
            "optimal over the"
            if status == "optimal"
            else f"{status}: the bound and gap are over the"
        )
        notes.append(
            f"roster {what} {len(z_keys):,} candidate shifts generated for {n_cand} agents "
            f"(about {len(z_keys) / n_cand:.0f} per agent: the designed start times"
            + (f", {n_extra} start(s) fitted to availability" if n_extra else "")
            + (f", inside each agent's {band}-minute start band" if bands is not None else "")
            + "); shifts outside them were not considered, so this is not a proof of "
            "optimality over every possible roster"
        )
    vals = report.values

    # step 3: breaks, queue order, coverage
    on.sort(key=lambda k: (k[1], shift_types[k[2]].start, agents[k[0]].agent_id))
    offsets = place_breaks(
        [(d * ipd + shift_types[s].start, shift_types[s]) for _, d, s in on], grid.total_required
    )
    scheduled = np.zeros((len(grid.queues), n_t + 4 * ipd))
    per_slot: dict[int, list[int]] = {}
    for i, (a, d, s) in enumerate(on):
        per_slot.setdefault(slot_index[(group_of[a], d, s)], []).append(i)
    assignments: list[Assignment | None] = [None] * len(on)
    for k, people in per_slot.items():
        qs, cols = slot_alloc[k]
        split = np.maximum(vals[cols], 0.0)
        if split.sum() <= 1e-9 and on[people[0]] in origin:
            # a lengthened shift alone in its slot: the queue split of the shift it was
            a0, d0, s0 = origin[on[people[0]]]
            split = np.maximum(vals[slot_alloc[slot_index[(group_of[a0], d0, s0)]][1]], 0.0)
        share = split / max(split.sum(), 1e-9)
        # integer split of the slot's agents by largest remainder: each agent's first queue
        counts = np.floor(share * len(people) + 1e-9).astype(int)
        rest = np.argsort(-(share * len(people) - counts), kind="stable")
        counts[rest[: len(people) - counts.sum()]] += 1
        firsts = np.repeat(qs, counts)
        tally = {grid.queues[q]: float(v) for q, v in zip(qs, split, strict=True)}
        for i, first in zip(people, firsts, strict=True):
            a, d, s = on[i]
            shift = shift_types[s]
            t0 = d * ipd + shift.start
            mask = np.ones(shift.length)
            for slot, o in zip(shift.breaks, offsets[i], strict=True):
                mask[o : o + slot.length] = 0
            scheduled[qs, t0 : t0 + shift.length] += share[:, None] * mask[None, :]
            skills = agents[a].skills
            mine = dict(tally)
            mine[grid.queues[first]] = math.inf
            assignments[i] = Assignment(
                agents[a].agent_id, d, shift, offsets[i], queue_order(mine, skills)
            )
    scheduled = scheduled[:, :n_t]
    worked: dict[int, float] = {}
    for a, _, s in on:
        worked[a] = worked.get(a, 0.0) + shift_types[s].paid_h
    shortfall_h = {
        agents[a].agent_id: agents[a].min_hours_week - worked.get(a, 0.0)
        for a in shortfall
        if agents[a].min_hours_week - worked.get(a, 0.0) > 1e-6
    }
    for agent_id, hours in shortfall_h.items():
        notes.append(f"agent {agent_id}: {hours:g} h below the contract minimum")
    final = SolveReport(
        status,
        report.objective,
        bound,
        gap,
        time.perf_counter() - t_start,
        report.solver,
    )
    models = [*design.models, mip] if settings.keep_models else []
    return RosterResult(assignments, np.maximum(scheduled, 0.0), final, shortfall_h, notes, models)
