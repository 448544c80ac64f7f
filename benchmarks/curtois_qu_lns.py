"""Large-neighbourhood search (fix-and-optimise) for the Curtois & Qu instances.

A primal heuristic for ``benchmarks/curtois_qu.py``: from the best roster so far (the column
IP, the dive, the compact MIP), repeatedly free part of the roster (a set of employee x day
cells) and re-optimise it with the rest of the roster fixed. Neighbourhoods:

* ``days``: every employee over a window of consecutive days;
* ``pair``: every employee over two such windows (drawn independently);
* ``staff``: a few employees over the whole horizon;
* ``block``: more employees over half the horizon;
* ``skill``: the employees who can work one shift type (e.g. every night-capable employee)
  over a window.

With a column generation (``cq.ColumnGeneration``, its bound finite) a neighbourhood is
solved as ``window_model``: each employee with a free cell is a flow on its DP state graph
(``ScheduleDP.network``) with its fixed cells forced, pruned by the Lagrangian slack of the
target (as ``cq.subset_model``), plus ``cost <= target``; its LP is the Dantzig-Wolfe bound
of the neighbourhood, much stronger than the compact model's, and HiGHS solves a 14-day
window of instance 8 in seconds where the compact model takes 30-60 s. The target is the
incumbent's cost minus 1 (infeasible: no better roster there), lower while the incumbent
is far from the bound (aspiration), or the incumbent's cost with random tie-breaking costs
(a drift to another roster of the same cost). Without a column generation, the compact
model (``build_model``) over the free cells, started from the incumbent (``CompactSub``).

Every rule spanning a window's edges (consecutive shifts and days off, successions,
weekends, minutes, shift caps) is kept, since the fixed cells stay in both models.
Neighbourhood sizes adapt (larger after a quick answer, smaller after a stop on the time
limit), the kinds are drawn by their recent success, and windows and employees are drawn
with weights from the incumbent's penalties (requests missed, cover missed or exceeded) and
the employees' excess reduced cost.

Usage (from ``curtois_qu.py`` or a driver)::

    import curtois_qu_lns
    curtois_qu_lns.lns(inst, cg, out, settings, deadline, log=log)

Every improvement is offered to ``out`` (``Result.offer``: checked by ``violations`` and
``penalty``).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import curtois_qu as cq
from staffplan.scheduling.solver import highs_lp

KINDS = ("days", "pair", "staff", "block", "skill")


class CompactSub:
    """The compact model of an instance, kept as a HiGHS LP; ``solve`` re-optimises the
    cells ``free`` (employee x day) with every other cell fixed at a roster."""

    def __init__(self, inst: cq.Instance, settings, cg=None) -> None:
        import highspy

        self.hs = highspy
        self.inst = inst
        self.settings = settings
        self.types = list(inst.shifts)
        model, x = cq.build_model(inst)
        if cg is not None and math.isfinite(cg.bound):
            # Lagrangian cuts: at the CG duals, no schedule of an employee has a reduced
            # cost below its cheapest (exact pricing); with them the LP bound is >= CG's
            rc = cg.req_cost - cg.best_pi
            for e in range(len(inst.staff)):
                model.add_row(x[e].ravel(), rc[e].ravel(), cg.base[e] - 1e-6, math.inf)
        self.x = x  # (employees, days, types) column indices
        a = model.arrays()
        self.lp = highs_lp(model, a)
        self.lb0 = np.asarray(a["lb"], float)
        self.ub0 = np.asarray(a["ub"], float)

    def onehot(self, sched: np.ndarray) -> np.ndarray:
        """``x`` values (employees x days x types) of a roster given as type indices."""
        xv = np.zeros(self.x.shape)
        e_idx, d_idx = np.nonzero(sched >= 0)
        xv[e_idx, d_idx, sched[e_idx, d_idx]] = 1.0
        return xv

    def solve(
        self, sched: np.ndarray, free: np.ndarray, limit: float, cutoff: float | None = None
    ) -> tuple[str, float, np.ndarray | None, float]:
        """Re-optimise the cells ``free`` (bool, employees x days), the others fixed at
        ``sched``, from ``sched`` as the start. Returns (status, objective, new roster as
        type indices or None, seconds)."""
        hs = self.hs
        xv = self.onehot(sched)
        lo, hi = self.lb0.copy(), self.ub0.copy()
        fixed = ~free
        cols = self.x[fixed].ravel()
        lo[cols] = xv[fixed].ravel()
        hi[cols] = xv[fixed].ravel()
        self.lp.col_lower_ = lo
        self.lp.col_upper_ = hi
        h = hs.Highs()
        h.setOptionValue("output_flag", bool(getattr(self, "verbose", False)))
        h.setOptionValue("time_limit", float(max(limit, 0.2)))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("threads", int(self.settings.threads))
        h.setOptionValue("random_seed", 7)
        h.setOptionValue("mip_abs_gap", 0.99)  # objectives are integers
        for k, v in getattr(self, "options", {}).items():
            h.setOptionValue(k, v)
        if cutoff is not None:
            h.setOptionValue("objective_bound", float(cutoff))
        h.passModel(self.lp)
        if cutoff is None:
            idx = self.x.ravel()
            h.setSolution(len(idx), np.asarray(idx, np.int32), xv.ravel())
        t0 = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - t0
        info = h.getInfo()
        ms = h.getModelStatus()
        if info.primal_solution_status != 2:
            done = ms == hs.HighsModelStatus.kInfeasible
            return ("infeasible" if done else "none"), math.inf, None, seconds
        status = "optimal" if ms == hs.HighsModelStatus.kOptimal else "stopped"
        values = np.array(h.getSolution().col_value, float)
        xs = np.round(values[self.x]).astype(int)
        new = np.where(xs.any(axis=2), xs.argmax(axis=2), -1)
        return status, float(info.objective_function_value), new, seconds


def cell_penalty(inst: cq.Instance, sched: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per employee x day: request penalty paid; per day: cover penalty paid (under and
    over), with the under-staffing weight counted once per row (not per missing person)."""
    types = list(inst.shifts)
    t_index = {t: i for i, t in enumerate(types)}
    e_index = {s.sid: i for i, s in enumerate(inst.staff)}
    req = np.zeros(sched.shape)
    for e_id, d, t, w in inst.on_requests:
        e = e_index[e_id]
        if sched[e, d] != t_index[t]:
            req[e, d] += w
    for e_id, d, t, w in inst.off_requests:
        e = e_index[e_id]
        if sched[e, d] == t_index[t]:
            req[e, d] += w
    cover = np.zeros(inst.days)
    for d, t, need, w_under, w_over in inst.cover:
        n = int((sched[:, d] == t_index[t]).sum())
        if n < need:
            cover[d] += w_under / 10.0 * (need - n)
        elif n > need:
            cover[d] += w_over * (n - need)
    return req, cover


def to_roster(inst: cq.Instance, sched: np.ndarray) -> list[list[str | None]]:
    types = list(inst.shifts)
    return [[types[t] if t >= 0 else None for t in row] for row in sched]


def to_sched(inst: cq.Instance, roster: list[list[str | None]]) -> np.ndarray:
    t_index = {t: i for i, t in enumerate(inst.shifts)}
    return np.array([[t_index[s] if s is not None else -1 for s in days] for days in roster])


@dataclass
class LnsStats:
    """What the search did: moves per kind, improvements, the objective over time."""

    moves: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    gains: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    drifts: int = 0
    repeats: int = 0
    trace: list[tuple[float, int]] = field(default_factory=list)


class _Hoods:
    """Draws neighbourhoods (bool masks, employees x days) from the incumbent's penalties."""

    def __init__(self, inst: cq.Instance, cg, rng: np.random.Generator) -> None:
        self.inst, self.cg, self.rng = inst, cg, rng
        self.n_e, self.n_d = len(inst.staff), inst.days
        types = list(inst.shifts)
        self.can = np.array(
            [[st.max_shifts.get(t, self.n_d) > 0 for t in types] for st in inst.staff]
        )
        self.skill_types = [t for t in range(len(types)) if 1 < self.can[:, t].sum() < self.n_e]

    def weigh(self, sched: np.ndarray) -> None:
        req, cover = cell_penalty(self.inst, sched)
        self.emp_w = req.sum(axis=1) + 1.0
        if self.cg is not None:
            self.emp_w += np.maximum(cq.excess(self.cg, sched), 0.0)
        self.day_w = req.sum(axis=0) + cover + 1.0

    def window(self, width: int) -> np.ndarray:
        width = min(width, self.n_d)
        starts = np.arange(self.n_d - width + 1)
        w = np.array([self.day_w[s : s + width].sum() for s in starts])
        s = int(self.rng.choice(starts, p=w / w.sum()))
        return np.arange(s, s + width)

    def staff(self, k: int, pool: np.ndarray | None = None) -> np.ndarray:
        pool = np.arange(self.n_e) if pool is None else pool
        w = self.emp_w[pool]
        return self.rng.choice(pool, size=min(k, pool.size), replace=False, p=w / w.sum())

    def draw(self, kind: str, size: int) -> np.ndarray:
        free = np.zeros((self.n_e, self.n_d), bool)
        if kind == "days":
            free[:, self.window(size)] = True
        elif kind == "pair":  # two windows, apart: moves that trade between distant days
            free[:, self.window(size)] = True
            free[:, self.window(size)] = True
        elif kind == "staff":
            free[self.staff(size)] = True
        elif kind == "block":
            free[np.ix_(self.staff(size), self.window(max(7, self.n_d // 2)))] = True
        else:
            t = self.skill_types[self.rng.integers(len(self.skill_types))]
            free[np.ix_(np.flatnonzero(self.can[:, t]), self.window(size))] = True
        return free


def lns(
    inst: cq.Instance,
    cg,
    out,
    settings,
    deadline: float,
    log=None,
    seed: int = 7,
    sub_limit_s: float = 10.0,
    kinds: tuple[str, ...] = KINDS,
    aspire: float = 0.5,
    drift_after: int = 5,
) -> LnsStats:
    """Fix-and-optimise from ``out.roster`` until ``deadline`` (a ``time.perf_counter()``
    value) or ``out.optimal``; improving rosters are offered to ``out``.

    With ``cg`` (a ``ColumnGeneration`` with a finite bound) each neighbourhood is
    ``window_model`` at the target ``incumbent - 1`` (pruned DP graphs, strong LP): solved,
    an improvement; infeasible, none there. While the incumbent is more than 30 above the
    bound, a share ``aspire`` of the moves aims lower (a third of the way to the bound: the
    graphs are pruned harder). After ``drift_after`` moves without a gain, every other move
    is a drift: target the incumbent's cost, random tie-breaking costs, and the answer
    (of equal or lower cost) replaces the incumbent. Without ``cg``, the compact model over
    the free cells (``CompactSub``), started from the incumbent. With ``cg``, the whole
    roster refuted at ``incumbent - 1`` proves the incumbent optimal (``out.raise_bound``).
    Returns statistics.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    stats = LnsStats()
    use_cg = cg is not None and math.isfinite(cg.bound)
    sub = None if use_cg else CompactSub(inst, settings)
    n_e, n_d = len(inst.staff), inst.days
    if out.roster is None:  # no start: the compact MIP briefly
        cq.solve_compact(inst, settings, min(30.0, deadline - t0), out, first_share=1.0)
        if out.roster is None:
            return stats
    sched = to_sched(inst, out.roster)
    value = cq.penalty(inst, out.roster)
    stats.trace.append((0.0, value))
    hoods = _Hoods(inst, cg if use_cg else None, rng)
    # sizes: days per window (days, skill), employees (staff, block)
    size = {"days": 12, "pair": 7, "staff": 4, "block": 10, "skill": 10}
    lo_hi = {
        "days": (3, n_d),
        "pair": (2, n_d // 2),
        "staff": (2, n_e),
        "block": (3, n_e),
        "skill": (3, n_d),
    }
    score = {k: 1.0 for k in kinds if k != "skill" or hoods.skill_types}
    refuted: set[bytes] = set()  # neighbourhoods proven to hold no better roster
    stale = repeats = 0
    while not out.optimal:
        left = deadline - time.perf_counter()
        if left < 1.0:
            break
        hoods.weigh(sched)
        names = list(score)
        p = np.array([score[k] for k in names])
        kind = names[rng.choice(len(names), p=p / p.sum())]
        free = hoods.draw(kind, size[kind])
        target, noise = value - 1, None
        if use_cg and stale >= drift_after and rng.random() < 0.5:
            target, noise = value, rng
        elif use_cg and value - cg.bound > 30 and rng.random() < aspire:
            target = math.floor(cg.bound + (value - cg.bound) / 3)
        key = free.tobytes()
        if target == value - 1 and key in refuted:
            stats.repeats += 1
            repeats += 1
            if repeats > 500:  # every neighbourhood drawn is exhausted
                break
            if stats.repeats % 20 == 0:  # the sizes around here are exhausted: grow
                for k in size:
                    size[k] = min(size[k] + 1, lo_hi[k][1])
            continue
        repeats = 0
        stats.moves[kind] += 1
        sub_limit = min(sub_limit_s, left - 0.5)
        if use_cg:
            status, new, secs = _solve_window(cg, settings, target, sched, free, sub_limit, noise)
        else:
            status, _, new, secs = sub.solve(sched, free, sub_limit)
        gain = 0
        if new is not None:
            roster = to_roster(inst, new)
            pen = cq.penalty(inst, roster)
            if pen < value:
                gain = value - pen
                out.offer(roster, pen, f"lns {kind}")
                stats.gains[kind] += 1
                stats.trace.append((time.perf_counter() - t0, pen))
                if log:
                    log(f"lns: {pen} ({kind} size {size[kind]}, target {target}, {secs:.1f}s)")
            if pen <= value and not np.array_equal(new, sched):
                if cq.violations(inst, roster):  # cannot happen: the models keep every rule
                    raise RuntimeError(f"lns {kind}: roster breaks hard rules")
                stats.drifts += pen == value
                refuted.clear()
                sched, value = new, pen
        if target == value - 1 and status in ("optimal", "infeasible") and not gain:
            refuted.add(key)
            if use_cg and free.all():  # the whole roster: no roster of cost < value
                out.raise_bound(value, "lns (whole roster at incumbent - 1 infeasible)")
        score[kind] = 0.8 * score[kind] + 0.2 * (1.0 + 5.0 * (gain > 0))
        stale = 0 if gain else stale + 1
        lo, hi = lo_hi[kind]
        if status in ("optimal", "infeasible") and secs < sub_limit / 4:
            size[kind] = min(size[kind] + 1, hi)
        elif status not in ("optimal", "infeasible"):
            size[kind] = max(size[kind] - 1, lo)
    if log:
        log(
            f"lns: {value} after {sum(stats.moves.values())} moves {stats.moves}, "
            f"gains {stats.gains}, drifts {stats.drifts}, sizes {size}"
        )
    out.notes.append(f"lns {stats.gains} / {stats.moves}")
    return stats


def _solve_window(cg, settings, target, sched, free, limit, noise=None, cap=math.inf):
    """``window_model`` solved by ``solve_model`` from ``sched`` (when it is within the
    target): (status, roster as type indices or None, seconds). ``noise`` (a random
    generator): random costs below 1 in total on the free cells, to break ties at random."""
    t0 = time.perf_counter()
    built = window_model(cg, target, sched, free, cap)
    if built is None:
        return "infeasible", None, time.perf_counter() - t0
    model, x, movers = built
    start = None
    if noise is not None:
        cells = x[free[movers]].ravel()
        eps = noise.random(cells.size) * 0.9 / max(1, free.sum())
        for c, v in zip(cells, eps, strict=True):
            model.add_cost([c], float(v))
    if cq.penalty(cg.inst, to_roster(cg.inst, sched)) <= target:
        xv = np.zeros(x.shape)
        e_idx, d_idx = np.nonzero(sched[movers] >= 0)
        xv[e_idx, d_idx, sched[movers][e_idx, d_idx]] = 1.0
        start = (x.ravel(), xv.ravel())
    left = max(0.5, limit - (time.perf_counter() - t0))
    rep = cq.solve_model(model, settings, time_limit_s=left, start_values=start)
    secs = time.perf_counter() - t0
    if not rep.has_solution:
        return rep.status, None, secs
    xs = np.round(rep.values[x]).astype(int)
    new = sched.copy()
    new[movers] = np.where(xs.any(axis=2), xs.argmax(axis=2), -1)
    return rep.status, new, secs


def window_model(cg, target: float, sched: np.ndarray, free: np.ndarray, cap: float = math.inf):
    """Rosters of cost <= ``target`` equal to ``sched`` outside the cells ``free``.

    As ``cq.subset_model``: by the identity of ``cq.lagrangian_fixing``, such a roster has
    every employee's reduced cost (at the CG duals) within ``target - bound - excess of the
    untouched employees`` of its cheapest, so each employee with a free cell is a flow on its
    DP graph pruned by that slack, its fixed cells forced. Returns (model, x of the movers,
    movers) or None when the slack is negative or an employee has no schedule left.
    """
    n_d, n_t = cg.n_d, cg.n_t
    movers = np.flatnonzero(free.any(axis=1))
    fixed = np.setdiff1d(np.arange(cg.n_e), movers)
    slack = target - cg.bound - cq.excess(cg, sched)[fixed].sum()
    if slack < -1e-6:
        return None
    fix = cq.lagrangian_fixing(cg, target)
    rc = cg.req_cost - cg.best_pi
    m = cq.MipModel(f"{cg.inst.name}_window")
    x = m.add_vars(movers.size * n_d * n_t, ub=1.0, integer=True, name="x")
    x = x.reshape(movers.size, n_d, n_t)
    for i, e in enumerate(movers):
        cost = rc[e].copy()
        off = np.zeros(n_d)
        for d in np.flatnonzero(~free[e]):
            t = sched[e, d]
            keep = cost[d, t] if t >= 0 else 0.0
            cost[d] = np.inf
            if t >= 0:
                cost[d, t] = keep
                off[d] = np.inf
        limit = cg.base[e] + min(slack, cap) + 1e-6
        if not cq.employee_flow(m, cg.dps[e], cost, limit, x[i], off_cost=off):
            return None
    cost, under, over = cq.add_cover(m, cg, fix, sched, movers, x)
    w = np.r_[cost.ravel(), cg.w_under, cg.w_over]
    cols = np.r_[x.ravel(), under, over]
    nz = w != 0
    m.add_row(cols[nz], w[nz], -math.inf, target - m.offset + 1e-6)
    return m, x, movers
