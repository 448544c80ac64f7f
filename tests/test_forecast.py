"""Tests for staffplan.forecast on synthetic series with known rates."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from staffplan.forecast import (
    SpecialDays,
    backtest,
    card_from_dict,
    card_to_dict,
    fit,
    forecast,
    nb_band,
    special_days_from_frame,
)

TZ = "Europe/Amsterdam"
COLUMNS = ["interval_start", "queue", "calls", "calls_lo", "calls_hi", "aht_s"]


def true_rate(index: pd.DatetimeIndex, *, peak: float = 40.0, open_h=(8, 18), closed_wd=(5, 6)):
    """Expected calls per interval at local clock time: a smooth daily bump, weekday factors."""
    local_h = index.hour + index.minute / 60
    wd = index.day_of_week
    shape = np.sin(np.pi * (local_h - open_h[0]) / (open_h[1] - open_h[0])) ** 0.7
    weekday_factor = np.array([1.25, 1.05, 1.0, 0.95, 0.9, 1.0, 1.0])[wd]
    rate = peak * np.nan_to_num(shape) * weekday_factor
    is_open = (local_h >= open_h[0]) & (local_h < open_h[1]) & ~np.isin(wd, closed_wd)
    return np.where(is_open, rate, 0.0)


def make_history(
    start: str = "2026-01-05",
    weeks: int = 8,
    *,
    queues=("sales",),
    minutes: int = 30,
    seed: int = 0,
    aht_s: float = 300.0,
    closed_dates=(),
    busy_dates=None,
    **rate_kw,
) -> pd.DataFrame:
    """Poisson counts around :func:`true_rate` on the local wall clock (real-time intervals)."""
    rng = np.random.default_rng(seed)
    begin = pd.Timestamp(start, tz=TZ)
    end = (begin.tz_localize(None) + pd.Timedelta(weeks=weeks)).tz_localize(TZ)
    index = pd.date_range(begin, end, freq=f"{minutes}min", inclusive="left")
    parts = []
    for q in queues:
        rate = true_rate(index, **rate_kw)
        dates = index.tz_localize(None).normalize()
        rate[np.isin(dates, pd.DatetimeIndex(closed_dates))] = 0.0
        for day, factor in (busy_dates or {}).items():
            rate[dates == pd.Timestamp(day)] *= factor
        offered = rng.poisson(rate).astype(float)
        handled = np.floor(offered * 0.95)
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": index,
                    "queue": q,
                    "offered": offered,
                    "handled": handled,
                    "abandoned": offered - handled,
                    "aht_s": np.where(handled > 0, rng.normal(aht_s, 20, len(index)), 0.0),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def history():
    return make_history()


@pytest.fixture(scope="module")
def week_forecast(history):
    return forecast(history, "7D")


def test_forecast_frame_contract(history, week_forecast):
    assert list(week_forecast.columns) == COLUMNS
    assert len(week_forecast) == 7 * 48
    assert week_forecast["interval_start"].iloc[0] == history[
        "interval_start"
    ].max() + pd.Timedelta(minutes=30)
    assert str(week_forecast["interval_start"].dt.tz) == TZ
    assert (week_forecast["calls_lo"] <= week_forecast["calls"] + 1).all()
    assert (week_forecast["calls"] <= week_forecast["calls_hi"] + 1).all()


def test_recovers_true_rate_within_noise(week_forecast):
    truth = true_rate(pd.DatetimeIndex(week_forecast["interval_start"]))
    calls = week_forecast["calls"].to_numpy()
    wape = np.abs(calls - truth).sum() / truth.sum()
    # 8 weeks x ~25 calls per open interval: averaging noise is ~5-8% per interval
    assert wape < 0.10
    assert calls.sum() == pytest.approx(truth.sum(), rel=0.04)


def test_closed_hours_are_exactly_zero(week_forecast):
    truth = true_rate(pd.DatetimeIndex(week_forecast["interval_start"]))
    closed = week_forecast[truth == 0]
    assert (closed[["calls", "calls_lo", "calls_hi", "aht_s"]].to_numpy() == 0).all()


def test_handle_time_profile(week_forecast):
    open_ = week_forecast[week_forecast["calls"] > 0]
    assert open_["aht_s"].to_numpy() == pytest.approx(300.0, rel=0.06)


def test_bands_cover_at_level(week_forecast):
    truth = true_rate(pd.DatetimeIndex(week_forecast["interval_start"]))
    rng = np.random.default_rng(42)
    open_ = truth > 0
    hits = []
    for _ in range(20):
        y = rng.poisson(truth)[open_]
        lo, hi = week_forecast["calls_lo"][open_], week_forecast["calls_hi"][open_]
        hits.append(np.mean((y >= lo) & (y <= hi)))
    assert 0.72 <= np.mean(hits) <= 0.95


def test_nb_band_reduces_to_poisson_and_widens_with_dispersion():
    mean = np.array([0.0, 5.0, 50.0])
    lo0, hi0 = nb_band(mean, 0.0, 0.8)
    lo1, hi1 = nb_band(mean, 0.1, 0.8)
    assert lo0[0] == hi0[0] == 0
    assert list(lo0[1:]) == [2.0, 41.0]
    assert (hi1 >= hi0).all()
    assert (lo1 <= lo0).all()


def _per_day_counts(frame):
    return frame.groupby(frame["interval_start"].dt.tz_localize(None).dt.date).size()


@pytest.mark.parametrize(
    ("start", "dst_day", "n_intervals"),
    [("2026-02-09", "2026-03-29", 92), ("2026-09-07", "2026-10-25", 100)],
)
def test_dst_week_keeps_clock_time_profile(start, dst_day, n_intervals):
    hist = make_history(start, weeks=6, minutes=15, closed_wd=())
    hist = hist[hist["interval_start"] < pd.Timestamp(dst_day, tz=TZ) - pd.Timedelta(days=2)]
    fc = forecast(hist, "7D", method="weekly_mean")
    sizes = _per_day_counts(fc)
    assert sizes[pd.Timestamp(dst_day).date()] == n_intervals
    local = fc["interval_start"].dt.tz_localize(None)
    after = local.dt.date > pd.Timestamp(dst_day).date()
    hour = local.dt.hour + local.dt.minute / 60
    # open from 08:00 to 18:00 local both before and after the change
    assert (fc.loc[(hour < 8) | (hour >= 18), "calls"] == 0).all()
    assert (fc.loc[after & (hour >= 9) & (hour < 17), "calls"] > 0).all()


def test_history_across_dst_keeps_clock_profile():
    hist = make_history("2026-02-23", weeks=6, minutes=15)
    fc = forecast(hist, "7D", method="daily_profile")
    local = fc["interval_start"].dt.tz_localize(None)
    hour = local.dt.hour + local.dt.minute / 60
    assert (fc.loc[hour < 8, "calls"] == 0).all()
    assert (fc.loc[(hour >= 8.5) & (hour < 17.5) & (local.dt.day_of_week < 5), "calls"] > 0).all()


def test_public_holiday_closed_and_next_day_busier():
    # history 2026-03-02 .. 2026-04-26 includes Good Friday and Easter Monday, closed
    # and the Tuesday after Easter Monday 30% busier (calls spill over from the closed day)
    hist = make_history(
        "2026-03-02",
        weeks=8,
        closed_dates=["2026-04-03", "2026-04-06"],
        busy_dates={"2026-04-07": 1.3},
    )
    cal = SpecialDays(country="NL")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a known holiday must not warn as an unknown closure
        fc = forecast(hist, "7D", calendar=cal, method="daily_profile")
    day = fc["interval_start"].dt.tz_localize(None).dt.date
    kings_day = pd.Timestamp("2026-04-27").date()  # Monday
    assert (fc.loc[day == kings_day, ["calls", "calls_lo", "calls_hi"]] == 0).all().all()
    with pytest.warns(UserWarning, match="treated as closed"):
        plain = forecast(hist, "7D", method="daily_profile")
    tuesday = pd.Timestamp("2026-04-28").date()
    assert fc.loc[day == tuesday, "calls"].sum() > 1.15 * plain.loc[day == tuesday, "calls"].sum()


def test_user_special_days_factor_and_closed():
    hist = make_history(weeks=6)
    frame = pd.DataFrame(
        {
            "date": ["2026-02-17", "2026-02-18"],
            "queue": ["sales", "*"],
            "factor": [1.5, np.nan],
            "closed": [False, True],
        }
    )
    cal = special_days_from_frame(frame)
    fc = forecast(hist, "7D", calendar=cal, method="weekly_mean")
    plain = forecast(hist, "7D", method="weekly_mean")
    day = fc["interval_start"].dt.tz_localize(None).dt.date.astype(str)
    tue = day == "2026-02-17"
    assert fc.loc[tue, "calls"].sum() == pytest.approx(1.5 * plain.loc[tue, "calls"].sum())
    assert (fc.loc[day == "2026-02-18", "calls"] == 0).all()


def test_special_days_frame_errors():
    with pytest.raises(ValueError, match="expected a date"):
        special_days_from_frame(pd.DataFrame({"date": ["not a date"], "closed": [True]}))
    with pytest.raises(ValueError, match="factor"):
        special_days_from_frame(pd.DataFrame({"date": ["2026-01-01"]}))


def test_too_little_history_falls_back_with_warning():
    hist = make_history(weeks=3)
    with pytest.warns(UserWarning, match="queue 'sales'.*too little for method 'auto'"):
        fc = forecast(hist, "7D")
    assert fc["calls"].sum() > 0


def test_fewer_than_two_weeks_is_refused():
    with pytest.raises(ValueError, match="at least 2 weeks"):
        forecast(make_history(weeks=1), "7D")


def test_all_zero_queue_is_refused():
    hist = make_history(weeks=4, queues=("sales", "empty"))
    hist.loc[hist["queue"] == "empty", ["offered", "handled", "abandoned"]] = 0.0
    with pytest.raises(ValueError, match=r"all-zero 'offered'.*Fix"):
        forecast(hist, "7D")


def test_gap_is_refused():
    hist = make_history(weeks=6)
    local = hist["interval_start"].dt.tz_localize(None)
    hole = (local >= "2026-01-19") & (local < "2026-02-02")
    with pytest.raises(ValueError, match="gap with no calls from 2026-01-19"):
        forecast(hist[~hole], "7D")


def test_short_gap_warns_and_is_treated_as_closed():
    hist = make_history(weeks=6)
    local = hist["interval_start"].dt.tz_localize(None)
    hole = local.dt.normalize() == pd.Timestamp("2026-01-21")
    with pytest.warns(UserWarning, match="2026-01-21.*treated as closed"):
        forecast(hist[~hole], "7D")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h: h.assign(interval_start=h["interval_start"].dt.tz_localize(None)), "tz-aware"),
        (lambda h: h.assign(offered=h["offered"].where(h.index != 5)), "non-negative numbers"),
        (lambda h: h.drop(columns="aht_s"), "missing \\['aht_s'\\]"),
        (lambda h: pd.concat([h, h.iloc[:1]]), "one row per"),
    ],
)
def test_bad_inputs_have_clear_messages(history, mutate, message):
    with pytest.raises(ValueError, match=message):
        forecast(mutate(history.copy()), "7D")


def test_bad_horizon_method_level(history):
    with pytest.raises(ValueError, match="horizon"):
        forecast(history, "soon")
    with pytest.raises(ValueError, match="method: expected one of"):
        forecast(history, "7D", method="prophet")
    with pytest.raises(ValueError, match="level"):
        forecast(history, "7D", level=80)


def test_integer_horizon(history):
    fc = forecast(history, 10, method="seasonal_naive")
    assert len(fc) == 10


def test_n_jobs_2_equals_n_jobs_1():
    hist = make_history(weeks=5, queues=("a", "b", "c"), seed=3)
    one = forecast(hist, "7D", n_jobs=1)
    two = forecast(hist, "7D", n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_model_card_json_round_trip(history):
    cards = fit(history)
    card = cards["sales"]
    text = json.dumps(card_to_dict(card))
    back = card_from_dict(json.loads(text))
    assert back == card
    assert back.training_start == "2026-01-05"
    assert "statsmodels" in back.versions
    pd.testing.assert_frame_equal(
        forecast(history, "7D", cards={"sales": back}), forecast(history, "7D")
    )
    with pytest.raises(ValueError, match="card_version"):
        card_from_dict({**json.loads(text), "card_version": 99})


@pytest.mark.parametrize("method", ["seasonal_naive", "weekly_mean", "daily_profile", "ensemble"])
def test_each_method_runs(history, method):
    fc = forecast(history, "7D", method=method)
    assert fc["calls"].sum() > 0
    assert np.isfinite(fc[["calls", "calls_lo", "calls_hi", "aht_s"]].to_numpy()).all()


def test_mstl_runs():
    hist = make_history(weeks=4)
    fc = forecast(hist, "2D", method="mstl")
    assert np.isfinite(fc["calls"]).all() and (fc["calls"] >= 0).all()


def test_backtest_frame(history):
    table = backtest(history, methods=["seasonal_naive", "auto"], origins=2)
    assert list(table.columns) == [
        "method",
        "queue",
        "wape",
        "daily_wape",
        "coverage",
        "seconds",
        "n_intervals",
    ]
    assert (
        table.set_index("method").loc["auto", "wape"]
        < table.set_index("method").loc["seasonal_naive", "wape"]
    )
    assert (table["coverage"].between(0.5, 1.0)).all()


def test_exactly_two_weeks_is_accepted_with_fallback():
    with pytest.warns(UserWarning, match="falling back to weekly_mean"):
        fc = forecast(make_history(weeks=2), "1D")
    assert len(fc) == 48


def test_no_handled_calls_warns_about_handle_time():
    hist = make_history(weeks=4).assign(handled=0.0, aht_s=0.0)
    with pytest.warns(UserWarning, match="no handled calls"):
        fc = forecast(hist, "1D", method="weekly_mean")
    assert (fc["aht_s"] == 0).all()


class _NamedHolidays(SpecialDays):
    """A calendar whose holidays are given directly as {date: name} (no holidays package)."""

    def holidays(self, dates):
        table = {
            pd.Timestamp(d).date(): name
            for d, name in [
                ("2026-01-13", "half day"),
                ("2026-01-21", "half day"),
                ("2026-01-14", "closed day"),
                ("2026-01-22", "closed day"),
                ("2026-02-17", "half day"),
                ("2026-02-18", "closed day"),
            ]
        }
        wanted = set(pd.DatetimeIndex(dates.astype("datetime64[ns]")).date)
        return {d: n for d, n in table.items() if d in wanted}


def test_each_holiday_with_enough_examples_gets_its_own_factor():
    # two past "half day" holidays at half volume, two past "closed day" holidays closed: the
    # shared factor would say closed (half of the holidays were closed); per name they differ
    hist = make_history(
        "2026-01-05",
        weeks=6,
        closed_dates=["2026-01-14", "2026-01-22"],
        busy_dates={"2026-01-13": 0.5, "2026-01-21": 0.5},
    )
    cal = _NamedHolidays(country="XX")
    fc = forecast(hist, "7D", calendar=cal, method="daily_profile")
    with pytest.warns(UserWarning, match="treated as closed"):
        plain = forecast(hist, "7D", calendar=SpecialDays(), method="daily_profile")
    day = fc["interval_start"].dt.tz_localize(None).dt.strftime("%Y-%m-%d")
    tuesday = day == "2026-02-17"
    assert 0.4 < fc.loc[tuesday, "calls"].sum() / plain.loc[tuesday, "calls"].sum() < 0.6
    assert (fc.loc[day == "2026-02-18", ["calls", "calls_hi"]] == 0).all().all()
    card = fit(hist, calendar=cal, method="daily_profile")["sales"]
    assert card.holiday_factors["closed day"] == 0.0
    assert card.holiday_factors["half day"] == pytest.approx(0.5, abs=0.1)
    assert card_from_dict(json.loads(json.dumps(card_to_dict(card)))) == card
