"""Figures a planner reads first, and the self-contained HTML report of a plan.

Every figure function takes the frames of the plan (DESIGN.md), an optional ``ax`` (or
builds its own figure) and returns the :class:`matplotlib.figure.Figure`; none calls
``show()``. :func:`html_report` embeds the figures as PNG so the page needs no server.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = [
    "coverage_figure",
    "forecast_figure",
    "gantt_figure",
    "html_report",
    "models_table",
    "plan_report_html",
    "png_bytes",
    "service_heatmap",
    "sla_curve_figure",
    "table_html",
]

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _axes(ax, nrows: int = 1, height: float = 3.0, width: float = 11.0):
    if ax is not None:
        return ax.figure, np.atleast_1d(ax)
    # Figures are built without pyplot: no global state, nothing to close, any backend.
    fig = Figure(figsize=(width, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, 1, squeeze=False)
    return fig, axes[:, 0]


def forecast_figure(
    history: pd.DataFrame, forecast: pd.DataFrame, *, weeks: int = 2, ax=None
) -> Figure:
    """Hourly contacts per queue: the last ``weeks`` of history, then the forecast and band."""
    queues = list(dict.fromkeys(forecast["queue"]))
    fig, axes = _axes(ax, len(queues), height=2.4)
    start = forecast["interval_start"].min() - pd.Timedelta(weeks=weeks)
    for axis, queue in zip(axes, queues, strict=False):
        past = history[(history["queue"] == queue) & (history["interval_start"] >= start)]
        future = forecast[forecast["queue"] == queue]
        hourly = _hourly(past, ["offered"])
        ahead = _hourly(future, [c for c in ("calls", "calls_lo", "calls_hi") if c in future])
        axis.plot(hourly.index, hourly["offered"], color="0.35", lw=0.9, label="history")
        axis.plot(ahead.index, ahead["calls"], color="tab:blue", lw=1.2, label="forecast")
        if "calls_lo" in ahead:
            axis.fill_between(
                ahead.index,
                ahead["calls_lo"],
                ahead["calls_hi"],
                step=None,
                color="tab:blue",
                alpha=0.2,
                lw=0,
                label="forecast band",
            )
        axis.set_title(f"{queue}: contacts per hour", loc="left", fontsize=10)
        axis.set_ylabel("contacts / hour")
        axis.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8, ncols=3)
    return fig


def _hourly(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=list(columns))
    series = frame.set_index("interval_start")[list(columns)]
    return series.resample("1h").sum(min_count=1)


def coverage_figure(coverage: pd.DataFrame, *, queue: str | None = None, ax=None) -> Figure:
    """Required vs scheduled agents per interval (one panel per queue): the chart planners
    read first. Shortfalls are shaded red, surplus green."""
    queues = [queue] if queue else list(dict.fromkeys(coverage["queue"]))
    fig, axes = _axes(ax, len(queues), height=2.4)
    for axis, name in zip(axes, queues, strict=False):
        part = coverage[coverage["queue"] == name].sort_values("interval_start")
        t = part["interval_start"]
        required = part["required"].to_numpy(float)
        scheduled = part["scheduled"].to_numpy(float)
        axis.step(t, required, where="post", color="black", lw=1.0, label="required")
        axis.step(t, scheduled, where="post", color="tab:blue", lw=1.0, label="scheduled")
        axis.fill_between(
            t,
            required,
            scheduled,
            where=scheduled < required,
            step="post",
            color="tab:red",
            alpha=0.35,
            lw=0,
            label="short",
        )
        axis.fill_between(
            t,
            required,
            scheduled,
            where=scheduled >= required,
            step="post",
            color="tab:green",
            alpha=0.2,
            lw=0,
            label="over",
        )
        axis.set_title(f"{name}: agents per interval", loc="left", fontsize=10)
        axis.set_ylabel("agents")
        axis.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8, ncols=4)
    return fig


def service_heatmap(
    coverage: pd.DataFrame, queue: str, *, column: str = "service_level", target=None, ax=None
) -> Figure:
    """Expected service level by local weekday (rows) and clock time (columns)."""
    part = coverage[(coverage["queue"] == queue) & coverage[column].notna()]
    if "calls" in part:  # closed or idle intervals are blank, not "perfect service"
        part = part[part["calls"] > 0]
    starts = part["interval_start"]
    grid = (
        part.assign(day=starts.dt.day_of_week, clock=starts.dt.strftime("%H:%M"))
        .pivot_table(index="day", columns="clock", values=column, aggfunc="mean")
        .sort_index(axis=1)
    )
    fig, axes = _axes(ax, 1, height=3.2)
    axis = axes[0]
    image = axis.imshow(
        grid.to_numpy(), aspect="auto", cmap="RdYlGn", vmin=0.5, vmax=1.0, interpolation="nearest"
    )
    axis.set_yticks(range(len(grid.index)), [WEEKDAY_NAMES[d] for d in grid.index])
    ticks = [i for i, c in enumerate(grid.columns) if c.endswith(":00")]
    axis.set_xticks(ticks, [grid.columns[i] for i in ticks], rotation=90, fontsize=8)
    title = f"{queue}: expected service level by weekday and time"
    if target is not None:
        title += f" (target {target:.0%})"
    axis.set_title(title, loc="left", fontsize=10)
    axis.set_xlabel("local time (interval start)")
    fig.colorbar(image, ax=axis, label="service level (fraction)")
    return fig


def gantt_figure(activities: pd.DataFrame, day, *, max_agents: int = 60, ax=None) -> Figure:
    """One day's roster: a bar per agent, work coloured by queue, breaks and lunches marked."""
    day = pd.Timestamp(day).date()
    part = activities[activities["start"].dt.date == day]
    agents = sorted(part["agent_id"].unique())[:max_agents]
    part = part[part["agent_id"].isin(agents)]
    fig, axes = _axes(ax, 1, height=max(2.5, 0.16 * len(agents) + 1.0))
    axis = axes[0]
    queues = sorted(part.loc[part["activity"] == "work", "queue"].dropna().unique())
    palette = dict(zip(queues, colormaps["tab10"].colors, strict=False))
    colours = {"break": "0.75", "lunch": "0.45"}
    row_of = {a: i for i, a in enumerate(agents)}
    for row in part.itertuples(index=False):
        start = row.start.hour + row.start.minute / 60
        length = (row.end - row.start).total_seconds() / 3600
        colour = (
            palette.get(row.queue) if row.activity == "work" else colours.get(row.activity, "k")
        )
        axis.barh(row_of[row.agent_id], length, left=start, color=colour, height=0.8)
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in [*palette.values(), *colours.values()]]
    axis.legend(handles, [*queues, "break", "lunch"], fontsize=8, ncols=6, loc="upper right")
    axis.set_yticks(range(len(agents)), agents, fontsize=6)
    axis.invert_yaxis()
    axis.set_xlabel("local time (hours)")
    axis.set_title(f"Roster on {day:%A %Y-%m-%d}", loc="left", fontsize=10)
    axis.grid(axis="x", alpha=0.3)
    return fig


def sla_curve_figure(curve: pd.DataFrame, queue: str, *, ax=None) -> Figure:
    """Scheduled hours (and cost where known) against the service-level target."""
    fig, axes = _axes(ax, 1, height=3.2, width=7.0)
    axis = axes[0]
    axis.plot(curve["target"], curve["scheduled_hours"], marker="o", color="tab:blue")
    axis.set_ylabel("scheduled agent-hours per horizon")
    axis.set_xlabel("service-level target (answered within threshold)")
    axis.set_title(f"{queue}: cost of the service level", loc="left", fontsize=10)
    axis.grid(alpha=0.3)
    if "cost" in curve and curve["cost"].gt(0).any():
        other = axis.twinx()
        other.plot(curve["target"], curve["cost"], marker="s", ls="--", color="tab:orange")
        other.set_ylabel("cost (currency)")
    return fig


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure rendered as PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def table_html(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A frame as an HTML table, numbers formatted with ``formats`` (column -> format spec)."""
    formats = formats or {}
    shown = frame.copy()
    for column, spec in formats.items():
        if column in shown:
            shown[column] = shown[column].map(lambda v, s=spec: "" if pd.isna(v) else format(v, s))
    return shown.to_html(index=False, border=0, classes="table", escape=True)


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1150px;
color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.table{border-collapse:collapse;font-size:.9rem}.table td,.table th{padding:.25rem .6rem;
text-align:right;border-bottom:1px solid #eee}.table th{background:#f4f4f4}
.table td:first-child,.table th:first-child{text-align:left}
img{max-width:100%;height:auto}.note{color:#555;font-size:.9rem}
ul.recs li{margin:.3rem 0}
"""


def html_report(
    title: str,
    sections: list[tuple[str, list[object]]],
    *,
    subtitle: str = "",
) -> str:
    """A self-contained HTML page.

    ``sections`` are ``(heading, parts)``; a part is a Figure or PNG bytes (embedded), a
    ``pandas.DataFrame`` (a table) or a string (HTML, trusted: build it with
    :func:`html.escape` for user text).
    """
    body = [f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        body.append(f"<p class='note'>{html.escape(subtitle)}</p>")
    for heading, parts in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        for part in parts:
            if isinstance(part, Figure | bytes):
                data = png_bytes(part) if isinstance(part, Figure) else part
                encoded = base64.b64encode(data).decode("ascii")
                body.append(
                    f"<img alt='{html.escape(heading)}' src='data:image/png;base64,{encoded}'>"
                )
            elif isinstance(part, pd.DataFrame):
                body.append(table_html(part))
            else:
                body.append(str(part))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def models_table(cards: dict) -> pd.DataFrame:
    """One row per queue: the forecast method a model card holds and how it was chosen.

    Columns: ``queue``, ``method`` (the chosen method's label), ``backtest WAPE`` (its WAPE,
    a fraction, over the weekly origins inside the training history that chose it), ``best
    other`` (the lowest WAPE among the other candidates), ``candidates``, ``band`` (the
    level of ``calls_lo``..``calls_hi``), ``dispersion`` (negative-binomial ``phi``) and
    ``trained on`` (the training window's length and last local date).
    """
    rows = []
    for queue, card in cards.items():
        label = card.spec.label
        others = [v for k, v in card.metrics.items() if k != label and v == v]
        rows.append(
            {
                "queue": queue,
                "method": label,
                "backtest WAPE": card.metrics.get(label, float("nan")),
                "best other": min(others) if others else float("nan"),
                "candidates": len(card.metrics),
                "band": card.level,
                "dispersion": card.dispersion,
                "trained on": _window(card.training_start, card.training_end),
            }
        )
    return pd.DataFrame(rows)


def _window(start: str, end: str) -> str:
    """``"12 weeks to 2026-05-17"`` from ISO dates (whole weeks, else days)."""
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    length = f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"
    return f"{length} to {end}"


def _models_html(cards: dict | None) -> list[str]:
    if not cards:
        return []
    table = models_table(cards)
    formats = {"backtest WAPE": ".1%", "best other": ".1%", "band": ".0%", "dispersion": ".3g"}
    note = (
        "<p class='note'>Forecast models: each queue's method was chosen by the lowest WAPE "
        "(sum of absolute errors over the sum of contacts) in a backtest from weekly origins "
        "inside its training history, or kept from the model cards given with "
        "<code>--models</code> (one candidate); the band is negative binomial with the "
        "dispersion calibrated in the same backtest. Cards: "
        "<code>models/&lt;queue&gt;.json</code>.</p>"
    )
    return [table_html(table, formats), note]


def plan_report_html(
    *,
    config,
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    coverage: pd.DataFrame,
    weekly: pd.DataFrame,
    activities: pd.DataFrame | None,
    recommendations: Sequence,
    solver: dict | None = None,
    curve: pd.DataFrame | None = None,
    curve_queue: str | None = None,
    models: dict | None = None,
) -> tuple[str, dict[str, bytes]]:
    """The plan's report: summary, coverage, forecast, service heatmaps, a day's roster.

    ``models`` are the forecast's model cards by queue (:class:`staffplan.forecast.ModelCard`):
    with them the report shows which method each queue's forecast used and how it and the
    other candidates scored in the backtest it was chosen by.

    Returns the self-contained HTML and the figures as PNG bytes by file stem (to save beside
    it); each figure is rendered once.
    """
    figures: dict[str, Figure] = {
        "coverage": coverage_figure(coverage),
        "forecast": forecast_figure(history, forecast),
    }
    for queue in config.queue_names:
        if queue in set(coverage["queue"]) and config.queue(queue).channel != "email":
            target = config.queue(queue).service_level
            figures[f"service_{queue}"] = service_heatmap(coverage, queue, target=target)
    if activities is not None and len(activities):
        busiest = activities.groupby(activities["start"].dt.date)["agent_id"].nunique().idxmax()
        figures["roster_day"] = gantt_figure(activities, busiest)
    if curve is not None and curve_queue:
        figures["sla_curve"] = sla_curve_figure(curve, curve_queue)
    figures = {name: png_bytes(fig) for name, fig in figures.items()}
    summary = weekly.rename(
        columns={
            "service_level": "expected SL",
            "service_level_hi": "SL at upper band",
            "target_service_level": "target",
            "asa_s": "ASA (s)",
            "abandon_rate": "abandoned",
        }
    )
    formats = {
        "calls": ",.0f",
        "expected SL": ".1%",
        "SL at upper band": ".1%",
        "target": ".0%",
        "ASA (s)": ".1f",
        "abandoned": ".1%",
        "occupancy": ".1%",
    }
    recs = "".join(f"<li>{html.escape(r.message)}</li>" for r in recommendations)
    solver_note = ""
    if solver:
        shown = {
            k.replace("_", " "): f"{v:.1%}"
            if k == "gap"
            else f"{v:,.1f}"
            if isinstance(v, float)
            else v
            for k, v in solver.items()
        }
        text = ", ".join(f"{k} {v}" for k, v in shown.items())
        solver_note = f"<p class='note'>Schedule: {html.escape(text)}</p>"
    sections = [
        (
            "Service per queue (call-weighted over the week)",
            [table_html(summary, formats), solver_note],
        ),
        (
            "Recommendations",
            [
                f"<ul class='recs'>{recs}</ul>"
                if recs
                else "<p>None: every queue meets its target in every run of intervals.</p>"
            ],
        ),
        ("Required vs scheduled agents", [figures["coverage"]]),
        ("Forecast vs recent history", [figures["forecast"], *_models_html(models)]),
        (
            "Expected service level by weekday and time",
            [f for k, f in figures.items() if k.startswith("service_")],
        ),
    ]
    if "roster_day" in figures:
        sections.append(("The busiest day's roster", [figures["roster_day"]]))
    if "sla_curve" in figures:
        sections.append(("What the service level costs", [figures["sla_curve"]]))
    start = coverage["interval_start"].min()
    end = coverage["interval_start"].max()
    subtitle = (
        f"{config.center.name}: {start:%a %d %b %Y} to {end:%a %d %b %Y}, "
        f"{config.center.interval_minutes}-minute intervals, shrinkage "
        f"{config.center.shrinkage:.0%}. Service levels are fractions answered within the "
        "threshold (email: within the deadline)."
    )
    return html_report("Weekly staffing plan", sections, subtitle=subtitle), figures
