"""Constants of the sample centre (dates, queues, states), its plan.toml and its time grid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

__all__ = [
    "EMAIL_HOLIDAY_LEVEL",
    "DAILY_CV",
    "HISTORY_DAYS",
    "HISTORY_START",
    "INTERVAL_S",
    "OPENING_H",
    "PLAN_TOML",
    "PLAN_WEEK_START",
    "QUEUES",
    "Q_INDEX",
    "Queue",
    "STATES",
    "STATES_DAYS",
    "STATES_START",
    "TREND_12W",
    "TZ",
    "WEEKDAY_LEVEL",
    "closed_dates",
    "interval_grid",
    "to_local",
]

TZ = "Europe/Amsterdam"
INTERVAL_S = 900
HISTORY_START = dt.date(2026, 2, 23)  # a Monday
HISTORY_DAYS = 84  # 12 weeks, to Sunday 2026-05-17
STATES_START = dt.date(2026, 5, 4)  # agent-state log: the last two weeks of the history
STATES_DAYS = 14
PLAN_WEEK_START = dt.date(2026, 5, 18)  # the planning week that follows the history
OPENING_H = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 17)}
STATES = (
    "available",
    "on_contact",
    "after_contact_work",
    "break",
    "lunch",
    "training",
    "meeting",
    "offline",
)


@dataclass(frozen=True)
class Queue:
    name: str
    channel: str
    threshold_s: int  # service-level threshold written to the history (email: 24 h)
    weekday_volume: float  # contacts offered on an average weekday
    aht_s: float  # mean handle time per contact, seconds
    aht_sigma: float  # log-standard deviation of a contact's handle time
    concurrency: int  # contacts an agent can hold at once
    patience_s: float  # mean caller patience used to simulate abandonment, seconds
    safety: float  # square-root staffing safety factor of the simulated staffing


# Volumes are sized so that the ~120 agents below can staff the centre at the targets with 30%
# shrinkage, and so the agent-state log (one record per contact and its wrap-up) stays small.
QUEUES = (
    Queue("sales", "voice", 20, 900.0, 300.0, 0.55, 1, 600.0, 1.2),
    Queue("support", "voice", 30, 1200.0, 420.0, 0.60, 1, 120.0, 0.9),
    Queue("chat", "chat", 60, 450.0, 600.0, 0.50, 2, 600.0, 1.1),
    Queue("email", "email", 86_400, 320.0, 480.0, 0.70, 1, np.inf, 0.0),
)
Q_INDEX = {q.name: i for i, q in enumerate(QUEUES)}
# Day-of-week level (Mon..Sun) relative to an average weekday.
WEEKDAY_LEVEL = {
    "voice": (1.16, 1.03, 0.99, 0.97, 0.85, 0.35, 0.0),
    "chat": (1.10, 1.02, 1.00, 0.98, 0.90, 0.42, 0.0),
    "email": (1.12, 1.02, 1.00, 0.98, 0.88, 0.45, 0.35),
}
DAILY_CV = 0.09  # coefficient of variation of the gamma day-level multiplier
TREND_12W = 0.06  # relative growth of volume over the 12 weeks
EMAIL_HOLIDAY_LEVEL = 0.40  # email arrivals on a public holiday, relative to a weekday

PLAN_TOML = """\
# Demo contact centre: the sample plan shipped with staffplan (data/samples/plan.toml).
# Written by `staffplan sample OUT_DIR`. Times are local wall-clock in `timezone`; fractions are
# in [0, 1], never percentages; units are in the key names (_s seconds, _h hours).

[center]
name = "Demo contact centre"
timezone = "Europe/Amsterdam"  # IANA zone of the opening hours and the history timestamps
country = "NL"                 # ISO 3166 code for public holidays (python-holidays): closed then
interval_minutes = 15          # planning interval in minutes; the history uses the same length
shrinkage = 0.30               # fraction of paid time not available for contacts
                               # (absence, breaks, meetings, training)

[center.opening_hours]         # local wall-clock "HH:MM-HH:MM"; a missing day (here sun) is closed
mon = "08:00-20:00"
tue = "08:00-20:00"
wed = "08:00-20:00"
thu = "08:00-20:00"
fri = "08:00-20:00"
sat = "09:00-17:00"

[[queues]]
name = "sales"
channel = "voice"              # voice | chat | email
service_level = 0.80           # target: fraction of offered calls answered within threshold_s
threshold_s = 20               # service-level threshold in seconds
max_occupancy = 0.85           # upper bound on the fraction of staffed time agents are busy

[[queues]]
name = "support"
channel = "voice"
service_level = 0.80
threshold_s = 30
patience_s = 120               # mean caller patience in seconds (abandonment, Erlang A)

[[queues]]
name = "chat"
channel = "chat"
service_level = 0.80           # fraction of chats picked up within threshold_s
threshold_s = 60
concurrency = 2                # chats one agent handles at the same time

[[queues]]
name = "email"
channel = "email"
service_level = 0.90           # fraction of emails answered within deadline_h of arrival
deadline_h = 24                # answer deadline in hours (emails arrive around the clock)

[shifts]                       # shift rules of the roster (local wall clock)
lengths_h = [4, 6, 8]          # allowed shift lengths, hours
start_step_minutes = 15        # shifts start on this grid
earliest_start = "08:00"       # no shift starts before ...
latest_end = "20:00"           # ... or ends after (the opening hours)
max_days_per_week = 5
min_rest_h = 11                # rest between two shifts, hours
consecutive_days_off = 2       # wanted run of days off (soft)
start_band_minutes = 120       # start times within this band across the week (stable rosters)

[[shifts.breaks]]              # one table per break, placed by the optimiser in its window
name = "break"
minutes = 15
min_shift_h = 4                # applies to shifts of at least this length, hours
earliest_after_h = 1.5         # window for the break's start, hours after the shift start
latest_after_h = 3.0
paid = true

[[shifts.breaks]]
name = "lunch"
minutes = 30
min_shift_h = 6
earliest_after_h = 3.0
latest_after_h = 5.0
paid = true                    # paid lunch: 4, 6 and 8 h shifts fit the 20-40 h contracts

[solver]
name = "highs"                 # highs | cbc
time_limit_s = 30              # wall-clock limit of the whole schedule, seconds
mip_gap = 0.01                 # stop within 1 % of the best bound
"""


# --------------------------------------------------------------------------- time grid


def closed_dates() -> set[dt.date]:
    """Dutch public holidays (python-holidays) in the sample years: the centre is closed."""
    years = range(HISTORY_START.year, PLAN_WEEK_START.year + 1)
    return set(holidays.country_holidays("NL", years=years).keys())


def interval_grid(start: dt.date, n_days: int) -> pd.DataFrame:
    """All 15-minute intervals of ``n_days`` local days from ``start``.

    Returns one row per interval with ``utc_s`` (start, epoch seconds), ``day`` (day index),
    ``dow`` (0 = Monday), ``hour`` (local wall-clock hour of the interval midpoint),
    ``min_open`` (minutes since opening, NaN when closed) and ``open`` (inside opening hours
    on a day that is not a public holiday).
    """
    t0 = pd.Timestamp(start, tz=TZ)
    t1 = pd.Timestamp(start + dt.timedelta(days=n_days), tz=TZ)
    utc = pd.date_range(t0.tz_convert("UTC"), t1.tz_convert("UTC"), freq="15min", inclusive="left")
    local = utc.tz_convert(TZ)
    wall = local.tz_localize(None)
    day = np.asarray((wall.normalize() - pd.Timestamp(start)).days)
    dow = np.asarray(wall.day_of_week)
    hour = np.asarray(wall.hour + wall.minute / 60.0) + INTERVAL_S / 7200.0
    open_h = np.array([OPENING_H.get(d, (0, 0))[0] for d in range(7)], dtype=float)
    close_h = np.array([OPENING_H.get(d, (0, 0))[1] for d in range(7)], dtype=float)
    closed = closed_dates()
    holiday = np.array([start + dt.timedelta(days=int(d)) in closed for d in range(n_days)])
    is_open = (hour > open_h[dow]) & (hour < close_h[dow]) & ~holiday[day]
    return pd.DataFrame(
        {
            "utc_s": utc.as_unit("s").asi8,
            "day": day,
            "dow": dow,
            "hour": hour,
            "min_open": np.where(is_open, (hour - open_h[dow]) * 60.0, np.nan),
            "open": is_open,
            "holiday": holiday[day],
        }
    )


def to_local(utc_s: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds to tz-aware local timestamps (Europe/Amsterdam)."""
    return pd.to_datetime(np.asarray(utc_s, dtype=np.int64), unit="s", utc=True).tz_convert(TZ)
