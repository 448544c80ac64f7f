"""Validation of the interval history frame against the plan config."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.errors import Problem
from staffplan.schema.columns import HISTORY_COLUMNS, HISTORY_OPTIONAL
from staffplan.schema.tables import (
    Checked,
    Collector,
    TableSource,
    blank,
    check_columns,
    parse_numbers,
)
from staffplan.schema.timestamps import local_minutes, parse_timestamps

__all__ = [
    "check_alignment",
    "check_duplicates",
    "check_queue_names",
    "find_gaps",
    "public_holidays",
    "validate_history",
]


def validate_history(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate an interval history frame against the plan config.

    Parameters
    ----------
    frame : pandas.DataFrame
        As read from the file: columns ``interval_start``, ``queue``, ``offered``, ``handled``,
        ``abandoned``, ``aht_s`` and optionally ``answered_in_sl``, ``sl_threshold_s``,
        ``channel``.
    config : PlanConfig
        Gives the time zone, the interval length (minutes), the queues and opening hours.
    source : TableSource, optional
        How to name the file and its rows in messages.

    Returns
    -------
    Checked
        The typed frame (``interval_start`` tz-aware in the centre's zone; counts int64;
        ``aht_s`` float seconds, 0 where nothing was handled), sorted by queue and time, and
        the warnings (gaps, ignored columns).

    Raises
    ------
    InputError
        Listing every problem found.
    """
    source = source or TableSource("history")
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, HISTORY_COLUMNS, HISTORY_OPTIONAL, problems, warnings)
    tz = config.center.tzinfo
    starts = parse_timestamps(
        frame["interval_start"],
        tz,
        problems,
        "interval_start",
        timezone_name=config.center.timezone,
    )
    queue = frame["queue"].astype("string").str.strip()
    check_queue_names(queue, frame["queue"], config, problems)
    counts = {
        c: parse_numbers(frame, c, problems, integer=True)
        for c in ("offered", "handled", "abandoned")
    }
    handled_any = counts["handled"].fillna(0) > 0
    aht = parse_numbers(frame, "aht_s", problems, integer=False, required=handled_any)
    problems.rows(
        handled_any & (aht == 0),
        frame["aht_s"],
        "handle time is 0 although calls were handled",
        column="aht_s",
        fix="give the average handle time in seconds of the handled calls",
    )
    optional = {
        c: parse_numbers(frame, c, problems, integer=True, required=False)
        for c in ("answered_in_sl", "sl_threshold_s")
        if c in frame.columns
    }
    problems.raise_if_any()
    _check_count_logic(frame, queue, counts, optional, config, problems)
    _check_channels(frame, queue, config, problems)
    minutes = config.center.interval_minutes
    check_alignment(starts, frame["interval_start"], minutes, problems)
    check_duplicates(starts, queue, frame["interval_start"], problems)
    problems.raise_if_any()
    _check_interval_length(starts, queue, minutes, problems)
    problems.raise_if_any()
    clean = pd.DataFrame(
        {
            "interval_start": starts,
            "queue": queue.astype(str),
            **{c: v.astype("int64") for c, v in counts.items()},
            "aht_s": aht.where(handled_any, 0.0).fillna(0.0),
        }
    )
    for c, v in optional.items():
        clean[c] = v.fillna(0).astype("int64")
    clean = clean.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    warnings.extend(find_gaps(clean, config, source.name))
    return Checked(clean, warnings)


def check_queue_names(
    queue: pd.Series, raw: pd.Series, config: PlanConfig, problems: Collector
) -> None:
    empty = blank(raw)
    problems.rows(empty, raw, "the queue name is empty", column="queue")
    known = config.queue_names
    unknown = ~empty & ~queue.isin(known).fillna(False).astype(bool)
    for name in pd.unique(queue[unknown]):
        first = int(np.flatnonzero((queue == name).fillna(False).to_numpy())[0])
        close = difflib.get_close_matches(str(name), known, n=1)
        count = int((queue == name).sum())
        problems.problems.append(
            Problem(
                f"unknown queue (in {count} rows); plan.toml defines {', '.join(known)}",
                file=problems.source.name,
                where=problems.source.where(first),
                column="queue",
                value=repr(str(name)),
                fix=(f"did you mean '{close[0]}'? " if close else "")
                + "rename it in the file or add a [[queues]] entry to plan.toml",
            )
        )


def _check_count_logic(
    frame: pd.DataFrame,
    queue: pd.Series,
    counts: dict[str, pd.Series],
    optional: dict[str, pd.Series],
    config: PlanConfig,
    problems: Collector,
) -> None:
    offered, handled, abandoned = counts["offered"], counts["handled"], counts["abandoned"]
    deferred = queue.isin([q.name for q in config.queues if q.channel == "email"]).astype(bool)
    # Deferred work (email) is handled from a backlog, so an interval may handle more than
    # arrived in it; immediate channels count by the interval of arrival.
    problems.rows(
        ~deferred & (handled > offered),
        frame["handled"],
        "handled is greater than offered",
        column="handled",
        fix="offered counts every arriving contact, including those handled and abandoned",
    )
    problems.rows(
        ~deferred & (handled <= offered) & (handled + abandoned > offered),
        frame["abandoned"],
        "handled + abandoned is greater than offered",
        column="abandoned",
        fix="offered counts every arriving contact, including those handled and abandoned",
    )
    if "answered_in_sl" in optional:
        problems.rows(
            optional["answered_in_sl"] > handled,
            frame["answered_in_sl"],
            "answered_in_sl is greater than handled",
            column="answered_in_sl",
        )


def _check_channels(
    frame: pd.DataFrame, queue: pd.Series, config: PlanConfig, problems: Collector
) -> None:
    if "channel" not in frame.columns:
        return
    expected = queue.map({q.name: q.channel for q in config.queues})
    given = frame["channel"].astype("string").str.strip()
    mismatch = ~blank(frame["channel"]) & expected.notna() & (given != expected)
    problems.rows(
        mismatch.fillna(False).astype(bool),
        frame["channel"],
        "channel differs from the queue's channel in plan.toml",
        column="channel",
        fix="correct the channel, or the queue's channel in plan.toml",
    )


def check_alignment(starts: pd.Series, raw: pd.Series, minutes: int, problems: Collector) -> None:
    off_grid = (local_minutes(starts) % minutes != 0) | (starts.dt.second != 0)
    problems.rows(
        off_grid,
        raw,
        f"interval start is not on the {minutes}-minute grid of plan.toml",
        column="interval_start",
        fix=f"label each interval by its start (minutes a multiple of {minutes}), or change "
        "center.interval_minutes",
    )


def check_duplicates(
    starts: pd.Series, queue: pd.Series, raw: pd.Series, problems: Collector
) -> None:
    key = pd.DataFrame({"t": starts, "q": queue})
    dup = key.duplicated(keep=False)
    if dup.any():
        problems.rows(
            key.duplicated(keep="first"),
            raw,
            "duplicate row: this interval and queue appear more than once",
            column="interval_start",
            fix="keep one row per interval and queue (sum or drop the duplicates)",
        )


def _check_interval_length(
    starts: pd.Series, queue: pd.Series, minutes: int, problems: Collector
) -> None:
    steps = (
        pd.DataFrame({"q": queue, "t": starts})
        .sort_values(["q", "t"])
        .groupby("q")["t"]
        .diff()
        .dropna()
        .dt.total_seconds()
        // 60
    )
    steps = steps[steps > 0]
    if len(steps) < 2:
        return
    step = int(np.gcd.reduce(steps.astype("int64").to_numpy()))
    if step > minutes and step % minutes == 0:
        problems.add(
            f"the data comes in {step}-minute intervals but center.interval_minutes is {minutes}",
            column="interval_start",
            fix=f"set interval_minutes = {step} in plan.toml, or export {minutes}-minute data",
        )


def find_gaps(history: pd.DataFrame, config: PlanConfig, file: str) -> list[Problem]:
    """Warnings for opening-hour intervals with no row, as ranges per queue and day."""
    hours = config.center.opening_hours
    if not history.shape[0] or all(hours.minutes(d) is None for d in range(7)):
        return []
    tz = history["interval_start"].dt.tz
    step = pd.Timedelta(minutes=config.center.interval_minutes)
    first = history["interval_start"].min().normalize()
    last = history["interval_start"].max().normalize()
    expected = _opening_grid(first, last, hours, step, tz)
    holidays = public_holidays(config, first.date(), last.date())
    # A public holiday with no rows at all is a closed day, not a gap.
    closed = expected.normalize().tz_localize(None).date
    expected = expected[~pd.Index(closed).isin(list(holidays)).astype(bool)]
    problems: list[Problem] = []
    for queue, rows in history.groupby("queue", sort=False):
        present = pd.DatetimeIndex(rows["interval_start"])
        open_holidays = set(present.normalize().tz_localize(None).date) & set(holidays)
        expected_here = expected
        if open_holidays:  # open on a holiday: its opening hours are expected in full
            extra = _opening_grid_days(sorted(open_holidays), hours, step, tz)
            expected_here = expected.append(extra).sort_values()
        missing = expected_here.difference(present)
        ranges = list(_ranges(missing, step))
        for start, end in ranges[:10]:
            problems.append(
                Problem(
                    f"gap: no rows for queue '{queue}' from {start:%a %Y-%m-%d %H:%M} to "
                    f"{end:%H:%M} ({(end - start) // step} intervals inside opening hours)",
                    file=file,
                    fix="a closed day (holiday) is fine; otherwise re-export the missing "
                    "intervals (closed hours may be absent rows or zero calls)",
                )
            )
        if len(ranges) > 10:
            problems.append(Problem(f"{len(ranges) - 10} more gaps for queue '{queue}'", file=file))
    return problems


def public_holidays(config: PlanConfig, first, last) -> dict:
    """Public holidays of the centre's country between two local dates: ``{date: name}``."""
    if config.center.country is None:
        return {}
    import holidays

    years = range(first.year, last.year + 1)
    calendar = holidays.country_holidays(config.center.country, years=years)
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}


def _opening_grid(first, last, hours, step, tz) -> pd.DatetimeIndex:
    days = pd.date_range(first.tz_localize(None), last.tz_localize(None), freq="D")
    return _opening_grid_days(days, hours, step, tz)


def _opening_grid_days(days, hours, step, tz) -> pd.DatetimeIndex:
    pieces = []
    for day in map(pd.Timestamp, days):
        rng = hours.minutes(day.weekday())
        if rng is None:
            continue
        local = pd.date_range(
            day + pd.Timedelta(minutes=rng[0]),
            day + pd.Timedelta(minutes=rng[1]),
            freq=step,
            inclusive="left",
        )
        pieces.append(local.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dropna())
    if not pieces:
        return pd.DatetimeIndex([], tz=tz)
    return pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]


def _ranges(missing: pd.DatetimeIndex, step: pd.Timedelta) -> Iterable[tuple]:
    if not len(missing):
        return
    start = prev = missing[0]
    for t in missing[1:]:
        if t - prev != step:
            yield start, prev + step
            start = t
        prev = t
    yield start, prev + step
