"""``staffplan schedule``: a roster (or anonymous shifts) for a requirements file.

Registered in :mod:`staffplan.cli` as ``app.command("schedule")(_friendly(schedule))``; it does
not import that module. Input problems raise :class:`~staffplan.errors.InputError` (exit 2 via
the wrapper) before anything is written; the outputs are written together at the end
(:func:`staffplan.pipeline.write_outputs`), so a failed run leaves no partial outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from staffplan.cli_console import err, out, print_problems
from staffplan.errors import InputError, Problem

__all__ = ["schedule"]

#: Uncovered intervals listed one by one in the summary (the rest are counted by reason).
SHOWN_UNCOVERED = 5

_STAGES = {
    "read": "reading inputs",
    "schedule": "solving",
    "write": "writing outputs",
}


def schedule(
    requirements: Annotated[
        Path,
        typer.Option(
            help="requirements.csv: interval_start, queue, agents_scheduled (as written by "
            "`staffplan requirements` or `staffplan plan`)."
        ),
    ],
    config: Annotated[Path, typer.Option(help="plan.toml, with its shifts and solver tables.")],
    out_dir: Annotated[
        Path,
        typer.Option(help="Folder for roster.csv, activities.csv, coverage.csv, roster.ics."),
    ],
    agents: Annotated[
        Path | None,
        typer.Option(
            help="agents.csv: a roster for these agents. Without it, anonymous shifts "
            "(S0001, ...) are designed to cover the requirement."
        ),
    ] = None,
    availability: Annotated[
        Path | None, typer.Option(help="availability.csv of the agents (needs --agents).")
    ] = None,
) -> None:
    """Shifts with breaks that cover a requirement: a roster for named agents, or anonymous
    shifts; writes roster.csv, activities.csv, coverage.csv and roster.ics."""
    from staffplan.pipeline import StageError

    if availability is not None and agents is None:
        raise InputError(
            Problem(
                "--availability applies to the named agents of --agents; without --agents "
                "anonymous shifts are designed and nobody's availability can apply",
                where="option --availability",
                value=repr(str(availability)),
                fix="add --agents agents.csv, or leave out --availability",
            )
        )
    try:
        run = _run(requirements, config, out_dir, agents, availability)
    except StageError as exc:
        err.print(f"[bold red]Schedule failed[/] in stage '{exc.stage}': {exc.__cause__}")
        err.print("Nothing was written.")
        raise typer.Exit(1) from None
    _print_summary(run)


@dataclass
class _Run:
    """What one ``schedule`` run read, solved and wrote."""

    config: object
    requirements: pd.DataFrame
    result: object = None
    agents: pd.DataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    out_dir: Path = Path()


class _Mark(SpinnerColumn):
    """A spinner while a stage runs; then a green tick, or a red cross when it failed."""

    def render(self, task):
        if task.finished:
            return Text.from_markup(task.fields.get("mark", "[green]✓[/]"))
        return super().render(task)


class _Display:
    """The progress display: one line per stage with a spinner and the elapsed time."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task = None
        self.label = ""

    def __call__(self, stage: str, state: str) -> None:
        """A stage starts, is done or failed (the ``progress`` of :func:`pipeline.stage`)."""
        if state == "start":
            self.label = _STAGES.get(stage, stage)
            self.task = self.progress.add_task(self.label, total=None)
            return
        done = state == "done"
        self.progress.update(
            self.task,
            total=1,
            completed=1,
            description=f"{self.label} " + ("[green]done[/]" if done else "[red]failed[/]"),
            mark="[green]✓[/]" if done else "[red]✗[/]",
        )
        self.progress.stop_task(self.task)

    def note(self, message: str) -> None:
        """A message from the solver, shown on the current stage's line."""
        if self.task is not None:
            self.progress.update(self.task, description=f"{self.label}: {message}")


def _run(
    requirements: Path,
    config_path: Path,
    out_dir: Path,
    agents_path: Path | None,
    availability_path: Path | None,
) -> _Run:
    """Read, schedule and write, with the progress display on stderr."""
    from staffplan.config import load_config
    from staffplan.io import read_agents, read_availability, read_requirements
    from staffplan.pipeline import schedule_files, stage, write_outputs
    from staffplan.scheduling import schedule as make_schedule

    timings: dict[str, float] = {}
    columns = (
        _Mark(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        display = _Display(progress)
        with stage("read", timings, display):
            config = load_config(config_path)
            if config.shifts is None:
                raise InputError(
                    Problem(
                        "plan.toml has no [shifts] table: the schedule needs the shift "
                        "lengths, start window and breaks",
                        file=str(config_path),
                        where="table [shifts]",
                        fix="add a [shifts] table (see data/samples/plan.toml)",
                    )
                )
            checked = read_requirements(requirements, config)
            run = _Run(config, checked.frame, warnings=list(checked.warnings))
            availability = None
            if agents_path is not None:
                staff = read_agents(agents_path, config)
                run.agents, run.warnings = staff.frame, run.warnings + staff.warnings
                if availability_path is not None:
                    ids = list(run.agents["agent_id"])
                    avail = read_availability(availability_path, config, ids)
                    availability = avail.frame
                    run.warnings += avail.warnings
                    run.notes += _outside_horizon(avail.frame, run.requirements, availability_path)
        with stage("schedule", timings, display):
            run.result = make_schedule(
                run.requirements,
                config.shifts,
                config.solver,
                agents=run.agents,
                availability=availability,
                interval_minutes=config.center.interval_minutes,
                progress=display.note,
            )
        with stage("write", timings, display):
            run.outputs = write_outputs(schedule_files(run.result), out_dir)
            run.out_dir = out_dir
    return run


def _outside_horizon(availability: pd.DataFrame, requirements: pd.DataFrame, path: Path) -> list:
    """A note when availability rows fall outside the requirement's days (they are unused)."""
    if availability.empty:
        return []
    first = requirements["interval_start"].min().date()
    last = requirements["interval_start"].max().date()
    outside = ~availability["date"].between(first, last)
    if not outside.any():
        return []
    return [
        f"{int(outside.sum())} of {len(availability)} rows of {path} fall outside the "
        f"requirement's days ({first} to {last}) and were not used"
    ]


def _print_summary(run: _Run) -> None:
    """The final summary: the requirement, the roster, the solver, uncovered intervals."""
    sched, config = run.result, run.config
    hours = config.center.interval_minutes / 60.0
    req = run.requirements
    days = pd.Series(req["interval_start"].dt.date.unique())
    required = float(sched.coverage["required"].sum())
    scheduled = float(sched.coverage["scheduled"].sum())
    plural = "s" if len(days) != 1 else ""
    out.print(
        f"[bold]Requirement[/]: {days.min()} to {days.max()} ({len(days)} day{plural} with rows), "
        f"queues {', '.join(sorted(req['queue'].unique()))}; {required * hours:,.1f} "
        f"agent-hours to schedule"
    )
    table = Table(title="Schedule", title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    roster = sched.roster
    if run.agents is None:
        table.add_row("shifts", f"{len(roster):,}", "anonymous (S0001, ...)")
    else:
        used = roster["agent_id"].nunique()
        table.add_row("shifts", f"{len(roster):,}", f"for {used} of {len(run.agents)} agents")
    table.add_row("paid hours", f"{sched.paid_hours:,.1f}", "h")
    table.add_row("scheduled on queues", f"{scheduled * hours:,.1f}", "agent-hours")
    for label, value in (
        ("under-staffed", sched.under_agent_intervals),
        ("over-staffed", sched.over_agent_intervals),
    ):
        table.add_row(
            label,
            f"{value:,.0f}",
            f"agent-intervals ({value * hours:,.1f} agent-hours; "
            f"{config.center.interval_minutes}-minute intervals)",
        )
    pairs = len(sched.coverage)
    table.add_row(
        "uncovered intervals", f"{len(sched.uncovered):,}", f"of {pairs:,} (interval, queue)"
    )
    table.add_row("hard-rule violations", f"{len(sched.violations):,}", "")
    table.add_row("solver status", str(sched.status), str(sched.solver))
    table.add_row("objective", _number(sched.objective), "paid agent-intervals + penalties")
    table.add_row("best bound", _number(sched.bound), "")
    table.add_row("gap", "-" if sched.gap != sched.gap else f"{sched.gap:.2%}", "")
    table.add_row("time", f"{sched.seconds:,.1f}", "s")
    out.print(table)
    if len(sched.uncovered):
        _print_uncovered(sched.uncovered)
    if len(sched.violations):
        _print_violations(sched.violations)
    for note in run.notes + list(sched.notes):
        out.print(f"[yellow]note[/]: {escape(note)}", soft_wrap=True)
    if run.warnings:
        print_problems(run.warnings, title="Warnings", style="yellow", console=out)
    out.print(f"[bold]Outputs[/] in {run.out_dir}:")
    for path in run.outputs.values():
        out.print(f"  {path}")


def _print_uncovered(uncovered: pd.DataFrame) -> None:
    """The uncovered intervals counted by reason, and the first few one by one."""
    out.print(f"[bold yellow]{len(uncovered):,} uncovered intervals[/] (scheduled < required):")
    reasons = {}
    for reason, rows in uncovered.groupby("reason", sort=False):
        reasons[reason] = len(reasons) + 1
        out.print(
            f"  ({reasons[reason]}) {len(rows):,} intervals, {rows['missing'].sum():,.1f} "
            f"agent-intervals short: {reason}",
            markup=False,
            soft_wrap=True,
        )
    table = Table(title=f"First {SHOWN_UNCOVERED}", title_justify="left")
    for name in ("interval", "queue", "required", "scheduled", "missing", "why"):
        table.add_column(name, justify="left" if name in ("interval", "queue") else "right")
    first = uncovered.sort_values(["interval_start", "queue"], kind="stable").head(SHOWN_UNCOVERED)
    for row in first.itertuples(index=False):
        table.add_row(
            f"{row.interval_start:%a %Y-%m-%d %H:%M}",
            str(row.queue),
            f"{row.required:,.1f}",
            f"{row.scheduled:,.1f}",
            f"{row.missing:,.1f}",
            f"({reasons[row.reason]})",
        )
    out.print(table)
    if len(uncovered) > SHOWN_UNCOVERED:
        out.print(f"  ... {len(uncovered) - SHOWN_UNCOVERED:,} more: see coverage.csv")


def _print_violations(violations: pd.DataFrame) -> None:
    """The first few hard-rule violations of the roster (see ``validate_roster``)."""
    out.print(f"[bold red]{len(violations):,} hard-rule violations[/]:")
    for row in violations.head(SHOWN_UNCOVERED).itertuples(index=False):
        who = " ".join(str(x) for x in (row.agent_id, row.date) if x is not None and x == x)
        out.print(f"  {who}: {row.rule}: {row.message}", markup=False, soft_wrap=True)
    if len(violations) > SHOWN_UNCOVERED:
        out.print(f"  ... {len(violations) - SHOWN_UNCOVERED:,} more")


def _number(value: float) -> str:
    """A number with thousands separators and one decimal ("-" when unknown)."""
    return "-" if value is None or value != value or abs(value) == float("inf") else f"{value:,.1f}"
