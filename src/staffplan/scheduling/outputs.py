"""Output frames (roster, activities, coverage) and the iCalendar feed, as data.

Nothing here writes a file: the frames and the ``.ics`` bytes go to ``staffplan.io``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .grid import Grid
from .templates import ShiftType

__all__ = [
    "Assignment",
    "activities_frame",
    "coverage_frame",
    "roster_calendar",
    "roster_frame",
]


@dataclass(frozen=True)
class Assignment:
    """One shift worked by one agent.

    Attributes
    ----------
    agent_id : str
    day : int
        Day of the horizon the shift starts on.
    shift : ShiftType
    break_offsets : tuple of int
        Start of each break, intervals after the shift start.
    queues : tuple of str
        Queues in priority order for this shift.
    """

    agent_id: str
    day: int
    shift: ShiftType
    break_offsets: tuple[int, ...]
    queues: tuple[str, ...]

    def start_t(self, ipd: int) -> int:
        """Start interval on the horizon."""
        return self.day * ipd + self.shift.start

    def segments(self) -> list[tuple[int, int, str]]:
        """``(start offset, end offset, activity)`` pieces of the shift, in intervals."""
        cuts = sorted(
            (o, o + slot.length, slot.activity)
            for slot, o in zip(self.shift.breaks, self.break_offsets, strict=True)
        )
        out, pos = [], 0
        for start, end, activity in cuts:
            if start > pos:
                out.append((pos, start, "work"))
            out.append((start, end, activity))
            pos = end
        if pos < self.shift.length:
            out.append((pos, self.shift.length, "work"))
        return out


def roster_frame(assignments: list[Assignment], grid: Grid) -> pd.DataFrame:
    """Roster frame: ``agent_id``, ``date``, ``shift_start``, ``shift_end``, ``paid_hours``,
    ``queues`` (priority order joined by ``>``), one row per shift."""
    ipd = grid.ipd
    starts = np.array([a.start_t(ipd) for a in assignments], dtype=np.int64)
    ends = starts + np.array([a.shift.length for a in assignments], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "agent_id": pd.array([a.agent_id for a in assignments], dtype="string"),
            "date": [grid.day(a.day) for a in assignments],
            "shift_start": grid.timestamps(starts),
            "shift_end": grid.timestamps(ends),
            "paid_hours": np.array([a.shift.paid_h for a in assignments], dtype=float),
            "queues": pd.array([">".join(a.queues) for a in assignments], dtype="string"),
        }
    )
    return frame.sort_values(["agent_id", "shift_start"], ignore_index=True)


def activities_frame(assignments: list[Assignment], grid: Grid) -> pd.DataFrame:
    """Activities frame: ``agent_id``, ``start``, ``end``, ``activity`` (work / break / lunch),
    ``queue`` (the shift's first-priority queue for work, empty otherwise)."""
    ipd = grid.ipd
    rows_agent, rows_s, rows_e, rows_act, rows_q = [], [], [], [], []
    for a in assignments:
        t0 = a.start_t(ipd)
        for s, e, activity in a.segments():
            rows_agent.append(a.agent_id)
            rows_s.append(t0 + s)
            rows_e.append(t0 + e)
            rows_act.append(activity)
            rows_q.append(a.queues[0] if activity == "work" and a.queues else None)
    frame = pd.DataFrame(
        {
            "agent_id": pd.array(rows_agent, dtype="string"),
            "start": grid.timestamps(np.array(rows_s, dtype=np.int64)),
            "end": grid.timestamps(np.array(rows_e, dtype=np.int64)),
            "activity": pd.array(rows_act, dtype="string"),
            "queue": pd.array(rows_q, dtype="string"),
        }
    )
    return frame.sort_values(["agent_id", "start"], ignore_index=True)


def coverage_frame(grid: Grid, scheduled: np.ndarray) -> pd.DataFrame:
    """Coverage frame: ``interval_start``, ``queue``, ``required``, ``scheduled``.

    Parameters
    ----------
    grid : Grid
    scheduled : numpy.ndarray
        Agents working on each queue, shape ``(n_queues, n_intervals)``.
    """
    n_q, n_t = grid.required.shape
    return pd.DataFrame(
        {
            "interval_start": np.tile(grid.timestamps(np.arange(n_t)), n_q),
            "queue": pd.array(np.repeat(grid.queues, n_t), dtype="string"),
            "required": grid.required.reshape(-1),
            "scheduled": np.asarray(scheduled, float)[:, :n_t].reshape(-1),
        }
    )


def _shift_events(roster: pd.DataFrame, activities: pd.DataFrame | None):
    """``(agent_id, icalendar.Event)`` for every shift, breaks and lunches in the description."""
    import icalendar

    pauses: dict[str, pd.DataFrame] = {}
    if activities is not None:
        off = activities[activities["activity"] != "work"]
        pauses = {str(a): part for a, part in off.groupby("agent_id", sort=False)}
    for agent_id, shifts in roster.groupby("agent_id", sort=True):
        mine_all = pauses.get(str(agent_id))
        for row in shifts.itertuples(index=False):
            event = icalendar.Event()
            start, end = row.shift_start.to_pydatetime(), row.shift_end.to_pydatetime()
            event.add("uid", f"{agent_id}-{start.isoformat()}@staffplan")
            event.add("dtstamp", start)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", f"Shift ({row.queues})" if row.queues else "Shift")
            lines = [f"Paid hours: {row.paid_hours:g}", f"Queues: {row.queues}"]
            if mine_all is not None:
                mine = mine_all[
                    (mine_all["start"] >= row.shift_start) & (mine_all["end"] <= row.shift_end)
                ]
                lines += [
                    f"{p.activity}: {p.start:%H:%M}-{p.end:%H:%M}"
                    for p in mine.itertuples(index=False)
                ]
            event.add("description", "\n".join(lines))
            yield str(agent_id), event


def _calendar(name: str):
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//staffplan//roster//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    return cal


def roster_calendar(
    roster: pd.DataFrame,
    activities: pd.DataFrame | None = None,
    *,
    calendar_name: str = "staffplan roster",
) -> dict[str, bytes]:
    """Build one iCalendar (RFC 5545) file per agent, as bytes.

    Parameters
    ----------
    roster : pandas.DataFrame
        Roster frame (``agent_id``, ``shift_start``, ``shift_end``, ``queues``, ``paid_hours``).
    activities : pandas.DataFrame, optional
        Activities frame; breaks and lunches are listed in each shift's description.
    calendar_name : str
        Calendar title.

    Returns
    -------
    dict
        ``agent_id -> .ics bytes``.
    """
    calendars: dict[str, object] = {}
    for agent_id, event in _shift_events(roster, activities):
        if agent_id not in calendars:
            calendars[agent_id] = _calendar(f"{calendar_name}: {agent_id}")
        calendars[agent_id].add_component(event)
    return {agent_id: cal.to_ical() for agent_id, cal in calendars.items()}


def roster_calendar_merged(
    roster: pd.DataFrame,
    activities: pd.DataFrame | None = None,
    *,
    calendar_name: str = "staffplan roster",
) -> bytes:
    """One iCalendar (RFC 5545) with every agent's shifts (the events of
    :func:`roster_calendar`), as bytes."""
    cal = _calendar(calendar_name)
    for _, event in _shift_events(roster, activities):
        cal.add_component(event)
    return cal.to_ical()
