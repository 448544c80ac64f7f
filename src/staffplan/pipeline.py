"""``run_plan``: the weekly plan, stage by stage, in one readable function.

validate -> forecast -> requirements -> schedule -> evaluate -> write. Every stage runs in
memory first; outputs are written only when all stages succeeded, each file atomically, so a
failed stage leaves the previous plan's files as they were and says which stage failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from staffplan import io
from staffplan.config import PlanConfig, load_config
from staffplan.errors import InputError, Problem
from staffplan.requirements import Requirements, compute

__all__ = ["PlanResult", "StageError", "run_plan"]

Progress = Callable[[str, str], None]


class StageError(RuntimeError):
    """A stage failed for a reason that is not bad input; names the stage."""

    def __init__(self, stage: str, cause: BaseException):
        self.stage = stage
        super().__init__(f"stage '{stage}' failed: {cause}")


@dataclass
class PlanResult:
    """Everything a plan produced, with stage timings (seconds) and written paths.

    ``schedule`` (a :class:`staffplan.scheduling.ScheduleResult`), ``coverage`` (evaluated,
    see :func:`staffplan.evaluate.evaluate_coverage`), ``weekly`` (service per queue) and
    ``recommendations`` are present when ``plan.toml`` has a ``[shifts]`` table.
    """

    config: PlanConfig
    history: pd.DataFrame
    forecast: pd.DataFrame
    requirements: Requirements
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    agents: pd.DataFrame | None = None
    schedule: object | None = None
    coverage: pd.DataFrame | None = None
    weekly: pd.DataFrame | None = None
    recommendations: list = field(default_factory=list)
    plan_id: str = ""


@contextmanager
def _stage(name: str, timings: dict[str, float], progress: Progress | None):
    """Time a stage; name it in errors that are not input errors."""
    if progress:
        progress(name, "start")
    start = time.perf_counter()
    try:
        yield
    except (InputError, StageError):
        _finish(name, start, timings, progress, "failed")
        raise
    except ValueError as exc:
        _finish(name, start, timings, progress, "failed")
        raise InputError(Problem(f"{name}: {exc}")) from exc
    except Exception as exc:
        _finish(name, start, timings, progress, "failed")
        raise StageError(name, exc) from exc
    _finish(name, start, timings, progress, "done")


def _finish(name: str, start: float, timings, progress, state: str) -> None:
    timings[name] = time.perf_counter() - start
    if progress:
        progress(name, state)


def run_plan(
    history_path: str | Path,
    config_path: str | Path,
    out_dir: str | Path,
    *,
    agents_path: str | Path | None = None,
    availability_path: str | Path | None = None,
    special_days_path: str | Path | None = None,
    horizon: str = "7D",
    method: str = "auto",
    n_jobs: int = 1,
    simulate: int = 0,
    seed: int = 0,
    progress: Progress | None = None,
) -> PlanResult:
    """Run the weekly plan and write its outputs into ``out_dir``.

    Parameters
    ----------
    history_path, config_path : path
        Interval history (CSV or Parquet) and ``plan.toml``.
    out_dir : path
        Folder for the outputs (created if missing).
    agents_path, availability_path, special_days_path : path, optional
        ``agents.csv``, ``availability.csv``, ``special_days.csv``.
    horizon : str
        Forecast horizon after the history (``"7D"``).
    method : str
        Forecast method (``"auto"`` chooses per queue by backtest).
    n_jobs : int
        Processes for the forecast.
    simulate : int
        Replications of the discrete-event simulation of the roster (0: none); adds the
        ``sim_*`` columns (with confidence bounds) to the coverage and the weekly service.
    seed : int
        Seed of the simulation.
    progress : callable, optional
        Called with (stage, "start" | "done" | "failed").

    Returns
    -------
    PlanResult

    Raises
    ------
    InputError
        Bad input, with the file and place; nothing is written.
    StageError
        Another failure, naming the stage; nothing is written.
    """
    from staffplan.forecast import SpecialDays
    from staffplan.forecast import forecast as make_forecast

    timings: dict[str, float] = {}
    agents = availability = None
    with _stage("validate", timings, progress):
        config = load_config(config_path)
        checked = io.read_history(history_path, config)
        warnings = list(checked.warnings)
        if agents_path is not None:
            staff = io.read_agents(agents_path, config)
            agents, warnings = staff.frame, warnings + staff.warnings
            if availability_path is not None:
                avail = io.read_availability(availability_path, config, list(agents["agent_id"]))
                availability, warnings = avail.frame, warnings + avail.warnings
        calendar = (
            io.read_special_days(special_days_path, config)
            if special_days_path is not None
            else SpecialDays(country=config.center.country)
        )
    with _stage("forecast", timings, progress):
        forecast = make_forecast(
            checked.frame, horizon, method=method, calendar=calendar, n_jobs=n_jobs
        )
    with _stage("requirements", timings, progress):
        requirements = compute(forecast, config)
    result = PlanResult(config, checked.frame, forecast, requirements, warnings, timings)
    result.agents = agents
    result.plan_id = _plan_id(config)
    if getattr(config, "shifts", None) is not None:
        _schedule_and_evaluate(result, availability, timings, progress)
        if simulate:
            _simulate(result, simulate, seed, timings, progress)
    with _stage("write", timings, progress):
        result.outputs = _write(result, Path(out_dir))
        # the configuration travels with the plan, for what-ifs on it later
        config_text = Path(config_path).read_text(encoding="utf-8")
        result.outputs["config"] = io.write_text(config_text, Path(out_dir) / "plan.toml")
    return result


def _plan_id(config: PlanConfig) -> str:
    """``plan-<UTC time>-<config digest prefix>``: sortable, and names the configuration."""
    from staffplan.feed import config_digest

    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return f"plan-{stamp}-{config_digest(config.model_dump(mode='json'))[:8]}"


def _schedule_and_evaluate(result: PlanResult, availability, timings, progress) -> None:
    from staffplan.advice import plan_recommendations, shared_skills
    from staffplan.evaluate import evaluate_coverage, weekly_service
    from staffplan.scheduling import schedule
    from staffplan.schema import parse_skills

    config = result.config
    with _stage("schedule", timings, progress):
        result.schedule = schedule(
            result.requirements.frame,
            config.shifts,
            config.solver,
            agents=result.agents,
            availability=availability,
            interval_minutes=config.center.interval_minutes,
        )
    with _stage("evaluate", timings, progress):
        result.coverage = evaluate_coverage(result.schedule.coverage, result.forecast, config)
        result.weekly = weekly_service(result.coverage, config)
        skills = (
            [parse_skills(s) for s in result.agents["skills"]] if result.agents is not None else []
        )
        result.recommendations = plan_recommendations(
            result.coverage, config, pairs=shared_skills(skills)
        ) + _deadline_notes(result.requirements)


def _simulate(result: PlanResult, replications: int, seed: int, timings, progress) -> None:
    from staffplan.simulation import simulate

    key = ["interval_start", "queue"]
    with _stage("simulate", timings, progress):
        sim = simulate(
            result.schedule.activities,
            result.forecast,
            result.config,
            roster=result.schedule.roster,
            replications=replications,
            seed=seed,
            absence=result.config.center.shrinkage,
        )
        columns = [c for c in sim.intervals.columns if c.startswith("sim_")]
        result.coverage = result.coverage.merge(sim.intervals[key + columns], on=key, how="left")
        totals = sim.queues[["queue", *[c for c in sim.queues.columns if c.startswith("sim_")]]]
        result.weekly = result.weekly.merge(totals, on="queue", how="left")


def _deadline_notes(requirements: Requirements) -> list:
    from staffplan.feed import Recommendation

    return [
        Recommendation(
            kind="deadline",
            queue=note.queue,
            message=(
                f"{note.items:.0f} {note.queue} items ({note.share:.1%}) arrive when no open "
                f"interval lies within their deadline (first {note.first_interval}): answered "
                "at the next opening; open longer or relax the deadline to meet it"
            ),
        )
        for note in requirements.notes
    ]


def _write(result: PlanResult, out_dir: Path) -> dict[str, Path]:
    written = {
        "forecast": io.write_csv(result.forecast, out_dir / "forecast.csv"),
        "requirements": io.write_csv(result.requirements.frame, out_dir / "requirements.csv"),
    }
    if result.schedule is None:
        return written
    import datetime as dt

    from staffplan.feed import SolverReport, build_plan_document
    from staffplan.reporting import plan_report_html
    from staffplan.scheduling import roster_calendar

    sched = result.schedule
    written["roster"] = io.write_csv(sched.roster, out_dir / "roster.csv")
    written["activities"] = io.write_csv(sched.activities, out_dir / "activities.csv")
    written["coverage"] = io.write_csv(result.coverage, out_dir / "coverage.csv")
    calendars = roster_calendar(sched.roster, sched.activities)
    written["roster_ics"] = io.write_bytes(_merge_calendars(calendars), out_dir / "roster.ics")
    solver = SolverReport(
        solver=str(sched.solver),
        status=str(sched.status),
        objective=_finite(sched.objective),
        bound=_finite(sched.bound),
        gap=_finite(sched.gap),
        seconds=_finite(sched.seconds),
    )
    document = build_plan_document(
        plan_id=result.plan_id,
        created_at=dt.datetime.now(dt.UTC),
        config=result.config,
        coverage=result.coverage.merge(
            result.forecast[["interval_start", "queue", "calls_hi"]],
            on=["interval_start", "queue"],
            how="left",
        ),
        weekly=result.weekly,
        roster=sched.roster,
        activities=sched.activities,
        agents=result.agents,
        recommendations=result.recommendations,
        solver=solver,
    )
    written["plan_json"] = io.write_text(document.model_dump_json(indent=1), out_dir / "plan.json")
    page, figures = plan_report_html(
        config=result.config,
        history=result.history,
        forecast=result.forecast,
        coverage=result.coverage,
        weekly=result.weekly,
        activities=sched.activities,
        recommendations=result.recommendations,
        solver=sched.summary(),
    )
    for name, png in figures.items():
        written[f"figure_{name}"] = io.write_bytes(png, out_dir / f"report_{name}.png")
    written["report"] = io.write_text(page, out_dir / "report.html")
    return written


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _merge_calendars(calendars: dict[str, bytes]) -> bytes:
    """One iCalendar with every agent's events (each agent's own file has the same events)."""
    from icalendar import Calendar

    merged = Calendar()
    merged.add("prodid", "-//staffplan//roster//EN")
    merged.add("version", "2.0")
    for data in calendars.values():
        for component in Calendar.from_ical(data).walk("VEVENT"):
            merged.add_component(component)
    return merged.to_ical()
