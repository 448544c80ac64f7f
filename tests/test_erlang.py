"""Erlang B/C kernels against independent references: a published example, mpmath, edge cases."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from staffplan import erlang
from staffplan.erlang import (
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    scheduled_agents,
    service_level,
    traffic,
)

# --------------------------------------------------------------------------------------------
# The classic published example: 100 calls in 30 minutes, AHT 180 s, 80/20.
# --------------------------------------------------------------------------------------------


def test_classic_example():
    a = traffic(100, 180, 30 * 60)
    assert a == pytest.approx(10.0)
    n = required_agents(a, 180, target_sl=0.8, threshold_s=20)
    assert n == 14
    assert round(float(erlang_c(a, n)), 4) == 0.1741
    assert round(float(service_level(a, n, 180, 20)), 4) == 0.8884
    assert round(float(asa(a, n, 180)), 2) == 7.84
    assert round(float(occupancy(a, n)), 3) == 0.714
    assert scheduled_agents(n, 0.30) == 20
    # 13 agents miss the target
    assert service_level(a, 13, 180, 20) < 0.8


def test_public_surface():
    assert sorted(erlang.__all__) == sorted(
        [
            "traffic",
            "erlang_b",
            "erlang_c",
            "service_level",
            "asa",
            "occupancy",
            "required_agents",
            "scheduled_agents",
            "erlang_a",
            "required_agents_a",
            "chat_aht",
            "erlang_chat",
            "required_agents_chat",
            "required_agents_deferred",
        ]
    )
    for name in erlang.__all__:
        doc = getattr(erlang, name).__doc__
        assert doc and "Returns" in doc and ("Notes" in doc or "Examples" in doc), name


# --------------------------------------------------------------------------------------------
# High-precision reference (mpmath), written independently of the package.
# --------------------------------------------------------------------------------------------

mp.mp.dps = 30


def mp_erlang_b(a: mp.mpf, n: int) -> mp.mpf:
    """Erlang B from the closed form with log-gamma at 30 digits (small n: the sum itself)."""
    if n <= 60:
        terms = [mp.power(a, k) / mp.factorial(k) for k in range(n + 1)]
        return terms[-1] / mp.fsum(terms)
    log_pmf = n * mp.log(a) - a - mp.loggamma(n + 1)
    return mp.exp(log_pmf) / mp.gammainc(n + 1, a, mp.inf, regularized=True)


def mp_measures(a: mp.mpf, n: int, b: mp.mpf, aht: mp.mpf, thr: mp.mpf):
    c = n * b / (n - a * (1 - b))
    sl = 1 - c * mp.exp(-(n - a) * thr / aht)
    w = c * aht / (n - a)
    return c, sl, w


def brute_force_required(a_dec: str, aht: int, target: str, thr: int, max_occ: str, asa_t):
    """Smallest n: exact rational bounds, then one agent at a time with the mp recursion."""
    a_frac = Fraction(a_dec)
    a = mp.mpf(a_dec)
    n = math.floor(a_frac) + 1
    n = max(n, math.ceil(a_frac / Fraction(max_occ)))
    b = mp_erlang_b(a, n)
    tgt = mp.mpf(target)
    while True:
        c, sl, w = mp_measures(a, n, b, mp.mpf(aht), mp.mpf(thr))
        if sl >= tgt and (asa_t is None or w <= asa_t):
            return n
        b = a * b / (n + 1 + a * b)
        n += 1


def _grid(count: int = 400, seed: int = 20240601):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        a = float(f"{10 ** rng.uniform(-2, math.log10(50_000)):.5g}")
        if i % 25 == 0:
            a = float(round(a)) or 1.0  # integer loads
        cases.append(
            dict(
                a=repr(a),
                aht=int(rng.choice([30, 60, 180, 300, 600])),
                target=str(rng.choice(["0.5", "0.7", "0.8", "0.9", "0.95", "0.99"])),
                thr=int(rng.choice([0, 10, 20, 30, 60, 120])),
                max_occ=str(rng.choice(["1", "1", "0.95", "0.9", "0.85", "0.8"])),
                asa=None if i % 4 else float(rng.choice([5.0, 15.0, 30.0])),
            )
        )
    return cases


@pytest.fixture(scope="module")
def reference():
    cases = _grid()
    rows = []
    for cs in cases:
        n = brute_force_required(
            cs["a"], cs["aht"], cs["target"], cs["thr"], cs["max_occ"], cs["asa"]
        )
        a = mp.mpf(cs["a"])
        for m in (n - 1, n, n + 3):
            if m <= a:
                continue
            b = mp_erlang_b(a, m)
            c, sl, w = mp_measures(a, m, b, mp.mpf(cs["aht"]), mp.mpf(cs["thr"]))
            rows.append(
                (float(cs["a"]), m, cs["aht"], cs["thr"], float(b), float(c), float(sl), float(w))
            )
        cs["n"] = n
    return cases, np.array(rows)


def test_required_agents_exact_against_mpmath(reference):
    cases, _ = reference
    a = np.array([float(c["a"]) for c in cases])
    aht = np.array([c["aht"] for c in cases], dtype=float)
    tgt = np.array([float(c["target"]) for c in cases])
    thr = np.array([c["thr"] for c in cases], dtype=float)
    occ = np.array([float(c["max_occ"]) for c in cases])
    asa_t = np.array([np.inf if c["asa"] is None else c["asa"] for c in cases])
    expected = np.array([c["n"] for c in cases])
    no_asa = np.isinf(asa_t)
    got = np.empty_like(expected)
    got[no_asa] = required_agents(
        a[no_asa],
        aht[no_asa],
        target_sl=tgt[no_asa],
        threshold_s=thr[no_asa],
        max_occupancy=occ[no_asa],
    )
    got[~no_asa] = required_agents(
        a[~no_asa],
        aht[~no_asa],
        target_sl=tgt[~no_asa],
        threshold_s=thr[~no_asa],
        max_occupancy=occ[~no_asa],
        target_asa_s=asa_t[~no_asa],
    )
    assert a.min() < 0.02 and a.max() > 20_000
    assert_array_equal(got, expected)


def test_probabilities_against_mpmath(reference):
    _, rows = reference
    a, n, aht, thr, b, c, sl, w = rows.T
    assert len(rows) > 800
    assert_allclose(erlang_b(a, n), b, rtol=1e-9, atol=0)
    assert_allclose(erlang_c(a, n), c, rtol=1e-9, atol=0)
    assert_allclose(service_level(a, n, aht, thr), sl, rtol=1e-9, atol=0)
    assert_allclose(asa(a, n, aht), w, rtol=1e-9, atol=0)


def test_erlang_b_against_recursion_overloaded_and_real_agents():
    """Overload (agents far below traffic), where the Poisson probability underflows."""
    cases = [(0.5, 0), (3.7, 1), (50.0, 20), (2000.0, 1000), (9000.0, 7500), (1e5, 80_000)]
    for a, n in cases:
        b = mp.mpf(1)
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        assert float(erlang_b(a, n)) == pytest.approx(float(b), rel=1e-9)
    # continuous extension in the agents: B(n, a) = a^n e^-a / Gamma(n+1) / Q(n+1, a)
    a, x = mp.mpf(7.5), mp.mpf(9.25)
    ref = mp.exp(x * mp.log(a) - a - mp.loggamma(x + 1)) / mp.gammainc(x + 1, a, regularized=True)
    assert float(erlang_b(7.5, 9.25)) == pytest.approx(float(ref), rel=1e-12)


# --------------------------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------------------------


def test_integer_decisions_are_exact():
    noisy = 0.1 * 96  # 9.6 as computed upstream: 9.600000000000001
    assert noisy / 0.8 > 12  # the floating-point trap: 12.000000000000002
    for a in (9.6, noisy):
        assert required_agents(a, 180, target_sl=0.0, threshold_s=20, max_occupancy=0.8) == 12
    assert 21 / (1 - 0.30) > 30
    assert scheduled_agents(21, 0.30) == 30
    assert scheduled_agents(14, 0.30) == 20
    assert scheduled_agents(0, 0.5) == 0
    assert scheduled_agents(10, 0.0) == 10
    # a load just above a whole number still needs the next agent
    assert required_agents(12.0001, 180, target_sl=0.0, threshold_s=20) == 13
    assert required_agents(12.0, 180, target_sl=0.0, threshold_s=20) == 13


def test_integer_traffic_unstable():
    for a in (1.0, 10.0, 250.0):
        assert erlang_c(a, a) == 1.0
        assert service_level(a, a, 180, 20) == 0.0
        assert asa(a, a, 180) == np.inf
        assert erlang_c(a, a - 1) == 1.0
        assert occupancy(a, a) == 1.0
        assert 0.0 < erlang_c(a, a + 1) < 1.0


def test_zero_traffic():
    assert required_agents(0.0, 300, target_sl=0.8, threshold_s=20) == 0
    assert required_agents(0.0, 0.0, target_sl=0.99, threshold_s=0) == 0  # closed interval
    for n in (0, 1, 5):
        assert erlang_b(0.0, n) == 0.0
        assert erlang_c(0.0, n) == 0.0
        assert service_level(0.0, n, 180, 20) == 1.0
        assert asa(0.0, n, 180) == 0.0
        assert occupancy(0.0, n) == 0.0
    assert traffic(0, 300, 900) == 0.0


def test_tiny_traffic_and_threshold_zero():
    n = required_agents(1e-3, 300, target_sl=0.8, threshold_s=20)
    assert n == 1
    assert erlang_c(1e-3, 1) == pytest.approx(1e-3)
    assert service_level(1e-3, 1, 300, 0) == pytest.approx(1 - 1e-3)
    # threshold 0: fraction answered at once, 1 - C
    for a, n in [(10.0, 14), (3.3, 5), (400.0, 420)]:
        assert service_level(a, n, 180, 0) == pytest.approx(1 - erlang_c(a, n), rel=1e-14)
    n0 = required_agents(10.0, 180, target_sl=0.8, threshold_s=0)
    assert 1 - erlang_c(10.0, n0) >= 0.8 > 1 - erlang_c(10.0, n0 - 1)


def test_huge_traffic_no_nan():
    a = np.array([1e5, 1e5, 99_999.5, 5e4])
    n = required_agents(a, 300, target_sl=np.array([0.8, 0.99, 0.5, 0.9]), threshold_s=20)
    assert np.all(n > a) and np.all(n < a + 2_000)
    for m in (n, n - 1, n + 1000, a * 0.5, np.full(4, 101_000.0)):
        for v in (erlang_b(a, m), erlang_c(a, m), service_level(a, m, 300, 20), asa(a, m, 300)):
            assert not np.isnan(v).any()
    assert np.all(service_level(a, n, 300, 20) >= [0.8, 0.99, 0.5, 0.9])
    assert np.all(erlang_b(a, a * 0.5) == pytest.approx(0.5, rel=1e-4))


def test_target_sl_one_and_zero_terminate():
    n1 = required_agents([0.01, 10.0, 1000.0], 300, target_sl=1.0, threshold_s=20)
    assert np.all(service_level([0.01, 10.0, 1000.0], n1, 300, 20) == 1.0)
    n0 = required_agents([0.01, 10.0, 1000.5], 300, target_sl=0.0, threshold_s=20)
    assert_array_equal(n0, [1, 11, 1001])


def test_broadcasting_and_scalar_outputs():
    a = np.array([[5.0], [50.0]])
    thr = np.array([0.0, 20.0, 60.0])
    n = required_agents(a, 180, target_sl=0.8, threshold_s=thr)
    assert n.shape == (2, 3) and n.dtype == np.int64
    assert np.all(n[:, 0] >= n[:, 1]) and np.all(n[:, 1] >= n[:, 2])
    assert isinstance(erlang_c(10.0, 14), np.floating)
    assert isinstance(required_agents(10.0, 180, target_sl=0.8, threshold_s=20), np.integer)
    assert erlang_b([[1.0, 2.0]], [[1], [2]]).shape == (2, 2)


def test_asa_target():
    n = required_agents(10.0, 180, target_sl=0.0, threshold_s=20, target_asa_s=5.0)
    assert asa(10.0, n, 180) <= 5.0 < asa(10.0, n - 1, 180)
    n2 = required_agents(10.0, 180, target_sl=0.8, threshold_s=20, target_asa_s=60.0)
    assert n2 == 14


# --------------------------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: erlang_c(-1.0, 5), r"traffic must be >= 0 Erlangs; got -1\.0"),
        (lambda: erlang_b([1.0, np.nan], 5), r"traffic must be a finite number.*index \(1,\)"),
        (lambda: erlang_c(1.0, -2), r"agents must be >= 0"),
        (lambda: scheduled_agents(10, 1.0), r"shrinkage must be < 1"),
        (lambda: scheduled_agents(10, -0.1), r"shrinkage must be >= 0"),
        (
            lambda: required_agents(5.0, 180, target_sl=80, threshold_s=20),
            r"target_sl must be <= 1",
        ),
        (
            lambda: required_agents(5.0, 180, target_sl=-0.1, threshold_s=20),
            r"target_sl must be >= 0",
        ),
        (
            lambda: required_agents(5.0, 180, target_sl=0.8, threshold_s=-1),
            r"threshold_s must be >= 0",
        ),
        (
            lambda: required_agents(5.0, 180, target_sl=0.8, threshold_s=20, max_occupancy=0),
            r"max_occupancy must be > 0",
        ),
        (
            lambda: required_agents(5.0, 180, target_sl=0.8, threshold_s=20, max_occupancy=85),
            r"max_occupancy must be <= 1",
        ),
        (
            lambda: required_agents(5.0, 180, target_sl=0.8, threshold_s=20, target_asa_s=0),
            r"target_asa_s must be > 0",
        ),
        (lambda: service_level(5.0, 6, 0.0, 20), r"aht_s must be > 0 s where traffic > 0"),
        (lambda: traffic(10, 180, 0), r"interval_s must be > 0"),
        (lambda: traffic(-3, 180, 900), r"calls must be >= 0"),
        (lambda: erlang_c("ten", 5), r"traffic must be numeric"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("module", ["delay", "abandonment", "chat", "deferred"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"staffplan.erlang.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
