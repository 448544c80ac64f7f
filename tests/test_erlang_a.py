"""Erlang A (M/M/n+M) against a birth-death reference (mpmath) and a discrete-event simulation."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffplan.erlang import asa, erlang_a, erlang_c, required_agents_a, service_level

KEYS = {
    "p_wait",
    "p_abandon",
    "sl_offered",
    "sl_answered",
    "asa_answered_s",
    "mean_wait_all_s",
    "occupancy",
}

# --------------------------------------------------------------------------------------------
# Reference 1: the stationary birth-death distribution summed in mpmath. An arrival that finds
# j callers waiting has an offered wait V = sum_{i=0..j} Exp(n mu + i theta); it is answered if
# its patience outlasts V, answered within t if moreover V <= t. Computed from the
# hypoexponential distribution exactly (partial fractions), independently of the package.
# --------------------------------------------------------------------------------------------


def birth_death_reference(a, n, aht, patience, t, dps=40):
    mp.mp.dps = dps
    a, aht, patience, t = (mp.mpf(v) for v in (a, aht, patience, t))
    lam, mu, th = a / aht, 1 / aht, 1 / patience
    weights = [mp.mpf(1)]
    for k in range(1, n + 1):
        weights.append(weights[-1] * a / k)
    queue = [weights[-1]]  # state n + j, j = 0, 1, ...
    while queue[-1] > queue[0] * mp.mpf(10) ** (-dps) or len(queue) < 20:
        queue.append(queue[-1] * lam / (n * mu + len(queue) * th))
    total = mp.fsum(weights[:-1]) + mp.fsum(queue)
    p_wait = mp.fsum(queue) / total
    served = within = wait_served = mp.mpf(0)
    for j, q in enumerate(queue):
        rates = [n * mu + i * th for i in range(j + 1)]
        # E[e^{-th V}], E[V e^{-th V}] and E[e^{-th V}; V <= t] for V hypoexponential
        lt = mp.fprod(r / (r + th) for r in rates)
        served += q / total * lt
        wait_served += q / total * lt * mp.fsum(1 / (r + th) for r in rates)
        # density of V e^{-th V}: sum_i c_i r_i e^{-(r_i + th) v}, c_i = prod_{k!=i} r_k/(r_k-r_i)
        acc = mp.mpf(0)
        for i, ri in enumerate(rates):
            ci = mp.fprod(rk / (rk - ri) for k, rk in enumerate(rates) if k != i)
            acc += ci * ri / (ri + th) * (1 - mp.exp(-(ri + th) * t))
        within += q / total * acc
    p_ab = p_wait - served
    answered = 1 - p_ab
    sl = 1 - p_wait + within
    return {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "sl_offered": sl,
        "sl_answered": sl / answered,
        "asa_answered_s": wait_served / answered,
        "mean_wait_all_s": p_ab * patience,
        "occupancy": a * answered / n,
    }


@pytest.mark.parametrize(
    ("a", "n", "aht", "patience", "t"),
    [
        (10.0, 14, 180.0, 120.0, 20.0),
        (10.0, 8, 180.0, 120.0, 20.0),  # agents < traffic
        (3.5, 4, 300.0, 900.0, 30.0),
        (0.4, 1, 240.0, 60.0, 10.0),
        (12.0, 12, 200.0, 45.0, 0.0),  # threshold 0, integer traffic
    ],
)
def test_against_birth_death_reference(a, n, aht, patience, t):
    got = erlang_a(a, n, aht, patience, t)
    ref = birth_death_reference(a, n, aht, patience, t)
    assert set(got) == KEYS
    for key in KEYS:
        assert float(got[key]) == pytest.approx(float(ref[key]), rel=1e-9, abs=1e-15), key


# --------------------------------------------------------------------------------------------
# Reference 2: discrete-event simulation, vectorised over independent replications.
# FCFS with abandonment: customer k takes the earliest-free agent if that agent frees up
# before the customer's patience runs out; abandoning customers never occupy an agent.
# --------------------------------------------------------------------------------------------


def simulate(a, n, aht, patience, t, *, customers=4000, warmup=800, reps=120, seed=1):
    rng = np.random.default_rng(seed)
    lam = a / aht
    arrive = np.cumsum(rng.exponential(1 / lam, (reps, customers)), axis=1)
    service = rng.exponential(aht, (reps, customers))
    pat = rng.exponential(patience, (reps, customers))
    free = np.zeros((reps, n))
    rows = np.arange(reps)
    wait = np.empty((reps, customers))
    served = np.empty((reps, customers), dtype=bool)
    for k in range(customers):
        j = np.argmin(free, axis=1)
        v = np.maximum(free[rows, j] - arrive[:, k], 0.0)
        ok = v <= pat[:, k]
        free[rows[ok], j[ok]] = arrive[ok, k] + v[ok] + service[ok, k]
        wait[:, k], served[:, k] = v, ok
    wait, served, pat = wait[:, warmup:], served[:, warmup:], pat[:, warmup:]
    within = served & (wait <= t)
    per_rep = {
        "p_wait": (wait > 0).mean(axis=1),
        "p_abandon": (~served).mean(axis=1),
        "sl_offered": within.mean(axis=1),
        "sl_answered": within.sum(axis=1) / served.sum(axis=1),
        "asa_answered_s": (wait * served).sum(axis=1) / served.sum(axis=1),
        "mean_wait_all_s": np.minimum(wait, pat).mean(axis=1),
    }
    return {k: (v.mean(), v.std(ddof=1) / np.sqrt(reps)) for k, v in per_rep.items()}


@pytest.mark.parametrize(
    ("a", "n", "aht", "patience", "t"),
    [
        (10.0, 12, 180.0, 120.0, 20.0),
        (20.0, 17, 240.0, 90.0, 30.0),  # agents < traffic: stable only thanks to abandonment
        (4.0, 5, 300.0, 600.0, 20.0),
    ],
)
def test_against_simulation(a, n, aht, patience, t):
    got = erlang_a(a, n, aht, patience, t)
    sim = simulate(a, n, aht, patience, t)
    for key, (mean, se) in sim.items():
        # within 4 standard errors of the replication mean (seeded, so deterministic)
        assert abs(float(got[key]) - mean) <= 4.0 * se, (key, mean, se)


def test_tends_to_erlang_c_as_patience_grows():
    a, n, aht, t = 10.0, 14, 180.0, 20.0
    prev = None
    for patience in (1e4, 1e6, 1e8):
        m = erlang_a(a, n, aht, patience, t)
        err = abs(float(m["p_wait"]) - float(erlang_c(a, n)))
        assert prev is None or err < prev / 10
        prev = err
    assert float(m["p_wait"]) == pytest.approx(float(erlang_c(a, n)), rel=1e-6)
    assert float(m["sl_offered"]) == pytest.approx(float(service_level(a, n, aht, t)), rel=1e-6)
    assert float(m["asa_answered_s"]) == pytest.approx(float(asa(a, n, aht)), rel=1e-5)
    assert float(m["p_abandon"]) < 1e-7


def test_edge_cases():
    zero = erlang_a(0.0, 3, 180.0, 60.0, 20.0)
    assert zero["sl_offered"] == 1.0 and zero["p_wait"] == 0.0 and zero["occupancy"] == 0.0
    none = erlang_a(5.0, 0, 180.0, 60.0, 20.0)
    assert none["p_abandon"] == 1.0 and none["sl_offered"] == 0.0
    assert none["mean_wait_all_s"] == 60.0 and none["asa_answered_s"] == np.inf
    # heavy overload, huge loads, tiny loads, threshold 0: finite and in range
    a = np.array([1e5, 1e5, 1e-3, 50.0, 500.0])
    n = np.array([5e4, 1.01e5, 1.0, 49.0, 1.0])
    m = erlang_a(a, n, 300.0, np.array([600.0, 30.0, 60.0, 1e7, 5.0]), np.array([20, 0, 20, 20, 0]))
    for key in KEYS:
        assert np.all(np.isfinite(m[key])) and np.all(m[key] >= 0.0), key
    assert m["p_abandon"][0] == pytest.approx(0.5, abs=1e-3)  # fluid limit 1 - n/a
    for key in ("p_wait", "p_abandon", "sl_offered", "sl_answered", "occupancy"):
        assert np.all(m[key] <= 1.0)
    with pytest.raises(ValueError, match="patience_s must be > 0"):
        erlang_a(5.0, 6, 180.0, 0.0, 20.0)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.05, max_value=2000.0),
    st.floats(min_value=30.0, max_value=900.0),
    st.floats(min_value=5.0, max_value=1800.0),
    st.floats(min_value=0.0, max_value=120.0),
)
def test_monotone_in_agents(a, aht, patience, t):
    n = np.arange(1, int(a * 1.3) + 6, dtype=float)
    m = erlang_a(a, n, aht, patience, t)
    tol = 1e-12
    assert np.all(np.diff(m["sl_offered"]) >= -tol)
    assert np.all(np.diff(m["p_abandon"]) <= tol)
    assert np.all(np.diff(m["p_wait"]) <= tol)
    assert np.all(np.diff(m["occupancy"]) <= tol)
    assert np.all(m["sl_answered"] >= m["sl_offered"] - tol)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.01, max_value=5000.0),
    st.floats(min_value=30.0, max_value=900.0),
    st.floats(min_value=5.0, max_value=1800.0),
    st.floats(min_value=0.0, max_value=0.99),
    st.floats(min_value=0.0, max_value=120.0),
    st.one_of(st.none(), st.floats(min_value=0.005, max_value=0.5)),
    st.floats(min_value=0.6, max_value=1.0),
)
def test_required_agents_a_minimal(a, aht, patience, target, t, max_ab, max_occ):
    n = int(
        required_agents_a(
            a,
            aht,
            patience,
            target_sl=target,
            threshold_s=t,
            max_abandon=max_ab,
            max_occupancy=max_occ,
        )
    )
    assert n >= 1

    def meets(k):
        m = erlang_a(a, k, aht, patience, t)
        ok = m["sl_offered"] >= target and m["occupancy"] <= max_occ
        return ok and (max_ab is None or m["p_abandon"] <= max_ab)

    assert meets(n)
    assert n == 1 or not meets(n - 1)


def test_required_agents_a_vectorised_and_below_traffic():
    a = np.array([0.0, 10.0, 100.0, 1000.0])
    n = required_agents_a(a, 300.0, 30.0, target_sl=0.5, threshold_s=20.0)
    assert n[0] == 0 and n.shape == (4,)
    assert n[3] < a[3]  # short patience: fewer agents than Erlangs meet a modest target
    nc = required_agents_a(a, 300.0, 1e9, target_sl=0.8, threshold_s=20.0)
    from staffplan.erlang import required_agents

    assert np.array_equal(nc, required_agents(a, 300.0, target_sl=0.8, threshold_s=20.0))
    # extreme targets are met where the floating-point value rounds to them
    n0 = required_agents_a(10.0, 300.0, 60.0, target_sl=0.5, threshold_s=20.0, max_abandon=0.0)
    assert erlang_a(10.0, n0, 300.0, 60.0, 20.0)["p_abandon"] == 0.0
    with pytest.raises(ValueError, match="max_abandon must be <= 1"):
        required_agents_a(10.0, 300.0, 60.0, target_sl=0.5, threshold_s=20.0, max_abandon=5)
    with pytest.raises(ValueError, match="target_sl must be <= 1"):
        required_agents_a(10.0, 300.0, 60.0, target_sl=80, threshold_s=20.0)
