"""Curtois & Qu employee shift-scheduling instances, solved with staffplan's MIP layer.

Reads the instance text format (horizon, shift types with forbidden successors, staff
contracts, fixed days off, shift on/off requests, cover with under/over weights). Every model
is built with ``staffplan.scheduling.solver.MipModel`` and solved by ``solve_model`` (HiGHS,
one thread by default). Two methods:

``--method cg`` (default): column generation over whole schedules, priced exactly per
employee by a dynamic programme over the hard rules (``ScheduleDP``), gives the LP bound
(Lagrangian, valid at every iteration); the IP over the generated columns gives a first
roster (price-and-branch); a dive on the column-generation LP (fix the employees whose LP
schedule is whole and the largest shares, re-price, repeat; the compact MIP over the last
few) gives a better one; then a ladder of cost targets ``T`` from the rounded-up bound:
``network_model`` holds exactly the rosters of cost <= T (each employee's schedules whose
reduced cost is within ``T - bound`` of the cheapest, as a flow on the pruned DP state graph),
so it is either infeasible (the optimum is above T: a proven bound) or its optimum is the
instance's. Each rung is first searched by branch-and-price (``PoolBranchAndPrice``, with
strong branching; ``--bp-first S`` seconds, 60 by default, 0 for none) when the schedules
within its slack can be enumerated (``enumerate_schedules``): the tree exhausted refutes T,
a roster found in it solves the rung. Otherwise, or when it stops, HiGHS takes the rung: its
LP is tried first for a minute; unsolved, the ladder stops. Without proof, a
large-neighbourhood search (``curtois_qu_lns.lns``, ``--search lns``, the default: employee x
day cells freed, the rest fixed, re-optimised as flows on the pruned DP graphs) or the older
fix-and-optimise over employee subsets (``network_search``, ``--search network``) and then
the compact MIP, started from the best roster, use the rest of the time.

``--method compact``: the standard compact model (Curtois & Qu 2014, "Computational results
on new staff scheduling benchmark instances"): ``x[e, d, t]`` binary; one shift a day;
forbidden successions; max shifts per type; min/max total minutes; max consecutive shifts;
min consecutive shifts and min consecutive days off (for blocks inside the horizon); max
weekends; days off; soft requests and soft cover; half the time for the full MIP, then a
neighbourhood search (a quarter of the employees re-solved at a time, the rest fixed).

Every reported roster is checked by ``violations`` (no hard rule broken) and ``penalty``
(equal to the solver's objective), both written from the instance definition. The lower
bound is rounded up (objectives are integers); "optimal" means roster cost == bound.

Usage: ``python benchmarks/curtois_qu.py [--instances 1-12] [--time-limit 600]
[--method cg|compact] [--threads 1] [--ladder-share 0.6] [--rung-lp-limit 60]
[--search-share 0.5] [--search lns|network] [--bp-first 60] [--verbose]``
"""

from __future__ import annotations

import argparse
import csv
import functools
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from staffplan.scheduling import SolverSettings
from staffplan.scheduling.solver import MipModel, neighbourhood_search, solve_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/benchmarks/scheduling/curtois_qu_instances1_24"


@dataclass
class Staff:
    """One employee's contract (minutes, counts)."""

    sid: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    """A Curtois & Qu instance."""

    name: str
    days: int
    shifts: dict[str, int]  # shift id -> minutes
    forbidden: dict[str, list[str]]  # shift id -> shifts that cannot follow it
    staff: list[Staff]
    days_off: dict[str, list[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: list[tuple[int, str, int, int, int]] = field(default_factory=list)


def read_instance(path: Path) -> Instance:
    """Parse the Curtois & Qu text format."""
    sections: dict[str, list[str]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    inst = Instance(path.stem, int(sections["SECTION_HORIZON"][0]), {}, {}, [])
    for line in sections.get("SECTION_SHIFTS", []):
        sid, minutes, *rest = line.split(",")
        inst.shifts[sid] = int(minutes)
        inst.forbidden[sid] = [s for s in (rest[0] if rest else "").split("|") if s]
    for line in sections.get("SECTION_STAFF", []):
        parts = line.split(",")
        caps = {}
        for item in parts[1].split("|"):
            if item:
                k, v = item.split("=")
                caps[k] = int(v)
        nums = [int(v) for v in parts[2:]]
        inst.staff.append(Staff(parts[0], caps, *nums))
    for line in sections.get("SECTION_DAYS_OFF", []):
        sid, *days = line.split(",")
        inst.days_off[sid] = [int(d) for d in days if d != ""]
    for key, target in (
        ("SECTION_SHIFT_ON_REQUESTS", inst.on_requests),
        ("SECTION_SHIFT_OFF_REQUESTS", inst.off_requests),
    ):
        for line in sections.get(key, []):
            e, d, s, w = line.split(",")
            target.append((e, int(d), s, int(w)))
    for line in sections.get("SECTION_COVER", []):
        d, s, req, under, over = line.split(",")
        inst.cover.append((int(d), s, int(req), int(under), int(over)))
    return inst


def add_employee(m: MipModel, inst: Instance, st: Staff, xe: np.ndarray, form: str) -> None:
    """Add one employee's hard constraints on its columns ``xe`` (days x shift types)."""
    n_d, n_t = xe.shape
    types = list(inst.shifts)
    t_index = {t: i for i, t in enumerate(types)}
    minutes = np.array([inst.shifts[t] for t in types], float)
    ones = np.ones(n_t)
    for d in inst.days_off.get(st.sid, []):
        m.set_upper(xe[d], 0.0)
    for t, cap in st.max_shifts.items():  # max shifts per type
        if cap == 0:
            m.set_upper(xe[:, t_index[t]], 0.0)
        elif cap < n_d:
            m.add_row(xe[:, t_index[t]], 1.0, -math.inf, cap)
    for d in range(n_d):  # one shift a day
        m.add_row(xe[d], 1.0, -math.inf, 1.0)
    m.add_row(xe.ravel(), np.tile(minutes, n_d), st.min_minutes, st.max_minutes)
    for t, banned in inst.forbidden.items():  # forbidden successions
        if banned:
            bi = [t_index[u] for u in banned]
            for d in range(n_d - 1):  # x[d, t] + sum of banned x[d + 1] <= 1
                m.add_row(np.r_[xe[d, t_index[t]], xe[d + 1, bi]], 1.0, -math.inf, 1.0)
    cmax = st.max_consecutive
    for d in range(n_d - cmax):
        m.add_row(xe[d : d + cmax + 1].ravel(), 1.0, -math.inf, cmax)
    kmin, offmin = st.min_consecutive, st.min_days_off
    if form == "compact":
        # no block of s < min worked days between two days off (inside the horizon)
        for s in range(1, kmin):
            for d in range(n_d - s - 1):
                cols = np.r_[xe[d], xe[d + 1 : d + s + 1].ravel(), xe[d + s + 1]]
                coef = np.r_[ones, -np.ones(s * n_t), ones]
                m.add_row(cols, coef, 1 - s, math.inf)
        # no block of s < min days off between two worked days (inside the horizon)
        for s in range(1, offmin):
            for d in range(n_d - s - 1):
                cols = np.r_[xe[d], xe[d + 1 : d + s + 1].ravel(), xe[d + s + 1]]
                coef = np.r_[-ones, np.ones(s * n_t), -ones]
                m.add_row(cols, coef, -1.0, math.inf)
    elif kmin > 1 or offmin > 1:
        # v[d] = 1 when a work block starts on day d >= 1 (off on d - 1), w[d] = 1 when a
        # block of days off starts on day d >= 1; blocks touching the horizon start are
        # free, and one touching the end is cut short by the horizon (not constrained)
        v = m.add_vars(n_d - 1, ub=1.0, name="start")
        w = m.add_vars(n_d - 1, ub=1.0, name="stop")
        for d in range(1, n_d):  # v - w = y[d] - y[d - 1]
            m.add_row(
                np.r_[v[d - 1], w[d - 1], xe[d], xe[d - 1]],
                np.r_[1.0, -1.0, -ones, ones],
                0.0,
                0.0,
            )
        for d in range(1, n_d):
            # working on d if a work block started in the last kmin - 1 days, off on d if
            # a block of days off started in the last offmin - 1 days
            lo = max(1, d - kmin + 1)
            m.add_row(np.r_[v[lo - 1 : d], xe[d]], np.r_[np.ones(d + 1 - lo), -ones], -math.inf, 0)
            lo = max(1, d - offmin + 1)
            m.add_row(np.r_[w[lo - 1 : d], xe[d]], np.r_[np.ones(d + 1 - lo), ones], -math.inf, 1)
    # max weekends worked (Saturday = day 5 of each week, Sunday = day 6)
    weekends = [(w * 7 + 5, w * 7 + 6) for w in range(n_d // 7)]
    k = m.add_vars(len(weekends), ub=1.0, integer=True, name="weekend")
    for i, (sat, sun) in enumerate(weekends):
        m.add_row(np.r_[k[i], xe[sat]], np.r_[1.0, -ones], 0.0, math.inf)
        m.add_row(np.r_[k[i], xe[sun]], np.r_[1.0, -ones], 0.0, math.inf)
        m.add_row(np.r_[k[i], xe[sat], xe[sun]], np.r_[1.0, -ones, -ones], -math.inf, 0.0)
    m.add_row(k, 1.0, -math.inf, st.max_weekends)


def request_costs(inst: Instance) -> tuple[np.ndarray, float]:
    """Cost of each ``x[e, d, t]`` from the shift on/off requests, and the constant part."""
    types = list(inst.shifts)
    t_index = {t: i for i, t in enumerate(types)}
    e_index = {s.sid: i for i, s in enumerate(inst.staff)}
    cost = np.zeros((len(inst.staff), inst.days, len(types)))
    const = 0.0
    for e_id, d, t, w in inst.on_requests:  # weight when the shift is not given
        const += w
        cost[e_index[e_id], d, t_index[t]] -= w
    for e_id, d, t, w in inst.off_requests:  # weight when the shift is given
        cost[e_index[e_id], d, t_index[t]] += w
    return cost, const


def build_model(inst: Instance, form: str = "strong") -> tuple[MipModel, np.ndarray]:
    """The compact model; returns it and ``x`` column indices, shape (staff, days, shifts).

    ``form="compact"`` writes min consecutive shifts / days off as forbidden short patterns
    (Curtois & Qu's own rows); ``"strong"`` writes them with start and end variables as
    min-up / min-down constraints (Rajan & Takriti 2005).
    """
    m = MipModel(inst.name)
    n_e, n_d, types = len(inst.staff), inst.days, list(inst.shifts)
    n_t = len(types)
    t_index = {t: i for i, t in enumerate(types)}
    x = m.add_vars(n_e * n_d * n_t, ub=1.0, integer=True, name="x").reshape(n_e, n_d, n_t)
    for e, st in enumerate(inst.staff):
        add_employee(m, inst, st, x[e], form)
    cost, const = request_costs(inst)
    m.offset += const
    for j in np.flatnonzero(cost):
        m.add_cost([x.ravel()[j]], cost.ravel()[j])
    n_k = len(inst.cover)
    under = m.add_vars(n_k, cost=np.array([c[3] for c in inst.cover], float), name="under")
    over = m.add_vars(n_k, cost=np.array([c[4] for c in inst.cover], float), name="over")
    for k, (d, t, req, _, _) in enumerate(inst.cover):
        cols = np.r_[x[:, d, t_index[t]], under[k], over[k]]
        m.add_row(cols, np.r_[np.ones(n_e), 1.0, -1.0], req, req)
    return m, x


def runs(worked: list[bool]) -> list[tuple[bool, int, int]]:
    """Maximal runs of equal values: (value, first day, length)."""
    out: list[tuple[bool, int, int]] = []
    for d, v in enumerate(worked):
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1], out[-1][2] + 1)
        else:
            out.append((v, d, 1))
    return out


def violations(inst: Instance, roster: list[list[str | None]]) -> list[str]:
    """Every hard-constraint violation of ``roster`` (per employee, per day: shift id or None).

    Written from the instance definition, independently of the MIP: one shift a day is
    implied by the representation; forbidden successions; max shifts per type; min/max
    total minutes; max consecutive shifts; min consecutive shifts and min consecutive days
    off (blocks touching the start or end of the horizon are exempt); max weekends
    (a weekend is worked when a shift is on its Saturday or Sunday); fixed days off.
    """
    out = []
    n_d = inst.days
    for st, days in zip(inst.staff, roster, strict=True):
        who = st.sid
        if len(days) != n_d:
            out.append(f"{who}: {len(days)} days")
            continue
        for d in inst.days_off.get(who, []):
            if days[d] is not None:
                out.append(f"{who}: works on day off {d}")
        for t in inst.shifts:
            n = sum(s == t for s in days)
            if n > st.max_shifts.get(t, n_d):
                out.append(f"{who}: {n} shifts {t} > {st.max_shifts.get(t)}")
        for d, s in enumerate(days):
            if s is not None and s not in inst.shifts:
                out.append(f"{who}: unknown shift {s} on day {d}")
        total = sum(inst.shifts[s] for s in days if s is not None)
        if not st.min_minutes <= total <= st.max_minutes:
            out.append(f"{who}: {total} min outside [{st.min_minutes}, {st.max_minutes}]")
        for d in range(n_d - 1):
            if days[d] is not None and days[d + 1] in inst.forbidden[days[d]]:
                out.append(f"{who}: {days[d + 1]} after {days[d]} on day {d + 1}")
        for worked, first, length in runs([s is not None for s in days]):
            inside = first > 0 and first + length < n_d
            if worked and length > st.max_consecutive:
                out.append(f"{who}: {length} shifts in a row from day {first}")
            if worked and inside and length < st.min_consecutive:
                out.append(f"{who}: only {length} shifts in a row from day {first}")
            if not worked and inside and length < st.min_days_off:
                out.append(f"{who}: only {length} days off in a row from day {first}")
        weekends = sum(
            days[w * 7 + 5] is not None or days[w * 7 + 6] is not None for w in range(n_d // 7)
        )
        if weekends > st.max_weekends:
            out.append(f"{who}: {weekends} weekends > {st.max_weekends}")
    return out


def penalty(inst: Instance, roster: list[list[str | None]]) -> int:
    """The instance's objective for ``roster``, computed from its definition.

    Shift-on request not met (the employee does not work that shift that day): its weight;
    shift-off request not met (the employee works that shift that day): its weight; cover:
    under-staffing times its weight plus over-staffing times its weight, per day and shift.
    """
    row = {st.sid: days for st, days in zip(inst.staff, roster, strict=True)}
    total = 0
    for e, d, t, w in inst.on_requests:
        total += w * (row[e][d] != t)
    for e, d, t, w in inst.off_requests:
        total += w * (row[e][d] == t)
    for d, t, req, w_under, w_over in inst.cover:
        n = sum(days[d] == t for days in roster)
        total += w_under * max(0, req - n) + w_over * max(0, n - req)
    return total


def _shift_axis(a: np.ndarray, ax: int, step: int, saturate: bool, back: bool) -> np.ndarray:
    """Move the values of ``a`` by ``step`` cells along axis ``ax`` (inf where none lands).

    Forward: ``out[r + step] = a[r]``; backward: ``out[r] = a[r + step]``. A saturating axis
    (a counter that stops at its last cell) keeps its last cell.
    """
    if step == 0:
        return a
    n = a.shape[ax]
    out = np.full(a.shape, np.inf)

    def cut(s: slice) -> tuple[slice, ...]:
        return (slice(None),) * ax + (s,)

    last = cut(slice(n - 1, None))
    if back:
        if step < n:
            out[cut(slice(0, n - step))] = a[cut(slice(step, None))]
        if saturate:
            out[last] = a[last]
    else:
        if step < n:
            out[cut(slice(step, None))] = a[cut(slice(0, n - step))]
        if saturate:
            out[last] = np.minimum(out[last], a[last])
    return out


class ScheduleDP:
    """Exact dynamic programme over one employee's feasible schedules.

    The state after each day holds every hard rule: the current run (days off in a row, or
    shifts in a row with the last shift type), whether that run touches the horizon start
    (then its minimum does not apply), total minutes, weekends worked (when the cap can
    bind) and, added only once a cheapest schedule breaks it, the count of a capped shift
    type (or, when smaller, the count of the other shifts, saturated). Runs touching the
    horizon end are not checked, as in the instance definition. ``solve`` returns a
    cheapest schedule for per-day costs; ``through`` the cheapest cost with each day's
    choice imposed (forward and backward pass).
    """

    def __init__(self, inst: Instance, st: Staff) -> None:
        self.types = list(inst.shifts)
        self.n_t, self.n_d = len(self.types), inst.days
        lengths = [inst.shifts[t] for t in self.types]
        unit = functools.reduce(math.gcd, lengths)
        self.length = [v // unit for v in lengths]
        self.m_max = st.max_minutes // unit
        self.m_min = -(-st.min_minutes // unit)
        self.w_max = st.max_weekends if st.max_weekends < self.n_d // 7 else None
        self.cap = [st.max_shifts.get(t, self.n_d) for t in self.types]
        usable = [t for t in range(self.n_t) if self.cap[t] > 0]
        self.same_length = len({self.length[t] for t in usable}) <= 1
        shortest = min([self.length[t] for t in usable] or [1])
        self.n_max = min(self.n_d, self.m_max // shortest)
        self.cmax = max(1, min(st.max_consecutive, self.n_d))
        self.kmin = max(1, min(st.min_consecutive, self.cmax))
        self.offmin = max(1, st.min_days_off)
        self.pred = [
            [u for u in range(self.n_t) if self.types[t] not in inst.forbidden[self.types[u]]]
            for t in range(self.n_t)
        ]
        self.succ = [[t for t in range(self.n_t) if u in self.pred[t]] for u in range(self.n_t)]
        self.days_off = sorted(set(inst.days_off.get(st.sid, [])))
        self.tracked: list[tuple[int, str, int]] = []  # (type, "direct" | "other", size)

    def _shape(self) -> tuple[int, ...]:
        """Resource axes: minutes, weekends (when they can bind), one per tracked cap."""
        shape = [self.m_max + 1]
        if self.w_max is not None:
            shape.append(self.w_max + 1)
        return (*shape, *[size + 1 for _, _, size in self.tracked])

    def _track(self, t: int) -> None:
        other = self.n_max - self.cap[t]  # others needed so that t stays within its cap
        if self.same_length and other < self.cap[t]:
            self.tracked.append((t, "other", other))
        else:
            self.tracked.append((t, "direct", self.cap[t]))

    def _move(self, a: np.ndarray, lead: int, t: int, new_weekend: int, back=False):
        """Resources after working shift ``t``, on the axes after the ``lead`` state axes."""
        a = _shift_axis(a, lead, self.length[t], False, back)
        ax = lead + 1
        if self.w_max is not None:
            a = _shift_axis(a, ax, new_weekend, False, back)
            ax += 1
        for j, (tt, mode, _) in enumerate(self.tracked):
            step = int(tt == t) if mode == "direct" else int(tt != t)
            a = _shift_axis(a, ax + j, step, mode == "other", back)
        return a

    def _final(self) -> np.ndarray:
        """Resource cells that are a complete schedule (min minutes, caps via other counts)."""
        shape = self._shape()
        ok = np.zeros(shape, bool)
        ok[self.m_min :] = True
        first = 2 if self.w_max is not None else 1
        for j, (t, mode, size) in enumerate(self.tracked):
            if mode == "other":
                total = np.arange(self.m_max + 1) // self.length[t]
                others = np.arange(size + 1)
                good = (total[:, None] - others[None, :] <= self.cap[t]) | (others == size)
                view = [1] * len(shape)
                view[0], view[first + j] = self.m_max + 1, size + 1
                ok &= good.reshape(view)
        return ok

    def _costs(self, cost, off_cost):
        cost = np.array(cost, float)
        cost[self.days_off] = np.inf
        cost[:, [t for t in range(self.n_t) if self.cap[t] == 0]] = np.inf
        off = np.zeros(self.n_d) if off_cost is None else np.asarray(off_cost, float)
        return cost, off

    def _forward(self, cost, off_cost):
        """Cheapest cost of each state after each day: (off, work, initial work) arrays."""
        n_t, cmax, kmin, offmin = self.n_t, self.cmax, self.kmin, self.offmin
        shape = self._shape()
        origin = np.full(shape, np.inf)
        origin[(0,) * len(shape)] = 0.0
        off = np.full((offmin + 1, *shape), np.inf)  # 0: run from day 0; j: j days (>= offmin)
        work = np.full((n_t, cmax, *shape), np.inf)  # last type, run length - 1
        iwork = np.full((n_t, kmin - 1, *shape), np.inf)  # runs from day 0 shorter than kmin
        off[0] = origin + off_cost[0]
        for t in range(n_t):
            if np.isfinite(cost[0, t]):
                (iwork if kmin > 1 else work)[t, 0] = self._move(origin, 0, t, 0) + cost[0, t]
        lay = [(off, work, iwork)]
        for d in range(1, self.n_d):
            sat, sun = d % 7 == 5, d % 7 == 6
            noff = np.full_like(off, np.inf)
            noff[0] = off[0]
            for j in range(1, offmin + 1):
                tgt = min(j + 1, offmin)
                np.minimum(noff[tgt], off[j], out=noff[tgt])
            ends = work[:, kmin - 1 :].min(axis=(0, 1))
            if kmin > 1:
                ends = np.minimum(ends, iwork.min(axis=(0, 1)))
            np.minimum(noff[1], ends, out=noff[1])
            noff += off_cost[d]
            nwork = np.full_like(work, np.inf)
            niwork = np.full_like(iwork, np.inf)
            from_off = np.minimum(off[0], off[offmin])
            for t in range(n_t):
                if not np.isfinite(cost[d, t]):
                    continue
                nwork[t, 0] = self._move(from_off, 0, t, int(sat or sun))
                if self.pred[t] and cmax > 1:
                    src = work[self.pred[t], : cmax - 1].min(axis=0)
                    nwork[t, 1:] = self._move(src, 1, t, int(sat))
                if self.pred[t] and kmin > 1:
                    src = self._move(iwork[self.pred[t]].min(axis=0), 1, t, int(sat))
                    niwork[t, 1:] = src[: kmin - 2]
                    np.minimum(nwork[t, kmin - 1], src[kmin - 2], out=nwork[t, kmin - 1])
                nwork[t] += cost[d, t]
                niwork[t] += cost[d, t]
            off, work, iwork = noff, nwork, niwork
            lay.append((off, work, iwork))
        return lay

    def _backward(self, cost, off_cost):
        """Cheapest cost of the days after each day from each state (same layout)."""
        n_t, cmax, kmin, offmin = self.n_t, self.cmax, self.kmin, self.offmin
        shape = self._shape()
        end = np.where(self._final(), 0.0, np.inf)
        off = np.broadcast_to(end, (offmin + 1, *shape)).copy()
        work = np.broadcast_to(end, (n_t, cmax, *shape)).copy()
        iwork = np.broadcast_to(end, (n_t, kmin - 1, *shape)).copy()
        lay = [(off, work, iwork)]
        for d in range(self.n_d - 1, 0, -1):  # states after day d - 1; choices on day d
            sat, sun = d % 7 == 5, d % 7 == 6
            start = np.full(shape, np.inf)  # start a block on day d
            cont = np.full((n_t, cmax, *shape), np.inf)  # shift t on day d, to work[t, r]
            icont = np.full((n_t, kmin - 1, *shape), np.inf)  # the same, to iwork[t, r]
            for t in range(n_t):
                if np.isfinite(cost[d, t]):
                    moved = self._move(work[t, 0], 0, t, int(sat or sun), True) + cost[d, t]
                    np.minimum(start, moved, out=start)
                    cont[t] = self._move(work[t], 1, t, int(sat), True) + cost[d, t]
                    icont[t] = self._move(iwork[t], 1, t, int(sat), True) + cost[d, t]
            stop = off[1] + off_cost[d]
            noff = np.full_like(off, np.inf)
            noff[0] = np.minimum(off[0] + off_cost[d], start)
            for j in range(1, offmin + 1):
                noff[j] = off[min(j + 1, offmin)] + off_cost[d]
            np.minimum(noff[offmin], start, out=noff[offmin])
            nwork = np.full_like(work, np.inf)
            niwork = np.full_like(iwork, np.inf)
            for u in range(n_t):
                succ = self.succ[u]
                for r in range(cmax):
                    best = stop if r >= kmin - 1 else np.full(shape, np.inf)
                    if r + 1 < cmax and succ:
                        best = np.minimum(best, cont[succ, r + 1].min(axis=0))
                    nwork[u, r] = best
                for r in range(kmin - 1):  # a run from day 0 may stop at any length
                    best = stop
                    if succ and r + 1 < cmax:
                        nxt = icont[succ, r + 1] if r + 1 < kmin - 1 else cont[succ, r + 1]
                        best = np.minimum(best, nxt.min(axis=0))
                    niwork[u, r] = best
            off, work, iwork = noff, nwork, niwork
            lay.append((off, work, iwork))
        return lay[::-1]

    def _best(self, lay) -> tuple[float, tuple | None]:
        off, work, iwork = lay[-1]
        ok = self._final()
        best, where = np.inf, None
        for kind, arr in (("off", off), ("work", work), ("iwork", iwork)):
            if arr.size:
                masked = np.where(ok, arr, np.inf)
                k = int(masked.argmin())
                if masked.flat[k] < best:
                    best, where = float(masked.flat[k]), (kind, np.unravel_index(k, arr.shape))
        return best, where

    def solve(self, cost: np.ndarray, off_cost: np.ndarray | None = None):
        """Cheapest schedule: ``(value, schedule)``, ``schedule[d]`` a type index or -1 (off).

        ``cost`` (days x types, ``inf`` = not allowed) and ``off_cost`` (days) are per-day
        costs. ``(inf, None)`` when no schedule is feasible.
        """
        cost, off_cost = self._costs(cost, off_cost)
        while True:
            lay = self._forward(cost, off_cost)
            value, where = self._best(lay)
            if where is None:
                return math.inf, None
            sched = self._backtrack(lay, cost, off_cost, where, value)
            over = [
                t
                for t in range(self.n_t)
                if (sched == t).sum() > self.cap[t] and all(t != tt for tt, _, _ in self.tracked)
            ]
            if not over:
                return value, sched
            for t in over:
                self._track(t)

    def _step(self, kind: str, state: tuple, res: tuple, t: int, d: int):
        """The state after choosing ``t`` (-1 = off) on day ``d >= 1``, or None if not allowed."""
        if t < 0:
            if kind == "off":
                return "off", (0 if state[0] == 0 else min(state[0] + 1, self.offmin),), res
            if kind == "iwork" or state[1] >= self.kmin - 1:
                return "off", (1,), res
            return None
        sat, sun = d % 7 == 5, d % 7 == 6
        if kind == "off":
            if state[0] not in (0, self.offmin):
                return None
            nxt, new_weekend = ("work", (t, 0)), int(sat or sun)
        else:
            u, r = state
            if u not in self.pred[t] or r + 1 >= self.cmax:
                return None
            if kind == "iwork" and r + 1 < self.kmin - 1:
                nxt = ("iwork", (t, r + 1))
            else:
                nxt = ("work", (t, r + 1))
            new_weekend = int(sat)
        res = self._add(res, t, new_weekend)
        return None if res is None else (*nxt, res)

    def _add(self, res: tuple, t: int, new_weekend: int) -> tuple | None:
        """Resources after working ``t`` (scalar ``_move``); None when over a limit."""
        out = [res[0] + self.length[t]]
        if out[0] > self.m_max:
            return None
        ax = 1
        if self.w_max is not None:
            out.append(res[1] + new_weekend)
            if out[1] > self.w_max:
                return None
            ax = 2
        for j, (tt, mode, size) in enumerate(self.tracked):
            v = res[ax + j]
            if mode == "direct":
                v += int(tt == t)
                if v > size:
                    return None
            else:
                v = min(v + int(tt != t), size)
            out.append(v)
        return tuple(out)

    def network(
        self, cost: np.ndarray, limit: float, off_cost: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        """The state graph of the schedules of cost <= ``limit``, pruned by that limit.

        Nodes are the states after each day on some schedule of cost <= ``limit`` (cheapest
        schedule through them, from the forward and backward passes); arcs the day's choice
        between two such states whose cheapest schedule through the arc is within the limit.
        Every schedule of cost <= ``limit`` is a path from day 0 to the last day, and every
        path is a schedule that keeps the tracked rules (check untracked caps apart).
        Returns arrays ``tail`` (-1 = the source), ``head``, ``day`` and ``choice`` (-1 = off)
        of the arcs, and the number of nodes; nodes of the last day end the paths.
        """
        cost, off_cost = self._costs(cost, off_cost)
        fwd, bwd = self._forward(cost, off_cost), self._backward(cost, off_cost)
        eps = 1e-7 * max(1.0, abs(limit))
        kinds = ("off", "work", "iwork")
        ids: list[dict] = []
        n_res = len(self._shape())
        for d in range(self.n_d):
            table = {}
            for kind, f, b in zip(kinds, fwd[d], bwd[d], strict=True):
                if f.size:
                    for cell in zip(*np.nonzero(f + b <= limit + eps), strict=True):
                        cell = tuple(int(v) for v in cell)
                        table[(kind, cell[: len(cell) - n_res], cell[len(cell) - n_res :])] = len(
                            table
                        )
            ids.append(table)
        offset = np.cumsum([0] + [len(t) for t in ids])
        tail, head, day, choice = [], [], [], []

        def value(lay, kind, state, res):
            return lay[kinds.index(kind)][(*state, *res)]

        for (kind, state, res), k in ids[0].items():
            g = value(fwd[0], kind, state, res)
            if np.isfinite(g):
                tail.append(-1)
                head.append(offset[0] + k)
                day.append(0)
                choice.append(-1 if kind == "off" else state[0])
        for d in range(1, self.n_d):
            for (kind, state, res), k in ids[d - 1].items():
                g = value(fwd[d - 1], kind, state, res)
                for c in range(-1, self.n_t):
                    step = off_cost[d] if c < 0 else cost[d, c]
                    if not np.isfinite(step):
                        continue
                    nxt = self._step(kind, state, res, c, d)
                    if nxt is None or nxt not in ids[d]:
                        continue
                    if g + step + value(bwd[d], *nxt) <= limit + eps:
                        tail.append(offset[d - 1] + k)
                        head.append(offset[d] + ids[d][nxt])
                        day.append(d)
                        choice.append(c)
        arrays = (np.array(a, np.int64) for a in (tail, head, day, choice))
        return (*arrays, int(offset[-1]))

    def _unmove(self, res: tuple, t: int, new_weekend: int) -> tuple | None:
        """Resource cells that ``_move`` maps to ``res`` (several on a saturated counter)."""
        base = [res[0] - self.length[t]]
        ax = 1
        if self.w_max is not None:
            base.append(res[1] - new_weekend)
            ax = 2
        options = [base]
        for j, (tt, mode, size) in enumerate(self.tracked):
            v = res[ax + j]
            if mode == "direct":
                vals = [v - int(tt == t)]
            elif tt == t:
                vals = [v]
            else:
                vals = [v - 1] + ([v] if v == size else [])
            options = [o + [w] for o in options for w in vals]
        return [tuple(o) for o in options if min(o) >= 0]

    def _backtrack(self, lay, cost, off_cost, where, value) -> np.ndarray:
        sched = np.full(self.n_d, -1)
        kind, idx = where
        state, res = idx[: -len(self._shape())], tuple(idx[-len(self._shape()) :])
        state = tuple(int(s) for s in state)
        res = tuple(int(r) for r in res)
        for d in range(self.n_d - 1, 0, -1):
            sat, sun = d % 7 == 5, d % 7 == 6
            if kind != "off":
                sched[d] = state[0]
            cands = []
            if kind == "off":
                target = value - off_cost[d]
                j = state[0]
                if j == 0:
                    cands.append(("off", (0,), res))
                else:
                    if j >= 2:
                        cands.append(("off", (j - 1,), res))
                    if j == self.offmin:
                        cands.append(("off", (j,), res))
                    if j == 1:
                        for u in range(self.n_t):
                            cands += [
                                ("work", (u, r), res) for r in range(self.kmin - 1, self.cmax)
                            ]
                            cands += [("iwork", (u, r), res) for r in range(self.kmin - 1)]
            else:
                t, r = state
                target = value - cost[d, t]
                if kind == "work" and r == 0:
                    for pre in self._unmove(res, t, int(sat or sun)):
                        cands += [("off", (0,), pre), ("off", (self.offmin,), pre)]
                else:
                    for pre in self._unmove(res, t, int(sat)):
                        if kind == "work":
                            cands += [("work", (u, r - 1), pre) for u in self.pred[t]]
                        if kind == "iwork" or r == self.kmin - 1:
                            cands += [("iwork", (u, r - 1), pre) for u in self.pred[t]]
            arrays = dict(zip(("off", "work", "iwork"), lay[d - 1], strict=True))
            for k2, s2, r2 in cands:
                if k2 == "work" and s2[1] >= self.cmax:
                    continue
                v = arrays[k2][(*s2, *r2)]
                if np.isfinite(v) and abs(v - target) <= 1e-7 * max(1.0, abs(target)):
                    kind, state, res, value = k2, s2, r2, float(v)
                    break
            else:
                raise RuntimeError(f"no predecessor on day {d}")
        if kind != "off":
            sched[0] = state[0]
        return sched


class ColumnGeneration:
    """Dantzig-Wolfe master over whole schedules (one per employee), priced by ``ScheduleDP``.

    The master LP (solved by ``solve_model``) chooses a convex combination of schedules per
    employee with soft cover; its LP value at convergence is the column-generation bound,
    and at every iteration ``const + pi . req + sum of the cheapest reduced schedule costs``
    is a valid (Lagrangian) lower bound, since pricing is exact.
    """

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.types = list(inst.shifts)
        self.n_e, self.n_d, self.n_t = len(inst.staff), inst.days, len(self.types)
        t_index = {t: i for i, t in enumerate(self.types)}
        self.req_cost, self.const = request_costs(inst)
        self.cover_row = np.full((self.n_d, self.n_t), -1)
        for k, (d, t, *_) in enumerate(inst.cover):
            self.cover_row[d, t_index[t]] = k
        self.cover_dt = tuple(np.array([(d, t_index[t]) for d, t, *_ in inst.cover], int).T)
        self.req = np.array([c[2] for c in inst.cover], float)
        self.w_under = np.array([c[3] for c in inst.cover], float)
        self.w_over = np.array([c[4] for c in inst.cover], float)
        self.dps = [ScheduleDP(inst, st) for st in inst.staff]
        self.columns: list[tuple[int, np.ndarray]] = []
        self.col_cost: list[float] = []
        self._seen: set[tuple[int, bytes]] = set()
        self.bound = -math.inf  # best Lagrangian bound so far
        self.best_pi = np.zeros((self.n_d, self.n_t))
        self.base = np.zeros(self.n_e)  # cheapest reduced schedule cost per employee at best_pi
        self.lp_value = math.nan
        self.iterations = 0

    def add(self, e: int, sched: np.ndarray) -> bool:
        """Add employee ``e``'s schedule as a column (False when already there)."""
        key = (e, sched.astype(np.int8).tobytes())
        if key in self._seen:
            return False
        self._seen.add(key)
        worked = np.flatnonzero(sched >= 0)
        self.columns.append((e, sched.copy()))
        self.col_cost.append(float(self.req_cost[e, worked, sched[worked]].sum()))
        return True

    def master(self, integer: bool = False, fixed: dict[int, int] | None = None) -> MipModel:
        """The restricted master over the columns so far: its LP, or (``integer``) its IP;
        ``fixed`` (employee -> column) keeps only that column of those employees."""
        m = MipModel(f"{self.inst.name}_master")
        n_c, n_k = len(self.columns), len(self.req)
        lam = m.add_vars(n_c, ub=1.0, cost=np.array(self.col_cost), integer=integer, name="lam")
        if fixed:
            m.set_upper([j for j, (e, _) in enumerate(self.columns) if fixed.get(e, j) != j], 0.0)
        under = m.add_vars(n_k, cost=self.w_under, name="under")
        over = m.add_vars(n_k, cost=self.w_over, name="over")
        m.offset = self.const
        by_emp: list[list[int]] = [[] for _ in range(self.n_e)]
        by_row: list[list[int]] = [[] for _ in range(n_k)]
        for j, (e, sched) in enumerate(self.columns):
            by_emp[e].append(j)
            worked = np.flatnonzero(sched >= 0)
            for k in self.cover_row[worked, sched[worked]]:
                if k >= 0:
                    by_row[k].append(j)
        for e in range(self.n_e):  # rows 0..n_e-1: one schedule per employee
            m.add_row(lam[by_emp[e]], 1.0, 1.0, 1.0)
        for k in range(n_k):  # then the cover rows
            cols = np.r_[lam[by_row[k]], under[k], over[k]]
            coef = np.r_[np.ones(len(by_row[k])), 1.0, -1.0]
            m.add_row(cols, coef, self.req[k], self.req[k])
        return m

    def price(self, pi: np.ndarray) -> tuple[float, np.ndarray, list[np.ndarray | None]]:
        """Cheapest schedule per employee at cover duals ``pi``, and the Lagrangian bound."""
        base = np.zeros(self.n_e)
        scheds: list[np.ndarray | None] = []
        for e in range(self.n_e):
            base[e], sched = self.dps[e].solve(self.req_cost[e] - pi)
            scheds.append(sched)
        bound = self.const + pi[self.cover_dt] @ self.req + base.sum()
        return float(bound), base, scheds

    def run(self, settings: SolverSettings, deadline: float, log=None) -> bool:
        """Generate columns until no schedule has a negative reduced cost (True) or time."""
        if not self.columns:
            _, _, scheds = self.price(np.zeros((self.n_d, self.n_t)))
            for e, sched in enumerate(scheds):
                if sched is not None:
                    self.add(e, sched)
        while time.perf_counter() < deadline:
            m = self.master()
            rep = solve_model(m, settings, time_limit_s=max(1.0, deadline - time.perf_counter()))
            if rep.status != "optimal" or rep.row_dual.size == 0:
                return False
            self.lp_value = rep.objective
            mu = rep.row_dual[: self.n_e]
            pi = np.zeros((self.n_d, self.n_t))
            pi[self.cover_dt] = rep.row_dual[self.n_e : self.n_e + len(self.req)]
            bound, base, scheds = self.price(pi)
            self.iterations += 1
            if bound > self.bound:
                self.bound, self.best_pi, self.base = bound, pi, base
            added = sum(
                self.add(e, scheds[e])
                for e in range(self.n_e)
                if scheds[e] is not None and base[e] - mu[e] < -1e-7
            )
            if log and (self.iterations % 10 == 0 or not added):
                log(
                    f"CG {self.iterations}: LP {self.lp_value:.3f}, bound {self.bound:.3f}, "
                    f"{len(self.columns)} columns"
                )
            if not added:
                return True
        return False


def dive(
    cg: ColumnGeneration,
    settings: SolverSettings,
    deadline: float,
    log=None,
    max_rounds: int = 30,
    finish_s: float = 20.0,
) -> list[np.ndarray] | None:
    """Diving on the column-generation LP: fix every employee whose LP schedule is whole
    and the sixth of the others with the largest shares, re-optimise the LP with column
    generation over the others, until every employee is fixed; ``finish_s`` before the
    deadline, the compact MIP over the employees left, the others fixed. Returns one schedule per
    employee (None when none found)."""
    fixed: dict[int, int] = {}
    while len(fixed) < cg.n_e and time.perf_counter() < deadline - finish_s:
        for r in range(max_rounds):
            if r and time.perf_counter() > deadline - finish_s:
                break  # out of time: the IP over the columns below
            limit = max(1.0, deadline - time.perf_counter())
            n_c = len(cg.columns)  # the columns of this LP
            rep = solve_model(cg.master(fixed=fixed), settings, time_limit_s=limit)
            if rep.status != "optimal" or rep.row_dual.size == 0:
                return None
            mu = rep.row_dual[: cg.n_e]
            pi = np.zeros((cg.n_d, cg.n_t))
            pi[cg.cover_dt] = rep.row_dual[cg.n_e : cg.n_e + len(cg.req)]
            added = 0
            for e in range(cg.n_e):
                if e not in fixed:
                    value, sched = cg.dps[e].solve(cg.req_cost[e] - pi)
                    if sched is not None and value - mu[e] < -1e-7:
                        added += cg.add(e, sched)
            if not added:
                break
        lam = rep.values[:n_c]
        share = np.zeros(cg.n_e)
        pick = np.full(cg.n_e, -1)
        for j, (e, _) in enumerate(cg.columns[:n_c]):
            if e not in fixed and lam[j] > share[e]:
                share[e], pick[e] = lam[j], j
        free = [e for e in range(cg.n_e) if e not in fixed]
        whole = [e for e in free if share[e] > 1 - 1e-6]
        rest = sorted(set(free) - set(whole), key=lambda e: -share[e])
        if time.perf_counter() > deadline - finish_s:
            break
        for e in whole + rest[: max(1, len(free) // 6)]:
            fixed[e] = int(pick[e])
        if log:
            log(f"dive: LP {rep.objective:.3f}, {len(fixed)} fixed")
    if len(fixed) < cg.n_e:  # out of time: the compact MIP over the others
        n_left = cg.n_e - len(fixed)
        model, x = build_model(cg.inst)
        done = sorted(fixed)
        xv = np.zeros(x.shape)
        for e in done:
            sched = cg.columns[fixed[e]][1]
            worked = np.flatnonzero(sched >= 0)
            xv[e, worked, sched[worked]] = 1.0
        limit = max(finish_s, deadline - time.perf_counter())
        rep = solve_model(
            model.with_fixed(x[done].ravel(), xv[done].ravel()), settings, time_limit_s=limit
        )
        if not rep.has_solution:
            return None
        if log:
            log(f"dive: compact MIP {rep.objective:.3f} ({rep.status}) for the last {n_left}")
        xs = np.round(rep.values[x]).astype(int)
        return [np.where(xs[e].any(axis=1), xs[e].argmax(axis=1), -1) for e in range(cg.n_e)]
    return [cg.columns[fixed[e]][1] for e in range(cg.n_e)]


@dataclass
class Fixing:
    """What any solution of cost <= ``target`` must satisfy (Lagrangian reduced costs)."""

    target: float
    slack: float  # target minus the Lagrangian bound
    under_max: np.ndarray  # per cover row
    over_max: np.ndarray


def lagrangian_fixing(cg: ColumnGeneration, target: float) -> Fixing:
    """Limits that every solution of cost <= ``target`` obeys, from ``cg.best_pi``.

    With cover duals ``pi`` (``-w_over <= pi <= w_under``), any solution's cost is
    ``bound + sum over employees of (reduced cost of its schedule - cheapest one) +
    (w_under - pi) * under + (w_over + pi) * over``, every term non-negative. So a solution
    of cost <= target has each term <= ``slack = target - bound``: each employee's schedule
    is within ``slack`` of its cheapest reduced cost (``network_model``), and under/over
    staffing on a cover row is at most ``slack`` over its reduced cost.
    """
    pi, slack = cg.best_pi, target - cg.bound
    eps = 1e-6
    rc_u = cg.w_under - pi[cg.cover_dt]
    rc_o = cg.w_over + pi[cg.cover_dt]
    with np.errstate(divide="ignore"):
        under_max = np.where(rc_u > eps, np.floor(slack / np.maximum(rc_u, eps) + eps), np.inf)
        over_max = np.where(rc_o > eps, np.floor(slack / np.maximum(rc_o, eps) + eps), np.inf)
    return Fixing(target, slack, under_max, over_max)


def employee_flow(
    m: MipModel, dp: ScheduleDP, cost: np.ndarray, limit: float, xe, off_cost=None
) -> bool:
    """A unit flow on ``dp``'s state graph of the schedules of cost <= ``limit`` (pruned),
    with ``xe[d, t]`` (days x types) = the flow on the arcs choosing shift t on day d, and
    the shift-type caps the graph may not track. ``off_cost``: a cost per day off (``inf``
    forbids it), as in ``ScheduleDP.network``. False when no schedule is within the limit.
    """
    n_d, n_t = xe.shape
    tail, head, day, choice, n_nodes = dp.network(cost, limit, off_cost)
    if tail.size == 0:
        return False
    f = m.add_vars(tail.size, ub=1.0, name="arc")
    m.add_row(f[tail < 0], 1.0, 1.0, 1.0)
    last = head[day == n_d - 1].min()  # first node of the last day
    order_in, order_out = np.argsort(head, kind="stable"), np.argsort(tail, kind="stable")
    cut_in = np.searchsorted(head[order_in], np.arange(n_nodes + 1))
    cut_out = np.searchsorted(tail[order_out], np.arange(n_nodes + 1))
    for node in range(last):  # flow conservation
        arcs_in = order_in[cut_in[node] : cut_in[node + 1]]
        arcs_out = order_out[cut_out[node] : cut_out[node + 1]]
        coef = np.r_[np.ones(arcs_in.size), -np.ones(arcs_out.size)]
        m.add_row(np.r_[f[arcs_in], f[arcs_out]], coef, 0.0, 0.0)
    on = choice >= 0
    key = day[on] * n_t + choice[on]
    order = np.argsort(key, kind="stable")
    cut = np.searchsorted(key[order], np.arange(n_d * n_t + 1))
    arcs_on = np.flatnonzero(on)[order]
    for dt in range(n_d * n_t):
        d, t = divmod(dt, n_t)
        arcs = arcs_on[cut[dt] : cut[dt + 1]]
        if arcs.size == 0:
            m.set_upper([xe[d, t]], 0.0)
        else:
            m.add_row(np.r_[xe[d, t], f[arcs]], np.r_[1.0, -np.ones(arcs.size)], 0.0, 0.0)
    for t, cap in enumerate(dp.cap):  # caps the graph may not track
        if 0 < cap < n_d:
            m.add_row(xe[:, t], 1.0, -math.inf, cap)
    return True


def network_model(cg: ColumnGeneration, fix: Fixing) -> tuple[MipModel, np.ndarray] | None:
    """The problem restricted to solutions of cost <= ``fix.target``.

    One pruned state graph per employee (``ScheduleDP.network``: its schedules of reduced
    cost within ``fix.slack`` of the cheapest), a unit flow on it, ``x[e, d, t]`` = the flow
    on the arcs that choose shift t on day d (integer), soft cover with the under/over limits
    of ``fix``, and the row ``cost <= fix.target``. Every solution of cost <= target is a
    solution of this model and the reverse, so: infeasible means the optimum is above the
    target, and its optimum (when feasible) is the instance's. Its LP is at least the
    column-generation bound. None when some employee has no schedule within the limit.
    """
    n_e, n_d, n_t = cg.n_e, cg.n_d, cg.n_t
    m = MipModel(f"{cg.inst.name}_network")
    x = m.add_vars(n_e * n_d * n_t, ub=1.0, integer=True, name="x").reshape(n_e, n_d, n_t)
    for e in range(n_e):
        if not employee_flow(
            m, cg.dps[e], cg.req_cost[e] - cg.best_pi, cg.base[e] + fix.slack, x[e]
        ):
            return None
    cost, const = cg.req_cost, cg.const
    m.offset = const
    for j in np.flatnonzero(cost):
        m.add_cost([x.ravel()[j]], cost.ravel()[j])
    n_k = len(cg.req)
    under = m.add_vars(n_k, ub=fix.under_max, cost=cg.w_under, name="under")
    over = m.add_vars(n_k, ub=fix.over_max, cost=cg.w_over, name="over")
    for k in range(n_k):
        d, t = cg.cover_dt[0][k], cg.cover_dt[1][k]
        cols = np.r_[x[:, d, t], under[k], over[k]]
        m.add_row(cols, np.r_[np.ones(n_e), 1.0, -1.0], cg.req[k], cg.req[k])
    w = np.r_[cost.ravel(), cg.w_under, cg.w_over]
    cols = np.r_[x.ravel(), under, over]
    nz = w != 0
    m.add_row(cols[nz], w[nz], -math.inf, fix.target - const)
    return m, x


def enumerate_schedules(
    dp: ScheduleDP, cost: np.ndarray, limit: float, max_count: int
) -> np.ndarray | None:
    """Every feasible schedule of cost <= ``limit`` (rows: type index per day, -1 = off).

    Paths of the pruned graph ``dp.network(cost, limit)`` grown day by day, a partial path
    kept while its cost plus the cheapest completion from its node is within the limit (so
    every kept partial path ends in at least one schedule within the limit, and the
    frontier never holds more than the answer); the caps the graph may not track are
    checked at the end. None when more than ``max_count`` partial paths are needed.
    """
    cost = np.where(np.isfinite(cost), cost, np.inf)
    tail, head, day, choice, n_nodes = dp.network(cost, limit)
    n_d = cost.shape[0]
    if tail.size == 0:
        return np.zeros((0, n_d), np.int64)
    eps = 1e-7 * max(1.0, abs(limit))
    w = np.where(choice >= 0, cost[day, np.maximum(choice, 0)], 0.0)
    togo = np.full(n_nodes, np.inf)  # cheapest cost of the days after a node's day
    togo[head[day == n_d - 1]] = 0.0
    for d in range(n_d - 1, 0, -1):
        a = np.flatnonzero(day == d)
        np.minimum.at(togo, tail[a], w[a] + togo[head[a]])
    first = np.flatnonzero((tail < 0) & (w + togo[head] <= limit + eps))
    node, spent = head[first], w[first]
    parents, choices = [np.full(first.size, -1, np.int32)], [choice[first].astype(np.int8)]
    for d in range(1, n_d):
        arcs = np.flatnonzero(day == d)
        arcs = arcs[np.argsort(tail[arcs], kind="stable")]
        lo = np.searchsorted(tail[arcs], node, "left")
        cnt = np.searchsorted(tail[arcs], node, "right") - lo
        path = np.repeat(np.arange(node.size), cnt)
        sel = arcs[np.repeat(lo, cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)]
        new_spent = spent[path] + w[sel]
        keep = new_spent + togo[head[sel]] <= limit + eps
        node, spent = head[sel[keep]], new_spent[keep]
        parents.append(path[keep].astype(np.int32))
        choices.append(choice[sel[keep]].astype(np.int8))
        if node.size > max_count:
            return None
    out = np.zeros((node.size, n_d), np.int64)
    idx = np.arange(node.size)
    for d in range(n_d - 1, -1, -1):
        out[:, d] = choices[d][idx]
        idx = parents[d][idx]
    ok = np.ones(node.size, bool)
    for t, cap in enumerate(dp.cap):
        ok &= (out == t).sum(axis=1) <= cap
    return out[ok]


class PoolBranchAndPrice:
    """Branch-and-price restricted to a target: is there a roster of cost <= ``target``?

    The pool: every employee's schedules whose reduced cost at ``cg.best_pi`` is within
    ``target - cg.bound`` of its cheapest (``enumerate_schedules``); by the identity of
    ``lagrangian_fixing`` every roster of cost <= target uses only pool schedules. A node
    (the pool schedules still allowed) runs column generation over its pool: the master LP
    (HiGHS, kept between solves and warm-started; one artificial column per employee keeps
    it feasible) and pricing by a scan of the pool. At every iteration the Lagrangian bound
    ``const + pi . req + sum over employees of the cheapest allowed reduced cost`` (``pi``
    clipped to ``[-w_over, w_under]``, so it is valid whatever the LP said) bounds every
    roster of the node of cost <= target; above the target the node is refuted, and pool
    schedules whose reduced cost exceeds the cheapest by more than ``target - bound`` are
    dropped from the node (reduced-cost fixing). A node whose LP is integral gives a roster;
    otherwise it branches (``_children``), depth first, on a cover row's staffing or on an
    ``x[e, d, choice]`` (employee e takes that choice on day d, or not): down to depth
    ``sb_depth``, by strong branching over the ``sb_count`` most fractional of them (each
    child's restricted LP from the parent's basis, at most ``sb_iterations`` simplex
    iterations; a child whose Lagrangian bound at those duals exceeds the target is
    refuted there and not searched), deeper on the most fractional. A node popped after a
    subtree restarts the LP from its parent's optimal basis. The tree exhausted without a
    roster of cost <= target proves the optimum > target.
    """

    BIG = 1e5  # cost of the artificial columns

    def __init__(
        self,
        cg: ColumnGeneration,
        target: float,
        max_pool: int = 1_000_000,
        sb_count: int = 24,
        sb_depth: int = 20,
        sb_iterations: int = 30,
    ) -> None:
        self.cg, self.target = cg, float(target)
        slack = target - cg.bound
        emp, scheds = [], []
        self.ok = True
        for e in range(cg.n_e):
            cost = cg.req_cost[e] - cg.best_pi
            left = max_pool - sum(len(s) for s in scheds)
            s = enumerate_schedules(cg.dps[e], cost, cg.base[e] + slack, left)
            if s is None or len(scheds) and sum(len(x) for x in scheds) + len(s) > max_pool:
                self.ok = False
                return
            scheds.append(s)
            emp.append(np.full(len(s), e))
        self.sched = np.vstack(scheds).astype(np.int8)
        self.emp = np.concatenate(emp)
        self.size = len(self.emp)
        n_d = cg.n_d
        worked = self.sched >= 0
        days = np.arange(n_d)[None, :]
        self.cost = np.where(
            worked, cg.req_cost[self.emp[:, None], days, np.maximum(self.sched, 0)], 0.0
        ).sum(axis=1)
        self.row = np.where(worked, cg.cover_row[days, np.maximum(self.sched, 0)], -1)
        self.row = self.row.astype(np.int16 if len(cg.req) < 2**15 else np.int32)
        self.start = np.searchsorted(self.emp, np.arange(cg.n_e + 1))  # pool sorted by e
        self.nodes = 0
        self.sb_count, self.sb_depth, self.sb_iterations = sb_count, sb_depth, sb_iterations
        self.sb_nodes = 0  # nodes branched by strong branching
        self.sb_pruned = 0  # children refuted by strong branching
        self.in_lp = np.full(self.size, -1)  # LP column of each pool schedule
        self.lp_pool: list[int] = []
        self._init_lp()

    def _init_lp(self) -> None:
        import highspy

        cg = self.cg
        n_e, n_k = cg.n_e, len(cg.req)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")
        inf = highspy.kHighsInf
        lo = np.r_[np.ones(n_e), cg.req]
        h.addRows(n_e + n_k, lo, lo, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        k = np.arange(n_k, dtype=np.int32)
        h.addCols(n_k, cg.w_under, np.zeros(n_k), np.full(n_k, inf), n_k, k, n_e + k, np.ones(n_k))
        h.addCols(n_k, cg.w_over, np.zeros(n_k), np.full(n_k, inf), n_k, k, n_e + k, -np.ones(n_k))
        e = np.arange(n_e, dtype=np.int32)
        h.addCols(
            n_e, np.full(n_e, self.BIG), np.zeros(n_e), np.full(n_e, inf), n_e, e, e, np.ones(n_e)
        )
        for sign in (1.0, -1.0):  # artificial staffing, for nodes with under/over bounds
            h.addCols(
                n_k,
                np.full(n_k, self.BIG),
                np.zeros(n_k),
                np.full(n_k, inf),
                n_k,
                k,
                n_e + k,
                np.full(n_k, sign),
            )
        self.h, self.n_fixed_cols = h, 4 * n_k + n_e
        self.big, self.lp_ub = self.BIG, np.zeros(0, bool)  # the LP's current costs, bounds
        self.k_bounds = np.array([np.zeros(2 * n_k), np.full(2 * n_k, inf)])

    def _add_columns(self, js: np.ndarray) -> None:
        cg = self.cg
        starts, index = [], []
        for j in js:
            starts.append(len(index))
            index.append(int(self.emp[j]))
            r = self.row[j]
            index.extend(int(v) + cg.n_e for v in r[r >= 0])
        n = js.size
        self.in_lp[js] = len(self.lp_pool) + self.n_fixed_cols + np.arange(n)
        self.lp_pool.extend(int(j) for j in js)
        self.lp_ub = np.r_[self.lp_ub, np.ones(n, bool)]
        self.h.addCols(
            n,
            self.cost[js],
            np.zeros(n),
            np.ones(n),
            len(index),
            np.array(starts, np.int32),
            np.array(index, np.int32),
            np.ones(len(index)),
        )

    def _reduced(self, idx: np.ndarray, pi: np.ndarray) -> np.ndarray:
        """Reduced cost (without the employee dual) of the pool schedules ``idx``."""
        pi_row = np.r_[pi[self.cg.cover_dt], 0.0]  # row -1 (uncovered or off) -> 0
        return self.cost[idx] - pi_row[self.row[idx]].sum(axis=1)

    def _bounds_terms(self, pi_raw: np.ndarray, bnd: np.ndarray):
        """Cover duals made valid for the node's under/over bounds ``bnd`` (rows: under lo,
        under hi, over lo, over hi), and the Lagrangian terms of the under/over columns:
        ``min (w_under - pi) * under + (w_over + pi) * over`` over their bounds."""
        cg = self.cg
        pi = pi_raw.copy()
        pi = np.where(np.isinf(bnd[1]), np.minimum(pi, cg.w_under), pi)
        pi = np.where(np.isinf(bnd[3]), np.maximum(pi, -cg.w_over), pi)
        cu, co = cg.w_under - pi, cg.w_over + pi
        term = np.where(cu >= 0, cu * bnd[0], cu * np.where(np.isinf(bnd[1]), 0, bnd[1]))
        term += np.where(co >= 0, co * bnd[2], co * np.where(np.isinf(bnd[3]), 0, bnd[3]))
        return pi, cu, co, float(term.sum())

    def _sync(self, allowed: np.ndarray, bnd: np.ndarray) -> None:
        """Give the LP the bounds of a node: ``allowed`` pool schedules (upper bound 1, the
        others 0) and under/over bounds ``bnd``; only the bounds that change, to keep the
        basis."""
        h, n_k = self.h, len(self.cg.req)
        lo, hi = np.r_[bnd[0], bnd[2]], np.r_[bnd[1], bnd[3]]
        ch = np.flatnonzero((lo != self.k_bounds[0]) | (hi != self.k_bounds[1]))
        if ch.size:
            h.changeColsBounds(ch.size, np.arange(2 * n_k, dtype=np.int32)[ch], lo[ch], hi[ch])
            self.k_bounds = np.array([lo, hi])
        pool = np.array(self.lp_pool, np.int64)
        if pool.size:
            ub = allowed[pool]
            ch = np.flatnonzero(ub != self.lp_ub[: pool.size])
            if ch.size:
                h.changeColsBounds(
                    ch.size,
                    self.in_lp[pool[ch]].astype(np.int32),
                    np.zeros(ch.size),
                    ub[ch].astype(float),
                )
                self.lp_ub[ch] = ub[ch]

    def node(self, allowed: np.ndarray, bnd: np.ndarray, deadline: float, per_employee: int = 3):
        """Column generation on the node's pool ``allowed`` (bool) with under/over bounds
        ``bnd`` (both modified by reduced-cost fixing). Returns ``(status, bound, info)``:
        "refuted", "integral" (info: roster and cost, <= target), "fractional" (info: the
        LP's ``x[e, d, choice + 1]``) or "time"."""
        import highspy

        cg, h = self.cg, self.h
        n_e, n_k = cg.n_e, len(cg.req)
        eps = 1e-6
        lb = -math.inf

        def set_bounds() -> None:
            self._sync(allowed, bnd)

        def set_big(value: float) -> None:
            if value != self.big:
                n_art = self.n_fixed_cols - 2 * n_k
                cols = np.arange(2 * n_k, self.n_fixed_cols, dtype=np.int32)
                h.changeColsCost(n_art, cols, np.full(n_art, value))
                self.big = value

        big = self.BIG
        set_big(big)
        set_bounds()
        while True:
            if time.perf_counter() > deadline:
                return "time", lb, None
            if (bnd[0] > bnd[1]).any() or (bnd[2] > bnd[3]).any():
                return "refuted", math.inf, None
            idx = np.flatnonzero(allowed)
            counts = np.bincount(self.emp[idx], minlength=n_e)
            if (counts == 0).any():
                return "refuted", math.inf, None
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                h.clearSolver()  # numerical trouble from the warm start: solve afresh
                h.run()
                if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                    return "error", lb, None
            sol = h.getSolution()
            dual = np.array(sol.row_dual)
            mu = dual[:n_e]
            pik, cu, co, term = self._bounds_terms(dual[n_e : n_e + n_k], bnd)
            pi = np.zeros((cg.n_d, cg.n_t))
            pi[cg.cover_dt] = pik
            rc = self._reduced(idx, pi)
            cut = np.r_[0, np.cumsum(counts)]
            best = np.minimum.reduceat(rc, cut[:-1])
            lag = cg.const + pik @ cg.req + best.sum() + term
            lb = max(lb, lag)
            if lb > self.target + eps:
                return "refuted", lb, None
            # reduced-cost fixing: every term of the Lagrangian identity within target - lag
            room = self.target - lag + eps
            drop = rc - np.repeat(best, counts) > room
            if drop.any():
                allowed[idx[drop]] = False
            old = bnd.copy()
            with np.errstate(divide="ignore", invalid="ignore"):
                for c, lo, hi in ((cu, 0, 1), (co, 2, 3)):
                    pos, neg = c > 1e-9, c < -1e-9
                    bnd[hi] = np.where(
                        pos, np.minimum(bnd[hi], np.floor(bnd[lo] + room / c)), bnd[hi]
                    )
                    bnd[lo] = np.where(
                        neg, np.maximum(bnd[lo], np.ceil(bnd[hi] + room / c)), bnd[lo]
                    )
            changed = drop.any() or not np.array_equal(old, bnd)
            new = []
            rc_mu = rc - np.repeat(mu, counts)
            for e in range(n_e):
                seg = slice(cut[e], cut[e + 1])
                cand = np.flatnonzero((rc_mu[seg] < -1e-7) & ~drop[seg])
                if cand.size:
                    cand = cand[np.argsort(rc_mu[seg][cand])[: per_employee * 4]]
                    js = idx[seg][cand]
                    js = js[self.in_lp[js] < 0][:per_employee]
                    new.extend(js.tolist())
            if changed:
                set_bounds()
            if new:
                self._add_columns(np.array(new, np.int64))
                continue
            if changed:  # the LP changed: solve it again before reading it
                continue
            values = np.array(sol.col_value)
            if values[2 * n_k : self.n_fixed_cols].max() > 1e-9:
                # an artificial column in use: make them dearer until the Lagrangian bound
                # refutes the node (no roster in it) or they leave the LP
                if big >= 1e12:
                    return "error", lb, None
                big *= 100.0
                set_big(big)
                continue
            lam = values[self.n_fixed_cols :]
            used = np.flatnonzero(lam > 1e-9)
            js = np.array(self.lp_pool, np.int64)[used]
            x = np.zeros((n_e, cg.n_d, cg.n_t + 1))
            for j, v in zip(js, lam[used], strict=True):
                x[self.emp[j], np.arange(cg.n_d), self.sched[j] + 1] += v
            if np.minimum(x, 1 - x).max() < 1e-6:
                pick = {int(self.emp[j]): self.sched[j] for j in js[lam[used] > 0.5]}
                roster = [[cg.types[t] if t >= 0 else None for t in pick[e]] for e in range(n_e)]
                return "integral", lb, (roster, cg.const + h.getInfo().objective_function_value)
            return "fractional", lb, x

    def _candidates(self, x: np.ndarray, count: int) -> list[tuple]:
        """Branching dichotomies of the fractional ``x``, most fractional first, at most
        ``count``: cover rows whose staffing ``n`` is fractional ("cover", k, n), then (or,
        for strong branching, half of them) the ``x[e, d, choice]`` ("x", e, d, c, value)."""
        cg = self.cg
        n = x[:, cg.cover_dt[0], cg.cover_dt[1] + 1].sum(axis=0)
        frac = np.minimum(n - np.floor(n), np.ceil(n) - n)
        order = np.argsort(-frac, kind="stable")
        covers = [("cover", int(k), float(n[k])) for k in order[:count] if frac[k] > 1e-6]
        if count > 1:
            covers = covers[: max(1, count // 2)]
        elif covers:
            return covers
        f = np.minimum(x, 1 - x).ravel()
        order = np.argsort(-f, kind="stable")[: count - len(covers)]
        xs = [
            ("x", *(int(v) for v in np.unravel_index(i, x.shape)), float(x.flat[i]))
            for i in order
            if f[i] > 1e-6
        ]
        return covers + xs

    def _split(self, allowed, bnd, cand, copy: bool = False):
        """The two children of dichotomy ``cand``, the one nearer the LP last (it is
        popped first); ``copy``: neither shares the parent's arrays. A cover row's staffing
        ``n`` <= floor or >= ceil becomes bounds on its under/over staffing (some cheapest
        completion of every roster meets them); ``x[e, d, c]`` = 0 or 1 restricts
        employee e's allowed schedules."""
        cg = self.cg
        if cand[0] == "cover":
            _, k, value = cand
            a, req = math.floor(value), cg.req[k]
            low, high = bnd.copy(), bnd.copy()
            if a < req:  # n <= a: under >= req - a (and no over); n >= a + 1: under <= ...
                low[0, k], low[3, k] = max(low[0, k], req - a), 0.0
                high[1, k] = min(high[1, k], req - a - 1)
            else:  # n <= a: over <= a - req; n >= a + 1: over >= a + 1 - req (no under)
                low[3, k] = min(low[3, k], a - req)
                high[2, k], high[1, k] = max(high[2, k], a + 1 - req), 0.0
            kids = [(allowed.copy(), low), (allowed.copy() if copy else allowed, high)]
            return kids[::-1] if value - a < 0.5 else kids
        _, e, d, c, value = cand
        mine = slice(self.start[e], self.start[e + 1])
        takes = self.sched[mine, d] == c - 1
        one, zero = allowed.copy(), allowed.copy() if copy else allowed
        one[mine] &= takes
        zero[mine] &= ~takes
        kids = [(zero, bnd.copy()), (one, bnd.copy() if copy else bnd)]
        return kids if value >= 0.5 else kids[::-1]

    def _lagrangian(self, allowed: np.ndarray, bnd: np.ndarray, dual: np.ndarray) -> float:
        """The Lagrangian bound of a node (``allowed``, ``bnd``) at the LP's row duals
        ``dual`` (any duals: the cover duals are made valid by ``_bounds_terms``)."""
        cg = self.cg
        n_e, n_k = cg.n_e, len(cg.req)
        if (bnd[0] > bnd[1]).any() or (bnd[2] > bnd[3]).any():
            return math.inf
        idx = np.flatnonzero(allowed)
        counts = np.bincount(self.emp[idx], minlength=n_e)
        if (counts == 0).any():
            return math.inf
        pik, _, _, term = self._bounds_terms(dual[n_e : n_e + n_k], bnd)
        pi = np.zeros((cg.n_d, cg.n_t))
        pi[cg.cover_dt] = pik
        rc = self._reduced(idx, pi)
        best = np.minimum.reduceat(rc, np.r_[0, np.cumsum(counts)[:-1]])
        return float(cg.const + pik @ cg.req + best.sum() + term)

    def _probe(self, allowed, bnd, basis, iterations: int) -> tuple[float, bool]:
        """A child's restricted LP (no pricing) from its parent's ``basis``: its value (an
        estimate of the child's bound) and whether the child is refuted (its Lagrangian
        bound at those duals above the target, or its bounds contradictory)."""
        import highspy

        if (bnd[0] > bnd[1]).any() or (bnd[2] > bnd[3]).any():
            return math.inf, True
        h = self.h
        self._sync(allowed, bnd)
        h.setBasis(basis)
        h.setOptionValue("simplex_iteration_limit", iterations)
        h.run()
        h.setOptionValue("simplex_iteration_limit", 2**31 - 1)
        status = h.getModelStatus()
        if status not in (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kIterationLimit,
        ):
            return -math.inf, False
        value = self.cg.const + h.getInfo().objective_function_value
        if value > self.target + 1e-6:
            lag = self._lagrangian(allowed, bnd, np.array(h.getSolution().row_dual))
            if lag > self.target + 1e-6:
                return math.inf, True
        return value, False

    def _children(self, allowed, bnd, x, depth: int = 0):
        """The children of a fractional node (the one to search first last). Strong
        branching while ``depth < self.sb_depth``: the ``self.sb_count`` most fractional
        dichotomies (``_candidates``) are each tried by the restricted LPs of both children,
        and the one with the largest product of the bound gains (each capped where it
        would refute the child) is taken; a child proven refuted is left out. Deeper: a
        fractional cover row's staffing while there is one, else the most fractional
        ``x[e, d, choice]``. The LP is left in another state: the caller restores it."""
        count = self.sb_count if depth < self.sb_depth else 1
        cands = self._candidates(x, count)
        if len(cands) == 1:
            return self._split(allowed, bnd, cands[0]), 0
        h = self.h
        basis = h.getBasis()
        parent = self.cg.const + h.getInfo().objective_function_value
        cap = max(self.target + 1e-6 - parent, 1e-6)
        best, best_score, best_dead = None, -1.0, ()
        for cand in cands:
            kids = self._split(allowed, bnd, cand, copy=True)
            gains, dead = [], []
            for i, (a, b) in enumerate(kids):
                value, refuted = self._probe(a, b, basis, self.sb_iterations)
                gains.append(min(max(value - parent, 0.0), cap))
                if refuted:
                    dead.append(i)
            score = max(gains[0], 1e-6 * cap) * max(gains[1], 1e-6 * cap)
            if score > best_score:
                best, best_score, best_dead = kids, score, dead
            if len(dead) == 2:
                break
        self.sb_nodes += 1
        self.sb_pruned += len(best_dead)
        return [kid for i, kid in enumerate(best) if i not in best_dead], len(best_dead)

    def run(self, out: Result, deadline: float, log=None) -> str:
        """Depth-first search of the tree: "refuted" (no roster of cost <= target),
        "found" (one offered to ``out``) or "time"."""
        n_k = len(self.cg.req)
        bnd = np.array([np.zeros(n_k), np.full(n_k, np.inf)] * 2)
        stack = [(np.ones(self.size, bool), bnd, 0, None)]
        self.done = 0.0  # share of the tree closed, each node weighing 2^-depth
        last = None  # the basis the LP holds (its parent's optimum), when it holds one
        sb_before = self.sb_nodes
        while stack:
            if time.perf_counter() > deadline:
                return "time"
            allowed, bnd, depth, basis = stack.pop()
            if basis is not None and basis is not last:
                # after a subtree the LP is far from this node: restart from its parent's
                # optimal basis (columns added since: nonbasic at 0)
                self._set_basis(basis)
            status, lb, info = self.node(allowed, bnd, deadline)
            last = None
            self.nodes += 1
            if log and self.nodes % 500 == 0:
                log(
                    f"B&P T={self.target:.0f}: {self.nodes} nodes, {len(stack)} open, "
                    f"{len(self.lp_pool)} LP columns, closed {self.done:.4f}"
                )
            if status == "refuted":
                self.done += 0.5**depth
            if status in ("time", "error"):
                return status
            if status == "integral":
                out.offer(*info, f"B&P T={self.target:.0f}")
                if out.value <= self.target:
                    return "found"
                continue  # cannot happen: an integral node costs <= target
            if status == "fractional":
                basis = last = self.h.getBasis()
                kids, n_dead = self._children(allowed, bnd, info, depth)
                if self.sb_nodes != sb_before:  # strong branching moved the LP
                    sb_before, last = self.sb_nodes, None
                self.done += n_dead * 0.5 ** (depth + 1)
                stack += [(*kid, depth + 1, basis) for kid in kids]
        return "refuted"

    def _set_basis(self, basis) -> None:
        """Give the LP ``basis`` (of an earlier LP: the columns added since at their lower
        bound)."""
        import highspy

        n_new = self.h.getNumCol() - len(basis.col_status)
        if n_new:
            full = highspy.HighsBasis()
            full.col_status = basis.col_status + [highspy.HighsBasisStatus.kLower] * n_new
            full.row_status = basis.row_status
            full.valid = True
            basis = full
        self.h.setBasis(basis)


def schedule_array(cg: ColumnGeneration, roster: list[list[str | None]]) -> np.ndarray:
    """Roster as type indices (employees x days, -1 = off)."""
    t_index = {t: i for i, t in enumerate(cg.types)}
    return np.array([[t_index[s] if s is not None else -1 for s in days] for days in roster])


def excess(cg: ColumnGeneration, sched: np.ndarray) -> np.ndarray:
    """Each employee's reduced cost (at ``cg.best_pi``) above its cheapest one."""
    rc = cg.req_cost - cg.best_pi
    e_idx, d_idx = np.nonzero(sched >= 0)
    total = np.zeros(cg.n_e)
    np.add.at(total, e_idx, rc[e_idx, d_idx, sched[e_idx, d_idx]])
    return total - cg.base


def subset_model(
    cg: ColumnGeneration, fix: Fixing, sched: np.ndarray, free: np.ndarray
) -> tuple[MipModel, np.ndarray] | None:
    """``network_model`` for the employees ``free``, the others fixed at ``sched``.

    A roster of cost <= ``fix.target`` equal to ``sched`` outside ``free`` has, by the
    identity of ``lagrangian_fixing``, the free employees' reduced costs above their
    cheapest at most ``fix.target - bound -`` (the fixed employees' excess): each free
    employee's graph is pruned by that (much smaller) slack, so every such roster is a
    solution of the model. With ``fix.target`` = the incumbent's cost, the incumbent is one.
    """
    n_d, n_t = cg.n_d, cg.n_t
    fixed = np.setdiff1d(np.arange(cg.n_e), free)
    slack = fix.target - cg.bound - excess(cg, sched)[fixed].sum()
    m = MipModel(f"{cg.inst.name}_subset")
    x = m.add_vars(free.size * n_d * n_t, ub=1.0, integer=True, name="x")
    x = x.reshape(free.size, n_d, n_t)
    for i, e in enumerate(free):
        if not employee_flow(m, cg.dps[e], cg.req_cost[e] - cg.best_pi, cg.base[e] + slack, x[i]):
            return None
    add_cover(m, cg, fix, sched, free, x)
    return m, x


def add_cover(
    m: MipModel, cg: ColumnGeneration, fix: Fixing, sched: np.ndarray, free: np.ndarray, x
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cover of a sub-model whose employees ``free`` move (flows ``x``, shape ``(free,
    days, shifts)``) and the others stay at ``sched``: the fixed employees' cost and ``cg.const``
    in ``m.offset``, the free employees' requirement costs, and per cover requirement an
    under and an over column (bounded by ``fix``) with the free employees' staffing plus the
    fixed ones' equal to the requirement. Returns ``(requirement costs of the free
    employees, under, over)``."""
    count = np.zeros((cg.n_d, cg.n_t))
    for e in np.setdiff1d(np.arange(cg.n_e), free):
        worked = np.flatnonzero(sched[e] >= 0)
        count[worked, sched[e, worked]] += 1
        m.offset += cg.req_cost[e, worked, sched[e, worked]].sum()
    m.offset += cg.const
    cost = cg.req_cost[free]
    for j in np.flatnonzero(cost):
        m.add_cost([x.ravel()[j]], cost.ravel()[j])
    n_k = len(cg.req)
    under = m.add_vars(n_k, ub=fix.under_max, cost=cg.w_under, name="under")
    over = m.add_vars(n_k, ub=fix.over_max, cost=cg.w_over, name="over")
    for k in range(n_k):
        d, t = cg.cover_dt[0][k], cg.cover_dt[1][k]
        cols = np.r_[x[:, d, t], under[k], over[k]]
        rhs = cg.req[k] - count[d, t]
        m.add_row(cols, np.r_[np.ones(free.size), 1.0, -1.0], rhs, rhs)
    return cost, under, over


def network_search(
    cg: ColumnGeneration,
    out: Result,
    settings: SolverSettings,
    deadline: float,
    size: int = 8,
    sub_limit_s: float = 15.0,
    max_cols: int = 60000,
    seed: int = 7,
    log=None,
) -> None:
    """Fix-and-optimise on ``subset_model``: re-solve ``size`` employees (drawn with
    weights their excess + 1, so the worst-placed ones more often), the rest fixed at the
    best roster; ``size`` grows after a sub-problem solved fast, shrinks after one that was
    stopped or too big. Improvements are offered to ``out`` (checked there)."""
    rng = np.random.default_rng(seed)
    tries = improved = 0
    while time.perf_counter() < deadline - 2.0 and not out.optimal:
        sched = schedule_array(cg, out.roster)
        fix = lagrangian_fixing(cg, out.value)
        weight = np.maximum(excess(cg, sched), 0.0) + 1.0
        k = min(size, cg.n_e)
        free = np.sort(rng.choice(cg.n_e, size=k, replace=False, p=weight / weight.sum()))
        built = subset_model(cg, fix, sched, free)
        if built is None:  # cannot happen: the incumbent is a solution
            raise RuntimeError("subset model lost the incumbent")
        model, x = built
        if model.n_cols > max_cols and size > 2:
            size -= 1
            continue
        xv = np.zeros(x.shape)
        for i, e in enumerate(free):
            worked = np.flatnonzero(sched[e] >= 0)
            xv[i, worked, sched[e, worked]] = 1.0
        limit = min(sub_limit_s, deadline - time.perf_counter() - 1.0)
        if limit < 1.0:
            break
        rep = solve_model(model, settings, time_limit_s=limit, start_values=(x.ravel(), xv.ravel()))
        tries += 1
        if rep.has_solution and rep.objective < out.value - 0.5:
            roster = [list(days) for days in out.roster]
            xs = np.round(rep.values[x]).astype(int)
            for i, e in enumerate(free):
                roster[e] = [
                    cg.types[int(xs[i, d].argmax())] if xs[i, d].any() else None
                    for d in range(cg.n_d)
                ]
            out.offer(roster, rep.objective, "network search")
            improved += 1
            if log:
                log(f"network search: {out.value} (size {k}, try {tries})")
        if rep.status == "optimal" and rep.seconds < sub_limit_s / 4:
            size = min(size + 1, cg.n_e)
        elif rep.status != "optimal":
            size = max(2, size - 1)
    out.notes.append(f"network search {improved}/{tries}, size {size}")


@dataclass
class Result:
    """Best checked roster of one run, and a valid lower bound with its source."""

    inst: Instance
    value: float = math.inf
    roster: list[list[str | None]] | None = None
    bound: float = -math.inf
    bound_from: str = "-"
    notes: list[str] = field(default_factory=list)

    def offer(self, roster: list[list[str | None]], solver_value: float, source: str) -> None:
        """Keep ``roster`` when it is better; it must break no hard rule, and its
        ``penalty`` (the reported objective) must not exceed the solver's objective."""
        bad = violations(self.inst, roster)
        value = penalty(self.inst, roster)
        if bad:
            raise RuntimeError(f"{source}: roster breaks hard rules: {bad[:3]}")
        tol = 1e-4 * max(1.0, abs(value))
        if value > solver_value + tol:  # the model would undercount the cost: a bug
            raise RuntimeError(f"{source}: penalty {value} > solver objective {solver_value}")
        if value < solver_value - tol:  # slack under and over on one cover row
            self.notes.append(f"{source}: penalty {value} < solver objective {solver_value}")
        if value < self.value:
            self.value, self.roster = value, roster
            self.notes.append(f"{source} {value}")

    def raise_bound(self, bound: float, source: str) -> None:
        """Record a valid lower bound, rounded up (objectives are integers)."""
        lb = math.ceil(bound - 1e-6)
        if lb > self.bound:
            self.bound, self.bound_from = lb, source

    @property
    def optimal(self) -> bool:
        return self.roster is not None and self.value <= self.bound


def roster_from_x(inst: Instance, values: np.ndarray, x: np.ndarray) -> list[list[str | None]]:
    """Roster (shift id or None per employee and day) from the ``x`` columns' values."""
    types = list(inst.shifts)
    xs = np.round(values[x]).astype(int)
    return [
        [types[int(xs[e, d].argmax())] if xs[e, d].any() else None for d in range(inst.days)]
        for e in range(len(inst.staff))
    ]


def solve_compact(
    inst: Instance,
    settings: SolverSettings,
    seconds: float,
    out: Result,
    first_share: float = 0.5,
    start: list[list[str | None]] | None = None,
) -> None:
    """The compact MIP (HiGHS) for ``seconds``: half the time for the full MIP, then a
    neighbourhood search (a quarter of the employees re-solved at a time, the rest fixed)
    from its solution. ``start`` (a roster) is passed to HiGHS as a starting solution."""
    t0 = time.perf_counter()
    model, x = build_model(inst)
    start_values = None
    if start is not None:
        types = list(inst.shifts)
        xv = np.zeros(x.shape)
        for e, days in enumerate(start):
            for d, s in enumerate(days):
                if s is not None:
                    xv[e, d, types.index(s)] = 1.0
        start_values = (x.ravel(), xv.ravel())
    rep = solve_model(
        model, settings, time_limit_s=first_share * seconds, start_values=start_values
    )
    if rep.has_solution and rep.status != "optimal":
        blocks = [x[e].ravel() for e in range(x.shape[0])]
        rep, improved, tries = neighbourhood_search(
            model,
            blocks,
            rep,
            settings,
            deadline=t0 + seconds,
            bound=rep.bound,
            size=max(2, len(blocks) // 4),
            sub_limit_s=20.0,
            max_stale=10**6,
        )
        out.notes.append(f"search {improved}/{tries}")
    elif not rep.has_solution:
        left = t0 + seconds - time.perf_counter()
        if left > 1.0:
            rep = solve_model(model, settings, time_limit_s=left)
    if rep.has_solution:
        out.offer(roster_from_x(inst, rep.values, x), rep.objective, "compact")
    if math.isfinite(rep.bound):
        out.raise_bound(rep.bound, "HiGHS (compact)")


def solve_cg(
    inst: Instance,
    settings: SolverSettings,
    seconds: float,
    out: Result,
    cg_share: float = 0.4,
    pool_share: float = 0.025,
    ladder_share: float = 0.6,
    rung_lp_s: float = 60.0,
    search_share: float = 0.5,
    dive_share: float = 0.15,
    bp_first_s: float = 60.0,
    bp_max_pool: int = 1_000_000,
    probe_cols: int = 0,
    probe_s: float = 15.0,
    search: str = "lns",
    log=None,
) -> None:
    """Column generation, then a ladder of cost targets; the compact MIP for what is left.

    1. Column generation (at most ``cg_share`` of the time): the Lagrangian bound.
    2. The IP over the generated columns (price-and-branch, ``pool_share``): an incumbent.
    2b. Diving on the LP (``dive``, at most ``dive_share``): an incumbent.
    3. Targets ``T = ceil(bound)``, then up by 1 (by twice the last step after a quick
       refutation) below the incumbent, until
       ``ladder_share`` of the time is spent: ``network_model(T)`` holds exactly the solutions
       of cost <= T. Infeasible proves the optimum > T; solved, its optimum is the
       instance's (proven); stopped, its bound ``b`` proves ``min(ceil(b), T + 1)``.
       Each rung is first searched by ``PoolBranchAndPrice`` when its pool has at most
       ``bp_max_pool`` schedules (``bp_first_s`` on every rung, or the last
       refutation's time if longer): exhausted, T is refuted; after a refutation a rung
       whose network model has at most ``probe_cols`` columns (none by default) first goes
       to HiGHS for ``probe_s``. Otherwise, HiGHS: the rung's LP is solved first, for at most
       ``rung_lp_s``: infeasible refutes T, its optimum is a bound, and unsolved in that
       time stops the ladder (the rung's MIP would not finish its root either).
    4. Unless proven optimal, a search from the best roster for ``search_share`` of the
       time left: ``search="lns"``, the large-neighbourhood search of
       ``curtois_qu_lns.lns``; ``"network"``, ``network_search`` (fix-and-optimise on
       employee subsets, their graphs pruned by the Lagrangian slack). Then the compact
       MIP from the best roster for the rest.
    """
    t0 = time.perf_counter()
    deadline = t0 + seconds

    def left(until: float = deadline) -> float:
        return until - time.perf_counter()

    cg = ColumnGeneration(inst)
    converged = cg.run(settings, t0 + cg_share * seconds)
    if math.isfinite(cg.bound):
        out.raise_bound(cg.bound, "CG LP" if converged else "CG Lagrangian")
    out.notes.append(f"CG {cg.bound:.2f} ({cg.iterations} it, {len(cg.columns)} cols)")
    if log:
        log(out.notes[-1])
    if cg.columns and left() > 1.0:  # price-and-branch: the IP over the columns
        rep = solve_model(
            cg.master(integer=True), settings, time_limit_s=min(pool_share * seconds, left())
        )
        if rep.has_solution:
            pick = [None] * cg.n_e
            for j in np.flatnonzero(rep.values[: len(cg.columns)] > 0.5):
                pick[cg.columns[j][0]] = cg.columns[j][1]
            roster = [[cg.types[t] if t >= 0 else None for t in s] for s in pick]
            out.offer(roster, rep.objective, "column IP")
    if cg.columns and dive_share > 0 and not out.optimal and left() > 1.0:
        scheds = dive(cg, settings, time.perf_counter() + dive_share * seconds, log)
        if scheds is not None:
            roster = [[cg.types[t] if t >= 0 else None for t in s] for s in scheds]
            out.offer(roster, penalty(inst, roster), "dive")
    ladder_end = t0 + ladder_share * seconds
    target, step = out.bound, 1
    bp_last = None  # seconds of the last branch-and-price refutation
    while (
        math.isfinite(cg.bound)
        and not out.optimal
        and target < out.value
        and left(ladder_end) > 1.0
    ):
        if bp_first_s > 0:  # branch-and-price on the rung first, when its pool is small
            t_bp = time.perf_counter()
            bp = PoolBranchAndPrice(cg, target, bp_max_pool)
            if bp.ok and bp_last is not None:
                # after a refutation the next target may hold the optimum, which the
                # depth-first search finds badly: a small rung goes to HiGHS first, briefly
                built = network_model(cg, lagrangian_fixing(cg, target))
                if built is not None and built[0].n_cols <= probe_cols:
                    rep = solve_model(built[0], settings, time_limit_s=min(probe_s, left()))
                    if log:
                        log(f"target {target}: HiGHS probe {rep.status} in {rep.seconds:.1f}s")
                    if rep.has_solution:
                        out.offer(
                            roster_from_x(inst, rep.values, built[1]),
                            rep.objective,
                            f"target {target}",
                        )
                    if rep.status == "optimal":
                        out.raise_bound(rep.objective, f"target ladder (T={target} solved)")
                        break
                    if rep.status == "infeasible":
                        out.raise_bound(target + 1, f"target ladder (T={target} infeasible)")
                        target = min(target + 1, out.value - 1)
                        continue
            if bp.ok:
                budget = max(bp_first_s, bp_last or 0.0)
                res = bp.run(out, min(ladder_end, time.perf_counter() + budget), log)
                t_bp = time.perf_counter() - t_bp
                if log:
                    log(
                        f"target {target}: branch-and-price {res}, pool {bp.size}, "
                        f"{bp.nodes} nodes, {t_bp:.1f}s (tree closed {bp.done:.3f})"
                    )
                out.notes.append(f"B&P T={target} {res} ({bp.nodes} nodes, {t_bp:.0f}s)")
                if res == "refuted":
                    out.raise_bound(target + 1, f"branch-and-price (T={target} refuted)")
                    bp_last = t_bp
                    step = step * 2 if t_bp < 0.01 * seconds else 1
                    target = min(target + step, out.value - 1)
                    continue
                if res == "found":  # a roster of cost <= target: the lowest target left
                    target = out.bound
                    continue
                if target > out.bound:  # a wide step stopped: back to the lowest target left
                    target, step = out.bound, 1
                    continue
            else:
                if log:
                    log(f"target {target}: pool over {bp_max_pool} schedules")
                if target > out.bound:  # a wide step too wide for the pool: the lowest left
                    target, step = out.bound, 1
                    continue
        t_build = time.perf_counter()
        built = network_model(cg, lagrangian_fixing(cg, target))
        t_build = time.perf_counter() - t_build
        if built is None:
            out.raise_bound(target + 1, f"target ladder (T={target} infeasible)")
            target = min(target + step, out.value - 1)
            continue
        model, x = built
        if log:
            log(
                f"target {target}: network model {model.n_cols} columns, {model.n_rows} rows, "
                f"built in {t_build:.1f}s"
            )
        # the rung's LP first, within ``rung_lp_s``: on the big instances HiGHS does not
        # finish it in minutes, and the time is better spent on the compact MIP
        lp = solve_model(
            model.relaxed(), settings, time_limit_s=min(rung_lp_s, max(1.0, left(ladder_end)))
        )
        if log:
            log(f"target {target}: LP {lp.status} {lp.objective:.3f} in {lp.seconds:.1f}s")
        if lp.status == "infeasible":
            rep = lp
        elif lp.status != "optimal":
            out.notes.append(f"ladder stopped: T={target} LP unsolved in {lp.seconds:.0f}s")
            break
        else:
            # every roster of cost <= T costs at least the LP optimum (<= T): a bound
            out.raise_bound(lp.objective, f"target ladder (T={target} LP)")
            if out.optimal or left(ladder_end) <= 1.0:
                break
            rep = solve_model(model, settings, time_limit_s=left(ladder_end))
        if log:
            log(f"target {target}: {rep.status} {rep.objective} bound {rep.bound:.2f}")
        if rep.has_solution:
            out.offer(roster_from_x(inst, rep.values, x), rep.objective, f"target {target}")
        if rep.status == "infeasible":
            out.raise_bound(target + 1, f"target ladder (T={target} infeasible)")
            # quick refutations: widen the step (each rung stays a valid bound)
            step = step * 2 if rep.seconds < 0.01 * seconds else 1
            target = min(target + step, out.value - 1)
        elif rep.status == "optimal":
            out.raise_bound(rep.objective, f"target ladder (T={target} solved)")
            break
        else:
            if math.isfinite(rep.bound):
                out.raise_bound(min(rep.bound, target + 1), f"target ladder (T={target} bound)")
            break
    if not out.optimal and out.roster is not None and search_share > 0 and left() > 10.0:
        until = time.perf_counter() + search_share * left()
        if search == "lns":
            import curtois_qu_lns  # imports this module: not at the top

            curtois_qu_lns.lns(inst, cg, out, settings, until, log=log)
        else:
            network_search(cg, out, settings, until, log=log)
    if not out.optimal and left() > 5.0:
        solve_compact(inst, settings, left(), out, start=out.roster)


def parse_range(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="1-12")
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--method",
        choices=("cg", "compact"),
        default="cg",
        help="cg: column generation + target ladder (+ compact MIP); compact: the compact MIP",
    )
    parser.add_argument(
        "--ladder-share",
        type=float,
        default=0.6,
        help="share of the time limit by which the target ladder stops (method cg)",
    )
    parser.add_argument(
        "--rung-lp-limit",
        type=float,
        default=60.0,
        help="seconds for a ladder rung's LP; unsolved by then, the ladder stops (method cg)",
    )
    parser.add_argument(
        "--search-share",
        type=float,
        default=0.5,
        help="share of the time left after the ladder for the search (method cg)",
    )
    parser.add_argument(
        "--search",
        choices=("lns", "network"),
        default="lns",
        help="the search after the ladder: the large-neighbourhood search of "
        "curtois_qu_lns.py or the older network search (method cg)",
    )
    parser.add_argument(
        "--bp-first",
        type=float,
        default=60.0,
        help="seconds for each rung's branch-and-price (or the last refutation's time if "
        "longer); 0: none, every rung to HiGHS (method cg)",
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found (the shared benchmark data sits beside the repo)")
        return 0
    best = {r["instance"]: r for r in csv.DictReader((DATA / "best_known.csv").open())}
    print(
        "| instance | staff x days x shifts | objective | best known | vs best | lower bound | "
        "bound from | status | time s |"
    )
    print("|---|---|---:|---:|---:|---:|---|---|---:|")
    for i in parse_range(args.instances):
        inst = read_instance(DATA / f"Instance{i}.txt")
        t0 = time.perf_counter()
        settings = SolverSettings(time_limit_s=args.time_limit, mip_gap=0.0, threads=args.threads)
        out = Result(inst)

        def log(text: str, t0=t0, name=inst.name) -> None:
            print(
                f"  [{name} {time.perf_counter() - t0:6.1f}s] {text}", file=sys.stderr, flush=True
            )

        if args.method == "cg":
            solve_cg(
                inst,
                settings,
                args.time_limit,
                out,
                ladder_share=args.ladder_share,
                rung_lp_s=args.rung_lp_limit,
                search_share=args.search_share,
                bp_first_s=args.bp_first,
                search=args.search,
                log=log if args.verbose else None,
            )
        else:
            solve_compact(inst, settings, args.time_limit, out)
        secs = time.perf_counter() - t0
        known = float(best[inst.name]["best_upper_bound"])
        if out.roster is None:
            obj, vs = "none", "-"
        else:
            obj, vs = f"{out.value:,.0f}", f"{(out.value - known) / known:+.2%}"
        lb = f"{out.bound:,.0f}" if math.isfinite(out.bound) else "-"
        status = "optimal" if out.optimal else ("time limit" if out.roster else "no solution")
        print(
            f"| {inst.name} | {len(inst.staff)} x {inst.days} x {len(inst.shifts)} | {obj} | "
            f"{known:,.0f} | {vs} | {lb} | {out.bound_from} | {status} | {secs:.0f} |",
            flush=True,
        )
        if args.verbose:
            log("; ".join(out.notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
