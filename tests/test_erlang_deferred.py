"""Deferred work (email): the earliest-deadline greedy against hand work, brute force and a MILP."""

from __future__ import annotations

import itertools

import numpy as np
import pulp
import pytest

from staffplan.erlang import required_agents_deferred


def hall_feasible(work, windows, capacity):
    """Independent feasibility test (Hall / Gale): every set of arrival intervals must fit in
    the capacity of the union of their windows. Exponential, for tiny cases only."""
    items = [i for i, w in enumerate(work) if w > 0]
    for r in range(1, len(items) + 1):
        for subset in itertools.combinations(items, r):
            slots = set().union(*(windows[i] for i in subset))
            if sum(work[i] for i in subset) > sum(capacity[j] for j in slots) + 1e-9:
                return False
    return True


def windows_of(t_len, d, is_open, carry_over=False):
    out = []
    for i in range(t_len):
        out.append({j for j in range(i, min(i + d, t_len)) if is_open[j]})
    return out


def test_hand_worked_case():
    # 15-minute intervals, 2-hour deadline (8 intervals), AHT 450 s (half an interval).
    # 20 items at 8:00 = 10 agent-intervals, due by the end of interval 7; nothing else.
    arrivals = np.zeros(12)
    arrivals[0] = 20
    got = required_agents_deferred(arrivals, 450.0, 900.0, 7200.0)
    expected = np.zeros(12, dtype=int)
    expected[7] = 10  # the greedy staffs as late as possible
    assert got.tolist() == expected.tolist()
    # at 80% occupancy: 10 / 0.8 = 12.5 -> 13 agents
    got = required_agents_deferred(arrivals, 450.0, 900.0, 7200.0, max_occupancy=0.8)
    assert got.sum() == 13
    # a steady flow: 4 items per interval, 1-interval deadline -> 2 agents every interval
    assert required_agents_deferred(np.full(5, 4.0), 450.0, 900.0, 900.0).tolist() == [2] * 5
    # closed intervals: work arriving while closed is done at the next open interval in time
    is_open = np.array([False, False, True, True])
    got = required_agents_deferred([2.0, 2.0, 0.0, 0.0], 900.0, 900.0, 2700.0, is_open)
    # items of interval 0 are due at 2 (its last open interval), those of interval 1 at 3
    assert got.tolist() == [0, 0, 2, 2]


def test_brute_force_tiny_cases():
    rng = np.random.default_rng(7)
    for case in range(60):
        t_len = int(rng.integers(3, 6))
        d = int(rng.integers(1, 4))
        is_open = rng.random(t_len) < 0.75
        arrivals = rng.integers(0, 4, t_len).astype(float)
        occ = float(rng.choice([1.0, 0.8, 0.5]))
        wins = windows_of(t_len, d, is_open)
        if any(arrivals[i] > 0 and not wins[i] for i in range(t_len)):
            with pytest.raises(ValueError, match="Infeasible"):
                required_agents_deferred(
                    arrivals, 600.0, 900.0, d * 900.0, is_open, max_occupancy=occ
                )
            continue
        work = arrivals * 600.0 / 900.0
        got = required_agents_deferred(
            arrivals, 600.0, 900.0, d * 900.0, is_open, max_occupancy=occ
        )
        assert np.all(got[~is_open] == 0)
        assert hall_feasible(work, wins, got * occ), (case, got)
        best = None
        open_idx = np.flatnonzero(is_open)
        top = int(np.ceil(work.sum() / occ)) + 1
        for combo in itertools.product(range(top + 1), repeat=len(open_idx)):
            if best is not None and sum(combo) >= best:
                continue
            cap = np.zeros(t_len)
            cap[open_idx] = np.array(combo) * occ
            if hall_feasible(work, wins, cap):
                best = sum(combo)
        assert got.sum() == best, (case, arrivals, is_open, d, occ, got)


def milp_minimum(work, d, is_open, occ):
    t_len = len(work)
    prob = pulp.LpProblem("deferred", pulp.LpMinimize)
    c = [prob.add_variable(f"c{j}", 0, cat="Integer") for j in range(t_len)]
    x = {}
    for i in range(t_len):
        for j in range(i, min(i + d, t_len)):
            if is_open[j]:
                x[i, j] = prob.add_variable(f"x{i}_{j}", 0)
    prob += pulp.lpSum(c)
    for i in range(t_len):
        prob += pulp.lpSum(x[i, j] for j in range(t_len) if (i, j) in x) == work[i]
    for j in range(t_len):
        prob += pulp.lpSum(x[i, j] for i in range(t_len) if (i, j) in x) <= occ * c[j]
        if not is_open[j]:
            prob += c[j] == 0
    status = prob.solve(pulp.HiGHS(msg=False))
    assert pulp.LpStatus[status] == "Optimal"
    return round(pulp.value(prob.objective))


def test_against_milp_and_vectorised():
    rng = np.random.default_rng(11)
    t_len, d, occ = 40, 6, 0.85
    arrivals = rng.poisson(rng.uniform(0, 12, (4, t_len))).astype(float)
    is_open = np.ones((4, t_len), dtype=bool)
    is_open[:, 10:14] = False  # a closed block shorter than the deadline window
    is_open[2, 30:33] = False
    aht = 420.0
    got = required_agents_deferred(arrivals, aht, 900.0, d * 900.0, is_open, max_occupancy=occ)
    assert got.shape == (4, t_len)
    for r in range(4):
        one = required_agents_deferred(
            arrivals[r], aht, 900.0, d * 900.0, is_open[r], max_occupancy=occ
        )
        assert np.array_equal(one, got[r])
        assert got[r].sum() == milp_minimum(arrivals[r] * aht / 900.0, d, is_open[r], occ)


def test_infeasible_and_carry_over():
    is_open = np.array([True, False, False, False, True])
    with pytest.raises(ValueError, match=r"Infeasible deferred work: items arriving in interval 1"):
        required_agents_deferred([0.0, 3.0, 0.0, 0.0, 0.0], 600.0, 900.0, 1800.0, is_open)
    # zero arrivals in a closed window are fine
    assert required_agents_deferred([0.0] * 5, 600.0, 900.0, 1800.0, is_open).sum() == 0
    # a window that runs past the horizon: done inside it, or carried over
    arrivals = [0.0, 0.0, 0.0, 0.0, 3.0]
    assert required_agents_deferred(arrivals, 900.0, 900.0, 3600.0).tolist() == [0, 0, 0, 0, 3]
    assert required_agents_deferred(arrivals, 900.0, 900.0, 3600.0, carry_over=True).sum() == 0
    with pytest.raises(ValueError, match="deadline_s must be at least one interval"):
        required_agents_deferred(arrivals, 900.0, 900.0, 600.0)
    with pytest.raises(ValueError, match="arrivals must be >= 0"):
        required_agents_deferred([-1.0, 2.0], 900.0, 900.0, 1800.0)
