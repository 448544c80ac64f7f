"""Shift and break templates on the interval grid.

A shift type is a start time of day and a length; each of its breaks has a window of allowed
start offsets (in intervals after the shift's start). Templates with *fixed* breaks (the break
at the middle of its window) are also provided, to compare with tools that cannot float breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .rules import ShiftRules, clock_to_minutes

__all__ = [
    "BreakSlot",
    "ShiftType",
    "build_shift_types",
    "fixed_break_mask",
    "intervals_per_day",
]


@dataclass(frozen=True)
class BreakSlot:
    """A break of a shift type, in intervals.

    Attributes
    ----------
    name, activity : str
        Rule name and activity label (``break`` or ``lunch``).
    length : int
        Length, intervals.
    earliest, latest : int
        First and last allowed start, intervals after the shift's start.
    paid : bool
        Whether the break is paid time.
    """

    name: str
    activity: str
    length: int
    earliest: int
    latest: int
    paid: bool

    @property
    def offsets(self) -> np.ndarray:
        """All allowed start offsets, intervals after the shift start."""
        return np.arange(self.earliest, self.latest + 1)


@dataclass(frozen=True)
class ShiftType:
    """A shift start and length on the interval grid, with its floating breaks.

    Attributes
    ----------
    start : int
        Start, intervals after midnight of the shift's day.
    length : int
        Length, intervals.
    paid : int
        Paid length (length minus unpaid breaks), intervals.
    breaks : tuple of BreakSlot
        Breaks in their required order.
    interval_minutes : int
        Grid step, minutes.
    """

    start: int
    length: int
    paid: int
    breaks: tuple[BreakSlot, ...]
    interval_minutes: int

    @property
    def end(self) -> int:
        """End (exclusive), intervals after midnight of the shift's day."""
        return self.start + self.length

    @property
    def length_h(self) -> float:
        """Length, hours."""
        return self.length * self.interval_minutes / 60

    @property
    def paid_h(self) -> float:
        """Paid time, hours."""
        return self.paid * self.interval_minutes / 60

    def label(self) -> str:
        """``"HH:MM+Lh"``, e.g. ``"08:30+8h"``."""
        minutes = self.start * self.interval_minutes
        return f"{minutes // 60:02d}:{minutes % 60:02d}+{self.length_h:g}h"


def intervals_per_day(interval_minutes: int) -> int:
    """Number of intervals in a 24-hour day."""
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ValueError(f"interval_minutes must divide 1440, got {interval_minutes}")
    return 1440 // interval_minutes


def _to_intervals(minutes: float, interval_minutes: int, what: str) -> int:
    steps = minutes / interval_minutes
    if abs(steps - round(steps)) > 1e-9:
        raise ValueError(
            f"{what} ({minutes:g} min) is not a multiple of the {interval_minutes}-minute "
            f"interval; choose values on the interval grid"
        )
    return round(steps)


def build_shift_types(
    rules: ShiftRules, interval_minutes: int, *, start_step_minutes: int | None = None
) -> list[ShiftType]:
    """Enumerate every shift type allowed by ``rules`` on the interval grid.

    Parameters
    ----------
    rules : ShiftRules
        Lengths, start step, opening window and breaks.
    interval_minutes : int
        Interval length, minutes.
    start_step_minutes : int, optional
        Start grid, minutes (default ``rules.start_step_minutes``; rosters use a coarser one).

    Returns
    -------
    list of ShiftType
        Ordered by start, then length.
    """
    step_min = start_step_minutes or rules.start_step_minutes
    step = _to_intervals(step_min, interval_minutes, "start_step_minutes")
    first = _to_intervals(
        clock_to_minutes(rules.earliest_start), interval_minutes, "earliest_start"
    )
    last = _to_intervals(clock_to_minutes(rules.latest_end), interval_minutes, "latest_end")
    out: list[ShiftType] = []
    for length_h in rules.lengths_h:
        length = _to_intervals(length_h * 60, interval_minutes, f"shift length {length_h} h")
        slots = []
        for rule in rules.breaks_for(length_h):
            size = _to_intervals(rule.minutes, interval_minutes, f"break {rule.name!r} minutes")
            lo = math.ceil(rule.earliest_after_h * 60 / interval_minutes - 1e-9)
            hi = math.floor(rule.latest_after_h * 60 / interval_minutes + 1e-9)
            hi = min(hi, length - size)
            if hi < lo:
                raise ValueError(
                    f"break {rule.name!r}: no start on the {interval_minutes}-minute grid lies in "
                    f"its window {rule.earliest_after_h}-{rule.latest_after_h} h of a "
                    f"{length_h:g} h shift"
                )
            slots.append(BreakSlot(rule.name, rule.activity, size, lo, hi, rule.paid))
        unpaid = sum(s.length for s in slots if not s.paid)
        for start in range(first, last - length + 1, step):
            out.append(ShiftType(start, length, length - unpaid, tuple(slots), interval_minutes))
    out.sort(key=lambda s: (s.start, s.length))
    return out


def fixed_break_mask(shift: ShiftType) -> np.ndarray:
    """Work mask of ``shift`` with each break fixed at the middle of its window.

    Breaks are pushed later when they would overlap the previous one.

    Returns
    -------
    numpy.ndarray
        ``shift.length`` zeros and ones, 1 = working.
    """
    mask = np.ones(shift.length, dtype=np.int8)
    earliest_free = 0
    for slot in shift.breaks:
        offset = max((slot.earliest + slot.latest) // 2, earliest_free)
        offset = min(offset, shift.length - slot.length)
        mask[offset : offset + slot.length] = 0
        earliest_free = offset + slot.length
    return mask
