"""Validation of agents.csv (skills, contracts) and availability.csv (absences, requests)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig, parse_clock_range
from staffplan.errors import Problem
from staffplan.schema.columns import AGENT_COLUMNS, AVAILABILITY_COLUMNS, AVAILABILITY_KINDS
from staffplan.schema.tables import (
    Checked,
    Collector,
    TableSource,
    blank,
    cell_text,
    check_columns,
    parse_numbers,
)

__all__ = ["parse_skills", "validate_agents", "validate_availability"]


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
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, AGENT_COLUMNS, (), problems, warnings)
    ids = frame["agent_id"].astype("string").str.strip()
    problems.rows(
        blank(frame["agent_id"]), frame["agent_id"], "agent_id is empty", column="agent_id"
    )
    problems.rows(
        ids.duplicated(keep="first").fillna(False).astype(bool) & ~blank(frame["agent_id"]),
        frame["agent_id"],
        "duplicate agent_id",
        column="agent_id",
        fix="give every agent one row with a unique id",
    )
    for pos, text in enumerate(frame["skills"]):
        try:
            parse_skills(cell_text(text), config.queue_names)
        except ValueError as exc:
            problems.problems.append(
                Problem(
                    str(exc),
                    file=source.name,
                    where=source.where(pos),
                    column="skills",
                    value=repr(cell_text(text)),
                    fix="write skills as queue:priority separated by '|', e.g. 'sales:1|chat:2'",
                )
            )
    low = parse_numbers(frame, "min_hours_week", problems, integer=False)
    high = parse_numbers(frame, "max_hours_week", problems, integer=False)
    cost = parse_numbers(frame, "cost_per_hour", problems, integer=False)
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
            "name": names.where(~blank(frame["name"]), ids).astype(str),
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
    problems = Collector(source)
    warnings: list[Problem] = []
    check_columns(frame, AVAILABILITY_COLUMNS[:3], AVAILABILITY_COLUMNS[3:], problems, warnings)
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
        parse_numbers(frame, "weight", problems, integer=False, required=False)
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


def _clock_column(frame: pd.DataFrame, column: str, problems: Collector) -> pd.Series:
    """Parse ``HH:MM`` cells into minutes after midnight (NaN where empty)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    raw = frame[column]
    minutes = pd.Series(np.nan, index=frame.index)
    for pos, text in enumerate(raw):
        cell = cell_text(text).strip()
        if not cell:
            continue
        try:
            minutes.iloc[pos] = parse_clock_range(f"00:00-{cell}")[1] if cell != "00:00" else 0
        except ValueError:
            problems.rows(
                np.arange(len(raw)) == pos, raw, "expected a clock time HH:MM", column=column
            )
    return minutes
