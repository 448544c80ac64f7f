"""``run_plan``: the weekly plan, stage by stage, in one readable function.

validate -> forecast -> requirements -> schedule -> evaluate -> write. Every stage runs in
memory first; outputs are rendered in memory (:func:`render_outputs`) and written only when all
stages succeeded (:func:`write_outputs`): a new folder appears whole, and in an existing folder
each file is replaced atomically, so a failed stage leaves the previous plan's files as they
were and says which stage failed. The plan folder is self-contained: it keeps ``plan.toml``
and the agents, availability and special days it was planned with, for what-ifs later
(:mod:`staffplan.whatif`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
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

__all__ = [
    "Files",
    "PlanResult",
    "StageError",
    "evaluate_schedule",
    "input_copy_name",
    "render_outputs",
    "run_plan",
    "schedule_and_evaluate",
    "schedule_files",
    "simulate_roster",
    "stage",
    "write_outputs",
]

Progress = Callable[[str, str], None]

#: Output files in memory: key -> (file name, content); content is a frame (written as CSV),
#: text or bytes.
Files = dict[str, tuple[str, "pd.DataFrame | str | bytes"]]


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
    ``recommendations`` are present when ``plan.toml`` has a ``[shifts]`` table. ``scenario``
    is the what-if settings of a scenario plan (``plan.json``'s ``scenario``), else None.
    ``cards`` are the forecast's model cards by queue (written as ``models/<queue>.json``;
    empty for a scenario plan, whose forecast is the base plan's changed).
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
    scenario: dict | None = None
    cards: dict = field(default_factory=dict)


@contextmanager
def stage(name: str, timings: dict[str, float], progress: Progress | None):
    """Time a stage (seconds, into ``timings``) and report it to ``progress``.

    A ``ValueError`` in the stage becomes an :class:`InputError` and any other failure a
    :class:`StageError`, both naming the stage.
    """
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
    models_path: str | Path | None = None,
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
    models_path : path, optional
        A folder of forecast model cards (``models/`` of an earlier plan, or
        ``staffplan forecast --save-models``): queues with a card keep its method and band
        dispersion instead of a new selection (with ``method="auto"``).
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
    from staffplan.forecast import SpecialDays, fit
    from staffplan.forecast import forecast as make_forecast

    timings: dict[str, float] = {}
    agents = availability = None
    with stage("validate", timings, progress):
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
        given = _read_cards(models_path, config) if models_path is not None else None
        kept = _kept_inputs(  # read and checked above, so readable
            config_path,
            agents=agents_path,
            availability=availability_path if agents_path is not None else None,
            special_days=special_days_path,
        )
    with stage("forecast", timings, progress):
        # choose and calibrate per queue once, keep the cards, forecast with them
        cards = fit(checked.frame, method=method, calendar=calendar, n_jobs=n_jobs, cards=given)
        forecast = make_forecast(
            checked.frame, horizon, method=method, calendar=calendar, n_jobs=n_jobs, cards=cards
        )
    with stage("requirements", timings, progress):
        requirements = compute(forecast, config)
    result = PlanResult(config, checked.frame, forecast, requirements, warnings, timings)
    result.agents = agents
    result.cards = cards
    result.plan_id = _plan_id(config)
    if getattr(config, "shifts", None) is not None:
        schedule_and_evaluate(result, availability, timings, progress)
        if simulate:
            simulate_roster(result, simulate, seed, timings, progress)
    with stage("write", timings, progress):
        result.outputs = write_outputs({**render_outputs(result), **kept}, Path(out_dir))
    return result


def _read_cards(folder: str | Path, config: PlanConfig) -> dict:
    """Model cards of ``folder`` for the plan's queues, checked against its interval length."""
    cards = io.read_model_cards(folder)
    if not cards:
        raise InputError(
            Problem(
                "no model cards (<queue>.json) in this folder",
                file=str(folder),
                fix="give the models/ folder of an earlier plan, or leave out --models",
            )
        )
    for queue, card in cards.items():
        if card.interval_minutes != config.center.interval_minutes:
            raise InputError(
                Problem(
                    f"model card for {queue} has {card.interval_minutes}-minute intervals, "
                    f"the plan {config.center.interval_minutes}-minute ones",
                    file=str(Path(folder) / f"{queue}.json"),
                    fix="use cards saved for this centre, or leave out --models to choose anew",
                )
            )
    return {queue: card for queue, card in cards.items() if queue in config.queue_names}


def input_copy_name(stem: str, path: str | Path) -> str:
    """File name of an input's copy in the plan folder: ``stem`` with the input's format.

    ``agents.csv`` for CSV (any separator), ``agents.csv.gz`` for gzip, ``agents.parquet`` for
    Parquet: the readers choose the format by the suffix, so the copy keeps it.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".gz":
        return f"{stem}.csv.gz"
    if suffix in (".parquet", ".pq"):
        return f"{stem}.parquet"
    return f"{stem}.csv"


def _kept_inputs(config_path, **inputs: str | Path | None) -> Files:
    """The configuration and the given inputs, as read now, to travel with the plan.

    A re-schedule of a what-if needs them (:func:`staffplan.whatif.run_whatif`); the bytes are
    copied as given.
    """
    kept: Files = {"config": ("plan.toml", Path(config_path).read_text(encoding="utf-8"))}
    for stem, path in inputs.items():
        if path is not None:
            kept[stem] = (input_copy_name(stem, path), Path(path).read_bytes())
    return kept


def _plan_id(config: PlanConfig) -> str:
    """``plan-<UTC time>-<config digest prefix>``: sortable, and names the configuration."""
    from staffplan.feed import config_digest

    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return f"plan-{stamp}-{config_digest(config.model_dump(mode='json'))[:8]}"


def schedule_and_evaluate(
    result: PlanResult,
    availability: pd.DataFrame | None,
    timings: dict[str, float],
    progress: Progress | None = None,
) -> None:
    """The ``schedule`` and ``evaluate`` stages for ``result.requirements``.

    Schedules with ``config.shifts`` and ``config.solver`` (a roster of ``result.agents`` when
    given, with their ``availability``), then :func:`evaluate_schedule`.
    """
    from staffplan.scheduling import schedule

    config = result.config
    with stage("schedule", timings, progress):
        result.schedule = schedule(
            result.requirements.frame,
            config.shifts,
            config.solver,
            agents=result.agents,
            availability=availability,
            interval_minutes=config.center.interval_minutes,
        )
    evaluate_schedule(result, timings, progress)


def evaluate_schedule(
    result: PlanResult, timings: dict[str, float], progress: Progress | None = None
) -> None:
    """The ``evaluate`` stage: the service of ``result.schedule`` for ``result.forecast``.

    Sets ``result.coverage`` (see :func:`staffplan.evaluate.evaluate_coverage`),
    ``result.weekly`` (call-weighted service per queue) and ``result.recommendations``; the
    stage's time (seconds) goes into ``timings``.
    """
    from staffplan.advice import plan_recommendations, shared_skills
    from staffplan.evaluate import evaluate_coverage, weekly_service
    from staffplan.schema import parse_skills

    config = result.config
    with stage("evaluate", timings, progress):
        # the pooled roster model: agents serve all their queues in priority order, as they
        # do on the floor (and in the simulation)
        result.coverage = evaluate_coverage(
            result.schedule.coverage,
            result.forecast,
            config,
            activities=result.schedule.activities,
            roster=result.schedule.roster,
        )
        result.weekly = weekly_service(result.coverage, config)
        skills = (
            [parse_skills(s) for s in result.agents["skills"]] if result.agents is not None else []
        )
        result.recommendations = plan_recommendations(
            result.coverage, config, pairs=shared_skills(skills)
        ) + _deadline_notes(result.requirements)


def simulate_roster(
    result: PlanResult, replications: int, seed: int, timings: dict, progress: Progress | None
) -> None:
    """Simulate the plan's roster against its forecast and add the ``sim_`` columns to the
    coverage and the weekly figures.

    The roster is ``result.schedule``, shrinkage is ``result.config``'s (whole days of
    absence). ``sim_expected_service_level`` is the expected weekly service level over the
    contacts the simulation scores (it leaves out email items due after the horizon).

    Parameters
    ----------
    result : PlanResult
        A plan with a schedule and its evaluated coverage; changed in place.
    replications : int
        Replications of the week.
    seed : int
        Seed of the simulation.
    timings : dict
        Seconds per stage; ``"simulate"`` is added.
    progress : callable, optional
        Called with (stage, "start" | "done" | "failed").
    """
    from staffplan.evaluate import weekly_service
    from staffplan.simulation import simulate

    key = ["interval_start", "queue"]
    with stage("simulate", timings, progress):
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
        same = weekly_service(result.coverage, result.config, scored=sim.intervals)
        totals = totals.merge(
            same[["queue", "service_level"]].rename(
                columns={"service_level": "sim_expected_service_level"}
            ),
            on="queue",
            how="left",
        )
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


def render_outputs(result: PlanResult) -> Files:
    """Every output of a plan, in memory: nothing is written.

    Returns
    -------
    Files
        ``forecast``, ``requirements``, ``model_<queue>`` (``models/<queue>.json``, the
        forecast's model card) and, with a schedule, ``roster``, ``activities``,
        ``coverage``, ``roster_ics``, ``plan_json`` (with ``result.scenario``), ``report`` and a
        ``figure_<name>`` PNG per figure of the report.
    """
    files: Files = {
        "forecast": ("forecast.csv", result.forecast),
        "requirements": ("requirements.csv", result.requirements.frame),
    }
    for queue, card in result.cards.items():
        files[f"model_{queue}"] = (f"models/{queue}.json", io.model_card_text(card))
    if result.schedule is None:
        return files
    files.update(schedule_files(result.schedule, result.coverage))
    files["plan_json"] = ("plan.json", _plan_document(result).model_dump_json(indent=1))
    files.update(_report(result))
    return files


def schedule_files(schedule, coverage: pd.DataFrame | None = None) -> Files:
    """The roster outputs of a schedule, in memory: nothing is written.

    Parameters
    ----------
    schedule : staffplan.scheduling.ScheduleResult
        The schedule.
    coverage : pandas.DataFrame, optional
        The coverage to write; ``schedule.coverage`` (``interval_start``, ``queue``,
        ``required``, ``scheduled`` agents) when omitted.

    Returns
    -------
    Files
        ``roster`` (roster.csv), ``activities`` (activities.csv), ``coverage`` (coverage.csv)
        and ``roster_ics`` (roster.ics, every agent's shifts in one calendar).
    """
    from staffplan.scheduling import roster_calendar_merged

    return {
        "roster": ("roster.csv", schedule.roster),
        "activities": ("activities.csv", schedule.activities),
        "coverage": ("coverage.csv", schedule.coverage if coverage is None else coverage),
        "roster_ics": (
            "roster.ics",
            roster_calendar_merged(schedule.roster, schedule.activities),
        ),
    }


def _plan_document(result: PlanResult):
    import datetime as dt

    from staffplan.feed import SolverReport, build_plan_document

    sched = result.schedule
    solver = SolverReport(
        solver=str(sched.solver),
        status=str(sched.status),
        objective=_finite(sched.objective),
        bound=_finite(sched.bound),
        gap=_finite(sched.gap),
        seconds=_finite(sched.seconds),
    )
    key = ["interval_start", "queue"]
    coverage = result.coverage
    if "calls_hi" in result.forecast and "calls_hi" not in coverage:
        coverage = coverage.merge(result.forecast[[*key, "calls_hi"]], on=key, how="left")
    return build_plan_document(
        plan_id=result.plan_id,
        created_at=dt.datetime.now(dt.UTC),
        config=result.config,
        coverage=coverage,
        weekly=result.weekly,
        roster=sched.roster,
        activities=sched.activities,
        agents=result.agents,
        recommendations=result.recommendations,
        solver=solver,
        scenario=result.scenario,
    )


def _report(result: PlanResult) -> Files:
    """``report.html`` and its PNG figures."""
    from staffplan.reporting import plan_report_html

    page, figures = plan_report_html(
        config=result.config,
        history=result.history,
        forecast=result.forecast,
        coverage=result.coverage,
        weekly=result.weekly,
        activities=result.schedule.activities,
        recommendations=result.recommendations,
        solver=result.schedule.summary(),
        models=result.cards,
    )
    files: Files = {f"figure_{name}": (f"report_{name}.png", png) for name, png in figures.items()}
    files["report"] = ("report.html", page)
    return files


def write_outputs(files: Files, out_dir: str | Path) -> dict[str, Path]:
    """Write rendered outputs into ``out_dir``; returns the written paths by key.

    A folder that does not exist yet is written beside it under a temporary name and renamed
    when complete, so it appears whole or not at all; in an existing folder each file is
    replaced atomically (:mod:`staffplan.io`).
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        return _write_into(files, out_dir, out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        _write_into(files, staging, out_dir)
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {key: out_dir / name for key, (name, _) in files.items()}


def _write_into(files: Files, folder: Path, final: Path) -> dict[str, Path]:
    written = {}
    for key, (name, content) in files.items():
        if isinstance(content, pd.DataFrame):
            io.write_csv(content, folder / name)
        elif isinstance(content, str):
            io.write_text(content, folder / name)
        else:
            io.write_bytes(content, folder / name)
        written[key] = final / name
    return written


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None
