"""Chat with concurrency: the slot model reduces to Erlang C on slots."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffplan.erlang import (
    asa,
    chat_aht,
    erlang_c,
    erlang_chat,
    required_agents,
    required_agents_chat,
    service_level,
)


def test_concurrency_one_is_erlang_c():
    a = np.array([0.0, 0.5, 10.0, 333.3])
    got = required_agents_chat(a, 300.0, 1, target_sl=0.8, threshold_s=20.0, inflation=0.7)
    assert np.array_equal(got, required_agents(a, 300.0, target_sl=0.8, threshold_s=20.0))
    m = erlang_chat(10.0, 14, 180.0, 20.0, 1)
    assert m["p_wait"] == pytest.approx(erlang_c(10.0, 14))
    assert m["service_level"] == pytest.approx(service_level(10.0, 14, 180.0, 20.0))
    assert m["asa_s"] == pytest.approx(asa(10.0, 14, 180.0))
    assert m["aht_s"] == 180.0


def test_hand_worked_case():
    # 10 Erlangs of single-chat work, AHT 300 s, 3 chats at once, +25% handle time per extra
    # chat: handle time 450 s, slot load 15 Erlangs. Erlang C on slots for 80/60: 18 slots give
    # 0.758, 19 slots 0.857, so 19 slots and ceil(19 / 3) = 7 agents (21 slots).
    assert chat_aht(300.0, 3, 0.25) == 450.0
    assert service_level(15.0, 18, 450.0, 60.0) < 0.8 <= service_level(15.0, 19, 450.0, 60.0)
    n = required_agents_chat(10.0, 300.0, 3, target_sl=0.8, threshold_s=60.0, inflation=0.25)
    assert n == 7
    m = erlang_chat(10.0, n, 300.0, 60.0, 3, inflation=0.25)
    assert m["service_level"] == pytest.approx(service_level(15.0, 21, 450.0, 60.0))
    assert m["occupancy"] == pytest.approx(15.0 / 21.0)
    assert erlang_chat(10.0, n - 1, 300.0, 60.0, 3, inflation=0.25)["service_level"] < 0.8


@settings(max_examples=80, deadline=None)
@given(
    st.floats(min_value=1e-3, max_value=5000.0),
    st.floats(min_value=30.0, max_value=1200.0),
    st.integers(min_value=1, max_value=6),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=0.99),
    st.floats(min_value=0.0, max_value=300.0),
    st.floats(min_value=0.5, max_value=1.0),
)
def test_required_agents_chat_minimal(a, aht, k, infl, target, thr, occ):
    n = int(
        required_agents_chat(
            a, aht, k, target_sl=target, threshold_s=thr, inflation=infl, max_occupancy=occ
        )
    )

    def meets(m):
        r = erlang_chat(a, m, aht, thr, k, inflation=infl)
        slot_load = a * (1 + infl * (k - 1))
        # a load within the kernels' exactness tolerance of a whole number of slots counts as
        # that number (0.9999999999999999 is 1.0 written in binary), so it needs one more slot
        stable = m * k > slot_load and not math.isclose(m * k, slot_load, rel_tol=1e-10)
        return stable and r["service_level"] >= target and slot_load / (m * k) <= occ * (1 + 1e-10)

    assert meets(n)
    assert not meets(n - 1)


def test_bad_concurrency():
    with pytest.raises(ValueError, match="concurrency must be >= 1"):
        required_agents_chat(5.0, 300.0, 0, target_sl=0.8, threshold_s=60.0)
    with pytest.raises(ValueError, match="concurrency must be a whole number"):
        erlang_chat(5.0, 3, 300.0, 60.0, 2.5)
    with pytest.raises(ValueError, match="inflation must be >= 0"):
        chat_aht(300.0, 2, -0.1)
