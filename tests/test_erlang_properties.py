"""Hypothesis properties of the Erlang B/C kernels: bounds, monotonicity, minimality."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from staffplan.erlang import (
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    scheduled_agents,
    service_level,
)

loads = st.floats(min_value=1e-3, max_value=1e5, allow_nan=False, allow_infinity=False)
ahts = st.floats(min_value=5.0, max_value=3600.0)
thresholds = st.floats(min_value=0.0, max_value=600.0)
targets = st.floats(min_value=0.0, max_value=0.999)
occupancies = st.floats(min_value=0.5, max_value=1.0)
offsets = st.integers(min_value=-50, max_value=400)

SETTINGS = settings(max_examples=150, deadline=None)


def _agents(a: float, k: int) -> float:
    return float(max(0, int(np.floor(a)) + k))


@SETTINGS
@given(loads, offsets, ahts, thresholds)
def test_probabilities_in_unit_interval_and_c_above_b(a, k, aht, thr):
    n = _agents(a, k)
    b, c = erlang_b(a, n), erlang_c(a, n)
    sl = service_level(a, n, aht, thr)
    assert 0.0 <= b <= 1.0 and 0.0 <= c <= 1.0 and 0.0 <= sl <= 1.0
    assert c >= b
    assert 0.0 <= occupancy(a, n) <= 1.0
    w = asa(a, n, aht)
    assert w >= 0.0 and not np.isnan(w)
    if n <= a:
        assert c == 1.0 and sl == 0.0 and w == np.inf


@SETTINGS
@given(loads, st.integers(min_value=1, max_value=300), ahts, thresholds)
def test_service_level_rises_with_agents(a, k, aht, thr):
    n = np.floor(a) + np.arange(k, k + 5)
    sl = service_level(a, n, aht, thr)
    assert np.all(np.diff(sl) >= 0.0)
    assert np.all(np.diff(erlang_b(a, n)) <= 0.0)
    assert np.all(np.diff(erlang_c(a, n)) <= 0.0)
    assert np.all(np.diff(asa(a, n, aht)) <= 0.0)


@SETTINGS
@given(loads, st.integers(min_value=1, max_value=300), ahts, thresholds, thresholds)
def test_service_level_rises_with_threshold(a, k, aht, t1, t2):
    n = np.floor(a) + k
    lo, hi = sorted((t1, t2))
    assert service_level(a, n, aht, lo) <= service_level(a, n, aht, hi)


@SETTINGS
@given(loads, ahts, thresholds, targets, occupancies)
def test_required_agents_minimal(a, aht, thr, target, max_occ):
    n = int(required_agents(a, aht, target_sl=target, threshold_s=thr, max_occupancy=max_occ))
    assert n > a
    assert service_level(a, n, aht, thr) >= target
    assert a / n <= max_occ * (1 + 1e-10)
    m = n - 1
    # a load within EXACT_RTOL below an integer counts as that integer (erlang._checks,
    # floor_exact): 0.9999999999999999 Erlangs needs 2 agents, as 1 Erlang does
    unstable = m <= a * (1 + 1e-10)
    fails = unstable or a / m > max_occ * (1 + 1e-10) or service_level(a, m, aht, thr) < target
    assert fails


@SETTINGS
@given(
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=99).map(lambda p: p / 100),
)
def test_scheduled_agents_exact_decimal(agents, shrinkage):
    from fractions import Fraction

    expected = -(-Fraction(agents) // (1 - Fraction(str(shrinkage))))
    assert scheduled_agents(agents, shrinkage) == expected
