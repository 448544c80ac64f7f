"""Seeded generator of the demo contact centre shipped in ``data/samples/``.

:func:`build_sample` returns every sample input as text or frames (no file I/O; ``io.py``
writes them): the plan config, 12 weeks of interval history for four queues, the agents with
their skills and contracts, availability for the following planning week, and an agent-state
log for the last two weeks of the history that accounts for every handled contact.

The same seed always gives identical output; all randomness comes from one
``numpy.random.default_rng(seed)`` split into independent streams.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

__all__ = ["SampleCentre", "build_sample"]

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
class _Queue:
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
_QUEUES = (
    _Queue("sales", "voice", 20, 900.0, 300.0, 0.55, 1, 600.0, 1.2),
    _Queue("support", "voice", 30, 1200.0, 420.0, 0.60, 1, 120.0, 0.9),
    _Queue("chat", "chat", 60, 450.0, 600.0, 0.50, 2, 600.0, 1.1),
    _Queue("email", "email", 86_400, 320.0, 480.0, 0.70, 1, np.inf, 0.0),
)
_Q_INDEX = {q.name: i for i, q in enumerate(_QUEUES)}
# Day-of-week level (Mon..Sun) relative to an average weekday.
_WEEKDAY_LEVEL = {
    "voice": (1.16, 1.03, 0.99, 0.97, 0.85, 0.35, 0.0),
    "chat": (1.10, 1.02, 1.00, 0.98, 0.90, 0.42, 0.0),
    "email": (1.12, 1.02, 1.00, 0.98, 0.88, 0.45, 0.35),
}
_DAILY_CV = 0.09  # coefficient of variation of the gamma day-level multiplier
_TREND_12W = 0.06  # relative growth of volume over the 12 weeks
_EMAIL_HOLIDAY_LEVEL = 0.40  # email arrivals on a public holiday, relative to a weekday

_PLAN_TOML = """\
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
"""


@dataclass(frozen=True)
class SampleCentre:
    """The demo contact centre: every sample input as text or frames.

    Attributes
    ----------
    plan_toml : str
        Text of ``plan.toml``.
    history : pandas.DataFrame
        Interval history, one row per 15-minute interval and queue: ``interval_start``
        (tz-aware, Europe/Amsterdam, start-labelled), ``queue``, ``offered``, ``handled``,
        ``abandoned`` (counts), ``aht_s`` (mean handle time of the handled contacts, seconds;
        0.0 when none), ``answered_in_sl`` (count), ``sl_threshold_s`` (seconds).
    agents : pandas.DataFrame
        ``agent_id``, ``name``, ``team``, ``skills`` (``sales:1|chat:2``, 1 = highest
        priority), ``min_hours_week``, ``max_hours_week`` (hours), ``cost_per_hour`` (EUR).
    availability : pandas.DataFrame
        ``agent_id``, ``date`` (``YYYY-MM-DD``), ``kind`` (``unavailable`` | ``request_on`` |
        ``request_off``), ``start``, ``end`` (``HH:MM`` local, empty = whole day), ``weight``
        (NaN for ``unavailable``).
    agent_states : pandas.DataFrame
        ``agent_id``, ``state_start``, ``state_end`` (tz-aware local), ``state``, ``queue``
        (set for ``on_contact`` and ``after_contact_work``, empty otherwise).
    """

    plan_toml: str
    history: pd.DataFrame
    agents: pd.DataFrame
    availability: pd.DataFrame
    agent_states: pd.DataFrame

    def files(self) -> dict[str, str | pd.DataFrame]:
        """File name -> content (text or a frame to write as CSV) of the sample centre.

        The activity log is the largest table: gzipped, the sample centre stays small.
        """
        return {
            "plan.toml": self.plan_toml,
            "history.csv": self.history,
            "agents.csv": self.agents,
            "availability.csv": self.availability,
            "agent_states.csv.gz": self.agent_states,
        }


def build_sample(seed: int = 20260301) -> SampleCentre:
    """Build the demo contact centre.

    Parameters
    ----------
    seed : int, default 20260301
        Seed of ``numpy.random.default_rng``; the same seed gives identical output.

    Returns
    -------
    SampleCentre
        Plan text and the history, agents, availability and agent-state frames.

    Notes
    -----
    History: 12 weeks from Monday 2026-02-23 to Sunday 2026-05-17 (local), containing the
    switch to summer time on 2026-03-29 (a 23-hour day) and Dutch public holidays (closed).
    Voice and chat rows exist only inside opening hours; email has a row for every interval of
    every day and is answered first-in first-out from a backlog during opening hours. The
    agent-state log covers 2026-05-04 to 2026-05-17; every handled contact of those days is one
    ``on_contact`` record followed by its ``after_contact_work`` record (handle time = talk +
    wrap-up). An agent holds at most one contact at a time, except chats: up to two chat
    contacts (talk or wrap-up) at once.
    """
    rng_hist, rng_agents, rng_avail, rng_states = np.random.default_rng(seed).spawn(4)
    grid = _interval_grid(HISTORY_START, HISTORY_DAYS)
    history, contacts = _build_history(grid, rng_hist)
    agents = _build_agents(rng_agents)
    availability = _build_availability(agents, rng_avail)
    agent_states = _build_agent_states(grid, contacts, agents, rng_states)
    return SampleCentre(_PLAN_TOML, history, agents, availability, agent_states)


# --------------------------------------------------------------------------- time grid


def _closed_dates() -> set[dt.date]:
    """Dutch public holidays (python-holidays) in the sample years: the centre is closed."""
    years = range(HISTORY_START.year, PLAN_WEEK_START.year + 1)
    return set(holidays.country_holidays("NL", years=years).keys())


def _interval_grid(start: dt.date, n_days: int) -> pd.DataFrame:
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
    closed = _closed_dates()
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


def _to_local(utc_s: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds to tz-aware local timestamps (Europe/Amsterdam)."""
    return pd.to_datetime(np.asarray(utc_s, dtype=np.int64), unit="s", utc=True).tz_convert(TZ)


# --------------------------------------------------------------------------- history


def _intraday_shape(channel: str, hour: np.ndarray) -> np.ndarray:
    """Relative arrival intensity by local hour of day (dimensionless, peak ~1).

    Voice peaks at 10:00-11:00 with a smaller peak after lunch; chat runs later into the
    evening; email arrives around the clock with a low night and an evening tail.
    """

    def bump(mu: float, sd: float) -> np.ndarray:
        return np.exp(-0.5 * ((hour - mu) / sd) ** 2)

    if channel == "voice":
        return 0.22 + bump(10.5, 1.3) + 0.6 * bump(14.25, 1.3) + 0.12 * bump(18.5, 1.2)
    if channel == "chat":
        return 0.25 + 0.75 * bump(11.0, 1.5) + 0.8 * bump(15.0, 1.6) + 0.6 * bump(19.0, 1.3)
    return 0.04 + 0.9 * bump(10.5, 1.8) + 0.7 * bump(14.5, 1.8) + 0.45 * bump(20.5, 2.0)


def _day_levels(grid: pd.DataFrame, q: _Queue, rng: np.random.Generator) -> np.ndarray:
    """Expected contacts per local day for queue ``q``, before and after the gamma draw.

    Returns an array of shape (2, n_days): row 0 the planned level (weekday profile, trend,
    busier day after a holiday), row 1 that level times a gamma multiplier (mean 1, CV ~9%).
    """
    days = grid.groupby("day")[["dow", "holiday"]].first()
    dow, holiday = days["dow"].to_numpy(), days["holiday"].to_numpy()
    weekday = np.asarray(_WEEKDAY_LEVEL[q.channel])[dow]
    trend = 1.0 + _TREND_12W * np.arange(len(days)) / len(days)
    if q.channel == "email":
        after_holiday = np.ones(len(days))
        weekday = np.where(holiday, _EMAIL_HOLIDAY_LEVEL, weekday)
    else:
        boost = rng.uniform(1.15, 1.25, len(days))
        after_holiday = np.where(np.roll(holiday & (dow < 6), 1), boost, 1.0)
    planned = q.weekday_volume * weekday * trend * after_holiday
    k = 1.0 / _DAILY_CV**2
    return np.vstack([planned, planned * rng.gamma(k, 1.0 / k, len(days))])


def _expected_arrivals(grid: pd.DataFrame, q: _Queue, rng: np.random.Generator) -> np.ndarray:
    """Planned and actual expected arrivals per interval, shape (2, n_intervals)."""
    shape = _intraday_shape(q.channel, grid["hour"].to_numpy())
    rows = np.ones(len(grid), dtype=bool) if q.channel == "email" else grid["open"].to_numpy()
    shape = np.where(rows, shape, 0.0)
    day = grid["day"].to_numpy()
    per_day = np.bincount(day, weights=shape, minlength=day.max() + 1)
    share = np.divide(shape, per_day[day], out=np.zeros_like(shape), where=per_day[day] > 0)
    return _day_levels(grid, q, rng)[:, day] * share


def _mean_handle_s(grid: pd.DataFrame, q: _Queue, rng: np.random.Generator) -> np.ndarray:
    """Mean handle time per interval, seconds: longer just after opening and in the evening."""
    min_open = np.nan_to_num(grid["min_open"].to_numpy(), nan=600.0)
    hour = grid["hour"].to_numpy()
    tod = 1.0 + 0.15 * np.exp(-min_open / 40.0) + 0.12 * np.clip((hour - 17.0) / 3.0, 0, 1)
    day_noise = rng.lognormal(0.0, 0.03, grid["day"].max() + 1)[grid["day"].to_numpy()]
    return q.aht_s * tod * day_noise / 1.03  # 1.03: mean of tod over an open day


def _erlang_a(
    servers: np.ndarray,
    load: np.ndarray,
    patience: np.ndarray | float,
    threshold: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Erlang A (M/M/N+M) waiting, abandonment and service-level probabilities.

    Parameters
    ----------
    servers : numpy.ndarray of int
        Agents (chat: slots) per interval.
    load : numpy.ndarray
        Offered traffic per interval, in units of the mean handle time (Erlangs).
    patience, threshold : numpy.ndarray or float
        Mean patience and the service-level threshold, both in mean handle times.

    Returns
    -------
    p_abandon, p_within : numpy.ndarray
        Probability an arrival abandons, and that it is answered within the threshold.

    Notes
    -----
    Stationary distribution of the birth-death chain (Palm 1943, Garnett, Mandelbaum and
    Reiman 2002), in logs for stability; the wait of a delayed arrival is taken as
    exponential with the mean wait from Little's law.
    """
    size = int(servers.max()) + max(60, int(servers.max()))
    n = np.arange(size)[None, :]
    srv, a = servers[:, None].astype(float), np.maximum(load, 1e-9)[:, None]
    patience = np.broadcast_to(patience, load.shape)[:, None]
    log_pi = n * np.log(a) - np.cumsum(np.log(np.maximum(n, 1)), axis=1)
    step = np.log(a) - np.log(srv + np.maximum(n - srv, 0.0) / patience)
    queue_part = np.cumsum(np.where(n > srv, step, 0.0), axis=1)
    at_n = np.take_along_axis(log_pi, servers[:, None].astype(np.int64), axis=1)
    log_pi = np.where(n > srv, at_n + queue_part, log_pi)
    pi = np.exp(log_pi - log_pi.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    waiting = np.where(n >= srv, pi, 0.0).sum(axis=1)
    in_queue = np.where(n > srv, (n - srv) * pi, 0.0).sum(axis=1)
    p_abandon = in_queue / patience[:, 0] / a[:, 0]
    mean_wait = in_queue / a[:, 0]  # Little: L_q / lambda, in handle times
    still_waiting = np.exp(-threshold * waiting / np.maximum(mean_wait, 1e-12))
    p_within = 1.0 - waiting * still_waiting - p_abandon * (1.0 - still_waiting)
    return p_abandon, np.clip(p_within, 0.0, 1.0)


def _service_outcome(
    offered: np.ndarray,
    planned: np.ndarray,
    mean_s: np.ndarray,
    day: np.ndarray,
    q: _Queue,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Abandoned, handled and answered-in-SL counts for a voice or chat queue (open intervals).

    Staffing follows the square-root rule on the *planned* traffic with a thinner margin at
    the day's peak; the realised traffic then meets it in an Erlang A queue.
    """
    planned_load = planned * mean_s / INTERVAL_S
    peak = pd.Series(planned_load).groupby(day).transform("max").to_numpy()
    margin = q.safety * np.sqrt(planned_load) * (1.15 - 0.3 * planned_load / peak)
    servers = np.maximum(np.ceil(planned_load + margin), q.concurrency).astype(np.int64)
    load = offered * mean_s / INTERVAL_S
    p_abandon, p_within = _erlang_a(servers, load, q.patience_s / mean_s, q.threshold_s / mean_s)
    abandoned = rng.binomial(offered, np.clip(p_abandon, 0.0, 0.6))
    handled = offered - abandoned
    sl = np.clip(p_within / np.maximum(1.0 - p_abandon, 1e-9), 0.0, 1.0)
    return abandoned, handled, rng.binomial(handled, sl)


def _within_interval_s(
    utc_s: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Sorted uniform instants inside each interval, one per counted item (epoch seconds)."""
    start = np.repeat(utc_s, counts)
    return np.sort(start + rng.uniform(0.0, INTERVAL_S, start.size))


def _email_fifo(
    grid: pd.DataFrame, arrivals: np.ndarray, q: _Queue, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work the email backlog first-in first-out during opening hours.

    Returns handled per interval, answered within the deadline per interval, and the
    instant each handled email is picked up (epoch seconds, sorted).
    """
    is_open = grid["open"].to_numpy()
    dow = grid["dow"].to_numpy()
    # emails answered per open interval, relative to weekday arrivals: more on Monday to clear
    # the weekend backlog, fewer on Saturday
    rate = q.weekday_volume * np.where(dow == 5, 0.75, np.where(dow == 0, 1.6, 1.35)) / 48.0
    trend = 1.0 + _TREND_12W * grid["day"].to_numpy() / HISTORY_DAYS
    capacity = np.where(is_open, rng.poisson(rate * trend), 0)
    handled = np.zeros(len(grid), dtype=np.int64)
    backlog = 0
    for i, (cap, new) in enumerate(zip(capacity, arrivals, strict=True)):
        handled[i] = min(cap, backlog)  # only emails that arrived before the interval
        backlog += new - handled[i]
    utc_s = grid["utc_s"].to_numpy()
    arrived = _within_interval_s(utc_s, arrivals, rng)[: handled.sum()]
    picked = _within_interval_s(utc_s, handled, rng)
    in_time = picked - arrived <= q.threshold_s
    cell = np.repeat(np.arange(len(grid)), handled)
    in_sl = np.bincount(cell, weights=in_time, minlength=len(grid)).astype(np.int64)
    return handled, in_sl, np.floor(picked).astype(np.int64)


def _queue_history(
    grid: pd.DataFrame, q: _Queue, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Offered, handled, abandoned, answered-in-SL, mean handle time and pick-up instants."""
    planned, expected = _expected_arrivals(grid, q, rng)
    offered = rng.poisson(expected)
    mean_s = _mean_handle_s(grid, q, rng)
    if q.channel == "email":
        handled, in_sl, picked = _email_fifo(grid, offered, q, rng)
        abandoned = np.zeros_like(offered)
    else:
        rows = grid["open"].to_numpy()
        abandoned, handled, in_sl = (np.zeros_like(offered) for _ in range(3))
        abandoned[rows], handled[rows], in_sl[rows] = _service_outcome(
            offered[rows], planned[rows], mean_s[rows], grid["day"].to_numpy()[rows], q, rng
        )
        picked = np.floor(_within_interval_s(grid["utc_s"].to_numpy(), handled, rng))
    return {
        "offered": offered,
        "handled": handled,
        "abandoned": abandoned,
        "answered_in_sl": in_sl,
        "mean_s": mean_s,
        "picked_s": picked.astype(np.int64),
    }


def _handle_times(
    handled: np.ndarray, mean_s: np.ndarray, q: _Queue, rng: np.random.Generator
) -> np.ndarray:
    """Handle time of every handled contact, whole seconds (lognormal around the mean)."""
    mean = np.repeat(mean_s, handled)
    mu = np.log(mean) - 0.5 * q.aht_sigma**2
    return np.clip(np.round(rng.lognormal(mu, q.aht_sigma)), 30, 3600).astype(np.int64)


def _build_history(
    grid: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History frame and the table of handled contacts (queue, pick-up instant, handle time)."""
    frames, contacts = [], []
    cell = np.arange(len(grid))
    for qi, q in enumerate(_QUEUES):
        h = _queue_history(grid, q, rng)
        ht = _handle_times(h["handled"], h["mean_s"], q, rng)
        total = np.bincount(np.repeat(cell, h["handled"]), weights=ht, minlength=len(grid))
        aht = np.round(np.divide(total, h["handled"], out=total.copy(), where=h["handled"] > 0), 1)
        rows = cell if q.channel == "email" else cell[grid["open"].to_numpy()]
        frames.append(
            pd.DataFrame(
                {
                    "cell": rows,
                    "qi": qi,
                    "queue": q.name,
                    "offered": h["offered"][rows],
                    "handled": h["handled"][rows],
                    "abandoned": h["abandoned"][rows],
                    "aht_s": aht[rows],
                    "answered_in_sl": h["answered_in_sl"][rows],
                    "sl_threshold_s": q.threshold_s,
                }
            )
        )
        contacts.append(pd.DataFrame({"qi": qi, "start_s": h["picked_s"], "handle_s": ht}))
    hist = pd.concat(frames, ignore_index=True).sort_values(["cell", "qi"], ignore_index=True)
    hist.insert(0, "interval_start", _to_local(grid["utc_s"].to_numpy()[hist["cell"]]))
    hist = hist.drop(columns=["cell", "qi"])
    counts = ["offered", "handled", "abandoned", "answered_in_sl", "sl_threshold_s"]
    hist[counts] = hist[counts].astype(np.int64)
    hist["aht_s"] = hist["aht_s"].astype(np.float64)
    return hist, pd.concat(contacts, ignore_index=True)


# --------------------------------------------------------------------------- agents

_FIRST = (  # noqa: SIM905 (a compact word list)
    "Anna Bram Chantal Daan Emma Fleur Gijs Hanna Iris Jeroen Julia Kees Lotte Lucas Maartje "
    "Milan Noor Pieter Rik Sanne Sem Sophie Thijs Tess Vera Wouter Yara Anouk Bas Eva Femke "
    "Jasper Lieke Mohamed Nadia Ruben Sara Tim Yusuf Zeynep"
).split()
_LAST = (  # noqa: SIM905
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|"
    "de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|Yilmaz|El Amrani"
).split("|")
_TEAMS = ("Team Noord", "Team Oost", "Team Zuid", "Team West", "Team Centrum", "Team Haven")
# (number of agents, skill patterns, pattern probabilities) per primary queue.
_SKILL_MIX = (
    (48, ("sales:1|chat:2", "sales:1|support:2", "sales:1|chat:2|email:3"), (0.5, 0.3, 0.2)),
    (
        54,
        ("support:1|email:2", "support:1|chat:2", "support:1|sales:2|email:3", "support:1"),
        (0.35, 0.3, 0.2, 0.15),
    ),
    (10, ("chat:1|support:2", "chat:1|sales:2|email:3"), (0.5, 0.5)),
    (8, ("email:1|support:2", "email:1"), (0.6, 0.4)),
)
_CONTRACTS = ((20, 24), (24, 32), (32, 40), (36, 40))
_CONTRACT_P = (0.2, 0.4, 0.3, 0.1)


def _build_agents(rng: np.random.Generator) -> pd.DataFrame:
    """About 120 agents in six teams with skills, contracts (hours/week) and cost (EUR/hour)."""
    skills = [str(s) for n, patterns, p in _SKILL_MIX for s in rng.choice(patterns, size=n, p=p)]
    n = len(skills)
    order = rng.permutation(n)
    skills = [skills[i] for i in order]
    pairs = rng.choice(len(_FIRST) * len(_LAST), size=n, replace=False)
    names = [f"{_FIRST[k // len(_LAST)]} {_LAST[k % len(_LAST)]}" for k in pairs]
    contract = rng.choice(len(_CONTRACTS), size=n, p=_CONTRACT_P)
    years = np.minimum(rng.exponential(4.0, n), 15.0)
    cost = np.clip(18.0 + 0.75 * years + rng.normal(0.0, 0.6, n), 18.0, 30.0)
    return pd.DataFrame(
        {
            "agent_id": [f"A{i + 1:03d}" for i in range(n)],
            "name": names,
            "team": [_TEAMS[i % len(_TEAMS)] for i in rng.permutation(n)],
            "skills": skills,
            "min_hours_week": np.array([_CONTRACTS[c][0] for c in contract], dtype=np.int64),
            "max_hours_week": np.array([_CONTRACTS[c][1] for c in contract], dtype=np.int64),
            "cost_per_hour": np.round(cost * 4.0) / 4.0,
        }
    )


def _skill_priorities(agents: pd.DataFrame) -> np.ndarray:
    """Priority matrix (agents x queues): 1 = highest, 0 = no skill."""
    prio = np.zeros((len(agents), len(_QUEUES)), dtype=np.int64)
    for a, skills in enumerate(agents["skills"]):
        for item in skills.split("|"):
            name, level = item.split(":")
            prio[a, _Q_INDEX[name]] = int(level)
    return prio


def _build_availability(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Unavailable days, partial unavailability and shift requests in the planning week."""
    n = len(agents)
    days = [PLAN_WEEK_START + dt.timedelta(days=d) for d in range(6)]  # Mon..Sat (Sun closed)
    picks = rng.permutation(n)[:33]
    rows = []
    for k, a in enumerate(picks):
        day = days[int(rng.integers(0, len(days)))].isoformat()
        if k < 18:  # ~15% of agents: a whole day unavailable
            rows.append((a, day, "unavailable", "", "", np.nan))
        elif k < 23:  # partial-day unavailability (appointment, course)
            start, end = (("08:00", "12:00"), ("13:00", "17:00"), ("16:00", "20:00"))[k % 3]
            rows.append((a, day, "unavailable", start, end, np.nan))
        elif k < 29:  # requests not to work (whole day or part)
            start, end = (("", ""), ("", ""), ("14:00", "20:00"))[k % 3]
            rows.append((a, day, "request_off", start, end, float(rng.choice([1.0, 1.0, 2.0]))))
        else:  # requests to work a given window
            start, end = (("08:00", "16:30"), ("11:30", "20:00"))[k % 2]
            rows.append((a, day, "request_on", start, end, 1.0))
    frame = pd.DataFrame(rows, columns=["a", "date", "kind", "start", "end", "weight"])
    saturday = pd.to_datetime(frame["date"]).dt.day_of_week == 5  # open 09:00-17:00
    timed = saturday & (frame["start"] != "")
    frame.loc[timed, "start"] = frame.loc[timed, "start"].clip(lower="09:00", upper="16:00")
    frame.loc[timed, "end"] = frame.loc[timed, "end"].clip(upper="17:00")
    frame.insert(0, "agent_id", agents["agent_id"].to_numpy()[frame["a"].to_numpy()])
    frame = frame.drop(columns="a").sort_values(["agent_id", "date"], ignore_index=True)
    frame["weight"] = frame["weight"].astype(np.float64)
    return frame


# --------------------------------------------------------------------------- agent states

_BREAK_SHARE = 0.10  # share of a shift spent on breaks, lunch and other blocks
_TARGET_OCCUPANCY = 0.92  # busy share of working agents the shift plan aims at


@dataclass
class _Roster:
    """Per-agent shift parameters used while planning the two weeks."""

    primary: np.ndarray  # primary queue index
    prio: np.ndarray  # (agents, queues) priorities, 0 = no skill
    shift_iv: np.ndarray  # shift length in 15-minute intervals (including breaks)
    days_left: np.ndarray  # (weeks, agents) working days still available


def _roster_params(agents: pd.DataFrame, rng: np.random.Generator) -> _Roster:
    """Shift length and working days per week per agent from the contract."""
    prio = _skill_priorities(agents)
    lo, hi = agents["min_hours_week"].to_numpy(), agents["max_hours_week"].to_numpy()
    shift_h = np.where(hi >= 36, rng.choice([8.5, 9.0], len(hi)), 8.0)
    shift_h = np.where(hi <= 32, rng.choice([6.0, 6.5, 8.0], len(hi)), shift_h)
    shift_h = np.where(hi <= 24, rng.choice([4.5, 5.0, 6.0], len(hi)), shift_h)
    paid_h = shift_h - np.where(shift_h >= 6.0, 0.5, 0.0)  # lunch is unpaid
    days = np.zeros((STATES_DAYS // 7, len(hi)), dtype=np.int64)
    for w in range(days.shape[0]):
        target = rng.uniform(lo, hi) * (rng.random(len(hi)) > 0.08)  # ~8% on leave
        days[w] = np.clip(np.round(target / paid_h), 0, np.minimum(5, hi // paid_h))
    primary = np.where(prio > 0, prio, 99).argmin(axis=1)
    return _Roster(primary, prio, (shift_h * 4).astype(np.int64), days)


def _staff_target(load_q: np.ndarray) -> np.ndarray:
    """Agents to have on shift per interval from the busy-agent load per queue (Erlangs).

    The load is smoothed over an hour and a quarter, as a planner staffs to a forecast and
    the pooled routing absorbs the interval-to-interval noise.
    """
    load = pd.Series(load_q.sum(axis=0)).rolling(5, center=True, min_periods=1).mean().to_numpy()
    working = load / _TARGET_OCCUPANCY + 0.5 * np.sqrt(load) + 1.0
    return np.ceil(working / (1.0 - _BREAK_SHARE))


def _agent_pool(ros: _Roster, week: int, taken: np.ndarray, q: int) -> np.ndarray:
    """Who may start a shift: primary skill ``q``, else skill ``q``, else anyone free today."""
    free = ~taken & (ros.days_left[week] > 0)
    for pool in (free & (ros.primary == q), free & (ros.prio[:, q] > 0), free, ~taken):
        if pool.any():
            return pool
    raise RuntimeError("sample centre: not enough agents to staff the day")


def _best_shift(deficit: np.ndarray, i: int, lengths: np.ndarray) -> tuple[int, int]:
    """Length and first interval of the shift covering ``i`` that is most often needed.

    Score: share of the span still short of staff, then the shortfall it covers per interval,
    then length (longer shifts use contract hours).
    """
    n_iv = len(deficit)
    need = np.concatenate([[0], np.cumsum(deficit > 0)])
    amount = np.concatenate([[0.0], np.cumsum(np.clip(deficit, 0, None))])
    best, choice = -np.inf, (int(lengths[0]), 0)
    for length in np.unique(np.minimum(lengths, n_iv)):
        first = np.arange(max(0, i - length + 1), min(i, n_iv - length) + 1)
        score = (need[first + length] - need[first]) / length * 1000.0
        score = score + (amount[first + length] - amount[first]) / length + length * 0.01
        k = int(np.argmax(score))
        if score[k] > best:
            best, choice = score[k], (int(length), int(first[k]))
    return choice


def _plan_day(
    load_q: np.ndarray, ros: _Roster, week: int, rng: np.random.Generator
) -> list[tuple[int, int, int]]:
    """Cover one day's demand with shifts, peak first: list of (agent, first iv, n iv)."""
    n_iv = load_q.shape[1]
    deficit = _staff_target(load_q)
    queue_deficit = deficit * load_q / np.maximum(load_q.sum(axis=0), 1e-9)
    taken = np.zeros(len(ros.primary), dtype=bool)
    shifts = []
    while deficit.max() > 0:
        i = int(np.argmax(deficit))
        pool = _agent_pool(ros, week, taken, int(np.argmax(queue_deficit[:, i])))
        length, first = _best_shift(deficit, i, ros.shift_iv[pool])
        fits = pool & (np.minimum(ros.shift_iv, n_iv) == length)
        a = int(np.argmax(np.where(fits, ros.days_left[week] + rng.random(len(fits)), -np.inf)))
        deficit[first : first + length] -= 1
        queue_deficit[ros.primary[a], first : first + length] -= 1
        taken[a] = True
        ros.days_left[week, a] -= 1
        shifts.append((a, first, length))
    return shifts


def _shift_blocks(
    start_s: int, length_iv: int, rng: np.random.Generator
) -> list[tuple[int, int, int]]:
    """Planned non-contact blocks of a shift: (start epoch s, duration s, state index)."""
    iv = INTERVAL_S
    blocks = [(start_s + (8 + int(rng.integers(-1, 2))) * iv, iv, STATES.index("break"))]
    if length_iv >= 24:
        lunch = length_iv // 2 + int(rng.integers(-1, 2))
        blocks.append((start_s + lunch * iv, 2 * iv, STATES.index("lunch")))
        if rng.random() < 0.08:
            kind = STATES.index("training") if rng.random() < 0.5 else STATES.index("meeting")
            dur = int(rng.choice([2, 3, 4]))
            blocks.append((start_s + (length_iv - 4 - dur) * iv, dur * iv, kind))
    if rng.random() < 0.06:
        at = 0 if rng.random() < 0.5 else int(rng.integers(12, length_iv - 4))
        off = start_s + at * iv + (0 if at == 0 else 300)
        blocks.append((off, int(rng.integers(4, 11)) * 60, STATES.index("offline")))
    return sorted(blocks)


class _DaySim:
    """Greedy event-driven assignment of one day's contacts to the agents on shift.

    Each contact goes to the skilled agent who can start it first (ties: better skill
    priority, then longest idle). Breaks and other blocks start at their planned time or as
    soon as the agent finishes the contact in hand. Times are seconds after opening.
    """

    def __init__(
        self,
        shift_start: np.ndarray,
        shift_end: np.ndarray,
        blocks: list[list[tuple[int, int, int]]],
        prio: np.ndarray,
    ) -> None:
        self.end = np.asarray(shift_end, dtype=float)
        self.free = np.asarray(shift_start, dtype=float)  # free for any contact
        self.busy = self.free.copy()  # end of the last non-chat contact or block
        self.chat_ready = self.free.copy()  # free for one more chat
        self.slots = np.repeat(self.free[:, None], 2, axis=1)  # chat slot end times
        self.blocks = blocks
        self.ptr = np.zeros(len(blocks), dtype=np.int64)
        self.nbs = np.array([b[0][0] if b else np.inf for b in blocks], dtype=float)
        self.next_block = self.nbs.min()
        self.pen = np.where(prio > 0, (prio - 1) * 0.1, np.inf)
        self.records: list[tuple[int, float, float, int, int]] = []

    def _apply_block(self, a: int) -> None:
        start, dur, state = self.blocks[a][self.ptr[a]]
        begin = max(start, self.free[a])
        self.records.append((a, begin, begin + dur, state, -1))
        self.busy[a] = self.free[a] = self.chat_ready[a] = begin + dur
        self.ptr[a] += 1
        more = self.ptr[a] < len(self.blocks[a])
        self.nbs[a] = self.blocks[a][self.ptr[a]][0] if more else np.inf

    def _start_due_blocks(self, t: float) -> None:
        for a in np.flatnonzero(self.nbs <= t):
            while self.nbs[a] <= max(t, self.free[a]):
                self._apply_block(a)
        self.next_block = self.nbs.min()

    def assign(self, q: int, t: float, handle: int, talk: int) -> float:
        """Give one contact to an agent; returns its start time."""
        if t >= self.next_block:
            self._start_due_blocks(t)
        chat = _QUEUES[q].concurrency > 1
        cand = np.maximum(self.chat_ready if chat else self.free, t)
        score = cand + self.pen[:, q] + 1e-7 * self.free
        a = int(np.argmin(np.where(cand < self.end, score, np.inf)))
        if not cand[a] < self.end[a] or not np.isfinite(score[a]):
            # nobody free before their shift ends: overtime for whoever is (or was last) on
            overtime = score + 1000.0 * np.maximum(t - self.end, 0.0)
            a = int(np.argmin(overtime))
            if not np.isfinite(overtime[a]):
                raise RuntimeError(f"sample centre: no agent with skill {_QUEUES[q].name}")
        begin = cand[a]
        self.records.append((a, begin, begin + talk, 1, q))
        self.records.append((a, begin + talk, begin + handle, 2, q))
        if chat:
            self.slots[a, np.argmin(self.slots[a])] = begin + handle
            self.free[a] = max(self.busy[a], self.slots[a].max())
            self.chat_ready[a] = max(self.busy[a], self.slots[a].min())
        else:
            self.busy[a] = self.free[a] = self.chat_ready[a] = begin + handle
        while self.nbs[a] <= self.free[a]:
            self._apply_block(a)
        return begin

    def finish(self) -> None:
        """Run the blocks still planned after the last contact of the day."""
        for a in range(len(self.blocks)):
            while np.isfinite(self.nbs[a]):
                self._apply_block(a)


def _day_load(day_contacts: pd.DataFrame, open_s: np.ndarray) -> np.ndarray:
    """Busy agents per queue and open interval (Erlangs), from the contacts handled in it."""
    iv = np.clip(np.searchsorted(open_s, day_contacts["start_s"], side="right") - 1, 0, None)
    conc = np.array([q.concurrency for q in _QUEUES], dtype=float)
    work = day_contacts["handle_s"].to_numpy() / conc[day_contacts["qi"].to_numpy()]
    flat = day_contacts["qi"].to_numpy() * len(open_s) + iv
    load = np.bincount(flat, weights=work, minlength=len(_QUEUES) * len(open_s))
    return load.reshape(len(_QUEUES), len(open_s)) / INTERVAL_S


def _simulate_day(
    day_contacts: pd.DataFrame,
    open_s: np.ndarray,
    ros: _Roster,
    week: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan shifts for one open day and play its contacts; returns records and shifts."""
    day0 = int(open_s[0])  # times inside the simulation count from opening
    shifts = _plan_day(_day_load(day_contacts, open_s), ros, week, rng)
    agent = np.array([a for a, _, _ in shifts], dtype=np.int64)
    start = np.array([open_s[0] + f * INTERVAL_S for _, f, _ in shifts], dtype=np.int64)
    end = start + np.array([n for _, _, n in shifts], dtype=np.int64) * INTERVAL_S
    blocks = [
        [(b - day0, d, s) for b, d, s in _shift_blocks(int(s0), n, rng)]
        for s0, (_, _, n) in zip(start, shifts, strict=True)
    ]
    sim = _DaySim(start - day0, end - day0, blocks, ros.prio[agent])
    handle = day_contacts["handle_s"].to_numpy()
    talk = np.clip(np.round(handle * rng.uniform(0.80, 0.85, len(handle))), 1, handle - 1)
    for q, t, h, k in zip(
        day_contacts["qi"].to_numpy(),
        day_contacts["start_s"].to_numpy() - day0,
        handle,
        talk.astype(np.int64),
        strict=True,
    ):
        sim.assign(int(q), float(t), int(h), int(k))
    sim.finish()
    rec = pd.DataFrame(sim.records, columns=["k", "start", "end", "state", "qi"])
    rec["agent"] = agent[rec["k"].to_numpy()]
    rec[["start", "end"]] = (rec[["start", "end"]] + day0).round().astype(np.int64)
    return rec.drop(columns="k"), pd.DataFrame({"agent": agent, "start": start, "end": end})


def _fill_available(rec: pd.DataFrame, shifts: pd.DataFrame) -> pd.DataFrame:
    """Add ``available`` records for the idle gaps so each shift is covered contiguously."""
    marks = pd.concat(
        [
            shifts.assign(end=shifts["start"], state=-1, qi=-1),
            shifts.assign(start=shifts["end"], state=-1, qi=-1),
        ]
    )
    allr = pd.concat([rec, marks], ignore_index=True)
    allr = allr.sort_values(["shift", "start", "end"], ignore_index=True)
    shift = allr["shift"].to_numpy()
    offset = shift.astype(np.int64) * 10**8
    run_end = np.maximum.accumulate(allr["end"].to_numpy() + offset) - offset
    prev_end, start = run_end[:-1], allr["start"].to_numpy()[1:]
    gap = (shift[1:] == shift[:-1]) & (start > prev_end)
    avail = pd.DataFrame(
        {
            "start": prev_end[gap],
            "end": start[gap],
            "state": 0,
            "qi": -1,
            "agent": allr["agent"].to_numpy()[1:][gap],
            "shift": shift[1:][gap],
        }
    )
    return pd.concat([rec, avail], ignore_index=True)


def _build_agent_states(
    grid: pd.DataFrame,
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Agent-state log of the last two weeks, consistent with the history's handled counts."""
    ros = _roster_params(agents, rng)
    first_day = (STATES_START - HISTORY_START).days
    cell = np.searchsorted(grid["utc_s"].to_numpy(), contacts["start_s"], side="right") - 1
    contact_day = grid["day"].to_numpy()[cell]
    records, shifts = [], []
    for d in range(first_day, first_day + STATES_DAYS):
        open_s = grid.loc[(grid["day"] == d) & grid["open"], "utc_s"].to_numpy()
        if open_s.size == 0:
            continue
        todays = contacts[contact_day == d].sort_values("start_s", kind="stable")
        rec, sh = _simulate_day(todays, open_s, ros, (d - first_day) // 7, rng)
        sh["shift"] = np.arange(len(sh)) + sum(len(s) for s in shifts)
        rec["shift"] = rec["agent"].map(dict(zip(sh["agent"], sh["shift"], strict=True)))
        records.append(rec)
        shifts.append(sh)
    full = _fill_available(pd.concat(records, ignore_index=True), pd.concat(shifts))
    full = full.sort_values(["agent", "start", "end"], ignore_index=True)
    queue_names = np.array([q.name for q in _QUEUES] + [""])
    return pd.DataFrame(
        {
            "agent_id": agents["agent_id"].to_numpy()[full["agent"].to_numpy()],
            "state_start": _to_local(full["start"].to_numpy()),
            "state_end": _to_local(full["end"].to_numpy()),
            "state": np.array(STATES)[full["state"].to_numpy()],
            "queue": queue_names[full["qi"].to_numpy()],
        }
    )
