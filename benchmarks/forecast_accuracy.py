"""Forecast accuracy on two real call-centre series (issue 4 protocol).

Run from the project root::

    nice .venv/bin/python benchmarks/forecast_accuracy.py [--methods auto,weekly_mean,...]

Protocol: 30-minute counts; 8 rolling origins one week apart, the last window ending at the end
of the data; one-week horizon; the last 12 weeks before each origin as training.

- US bank (fpp3 ``bank_calls``, Weinberg et al. 2007): weekdays 07:00-21:00. Days absent from the
  data on weekdays (Memorial Day, 4 July, Labor Day and three other weekdays) are closures the
  planner knows in advance: they are passed as closed special days, are not trained on and are
  not scored (there is no actual to score).
- Israeli bank (Technion SEE, 1999): 24 h of arrivals (the VRU runs all night), scored on staffed
  hours only (Sun-Thu 07:00-24:00, Fri 07:00-14:00, Sat 20:00-24:00), with Israeli public
  holidays from the ``holidays`` package. The data has no DST shifts, so it is placed in the
  fixed zone Etc/GMT-2.

Baselines (seasonal naive, the 4-week mean) run through the same engine, so they use the same
calendar (holidays are skipped when looking back a week). The Poisson noise floor is the WAPE of
a forecast that knew each interval's true Poisson rate (taken as the actual count).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from staffplan.forecast import SpecialDays, backtest, special_days_from_frame

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
BASELINES = [("seasonal_naive", {}), ("weekly_mean", {"weeks": 4})]
DEFAULT_METHODS = [
    "auto",
    "ensemble",
    "weekly_mean",
    "daily_profile",
    ("weekly_mean", {"weeks": 5, "agg": "median"}),
    ("weekly_mean", {"weeks": 4, "month": True}),
    ("daily_profile", {"level": "pooled"}),
    ("daily_profile", {"level": "pooled", "month": True}),
    ("daily_profile", {"level": "ets"}),
    "mstl",
]


def _history(ts: pd.Series, calls: np.ndarray) -> pd.DataFrame:
    n = len(ts)
    return pd.DataFrame(
        {
            "interval_start": ts.to_numpy(),
            "queue": "bank",
            "offered": calls.astype(float),
            "handled": calls.astype(float),
            "abandoned": np.zeros(n),
            "aht_s": np.where(calls > 0, 180.0, 0.0),
        }
    )


def load_us() -> tuple[pd.DataFrame, SpecialDays, None] | None:
    """US bank: 5-minute counts to 30-minute, weekday closures as a special-days frame."""
    path = DATA / "bank_calls_us_5min" / "bank_calls.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path)
    local = pd.to_datetime(raw["DateTime"].str.replace("Z", "", regex=False))
    counts = raw["Calls"].groupby(local.dt.floor("30min")).sum()
    ts = pd.Series(counts.index).dt.tz_localize("America/New_York")
    hist = _history(ts, counts.to_numpy())
    present = set(counts.index.normalize())
    weekdays = pd.bdate_range(min(present), max(present))
    closed = [d.date().isoformat() for d in weekdays if d not in present]
    frame = pd.DataFrame({"date": closed, "queue": "*", "closed": True})
    return hist, special_days_from_frame(frame), None


def _israel_staffed(frame: pd.DataFrame) -> np.ndarray:
    local = frame["interval_start"].dt.tz_localize(None)
    hour = local.dt.hour.to_numpy()
    wd = local.dt.day_of_week.to_numpy()  # Monday = 0 ... Sunday = 6
    sun_thu = np.isin(wd, [6, 0, 1, 2, 3]) & (hour >= 7)
    fri = (wd == 4) & (hour >= 7) & (hour < 14)
    sat = (wd == 5) & (hour >= 20)
    return sun_thu | fri | sat


def load_israel():
    """Israeli bank: 6-minute counts to 30-minute; scored on staffed hours."""
    path = DATA / "anonymous_bank_israel_1999_6min" / "anonymous_bank_1999_6min.csv"
    if not path.exists():
        return None
    raw = pd.read_csv(path)
    local = pd.to_datetime(raw["date"] + " " + raw["interval_start"])
    counts = raw["calls"].groupby(local.dt.floor("30min")).sum().round()
    ts = pd.Series(counts.index).dt.tz_localize("Etc/GMT-2")
    calendar = SpecialDays(country="IL")
    return _history(ts, counts.to_numpy()), calendar, _israel_staffed


def poisson_floor(history: pd.DataFrame, scored, origins_from: pd.Timestamp) -> float:
    """WAPE of the true Poisson rate: sum E|Y - y| / sum y with Y ~ Poisson(y)."""
    act = history[history["interval_start"] >= origins_from]
    if scored is not None:
        act = act[scored(act)]
    y = act["offered"].to_numpy()
    k = np.arange(int(y.max() * 1.5 + 60))
    mad = np.array([(np.abs(k - lam) * stats.poisson.pmf(k, lam)).sum() for lam in y])
    return float(mad.sum() / y.sum())


def _parse_methods(text: str | None):
    if not text:
        return DEFAULT_METHODS
    return [m.strip() for m in text.split(",") if m.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", help="comma-separated method names (default: all)")
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--train-weeks", type=int, default=12)
    args = parser.parse_args(argv)
    methods = BASELINES + _parse_methods(args.methods)
    series = {"US bank": load_us, "Israeli bank (staffed hours)": load_israel}
    summary = {}
    for name, loader in series.items():
        loaded = loader()
        if loaded is None:
            print(f"{name}: data not found under {DATA}; skipped")
            continue
        hist, calendar, scored = loaded
        tic = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = backtest(
                hist,
                methods=methods,
                horizon="7D",
                origins=args.origins,
                calendar=calendar,
                train_weeks=args.train_weeks,
                scored=scored,
            )
        from staffplan.forecast import backtest_origins

        first = backtest_origins(hist, "7D", args.origins)[0]
        floor = poisson_floor(hist, scored, first)
        best_base = table["wape"].iloc[: len(BASELINES)].min()
        print(f"\n## {name}  ({time.perf_counter() - tic:.0f} s)")
        print(f"{'method':52s} {'WAPE':>6s} {'daily':>6s} {'cov80':>6s} {'sec':>6s} {'ratio':>6s}")
        for row in table.itertuples():
            print(
                f"{row.method:52s} {row.wape:6.1%} {row.daily_wape:6.1%} {row.coverage:6.1%} "
                f"{row.seconds:6.2f} {row.wape / best_base:6.3f}"
            )
        print(f"{'poisson noise floor (known rate)':52s} {floor:6.1%}")
        auto = table[table["method"] == "auto"]
        if len(auto):
            summary[name] = (
                float(auto["wape"].iloc[0]) / best_base,
                float(auto["coverage"].iloc[0]),
            )
    for name, (ratio, cov) in summary.items():
        ok = ratio <= 0.92 and 0.75 <= cov <= 0.85
        verdict = "PASS" if ok else "FAIL"
        print(f"{name}: auto / best baseline = {ratio:.3f}, coverage {cov:.1%} -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
