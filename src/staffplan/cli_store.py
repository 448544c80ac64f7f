"""``staffplan plans``: list, show, add and delete the plans of a plan store.

A typer sub-app; ``staffplan.cli`` registers it with ``app.add_typer(plans_app, name="plans")``.
It does not import ``staffplan.cli`` (which imports it), so it keeps small equivalents of that
module's consoles and error handling: refused input and unknown ids end with a readable message
and exit code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from staffplan.cli_console import EXIT_INPUT, out, print_problems
from staffplan.errors import InputError, Problem

__all__ = ["plans_app"]

plans_app = typer.Typer(
    name="plans",
    help="The plan store: list, show, add and delete stored plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOption = Annotated[
    Path, typer.Option("--store", help="The plan store's folder (ROOT of catalog and plans).")
]
UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="SQLAlchemy URL of the catalog (default ROOT/catalog.sqlite)."),
]


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn InputError and PlanNotFound into a readable message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from staffplan.store import PlanNotFound

        try:
            return command(*args, **kwargs)
        except PlanNotFound as exc:
            where = kwargs.get("store", "DIR")
            problems = [Problem(str(exc), fix=f"`staffplan plans list --store {where}` lists them")]
        except InputError as exc:
            problems = exc.problems
        except ValueError as exc:  # a duplicate id, say
            problems = [Problem(str(exc))]
        print_problems(problems)
        raise typer.Exit(EXIT_INPUT)

    return wrapper


def _open(store: Path, url: str | None, *, create: bool = False):
    """Open the store; only ``add`` may create one, the other commands refuse a typo."""
    from staffplan.store import PlanStore

    if not create and not store.is_dir():
        raise InputError(
            Problem("no plan store here", file=str(store), fix="check --store, or add a plan first")
        )
    return PlanStore(store, url=url)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M %z") if value is not None else ""


def _num(value: float | None, fmt: str = "{:,.1f}") -> str:
    return "" if value is None else fmt.format(value)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


@plans_app.command("list")
@_friendly
def list_plans(
    store: StoreOption,
    kind: Annotated[
        str | None, typer.Option(help="Only this kind: plan or scenario.", show_default=False)
    ] = None,
    url: UrlOption = None,
) -> None:
    """List the stored plans, newest first."""
    if kind is not None and kind not in ("plan", "scenario"):
        raise InputError(Problem("--kind must be plan or scenario", value=repr(kind)))
    with _open(store, url) as plan_store:
        records = plan_store.list(kind=kind)
    if not records:
        out.print(f"no plans in {store}")
        return
    table = Table(title=f"Plans in {store}", title_justify="left")
    for name in ("id", "kind", "name", "centre", "created", "horizon", "paid h", "cost", "parent"):
        # ids are what `show` and `delete` take: never cut them short
        table.add_column(
            name,
            justify="right" if name in ("paid h", "cost") else "left",
            no_wrap=name in ("id", "parent"),
            min_width=len(max((r.id for r in records), key=len)) if name == "id" else None,
        )
    for r in records:
        table.add_row(
            r.id,
            r.kind,
            r.name or "",
            r.centre,
            _when(r.created_at),
            f"{r.horizon_start:%Y-%m-%d} to {r.horizon_end:%Y-%m-%d}",
            _num(r.paid_hours),
            _num(r.cost, "{:,.0f}"),
            r.parent_id or "",
        )
    out.print(table)


@plans_app.command("show")
@_friendly
def show(
    plan_id: Annotated[str, typer.Argument(help="The plan id.")],
    store: StoreOption,
    url: UrlOption = None,
) -> None:
    """Show a stored plan: its record, its queues and its files."""
    with _open(store, url) as plan_store:
        record = plan_store.get(plan_id)
        folder = plan_store.folder(plan_id)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for label, value in (
        ("id", record.id),
        ("kind", record.kind),
        ("name", record.name or ""),
        ("parent", record.parent_id or ""),
        ("centre", record.centre),
        ("created", _when(record.created_at)),
        ("horizon", f"{_when(record.horizon_start)} to {_when(record.horizon_end)}"),
        ("config digest", record.config_digest),
        ("paid hours", _num(record.paid_hours)),
        ("cost", _num(record.cost, "{:,.2f}")),
        ("folder", str(folder)),
    ):
        facts.add_row(label, value)
    out.print(facts)
    table = Table(title="Queues", title_justify="left")
    for name in ("queue", "channel", "SL target", "SL expected", "scheduled h"):
        table.add_column(name, justify="left" if name in ("queue", "channel") else "right")
    for q in record.queues:
        table.add_row(
            q.queue,
            q.channel,
            _pct(q.target_service_level),
            _pct(q.expected_service_level),
            _num(q.scheduled_hours),
        )
    out.print(table)
    out.print(f"[bold]files[/] ({len(record.files)}): " + ", ".join(record.files), soft_wrap=True)


@plans_app.command("add")
@_friendly
def add(
    plan_dir: Annotated[Path, typer.Argument(help="A plan folder (the --out-dir of `plan`).")],
    store: StoreOption,
    kind: Annotated[str, typer.Option(help="plan or scenario.")] = "plan",
    name: Annotated[str | None, typer.Option(help="A label for the plan.")] = None,
    parent: Annotated[
        str | None, typer.Option(help="The plan a scenario derives from.", show_default=False)
    ] = None,
    url: UrlOption = None,
) -> None:
    """Copy a written plan folder into the store."""
    if kind not in ("plan", "scenario"):
        raise InputError(Problem("--kind must be plan or scenario", value=repr(kind)))
    with _open(store, url, create=True) as plan_store:
        record = plan_store.add(plan_dir, kind=kind, parent_id=parent, name=name)
    out.print(f"added {record.kind} {record.id} ({len(record.files)} files) to {store}")


@plans_app.command("delete")
@_friendly
def delete(
    plan_id: Annotated[str, typer.Argument(help="The plan id.")],
    store: StoreOption,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    url: UrlOption = None,
) -> None:
    """Delete a stored plan (its catalog entry and its files)."""
    with _open(store, url) as plan_store:
        record = plan_store.get(plan_id)
        if not yes:
            typer.confirm(
                f"Delete {record.kind} {record.id} ({record.centre}, "
                f"{len(record.files)} files) from {store}?",
                abort=True,
                err=True,
            )
        plan_store.delete(plan_id)
    out.print(f"deleted {plan_id}")
