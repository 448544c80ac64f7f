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

Peers (``--peers-python PY``, a Python with statsforecast and prophet, e.g.
``python3 -m venv /tmp/fpeers && /tmp/fpeers/bin/pip install statsforecast prophet pandas``):
statsforecast MSTL + AutoETS and Prophet with the country's holidays, run on the same origins,
training weeks and scored intervals by ``forecast_peers_worker.py`` in a subprocess; skipped with
a message when that Python lacks them. They are never staffplan dependencies.

Baselines (seasonal naive, the 4-week mean) run through the same engine, so they use the same
calendar (holidays are skipped when looking back a week). The Poisson noise floor is the WAPE of
a forecast that knew each interval's true Poisson rate (taken as the actual count).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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
    ("daily_profile", {"level": "pooled", "month": True, "month_iterations": 20}),
    (
        "daily_profile",
        {"level": "pooled", "month": True, "pool_distance": 0.2, "profile_shrink": True},
    ),
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


PEERS = ("statsforecast_mstl", "prophet")
PEER_LABELS = {
    "statsforecast_mstl": "peer: statsforecast MSTL + AutoETS",
    "prophet": "peer: Prophet with holidays",
}
WORKER = Path(__file__).resolve().parent / "forecast_peers_worker.py"


def run_peers(
    python: str, hist: pd.DataFrame, country, scored, origins: int, train_weeks: int
) -> list[dict]:
    """Backtest the peers in ``python`` (a subprocess) on the same protocol; rows like backtest."""
    from staffplan.forecast import backtest_origins

    ts = hist["interval_start"]
    m = int((ts.diff().dropna().min()).total_seconds() // 60)
    starts = backtest_origins(hist, "7D", origins)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for k, origin in enumerate(starts):
            keep = (ts < origin) & (ts >= origin - pd.Timedelta(weeks=train_weeks))
            train = pd.DataFrame(
                {"ds": ts[keep].dt.tz_localize(None), "y": hist.loc[keep, "offered"]}
            )
            path = os.path.join(tmp, f"train_{k}.csv")
            train.to_csv(path, index=False)
            start = str(origin.tz_localize(None))
            jobs.append({"train": path, "start": start, "days": 7})
        spec = os.path.join(tmp, "jobs.json")
        with open(spec, "w") as fh:
            json.dump({"minutes": m, "country": country, "methods": list(PEERS), "jobs": jobs}, fh)
        try:
            proc = subprocess.run(
                [python, str(WORKER), spec], capture_output=True, text=True, timeout=3600
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"peers skipped: could not run {python} ({exc})")
            return rows
        results: dict[str, list[dict]] = {}
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                rec = json.loads(line)
                results.setdefault(rec["method"], []).append(rec)
        if proc.returncode != 0:
            print(f"peers: worker failed ({proc.stderr.strip().splitlines()[-1:]})")
    for name in PEERS:
        recs = results.get(name, [])
        if not recs or "error" in recs[0]:
            why = recs[0]["error"] if recs else "no output"
            print(f"{PEER_LABELS[name]}: skipped, not available in {python} ({why})")
            continue
        merged, seconds = [], 0.0
        for rec in recs:
            origin = starts[rec["job"]]
            end = origin + pd.Timedelta(days=7)
            actual = hist[(ts >= origin) & (ts < end)]
            if scored is not None:
                actual = actual[np.asarray(scored(actual), dtype=bool)]
            fc = pd.DataFrame(
                {
                    "local": pd.to_datetime(rec["ds"]),
                    "calls": rec["calls"],
                    "calls_lo": rec["lo"],
                    "calls_hi": rec["hi"],
                }
            )
            act = actual[["interval_start", "offered"]].assign(
                local=actual["interval_start"].dt.tz_localize(None)
            )
            merged.append(act.merge(fc, on="local", how="left").fillna(0.0))
            seconds += rec["seconds"]
        g = pd.concat(merged, ignore_index=True)
        y, f = g["offered"].to_numpy(), g["calls"].to_numpy()
        daily = g.groupby(g["local"].dt.normalize())[["offered", "calls"]].sum()
        rows.append(
            {
                "method": PEER_LABELS[name],
                "wape": float(np.abs(y - f).sum() / y.sum()),
                "daily_wape": float(
                    np.abs(daily["offered"] - daily["calls"]).sum() / daily["offered"].sum()
                ),
                "coverage": float(np.mean((y >= g["calls_lo"]) & (y <= g["calls_hi"]))),
                "seconds": seconds,
            }
        )
    return rows


def _parse_methods(text: str | None):
    if not text:
        return DEFAULT_METHODS
    return [m.strip() for m in text.split(",") if m.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", help="comma-separated method names (default: all)")
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--train-weeks", type=int, default=12)
    parser.add_argument(
        "--peers-python", help="Python with statsforecast and prophet (peers skipped without it)"
    )
    args = parser.parse_args(argv)
    methods = BASELINES + _parse_methods(args.methods)
    series = {"US bank": load_us, "Israeli bank (staffed hours)": load_israel}
    countries = {"US bank": "US", "Israeli bank (staffed hours)": "IL"}
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
        if args.peers_python:
            for row in run_peers(
                args.peers_python, hist, countries[name], scored, args.origins, args.train_weeks
            ):
                print(
                    f"{row['method']:52s} {row['wape']:6.1%} {row['daily_wape']:6.1%} "
                    f"{row['coverage']:6.1%} {row['seconds']:6.2f} {row['wape'] / best_base:6.3f}"
                )
        else:
            print("peers: skipped (pass --peers-python PY with statsforecast and prophet)")
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
