"""Column names of the frames between stages and the validators that guard the door.

The validators take a frame as read from the user's file (cells as text for CSV, typed for
Parquet), check everything they can, and either return a clean typed frame or raise one
:class:`~staffplan.errors.InputError` listing every problem with file, line, column, value and
a fix. Warnings (gaps, ignored columns) are returned, not raised.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig, parse_clock_range
from staffplan.errors import MAX_LISTED, InputError, Problem

__all__ = [
    "AGENT_COLUMNS",
    "AVAILABILITY_COLUMNS",
    "AVAILABILITY_KINDS",
    "HISTORY_COLUMNS",
    "HISTORY_OPTIONAL",
    "Checked",
    "TableSource",
    "parse_skills",
    "validate_agents",
    "validate_availability",
    "validate_history",
]

HISTORY_COLUMNS = ("interval_start", "queue", "offered", "handled", "abandoned", "aht_s")
HISTORY_OPTIONAL = ("answered_in_sl", "sl_threshold_s", "channel")
AGENT_COLUMNS = (
    "agent_id",
    "name",
    "team",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "cost_per_hour",
)
AVAILABILITY_COLUMNS = ("agent_id", "date", "kind", "start", "end", "weight")
AVAILABILITY_KINDS = ("unavailable", "request_on", "request_off")

_OFFSET = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)$")
_ISO_EXAMPLE = "2026-03-02T08:00:00+01:00"


@dataclass(frozen=True)
class TableSource:
    """Where a table came from, to name rows the way the user sees them.

    ``kind`` is ``"csv"`` (rows named by file line, header = line 1), ``"parquet"`` (rows
    numbered from 1) or ``"frame"`` (an in-memory frame, rows by index label).
    """

    name: str
    kind: str = "frame"

    def where(self, position: int) -> str:
        """Human name of the row at 0-based ``position``."""
        if self.kind == "csv":
            return f"line {position + 2}"
        return f"row {position + 1}"


@dataclass
class Checked:
    """A validated frame with the warnings found on the way."""

    frame: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)


class _Collector:
    """Collects problems for one table, listing at most a few rows per kind of problem."""

    def __init__(self, source: TableSource):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, message: str, *, column: str | None = None, fix: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.source.name, column=column, fix=fix))

    def rows(
        self,
        mask: np.ndarray | pd.Series,
        values: pd.Series,
        message: str,
        *,
        column: str | None,
        fix: str | None = None,
    ) -> None:
        """Record one problem per offending row (the first few, then a summary)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        for pos in positions[:MAX_LISTED]:
            self.problems.append(
                Problem(
                    message,
                    file=self.source.name,
                    where=self.source.where(int(pos)),
                    column=column,
                    value=repr(_cell_text(values.iloc[pos])),
                    fix=fix,
                )
            )
        if len(positions) > MAX_LISTED:
            more = ", ".join(self.source.where(int(p)) for p in positions[MAX_LISTED:][:5])
            self.problems.append(
                Problem(
                    f"{len(positions) - MAX_LISTED} more rows with the same problem ({more}, ...)",
                    file=self.source.name,
                    column=column,
                )
            )

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


_MISSING_TOKENS = ("", "nan", "na", "n/a", "null", "none", "<na>", "nat")


def _blank(series: pd.Series) -> pd.Series:
    """True where a cell is empty, missing or a NaN/NULL token."""
    text = series.astype("string").str.strip().str.lower()
    return (series.isna() | text.isin(_MISSING_TOKENS).fillna(True)).astype(bool)


# --------------------------------------------------------------------------- columns


def _check_columns(
    frame: pd.DataFrame,
    required: Sequence[str],
    optional: Sequence[str],
    problems: _Collector,
    warnings: list[Problem],
) -> None:
    if frame.shape[0] == 0:
        problems.add(
            "the table has a header but no data rows"
            if len(frame.columns)
            else "the file is empty",
            fix="export the data again; the file must hold a header line and data rows",
        )
        problems.raise_if_any()
    present = [str(c) for c in frame.columns]
    unknown = [c for c in present if c not in required and c not in optional]
    missing = [c for c in required if c not in present]
    for name in missing:
        close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.6)
        if close:
            fix = f"rename column '{close[0]}' to '{name}'"
        else:
            fix = f"add a column '{name}'; expected columns: {', '.join(required)}"
        problems.add(f"required column '{name}' is missing", column=name, fix=fix)
    if missing and len(present) == 1 and any(sep in present[0] for sep in ";\t|"):
        problems.add(
            f"the header {present[0]!r} looks like one column: is the separator not a comma?",
            fix="save the file as comma-separated CSV (semicolons and tabs are detected "
            "automatically only when every line uses them)",
        )
    problems.raise_if_any()
    for name in unknown:
        warnings.append(
            Problem(
                f"column '{name}' is not used and was ignored",
                file=problems.source.name,
                column=name,
            )
        )


def _numbers(
    frame: pd.DataFrame,
    column: str,
    problems: _Collector,
    *,
    integer: bool,
    required: pd.Series | bool = True,
    minimum: float | None = 0.0,
    fix: str | None = None,
) -> pd.Series:
    """Parse a numeric column; report non-numbers, missing values and values below minimum."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    blank = _blank(raw)
    bad_text = values.isna() & ~blank
    problems.rows(bad_text, raw, "expected a number", column=column, fix=fix)
    need = pd.Series(required, index=frame.index) if isinstance(required, bool) else required
    problems.rows(
        blank & need,
        raw,
        "a number is required here, found an empty cell or NaN",
        column=column,
        fix=fix or "fill in the value (0 for none)",
    )
    finite = values.notna()
    infinite = finite & ~np.isfinite(values.fillna(0.0))
    problems.rows(infinite, raw, "expected a finite number", column=column, fix=fix)
    if integer:
        fractional = finite & ~infinite & (values != np.round(values))
        problems.rows(fractional, raw, "expected a whole number (a count)", column=column)
    if minimum is not None:
        below = finite & (values < minimum)
        problems.rows(
            below,
            raw,
            f"expected a value of at least {minimum:g}",
            column=column,
            fix=fix or "counts and times cannot be negative",
        )
    return values


# --------------------------------------------------------------------------- timestamps


def _timestamps(
    raw: pd.Series, tz, problems: _Collector, column: str, *, timezone_name: str | None
) -> pd.Series:
    """Parse start-labelled interval timestamps into tz-aware local times."""
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert(tz) if tz is not None else raw
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        text = raw.dt.strftime("%Y-%m-%dT%H:%M:%S")
    else:
        text = raw.astype("string").str.strip()
    has_offset = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    aware = pd.to_datetime(text[has_offset], format="ISO8601", utc=True, errors="coerce")
    result[has_offset] = aware
    naive_text = text[~has_offset]
    naive = pd.to_datetime(naive_text, format="ISO8601", errors="coerce")
    unparsed = pd.Series(False, index=raw.index)
    unparsed[has_offset] = aware.isna()
    unparsed[~has_offset] = naive.isna()
    problems.rows(
        unparsed,
        raw,
        f"not a timestamp: expected ISO 8601 with a UTC offset, such as {_ISO_EXAMPLE}",
        column=column,
        fix="export timestamps as ISO 8601 with their UTC offset",
    )
    parsed_naive = naive.notna()
    if parsed_naive.any():
        if tz is None:
            problems.rows(
                ~has_offset & ~unparsed,
                raw,
                "timestamp has no UTC offset and plan.toml gives no time zone",
                column=column,
                fix="add center.timezone to plan.toml (e.g. 'Europe/Amsterdam') or export "
                "timestamps with their UTC offset",
            )
        else:
            _localize_naive(naive[parsed_naive], raw, tz, timezone_name, problems, column, result)
    problems.raise_if_any()
    if tz is None:
        offsets = text[has_offset].str.extract(f"({_OFFSET.pattern})", expand=False).unique()
        if len(offsets) > 1:
            problems.add(
                f"timestamps carry different UTC offsets ({', '.join(sorted(offsets)[:4])}) "
                "and plan.toml gives no time zone to read local clock times from",
                column=column,
                fix="add center.timezone to plan.toml (e.g. 'Europe/Amsterdam')",
            )
            problems.raise_if_any()
        tz = pd.Timestamp(str(text[has_offset].iloc[0])).tz
    return result.dt.tz_convert(tz)


def _localize_naive(
    naive: pd.Series,
    raw: pd.Series,
    tz,
    timezone_name: str | None,
    problems: _Collector,
    column: str,
    result: pd.Series,
) -> None:
    strict = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    gap = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").isna()
    nonexistent = strict.isna() & ~gap
    ambiguous = strict.isna() & gap
    for mask, what in ((nonexistent, "does not exist"), (ambiguous, "is ambiguous")):
        full = pd.Series(False, index=raw.index)
        full[mask.index] = mask
        problems.rows(
            full,
            raw,
            f"this local time {what} in {timezone_name} (daylight-saving change)",
            column=column,
            fix="export timestamps with their UTC offset (e.g. +01:00) so every interval "
            "is unambiguous",
        )
    result[naive.index] = strict.dt.tz_convert("UTC")


def _local_minutes(ts: pd.Series) -> pd.Series:
    return ts.dt.hour * 60 + ts.dt.minute


# --------------------------------------------------------------------------- history


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
    problems = _Collector(source)
    warnings: list[Problem] = []
    _check_columns(frame, HISTORY_COLUMNS, HISTORY_OPTIONAL, problems, warnings)
    tz = config.center.tzinfo
    starts = _timestamps(
        frame["interval_start"],
        tz,
        problems,
        "interval_start",
        timezone_name=config.center.timezone,
    )
    queue = frame["queue"].astype("string").str.strip()
    _check_queue_names(queue, frame["queue"], config, problems)
    counts = {
        c: _numbers(frame, c, problems, integer=True) for c in ("offered", "handled", "abandoned")
    }
    handled_any = counts["handled"].fillna(0) > 0
    aht = _numbers(frame, "aht_s", problems, integer=False, required=handled_any)
    problems.rows(
        handled_any & (aht == 0),
        frame["aht_s"],
        "handle time is 0 although calls were handled",
        column="aht_s",
        fix="give the average handle time in seconds of the handled calls",
    )
    optional = {
        c: _numbers(frame, c, problems, integer=True, required=False)
        for c in ("answered_in_sl", "sl_threshold_s")
        if c in frame.columns
    }
    problems.raise_if_any()
    _check_count_logic(frame, queue, counts, optional, config, problems)
    _check_channels(frame, queue, config, problems)
    minutes = config.center.interval_minutes
    _check_alignment(starts, frame["interval_start"], minutes, problems)
    _check_duplicates(starts, queue, frame["interval_start"], problems)
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


def _check_queue_names(
    queue: pd.Series, raw: pd.Series, config: PlanConfig, problems: _Collector
) -> None:
    blank = _blank(raw)
    problems.rows(blank, raw, "the queue name is empty", column="queue")
    known = config.queue_names
    unknown = ~blank & ~queue.isin(known).fillna(False).astype(bool)
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
    problems: _Collector,
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
    frame: pd.DataFrame, queue: pd.Series, config: PlanConfig, problems: _Collector
) -> None:
    if "channel" not in frame.columns:
        return
    expected = queue.map({q.name: q.channel for q in config.queues})
    given = frame["channel"].astype("string").str.strip()
    mismatch = ~_blank(frame["channel"]) & expected.notna() & (given != expected)
    problems.rows(
        mismatch.fillna(False).astype(bool),
        frame["channel"],
        "channel differs from the queue's channel in plan.toml",
        column="channel",
        fix="correct the channel, or the queue's channel in plan.toml",
    )


def _check_alignment(starts: pd.Series, raw: pd.Series, minutes: int, problems: _Collector) -> None:
    off_grid = (_local_minutes(starts) % minutes != 0) | (starts.dt.second != 0)
    problems.rows(
        off_grid,
        raw,
        f"interval start is not on the {minutes}-minute grid of plan.toml",
        column="interval_start",
        fix=f"label each interval by its start (minutes a multiple of {minutes}), or change "
        "center.interval_minutes",
    )


def _check_duplicates(
    starts: pd.Series, queue: pd.Series, raw: pd.Series, problems: _Collector
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
    starts: pd.Series, queue: pd.Series, minutes: int, problems: _Collector
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
    problems: list[Problem] = []
    for queue, rows in history.groupby("queue", sort=False):
        missing = expected.difference(pd.DatetimeIndex(rows["interval_start"]))
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


def _opening_grid(first, last, hours, step, tz) -> pd.DatetimeIndex:
    pieces = []
    for day in pd.date_range(first.tz_localize(None), last.tz_localize(None), freq="D"):
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


# --------------------------------------------------------------------------- agents


def parse_skills(text: str, known: Sequence[str] = ()) -> dict[str, int]:
    """Parse ``"sales:1|chat:2"`` into ``{"sales": 1, "chat": 2}`` (1 = highest priority).

    A queue without ``:N`` takes its position in the list as priority. Raises ``ValueError``
    naming the token when a token is malformed, a queue repeats or (with ``known``) a queue
    is unknown.
    """
    skills: dict[str, int] = {}
    tokens = [t.strip() for t in str(text).split("|")]
    if not any(tokens):
        raise ValueError("no skills given; expected e.g. 'sales:1|chat:2'")
    for position, token in enumerate(tokens, start=1):
        name, sep, priority = token.partition(":")
        name = name.strip()
        if not name or (sep and not priority.strip().isdigit()):
            raise ValueError(f"skill {token!r} is not 'queue:priority' such as 'sales:1'")
        level = int(priority) if sep else position
        if level < 1:
            raise ValueError(f"skill {token!r}: priority must be 1 or more (1 = highest)")
        if name in skills:
            raise ValueError(f"queue {name!r} appears twice in the skills")
        if known and name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"unknown queue {name!r}{hint}; plan.toml defines {', '.join(known)}")
        skills[name] = level
    return skills


def validate_agents(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate ``agents.csv``: ids, skills against the config's queues, contract hours, cost.

    Returns the typed frame: ``agent_id``, ``name``, ``team``, ``skills`` (the text, cleaned),
    ``min_hours_week``, ``max_hours_week`` (hours per week), ``cost_per_hour`` (currency per
    hour).
    """
    source = source or TableSource("agents")
    problems = _Collector(source)
    warnings: list[Problem] = []
    _check_columns(frame, AGENT_COLUMNS, (), problems, warnings)
    ids = frame["agent_id"].astype("string").str.strip()
    problems.rows(
        _blank(frame["agent_id"]), frame["agent_id"], "agent_id is empty", column="agent_id"
    )
    problems.rows(
        ids.duplicated(keep="first").fillna(False).astype(bool) & ~_blank(frame["agent_id"]),
        frame["agent_id"],
        "duplicate agent_id",
        column="agent_id",
        fix="give every agent one row with a unique id",
    )
    for pos, text in enumerate(frame["skills"]):
        try:
            parse_skills(_cell_text(text), config.queue_names)
        except ValueError as exc:
            problems.problems.append(
                Problem(
                    str(exc),
                    file=source.name,
                    where=source.where(pos),
                    column="skills",
                    value=repr(_cell_text(text)),
                    fix="write skills as queue:priority separated by '|', e.g. 'sales:1|chat:2'",
                )
            )
    low = _numbers(frame, "min_hours_week", problems, integer=False)
    high = _numbers(frame, "max_hours_week", problems, integer=False)
    cost = _numbers(frame, "cost_per_hour", problems, integer=False)
    problems.rows(
        high > 168,
        frame["max_hours_week"],
        "more hours than a week has (168)",
        column="max_hours_week",
    )
    problems.rows(
        low > high,
        frame["min_hours_week"],
        "min_hours_week is greater than max_hours_week",
        column="min_hours_week",
        fix="swap the two values or correct the contract",
    )
    problems.raise_if_any()
    names = frame["name"].astype("string").str.strip()
    clean = pd.DataFrame(
        {
            "agent_id": ids.astype(str),
            "name": names.where(~_blank(frame["name"]), ids).astype(str),
            "team": frame["team"].astype("string").str.strip().fillna("").astype(str),
            "skills": frame["skills"].astype("string").str.replace(" ", "").astype(str),
            "min_hours_week": low,
            "max_hours_week": high,
            "cost_per_hour": cost,
        }
    )
    return Checked(clean, warnings)


def validate_availability(
    frame: pd.DataFrame,
    config: PlanConfig,
    agent_ids: Iterable[str] | None = None,
    source: TableSource | None = None,
) -> Checked:
    """Validate ``availability.csv``: unavailability and shift requests per agent and date.

    Columns: ``agent_id``; ``date`` (local, YYYY-MM-DD); ``kind`` (``unavailable`` is a hard
    rule, ``request_on`` / ``request_off`` are weighted wishes); ``start`` and ``end`` (local
    ``HH:MM``, both empty for the whole day); ``weight`` (for requests, default 1).
    """
    source = source or TableSource("availability")
    problems = _Collector(source)
    warnings: list[Problem] = []
    _check_columns(frame, AVAILABILITY_COLUMNS[:3], AVAILABILITY_COLUMNS[3:], problems, warnings)
    ids = frame["agent_id"].astype("string").str.strip()
    if agent_ids is not None:
        known = set(agent_ids)
        problems.rows(
            ~ids.isin(known).fillna(False).astype(bool),
            frame["agent_id"],
            "agent_id is not in agents.csv",
            column="agent_id",
            fix="use the ids of agents.csv",
        )
    dates = pd.to_datetime(
        frame["date"].astype("string").str.strip(), format="%Y-%m-%d", errors="coerce"
    )
    problems.rows(dates.isna(), frame["date"], "expected a date as YYYY-MM-DD", column="date")
    kind = frame["kind"].astype("string").str.strip()
    problems.rows(
        ~kind.isin(AVAILABILITY_KINDS).fillna(False).astype(bool),
        frame["kind"],
        f"expected one of {', '.join(AVAILABILITY_KINDS)}",
        column="kind",
    )
    start = _clock_column(frame, "start", problems)
    end = _clock_column(frame, "end", problems)
    one_sided = start.isna() != end.isna()
    problems.rows(
        one_sided,
        frame.get("start", kind),
        "give both start and end, or neither (whole day)",
        column="start",
    )
    problems.rows(
        start.notna() & end.notna() & (start >= end),
        frame.get("start", kind),
        "start must be before end",
        column="start",
    )
    weight = (
        _numbers(frame, "weight", problems, integer=False, required=False)
        if "weight" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    problems.raise_if_any()
    clean = pd.DataFrame(
        {
            "agent_id": ids.astype(str),
            "date": dates.dt.date,
            "kind": kind.astype(str),
            "start_min": start.astype("Int64"),
            "end_min": end.astype("Int64"),
            "weight": weight.fillna(1.0).where(kind != "unavailable", np.nan),
        }
    )
    return Checked(clean, warnings)


def _clock_column(frame: pd.DataFrame, column: str, problems: _Collector) -> pd.Series:
    """Parse ``HH:MM`` cells into minutes after midnight (NaN where empty)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    raw = frame[column]
    minutes = pd.Series(np.nan, index=frame.index)
    for pos, text in enumerate(raw):
        cell = _cell_text(text).strip()
        if not cell:
            continue
        try:
            minutes.iloc[pos] = parse_clock_range(f"00:00-{cell}")[1] if cell != "00:00" else 0
        except ValueError:
            problems.rows(
                np.arange(len(raw)) == pos, raw, "expected a clock time HH:MM", column=column
            )
    return minutes
