"""The ``staffplan`` command line: a thin adapter that parses, calls the stages and writes.

Input problems end with a readable list of what is wrong and exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from staffplan import __version__
from staffplan.cli_console import EXIT_INPUT, err, out, print_problems
from staffplan.cli_schedule import schedule
from staffplan.cli_serve import serve
from staffplan.cli_store import plans_app
from staffplan.config import PlanConfig, load_config
from staffplan.errors import InputError, Problem
from staffplan.io import read_agents, read_availability, read_history, write_json
from staffplan.summary import HistorySummary, summarize_agents, summarize_history

__all__ = ["app", "main"]

app = typer.Typer(
    name="staffplan",
    help="Workforce management for contact centres: forecast, staff, schedule, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into a readable message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            print_problems(exc.problems, title="Input refused", style="red", console=err)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        out.print(f"staffplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """staffplan: from interval history to a weekly roster."""


@app.command()
@_friendly
def sample(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the sample centre into.")],
    seed: Annotated[int, typer.Option(help="Random seed of the generator.")] = 20260301,
) -> None:
    """Write the sample centre (plan.toml, history, agents, availability, agent states)."""
    from staffplan.io import write_sample
    from staffplan.sample import build_sample

    paths = write_sample(build_sample(seed), out_dir)
    for path in paths.values():
        out.print(f"wrote {path}")


@app.command()
@_friendly
def validate(
    history: Annotated[Path, typer.Option(help="Interval history, CSV or Parquet.")],
    config: Annotated[Path, typer.Option(help="plan.toml")],
    agents: Annotated[Path | None, typer.Option(help="agents.csv")] = None,
    availability: Annotated[Path | None, typer.Option(help="availability.csv")] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the summary as JSON.")] = None,
) -> None:
    """Check the inputs and summarise them; exit 2 with every problem found otherwise."""
    result = _validate(history, config, agents, availability)
    if report is not None:
        write_json(result, report)
        out.print(f"summary written to {report}")


def _validate(
    history: Path, config_path: Path, agents: Path | None, availability: Path | None
) -> dict[str, Any]:
    config = load_config(config_path)
    checked = read_history(history, config)
    summary = summarize_history(checked.frame, config, gaps=_count_gaps(checked.warnings))
    _print_history_summary(summary, config, history)
    result: dict[str, Any] = {
        "config": str(config_path),
        "history": summary.to_dict(),
        "warnings": [str(w) for w in checked.warnings],
    }
    if agents is not None:
        staff = read_agents(agents, config)
        result["agents"] = summarize_agents(staff.frame, config)
        result["warnings"] += [str(w) for w in staff.warnings]
        _print_agents_summary(result["agents"], agents)
        if availability is not None:
            avail = read_availability(availability, config, list(staff.frame["agent_id"]))
            result["availability_rows"] = len(avail.frame)
            result["warnings"] += [str(w) for w in avail.warnings]
            out.print(f"{availability}: {len(avail.frame)} availability rows, all valid")
    elif availability is not None:
        read_availability(availability, config)
    warnings = checked.warnings
    if warnings:
        print_problems(warnings, title="Warnings", style="yellow", console=out)
    out.print("[bold green]Inputs are valid.[/]")
    return result


def _count_gaps(warnings: list[Problem]) -> int:
    return sum(w.message.startswith("gap:") for w in warnings)


def _print_history_summary(summary: HistorySummary, config: PlanConfig, path: Path) -> None:
    out.print(
        f"[bold]{path}[/]: {summary.rows:,} rows, {summary.first_interval} to "
        f"{summary.last_interval} ({summary.days} days with data, "
        f"{summary.interval_minutes}-minute intervals, {summary.gaps} gaps)"
    )
    table = Table(title=f"History of {config.center.name}", title_justify="left")
    for name in ("queue", "channel", "intervals", "offered", "handled", "abandon %", "AHT s"):
        table.add_column(name, justify="left" if name in ("queue", "channel") else "right")
    table.add_column("SL achieved / target", justify="right")
    for q in summary.queues:
        sl = "-" if q.service_level is None else f"{q.service_level:.1%}"
        table.add_row(
            q.queue,
            q.channel,
            f"{q.intervals:,}",
            f"{q.offered:,}",
            f"{q.handled:,}",
            f"{q.abandon_rate:.1%}",
            f"{q.aht_s:.0f}",
            f"{sl} / {q.target_service_level:.0%}",
        )
    out.print(table)
    if summary.holidays:
        out.print("Public holidays: " + "; ".join(summary.holidays))


def _print_agents_summary(summary: dict[str, Any], path: Path) -> None:
    skills = ", ".join(
        f"{q} {v['skilled']} ({v['primary']} primary)" for q, v in summary["queues"].items()
    )
    out.print(
        f"[bold]{path}[/]: {summary['agents']} agents in {summary['teams']} teams, contracts "
        f"{summary['min_hours_week']:,.0f}-{summary['max_hours_week']:,.0f} h/week in all; "
        f"skilled per queue: {skills}"
    )


@app.command()
@_friendly
def plan(
    history: Annotated[Path, typer.Option(help="Interval history, CSV or Parquet.")],
    config: Annotated[Path, typer.Option(help="plan.toml")],
    out_dir: Annotated[Path, typer.Option(help="Folder for the plan's outputs.")],
    agents: Annotated[Path | None, typer.Option(help="agents.csv")] = None,
    availability: Annotated[Path | None, typer.Option(help="availability.csv")] = None,
    special_days: Annotated[Path | None, typer.Option(help="special_days.csv")] = None,
    models: Annotated[
        Path | None,
        typer.Option(help="Reuse these forecast model cards (e.g. an earlier plan's models/)."),
    ] = None,
    horizon: Annotated[str, typer.Option(help="Forecast horizon after the history.")] = "7D",
    method: Annotated[str, typer.Option(help="Forecast method.")] = "auto",
    jobs: Annotated[int, typer.Option(help="Parallel processes for the forecast.")] = 1,
    simulate: Annotated[
        int, typer.Option(help="Replications of a simulation of the roster (0: none).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 0,
    store: Annotated[
        Path | None, typer.Option(help="Also record the plan in this plan store (a folder).")
    ] = None,
) -> None:
    """The weekly plan: validate, forecast, requirements, schedule, evaluate, write."""
    _run_plan(
        history,
        config,
        out_dir,
        agents,
        availability,
        special_days,
        horizon,
        method,
        jobs,
        simulate,
        seed,
        models,
    )
    if store is not None:
        _store_plan(out_dir, store)


def _store_plan(out_dir: Path, store: Path) -> None:
    """Record the plan folder ``out_dir`` in the plan store at ``store``."""
    from staffplan.store import PlanStore

    with PlanStore(store) as plans:
        record = plans.add(out_dir)
    out.print(f"Stored as [bold]{record.id}[/] in {plans.root}")


def _run_plan(
    history,
    config,
    out_dir,
    agents,
    availability,
    special_days,
    horizon,
    method,
    jobs,
    simulate=0,
    seed=0,
    models=None,
):
    from staffplan.pipeline import StageError, run_plan

    def progress(stage: str, state: str) -> None:
        if state == "start":
            err.print(f"[dim]... {stage}[/]")

    try:
        result = run_plan(
            history,
            config,
            out_dir,
            agents_path=agents,
            availability_path=availability,
            special_days_path=special_days,
            models_path=models,
            horizon=horizon,
            method=method,
            n_jobs=jobs,
            simulate=simulate,
            seed=seed,
            progress=progress,
        )
    except StageError as exc:
        err.print(f"[bold red]Plan failed[/] in stage '{exc.stage}': {exc.__cause__}")
        err.print("Nothing was written; the previous outputs are unchanged.")
        raise typer.Exit(1) from None
    _print_plan(result)
    return result


def _print_plan(result) -> None:
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    out.print(f"[bold]Stages[/]: {timings}")
    if result.weekly is None:
        _print_requirements(result.requirements, result.config)
    else:
        _print_weekly(result)
    if result.warnings:
        out.print(f"[yellow]{len(result.warnings)} input warnings[/] (run validate to list them)")
    out.print("[bold]Outputs[/]:")
    for path in result.outputs.values():
        out.print(f"  {path}")


def _print_weekly(result) -> None:
    hours = result.config.center.interval_minutes / 60.0
    table = Table(title=f"Plan {result.plan_id}", title_justify="left")
    columns = (
        "queue",
        "calls",
        "required h",
        "scheduled h",
        "expected SL / target",
        "SL at upper band",
        "ASA s",
        "abandoned",
        "occupancy",
    )
    simulated = "sim_service_level" in result.weekly
    columns += ("simulated SL ± 95% CI",) if simulated else ()
    for name in columns:
        table.add_column(name, justify="left" if name == "queue" else "right")
    coverage = result.coverage
    for row in result.weekly.itertuples(index=False):
        part = coverage[coverage["queue"] == row.queue]
        table.add_row(
            str(row.queue),
            f"{row.calls:,.0f}",
            f"{part['required'].sum() * hours:,.0f}",
            f"{part['scheduled'].sum() * hours:,.0f}",
            f"{row.service_level:.1%} / {row.target_service_level:.0%}",
            _pct(getattr(row, "service_level_hi", None)),
            "-" if row.asa_s != row.asa_s else f"{row.asa_s:.1f}",
            _pct(row.abandon_rate),
            _pct(row.occupancy),
            *(
                [
                    f"{row.sim_service_level:.1%} ±"
                    f"{50 * (row.sim_service_level_hi - row.sim_service_level_lo):.1f}"
                ]
                if simulated
                else []
            ),
        )
    out.print(table)
    if simulated and "sim_expected_service_level" in result.weekly:
        for row in result.weekly.itertuples(index=False):
            same = row.sim_expected_service_level
            if same == same and f"{same:.1%}" != f"{row.service_level:.1%}":
                out.print(
                    f"  {row.queue}: the simulation scores only the items due inside the "
                    f"horizon; over those the expected service level is {same:.1%}"
                )
    sched = result.schedule
    cost = ""
    if result.agents is not None and len(sched.roster):
        rate = sched.roster["agent_id"].map(result.agents.set_index("agent_id")["cost_per_hour"])
        cost = f", cost {(sched.roster['paid_hours'] * rate).sum():,.0f}"
    out.print(
        f"Roster: {len(sched.roster)} shifts, {sched.paid_hours:,.1f} paid hours{cost}; solver "
        f"{sched.solver} {sched.status}, gap {sched.gap:.1%}; under-staffed "
        f"{sched.under_agent_intervals:,.0f} agent-intervals, over "
        f"{sched.over_agent_intervals:,.0f}"
    )
    if len(sched.violations):
        out.print(f"[red]{len(sched.violations)} hard-rule violations[/] (see roster checks)")
    for note in sched.notes[:3]:
        out.print(f"  roster note: {note}", markup=False, soft_wrap=True)
    if len(sched.notes) > 3:
        out.print(f"  ... {len(sched.notes) - 3} more roster notes (staffplan schedule lists them)")
    for rec in result.recommendations[:5]:
        out.print(f"  - {rec.message}", markup=False, soft_wrap=True)
    if len(result.recommendations) > 5:
        out.print(f"  ... {len(result.recommendations) - 5} more in report.html and plan.json")


def _pct(value) -> str:
    return "-" if value is None or value != value else f"{value:.1%}"


@app.command()
@_friendly
def demo(
    samples: Annotated[Path, typer.Option(help="Folder of the sample centre.")] = Path(
        "data/samples"
    ),
    out_dir: Annotated[Path, typer.Option(help="Where to write the outputs.")] = Path("out"),
) -> None:
    """Run the whole plan on the sample centre, as far as the stages exist."""
    result = _validate(
        samples / "history.csv",
        samples / "plan.toml",
        samples / "agents.csv",
        samples / "availability.csv",
    )
    path = write_json(result, out_dir / "validation.json")
    plan_result = _run_plan(
        samples / "history.csv",
        samples / "plan.toml",
        out_dir,
        samples / "agents.csv",
        samples / "availability.csv",
        None,
        "7D",
        "auto",
        1,
    )
    report_kpi(
        states=samples / "agent_states.csv.gz",
        history=samples / "history.csv",
        config=samples / "plan.toml",
        out_dir=out_dir / "kpi",
        roster=samples / "states_roster.csv",
        activities=samples / "states_activities.csv.gz",
        agents=samples / "agents.csv",
        contacts=samples / "contacts.csv.gz",
        agent_history=samples / "agent_history.csv",
    )
    out.print(f"\n[bold]Outputs[/] in {out_dir.resolve()}:\n  {path}")
    for written in plan_result.outputs.values():
        out.print(f"  {written}")
    out.print(f"  {out_dir / 'kpi' / 'kpi.html'} (performance report of the last two weeks)")
    _store_plan(out_dir, out_dir / "store")
    out.print(
        "\n[bold]Dashboard[/]: run [bold]staffplan serve --store "
        f"{out_dir / 'store'}[/] (with .venv/bin on PATH) and open http://127.0.0.1:8000/"
    )


# --------------------------------------------------------------------------- erlang


def _duration_s(text: str, option: str) -> float:
    """``"30m"``, ``"15min"``, ``"1h"``, ``"900s"`` or ``"900"`` (seconds) to seconds."""
    units = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    raw = text.strip().lower()
    number = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(number) :] or "s"
    try:
        value = float(number) * units[unit]
    except (ValueError, KeyError):
        raise InputError(
            Problem(
                "expected a duration such as 30m, 15m, 1h or 900s",
                where=f"option {option}",
                value=repr(text),
            )
        ) from None
    if value <= 0:
        raise InputError(Problem("a duration must be positive", where=option, value=repr(text)))
    return value


def _target(text: str) -> tuple[float, float]:
    """``"80/20"`` (percent / seconds) or ``"0.8/20"`` to (fraction, seconds)."""
    try:
        level, threshold = (float(x) for x in text.split("/"))
    except ValueError:
        raise InputError(
            Problem(
                "expected a service-level target as PERCENT/SECONDS, such as 80/20",
                where="option --sl",
                value=repr(text),
            )
        ) from None
    level = level / 100.0 if level > 1.0 else level
    if not (0.0 <= level <= 1.0 and threshold >= 0):
        raise InputError(
            Problem("expected 0-100 % within a threshold >= 0 s", where="--sl", value=repr(text))
        )
    return level, threshold


@app.command("erlang")
@_friendly
def erlang_command(
    calls: Annotated[float, typer.Option(help="Contacts offered in the interval.")],
    aht: Annotated[float, typer.Option(help="Average handle time, seconds.")],
    sl: Annotated[str, typer.Option(help="Target as PERCENT/SECONDS, e.g. 80/20.")] = "80/20",
    interval: Annotated[str, typer.Option(help="Interval length: 15m, 30m, 1h.")] = "30m",
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the phones.")] = 0.0,
    max_occupancy: Annotated[float, typer.Option(help="Cap on occupancy (0-1].")] = 1.0,
    patience: Annotated[
        float | None, typer.Option(help="Mean patience, seconds: Erlang A with abandonment.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Chats per agent (chat model).")] = 1,
    asa_target: Annotated[
        float | None, typer.Option("--asa", help="Cap on the average speed of answer, s.")
    ] = None,
) -> None:
    """Agents needed for one interval, and the service around that answer."""
    from staffplan.requirements import staffing_table

    level, threshold = _target(sl)
    interval_s = _duration_s(interval, "--interval")
    try:
        table = staffing_table(
            calls,
            aht,
            interval_s,
            target_sl=level,
            threshold_s=threshold,
            shrinkage=shrinkage,
            max_occupancy=max_occupancy,
            patience_s=patience,
            concurrency=concurrency,
            target_asa_s=asa_target,
        )
    except ValueError as exc:
        raise InputError(Problem(str(exc), fix="check the option values")) from None
    _print_erlang(table, level, threshold)


def _print_erlang(table, level: float, threshold: float) -> None:
    best = table.answer
    out.print(
        f"[bold]{table.model}[/]: {table.traffic_erlangs:.2f} Erlangs offered; target "
        f"{level:.0%} answered within {threshold:g} s"
    )
    out.print(
        f"  required agents      [bold]{best['agents']}[/]  (scheduled with shrinkage: "
        f"[bold]{table.scheduled}[/])"
    )
    for key, label, fmt in table.fields:
        out.print(f"  {label:<20} {format(best[key], fmt)}")
    grid = Table(title="Around the answer", title_justify="left")
    grid.add_column("agents", justify="right")
    for _, label, _ in table.fields:
        grid.add_column(label, justify="right")
    for row in table.rows:
        cells = [format(row[key], fmt) for key, _, fmt in table.fields]
        mark = "bold" if row["agents"] == best["agents"] else None
        grid.add_row(str(row["agents"]), *cells, style=mark)
    out.print(grid)


@app.command()
@_friendly
def requirements(
    forecast: Annotated[
        Path, typer.Option(help="Forecast CSV (interval_start, queue, calls, aht_s).")
    ],
    config: Annotated[Path, typer.Option(help="plan.toml")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write requirements.csv.")],
    band: Annotated[
        bool, typer.Option(help="Staff for the upper band (calls_hi) instead of calls.")
    ] = False,
) -> None:
    """Agents needed per interval and queue for a forecast (Erlang C/A, chat, email)."""
    from staffplan.io import read_forecast, write_csv
    from staffplan.requirements import compute

    plan = load_config(config)
    frame = read_forecast(forecast, plan).frame
    if band and "calls_hi" not in frame.columns:
        raise InputError(
            Problem("--band needs a calls_hi column", file=str(forecast), column="calls_hi")
        )
    result = compute(frame, plan, calls="calls_hi" if band else "calls")
    write_csv(result.frame, out_file)
    _print_requirements(result, plan)
    out.print(f"requirements written to {out_file}")


def _print_requirements(result, plan: PlanConfig) -> None:
    hours = plan.center.interval_minutes / 60.0
    table = Table(title="Requirements", title_justify="left")
    for name in ("queue", "calls", "agent-hours", "scheduled hours", "peak agents"):
        table.add_column(name, justify="left" if name == "queue" else "right")
    table.add_column("expected SL / target", justify="right")
    from staffplan.evaluate import weighted_mean

    for queue, rows in result.frame.groupby("queue", sort=False):
        sl = weighted_mean(rows["service_level"], rows["calls"])
        sl = 1.0 if sl != sl else sl  # no calls at all: nothing to miss
        table.add_row(
            str(queue),
            f"{rows['calls'].sum():,.0f}",
            f"{rows['agents'].sum() * hours:,.1f}",
            f"{rows['agents_scheduled'].sum() * hours:,.1f}",
            f"{rows['agents'].max():,}",
            f"{sl:.1%} / {plan.queue(str(queue)).service_level:.0%}",
        )
    out.print(table)
    for note in result.notes:
        out.print(
            f"[yellow]note[/]: {note.items:,.0f} {note.queue} items ({note.share:.1%}) arrive when "
            f"no open interval lies within their deadline (first at {note.first_interval}); "
            "they are planned for the next opening"
        )


# --------------------------------------------------------------------------- forecast


def _calendar(config: PlanConfig, special_days: Path | None):
    from staffplan.forecast import SpecialDays
    from staffplan.io import read_special_days

    if special_days is not None:
        return read_special_days(special_days, config)
    return SpecialDays(country=config.center.country)


def _forecast_error(exc: ValueError, history: Path) -> InputError:
    return InputError(Problem(str(exc), file=str(history)))


@app.command("forecast")
@_friendly
def forecast_command(
    history: Annotated[Path, typer.Option(help="Interval history, CSV or Parquet.")],
    config: Annotated[Path, typer.Option(help="plan.toml")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write forecast.csv.")],
    horizon: Annotated[str, typer.Option(help="7D, 14D, ... or a number of intervals.")] = "7D",
    method: Annotated[str, typer.Option(help="auto, seasonal_naive, weekly_mean, ...")] = "auto",
    level: Annotated[float, typer.Option(help="Band level (fraction).")] = 0.8,
    special_days: Annotated[Path | None, typer.Option(help="special_days.csv")] = None,
    save_models: Annotated[Path | None, typer.Option(help="Folder for JSON model cards.")] = None,
    models: Annotated[
        Path | None, typer.Option(help="Reuse the model cards in this folder.")
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel processes across queues.")] = 1,
) -> None:
    """Forecast contacts and handle time per interval and queue, with calibrated bands."""
    from staffplan.io import read_model_cards, write_csv, write_model_cards

    plan = load_config(config)
    frame = read_history(history, plan).frame
    calendar = _calendar(plan, special_days)
    cards = read_model_cards(models) if models is not None else None
    try:
        result, fitted = _forecast_with_progress(
            frame, horizon, method, level, calendar, cards, jobs
        )
    except ValueError as exc:
        raise _forecast_error(exc, history) from None
    write_csv(result, out_file)
    _print_forecast(result, fitted)
    out.print(f"forecast written to {out_file}")
    if save_models is not None:
        paths = write_model_cards(fitted, save_models)
        out.print(f"{len(paths)} model cards written to {save_models}")


def _forecast_with_progress(history, horizon, method, level, calendar, cards, jobs):
    """Fit queue by queue with a progress bar (or all at once in parallel), then forecast
    every queue from the end of the whole history."""
    from rich.progress import Progress

    from staffplan.forecast import fit, forecast

    # a queue with a given card keeps its method (no reselection); the rest of its card is
    # refitted, so that saved cards describe this forecast
    queues = list(dict.fromkeys(history["queue"]))
    given = cards or {}
    fitted: dict = {}
    if jobs > 1 and queues:
        with err.status(f"fitting {len(queues)} queues on {jobs} processes"):
            fitted = fit(
                history, method=method, level=level, calendar=calendar, n_jobs=jobs, cards=given
            )
    elif queues:
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("fitting", total=len(queues))
            for queue in queues:
                progress.update(task, description=f"fitting {queue}")
                part = history[history["queue"] == queue]
                own = {queue: given[queue]} if queue in given else None
                fitted |= fit(part, method=method, level=level, calendar=calendar, cards=own)
                progress.advance(task)
    result = forecast(history, horizon, method=method, level=level, calendar=calendar, cards=fitted)
    return result, fitted


def _print_forecast(result, fitted) -> None:
    table = Table(title="Forecast", title_justify="left")
    for name in ("queue", "method", "calls", "peak interval", "mean AHT s", "from", "to"):
        table.add_column(name, justify="left" if name in ("queue", "method") else "right")
    for queue, part in result.groupby("queue", sort=False):
        card = fitted.get(queue)
        calls = part["calls"].sum()
        weights = part["calls"].to_numpy()
        aht = (part["aht_s"] * weights).sum() / weights.sum() if weights.sum() else 0.0
        table.add_row(
            str(queue),
            str(
                card.spec.label
                if card is not None and hasattr(card.spec, "label")
                else getattr(card, "spec", "")
            ),
            f"{calls:,.0f}",
            f"{part['calls'].max():,.1f}",
            f"{aht:.0f}",
            f"{part['interval_start'].min():%a %Y-%m-%d}",
            f"{part['interval_start'].max():%a %Y-%m-%d}",
        )
    out.print(table)


@app.command("backtest")
@_friendly
def backtest_command(
    history: Annotated[Path, typer.Option(help="Interval history, CSV or Parquet.")],
    config: Annotated[Path, typer.Option(help="plan.toml")],
    methods: Annotated[
        str, typer.Option(help="Comma-separated methods.")
    ] = "seasonal_naive,weekly_mean,daily_profile,auto",
    horizon: Annotated[str, typer.Option(help="Horizon of each origin.")] = "7D",
    origins: Annotated[int, typer.Option(help="Rolling origins (weeks).")] = 4,
    special_days: Annotated[Path | None, typer.Option(help="special_days.csv")] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the table as CSV.")] = None,
) -> None:
    """Rolling-origin backtest of forecast methods on your own history."""
    from staffplan.forecast import backtest
    from staffplan.io import write_csv

    plan = load_config(config)
    frame = read_history(history, plan).frame
    names = [m.strip() for m in methods.split(",") if m.strip()]
    with err.status(f"backtesting {len(names)} methods over {origins} origins"):
        try:
            table = backtest(
                frame,
                methods=names,
                horizon=horizon,
                origins=origins,
                calendar=_calendar(plan, special_days),
            )
        except ValueError as exc:
            raise _forecast_error(exc, history) from None
    shown = Table(title="Backtest (lower WAPE is better)", title_justify="left")
    for name in ("method", "queue", "WAPE", "daily WAPE", "band coverage", "seconds"):
        shown.add_column(name, justify="left" if name in ("method", "queue") else "right")
    for row in table.itertuples(index=False):
        shown.add_row(
            str(row.method),
            str(row.queue),
            f"{row.wape:.1%}",
            f"{row.daily_wape:.1%}",
            f"{row.coverage:.1%}",
            f"{row.seconds:.2f}",
        )
    out.print(shown)
    if report is not None:
        write_csv(table, report)


# --------------------------------------------------------------------------- what-if


@app.command()
@_friendly
def whatif(
    plan_dir: Annotated[Path, typer.Option(help="Folder of a plan written by `plan`.")],
    sl: Annotated[
        list[str] | None, typer.Option(help="New target, QUEUE=PERCENT/SECONDS (repeatable).")
    ] = None,
    volume: Annotated[str, typer.Option(help="Volume change, e.g. +10%.")] = "+0%",
    aht: Annotated[str, typer.Option(help="Handle-time change, e.g. -5%.")] = "+0%",
    shrinkage: Annotated[float | None, typer.Option(help="New shrinkage (fraction).")] = None,
    sl_grid: Annotated[
        str | None, typer.Option(help="SLA cost curve: QUEUE=70/20,80/20,90/20,90/10")
    ] = None,
    reschedule: Annotated[
        bool,
        typer.Option(
            help="Schedule a new roster for the scenario with the plan's agents "
            "(the plan folder's agents.csv)."
        ),
    ] = False,
    out_dir: Annotated[
        Path | None, typer.Option(help="Write the scenario as a plan folder of its own here.")
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel processes for the scenarios.")] = 1,
    simulate: Annotated[
        int,
        typer.Option(
            help="Replications of a simulation of the scenario's roster under the scenario "
            "(0: none)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 0,
) -> None:
    """Compare a scenario with the plan: hours, FTE, cost and the service of today's roster
    (and of a new roster with --reschedule); --simulate checks that roster's service with a
    simulation."""
    from staffplan.pipeline import StageError
    from staffplan.scenarios import Scenario, parse_percent, parse_target
    from staffplan.whatif import run_whatif

    if sl_grid:
        if reschedule or out_dir is not None:
            raise InputError(
                Problem(
                    "--sl-grid draws a cost curve into the plan folder; --reschedule and "
                    "--out-dir apply to one scenario",
                    where="--sl-grid",
                    fix="run the curve and the scenario as two commands",
                )
            )
        _sl_curve(plan_dir, sl_grid, jobs)
        return
    try:
        scenario = Scenario(
            name="what-if",
            targets=dict(parse_target(t) for t in sl or []),
            volume_factor=parse_percent(volume),
            aht_factor=parse_percent(aht),
            shrinkage=shrinkage,
        )
    except ValueError as exc:
        raise InputError(Problem(str(exc), fix="see `staffplan whatif --help`")) from None

    def progress(stage: str, state: str) -> None:
        if state == "start":
            err.print(f"[dim]... {stage}[/]")

    try:
        result = run_whatif(
            plan_dir,
            scenario,
            out_dir=out_dir,
            reschedule=reschedule,
            n_jobs=jobs,
            progress=progress,
            simulate=simulate,
            seed=seed,
        )
    except StageError as exc:
        err.print(f"[bold red]What-if failed[/] in stage '{exc.stage}': {exc.__cause__}")
        err.print("Nothing was written.")
        raise typer.Exit(1) from None
    _print_whatif(result)


def _sl_curve(plan_dir: Path, sl_grid: str, jobs: int) -> None:
    """``--sl-grid``: the SLA cost curve of one queue, written into the plan folder."""
    from staffplan.io import read_forecast, write_bytes, write_csv
    from staffplan.reporting import png_bytes, sla_curve_figure
    from staffplan.scenarios import parse_target, sla_cost_curve
    from staffplan.whatif import cost_per_hour

    plan_config = load_config(plan_dir / "plan.toml")
    forecast = read_forecast(plan_dir / "forecast.csv", plan_config).frame
    try:
        queue, _, grid = sl_grid.partition("=")
        targets = [parse_target(f"{queue}={t}")[1] for t in grid.split(",") if t]
        curve = sla_cost_curve(
            queue,
            targets,
            forecast,
            plan_config,
            cost_per_hour=cost_per_hour(plan_dir),
            n_jobs=jobs,
        )
    except ValueError as exc:
        raise InputError(Problem(str(exc), fix="see `staffplan whatif --help`")) from None
    write_csv(curve, plan_dir / f"whatif_sla_{queue}.csv")
    write_bytes(png_bytes(sla_curve_figure(curve, queue)), plan_dir / f"whatif_sla_{queue}.png")
    _print_curve(curve, queue, plan_dir)


def _print_whatif(result) -> None:
    table = result.comparison
    simulated = "simulated_service_level" in table
    rescheduled = "rescheduled_service_level" in table
    simulated_today = simulated and not rescheduled
    grid = Table(title=f"What-if against plan {result.base_plan_id}", title_justify="left")
    for name in (
        "queue",
        "scheduled h base",
        "scenario",
        "change",
        "FTE base",
        "FTE scenario",
        "cost change",
        "SL needed",
        "SL of today's roster",
        *(["simulated ± 95% CI"] if simulated_today else []),
    ):
        grid.add_column(
            name, justify="left" if name == "queue" else "right", no_wrap="simulated" in name
        )
    for row in table.itertuples(index=False):
        grid.add_row(
            str(row.queue),
            f"{row.scheduled_hours_base:,.0f}",
            f"{row.scheduled_hours_scenario:,.0f}",
            f"{row.scheduled_hours_change:+,.0f}",
            f"{row.fte_base:,.1f}",
            f"{row.fte_scenario:,.1f}",
            f"{row.cost_change:+,.0f}",
            f"{row.service_level_scenario:.1%}",
            _pct(row.roster_service_level),
            *([_simulated(row)] if simulated_today else []),
        )
    out.print(grid)
    out.print(
        "scheduled h: agent-hours to schedule (after shrinkage) for the scenario's targets; "
        "SL of today's roster: what the plan's roster delivers under the scenario"
    )
    if rescheduled:
        _print_rescheduled(table, simulated)
        _print_totals(result.totals)
    if simulated:
        _print_simulated_note(table, result.plan.timings.get("simulate"))
    if result.outputs:
        folder = Path(next(iter(result.outputs.values()))).parent
        count = len(result.outputs)
        out.print(f"[bold]Scenario plan[/] {result.plan_id}: {count} files in {folder}")


def _print_rescheduled(table, simulated: bool) -> None:
    grid = Table(title="A new roster for the scenario", title_justify="left")
    names = ("queue", "today's roster h", "new roster h", "change", "SL today", "SL new")
    for name in names + (("SL new simulated",) if simulated else ()):
        grid.add_column(
            name, justify="left" if name == "queue" else "right", no_wrap="simulated" in name
        )
    for row in table.itertuples(index=False):
        grid.add_row(
            str(row.queue),
            _hours(row.roster_scheduled_hours),
            _hours(row.rescheduled_paid_hours),
            _hours(row.rescheduled_paid_hours_change, "+"),
            _pct(row.roster_service_level),
            _pct(row.rescheduled_service_level),
            *([_simulated(row)] if simulated else []),
        )
    out.print(grid)
    out.print("roster h: agent-hours at work on the queue; SL: under the scenario")


def _simulated(row) -> str:
    """A simulated weekly service level with the half-width of its 95% interval."""
    level = row.simulated_service_level
    if level != level:
        return "-"
    half = 50 * (row.simulated_service_level_hi - row.simulated_service_level_lo)
    return f"{level:.1%} ±{half:.1f}"


def _print_simulated_note(table, seconds: float | None) -> None:
    """Where the simulation scores fewer contacts than the week has (email due after the
    horizon), the expected figure over the same contacts."""
    took = "" if seconds is None else f" ({seconds:.0f} s)"
    out.print(
        f"simulated: the scenario's roster in a discrete-event simulation{took}, weekly, "
        "± half the 95% interval"
    )
    simulated = (
        "rescheduled_service_level"
        if "rescheduled_service_level" in table
        else "roster_service_level"
    )
    for row in table.itertuples(index=False):
        same, shown = row.simulated_expected_service_level, getattr(row, simulated)
        if same == same and shown == shown and f"{same:.1%}" != f"{shown:.1%}":
            out.print(
                f"  {row.queue}: the simulation scores only the items due inside the "
                f"horizon; over those the expected service level is {same:.1%}"
            )


def _print_totals(totals: dict) -> None:
    """The whole roster: paid hours and cost of the plan's roster and of the new one."""
    out.print(
        f"Roster paid hours {_hours(totals['paid_hours_base'])} -> "
        f"{_hours(totals['paid_hours'])} ({_hours(totals['paid_hours_change'], '+')}), cost "
        f"{_hours(totals['cost_base'])} -> {_hours(totals['cost'])} "
        f"({_hours(totals['cost_change'], '+')})"
    )


def _hours(value, sign: str = "") -> str:
    """A whole number with thousands separators ("-" when unknown)."""
    return "-" if value is None or value != value else f"{value:{sign},.0f}"


def _print_curve(curve, queue: str, plan_dir: Path) -> None:
    grid = Table(title=f"{queue}: cost of the service level", title_justify="left")
    for name in ("target", "scheduled hours", "FTE", "cost", "expected SL"):
        grid.add_column(name, justify="right")
    for row in curve.itertuples(index=False):
        grid.add_row(
            row.target,
            f"{row.scheduled_hours:,.0f}",
            f"{row.fte:,.1f}",
            f"{row.cost:,.0f}",
            f"{row.service_level:.1%}",
        )
    out.print(grid)
    out.print(f"curve written to {plan_dir / f'whatif_sla_{queue}.csv'} and .png")


# --------------------------------------------------------------------------- reports

report_app = typer.Typer(help="Reports: performance (kpi).", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(plans_app, name="plans")
app.command("serve")(_friendly(serve))
app.command("schedule")(_friendly(schedule))


@report_app.command("kpi")
@_friendly
def report_kpi(
    states: Annotated[Path, typer.Option(help="Agent-state log (agent_states.csv[.gz]).")],
    history: Annotated[Path, typer.Option(help="Interval history.")],
    config: Annotated[Path, typer.Option(help="plan.toml")],
    out_dir: Annotated[Path, typer.Option(help="Folder for the report.")] = Path("out/kpi"),
    period: Annotated[str, typer.Option(help="day, week or month.")] = "week",
    by: Annotated[str, typer.Option(help="agent, team or queue.")] = "agent",
    roster: Annotated[Path | None, typer.Option(help="roster.csv (for adherence).")] = None,
    activities: Annotated[Path | None, typer.Option(help="activities.csv (adherence).")] = None,
    agents: Annotated[Path | None, typer.Option(help="agents.csv (teams, cost).")] = None,
    contacts: Annotated[Path | None, typer.Option(help="contacts.csv (FCR, frequency).")] = None,
    agent_history: Annotated[
        Path | None, typer.Option(help="agent_history.csv (turnover).")
    ] = None,
    forecast: Annotated[Path | None, typer.Option(help="forecast.csv (forecast accuracy).")] = None,
) -> None:
    """Operator, team and queue performance against targets, with recommendations."""
    from staffplan.io import read_table, write_bytes, write_csv, write_text
    from staffplan.kpi import kpi_report

    if period not in ("day", "week", "month"):
        raise InputError(Problem("expected day, week or month", where="--period", value=period))
    if by not in ("agent", "team", "queue"):
        raise InputError(Problem("expected agent, team or queue", where="--by", value=by))
    plan = load_config(config)
    paths = {
        "states": states,
        "history": history,
        "roster": roster,
        "activities": activities,
        "agents": agents,
        "contacts": contacts,
        "agent_history": agent_history,
        "forecast": forecast,
    }
    frames, sources = {}, {}
    for key, path in paths.items():
        if path is not None:
            frames[key], sources[key] = read_table(path)
    with err.status("computing the performance report"):
        report = kpi_report(
            frames.pop("states"),
            frames.pop("history"),
            plan,
            period=period,
            by=by,
            sources=sources,
            **frames,
        )
    written = [write_csv(frame, out_dir / name) for name, frame in report.tables().items()]
    written += [write_bytes(png, out_dir / name) for name, png in report.figure_pngs().items()]
    written.append(write_text(report.html, out_dir / "kpi.html"))
    written.append(write_json(report.json, out_dir / "kpi.json"))
    _print_kpi(report, by)
    if report.warnings:
        print_problems(report.warnings, title="Warnings", style="yellow", console=out)
    out.print(f"[bold]KPI report[/]: {out_dir / 'kpi.html'} ({len(written)} files in {out_dir})")


def _print_kpi(report, by: str) -> None:
    out.print(f"[bold]Performance by {by}[/]: {len(report.table):,} rows")
    for rec in report.recommendations[:8]:
        text = getattr(rec, "action", None) or str(rec)
        out.print(f"  - {text}", markup=False, soft_wrap=True)
    if len(report.recommendations) > 8:
        out.print(f"  ... and {len(report.recommendations) - 8} more in kpi.html")


def main() -> None:
    """Console-script entry point."""
    app()
