"""Named agents and their availability, read from the agents and availability frames.

Times are kept as minutes of local wall-clock time after midnight of the horizon's first day,
so that availability is respected to the minute whatever the interval length.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from .rules import ShiftRules, clock_to_minutes
from .skills import parse_skills

__all__ = ["Agent", "Request", "parse_agents", "parse_availability"]


@dataclass(frozen=True)
class Request:
    """A weighted wish to work (``request_on``) or not (``request_off``) in a time window.

    ``start_min``/``end_min`` are horizon minutes; ``whole_day`` marks a request for a day.
    """

    kind: str
    day: int
    start_min: int
    end_min: int
    weight: float
    whole_day: bool


@dataclass
class Agent:
    """A named agent with a contract, skills and availability.

    Attributes
    ----------
    agent_id, name, team : str
    skills : dict
        ``queue -> priority`` (1 = highest).
    min_hours_week, max_hours_week : float
        Contract hours per week, h.
    cost_per_hour : float
        Cost of a paid hour (any currency).
    unavailable : list of tuple
        ``(start, end)`` horizon minutes the agent cannot work.
    requests : list of Request
    """

    agent_id: str
    name: str
    team: str
    skills: dict[str, int]
    min_hours_week: float
    max_hours_week: float
    cost_per_hour: float
    unavailable: list[tuple[int, int]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def is_free(self, start_min: int, end_min: int) -> bool:
        """Whether ``[start_min, end_min)`` overlaps no unavailable window."""
        return all(end_min <= s or start_min >= e for s, e in self.unavailable)


def _number(value, default: float, what: str, row: int) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return default
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"agents row {row}: {what} must be a number, got {value!r}") from None
    if out < 0 or math.isnan(out):
        raise ValueError(f"agents row {row}: {what} must be >= 0, got {value!r}")
    return out


def parse_agents(agents: pd.DataFrame, rules: ShiftRules) -> list[Agent]:
    """Read the agents frame (``agent_id``, ``name``, ``team``, ``skills``,
    ``min_hours_week``, ``max_hours_week``, ``cost_per_hour``).

    Missing contract hours fall back to ``rules.min_hours_week``/``max_hours_week`` (0 and
    ``max_days_per_week * longest shift`` when those are unset); a missing cost to 1.
    """
    if "agent_id" not in agents.columns or "skills" not in agents.columns:
        raise ValueError(
            f"agents frame needs columns agent_id and skills; found {list(agents.columns)}"
        )
    default_max = rules.max_hours_week
    if default_max is None:
        default_max = rules.max_days_per_week * max(rules.lengths_h)
    default_min = rules.min_hours_week or 0.0
    out: list[Agent] = []
    seen: set[str] = set()
    for i, row in enumerate(agents.to_dict("records"), start=1):
        agent_id = str(row["agent_id"]).strip()
        if not agent_id or agent_id in seen:
            raise ValueError(f"agents row {i}: agent_id {agent_id!r} is empty or repeated")
        seen.add(agent_id)
        skills = parse_skills(row.get("skills"), where=f"agents row {i} ({agent_id}) skills")
        if not skills:
            raise ValueError(f"agents row {i} ({agent_id}): no skills; expected e.g. 'sales:1'")
        lo = _number(row.get("min_hours_week"), default_min, "min_hours_week", i)
        hi = _number(row.get("max_hours_week"), default_max, "max_hours_week", i)
        if lo > hi:
            raise ValueError(
                f"agents row {i} ({agent_id}): min_hours_week {lo:g} is above max_hours_week "
                f"{hi:g}; expected min <= max"
            )
        cost = _number(row.get("cost_per_hour"), 1.0, "cost_per_hour", i)
        name = row.get("name")
        team = row.get("team")
        out.append(
            Agent(
                agent_id,
                str(name) if isinstance(name, str) else agent_id,
                str(team) if isinstance(team, str) else "",
                skills,
                lo,
                hi,
                cost,
            )
        )
    return out


def _clock(value, default: int, row: int, column: str) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return default
    text = str(value).strip()
    if not text:
        return default
    try:
        return clock_to_minutes(text)
    except ValueError as err:
        raise ValueError(f"availability row {row}: {column} {err}") from None


def _minutes(row: dict, column: str, default: int, number: int) -> int:
    """A row's ``start``/``end`` in minutes after midnight, from ``<column>_min`` (validated
    frame) or ``<column>`` (``HH:MM`` text); ``default`` when empty."""
    if f"{column}_min" in row:
        value = row[f"{column}_min"]
        missing = (
            value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        )
        return default if missing else int(value)
    return _clock(row.get(column), default, number, column)


def parse_availability(
    availability: pd.DataFrame | None, agents: list[Agent], start_date: dt.date, n_days: int
) -> None:
    """Attach availability rows (``agent_id``, ``date``, ``kind``, ``start``, ``end``,
    ``weight``) to ``agents`` in place. Rows outside the horizon are ignored.

    The times are ``start_min``/``end_min`` (minutes after midnight, empty for the day's
    start or end) as :func:`staffplan.io.read_availability` gives them, or ``start``/``end``
    as ``HH:MM`` text as in ``availability.csv``.
    """
    if availability is None or availability.empty:
        return
    by_id = {a.agent_id: a for a in agents}
    kinds = {"unavailable", "request_on", "request_off"}
    for i, row in enumerate(availability.to_dict("records"), start=1):
        agent_id = str(row.get("agent_id", "")).strip()
        if agent_id not in by_id:
            raise ValueError(f"availability row {i}: unknown agent_id {agent_id!r}")
        kind = str(row.get("kind", "")).strip()
        if kind not in kinds:
            raise ValueError(
                f"availability row {i}: kind must be one of {sorted(kinds)}, got {kind!r}"
            )
        try:
            day = (pd.Timestamp(row["date"]).date() - start_date).days
        except (ValueError, TypeError, KeyError):
            raise ValueError(
                f"availability row {i}: date must be YYYY-MM-DD, got {row.get('date')!r}"
            ) from None
        if not 0 <= day < n_days + 1:
            continue
        start = _minutes(row, "start", 0, i)
        end = _minutes(row, "end", 1440, i)
        whole = start == 0 and end == 1440
        if end <= start:
            raise ValueError(
                f"availability row {i}: end {row.get('end')!r} is not after start "
                f"{row.get('start')!r}"
            )
        base = day * 1440
        if kind == "unavailable":
            by_id[agent_id].unavailable.append((base + start, base + end))
        else:
            weight = _number(row.get("weight"), 1.0, "weight", i)
            by_id[agent_id].requests.append(
                Request(kind, day, base + start, base + end, weight, whole)
            )
