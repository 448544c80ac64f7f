"""Peer forecasters for ``forecast_accuracy.py``, run in the peers' own Python (not staffplan's).

Usage (called by ``forecast_accuracy.py --peers-python PY``)::

    PY benchmarks/forecast_peers_worker.py JOBS.json

``JOBS.json`` holds ``{"minutes": 30, "country": "IL", "methods": [...], "jobs": [{"train": CSV,
"start": "1999-11-06 00:00", "days": 7}, ...]}``; each training CSV has naive local ``ds`` and
``y`` (calls per interval, open intervals only). Prints one JSON line per method and job:
``{"method", "job", "ds", "calls", "lo", "hi", "seconds"}`` (80% intervals), or ``{"method",
"error"}`` when a peer cannot be imported. Imports only numpy, pandas and the peers.

- ``statsforecast_mstl``: statsforecast ``MSTL`` with daily and weekly seasons and ``AutoETS``
  on the trend (closed intervals filled with zeros on a regular grid).
- ``prophet``: Prophet with daily and weekly seasonality, the country's holidays, 80% interval,
  fitted on the open intervals only.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd


def statsforecast_mstl(train, start, days, minutes, country):
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    per_day = 24 * 60 // minutes
    # a regular grid up to the interval before the forecast start, closed intervals as zeros
    end = pd.Timestamp(start) - pd.Timedelta(minutes=minutes)
    full = pd.date_range(train["ds"].min(), end, freq=f"{minutes}min")
    grid = train.set_index("ds")[["y"]].reindex(full, fill_value=0.0)
    grid = grid.rename_axis("ds").reset_index()
    grid["unique_id"] = "q"
    model = MSTL(season_length=[per_day, 7 * per_day], trend_forecaster=AutoETS(model="ZZN"))
    sf = StatsForecast(models=[model], freq=f"{minutes}min", n_jobs=1)
    out = sf.forecast(df=grid[["unique_id", "ds", "y"]], h=days * per_day, level=[80])
    return out["ds"], out["MSTL"], out["MSTL-lo-80"], out["MSTL-hi-80"]


def prophet(train, start, days, minutes, country):
    import logging

    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    model = Prophet(
        daily_seasonality=True,
        weekly_seasonality=True,
        yearly_seasonality=False,
        interval_width=0.8,
    )
    if country:
        model.add_country_holidays(country_name=country)
    model.fit(train[["ds", "y"]])
    future = pd.DataFrame(
        {"ds": pd.date_range(start, periods=days * 24 * 60 // minutes, freq=f"{minutes}min")}
    )
    fc = model.predict(future)
    return fc["ds"], fc["yhat"], fc["yhat_lower"], fc["yhat_upper"]


PEERS = {"statsforecast_mstl": statsforecast_mstl, "prophet": prophet}
IMPORTS = {"statsforecast_mstl": "statsforecast", "prophet": "prophet"}


def main(path: str) -> None:
    with open(path) as fh:
        spec = json.load(fh)
    for name in spec["methods"]:
        try:
            __import__(IMPORTS[name])
        except Exception as exc:  # report and go on with the next peer
            print(json.dumps({"method": name, "error": f"{type(exc).__name__}: {exc}"}))
            continue
        for k, job in enumerate(spec["jobs"]):
            train = pd.read_csv(job["train"], parse_dates=["ds"])
            tic = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds, mean, lo, hi = PEERS[name](
                    train, job["start"], job["days"], spec["minutes"], spec.get("country")
                )
            seconds = time.perf_counter() - tic
            clip = lambda v: np.maximum(np.asarray(v, dtype=float), 0.0).tolist()  # noqa: E731
            row = {
                "method": name,
                "job": k,
                "ds": [str(t) for t in pd.to_datetime(ds)],
                "calls": clip(mean),
                "lo": clip(lo),
                "hi": clip(hi),
                "seconds": seconds,
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
