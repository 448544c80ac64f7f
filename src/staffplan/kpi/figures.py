"""Figures of the KPI report (matplotlib): each takes ``ax=None`` and returns the Figure.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state, any backend):
nothing is shown or written here; :mod:`staffplan.kpi.report` embeds them in the HTML page
and the CLI may save them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

__all__ = [
    "adherence_figure",
    "league_figure",
    "sl_heatmap",
    "sl_heatmaps",
    "team_trend_figure",
]


def _axes(ax, size):
    if ax is None:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.add_subplot()
    return ax.figure, ax


def league_figure(
    operators: pd.DataFrame,
    *,
    metric: str = "adherence",
    target: float | None = None,
    n: int = 12,
    ax=None,
) -> Figure:
    """League table of operators: the ``n`` lowest and ``n`` highest on ``metric``.

    Parameters
    ----------
    operators : pandas.DataFrame
        One row per operator (``agent_id``, ``name``, ``team`` and the metric column).
    metric : str
        A fraction column such as ``adherence`` or ``occupancy``.
    target : float, optional
        Drawn as a vertical line; bars below it are highlighted.
    """
    t = operators.dropna(subset=[metric]).sort_values(metric)
    if len(t) > 2 * n:
        t = pd.concat([t.head(n), t.tail(n)])
    fig, ax = _axes(ax, (9, 0.28 * max(len(t), 4) + 1.2))
    labels = [
        f"{a}  {nm}  ({tm})" if nm else str(a)
        for a, nm, tm in zip(t["agent_id"], t["name"], t["team"], strict=True)
    ]
    values = t[metric].to_numpy(float)
    low = values < target if target is not None else np.zeros(len(values), dtype=bool)
    y = np.arange(len(t))
    ax.barh(y, values, color=np.where(low, "#d62728", "#4c72b0"))
    ax.set_yticks(y, labels, fontsize=8)
    for yi, v in zip(y, values, strict=True):
        ax.text(v + 0.005, yi, f"{v:.2f}", va="center", fontsize=7)
    if target is not None:
        ax.axvline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:.2f}")
        ax.legend(loc="lower right", fontsize=8)
    lo = max(0.0, float(np.nanmin(values)) - 0.05) if len(values) else 0.0
    ax.set_xlim(lo, max(1.0, float(np.nanmax(values))) + 0.03 if len(values) else 1.0)
    if len(operators) > 2 * n:
        ax.axhline(n - 0.5, color="grey", linewidth=0.8)
        ax.set_title(
            f"Operators by {metric}: the {n} highest (top) and the {n} lowest (bottom)",
            fontsize=11,
        )
    else:
        ax.set_title(f"Operators by {metric}", fontsize=11)
    ax.set_xlabel(f"{metric} (fraction)")
    return fig


def team_trend_figure(
    teams: pd.DataFrame,
    *,
    metric: str = "occupancy",
    target: float | None = None,
    max_teams: int = 8,
    ax=None,
) -> Figure:
    """One line per team of ``metric`` over the periods (e.g. the daily team table).

    With more than ``max_teams`` teams, the ``max_teams`` lowest on average are drawn in
    colour and named, the others in grey.
    """
    fig, ax = _axes(ax, (9, 4))
    pivot = teams.pivot_table(index="period", columns="team", values=metric, aggfunc="first")
    x = pd.to_datetime(pivot.index)
    shown = list(pivot.columns)
    if len(shown) > max_teams:  # the others in grey, the lowest ones named
        shown = list(pivot.mean().sort_values().index[:max_teams])
        for team in pivot.columns.difference(shown):
            ax.plot(x, pivot[team].to_numpy(float), color="#c8c8c8", linewidth=0.8)
        ax.plot([], [], color="#c8c8c8", label=f"{len(pivot.columns) - len(shown)} other teams")
    for team in shown:
        ax.plot(x, pivot[team].to_numpy(float), marker="o", markersize=3, label=str(team))
    if target is not None:
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label="target")
    daily = len(x) > 1 and (x[1] - x[0]).days == 1
    named = f" (the {len(shown)} lowest named)" if len(shown) < len(pivot.columns) else ""
    ax.set_title(f"Team {metric} per {'day' if daily else 'period'}{named}")
    ax.set_ylabel(f"{metric} (fraction)" if metric not in ("aht_s",) else "seconds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.autofmt_xdate()
    return fig


def sl_heatmap(intervals: pd.DataFrame, queue: str, *, target: float, ax=None) -> Figure:
    """Service level by time of day (rows) and date (columns) for one queue.

    Colours diverge at the target: red below, blue above, white at the target; empty where the
    queue had no contacts.
    """
    fig, ax = _axes(ax, (9, 5))
    rows = intervals[(intervals["queue"] == queue) & (intervals["offered"] > 0)]
    local = rows["interval_start"].dt.tz_localize(None)
    grid = rows.assign(date=local.dt.strftime("%a %d %b"), day=local.dt.normalize(),
                       tod=local.dt.strftime("%H:%M")).pivot_table(
        index="tod", columns="day", values="service_level", aggfunc="mean"
    )  # fmt: skip
    norm = TwoSlopeNorm(vcenter=target, vmin=min(0.0, target - 1e-3), vmax=max(1.0, target + 1e-3))
    ax.set_facecolor("#d9d9d9")  # closed or no contacts
    image = ax.imshow(
        np.ma.masked_invalid(grid.to_numpy(float)),
        aspect="auto",
        cmap="RdBu",
        norm=norm,
        interpolation="nearest",
    )
    step = max(1, len(grid.index) // 12)
    ax.set_yticks(range(0, len(grid.index), step), grid.index[::step], fontsize=8)
    days = list(grid.columns)
    ax.set_xticks(
        range(len(days)), [d.strftime("%a %d %b") for d in days], rotation=60, ha="right",
        fontsize=8,
    )  # fmt: skip
    for k in range(1, len(days)):
        if days[k].isocalendar().week != days[k - 1].isocalendar().week:
            ax.axvline(k - 0.5, color="black", linewidth=1.2)
    ax.set_title(
        f"{queue}: service level per {_minutes(rows)}-minute interval (target {target:.2f}; "
        "red = missed, grey = closed)",
        fontsize=10,
    )
    fig.colorbar(image, ax=ax, label="service level (fraction)", shrink=0.9)
    return fig


def _minutes(rows: pd.DataFrame) -> int:
    starts = np.unique(rows["interval_start"].to_numpy())
    return int(np.diff(starts).min() / np.timedelta64(1, "m")) if starts.size > 1 else 0


def sl_heatmaps(intervals: pd.DataFrame, targets: dict[str, float]) -> Figure:
    """:func:`sl_heatmap` for each queue, one under the other."""
    n = len(targets)
    fig = Figure(figsize=(12, 4.3 * n), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False).ravel()
    for ax, (queue, target) in zip(axes, targets.items(), strict=False):
        sl_heatmap(intervals, queue, target=target, ax=ax)
    return fig


def adherence_figure(
    operator_days: pd.DataFrame, *, target: float | None = None, ax=None
) -> Figure:
    """Distribution of adherence over operator-days (histogram), with the target."""
    fig, ax = _axes(ax, (8, 3.8))
    values = operator_days["adherence"].dropna().to_numpy(float)
    if values.size == 0:
        ax.text(0.5, 0.5, "No roster or activities given: adherence not measured",
                ha="center", va="center", transform=ax.transAxes)  # fmt: skip
        ax.set_axis_off()
        return fig
    lo = np.floor(max(0.0, float(values.min()) - 0.01) * 20.0) / 20.0
    ax.hist(
        values,
        bins=np.linspace(lo, 1.0, int(round((1.0 - lo) * 100)) + 1),
        color="#4c72b0",
        edgecolor="white",
    )
    if target is not None:
        below = float((values < target).mean())
        ax.axvline(target, color="#d62728", linestyle="--",
                   label=f"target {target:.2f} ({below:.2f} of operator-days below)")  # fmt: skip
        ax.legend(fontsize=8, loc="upper left")
    ax.set_xlabel("adherence (fraction of scheduled time in the scheduled activity)")
    ax.set_ylabel("operator-days")
    ax.set_title(f"Adherence distribution over {values.size} operator-days")
    return fig
