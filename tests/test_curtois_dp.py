"""Soundness of ``ScheduleDP`` (benchmarks/curtois_qu.py) against brute force.

The target ladder's refutations ("no roster of cost <= T") are only valid if the DP keeps
every feasible schedule of an employee, and its optimum only if it keeps no infeasible one.
Here every assignment of shift-or-off per day is enumerated on tiny horizons and checked by
``rule_breaks`` below, written from the instance definition independently of the DP (and of
the benchmark's own ``violations``, which it is also compared with). Then:

* ``ScheduleDP.solve`` returns the brute-force minimum for random per-day costs (reduced
  costs at random cover duals on the real instances), and a schedule that is feasible and
  costs that much;
* the paths of ``ScheduleDP.network(cost, limit)`` (the graph the network model flows on),
  with the shift-type caps the network model adds as rows, hold every feasible schedule of
  cost <= limit and only feasible schedules, each once (a path may cost more than the
  limit: pruning keeps an arc when the cheapest path through it is within the limit, and
  the network model's ``cost <= T`` row does the rest); with no limit, exactly the
  feasible schedules;
* on a tiny roster problem the whole ladder agrees with the brute-force optimum: every
  target below it is refuted, the optimum's target is solved to it.

Hand-made instances need no shared data; the real instances (truncated) are skipped when
``../shared/benchmarks/scheduling/curtois_qu_instances1_24`` is absent.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "curtois_qu_bench", ROOT / "benchmarks/curtois_qu.py"
)
cq = importlib.util.module_from_spec(_spec)
sys.modules["curtois_qu_bench"] = cq  # dataclasses look their module up
_spec.loader.exec_module(cq)

Instance, Staff = cq.Instance, cq.Staff


# --- the rules, from the instance definition ------------------------------------------


def rule_breaks(inst: Instance, st: Staff, sched: tuple[int, ...]) -> list[str]:
    """Hard rules that ``sched`` (type index per day, -1 = off) breaks for employee ``st``.

    Fixed days off; max shifts per type; min/max total minutes; forbidden successions; max
    consecutive shifts; min consecutive shifts and min consecutive days off for blocks that
    touch neither end of the horizon; max weekends (Saturday = day 5 of each week, Sunday =
    day 6; a weekend is worked when either day is).
    """
    types = list(inst.shifts)
    n_d = len(sched)
    out = []
    for d in inst.days_off.get(st.sid, []):
        if sched[d] >= 0:
            out.append("day off")
    for i, t in enumerate(types):
        if sum(s == i for s in sched) > st.max_shifts.get(t, n_d):
            out.append("max shifts")
    minutes = sum(inst.shifts[types[s]] for s in sched if s >= 0)
    if minutes < st.min_minutes or minutes > st.max_minutes:
        out.append("minutes")
    for d in range(n_d - 1):
        a, b = sched[d], sched[d + 1]
        if a >= 0 and b >= 0 and types[b] in inst.forbidden[types[a]]:
            out.append("succession")
    d = 0
    while d < n_d:  # maximal blocks of work / days off
        e = d
        while e + 1 < n_d and (sched[e + 1] >= 0) == (sched[d] >= 0):
            e += 1
        length, inside = e - d + 1, d > 0 and e < n_d - 1
        if sched[d] >= 0:
            if length > st.max_consecutive:
                out.append("max consecutive")
            if inside and length < st.min_consecutive:
                out.append("min consecutive")
        elif inside and length < st.min_days_off:
            out.append("min days off")
        d = e + 1
    worked = sum(sched[7 * w + 5] >= 0 or sched[7 * w + 6] >= 0 for w in range(n_d // 7))
    if worked > st.max_weekends:
        out.append("weekends")
    return out


def feasible_schedules(inst: Instance, st: Staff) -> np.ndarray:
    """Every feasible schedule of ``st`` (rows), by enumeration; checked against
    ``violations`` of the benchmark on a one-employee copy of the instance."""
    types = list(inst.shifts)
    one = Instance(inst.name, inst.days, inst.shifts, inst.forbidden, [st], inst.days_off)
    keep = []
    for k, sched in enumerate(itertools.product(range(-1, len(types)), repeat=inst.days)):
        ok = not rule_breaks(inst, st, sched)
        if k % 7 == 0 or ok:  # a sample of the infeasible ones, all the feasible ones
            roster = [[types[s] if s >= 0 else None for s in sched]]
            assert (not cq.violations(one, roster)) == ok, (sched, rule_breaks(inst, st, sched))
        if ok:
            keep.append(sched)
    return np.array(keep, int).reshape(-1, inst.days)


def schedule_costs(scheds: np.ndarray, cost: np.ndarray, off_cost: np.ndarray) -> np.ndarray:
    days = np.arange(scheds.shape[1])
    work = np.where(scheds >= 0, cost[days, np.maximum(scheds, 0)], 0.0)
    return work.sum(axis=1) + np.where(scheds < 0, off_cost[days], 0.0).sum(axis=1)


def network_paths(dp, cost: np.ndarray, limit: float, off_cost: np.ndarray) -> list[tuple]:
    """Every source-to-last-day path of ``dp.network`` as a schedule."""
    tail, head, day, choice, n_nodes = dp.network(cost, limit, off_cost)
    out_arcs: dict[int, list[tuple[int, int]]] = {}
    for a, b, c in zip(tail.tolist(), head.tolist(), choice.tolist(), strict=True):
        out_arcs.setdefault(a, []).append((b, c))
    last = {int(h) for h, d in zip(head, day, strict=True) if d == dp.n_d - 1}
    paths: list[tuple] = []

    def walk(node: int, prefix: tuple) -> None:
        if len(prefix) == dp.n_d:
            assert node in last
            paths.append(prefix)
            return
        for nxt, c in out_arcs.get(node, []):
            walk(nxt, (*prefix, c))

    walk(-1, ())
    return paths


def check_employee(inst: Instance, st: Staff, rng: np.random.Generator, trials: int = 4) -> None:
    """DP optimum and network paths against brute force, for random costs."""
    scheds = feasible_schedules(inst, st)
    n_t = len(inst.shifts)
    caps = [st.max_shifts.get(t, inst.days) for t in inst.shifts]
    dp = cq.ScheduleDP(inst, st)
    for t in range(n_t):  # a capped type made attractive: the DP must start tracking it
        if 0 < caps[t] < inst.days:
            cost = np.round(rng.normal(0.0, 1.0, (inst.days, n_t)), 2)
            cost[:, t] -= 10.0
            value, sched = dp.solve(cost)
            if scheds.shape[0]:
                best = schedule_costs(scheds, cost, np.zeros(inst.days)).min()
                assert value == pytest.approx(best, abs=1e-7), "DP optimum (cap)"
                assert not rule_breaks(inst, st, tuple(sched)), "DP schedule infeasible (cap)"
    for trial in range(trials):
        cost = np.round(rng.normal(0.0, 3.0, (inst.days, n_t)), 2)
        off_cost = np.round(rng.normal(0.0, 1.0, inst.days), 2) if trial % 2 else None
        off = np.zeros(inst.days) if off_cost is None else off_cost
        # (b) first, on a fresh DP (no cap tracked yet), then after solve has tracked some
        for fresh in (True, False):
            if not fresh:
                value, sched = dp.solve(cost, off_cost)
                if scheds.shape[0] == 0:
                    assert sched is None and value == math.inf
                    continue
                every = schedule_costs(scheds, cost, off)
                assert value == pytest.approx(every.min(), abs=1e-7), "DP optimum"
                assert not rule_breaks(inst, st, tuple(sched)), "DP schedule infeasible"
                assert schedule_costs(sched[None], cost, off)[0] == pytest.approx(value)
            if scheds.shape[0] == 0:
                continue
            every = schedule_costs(scheds, cost, off)
            limits = (float(np.quantile(every, 0.3)), 1e9)
            for limit in limits:
                net = dp if not fresh else cq.ScheduleDP(inst, st)
                paths = network_paths(net, cost, limit, off_cost)
                kept = {
                    p for p in paths if all(sum(s == i for s in p) <= caps[i] for i in range(n_t))
                }
                assert len(paths) == len(set(paths)), "a schedule on two paths"
                want = {tuple(s) for s in scheds[every <= limit + 1e-9].tolist()}
                assert want <= kept, ("schedule lost", sorted(want - kept)[:3])
                extra = kept - {tuple(s) for s in scheds.tolist()}
                assert not extra, ("infeasible path", sorted(extra)[:3])
                if limit >= 1e9:
                    assert kept == want


# --- hand-made instances: each rule binding ---------------------------------------------


def make(days, shifts, forbidden, staff, days_off=None) -> Instance:
    return Instance("hand", days, shifts, forbidden, staff, days_off or {})


HAND = {
    # one type, two weeks: max/min consecutive, min days off, max weekends, minutes
    "weekends": make(
        14,
        {"D": 480},
        {"D": []},
        [
            Staff("A", {"D": 14}, 8 * 480, 6 * 480, 4, 2, 2, 1),
            Staff("B", {"D": 14}, 10 * 480, 4 * 480, 4, 2, 1, 0),
        ],
        {"A": [3], "B": [0, 9]},
    ),
    # three types of different lengths: successions, caps (one zero), minutes by length
    "types": make(
        7,
        {"E": 480, "L": 600, "N": 720},
        {"E": [], "L": ["E"], "N": ["E", "L"]},
        [
            Staff("A", {"E": 7, "L": 2, "N": 1}, 3600, 1800, 4, 2, 2, 1),
            Staff("B", {"E": 3, "L": 0, "N": 7}, 4800, 1440, 7, 1, 1, 0),
        ],
        {"A": [6]},
    ),
    # two types of one length, a cap close to the most shifts: tracked by the other count
    "other": make(
        8,
        {"D": 480, "N": 480},
        {"D": [], "N": ["D"]},
        [
            Staff("A", {"D": 8, "N": 5}, 6 * 480, 3 * 480, 8, 1, 1, 1),
            Staff("B", {"D": 2, "N": 8}, 5 * 480, 4 * 480, 5, 2, 2, 0),
        ],
    ),
    # long minimum blocks, fixed days off, a horizon that is not whole weeks
    "blocks": make(
        9,
        {"E": 480, "L": 480},
        {"E": [], "L": ["E"]},
        [
            Staff("A", {"E": 9, "L": 9}, 7 * 480, 3 * 480, 5, 3, 3, 1),
            Staff("B", {"E": 9, "L": 4}, 6 * 480, 2 * 480, 4, 2, 3, 0),
        ],
        {"A": [4], "B": [2, 8]},
    ),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_dp_matches_brute_force_hand_made(name):
    inst = HAND[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    for st in inst.staff:
        assert feasible_schedules(inst, st).shape[0] > 0
        check_employee(inst, st, rng)


def test_rules_bind_in_hand_made():
    """Each rule cuts some schedule that the others allow (the tests above exercise it)."""
    seen = set()
    for inst in HAND.values():
        for st in inst.staff:
            for sched in itertools.product(range(-1, len(inst.shifts)), repeat=inst.days):
                breaks = rule_breaks(inst, st, sched)
                if len(breaks) == 1:
                    seen.add(breaks[0])
    assert seen >= {
        "day off",
        "max shifts",
        "minutes",
        "succession",
        "max consecutive",
        "min consecutive",
        "min days off",
        "weekends",
    }


def test_infeasible_employee():
    inst = make(7, {"D": 480}, {"D": []}, [Staff("A", {"D": 7}, 480, 480, 1, 1, 7, 0)], {})
    inst.days_off["A"] = [0, 1, 2, 3, 4]  # the one shift must fall on the weekend: no
    st = inst.staff[0]
    assert feasible_schedules(inst, st).shape[0] == 0
    value, sched = cq.ScheduleDP(inst, st).solve(np.zeros((7, 1)))
    assert value == math.inf and sched is None


# --- real instances, truncated ------------------------------------------------------------


def truncate(inst: Instance, days: int, staff: list[int]) -> Instance:
    """The first ``days`` days of ``inst`` for some staff; minutes and caps scaled down."""
    f = days / inst.days
    keep = [inst.staff[i] for i in staff]
    new_staff = [
        Staff(
            s.sid,
            {t: min(c, math.ceil(c * f)) for t, c in s.max_shifts.items()},
            math.ceil(s.max_minutes * f),
            math.floor(s.min_minutes * f),
            s.max_consecutive,
            s.min_consecutive,
            s.min_days_off,
            s.max_weekends if days >= 14 else 0,
        )
        for s in keep
    ]
    ids = {s.sid for s in keep}
    return Instance(
        inst.name,
        days,
        inst.shifts,
        inst.forbidden,
        new_staff,
        {e: [d for d in v if d < days] for e, v in inst.days_off.items() if e in ids},
        [r for r in inst.on_requests if r[1] < days and r[0] in ids],
        [r for r in inst.off_requests if r[1] < days and r[0] in ids],
        [c for c in inst.cover if c[0] < days],
    )


@pytest.mark.skipif(not cq.DATA.exists(), reason="shared Curtois & Qu data not present")
@pytest.mark.parametrize(
    ("number", "days", "staff"),
    [(1, 14, range(8)), (3, 7, (0, 7, 14)), (9, 6, (0, 12, 30)), (12, 4, (0, 30, 59))],
)
def test_dp_matches_brute_force_real(number, days, staff):
    full = cq.read_instance(cq.DATA / f"Instance{number}.txt")
    inst = truncate(full, days, list(staff))
    rng = np.random.default_rng(number)
    req_cost, _ = cq.request_costs(inst)
    for e, st in enumerate(inst.staff):
        scheds = feasible_schedules(inst, st)
        dp = cq.ScheduleDP(inst, st)
        for _ in range(3):  # reduced costs at random cover duals, as in pricing
            cost = req_cost[e] - np.round(rng.uniform(-5, 5, (days, len(inst.shifts))), 1)
            value, sched = dp.solve(cost)
            if scheds.shape[0] == 0:
                assert sched is None
                continue
            assert value == pytest.approx(schedule_costs(scheds, cost, np.zeros(days)).min())
            assert not rule_breaks(inst, st, tuple(sched))
        if number == 1 or e == 0:
            check_employee(inst, st, rng, trials=2)


# --- the ladder on a tiny roster problem ---------------------------------------------------


def tiny_roster_instance() -> Instance:
    inst = make(
        7,
        {"E": 480, "L": 480},
        {"E": [], "L": ["E"]},
        [
            Staff("A", {"E": 7, "L": 7}, 4 * 480, 3 * 480, 3, 2, 2, 0),
            Staff("B", {"E": 7, "L": 2}, 5 * 480, 4 * 480, 4, 2, 1, 1),
            Staff("C", {"E": 3, "L": 7}, 4 * 480, 2 * 480, 3, 1, 2, 1),
        ],
        {"A": [2], "C": [5]},
    )
    inst.on_requests = [("A", 0, "E", 2), ("B", 5, "L", 3), ("C", 1, "L", 1)]
    inst.off_requests = [("B", 3, "E", 2), ("C", 6, "L", 2)]
    rng = np.random.default_rng(3)
    for d in range(7):
        for t in ("E", "L"):
            inst.cover.append((d, t, int(rng.integers(0, 3)), 10, int(rng.integers(1, 4))))
    return inst


def brute_force_optimum(inst: Instance) -> int:
    sets = [feasible_schedules(inst, st) for st in inst.staff]
    best = math.inf
    types = list(inst.shifts)
    for combo in itertools.product(*sets):
        roster = [[types[s] if s >= 0 else None for s in sched] for sched in combo]
        best = min(best, cq.penalty(inst, roster))
    return int(best)


def test_ladder_matches_brute_force_optimum():
    inst = tiny_roster_instance()
    opt = brute_force_optimum(inst)
    settings = cq.SolverSettings(time_limit_s=20, mip_gap=0.0, threads=1)
    cg = cq.ColumnGeneration(inst)
    assert cg.run(settings, cq.time.perf_counter() + 20)
    assert cg.bound <= opt + 1e-6
    for target in range(math.ceil(cg.bound - 1e-6), opt + 1):
        built = cq.network_model(cg, cq.lagrangian_fixing(cg, target))
        if target < opt:
            if built is not None:
                rep = cq.solve_model(built[0], settings, time_limit_s=20)
                assert rep.status == "infeasible", (target, opt, rep.status)
        else:
            assert built is not None
            rep = cq.solve_model(built[0], settings, time_limit_s=20)
            assert rep.status == "optimal"
            assert rep.objective == pytest.approx(opt)
            roster = cq.roster_from_x(inst, rep.values, built[1])
            assert not cq.violations(inst, roster)
            assert cq.penalty(inst, roster) == opt
    out = cq.Result(inst)
    cq.solve_cg(inst, settings, 20.0, out)
    assert out.optimal and out.value == opt


def test_subset_model_matches_brute_force():
    """Fix-and-optimise sub-problems: the optimum over the free employees, the others fixed
    at a roster, equals brute force (the Lagrangian pruning keeps every improving roster)."""
    inst = tiny_roster_instance()
    settings = cq.SolverSettings(time_limit_s=20, mip_gap=0.0, threads=1)
    cg = cq.ColumnGeneration(inst)
    assert cg.run(settings, cq.time.perf_counter() + 20)
    types = list(inst.shifts)
    sets = [feasible_schedules(inst, st) for st in inst.staff]
    rng = np.random.default_rng(5)
    for _ in range(3):
        start = [s[rng.integers(len(s))] for s in sets]
        roster = [[types[v] if v >= 0 else None for v in row] for row in start]
        value = cq.penalty(inst, roster)
        sched = cq.schedule_array(cg, roster)
        assert (cq.excess(cg, sched) >= -1e-7).all()
        for free in ([0], [1, 2], [0, 2]):
            best = math.inf
            for combo in itertools.product(*[sets[e] for e in free]):
                trial = [list(row) for row in roster]
                for e, row in zip(free, combo, strict=True):
                    trial[e] = [types[v] if v >= 0 else None for v in row]
                best = min(best, cq.penalty(inst, trial))
            fix = cq.lagrangian_fixing(cg, value)
            model, _ = cq.subset_model(cg, fix, sched, np.array(free))
            rep = cq.solve_model(model, settings, time_limit_s=20)
            assert rep.status == "optimal"
            assert rep.objective == pytest.approx(best)
    out = cq.Result(inst)
    out.offer(roster, value, "start")
    cq.network_search(cg, out, settings, cq.time.perf_counter() + 3.0, size=2)
    assert out.value <= value


def test_dive_gives_a_roster():
    inst = tiny_roster_instance()
    settings = cq.SolverSettings(time_limit_s=20, mip_gap=0.0, threads=1)
    cg = cq.ColumnGeneration(inst)
    assert cg.run(settings, cq.time.perf_counter() + 20)
    scheds = cq.dive(cg, settings, cq.time.perf_counter() + 20)
    assert scheds is not None
    types = list(inst.shifts)
    roster = [[types[t] if t >= 0 else None for t in s] for s in scheds]
    assert not cq.violations(inst, roster)
    assert cq.penalty(inst, roster) >= brute_force_optimum(inst)


# --- branch-and-price on the pool of a target ------------------------------------------------


@pytest.mark.parametrize("name", sorted(HAND))
def test_enumerate_schedules_matches_brute_force(name):
    """The pool of branch-and-price: exactly the feasible schedules of cost <= limit."""
    inst = HAND[name]
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    n_t = len(inst.shifts)
    for st in inst.staff:
        scheds = feasible_schedules(inst, st)
        for _ in range(3):
            cost = np.round(rng.normal(0.0, 3.0, (inst.days, n_t)), 2)
            every = schedule_costs(scheds, cost, np.zeros(inst.days))
            for q in (0.0, 0.3, 1.0):
                limit = float(np.quantile(every, q))
                got = cq.enumerate_schedules(cq.ScheduleDP(inst, st), cost, limit, 10**6)
                want = {tuple(s) for s in scheds[every <= limit + 1e-9].tolist()}
                assert len(got) == len({tuple(s) for s in got.tolist()})
                assert {tuple(s) for s in got.tolist()} == want


def roster_instance(seed: int) -> Instance:
    """``tiny_roster_instance`` with random cover and requests; seeds 2 and 4 have an
    integrality gap (the optimum is above the rounded-up LP bound: targets to refute)."""
    inst = tiny_roster_instance()
    rng = np.random.default_rng(seed)
    inst.cover = [
        (d, t, int(rng.integers(0, 3)), int(rng.integers(5, 30)), int(rng.integers(1, 4)))
        for d in range(7)
        for t in ("E", "L")
    ]
    draw = [(e, t) for e in "ABC" for t in ("E", "L")]
    inst.on_requests = [
        (e, int(rng.integers(7)), t, int(rng.integers(1, 4))) for e, t in draw if rng.random() < 0.7
    ]
    inst.off_requests = [
        (e, int(rng.integers(7)), t, int(rng.integers(1, 4))) for e, t in draw if rng.random() < 0.7
    ]
    return inst


SB_SETTINGS = {
    "default": {},
    "no strong branching": {"sb_count": 1},
    "strong branching everywhere": {"sb_count": 12, "sb_depth": 1000, "sb_iterations": 3},
}


@pytest.mark.parametrize("sb", sorted(SB_SETTINGS))
@pytest.mark.parametrize("seed", [0, 1, 2, 4])
def test_branch_and_price_matches_brute_force(seed, sb):
    """Every target below the brute-force optimum is refuted by branch-and-price, and the
    optimum's target gives a roster of that cost (checked by ``Result.offer``); with and
    without strong branching (whose probes may refute children: iteration-limited probes
    give other duals, hence other Lagrangian bounds)."""
    inst = roster_instance(seed)
    opt = brute_force_optimum(inst)
    settings = cq.SolverSettings(time_limit_s=20, mip_gap=0.0, threads=1)
    cg = cq.ColumnGeneration(inst)
    assert cg.run(settings, cq.time.perf_counter() + 20)
    out = cq.Result(inst)
    if seed in (2, 4):
        assert math.ceil(cg.bound - 1e-6) < opt
    for target in range(math.ceil(cg.bound - 1e-6), opt + 1):
        bp = cq.PoolBranchAndPrice(cg, target, **SB_SETTINGS[sb])
        assert bp.ok
        res = bp.run(out, cq.time.perf_counter() + 30)
        assert res == ("refuted" if target < opt else "found"), (target, opt, res)
        if sb == "no strong branching":
            assert bp.sb_nodes == 0
    assert out.value == opt
    assert not cq.violations(inst, out.roster)


@pytest.mark.skipif(not cq.DATA.exists(), reason="shared Curtois & Qu data not present")
@pytest.mark.parametrize("sb", sorted(SB_SETTINGS))
def test_branch_and_price_instance1_matches_compact_mip(sb):
    """Instance 1 (8 x 14, CG bound 558, optimum 607): deeper trees than the 3-employee
    rosters, where strong branching refutes children. Every target from the rounded-up
    bound to 606 is refuted, and 607 gives a roster of 607, which the compact MIP (a
    model independent of the DP and the pool) proves optimal."""
    inst = cq.read_instance(cq.DATA / "Instance1.txt")
    settings = cq.SolverSettings(time_limit_s=60, mip_gap=0.0, threads=1)
    model, _ = cq.build_model(inst)
    rep = cq.solve_model(model, settings, time_limit_s=60)
    assert rep.status == "optimal"
    opt = round(rep.objective)
    assert opt == 607
    cg = cq.ColumnGeneration(inst)
    assert cg.run(settings, cq.time.perf_counter() + 20)
    out = cq.Result(inst)
    pruned = 0
    for target in range(math.ceil(cg.bound - 1e-6), opt + 1):
        bp = cq.PoolBranchAndPrice(cg, target, **SB_SETTINGS[sb])
        assert bp.ok
        res = bp.run(out, cq.time.perf_counter() + 60)
        assert res == ("refuted" if target < opt else "found"), (target, opt, res)
        pruned += bp.sb_pruned
    assert out.value == opt
    assert not cq.violations(inst, out.roster)
    assert (pruned > 0) == (sb != "no strong branching")
