"""From a forecast to the agents each queue needs per interval, and back.

:func:`compute` turns the forecast frame into the requirements frame (DESIGN.md) with the model
that fits each queue's channel:

* voice without patience: Erlang C (:func:`staffplan.erlang.required_agents`);
* voice with ``patience_s``: Erlang A, M/M/n+M (:func:`staffplan.erlang.required_agents_a`);
* chat: the concurrency slot model (:func:`staffplan.erlang.required_agents_chat`);
* email: the fewest agent-intervals answering every item within ``deadline_h``, working only
  in opening hours (:func:`staffplan.erlang.required_agents_deferred`).

:func:`evaluate` answers the reverse question planners ask every day: with this many agents,
what service level, ASA, occupancy and abandonment will each interval get?
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffplan import erlang
from staffplan.config import PlanConfig, QueueConfig
from staffplan.schema.history import public_holidays

__all__ = [
    "REQUIREMENTS_COLUMNS",
    "DeferredNote",
    "Requirements",
    "compute",
    "evaluate",
    "StaffingTable",
    "open_mask",
    "staffing_table",
]

REQUIREMENTS_COLUMNS = (
    "interval_start",
    "queue",
    "calls",
    "aht_s",
    "traffic_erlangs",
    "agents",
    "agents_scheduled",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
)


@dataclass(frozen=True)
class DeferredNote:
    """Deferred items (email) that cannot be answered within their deadline.

    They arrive when no open interval lies inside their deadline window (e.g. an email on
    Saturday evening with a 24-hour deadline and the centre closed on Sunday); the plan
    answers them at the next opening instead.
    """

    queue: str
    items: float
    share: float
    first_interval: str


@dataclass
class Requirements:
    """The requirements frame and notes for the planner."""

    frame: pd.DataFrame
    notes: list[DeferredNote] = field(default_factory=list)


def compute(forecast: pd.DataFrame, config: PlanConfig, *, calls: str = "calls") -> Requirements:
    """Required agents per interval and queue for the forecast.

    Parameters
    ----------
    forecast : pandas.DataFrame
        The forecast frame: ``interval_start`` (tz-aware, start-labelled), ``queue``,
        ``calls`` (contacts per interval) and ``aht_s`` (seconds).
    config : PlanConfig
        Queues with their targets, the interval length and the shrinkage.
    calls : str, default "calls"
        The column to staff for; ``"calls_hi"`` staffs for the forecast's upper band.

    Returns
    -------
    Requirements
        ``frame`` has the columns of :data:`REQUIREMENTS_COLUMNS`: ``traffic_erlangs``
        (offered load), ``agents`` (on contacts), ``agents_scheduled`` (grossed up by
        ``center.shrinkage``), and the service the required agents give: ``service_level``
        (fraction; for email, answered within the deadline), ``asa_s`` (seconds; empty for
        email), ``occupancy`` and ``abandon_rate`` (fraction; empty where patience is not
        modelled). ``notes`` lists deferred items that no staffing can answer in time.
    """
    interval_s = config.center.interval_minutes * 60.0
    pieces, notes = [], []
    for name, rows in forecast.groupby("queue", sort=False):
        queue = config.queue(str(name))
        rows = rows.sort_values("interval_start")
        if queue.channel == "email":
            frame, note = _deferred(rows, rows[calls], queue, config)
            notes.extend([note] if note else [])
        else:
            frame = _immediate(rows, rows[calls].to_numpy(float), queue, interval_s)
        pieces.append(frame)
    result = pd.concat(pieces, ignore_index=True)
    result["agents_scheduled"] = erlang.scheduled_agents(
        result["agents"].to_numpy(), config.center.shrinkage
    ).astype("int64")
    return Requirements(result[list(REQUIREMENTS_COLUMNS)], notes)


def _immediate(
    rows: pd.DataFrame, calls: np.ndarray, queue: QueueConfig, interval_s: float
) -> pd.DataFrame:
    aht = _aht(rows, calls)
    load = erlang.traffic(calls, aht, interval_s)
    if queue.channel == "chat":
        agents = erlang.required_agents_chat(
            load,
            aht,
            queue.concurrency,
            target_sl=queue.service_level,
            threshold_s=queue.threshold_s,
            inflation=queue.concurrency_inflation,
            max_occupancy=queue.max_occupancy,
            target_asa_s=queue.target_asa_s,
        )
    elif queue.patience_s is not None:
        agents = erlang.required_agents_a(
            load,
            aht,
            queue.patience_s,
            target_sl=queue.service_level,
            threshold_s=queue.threshold_s,
            max_abandon=queue.max_abandon,
            max_occupancy=queue.max_occupancy,
        )
    else:
        agents = erlang.required_agents(
            load,
            aht,
            target_sl=queue.service_level,
            threshold_s=queue.threshold_s,
            max_occupancy=queue.max_occupancy,
            target_asa_s=queue.target_asa_s,
        )
    return _measures(rows, calls, aht, load, np.asarray(agents, dtype="int64"), queue)


def _aht(rows: pd.DataFrame, calls: np.ndarray) -> np.ndarray:
    aht = rows["aht_s"].to_numpy(float)
    bad = (calls > 0) & ~(aht > 0)
    if bad.any():
        first = rows["interval_start"].to_numpy()[bad][0]
        raise ValueError(
            f"queue {rows['queue'].iloc[0]!r}: handle time must be > 0 s where calls are "
            f"forecast, found {aht[bad][0]!r} at {first}; give aht_s for every busy interval"
        )
    return np.where(calls > 0, aht, 0.0)


def _measures(
    rows: pd.DataFrame,
    calls: np.ndarray,
    aht: np.ndarray,
    load: np.ndarray,
    agents: np.ndarray,
    queue: QueueConfig,
) -> pd.DataFrame:
    """Service of ``agents`` on an immediate (voice or chat) queue."""
    abandon = np.full(len(calls), np.nan)
    if queue.channel == "chat":
        m = erlang.erlang_chat(
            load,
            agents,
            aht,
            queue.threshold_s,
            queue.concurrency,
            inflation=queue.concurrency_inflation,
        )
        sl, asa, occ = m["service_level"], m["asa_s"], m["occupancy"]
    elif queue.patience_s is not None:
        m = erlang.erlang_a(load, agents, aht, queue.patience_s, queue.threshold_s)
        sl, asa, occ, abandon = (
            m["sl_offered"],
            m["asa_answered_s"],
            m["occupancy"],
            m["p_abandon"],
        )
    else:
        sl = erlang.service_level(load, agents, aht, queue.threshold_s)
        asa = erlang.asa(load, agents, aht)
        occ = erlang.occupancy(load, agents)
    idle = calls == 0
    return pd.DataFrame(
        {
            "interval_start": rows["interval_start"].to_numpy(),
            "queue": queue.name,
            "calls": calls,
            "aht_s": aht,
            "traffic_erlangs": load,
            "agents": agents,
            "service_level": np.where(idle, 1.0, sl),
            "asa_s": np.where(idle, 0.0, asa),
            "occupancy": np.where(idle, 0.0, occ),
            "abandon_rate": np.where(idle & ~np.isnan(abandon), 0.0, abandon),
        }
    ).assign(interval_start=lambda f: f["interval_start"].dt.tz_convert(_tz(rows)))


def _tz(rows: pd.DataFrame):
    return rows["interval_start"].dt.tz


# --------------------------------------------------------------------------- deferred work


def open_mask(starts: pd.Series, config: PlanConfig) -> np.ndarray:
    """True for intervals inside opening hours on a day that is not a public holiday.

    ``starts`` are tz-aware local interval starts; opening hours are local wall clock.
    """
    minutes = (starts.dt.hour * 60 + starts.dt.minute).to_numpy()
    weekday = starts.dt.day_of_week.to_numpy()
    mask = np.zeros(len(starts), dtype=bool)
    for day in range(7):
        hours = config.center.opening_hours.minutes(day)
        if hours is not None:
            mask |= (weekday == day) & (minutes >= hours[0]) & (minutes < hours[1])
    dates = starts.dt.date
    if len(dates):
        holidays = public_holidays(config, dates.min(), dates.max())
        mask &= ~dates.isin(list(holidays)).to_numpy(dtype=bool)
    return mask


def _full_grid(rows: pd.DataFrame, calls: pd.Series, step: pd.Timedelta) -> pd.DataFrame:
    """Every interval from the first to the last forecast one (absent rows = zero calls)."""
    tz = _tz(rows)
    starts = rows["interval_start"].dt.tz_convert("UTC")
    grid = pd.date_range(starts.min(), starts.max(), freq=step)
    frame = pd.DataFrame({"calls": calls.to_numpy(float), "aht_s": rows["aht_s"].to_numpy(float)})
    frame.index = pd.DatetimeIndex(starts)
    frame = frame.reindex(grid, fill_value=0.0)
    return frame.assign(interval_start=frame.index.tz_convert(tz)).reset_index(drop=True)


def _deferred(
    rows: pd.DataFrame, calls: pd.Series, queue: QueueConfig, config: PlanConfig
) -> tuple[pd.DataFrame, DeferredNote | None]:
    interval_s = config.center.interval_minutes * 60.0
    grid = _full_grid(rows, calls, pd.Timedelta(seconds=interval_s))
    arrivals = grid["calls"].to_numpy()
    aht = _pooled_aht(grid)
    is_open = open_mask(grid["interval_start"], config)
    window = int(np.floor(queue.deadline_h * 3600.0 / interval_s + 1e-9))
    released, stranded = _release_when_unreachable(arrivals, is_open, window)
    per_agent_s = interval_s * queue.max_occupancy
    week = int(round(7 * 86400 / interval_s))
    agents = _spread_agents(released * aht, per_agent_s, is_open, window, week)
    frame = _deferred_frame(grid, arrivals, aht, agents, queue, interval_s, window)
    note = None
    if stranded.sum() > 0:
        first = grid["interval_start"][np.flatnonzero(stranded)[0]]
        share = float(stranded.sum() / arrivals.sum())
        note = DeferredNote(queue.name, float(stranded.sum()), share, first.isoformat())
    return frame, note


def _deferred_frame(grid, arrivals, aht, agents, queue, interval_s, window) -> pd.DataFrame:
    capacity_s = agents * interval_s
    finish = _fifo_finish(arrivals * aht, capacity_s * queue.max_occupancy)
    due = np.arange(len(arrivals)) + window - 1
    # Items due after the horizon are the next plan's to answer: not counted late here.
    in_time = (finish <= due) | (due >= len(arrivals))
    return pd.DataFrame(
        {
            "interval_start": grid["interval_start"],
            "queue": queue.name,
            "calls": arrivals,
            "aht_s": np.where(arrivals > 0, aht, 0.0),
            "traffic_erlangs": arrivals * aht / interval_s,
            "agents": agents.astype("int64"),
            "service_level": np.where(arrivals > 0, in_time.astype(float), 1.0),
            "asa_s": np.nan,
            "occupancy": _backlog_occupancy(arrivals * aht, capacity_s),
            "abandon_rate": np.nan,
        }
    )


def _pooled_aht(grid: pd.DataFrame) -> float:
    """One handle time for the queue's deferred work: the item-weighted mean (seconds)."""
    weights = grid["calls"].to_numpy() * (grid["aht_s"].to_numpy() > 0)
    if weights.sum() <= 0:
        return 0.0
    return float(np.average(grid["aht_s"].to_numpy(), weights=weights))


def _release_when_unreachable(
    arrivals: np.ndarray, is_open: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Move items whose deadline window holds no open interval to the next open interval.

    Returns the released arrivals (what the staffing plans for) and the stranded items per
    arrival interval (those that will miss their deadline whatever the staffing).
    """
    n = len(arrivals)
    open_idx = np.flatnonzero(is_open)
    # the first open interval at or after each interval (n if none)
    pos = np.searchsorted(open_idx, np.arange(n))
    next_open = np.where(pos < len(open_idx), open_idx[np.minimum(pos, len(open_idx) - 1)], n)
    reachable = next_open - np.arange(n) < window
    stranded = np.where(reachable, 0.0, arrivals)
    released = np.where(reachable, arrivals, 0.0)
    moved = (~reachable) & (next_open < n) & (arrivals > 0)
    np.add.at(released, next_open[moved], arrivals[moved])
    return released, stranded


def _fifo_finish(work_s: np.ndarray, capacity_s: np.ndarray) -> np.ndarray:
    """Interval in which the last of each interval's work is finished, first come first served.

    ``work_s`` arrives at the start of each interval; each interval serves up to
    ``capacity_s`` seconds of the oldest work. Returns ``inf`` where work is never finished
    and ``-1`` where nothing arrived.
    """
    n = len(work_s)
    finish = np.where(work_s > 0, np.inf, -1.0)
    remaining = work_s.astype(float).copy()
    head = 0
    for j in range(n):
        budget = capacity_s[j]
        while head <= j and (remaining[head] <= 1e-9 or budget > 1e-9):
            take = min(budget, remaining[head])
            remaining[head] -= take
            budget -= take
            if remaining[head] > 1e-9:
                break
            if work_s[head] > 0:
                finish[head] = j
            head += 1
    return finish


def _spread_agents(
    work_s: np.ndarray, per_agent_s: float, is_open: np.ndarray, window: int, week: int
) -> np.ndarray:
    """Agents per interval when each interval's work is spread evenly over the open intervals
    of its deadline window.

    Every arrival interval's work is divided equally among the open intervals from its
    arrival to its deadline (``window`` intervals); an interval's head count is the ceiling
    of the work so allotted to it over ``per_agent_s`` (seconds of work per agent per
    interval). The allotment is a schedule that meets every deadline, so first-come
    first-served processing with these agents meets them too (earliest-deadline-first is
    optimal and here equals FIFO). Unlike the minimum-total staffing of
    :func:`staffplan.erlang.required_agents_deferred`, which staffs as late as possible in
    spikes, the profile is smooth; it costs at most one agent per open interval more.
    Windows that run past the horizon assume the opening pattern of the last ``week``
    intervals repeats; only the horizon's share is staffed (the rest is carried over).
    """
    n = len(work_s)
    period = is_open[-week:] if n >= week else is_open
    reps = int(np.ceil(window / max(len(period), 1))) + 1
    extended = np.concatenate([is_open, np.tile(period, reps)]).astype(float)
    opens = np.concatenate([[0.0], np.cumsum(extended)])
    starts = np.arange(n)
    count = opens[starts + window] - opens[starts]
    density = np.where(count > 0, work_s / np.where(count > 0, count, 1.0), 0.0)
    diff = np.zeros(len(extended) + 1)
    np.add.at(diff, starts, density)
    np.add.at(diff, starts + window, -density)
    allotted = np.cumsum(diff)[:n] * is_open
    return np.ceil(allotted / per_agent_s - 1e-9).astype("int64")


def _backlog_occupancy(work_s: np.ndarray, capacity_s: np.ndarray) -> np.ndarray:
    """Busy share of the staffed capacity, work done in arrival order (FIFO backlog)."""
    done = np.zeros_like(capacity_s, dtype=float)
    backlog = 0.0
    for i, (arriving, capacity) in enumerate(zip(work_s, capacity_s, strict=True)):
        backlog += arriving
        done[i] = min(backlog, capacity)
        backlog -= done[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(capacity_s > 0, done / np.where(capacity_s > 0, capacity_s, 1), 0.0)


# --------------------------------------------------------------------------- evaluate


def evaluate(staffing: pd.DataFrame, forecast: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    """Service level, ASA, occupancy and abandonment of a given head count per interval.

    Parameters
    ----------
    staffing : pandas.DataFrame
        ``interval_start``, ``queue`` and ``agents`` (agents on contacts, after shrinkage).
        Intervals of the forecast missing here have no agents.
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``calls``, ``aht_s``.
    config : PlanConfig
        Queue targets and models, interval length.

    Returns
    -------
    pandas.DataFrame
        One row per forecast interval and queue with ``calls``, ``aht_s``,
        ``traffic_erlangs``, ``agents``, ``service_level`` (fraction; for email, the share of
        items answered within the deadline by a FIFO backlog), ``asa_s`` (seconds),
        ``occupancy`` and ``abandon_rate`` (empty where patience is not modelled).
    """
    interval_s = config.center.interval_minutes * 60.0
    keyed = staffing.set_index(["interval_start", "queue"])["agents"]
    pieces = []
    for name, rows in forecast.groupby("queue", sort=False):
        queue = config.queue(str(name))
        rows = rows.sort_values("interval_start")
        index = pd.MultiIndex.from_arrays([rows["interval_start"], rows["queue"]])
        agents = keyed.reindex(index).fillna(0).to_numpy().astype("int64")
        calls = rows["calls"].to_numpy(float)
        if queue.channel == "email":
            pieces.append(_evaluate_deferred(rows, calls, agents, queue, interval_s))
            continue
        aht = _aht(rows, calls)
        load = erlang.traffic(calls, aht, interval_s)
        pieces.append(_measures(rows, calls, aht, load, agents, queue))
    return pd.concat(pieces, ignore_index=True)


def _evaluate_deferred(
    rows: pd.DataFrame, calls: np.ndarray, agents: np.ndarray, queue: QueueConfig, interval_s
) -> pd.DataFrame:
    grid = rows[["interval_start"]].reset_index(drop=True)
    aht = _pooled_aht(rows.assign(calls=calls))
    window = int(np.floor(queue.deadline_h * 3600.0 / interval_s + 1e-9))
    return _deferred_frame(grid, calls, aht, agents, queue, interval_s, window)


# --------------------------------------------------------------------------- one interval


@dataclass(frozen=True)
class StaffingTable:
    """Required agents for one interval and the service of head counts around it.

    ``fields`` lists ``(key, label, format)`` of the measures in ``answer`` and ``rows``.
    """

    model: str
    traffic_erlangs: float
    answer: dict
    scheduled: int
    rows: list[dict]
    fields: list[tuple[str, str, str]]


def staffing_table(
    calls: float,
    aht_s: float,
    interval_s: float,
    *,
    target_sl: float,
    threshold_s: float,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    patience_s: float | None = None,
    concurrency: int = 1,
    target_asa_s: float | None = None,
    spread: int = 3,
) -> StaffingTable:
    """Agents needed for one interval (Erlang C, Erlang A or chat) and the neighbourhood.

    Parameters
    ----------
    calls : float
        Contacts offered in the interval.
    aht_s, interval_s, threshold_s : float
        Handle time, interval length and service-level threshold, seconds.
    target_sl : float
        Target fraction answered within ``threshold_s``.
    shrinkage : float
        Share of paid time off the phones, in [0, 1).
    max_occupancy : float
        Cap on occupancy, in (0, 1].
    patience_s : float, optional
        Mean patience (seconds): Erlang A with abandonment.
    concurrency : int
        Chats per agent; above 1 the chat slot model is used.
    target_asa_s : float, optional
        Cap on the average speed of answer, seconds (Erlang C and chat).
    spread : int
        Head counts listed on each side of the answer.
    """
    if patience_s is not None and concurrency > 1:
        raise ValueError("choose either --patience (Erlang A) or --concurrency (chat), not both")
    load = float(erlang.traffic(calls, aht_s, interval_s))
    queue = QueueConfig.model_construct(
        name="interval",
        channel="chat" if concurrency > 1 else "voice",
        service_level=target_sl,
        threshold_s=threshold_s,
        max_occupancy=max_occupancy,
        patience_s=patience_s,
        concurrency=concurrency,
        concurrency_inflation=0.0,
        deadline_h=None,
        max_abandon=None,
        target_asa_s=target_asa_s,
    )
    if patience_s is not None and target_asa_s is not None:
        raise ValueError("--asa applies to Erlang C and chat, not with --patience")
    rows = pd.DataFrame({"interval_start": pd.to_datetime([0], utc=True), "queue": "interval"})
    required = _immediate(
        rows.assign(aht_s=aht_s), np.array([float(calls)]), queue, interval_s
    ).iloc[0]
    best = int(required["agents"])
    counts = np.arange(max(best - spread, 0), best + spread + 1)
    grid = _measures(
        rows.loc[np.zeros(len(counts), dtype=int)].reset_index(drop=True),
        np.full(len(counts), float(calls)),
        np.full(len(counts), float(aht_s)),
        np.full(len(counts), load),
        counts,
        queue,
    )
    model = (
        f"Erlang A (mean patience {patience_s:g} s)"
        if patience_s is not None
        else f"Chat, {concurrency} concurrent"
        if concurrency > 1
        else "Erlang C"
    )
    fields = [
        ("service_level", "service level", ".1%"),
        ("asa_s", "ASA (s)", ".1f"),
        ("occupancy", "occupancy", ".1%"),
    ]
    if patience_s is not None:
        fields.append(("abandon_rate", "abandoned", ".1%"))
    records = grid.to_dict("records")
    answer = next(r for r in records if r["agents"] == best)
    scheduled = int(erlang.scheduled_agents(best, shrinkage))
    return StaffingTable(model, load, answer, scheduled, records, fields)
