"""The front door: ``schedule`` a requirements frame into a roster, activities and coverage."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .agents import Agent, parse_agents, parse_availability
from .design import design_shifts
from .grid import Grid, grid_from_requirements
from .outputs import Assignment, activities_frame, coverage_frame, roster_frame
from .roster import build_roster
from .rules import ShiftRules, SolverSettings
from .skills import allocate_universal, queue_order
from .templates import ShiftType, build_shift_types
from .validate import validate_roster

__all__ = ["ScheduleResult", "schedule"]


@dataclass
class ScheduleResult:
    """A schedule and what the solver said about it.

    Attributes
    ----------
    roster, activities, coverage : pandas.DataFrame
        The output frames (see DESIGN.md).
    status : str
        ``optimal``, ``time_limit`` (stopped with a solution), ``feasible`` (a solution whose
        optimality is not proven, e.g. a restricted roster model) or ``infeasible``.
    objective, bound, gap : float
        Objective (paid agent-intervals at average cost plus weighted penalties), the solver's
        best lower bound and the relative gap (fraction).
    solver : str
    seconds : float
        Wall-clock time of the whole run, s.
    paid_hours : float
        Paid hours over the horizon.
    paid_agent_intervals : float
        Paid hours in agent-intervals.
    over_agent_intervals, under_agent_intervals : float
        Surplus and shortfall summed over queues and intervals.
    uncovered : pandas.DataFrame
        ``interval_start``, ``queue``, ``required``, ``scheduled``, ``missing``, ``reason``.
    violations : pandas.DataFrame
        Hard-rule violations found by :func:`validate_roster` (empty when the roster is valid).
    notes : list of str
    models : list
        The solved models (``MipModel``; ``.to_pulp().writeLP(path)`` dumps one), when
        ``solver.keep_models`` is set.
    """

    roster: pd.DataFrame
    activities: pd.DataFrame
    coverage: pd.DataFrame
    status: str
    objective: float
    bound: float
    gap: float
    solver: str
    seconds: float
    paid_hours: float
    paid_agent_intervals: float
    over_agent_intervals: float
    under_agent_intervals: float
    uncovered: pd.DataFrame
    violations: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    models: list = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """Headline figures as a flat dict (for the CLI and plan.json)."""
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solver": self.solver,
            "seconds": round(self.seconds, 2),
            "shifts": len(self.roster),
            "paid_hours": self.paid_hours,
            "over_agent_intervals": self.over_agent_intervals,
            "under_agent_intervals": self.under_agent_intervals,
            "uncovered_intervals": len(self.uncovered),
            "violations": len(self.violations),
        }


def _reachable(grid: Grid, shift_types: list[ShiftType]) -> np.ndarray:
    """Intervals of the horizon that some shift can cover (before breaks)."""
    reach = np.zeros(grid.n_intervals + 2 * grid.ipd, dtype=bool)
    for d in range(grid.n_days):
        for s in shift_types:
            t0 = d * grid.ipd + s.start
            reach[t0 : t0 + s.length] = True
    return reach[: grid.n_intervals]


def _uncovered(
    grid: Grid,
    scheduled: np.ndarray,
    shift_types: list[ShiftType],
    rules: ShiftRules,
    status: str,
    agents: list[Agent] | None,
    assignments: list[Assignment],
) -> pd.DataFrame:
    missing = grid.required - scheduled
    qs, ts = np.nonzero(missing > 1e-6)
    reach = _reachable(grid, shift_types)
    im = grid.interval_minutes
    on_shift = np.zeros((len(grid.queues), grid.n_intervals))
    if agents is not None:
        skills = {a.agent_id: a.skills for a in agents}
        for asg in assignments:
            t0 = asg.start_t(grid.ipd)
            for q, name in enumerate(grid.queues):
                if name in skills[asg.agent_id]:
                    on_shift[q, t0 : min(t0 + asg.shift.length, grid.n_intervals)] += 1
    reasons = []
    for q, t in zip(qs, ts, strict=True):
        queue = grid.queues[q]
        if not reach[t]:
            reasons.append(
                f"no shift can reach it (shifts run {rules.earliest_start}-{rules.latest_end})"
            )
            continue
        if agents is not None:
            minute = int(t) * im
            able = sum(1 for a in agents if queue in a.skills and a.is_free(minute, minute + im))
            if able == 0:
                reasons.append(f"no agent skilled for {queue} is available")
                continue
            if on_shift[q, t] >= able:
                reasons.append(
                    f"all {able} available agents skilled for {queue} are on shift (max agents)"
                )
                continue
            reasons.append(
                "contracts and rules (hours, days, rest, start band, breaks) or cost: covering "
                "it costs more than the under-staffing weight"
                + (" (solver stopped at its time limit)" if status == "time_limit" else "")
            )
            continue
        reasons.append(
            "covering it costs more than the under-staffing weight"
            + (" (solver stopped at its time limit)" if status == "time_limit" else "")
        )
    return pd.DataFrame(
        {
            "interval_start": grid.timestamps(ts),
            "queue": pd.array([grid.queues[q] for q in qs], dtype="string"),
            "required": grid.required[qs, ts],
            "scheduled": scheduled[qs, ts],
            "missing": missing[qs, ts],
            "reason": pd.array(reasons, dtype="string"),
        }
    )


def schedule(
    requirements: pd.DataFrame,
    rules: ShiftRules,
    solver_settings: SolverSettings | None = None,
    *,
    agents: pd.DataFrame | None = None,
    availability: pd.DataFrame | None = None,
    interval_minutes: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScheduleResult:
    """Build shifts with floating breaks (anonymous, or a roster for named agents).

    Parameters
    ----------
    requirements : pandas.DataFrame
        Requirements frame: ``interval_start``, ``queue``, ``agents_scheduled`` (agents after
        shrinkage; breaks are placed here, not in shrinkage); optional ``under_cost``.
    rules : ShiftRules
        ``[shifts]`` of the plan.
    solver_settings : SolverSettings, optional
        ``[solver]`` of the plan (HiGHS, 60 s, gap 1e-4 by default).
    agents : pandas.DataFrame, optional
        Agents frame. Without it, anonymous shifts ``S0001``, ... are designed.
    availability : pandas.DataFrame, optional
        Availability and requests of the agents.
    interval_minutes : int, optional
        Interval length, minutes (inferred from the frame when omitted).
    progress : callable, optional
        Called with short progress messages.

    Returns
    -------
    ScheduleResult
    """
    t0 = time.perf_counter()
    settings = solver_settings or SolverSettings()
    grid = grid_from_requirements(requirements, interval_minutes=interval_minutes)
    notes: list[str] = []
    if agents is None:
        shift_types = build_shift_types(rules, grid.interval_minutes)
        design = design_shifts(
            grid.total_required,
            shift_types,
            n_days=grid.n_days,
            ipd=grid.ipd,
            settings=settings,
            weights=rules.weights,
            under_cost=grid.under_cost.max(axis=0),
            progress=progress,
        )
        all_queues = {q: 1 for q in grid.queues}
        assignments = []
        ordered = sorted(
            design.shifts, key=lambda s: (s.day, s.shift.start, s.shift.length, s.break_offsets)
        )
        for i, s in enumerate(ordered, start=1):
            t_s = s.start_t(grid.ipd)
            span = slice(t_s, min(t_s + s.shift.length, grid.n_intervals))
            need = {q: float(grid.required[k, span].sum()) for k, q in enumerate(grid.queues)}
            assignments.append(
                Assignment(
                    f"S{i:04d}", s.day, s.shift, s.break_offsets, queue_order(need, all_queues)
                )
            )
        scheduled = allocate_universal(design.working, grid.required)
        report, models, parsed = design.report, design.models, None
        if any(st.end > grid.ipd for st in shift_types):
            notes.append(
                "shifts cross midnight: days solved in order (heuristic); the bound is "
                "the whole-horizon LP relaxation"
            )
    else:
        parsed = parse_agents(agents, rules)
        parse_availability(availability, parsed, grid.start_date, grid.n_days)
        shift_types = build_shift_types(
            rules, grid.interval_minutes, start_step_minutes=rules.roster_start_step_minutes
        )
        result = build_roster(grid, parsed, rules, settings, shift_types, progress=progress)
        assignments, scheduled, report = result.assignments, result.scheduled, result.report
        models = result.models
        notes.extend(result.notes)
    roster = roster_frame(assignments, grid)
    activities = activities_frame(assignments, grid)
    coverage = coverage_frame(grid, scheduled)
    diff = scheduled - grid.required
    uncovered = _uncovered(grid, scheduled, shift_types, rules, report.status, parsed, assignments)
    violations = validate_roster(roster, activities, rules, agents, availability=availability)
    if len(violations):
        notes.append(f"{len(violations)} hard-rule violation(s) found by validate_roster")
    paid_h = float(roster["paid_hours"].sum()) if len(roster) else 0.0
    return ScheduleResult(
        roster=roster,
        activities=activities,
        coverage=coverage,
        status=report.status,
        objective=float(report.objective),
        bound=float(report.bound),
        gap=float(report.gap) if not math.isnan(report.gap) else math.nan,
        solver=report.solver,
        seconds=time.perf_counter() - t0,
        paid_hours=paid_h,
        paid_agent_intervals=paid_h * 60 / grid.interval_minutes,
        over_agent_intervals=float(np.maximum(diff, 0).sum()),
        under_agent_intervals=float(np.maximum(-diff, 0).sum()),
        uncovered=uncovered,
        violations=violations,
        notes=notes,
        models=models,
    )
