"""Validation of a forecast frame read from a file (``forecast.csv``)."""

from __future__ import annotations

import pandas as pd

from staffplan.config import PlanConfig
from staffplan.schema.columns import FORECAST_COLUMNS, FORECAST_OPTIONAL
from staffplan.schema.history import check_alignment, check_duplicates, check_queue_names
from staffplan.schema.tables import Checked, Collector, TableSource, check_columns, parse_numbers
from staffplan.schema.timestamps import parse_timestamps

__all__ = ["validate_forecast"]


def validate_forecast(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate a forecast frame: ``interval_start``, ``queue``, ``calls``, ``aht_s`` and
    optionally ``calls_lo``, ``calls_hi`` (the band).

    Calls may be fractional (expected values) but not negative; ``aht_s`` (seconds) must be
    positive wherever calls are forecast. Returns the typed frame sorted by queue and time.
    """
    source = source or TableSource("forecast")
    problems = Collector(source)
    warnings = []
    check_columns(frame, FORECAST_COLUMNS, FORECAST_OPTIONAL, problems, warnings)
    zone = config.center.timezone
    starts = parse_timestamps(
        frame["interval_start"],
        config.center.tzinfo,
        problems,
        "interval_start",
        timezone_name=zone,
    )
    queue = frame["queue"].astype("string").str.strip()
    check_queue_names(queue, frame["queue"], config, problems)
    calls = parse_numbers(frame, "calls", problems, integer=False)
    busy = calls.fillna(0) > 0
    aht = parse_numbers(frame, "aht_s", problems, integer=False, required=busy)
    problems.rows(
        busy & (aht == 0),
        frame["aht_s"],
        "handle time is 0 although calls are forecast",
        column="aht_s",
        fix="give the expected handle time in seconds",
    )
    band = {
        c: parse_numbers(frame, c, problems, integer=False)
        for c in FORECAST_OPTIONAL
        if c in frame.columns
    }
    problems.raise_if_any()
    check_alignment(starts, frame["interval_start"], config.center.interval_minutes, problems)
    check_duplicates(starts, queue, frame["interval_start"], problems)
    problems.raise_if_any()
    clean = pd.DataFrame(
        {
            "interval_start": starts,
            "queue": queue.astype(str),
            "calls": calls,
            **band,
            "aht_s": aht.where(busy, 0.0).fillna(0.0),
        }
    )
    clean = clean.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    return Checked(clean, warnings)
