"""Unit tests of staffplan.forecast building blocks (pure functions)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffplan.forecast import fit, nb_band
from staffplan.forecast.cards import card_from_dict
from staffplan.forecast.grid import horizon_index
from staffplan.forecast.intervals import calibrate_dispersion, coverage
from staffplan.forecast.methods import TrainSet, month_factors, month_position, weekly_mean
from staffplan.io import write_model_cards


def test_month_position_is_continuous_across_month_end():
    dates = np.array(["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-15", "2026-02-16"])
    assert list(month_position(dates.astype("datetime64[D]"))) == [-2.0, -1.0, 0.0, 14.0, -13.0]


def test_month_factors_recover_a_month_start_peak():
    dates = np.arange(np.datetime64("2026-01-01"), np.datetime64("2026-04-01"))
    weekday = (dates.astype(np.int64) + 3) % 7
    pos = month_position(dates)
    boost = np.where((pos >= 0) & (pos <= 2), 1.3, 1.0)  # days 1-3 of each month: +30%
    calls = np.outer(1000.0 * boost, np.full(4, 0.25))
    train = TrainSet(calls, weekday, np.ones(len(dates), dtype=bool), dates)
    target = np.array(["2026-04-01", "2026-04-10"], dtype="datetime64[D]")
    _, factor = month_factors(train, target)
    assert factor[0] > 1.05  # smoothed and shrunk towards 1, so below the true 1.3
    assert factor[0] > factor[1] + 0.05
    assert factor[1] == pytest.approx(1.0, abs=0.05)


def test_weekly_mean_uses_only_usable_same_weekday_days():
    calls = np.arange(28, dtype=float)[:, None] * np.ones((1, 2))
    weekday = np.arange(28) % 7
    usable = np.ones(28, dtype=bool)
    usable[21] = False  # last Monday-like day is a holiday
    out = weekly_mean(TrainSet(calls, weekday, usable), np.array([0]), weeks=2)
    assert out[0, 0] == pytest.approx((0 + 7 + 14) / 3 + (7 + 14) / 2 - (0 + 7 + 14) / 3)


@settings(max_examples=40, deadline=None)
@given(
    mean=st.floats(0.0, 500.0),
    dispersion=st.floats(0.0, 1.0),
    level=st.floats(0.5, 0.98),
)
def test_nb_band_bounds(mean, dispersion, level):
    lo, hi = nb_band(np.array([mean]), dispersion, level)
    assert 0 <= lo[0] <= hi[0]
    if mean == 0:
        assert hi[0] == 0
    wider_lo, wider_hi = nb_band(np.array([mean]), dispersion + 0.2, level)
    assert wider_lo[0] <= lo[0] + 1 and wider_hi[0] >= hi[0] - 1


def test_calibrated_dispersion_covers_at_level():
    rng = np.random.default_rng(1)
    mean = rng.uniform(5, 100, 4000)
    actual = rng.negative_binomial(1 / 0.05, 1 / (1 + 0.05 * mean)).astype(float)
    phi = calibrate_dispersion(mean, actual, 0.8)
    assert phi == pytest.approx(0.05, rel=0.35)
    fresh = rng.negative_binomial(1 / 0.05, 1 / (1 + 0.05 * mean))
    assert coverage(fresh, *nb_band(mean, phi, 0.8)) == pytest.approx(0.8, abs=0.03)


def test_horizon_days_are_local_calendar_days():
    last = pd.Timestamp("2026-03-22 23:45", tz="Europe/Amsterdam")
    idx = horizon_index(last, "14D", 15)
    assert idx[-1] == pd.Timestamp("2026-04-05 23:45", tz="Europe/Amsterdam")
    assert len(idx) == 14 * 96 - 4  # one spring-forward hour lost


def test_card_written_as_json(tmp_path):
    from test_forecast import make_history  # the seeded generator (tests/ is on sys.path)

    card = fit(make_history(weeks=5))["sales"]
    path = tmp_path / "models" / "sales.json"
    write_model_cards({"sales": card}, path.parent)
    assert card_from_dict(json.loads(path.read_text())) == card


def test_trimmed_level_ignores_one_outlier_day():
    from staffplan.forecast.methods import pooled_level

    calls = np.full((14, 4), 25.0)
    calls[10] *= 4  # one very busy day
    train = TrainSet(calls, np.arange(14) % 7, np.ones(14, dtype=bool))
    factors = np.ones(7)
    assert pooled_level(train, factors, agg="trimmed") == pytest.approx(100.0)
    assert pooled_level(train, factors, agg="mean") > 120.0


def test_smoothed_profile_keeps_closed_slots_and_sums_to_one():
    from staffplan.forecast.methods import intraday_profile

    rng = np.random.default_rng(1)
    calls = np.zeros((28, 10))
    calls[:, 2:8] = rng.poisson(30, (28, 6))
    train = TrainSet(calls, np.arange(28) % 7, np.ones(28, dtype=bool))
    raw = intraday_profile(train, 0, pool_distance=0.0)
    smooth = intraday_profile(train, 0, pool_distance=0.0, smooth=0.25)
    assert smooth.sum() == pytest.approx(1.0)
    assert (smooth[raw == 0] == 0).all() and (smooth[2:8] > 0).all()
    assert np.std(smooth[2:8]) < np.std(raw[2:8])


def test_shrunk_profile_pools_noise_and_keeps_real_differences():
    from staffplan.forecast.methods import intraday_profile

    rng = np.random.default_rng(2)
    shape = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    days = 70
    weekday = np.arange(days) % 7
    same = rng.poisson(40 * shape, (days, 7)).astype(float)  # one shape on every weekday
    train = TrainSet(same, weekday, np.ones(days, dtype=bool))
    own = intraday_profile(train, 0, pool_distance=0.0)
    pooled = intraday_profile(train, 0, pool_distance=0.5)
    shrunk = intraday_profile(train, 0, pool_distance=0.5, shrink=True)
    assert np.abs(shrunk - pooled).sum() < np.abs(own - pooled).sum() / 2
    other = same.copy()  # Mondays peak early, with much data: a real difference, kept apart
    monday = np.array([0.0, 3.0, 2.0, 1.0, 1.0, 1.0, 0.0])
    other[weekday == 0] = rng.poisson(4000 * monday, (10, 7))
    train = TrainSet(other, weekday, np.ones(days, dtype=bool))
    own = intraday_profile(train, 0, pool_distance=0.0)
    shrunk = intraday_profile(train, 0, pool_distance=2.0, shrink=True)
    assert np.abs(shrunk - own).sum() < 0.02


def test_select_modes_combine_the_best_candidates():
    from staffplan.forecast.selection import AUTO_CANDIDATES, select

    rng = np.random.default_rng(3)
    calls = rng.poisson(20, (56, 6)).astype(float)
    train = TrainSet(
        calls,
        np.arange(56) % 7,
        np.ones(56, dtype=bool),
        np.datetime64("2026-01-05") + np.arange(56),
    )
    cands = AUTO_CANDIDATES
    top = select(train, cands, ensemble="top", size=2)
    assert top.spec.name == "ensemble" and len(top.spec.parts) == 2
    ranked = sorted(cands, key=lambda c: top.wape[c.label])
    assert set(top.spec.parts) == set(ranked[:2])
    assert len(select(train, cands, ensemble="only").spec.parts) == len(cands)
    assert select(train, cands, ensemble="none").spec in cands


def test_backfitted_month_factors_recover_the_peak_that_one_pass_underestimates():
    dates = np.arange(np.datetime64("2026-01-01"), np.datetime64("2026-04-01"))
    weekday = (dates.astype(np.int64) + 3) % 7
    pos = month_position(dates)
    boost = np.where((pos >= 0) & (pos <= 3), 1.3, 1.0)  # days 1-4: +30%
    train = TrainSet(np.outer(1000.0 * boost, np.full(4, 0.25)), weekday, np.ones(90, bool), dates)
    target = np.array(["2026-04-02", "2026-04-12"], dtype="datetime64[D]")
    _, one = month_factors(train, target)
    _, back = month_factors(train, target, iterations=20)
    # one pass: the +/-7-day local mean holds the peak's own neighbours, so the peak is attenuated
    assert back[0] > one[0] + 0.02
    assert abs(back[0] / back[1] - 1.3) < abs(one[0] / one[1] - 1.3)
    assert back[1] == pytest.approx(1.0, abs=0.05)


def test_daily_profile_with_backfitted_month_recovers_the_known_rate():
    from staffplan.forecast.selection import MethodSpec, predict

    rng = np.random.default_rng(3)
    dates = np.arange(np.datetime64("2026-01-05"), np.datetime64("2026-05-04"))
    weekday = (dates.astype(np.int64) + 3) % 7
    shape = np.array([0.0, 1.0, 3.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    pos = month_position(dates)
    rate = np.outer(800.0 * np.where((pos >= 0) & (pos <= 2), 1.25, 1.0), shape / shape.sum())
    n = len(dates) - 7  # target: Mon 27 April to Sun 3 May, with the peak on 1-3 May
    train = TrainSet(rng.poisson(rate[:n]).astype(float), weekday[:n], np.ones(n, bool), dates[:n])
    wape = {}
    for passes in (1, 20):
        spec = MethodSpec("daily_profile", (("month", True), ("month_iterations", passes)))
        got = predict(spec, train, dates[n:])
        wape[passes] = np.abs(got - rate[n:]).sum() / rate[n:].sum()
        days = got.sum(axis=1)
        assert days[4:].mean() > 1.05 * days[:4].mean()  # the peak is forecast
    assert got.sum() == pytest.approx(rate[n:].sum(), rel=0.05)  # backfitted: within noise
    assert wape[20] < 0.08 and wape[20] < wape[1]
