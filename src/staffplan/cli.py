"""The ``staffplan`` command line: a thin adapter that parses, calls the stages and writes.

Input problems end with a readable list of what is wrong and exit code 2, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from staffplan import __version__
from staffplan.config import PlanConfig, load_config
from staffplan.errors import InputError, Problem
from staffplan.io import read_agents, read_availability, read_history, write_json
from staffplan.summary import HistorySummary, summarize_agents, summarize_history

__all__ = ["app", "main"]

EXIT_INPUT = 2

app = typer.Typer(
    name="staffplan",
    help="Workforce management for contact centres: forecast, staff, schedule, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Wide enough for the summary tables when the output is a file or a pipe.
out = Console(highlight=False, width=None if Console().is_terminal else 120)
err = Console(stderr=True, highlight=False, width=None if Console().is_terminal else 120)


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError into a readable message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            _print_problems(exc.problems, title="Input refused", style="red", console=err)
            raise typer.Exit(EXIT_INPUT) from None

    return wrapper


def _print_problems(problems: list[Problem], *, title: str, style: str, console: Console) -> None:
    console.print(f"[bold {style}]{title}[/] ({len(problems)}):")
    for i, problem in enumerate(problems, start=1):
        console.print(f"  {i}. {problem}", markup=False, soft_wrap=True)


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
        _print_problems(warnings, title="Warnings", style="yellow", console=out)
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
    out.print(f"\n[bold]Outputs[/] in {out_dir.resolve()}:\n  {path}")


def main() -> None:
    """Console-script entry point."""
    app()
