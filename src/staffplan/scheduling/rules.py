"""Shift rules (``[shifts]``) and solver settings (``[solver]``) of ``plan.toml``.

The lead mounts these models in the plan config as ``PlanConfig.shifts`` and
``PlanConfig.solver``. Every model forbids unknown keys and refuses inconsistent rules with a
message that says what was expected, what was found and how to fix it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "BreakRule",
    "ObjectiveWeights",
    "ShiftRules",
    "SolverSettings",
    "clock_to_minutes",
]


def clock_to_minutes(text: str) -> int:
    """Parse a local clock time ``"HH:MM"`` into minutes after midnight.

    Hours up to 48 are allowed so that ``"24:00"`` (midnight at the end of the day) and
    ``"26:00"`` (02:00 the next day, for shifts that cross midnight) can be written.

    Parameters
    ----------
    text : str
        Clock time such as ``"06:00"`` or ``"24:00"``.

    Returns
    -------
    int
        Minutes after the start of the day, 0 to 2880.
    """
    parts = str(text).strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"expected a clock time 'HH:MM', got {text!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if minutes >= 60 or hours * 60 + minutes > 48 * 60:
        raise ValueError(f"expected a clock time between 00:00 and 48:00, got {text!r}")
    return hours * 60 + minutes


class BreakRule(BaseModel):
    """One break (or lunch) that every shift in a length range must contain.

    The optimiser places the break's start anywhere in the window
    ``[earliest_after_h, latest_after_h]`` hours after the shift's start (floating break).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    minutes: int = Field(gt=0, description="Break length, minutes.")
    min_shift_h: float = Field(0.0, ge=0, description="Applies to shifts of at least this, hours.")
    max_shift_h: float | None = Field(None, gt=0, description="... and at most this, hours.")
    earliest_after_h: float = Field(ge=0, description="Earliest break start after shift start, h.")
    latest_after_h: float = Field(ge=0, description="Latest break start after shift start, h.")
    paid: bool = True
    activity: Literal["break", "lunch"] | None = Field(
        None, description="Activity label; default 'lunch' when the name contains 'lunch'."
    )

    @model_validator(mode="after")
    def _check_window(self) -> BreakRule:
        if self.latest_after_h < self.earliest_after_h:
            raise ValueError(
                f"break {self.name!r}: latest_after_h ({self.latest_after_h}) is before "
                f"earliest_after_h ({self.earliest_after_h}); expected earliest <= latest"
            )
        if self.max_shift_h is not None and self.max_shift_h < self.min_shift_h:
            raise ValueError(
                f"break {self.name!r}: max_shift_h ({self.max_shift_h}) is below min_shift_h "
                f"({self.min_shift_h})"
            )
        if self.activity is None:
            label = "lunch" if "lunch" in self.name.lower() else "break"
            object.__setattr__(self, "activity", label)
        return self

    def applies_to(self, length_h: float) -> bool:
        """Whether shifts of ``length_h`` hours contain this break."""
        upper = self.max_shift_h if self.max_shift_h is not None else float("inf")
        return self.min_shift_h - 1e-9 <= length_h <= upper + 1e-9


class ObjectiveWeights(BaseModel):
    """Weights of the soft goals, in units of one paid agent-interval at average cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    under_staffing: float = Field(50.0, ge=0, description="Per missing agent-interval.")
    over_staffing: float = Field(0.0, ge=0, description="Per surplus agent-interval.")
    request: float = Field(4.0, ge=0, description="Per unit of request weight not granted.")
    consecutive_days_off: float = Field(8.0, ge=0, description="Per agent without 2 days off.")
    fairness: float = Field(2.0, ge=0, description="Per weekend/late shift above the fair share.")
    min_hours_shortfall: float = Field(
        200.0, ge=0, description="Per hour below an agent's contract minimum."
    )


class ShiftRules(BaseModel):
    """The ``[shifts]`` table: shift lengths, start grid, opening window, breaks, contracts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lengths_h: list[float] = Field(min_length=1, description="Allowed shift lengths, hours.")
    start_step_minutes: int = Field(15, gt=0, le=1440)
    earliest_start: str = "06:00"
    latest_end: str = "24:00"
    max_days_per_week: int = Field(5, ge=1, le=7)
    min_rest_h: float = Field(11.0, ge=0, le=48)
    min_hours_week: float | None = Field(None, ge=0, description="Default contract minimum, h.")
    max_hours_week: float | None = Field(None, ge=0, description="Default contract maximum, h.")
    consecutive_days_off: int = Field(2, ge=0, le=6, description="Wanted run of days off (soft).")
    start_band_minutes: int | None = Field(
        120, ge=0, description="Max spread of an agent's start times over the week; None = off."
    )
    late_after: str = Field("20:00", description="A shift ending after this is a 'late' shift.")
    roster_start_step_minutes: int = Field(
        60, gt=0, description="Start grid for named-agent rosters (coarser keeps them fast)."
    )
    breaks: list[BreakRule] = Field(default_factory=list)
    weights: ObjectiveWeights = Field(default_factory=ObjectiveWeights)

    @field_validator("lengths_h")
    @classmethod
    def _positive_lengths(cls, value: list[float]) -> list[float]:
        if any(v <= 0 for v in value):
            raise ValueError(f"shift lengths must be positive hours, got {value}")
        if len(set(value)) != len(value):
            raise ValueError(f"shift lengths must be distinct, got {value}")
        return sorted(value)

    @field_validator("earliest_start", "latest_end", "late_after")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_to_minutes(value)
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> ShiftRules:
        step = self.start_step_minutes
        for length in self.lengths_h:
            minutes = length * 60
            if abs(minutes - round(minutes)) > 1e-9 or round(minutes) % step:
                raise ValueError(
                    f"shift length {length} h ({minutes:g} min) is not on the start grid of "
                    f"{step} min; use lengths that are multiples of {step} minutes"
                )
        if self.roster_start_step_minutes % step:
            raise ValueError(
                f"roster_start_step_minutes ({self.roster_start_step_minutes}) must be a multiple "
                f"of start_step_minutes ({step})"
            )
        first, last = clock_to_minutes(self.earliest_start), clock_to_minutes(self.latest_end)
        if first % step:
            raise ValueError(
                f"earliest_start {self.earliest_start} is not on the {step}-minute start grid"
            )
        if first >= 24 * 60:
            raise ValueError(f"earliest_start must be before 24:00, got {self.earliest_start}")
        if last - first < min(self.lengths_h) * 60:
            raise ValueError(
                f"the opening window {self.earliest_start}-{self.latest_end} is shorter than the "
                f"shortest shift ({min(self.lengths_h)} h)"
            )
        if (
            self.min_hours_week is not None
            and self.max_hours_week is not None
            and self.min_hours_week > self.max_hours_week
        ):
            raise ValueError(
                f"min_hours_week ({self.min_hours_week}) is above max_hours_week "
                f"({self.max_hours_week}); expected min <= max"
            )
        for length in self.lengths_h:
            rules = [b for b in self.breaks if b.applies_to(length)]
            for rule in rules:
                end_h = rule.latest_after_h + rule.minutes / 60
                if end_h > length + 1e-9:
                    raise ValueError(
                        f"break {rule.name!r} window lies outside the shift: it may start up to "
                        f"{rule.latest_after_h} h after the start and lasts {rule.minutes} min, so "
                        f"it ends {end_h:g} h after the start of a {length:g} h shift; lower "
                        f"latest_after_h or set max_shift_h"
                    )
            if sum(r.minutes for r in rules) >= length * 60:
                raise ValueError(f"breaks of a {length:g} h shift fill the whole shift")
        return self

    def breaks_for(self, length_h: float) -> list[BreakRule]:
        """Breaks that a shift of ``length_h`` hours contains, ordered by window."""
        rules = [b for b in self.breaks if b.applies_to(length_h)]
        return sorted(rules, key=lambda b: (b.earliest_after_h, b.latest_after_h))


class SolverSettings(BaseModel):
    """The ``[solver]`` table: which MIP solver, time limit and gap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(60.0, gt=0, description="Wall-clock limit for the whole run, s.")
    mip_gap: float = Field(1e-4, ge=0, lt=1, description="Relative gap at which to stop.")
    threads: int = Field(1, ge=1)
    decomposition: Literal["auto", "day", "week"] = Field(
        "auto", description="Shift design per day (exact without overnight shifts) or per week."
    )
    msg: bool = False
    keep_models: bool = Field(False, description="Keep the models for an LP/MPS dump.")
