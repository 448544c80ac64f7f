"""The KPI report: one call from the input frames to every table, the recommendations, the
figures, the ``kpi.html`` page (figures embedded as base64 PNG) and the ``kpi.json`` feed.

No file I/O here: :func:`kpi_report` takes frames and returns a :class:`KpiReport`; the CLI
writes its :meth:`KpiReport.tables` as CSV, :attr:`KpiReport.html` and :attr:`KpiReport.json`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from staffplan.config import PlanConfig
from staffplan.errors import Problem
from staffplan.kpi import figures as figs
from staffplan.kpi.customers import customer_table, frequency_table
from staffplan.kpi.inputs import (
    validate_activities,
    validate_agent_history,
    validate_contacts,
    validate_roster,
    validate_states,
)
from staffplan.kpi.operators import (
    ADDITIVE,
    add_ratios,
    agent_queue_table,
    operator_table,
    prepare,
    team_table,
)
from staffplan.kpi.periods import PERIODS, period_bounds, period_labels
from staffplan.kpi.queues import interval_table, queue_table, staffed_agents
from staffplan.kpi.recommendations import (
    KpiTargets,
    Recommendation,
    fcr_recommendations,
    interval_recommendations,
    people_recommendations,
    shrinkage_by_queue,
    shrinkage_recommendations,
)
from staffplan.kpi.turnover import ALL_TEAMS, turnover_table
from staffplan.schema.agents import validate_agents
from staffplan.schema.history import validate_history
from staffplan.schema.tables import TableSource

__all__ = ["BY", "KPI_JSON_VERSION", "KpiReport", "kpi_report"]

BY = ("agent", "team", "queue")
KPI_JSON_VERSION = 1


@dataclass
class KpiReport:
    """Everything the KPI report found, as frames, objects, text and a JSON-ready dict.

    Attributes
    ----------
    period, by : str
        The report period (day, week, month) and the main breakdown (agent, team, queue).
    window : tuple of pandas.Timestamp
        First instant and end (exclusive) of the local dates the state log covers.
    operators, teams, queues : pandas.DataFrame
        Per agent / team / queue and period (see :func:`~staffplan.kpi.operators.operator_table`,
        :func:`~staffplan.kpi.operators.team_table`, :func:`~staffplan.kpi.queues.queue_table`).
    intervals : pandas.DataFrame
        Per interval and queue (:func:`~staffplan.kpi.queues.interval_table`).
    operators_window, teams_window : pandas.DataFrame
        The same summed over the whole window (one row per agent / team).
    shrinkage : pandas.DataFrame
        Observed vs planned shrinkage per queue.
    customers, contact_frequency, turnover : pandas.DataFrame or None
        Customer-side and turnover tables when the contacts log / agent history is given.
    recommendations : list of Recommendation
    figures : dict of str to matplotlib.figure.Figure
    html : str
        The ``kpi.html`` page, figures embedded.
    json : dict
        The ``kpi.json`` feed (JSON-safe: NaN as null, times as ISO 8601).
    warnings : list of Problem
    """

    period: str
    by: str
    window: tuple[pd.Timestamp, pd.Timestamp]
    operators: pd.DataFrame
    teams: pd.DataFrame
    queues: pd.DataFrame
    intervals: pd.DataFrame
    operators_window: pd.DataFrame
    teams_window: pd.DataFrame
    shrinkage: pd.DataFrame
    customers: pd.DataFrame | None = None
    contact_frequency: pd.DataFrame | None = None
    turnover: pd.DataFrame | None = None
    recommendations: list[Recommendation] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    html: str = ""
    json: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        """The main table for ``by``: operators, teams or queues per period."""
        return {"agent": self.operators, "team": self.teams, "queue": self.queues}[self.by]

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> frame of every CSV table of the report (optional ones when present)."""
        out = {
            "kpi_operators.csv": self.operators,
            "kpi_teams.csv": self.teams,
            "kpi_queues.csv": self.queues,
            "kpi_intervals.csv": self.intervals,
            "kpi_shrinkage.csv": self.shrinkage,
            "kpi_recommendations.csv": pd.DataFrame(
                [r.to_dict() for r in self.recommendations],
                columns=list(Recommendation.__dataclass_fields__),
            ),
        }
        for name, frame in (
            ("kpi_customers.csv", self.customers),
            ("kpi_contact_frequency.csv", self.contact_frequency),
            ("kpi_turnover.csv", self.turnover),
        ):
            if frame is not None:
                out[name] = frame
        return out

    def figure_pngs(self, dpi: int = 110) -> dict[str, bytes]:
        """File name -> PNG bytes of every figure (for writing beside ``kpi.html``)."""
        return {f"kpi_{name}.png": _png(fig, dpi) for name, fig in self.figures.items()}


def kpi_report(
    states: pd.DataFrame,
    history: pd.DataFrame,
    config: PlanConfig,
    *,
    period: str = "week",
    by: str = "agent",
    roster: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    agent_history: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    targets: KpiTargets | None = None,
    turnover_period: str = "month",
    sources: dict[str, TableSource] | None = None,
    figures: bool = True,
) -> KpiReport:
    """Operator, team and queue performance over the weeks of an agent-state log.

    Parameters
    ----------
    states : pandas.DataFrame
        Agent-state log as read (text cells) or typed: ``agent_id``, ``state_start``,
        ``state_end``, ``state``, ``queue`` (see :func:`~staffplan.kpi.inputs.validate_states`).
    history : pandas.DataFrame
        Interval history (DESIGN.md), as read or validated.
    config : PlanConfig
        Time zone, interval, queues with their targets, planned shrinkage.
    period : {"day", "week", "month"}, default "week"
        Report period on local dates; records across a boundary are split in proportion.
    by : {"agent", "team", "queue"}, default "agent"
        The main table (:attr:`KpiReport.table`) and the first table of the page.
    roster, activities : pandas.DataFrame, optional
        The schedule (DESIGN.md frames): paid hours, conformance and adherence.
    agents : pandas.DataFrame, optional
        ``agents.csv``: names, teams, cost per hour (agents of the log missing from it are
        reported under team ``(not in agents.csv)`` with a warning).
    contacts : pandas.DataFrame, optional
        Contacts log: first-contact resolution and contact frequency.
    agent_history : pandas.DataFrame, optional
        Employment stints: staff turnover per team and ``turnover_period``.
    forecast : pandas.DataFrame, optional
        Forecast frame (``interval_start``, ``queue``, ``calls``): forecast accuracy (WAPE).
    targets : KpiTargets, optional
        Operator and team targets of the recommendations.
    turnover_period : {"day", "week", "month"}, default "month"
    sources : dict of str to TableSource, optional
        How to name each input in messages, by parameter name (``"states"``, ``"history"``,
        ...): pass the sources :func:`staffplan.io.read_table` returns so errors give the file
        and line.
    figures : bool, default True
        Draw the figures and embed them in the HTML page.

    Returns
    -------
    KpiReport

    Raises
    ------
    InputError
        When an input is refused (overlapping state records name the agent and the times).
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, found {period!r}")
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, found {by!r}")
    targets = targets or KpiTargets()
    src = sources or {}

    def source(name: str, default: str) -> TableSource:
        return src.get(name) or TableSource(default)

    checked = validate_states(states, config, source("states", "agent_states"))
    warnings = list(checked.warnings)
    hist = validate_history(history, config, source("history", "history"))
    warnings += hist.warnings
    agents_f = _optional(agents, lambda f: validate_agents(f, config, source("agents", "agents")))
    roster_f = _optional(roster, lambda f: validate_roster(f, config, source("roster", "roster")))
    acts_f = _optional(
        activities, lambda f: validate_activities(f, config, source("activities", "activities"))
    )
    contacts_f = _optional(
        contacts, lambda f: validate_contacts(f, config, source("contacts", "contacts"))
    )
    staff_f = _optional(
        agent_history, lambda f: validate_agent_history(f, source("agent_history", "agent_history"))
    )
    for item in (agents_f, roster_f, acts_f, contacts_f, staff_f):
        if item is not None:
            warnings += item.warnings
    agents_t, roster_t, acts_t, contacts_t, staff_t = (
        None if c is None else c.frame for c in (agents_f, roster_f, acts_f, contacts_f, staff_f)
    )

    log = prepare(checked.frame)
    first = checked.frame["state_start"].min()
    last = checked.frame["state_end"].max()
    day_bounds = period_bounds(first, last - pd.Timedelta(1), "day", log.tz)
    window = (day_bounds[0], day_bounds[-1])
    bounds = period_bounds(first, last - pd.Timedelta(1), period, log.tz)
    labels = period_labels(bounds)

    operators, missing = operator_table(
        log, bounds, labels, agents=agents_t, roster=roster_t, activities=acts_t
    )
    warnings += missing
    teams = team_table(operators)
    operator_days = (
        operators
        if period == "day"
        else operator_table(
            log, day_bounds, period_labels(day_bounds), agents=agents_t, roster=roster_t,
            activities=acts_t,
        )[0]
    )  # fmt: skip
    team_days = teams if period == "day" else team_table(operator_days)
    operators_window = _window_sum(operators, ["agent_id", "name", "team"])
    teams_window = _window_sum(operators, ["team"], count="agents")
    mix = agent_queue_table(log)

    step = f"{config.center.interval_minutes}min"
    grid = pd.date_range(window[0], window[1], freq=step)
    full = hist.frame
    inside = (full["interval_start"] >= window[0]) & (full["interval_start"] < window[1])
    staffed = staffed_agents(log, grid, config, mix, agents_t)
    fc = None if forecast is None else _typed_forecast(forecast, config, source)
    intervals = interval_table(
        full[inside.to_numpy()], config, staffed, activities=acts_t, grid=grid, forecast=fc
    )
    queues = queue_table(intervals, full, log, bounds, labels, config)
    shrinkage = shrinkage_by_queue(operators_window, mix, config)

    customers = frequency = turnover = None
    if contacts_t is not None:
        customers = customer_table(contacts_t, bounds, labels)
        in_window = (contacts_t["time"] >= window[0]) & (contacts_t["time"] < window[1])
        frequency = frequency_table(contacts_t[in_window.to_numpy()])
    if staff_t is not None:
        as_of = (window[1] - pd.Timedelta(days=1)).tz_localize(None).normalize()
        turnover = turnover_table(staff_t, period=turnover_period, as_of=as_of)

    # staffing first (it moves service level most), then plan, customers, teams, operators
    recs = interval_recommendations(intervals, config, targets)
    recs += shrinkage_recommendations(shrinkage, targets)
    if customers is not None:
        recs += fcr_recommendations(customers, targets)
    people = people_recommendations(operators_window, teams_window, mix, targets)
    recs += [r for r in people if r.kind == "team"] + [r for r in people if r.kind != "team"]

    report = KpiReport(
        period=period,
        by=by,
        window=window,
        operators=operators,
        teams=teams,
        queues=queues,
        intervals=intervals,
        operators_window=operators_window,
        teams_window=teams_window,
        shrinkage=shrinkage,
        customers=customers,
        contact_frequency=frequency,
        turnover=turnover,
        recommendations=recs,
        warnings=warnings,
    )
    if figures:
        report.figures = _figures(report, operator_days, team_days, config, targets)
    report.json = _json(report, config)
    report.html = _html(report, config, targets)
    return report


def _optional(frame, validate):
    return None if frame is None else validate(frame)


def _typed_forecast(forecast: pd.DataFrame, config: PlanConfig, source) -> pd.DataFrame:
    from staffplan.schema.forecast import validate_forecast

    return validate_forecast(forecast, config, source("forecast", "forecast")).frame


def _window_sum(operators: pd.DataFrame, keys: list[str], count: str | None = None):
    sums = operators.groupby(keys, sort=True, dropna=False)[list(ADDITIVE)].sum(min_count=1)
    if count:
        sums.insert(0, count, operators.groupby(keys, sort=True)["agent_id"].nunique())
    return add_ratios(sums.reset_index())


# --------------------------------------------------------------------------- figures


def _figures(report, operator_days, team_days, config, targets) -> dict[str, Figure]:
    has_adherence = report.operators_window["adherence"].notna().any()
    metric = "adherence" if has_adherence else "occupancy"
    target = targets.adherence if has_adherence else targets.occupancy_min
    live = {q.name: q.service_level for q in config.queues if q.channel != "email"}
    return {
        "league": figs.league_figure(report.operators_window, metric=metric, target=target),
        "team_trend": figs.team_trend_figure(
            team_days, metric="occupancy", target=targets.occupancy_min
        ),
        "sl_heatmap": figs.sl_heatmaps(report.intervals, live),
        "adherence": figs.adherence_figure(operator_days, target=targets.adherence),
    }


def _png(fig: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


# --------------------------------------------------------------------------- json


def _clean(value):
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is None:
        return None
    return value


def _records(frame: pd.DataFrame | None) -> list[dict] | None:
    if frame is None:
        return None
    return [{str(k): _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _summary(report: KpiReport, config: PlanConfig) -> dict:
    o = add_ratios(report.operators[list(ADDITIVE)].sum(min_count=1).to_frame().T).iloc[0]
    q = report.queues.groupby("queue")[["offered", "handled", "abandoned", "answered_in_sl"]].sum()
    out = {
        "agents": int(report.operators["agent_id"].nunique()),
        "contacts_logged": int(o["contacts"]),
        "handled": int(q["handled"].sum()),
        "offered": int(q["offered"].sum()),
        "aht_s": o["aht_s"],
        "occupancy": o["occupancy"],
        "utilisation": o["utilisation"],
        "adherence": o["adherence"],
        "conformance": o["conformance"],
        "cost": o["cost"],
        "cost_per_contact": o["cost_per_contact"],
        "shrinkage_observed": o["shrinkage"],
        "shrinkage_planned": config.center.shrinkage,
        "recommendations": len(report.recommendations),
    }
    if report.customers is not None:
        c = report.customers[report.customers["queue"] == "all"]
        solved = (c["fcr"] * c["first_contacts"]).sum()
        out["fcr"] = solved / c["first_contacts"].sum() if c["first_contacts"].sum() else None
    if report.turnover is not None:
        t = report.turnover
        whole = t[(t["period"] == "whole window") & (t["team"] == ALL_TEAMS)].iloc[0]
        out["turnover_annualised"] = whole["annualised_rate"]
    return {k: _clean(v) for k, v in out.items()}


def _json(report: KpiReport, config: PlanConfig) -> dict:
    return {
        "version": KPI_JSON_VERSION,
        "period": report.period,
        "by": report.by,
        "window": {"start": report.window[0].isoformat(), "end": report.window[1].isoformat()},
        "summary": _summary(report, config),
        "queues": _records(report.queues),
        "teams": _records(report.teams),
        "operators": _records(report.operators),
        "shrinkage": _records(report.shrinkage),
        "customers": _records(report.customers),
        "turnover": _records(report.turnover),
        "recommendations": [
            {k: _clean(v) for k, v in r.to_dict().items()} for r in report.recommendations
        ],
        "warnings": [str(w) for w in report.warnings],
    }


# --------------------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1200px;color:#222;line-height:1.4;padding:0 16px}
h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;margin-top:34px;border-bottom:2px solid
#4c72b0;padding-bottom:4px}h3{font-size:16px;margin-top:22px}
.muted{color:#666}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:#f3f6fb;border-radius:8px;padding:10px 14px;min-width:130px}
.card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th{background:#eef2f8;position:sticky;top:0}
td:first-child,th:first-child,td.l,th.l{text-align:left}
.bad{color:#b00020;font-weight:600}.good{color:#1a7f37}
ol.recs li{margin:6px 0}.recs .ev{color:#555;font-size:13px}
img{max-width:100%;border:1px solid #eee;margin:8px 0}
.warn{background:#fff4e5;border-left:4px solid #f0a000;padding:8px 12px;margin:8px 0;
white-space:pre-wrap;font-size:13px}
.scroll{overflow-x:auto;max-width:100%}
"""

_LABELS = {
    "agent_id": "agent",
    "contacts": "contacts",
    "aht_s": "AHT s",
    "aht_talk_s": "talk s",
    "aht_hold_s": "hold s",
    "aht_acw_s": "wrap-up s",
    "occupancy": "occupancy",
    "utilisation": "utilisation",
    "adherence": "adherence",
    "conformance": "conformance",
    "paid_h": "paid h",
    "productive_h": "productive h",
    "break_h": "break h",
    "lunch_h": "lunch h",
    "training_h": "training h",
    "meeting_h": "meeting h",
    "offline_h": "offline h",
    "cost": "cost",
    "cost_per_contact": "cost/contact",
    "contacts_per_productive_h": "contacts/prod. h",
}


def _fmt(value, column: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if column.endswith("_s") or column in ("offered", "handled", "abandoned"):
            return f"{value:,.0f}"
        if column.endswith("_h") or column.startswith("cost") or column == "headcount_avg":
            return f"{value:,.1f}"
        if column.endswith("_gap"):
            return f"{value:+.3f}"
        return f"{value:.3f}" if 0 < abs(value) < 0.01 else f"{value:.2f}"
    return html.escape(str(value))


_OPTIONAL_ZERO = ("aht_hold_s", "hold_h", "training_h", "meeting_h", "asa_s", "wape")


def _table(frame: pd.DataFrame, columns: list[str], *, flags: dict | None = None) -> str:
    """HTML table; ``flags`` maps a column to a predicate marking bad values in red.

    Columns that are empty everywhere (and the optional ones that are zero everywhere, such
    as hold time in a log without hold states) are left out.
    """
    cols = [
        c
        for c in columns
        if c in frame.columns
        and not frame[c].isna().all()
        and not (c in _OPTIONAL_ZERO and (frame[c].fillna(0) == 0).all())
    ]
    text = {c for c in cols if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])}
    head = "".join(
        ("<th class='l'>" if c in text else "<th>")
        + html.escape(_LABELS.get(c, c.replace("_", " ")))
        + "</th>"
        for c in cols
    )
    body = []
    for row in frame[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, row, strict=True):
            bad = flags and c in flags and v is not None and _is_num(v) and flags[c](v)
            cls = ' class="bad"' if bad else (' class="l"' if isinstance(v, str) else "")
            cells.append(f"<td{cls}>{_fmt(v, c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _is_num(v) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and math.isfinite(float(v))


def _img(fig: Figure, alt: str) -> str:
    data = base64.b64encode(_png(fig)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _card(key: str, value) -> str:
    return f'<div class="card"><div class="v">{value}</div><div class="k">{key}</div></div>'


def _html(report: KpiReport, config: PlanConfig, targets: KpiTargets) -> str:
    s = report.json["summary"]
    end = (report.window[1] - pd.Timedelta(days=1)).strftime("%a %d %b %Y")
    start = report.window[0].strftime("%a %d %b %Y")

    def show(value, fmt="{:.2f}"):
        return "–" if value is None else fmt.format(value)

    cards = [
        _card("contacts handled", f"{s['handled']:,}"),
        _card("AHT", show(s["aht_s"], "{:.0f} s")),
        _card("occupancy", show(s["occupancy"])),
        _card("utilisation", show(s["utilisation"])),
        _card("adherence", show(s["adherence"])),
        _card("cost per contact", show(s["cost_per_contact"], "{:.2f}")),
        _card(
            "shrinkage observed / planned",
            f"{show(s['shrinkage_observed'])} / {s['shrinkage_planned']:.2f}",
        ),  # fmt: skip
    ]
    if "fcr" in s:
        cards.append(_card("first-contact resolution", show(s["fcr"])))
    if "turnover_annualised" in s:
        cards.append(_card("staff turnover per year", show(s["turnover_annualised"])))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>KPI report – {html.escape(config.center.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Performance report – {html.escape(config.center.name)}</h1>",
        f"<p class='muted'>{start} to {end} · per {report.period} · {s['agents']} agents · "
        "fractions in [0, 1], times in seconds (s) or hours (h)</p>",
        f"<div class='cards'>{''.join(cards)}</div>",
    ]
    for w in report.warnings:
        parts.append(f"<div class='warn'>{html.escape(str(w))}</div>")
    parts.append(f"<h2>Recommendations ({len(report.recommendations)})</h2>")
    if report.recommendations:
        items = "".join(
            f"<li><b>{html.escape(r.action)}</b><br><span class='ev'>"
            f"{html.escape(r.evidence)}</span></li>"
            for r in report.recommendations
        )
        parts.append(f"<ol class='recs'>{items}</ol>")
    else:
        parts.append("<p>Everyone is on target: no action needed.</p>")
    sections = {
        "agent": _operators_section,
        "team": _teams_section,
        "queue": _queues_section,
    }
    order = [report.by] + [b for b in BY if b != report.by]
    for key in order:
        parts.append(sections[key](report, targets))
    if report.customers is not None:
        parts.append(_customers_section(report, targets))
    if report.turnover is not None:
        parts.append(_turnover_section(report))
    parts.append("<h2>Shrinkage: observed vs planned</h2>")
    parts.append(
        "<p class='muted'>Agents grouped by the queue they spend most time on; observed "
        "shrinkage = 1 − productive / paid hours. The state log only sees time at work: "
        "absence and leave, part of the planned shrinkage, show only where the roster lists "
        "shifts that were not worked.</p>"
    )
    parts.append(
        _table(
            report.shrinkage,
            ["queue", "agents", "paid_h", "productive_h", "break_h", "lunch_h", "training_h",
             "meeting_h", "offline_h", "observed", "planned"],
        )
    )  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts)


def _operators_section(report: KpiReport, targets: KpiTargets) -> str:
    o = report.operators_window.sort_values("contacts_per_productive_h", ascending=False)
    flags = {
        "adherence": lambda v: v < targets.adherence,
        "occupancy": lambda v: v < targets.occupancy_min,
    }
    cols = ["agent_id", "name", "team", "contacts", "contacts_per_productive_h", "aht_s",
            "aht_talk_s", "aht_hold_s", "aht_acw_s", "occupancy", "utilisation", "adherence",
            "conformance", "paid_h", "cost_per_contact"]  # fmt: skip
    out = ["<h2>Operators</h2>"]
    if "league" in report.figures:
        out.append(_img(report.figures["league"], "league table of operators"))
    if "adherence" in report.figures:
        out.append(_img(report.figures["adherence"], "adherence distribution"))
    n = 15
    out.append(
        f"<h3>League table: the {n} most and {n} least productive operators "
        "(contacts per productive hour, whole window)</h3>"
    )
    shown = o if len(o) <= 2 * n else pd.concat([o.head(n), o.tail(n)])
    out.append(_table(shown, cols, flags=flags))
    out.append(
        f"<p class='muted'>All {len(o)} operators per {report.period} are in kpi_operators.csv.</p>"
    )
    return "\n".join(out)


def _teams_section(report: KpiReport, targets: KpiTargets) -> str:
    flags = {
        "adherence": lambda v: v < targets.adherence,
        "occupancy": lambda v: v < targets.occupancy_min,
    }
    cols = ["period", "team", "agents", "contacts", "aht_s", "aht_talk_s", "aht_hold_s",
            "aht_acw_s", "occupancy", "utilisation", "adherence", "conformance", "break_h",
            "training_h", "meeting_h", "offline_h", "cost", "cost_per_contact"]  # fmt: skip
    out = ["<h2>Teams</h2>"]
    if "team_trend" in report.figures:
        out.append(_img(report.figures["team_trend"], "team occupancy trend"))
    out.append(_table(report.teams, cols, flags=flags))
    return "\n".join(out)


def _queues_section(report: KpiReport, targets: KpiTargets) -> str:
    flags = {"sl_gap": lambda v: v < 0}
    cols = ["period", "queue", "offered", "handled", "abandoned", "abandon_rate",
            "service_level", "sl_target", "sl_gap", "aht_s", "asa_s", "wape", "required_h",
            "scheduled_h", "staffed_h", "handled_logged", "intervals_missed", "answered_late",
            "backlog_over_deadline_end"]  # fmt: skip
    q = report.queues.dropna(axis=1, how="all")
    out = ["<h2>Queues</h2>"]
    if "sl_heatmap" in report.figures:
        out.append(_img(report.figures["sl_heatmap"], "service level by interval"))
    out.append(
        "<p class='muted'>required / scheduled / staffed: agent hours on contacts needed for "
        "the actual traffic at the target (Erlang stage), planned in the activities, and "
        "logged in the state log.</p>"
    )
    out.append(_table(q, cols, flags=flags))
    return "\n".join(out)


def _customers_section(report: KpiReport, targets: KpiTargets) -> str:
    flags = {"fcr": lambda v: v < targets.fcr}
    cols = ["period", "queue", "contacts", "customers", "contacts_per_customer", "fcr",
            "repeat_rate", "repeat_customers", "customers_for_half"]  # fmt: skip
    out = [
        "<h2>Customers</h2>",
        "<p class='muted'>fcr: share of first contacts marked resolved (a contact following "
        "an unresolved one of the same customer within 7 days is a repeat); customers for "
        "half: the smallest share of customers making half of the contacts.</p>",
        _table(report.customers, cols, flags=flags),
    ]
    if report.contact_frequency is not None:
        out.append("<h3>Customers by number of contacts (whole window)</h3>")
        out.append(_table(report.contact_frequency, list(report.contact_frequency.columns)))
    return "\n".join(out)


def _turnover_section(report: KpiReport) -> str:
    t = report.turnover
    whole = t[t["period"] == "whole window"]
    cols = ["team", "headcount_avg", "leavers", "internal", "external_voluntary",
            "external_agreed", "turnover_rate", "internal_rate", "external_voluntary_rate",
            "external_agreed_rate", "annualised_rate"]  # fmt: skip
    days = int(whole["days"].iloc[0]) if len(whole) else 0
    return "\n".join(
        [
            "<h2>Staff turnover</h2>",
            f"<p class='muted'>Over the {days} days to the end of the report; rates are "
            "leavers over average head count (per period in kpi_turnover.csv). Moves between "
            "teams count for the team left, not for the centre (all).</p>",
            _table(whole, cols),
        ]
    )
