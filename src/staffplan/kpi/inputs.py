"""Validation of the KPI inputs: agent-state log, contacts log, agent history, roster, activities.

Each validator takes a frame as read from the user's file (cells as text for CSV, or already
typed) and returns a :class:`~staffplan.schema.tables.Checked` typed frame with warnings, or
raises one :class:`~staffplan.errors.InputError` listing every problem with file, line,
column, value and a fix. State records of one agent that overlap (beyond chat concurrency)
are refused with the agent and the times; records out of time order are sorted and reported
as a warning, never merged silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.errors import MAX_LISTED, Problem
from staffplan.kpi.periods import ns
from staffplan.schema.tables import (
    Checked,
    Collector,
    TableSource,
    blank,
    check_columns,
    parse_numbers,
)
from staffplan.schema.timestamps import parse_timestamps

__all__ = [
    "ACTIVITY_COLUMNS",
    "AGENT_HISTORY_COLUMNS",
    "CONTACT_COLUMNS",
    "CONTACT_STATES",
    "KNOWN_STATES",
    "LEAVING_REASONS",
    "PAUSE_STATES",
    "ROSTER_COLUMNS",
    "STATE_COLUMNS",
    "validate_activities",
    "validate_agent_history",
    "validate_contacts",
    "validate_roster",
    "validate_states",
]

STATE_COLUMNS = ("agent_id", "state_start", "state_end", "state")
#: States spent on a contact (``queue`` required): talk, hold and after-contact work.
CONTACT_STATES = ("on_contact", "hold", "after_contact_work")
#: Logged-in states not spent on contacts or waiting for one.
PAUSE_STATES = ("break", "lunch", "training", "meeting", "offline")
KNOWN_STATES = ("available", *CONTACT_STATES, *PAUSE_STATES)
CONTACT_COLUMNS = ("contact_id", "customer_id", "time", "queue", "resolved")
AGENT_HISTORY_COLUMNS = ("agent_id", "team", "start_date", "end_date", "leaving_reason")
LEAVING_REASONS = ("voluntary", "involuntary", "internal_move", "contract_end")
ROSTER_COLUMNS = ("agent_id", "date", "shift_start", "shift_end", "paid_hours")
ACTIVITY_COLUMNS = ("agent_id", "start", "end", "activity")

_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f")


def _codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Cleaned text of a column as codes into sorted unique values (stripped, NaN -> "").

    Works on the distinct values only, so a column of millions of repeated ids is fast.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype("string").str.strip().fillna("")
    clean = np.append(text.to_numpy(dtype=object), "")
    values, inverse = np.unique(clean.astype(str), return_inverse=True)
    return inverse[codes].astype(np.int64), values.astype(object)


def _text(series: pd.Series) -> pd.Series:
    """Cleaned text of a column (stripped, NaN -> ""), object dtype."""
    codes, values = _codes(series)
    return pd.Series(values[codes], index=series.index, dtype=object)


def _times(frame: pd.DataFrame, column: str, config: PlanConfig, problems: Collector):
    parsed = parse_timestamps(
        frame[column],
        config.center.tzinfo,
        problems,
        column,
        timezone_name=config.center.timezone,
    )
    return parsed.dt.as_unit("ns")


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def _required_text(frame: pd.DataFrame, column: str, problems: Collector, what: str) -> None:
    problems.rows(
        blank(frame[column]),
        frame[column],
        f"{what} is empty",
        column=column,
        fix=f"fill in the {what} on every row",
    )


def _known_queues(
    frame: pd.DataFrame, queue: pd.Series, need: pd.Series, config: PlanConfig, problems: Collector
) -> None:
    known = set(config.queue_names)
    problems.rows(
        need & (queue == ""),
        frame.get("queue", queue),
        "a queue is required for this row",
        column="queue",
        fix=f"name the queue (one of {', '.join(config.queue_names)})",
    )
    problems.rows(
        need & (queue != "") & ~queue.isin(known),
        queue,
        "unknown queue",
        column="queue",
        fix=f"use a queue of plan.toml: {', '.join(config.queue_names)}",
    )


def validate_states(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate the agent-state log.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``agent_id``, ``state_start``, ``state_end`` (ISO 8601 with UTC offset, or naive local
        times in the centre's zone), ``state`` (one of :data:`KNOWN_STATES`) and ``queue``
        (required for :data:`CONTACT_STATES`, ignored otherwise).
    config : PlanConfig
        Time zone and queues (chat concurrency allows overlapping chat records).
    source : TableSource, optional
        How to name the file and its rows in messages.

    Returns
    -------
    Checked
        ``agent_id``, ``state_start``, ``state_end`` (tz-aware local), ``state``, ``queue``
        (empty outside contact states) and ``row`` (0-based position in the input), sorted by
        agent and start. Warnings: ignored columns, records out of time order.

    Raises
    ------
    InputError
        Missing columns, empty ids, bad timestamps, unknown states or queues, records that end
        before they start, and overlapping records of one agent: two records overlap unless
        both are chat contacts and the agent holds no more chats at once than the queue's
        ``concurrency``. Each overlap names the agent, both records' times and the line.
    """
    source = source or TableSource("agent_states")
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, STATE_COLUMNS, ("queue",), problems, warnings)
    agent_code, agent_ids = _codes(frame["agent_id"])
    problems.rows(
        agent_ids[agent_code] == "",
        frame["agent_id"],
        "agent_id is empty",
        column="agent_id",
        fix="fill in the agent_id on every row",
    )
    start = _times(frame, "state_start", config, problems)
    end = _times(frame, "state_end", config, problems)
    state_code, state_names = _codes(frame["state"])
    lower = np.array([s.lower() for s in state_names], dtype=object)
    state = pd.Series(lower[state_code], index=frame.index, dtype=object)
    problems.rows(
        ~state.isin(KNOWN_STATES),
        frame["state"],
        "unknown state",
        column="state",
        fix=f"use one of {', '.join(KNOWN_STATES)} (map your ACD's state names to these)",
    )
    queue = _text(frame["queue"]) if "queue" in frame else pd.Series("", index=frame.index)
    is_contact = state.isin(CONTACT_STATES)
    _known_queues(frame, queue, is_contact, config, problems)
    problems.rows(
        (end <= start).to_numpy(),
        frame["state_end"],
        "state_end must be after state_start",
        column="state_end",
        fix="check the record's times; drop zero-length records",
    )
    problems.raise_if_any()
    out = pd.DataFrame(
        {
            "agent_id": pd.Series(agent_ids[agent_code], dtype=object),
            "state_start": start.reset_index(drop=True),
            "state_end": end.reset_index(drop=True),
            "state": state.to_numpy(),
            "queue": np.where(is_contact.to_numpy(), queue.to_numpy(), ""),
            "row": np.arange(len(frame)),
        }
    )
    start_ns, end_ns = ns(out["state_start"]), ns(out["state_end"])
    warnings.extend(_out_of_order(out, agent_code, start_ns, source))
    order = np.lexsort((end_ns, start_ns, agent_code))
    out = out.iloc[order].reset_index(drop=True)
    _check_overlaps(
        out, agent_code[order], start_ns[order], end_ns[order], config, source, problems
    )
    problems.raise_if_any()
    return Checked(out, warnings)


def _out_of_order(
    out: pd.DataFrame, agent: np.ndarray, start_ns: np.ndarray, source: TableSource
) -> list[Problem]:
    """Warnings for records that start before an earlier line of the same agent."""
    floor = np.iinfo(np.int64).min
    prior = _prev_cummax(start_ns, agent, floor)
    pos = np.flatnonzero(start_ns < prior)
    tz = out["state_start"].dt.tz
    found = [
        Problem(
            f"records of agent {out['agent_id'].iat[p]} are not in time order: this record "
            f"starts at {_iso(out['state_start'].iat[p])}, before a record on an earlier line "
            f"(starting {_iso(pd.Timestamp(int(prior[p]), tz='UTC').tz_convert(tz))}); the log "
            "was sorted by agent and time",
            file=source.name,
            where=source.where(p),
            column="state_start",
        )
        for p in pos[:MAX_LISTED]
    ]
    if len(pos) > MAX_LISTED:
        found.append(
            Problem(f"{len(pos) - MAX_LISTED} more records out of time order", file=source.name)
        )
    return found


def _check_overlaps(
    out: pd.DataFrame,
    code: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    config: PlanConfig,
    source: TableSource,
    problems: Collector,
) -> None:
    """Refuse overlapping records of one agent (sorted by agent and start)."""
    chat_limit = {q.name: q.concurrency for q in config.queues if q.channel == "chat"}
    is_chat = (
        out["queue"].isin(list(chat_limit)).to_numpy()
        & out["state"].isin(CONTACT_STATES).to_numpy()
    )
    agent = out["agent_id"]
    floor = np.iinfo(np.int64).min
    prev_all = _prev_cummax(end, code, floor)
    prev_other = _prev_cummax(np.where(is_chat, floor, end), code, floor)
    bad = np.where(is_chat, start < prev_other, start < prev_all)
    # chats: no more at once than the queue's concurrency (ends before starts at one instant)
    if is_chat.any():
        idx = np.flatnonzero(is_chat)
        ev_code = np.concatenate([code[idx], code[idx]])
        ev_time = np.concatenate([start[idx], end[idx]])
        ev_delta = np.concatenate([np.ones(idx.size, np.int64), -np.ones(idx.size, np.int64)])
        ev_rec = np.concatenate([idx, idx])
        order = np.lexsort((ev_delta, ev_time, ev_code))
        held = np.cumsum(ev_delta[order])
        limit = out["queue"].map(chat_limit).to_numpy()[ev_rec[order]]
        over = (held > limit) & (ev_delta[order] > 0)
        bad[ev_rec[order][over]] = True
    pos = np.flatnonzero(bad)
    if pos.size == 0:
        return
    reach = np.where(is_chat, prev_other, prev_all)
    tz = out["state_start"].dt.tz
    for p in pos[:MAX_LISTED]:
        row = int(out["row"].iat[p])
        what = (
            f"agent {agent.iat[p]}: the '{out['state'].iat[p]}' record "
            f"{_iso(out['state_start'].iat[p])} to {_iso(out['state_end'].iat[p])}"
        )
        if start[p] < reach[p]:
            ends = _iso(pd.Timestamp(int(reach[p]), tz="UTC").tz_convert(tz))
            message = (
                f"{what} overlaps an earlier record of the same agent that lasts until "
                f"{ends}; an agent is in one state at a time (only chats overlap, up to the "
                "queue's concurrency)"
            )
        else:
            message = (
                f"{what} is one chat more than the agent can hold at once (concurrency "
                f"{chat_limit[out['queue'].iat[p]]} for queue {out['queue'].iat[p]!r})"
            )
        problems.problems.append(
            Problem(
                message,
                file=source.name,
                where=source.where(row),
                column="state_start",
                value=repr(_iso(out["state_start"].iat[p])),
                fix="remove the duplicate record or correct its times; overlapping records "
                "are not merged",
            )
        )
    if pos.size > MAX_LISTED:
        problems.add(f"{pos.size - MAX_LISTED} more overlapping records", column="state_start")


def _prev_cummax(values: np.ndarray, groups: np.ndarray, floor: int) -> np.ndarray:
    """Running maximum of the earlier values of the same group, in array order (``floor``
    for a group's first value). ``groups`` are integer codes."""
    run = pd.Series(values).groupby(groups, sort=False).cummax().to_numpy()
    prev = np.full(values.size, floor, dtype=np.int64)
    if values.size == 0:
        return prev
    order = np.argsort(groups, kind="stable")  # rows of one group together, in array order
    g, r = groups[order], run[order]
    same = np.zeros(values.size, dtype=bool)
    same[1:] = g[1:] == g[:-1]
    shifted = np.full(values.size, floor, dtype=np.int64)
    shifted[1:] = r[:-1]
    prev[order] = np.where(same, shifted, floor)
    return prev


def validate_contacts(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate the contacts log.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``contact_id`` (unique), ``customer_id``, ``time`` (timestamp), ``queue`` (a queue of
        the config), ``resolved`` (true/false, 1/0, yes/no) and optionally ``channel``
        (checked against the queue's channel: a mismatch is a warning).

    Returns
    -------
    Checked
        ``contact_id``, ``customer_id``, ``time`` (tz-aware local), ``queue``, ``channel``
        (from the config), ``resolved`` (bool), sorted by time.
    """
    source = source or TableSource("contacts")
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, CONTACT_COLUMNS, ("channel",), problems, warnings)
    for column in ("contact_id", "customer_id"):
        _required_text(frame, column, problems, column)
    ids = _text(frame["contact_id"])
    problems.rows(
        ids.duplicated() & (ids != ""),
        frame["contact_id"],
        "duplicate contact_id",
        column="contact_id",
        fix="every contact has one row with a unique id",
    )
    time = _times(frame, "time", config, problems)
    queue = _text(frame["queue"])
    _known_queues(frame, queue, pd.Series(True, index=frame.index), config, problems)
    flag = _text(frame["resolved"]).str.lower()
    problems.rows(
        ~flag.isin(_TRUE + _FALSE),
        frame["resolved"],
        "expected true or false",
        column="resolved",
        fix="write true/false (or 1/0, yes/no) in 'resolved'",
    )
    problems.raise_if_any()
    channel_of = {q.name: q.channel for q in config.queues}
    channel = queue.map(channel_of)
    if "channel" in frame:
        given = _text(frame["channel"]).str.lower()
        mismatch = (given != "") & (given != channel)
        if mismatch.any():
            pos = int(np.flatnonzero(mismatch.to_numpy())[0])
            warnings.append(
                Problem(
                    f"{int(mismatch.sum())} contacts give a channel that differs from their "
                    f"queue's channel in plan.toml (first: {given.iat[pos]!r} for queue "
                    f"{queue.iat[pos]!r}); the queue's channel is used",
                    file=source.name,
                    where=source.where(pos),
                    column="channel",
                )
            )
    out = pd.DataFrame(
        {
            "contact_id": ids.to_numpy(),
            "customer_id": _text(frame["customer_id"]).to_numpy(),
            "time": time.reset_index(drop=True),
            "queue": queue.to_numpy(),
            "channel": channel.to_numpy(),
            "resolved": flag.isin(_TRUE).to_numpy(),
        }
    )
    return Checked(out.sort_values("time", kind="stable", ignore_index=True), warnings)


def _dates(frame: pd.DataFrame, column: str, problems: Collector, *, required: bool) -> pd.Series:
    text = _text(frame[column]).str.slice(0, 10)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    empty = text == ""
    problems.rows(
        parsed.isna() & ~empty,
        frame[column],
        "expected a date YYYY-MM-DD",
        column=column,
        fix="write dates as ISO 8601, e.g. 2026-05-04",
    )
    if required:
        problems.rows(empty, frame[column], "a date is required here", column=column)
    return parsed


def validate_agent_history(frame: pd.DataFrame, source: TableSource | None = None) -> Checked:
    """Validate the agent history (employment stints per agent and team).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``agent_id``, ``team``, ``start_date``, ``end_date`` (``YYYY-MM-DD``, the last day in
        that team; empty while still there) and ``leaving_reason`` (one of
        :data:`LEAVING_REASONS` when ``end_date`` is set, empty otherwise). An agent may have
        several stints (team moves); they must not overlap.

    Returns
    -------
    Checked
        ``agent_id``, ``team``, ``start_date``, ``end_date`` (``datetime64``, NaT while
        employed), ``leaving_reason`` (empty while employed), sorted by agent and start.
    """
    source = source or TableSource("agent_history")
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, AGENT_HISTORY_COLUMNS, (), problems, warnings)
    for column in ("agent_id", "team"):
        _required_text(frame, column, problems, column)
    start = _dates(frame, "start_date", problems, required=True)
    end = _dates(frame, "end_date", problems, required=False)
    reason = _text(frame["leaving_reason"]).str.lower()
    problems.rows(
        (end < start).fillna(False).astype(bool),
        frame["end_date"],
        "end_date is before start_date",
        column="end_date",
    )
    problems.rows(
        end.notna() & ~reason.isin(LEAVING_REASONS),
        frame["leaving_reason"],
        "a leaving reason is required when end_date is set",
        column="leaving_reason",
        fix=f"use one of {', '.join(LEAVING_REASONS)}",
    )
    problems.rows(
        end.isna() & (reason != ""),
        frame["leaving_reason"],
        "a leaving reason is given but end_date is empty",
        column="leaving_reason",
        fix="fill in the last day worked, or clear the reason",
    )
    out = pd.DataFrame(
        {
            "agent_id": _text(frame["agent_id"]).to_numpy(),
            "team": _text(frame["team"]).to_numpy(),
            "start_date": start.to_numpy(),
            "end_date": end.to_numpy(),
            "leaving_reason": reason.to_numpy(),
            "row": np.arange(len(frame)),
        }
    )
    out = out[out["start_date"].notna()].sort_values(["agent_id", "start_date"], ignore_index=True)
    prev_end = out.groupby("agent_id")["end_date"].shift()
    first = out.groupby("agent_id").cumcount() == 0
    open_before = ~first & prev_end.isna()
    overlap = (~first & (out["start_date"] <= prev_end)) | open_before
    for p in np.flatnonzero(overlap.to_numpy())[:MAX_LISTED]:
        problems.problems.append(
            Problem(
                f"agent {out['agent_id'].iat[p]}: the stint starting "
                f"{out['start_date'].iat[p]:%Y-%m-%d} overlaps the agent's previous stint",
                file=source.name,
                where=source.where(int(out["row"].iat[p])),
                column="start_date",
                fix="close the previous stint (end_date, leaving_reason internal_move) the "
                "day before",
            )
        )
    problems.raise_if_any()
    return Checked(out.drop(columns="row"), warnings)


def validate_roster(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate a roster frame (DESIGN.md): ``agent_id``, ``date``, ``shift_start``,
    ``shift_end`` (timestamps), ``paid_hours`` (hours, >= 0) and optionally ``queues``.

    Returns the typed frame sorted by agent and shift start.
    """
    source = source or TableSource("roster")
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, ROSTER_COLUMNS, ("queues",), problems, warnings)
    _required_text(frame, "agent_id", problems, "agent_id")
    start = _times(frame, "shift_start", config, problems)
    end = _times(frame, "shift_end", config, problems)
    paid = parse_numbers(frame, "paid_hours", problems, integer=False)
    problems.rows(
        (end <= start).to_numpy(),
        frame["shift_end"],
        "shift_end must be after shift_start",
        column="shift_end",
    )
    problems.raise_if_any()
    out = pd.DataFrame(
        {
            "agent_id": _text(frame["agent_id"]).to_numpy(),
            "shift_start": start.reset_index(drop=True),
            "shift_end": end.reset_index(drop=True),
            "paid_hours": paid.to_numpy(),
        }
    )
    return Checked(out.sort_values(["agent_id", "shift_start"], ignore_index=True), warnings)


def validate_activities(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate an activities frame (DESIGN.md): ``agent_id``, ``start``, ``end``
    (timestamps), ``activity`` (``work``, ``break``, ``lunch``, or another planned state such
    as ``training``) and optionally ``queue`` (for work).

    Returns the typed frame (``activity`` lower case) sorted by agent and start.
    """
    source = source or TableSource("activities")
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, ACTIVITY_COLUMNS, ("queue",), problems, warnings)
    _required_text(frame, "agent_id", problems, "agent_id")
    _required_text(frame, "activity", problems, "activity")
    start = _times(frame, "start", config, problems)
    end = _times(frame, "end", config, problems)
    problems.rows((end <= start).to_numpy(), frame["end"], "end must be after start", column="end")
    problems.raise_if_any()
    queue = _text(frame["queue"]) if "queue" in frame else pd.Series("", index=frame.index)
    out = pd.DataFrame(
        {
            "agent_id": _text(frame["agent_id"]).to_numpy(),
            "start": start.reset_index(drop=True),
            "end": end.reset_index(drop=True),
            "activity": _text(frame["activity"]).str.lower().to_numpy(),
            "queue": queue.to_numpy(),
        }
    )
    return Checked(out.sort_values(["agent_id", "start"], ignore_index=True), warnings)
