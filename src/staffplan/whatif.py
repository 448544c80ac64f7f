"""What-if on a written plan: a scenario against the plan, and the scenario as a plan.

:func:`run_whatif` reads a plan folder (``staffplan plan --out-dir DIR``), applies a
:class:`~staffplan.scenarios.Scenario` (service-level targets, volume, handle time, shrinkage) to
its forecast and configuration, and compares per queue:

- the staffing the scenario needs with the plan's (:func:`staffplan.scenarios.compare`);
- the service the plan's roster delivers under the scenario;
- with ``reschedule``, the service and hours of a new roster scheduled for the scenario with
  the plan's agents, and the whole roster's paid hours and cost against the plan's;
- with ``simulate``, the scenario's roster (the plan's, or the new one) simulated under the
  scenario: the roster model is optimistic for voice in a week busier than the roster was
  made for (BENCHMARKS.md), so a what-if on more volume is worth checking this way.

With ``out_dir`` it writes the scenario as a plan folder of its own (the files of a plan, its
``plan.json`` with ``scenario`` filled, plus ``comparison.csv`` and ``scenario.json``). Every
stage runs in memory first: nothing is written when one fails.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from staffplan import io
from staffplan.config import PlanConfig, load_config
from staffplan.errors import InputError, Problem
from staffplan.evaluate import evaluate_coverage, weighted_mean
from staffplan.pipeline import (
    Files,
    PlanResult,
    Progress,
    evaluate_schedule,
    render_outputs,
    schedule_and_evaluate,
    simulate_roster,
    stage,
    write_outputs,
)
from staffplan.requirements import Requirements, compute
from staffplan.scenarios import Scenario, apply, compare, summarise

__all__ = ["WhatIfResult", "cost_per_hour", "run_whatif", "scenario_settings"]

KEY = ["interval_start", "queue"]
#: Inputs a plan folder keeps beside ``plan.toml`` (see :func:`staffplan.pipeline.run_plan`).
KEPT_INPUTS = ("agents", "availability", "special_days")


@dataclass
class WhatIfResult:
    """A scenario compared with its base plan.

    Attributes
    ----------
    scenario : Scenario
    plan_id : str
        ``scenario-<UTC %Y%m%dT%H%M%S>-<8 hex digits of the settings and the base plan id>``.
    comparison : pandas.DataFrame
        One row per queue, see :func:`run_whatif`.
    outputs : dict of str to Path
        Written files by key (empty without ``out_dir``).
    base_plan_id : str
        ``plan_id`` of the base plan (its folder's name when it has no ``plan.json``).
    totals : dict of str to float or None
        The whole roster: ``paid_hours_base``, ``paid_hours``, ``paid_hours_change`` (hours)
        and ``cost_base``, ``cost``, ``cost_change`` (agents' ``cost_per_hour`` times paid
        hours); the scenario's roster is the base roster unless re-scheduled. None where
        unknown (no roster, or no agents' costs).
    plan : PlanResult
        The scenario as a plan: its forecast, requirements, roster, evaluated coverage,
        weekly service and recommendations.
    timings : dict of str to float
        Seconds per stage.
    """

    scenario: Scenario
    plan_id: str
    comparison: pd.DataFrame
    outputs: dict[str, Path] = field(default_factory=dict)
    base_plan_id: str = ""
    totals: dict[str, float | None] = field(default_factory=dict)
    plan: PlanResult | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Base:
    """What a plan folder holds, read and checked."""

    folder: Path
    config: PlanConfig
    config_text: str
    forecast: pd.DataFrame
    plan_id: str
    document: dict | None = None
    coverage: pd.DataFrame | None = None
    roster: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    agents: pd.DataFrame | None = None
    availability: pd.DataFrame | None = None
    copies: Files = field(default_factory=dict)


def run_whatif(
    plan_dir: str | Path,
    scenario: Scenario,
    *,
    out_dir: str | Path | None = None,
    reschedule: bool = False,
    n_jobs: int = 1,
    progress: Progress | None = None,
    simulate: int = 0,
    seed: int = 0,
) -> WhatIfResult:
    """Compare a scenario with a written plan; optionally re-schedule and write it as a plan.

    Parameters
    ----------
    plan_dir : path
        Folder of a plan (``staffplan plan --out-dir``): ``plan.toml`` and ``forecast.csv`` at
        least; ``coverage.csv``, ``roster.csv``, ``activities.csv`` and ``plan.json`` for the
        roster's service; ``agents.csv`` (and ``availability.csv``) to re-schedule.
    scenario : Scenario
        Targets (fraction, threshold in seconds; for email the deadline in seconds), volume
        and handle-time factors, shrinkage (fraction).
    out_dir : path, optional
        Folder for the scenario's plan (created; must not be ``plan_dir``).
    reschedule : bool
        Schedule a new roster for the scenario's requirements with the plan's agents,
        availability, ``[shifts]`` and ``[solver]``.
    n_jobs : int
        Processes for the requirements of the base and the scenario (1: in this process).
    progress : callable, optional
        Called with (stage, "start" | "done" | "failed").
    simulate : int
        Replications of a discrete-event simulation of the scenario's roster under the
        scenario (0: none): the plan's roster, or the new one with ``reschedule``.
    seed : int
        Seed of the simulation.

    Returns
    -------
    WhatIfResult
        ``comparison`` has, per queue, the columns of :func:`staffplan.scenarios.compare`
        (``*_base``, ``*_scenario`` and ``*_change`` of calls, ``agent_hours`` and
        ``scheduled_hours`` (agent-hours on contacts and to schedule, hours), ``fte``,
        ``cost``, the requirements' ``service_level``, ``asa_s`` (s), ``abandon_rate``), then
        the plan's roster: ``roster_scheduled_hours`` (agent-hours at work on the queue),
        ``roster_service_level_base`` (its expected service level in the plan) and
        ``roster_service_level`` (under the scenario); with ``reschedule``,
        ``rescheduled_service_level``, ``rescheduled_paid_hours`` (agent-hours at work on the
        queue in the new roster) and ``rescheduled_paid_hours_change`` (against the plan's
        roster); with ``simulate``, ``simulated_service_level`` with its 95% interval
        (``simulated_service_level_lo``, ``_hi``) and ``simulated_expected_service_level``
        (the expected one over the contacts the simulation scores) of the roster simulated.
        Service levels are call-weighted fractions.

    Raises
    ------
    InputError
        A missing or unreadable file of the plan folder, a bad scenario, or a re-schedule
        without ``agents.csv`` or ``[shifts]``; nothing is written.
    StageError
        Another failure, naming the stage; nothing is written.
    """
    timings: dict[str, float] = {}
    plan_dir = Path(plan_dir)
    with stage("load", timings, progress):
        _check_out_dir(plan_dir, out_dir)
        base = _load(plan_dir, reschedule=reschedule)
        _check_scenario(scenario, base.config)
        _check_simulate(simulate, base, reschedule)
    with stage("requirements", timings, progress):
        forecast, config = apply(scenario, base.forecast, base.config)
        base_req, scen_req = _requirements(
            [(base.forecast, base.config), (forecast, config)], n_jobs
        )
    plan = PlanResult(config, _no_history(forecast), forecast, scen_req, timings=timings)
    plan.agents = base.agents
    settings = scenario_settings(scenario, reschedule=reschedule, base_plan_id=base.plan_id)
    plan.plan_id, plan.scenario = _scenario_id(settings), settings
    under = _rosters(plan, base, reschedule, timings, progress)
    if simulate:
        simulate_roster(plan, simulate, seed, timings, progress)
    result = WhatIfResult(
        scenario=scenario,
        plan_id=plan.plan_id,
        comparison=_comparison(base, base_req, plan, under, reschedule),
        base_plan_id=base.plan_id,
        totals=_totals(base, plan),
        plan=plan,
        timings=timings,
    )
    if out_dir is not None:
        with stage("write", timings, progress):
            result.outputs = write_outputs(_files(result, base), Path(out_dir))
    plan.outputs = result.outputs
    return result


def _rosters(plan: PlanResult, base: _Base, reschedule: bool, timings, progress):
    """Evaluate the plan's roster under the scenario and, with ``reschedule``, schedule and
    evaluate a new one; ``plan.schedule`` is the scenario's roster (the plan's unless
    re-scheduled). Returns the plan's roster evaluated under the scenario (None without one).
    """
    if not reschedule and base.roster is not None and base.coverage is not None:
        plan.schedule = _base_schedule(base, plan.requirements.frame)
        evaluate_schedule(plan, timings, progress)
        return plan.coverage
    under = None
    if base.coverage is not None:
        with stage("evaluate roster", timings, progress):
            needs = _base_coverage(base, plan.requirements.frame)
            under = evaluate_coverage(
                needs,
                plan.forecast,
                plan.config,
                activities=base.activities,
                roster=base.roster,
            )
    if reschedule:
        schedule_and_evaluate(plan, base.availability, timings, progress)
    return under


def scenario_settings(scenario: Scenario, *, reschedule: bool, base_plan_id: str) -> dict:
    """The scenario as ``plan.json`` records it (JSON-ready).

    ``targets`` maps each queue to ``{"service_level": fraction, "threshold_s": seconds}``.
    """
    return {
        "name": scenario.name,
        "targets": {
            queue: {"service_level": float(level), "threshold_s": float(threshold)}
            for queue, (level, threshold) in sorted(scenario.targets.items())
        },
        "volume_factor": float(scenario.volume_factor),
        "aht_factor": float(scenario.aht_factor),
        "shrinkage": None if scenario.shrinkage is None else float(scenario.shrinkage),
        "reschedule": bool(reschedule),
        "base_plan_id": base_plan_id,
    }


def cost_per_hour(plan_dir: str | Path) -> float:
    """Average cost of a paid hour of the plan's roster (``plan.json``: cost / paid hours).

    0.0 when the plan has no ``plan.json`` or no costs (planned without ``agents.csv``).
    """
    try:
        document = json.loads((Path(plan_dir) / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0.0
    return _rate(document)


def _rate(document: dict | None) -> float:
    try:
        return float(document["cost"]) / float(document["paid_hours"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 0.0


# --------------------------------------------------------------------------- reading


def _load(folder: Path, *, reschedule: bool) -> _Base:
    """Read a plan folder; refuse what a what-if (or its re-schedule) cannot use."""
    if not folder.is_dir():
        raise InputError(
            Problem(
                "plan folder not found",
                file=str(folder),
                fix="give the --out-dir of a `staffplan plan` run",
            )
        )
    for name in ("plan.toml", "forecast.csv"):
        if not (folder / name).is_file():
            raise InputError(
                Problem(
                    "missing from the plan folder",
                    file=str(folder / name),
                    fix=f"write the plan again with `staffplan plan ... --out-dir {folder}`",
                )
            )
    config = load_config(folder / "plan.toml")
    found = {stem: _find(folder, stem) for stem in KEPT_INPUTS}
    if reschedule:
        _check_reschedule(folder, config, found["agents"])
    forecast = io.read_forecast(folder / "forecast.csv", config).frame
    base = _Base(
        folder=folder,
        config=config,
        config_text=(folder / "plan.toml").read_text(encoding="utf-8"),
        forecast=forecast,
        plan_id=folder.name,
        copies={stem: (path.name, path.read_bytes()) for stem, path in found.items() if path},
    )
    _read_roster(base)
    if found["agents"] is not None:
        base.agents = io.read_agents(found["agents"], config).frame
        if found["availability"] is not None:
            ids = list(base.agents["agent_id"])
            base.availability = io.read_availability(found["availability"], config, ids).frame
    return base


def _check_reschedule(folder: Path, config: PlanConfig, agents: Path | None) -> None:
    if getattr(config, "shifts", None) is None:
        raise InputError(
            Problem(
                "plan.toml has no [shifts] table: there are no shift rules to re-schedule with",
                file=str(folder / "plan.toml"),
                fix="add a [shifts] table (see data/samples/plan.toml) and run `staffplan "
                "plan` again",
            )
        )
    if agents is None:
        raise InputError(
            Problem(
                "missing from the plan folder: a re-schedule needs the agents the plan was "
                "made with",
                file=str(folder / "agents.csv"),
                fix="re-run `staffplan plan ... --agents agents.csv [--availability "
                "availability.csv] --out-dir DIR` (plans keep a copy of their agents), or "
                "leave out --reschedule",
            )
        )


def _check_simulate(replications: int, base: _Base, reschedule: bool) -> None:
    """A simulation needs a roster: the plan folder's, or a new one with ``reschedule``."""
    if replications < 0:
        raise InputError(
            Problem(
                f"--simulate must be 0 or more replications; got {replications}",
                where="--simulate",
                fix="give a number of replications such as 100, or 0 for none",
            )
        )
    kept = (
        ("roster.csv", base.roster),
        ("activities.csv", base.activities),
        ("coverage.csv", base.coverage),
    )
    missing = [name for name, frame in kept if frame is None]
    if replications and not reschedule and missing:
        raise InputError(
            Problem(
                "a simulation needs the plan's roster; the plan folder has no "
                + " or ".join(missing),
                where=str(base.folder),
                fix="simulate a folder written by `staffplan plan` with a roster, or add "
                "--reschedule (with agents.csv) to simulate a new one",
            )
        )


def _find(folder: Path, stem: str) -> Path | None:
    """The copy of an input in the plan folder, in whichever format it was given."""
    for name in (f"{stem}.csv", f"{stem}.csv.gz", f"{stem}.parquet"):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_roster(base: _Base) -> None:
    """The plan's ``plan.json``, ``coverage.csv``, ``roster.csv`` and ``activities.csv``."""
    tz = base.forecast["interval_start"].dt.tz
    path = base.folder / "plan.json"
    if path.is_file():
        try:
            base.document = json.loads(path.read_text(encoding="utf-8"))
            base.plan_id = str(base.document["plan_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                Problem(f"not a staffplan plan.json: {exc}", file=str(path), fix=_AGAIN)
            ) from None
    base.coverage = _read_output(base.folder / "coverage.csv", ("interval_start",), tz)
    base.roster = _read_output(base.folder / "roster.csv", ("shift_start", "shift_end"), tz)
    base.activities = _read_output(base.folder / "activities.csv", ("start", "end"), tz)
    if base.roster is not None:
        base.roster["date"] = base.roster["shift_start"].dt.date


_AGAIN = "write the plan again with `staffplan plan`"
_TEXT = ("agent_id", "queue", "queues", "activity")


def _read_output(path: Path, times: tuple[str, ...], tz) -> pd.DataFrame | None:
    """A CSV that ``staffplan plan`` wrote, with its times in ``tz``; None when absent."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, dtype={c: str for c in _TEXT})
        for column in times:
            stamps = pd.to_datetime(frame[column], utc=True, format="ISO8601")
            frame[column] = stamps.dt.tz_convert(tz)
    except (ValueError, KeyError, pd.errors.ParserError) as exc:
        raise InputError(
            Problem(f"not a file `staffplan plan` wrote: {exc}", file=str(path), fix=_AGAIN)
        ) from None
    return frame


def _check_out_dir(plan_dir: Path, out_dir: str | Path | None) -> None:
    if out_dir is not None and Path(out_dir).resolve() == plan_dir.resolve():
        raise InputError(
            Problem(
                "the scenario's folder is the base plan's folder",
                file=str(out_dir),
                fix="give --out-dir a folder of its own; the base plan stays as it is",
            )
        )


def _check_scenario(scenario: Scenario, config: PlanConfig) -> None:
    """Refuse factors and shrinkage no centre can have, and unknown queues."""
    where = f"scenario {scenario.name!r}"
    problems = [
        Problem(
            f"expected a positive factor, found {value:g}",
            where=f"{where} {name}",
            fix="give a change above -100%, e.g. +10% (1.10) or -5% (0.95)",
        )
        for name, value in (
            ("volume_factor", scenario.volume_factor),
            ("aht_factor", scenario.aht_factor),
        )
        if not (np.isfinite(value) and value > 0)
    ]
    if scenario.shrinkage is not None and not 0.0 <= scenario.shrinkage < 1.0:
        problems.append(
            Problem(
                f"expected a fraction in [0, 1), found {scenario.shrinkage:g}",
                where=f"{where} shrinkage",
                fix="give shrinkage as a fraction, e.g. 0.35 for 35%",
            )
        )
    unknown = sorted(set(scenario.targets) - set(config.queue_names))
    if unknown:
        problems.append(
            Problem(
                f"{where}: unknown queue {', '.join(unknown)}",
                where="targets",
                fix=f"the plan has {', '.join(config.queue_names)}",
            )
        )
    if problems:
        raise InputError(problems)


# --------------------------------------------------------------------------- computing


def _compute(job: tuple[pd.DataFrame, PlanConfig]) -> Requirements:
    return compute(*job)


def _requirements(jobs: list[tuple[pd.DataFrame, PlanConfig]], n_jobs: int) -> list:
    """Requirements of each (forecast, config), in order; a process pool when ``n_jobs > 1``."""
    if n_jobs <= 1:
        return [_compute(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(jobs))) as pool:
        return list(pool.map(_compute, jobs))


def _no_history(forecast: pd.DataFrame) -> pd.DataFrame:
    """An empty history (a plan folder keeps none): the report shows the forecast alone."""
    return pd.DataFrame(
        {
            "interval_start": forecast["interval_start"].iloc[:0],
            "queue": forecast["queue"].iloc[:0],
            "offered": pd.Series(dtype=float),
        }
    )


def _base_coverage(base: _Base, requirements: pd.DataFrame) -> pd.DataFrame:
    """The plan's roster at work per interval and queue, against the scenario's needs."""
    need = requirements[[*KEY, "agents_scheduled"]].rename(columns={"agents_scheduled": "required"})
    frame = need.merge(base.coverage[[*KEY, "scheduled"]], on=KEY, how="left")
    return frame.assign(scheduled=frame["scheduled"].fillna(0.0))


def _base_schedule(base: _Base, requirements: pd.DataFrame):
    """The plan's roster as a schedule for the scenario (not re-solved).

    Solver figures are the plan's; over- and under-staffing are against the scenario's needs.
    """
    from staffplan.scheduling import ScheduleResult

    coverage = _base_coverage(base, requirements)
    missing = coverage["required"] - coverage["scheduled"]
    short = coverage[missing > 1e-6].assign(
        missing=missing[missing > 1e-6],
        reason="the plan's roster, not re-scheduled for the scenario",
    )
    solver = (base.document or {}).get("solver") or {}
    paid = float(base.roster["paid_hours"].sum())
    return ScheduleResult(
        roster=base.roster,
        activities=base.activities,
        coverage=coverage,
        status=str(solver.get("status", "unknown")),
        objective=_number(solver.get("objective")),
        bound=_number(solver.get("bound")),
        gap=_number(solver.get("gap")),
        solver=str(solver.get("solver", "the base plan")),
        seconds=_number(solver.get("seconds")),
        paid_hours=paid,
        paid_agent_intervals=paid * 60.0 / base.config.center.interval_minutes,
        over_agent_intervals=float((-missing).clip(lower=0).sum()),
        under_agent_intervals=float(missing.clip(lower=0).sum()),
        uncovered=short.reset_index(drop=True),
        violations=pd.DataFrame(columns=["agent_id", "date", "rule", "message"]),
        notes=[f"the roster of plan {base.plan_id}, evaluated under the scenario"],
    )


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _by_queue(coverage: pd.DataFrame, hours: float) -> pd.DataFrame:
    """Per queue: call-weighted ``service_level`` and agent-``hours`` at work (hours)."""
    return pd.DataFrame(
        [
            {
                "queue": str(queue),
                "service_level": weighted_mean(part["service_level"], part["calls"]),
                "hours": float(part["scheduled"].sum() * hours),
            }
            for queue, part in coverage.groupby("queue", sort=False)
        ]
    ).set_index("queue")


def _comparison(
    base: _Base,
    base_req: Requirements,
    plan: PlanResult,
    under: pd.DataFrame | None,
    reschedule: bool,
) -> pd.DataFrame:
    rate = _rate(base.document)
    table = compare(
        summarise(base_req.frame, base.config, cost_per_hour=rate),
        summarise(plan.requirements.frame, plan.config, cost_per_hour=rate),
    )
    hours = base.config.center.interval_minutes / 60.0
    queues = table["queue"].astype(str)
    nan = pd.Series(np.nan, index=table.index)
    if base.coverage is not None:
        before, after = _by_queue(base.coverage, hours), _by_queue(under, hours)
        table["roster_scheduled_hours"] = queues.map(before["hours"])
        table["roster_service_level_base"] = queues.map(before["service_level"])
        table["roster_service_level"] = queues.map(after["service_level"])
    else:
        for column in ("roster_scheduled_hours", "roster_service_level_base"):
            table[column] = nan
        table["roster_service_level"] = nan
    if reschedule:
        new = _by_queue(plan.coverage, hours)
        table["rescheduled_service_level"] = queues.map(new["service_level"])
        table["rescheduled_paid_hours"] = queues.map(new["hours"])
        table["rescheduled_paid_hours_change"] = (
            table["rescheduled_paid_hours"] - table["roster_scheduled_hours"]
        )
    if plan.weekly is not None and "sim_service_level" in plan.weekly:
        simulated = plan.weekly.set_index("queue")
        for name in ("service_level", "service_level_lo", "service_level_hi"):
            table[f"simulated_{name}"] = queues.map(simulated[f"sim_{name}"])
        table["simulated_expected_service_level"] = queues.map(
            simulated["sim_expected_service_level"]
        )
    return table


def _roster_cost(roster: pd.DataFrame | None, agents: pd.DataFrame | None) -> float | None:
    """Paid hours times each agent's ``cost_per_hour``; None without agents."""
    if roster is None or agents is None:
        return None
    if roster.empty:
        return 0.0
    rate = roster["agent_id"].map(agents.set_index("agent_id")["cost_per_hour"])
    return float((roster["paid_hours"] * pd.to_numeric(rate).fillna(0.0)).sum())


def _totals(base: _Base, plan: PlanResult) -> dict[str, float | None]:
    document = base.document or {}
    paid_base = (
        float(base.roster["paid_hours"].sum())
        if base.roster is not None
        else document.get("paid_hours")
    )
    cost_base = _roster_cost(base.roster, base.agents)
    if cost_base is None:
        cost_base = document.get("cost")
    roster = plan.schedule.roster if plan.schedule is not None else None
    paid = float(roster["paid_hours"].sum()) if roster is not None else None
    cost = _roster_cost(roster, base.agents)
    if cost is None and roster is base.roster:
        cost = cost_base
    return {
        "paid_hours_base": paid_base,
        "paid_hours": paid,
        "paid_hours_change": _change(paid, paid_base),
        "cost_base": cost_base,
        "cost": cost,
        "cost_change": _change(cost, cost_base),
    }


def _change(value: float | None, base: float | None) -> float | None:
    return None if value is None or base is None else float(value) - float(base)


def _scenario_id(settings: dict) -> str:
    """``scenario-<UTC time>-<digest prefix of the settings and base plan id>``."""
    from staffplan.feed import config_digest

    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return f"scenario-{stamp}-{config_digest(settings)[:8]}"


# --------------------------------------------------------------------------- writing


def _files(result: WhatIfResult, base: _Base) -> Files:
    """Every file of the scenario's plan folder, in memory."""
    summary = {
        "plan_id": result.plan_id,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "scenario": result.plan.scenario,
        "totals": result.totals,
    }
    return {
        **render_outputs(result.plan),
        "comparison": ("comparison.csv", result.comparison),
        "scenario": ("scenario.json", json.dumps(summary, indent=2) + "\n"),
        "config": ("plan.toml", base.config_text),
        **base.copies,
    }
