"""Queue performance per period and per interval: volumes, service against the target,
forecast accuracy, required vs scheduled vs actually staffed agents, and the email backlog.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan import requirements
from staffplan.config import PlanConfig
from staffplan.kpi.operators import StateLog
from staffplan.kpi.periods import assign, ns, split
from staffplan.schema.agents import parse_skills

__all__ = ["interval_table", "queue_table", "staffed_agents"]


def _targets(config: PlanConfig) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue": config.queue_names,
            "channel": [q.channel for q in config.queues],
            "sl_target": [q.service_level for q in config.queues],
            "concurrency": [q.concurrency for q in config.queues],
        }
    )


def staffed_agents(
    log: StateLog,
    grid: pd.DatetimeIndex,
    config: PlanConfig,
    mix: pd.DataFrame,
    agents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Agents actually staffed per interval and queue, from the state log.

    Parameters
    ----------
    log : StateLog
        The prepared state log.
    grid : pandas.DatetimeIndex
        Interval boundaries.
    config : PlanConfig
        Queues (chat concurrency) and the interval length.
    mix : pandas.DataFrame
        Per agent and queue ``handle_s`` over the log (:func:`agent_queue_table`).
    agents : pandas.DataFrame, optional
        ``agent_id`` and ``skills``: agents without contacts count for their skills.

    Returns
    -------
    pandas.DataFrame
        ``interval_start``, ``queue``, ``staffed`` (agents, fractional): time on contacts of
        the queue (chats divided by the queue's concurrency) plus the agent's available time
        shared over the queues in proportion to the agent's handle time on them (divided by
        concurrency), over the interval length.
    """
    interval_s = config.center.interval_minutes * 60.0
    names = config.queue_names
    conc = np.array([q.concurrency for q in config.queues], dtype=float)
    qcode = pd.Index(names).get_indexer(log.queue)
    n_i, n_q, n_a = len(grid) - 1, len(names), len(log.agent_ids)
    b = ns(grid)
    contact = log.is_contact & (qcode >= 0)
    rec, per, sec = split(log.start_ns[contact], log.end_ns[contact], b)
    q = qcode[contact][rec]
    busy = np.bincount(per * n_q + q, weights=sec / conc[q], minlength=n_i * n_q)
    weights = np.zeros((n_a, n_q))
    code = pd.Index(log.agent_ids).get_indexer(mix["agent_id"])
    mq = pd.Index(names).get_indexer(mix["queue"])
    ok = (code >= 0) & (mq >= 0)
    np.add.at(weights, (code[ok], mq[ok]), mix["handle_s"].to_numpy(float)[ok] / conc[mq[ok]])
    if agents is not None and "skills" in agents:
        skills = agents.set_index("agent_id")["skills"]
        for a in np.flatnonzero(weights.sum(axis=1) == 0):
            text = skills.get(log.agent_ids[a])
            if isinstance(text, str) and text:
                for name in parse_skills(text, names):
                    weights[a, names.index(name)] = 1.0
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    avail = log.of_states(("available",))
    rec, per, sec = split(log.start_ns[avail], log.end_ns[avail], b)
    per_agent = np.bincount(
        log.agent[avail][rec] * n_i + per, weights=sec, minlength=n_a * n_i
    ).reshape(n_a, n_i)
    shared = (per_agent.T @ weights).ravel()  # (interval, queue)
    staffed = (busy + shared) / interval_s
    return pd.DataFrame(
        {
            "interval_start": np.repeat(grid[:-1], n_q),
            "queue": np.tile(np.asarray(names, dtype=object), n_i),
            "staffed": staffed,
        }
    )


def _scheduled_agents(activities, grid: pd.DatetimeIndex, config: PlanConfig) -> pd.DataFrame:
    interval_s = config.center.interval_minutes * 60.0
    names = config.queue_names
    b = ns(grid)
    work = activities[(activities["activity"] == "work") & activities["queue"].isin(names)]
    a0 = np.clip(ns(work["start"]), b[0], b[-1])
    a1 = np.clip(ns(work["end"]), b[0], b[-1])
    keep = a1 > a0
    rec, per, sec = split(a0[keep], a1[keep], b)
    q = pd.Index(names).get_indexer(work["queue"].to_numpy()[keep])[rec]
    n_q = len(names)
    sched = np.bincount(per * n_q + q, weights=sec, minlength=(len(b) - 1) * n_q)
    return pd.DataFrame(
        {
            "interval_start": np.repeat(grid[:-1], n_q),
            "queue": np.tile(np.asarray(names, dtype=object), len(b) - 1),
            "scheduled": sched / interval_s,
        }
    )


def interval_table(
    history: pd.DataFrame,
    config: PlanConfig,
    staffed: pd.DataFrame,
    *,
    activities: pd.DataFrame | None = None,
    grid: pd.DatetimeIndex,
    forecast: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per interval and queue: volumes, service level against target, required, scheduled and
    staffed agents (and the forecast when given).

    Parameters
    ----------
    history : pandas.DataFrame
        The validated interval history inside the report window.
    config : PlanConfig
        Queue targets and models (required agents via :func:`staffplan.requirements.compute`
        on the actual offered contacts and handle times).
    staffed : pandas.DataFrame
        From :func:`staffed_agents`.
    activities : pandas.DataFrame, optional
        Scheduled work per queue.
    grid : pandas.DatetimeIndex
        Interval boundaries of the window.
    forecast : pandas.DataFrame, optional
        ``interval_start``, ``queue``, ``calls``.

    Returns
    -------
    pandas.DataFrame
        ``interval_start``, ``queue``, ``offered``, ``handled``, ``abandoned``,
        ``answered_in_sl``, ``aht_s``, ``service_level`` (answered in SL / offered; for email
        answered within the deadline / handled), ``sl_target``, ``required`` (agents on
        contacts to meet the target with the actual traffic), ``scheduled``, ``staffed``
        (agents) and ``forecast`` (NaN without one).
    """
    cols = ["interval_start", "queue", "offered", "handled", "abandoned", "aht_s"]
    rows = history[cols].copy()
    rows["answered_in_sl"] = history.get("answered_in_sl", np.nan)
    rows = rows.merge(_targets(config)[["queue", "channel", "sl_target"]], on="queue")
    email = rows["channel"] == "email"
    denominator = rows["handled"].where(email, rows["offered"])
    rows["service_level"] = rows["answered_in_sl"] / denominator.where(denominator > 0)
    if len(rows):
        need = requirements.compute(
            rows.rename(columns={"offered": "calls"})[
                ["interval_start", "queue", "calls", "aht_s"]
            ],
            config,
        ).frame[["interval_start", "queue", "agents"]]
        rows = rows.merge(need.rename(columns={"agents": "required"}), how="left")
    else:
        rows["required"] = np.nan
    rows = rows.merge(staffed, on=["interval_start", "queue"], how="left")
    if activities is not None:
        rows = rows.merge(
            _scheduled_agents(activities, grid, config), on=["interval_start", "queue"], how="left"
        )
    else:
        rows["scheduled"] = np.nan
    if forecast is not None:
        fc = forecast[["interval_start", "queue", "calls"]].rename(columns={"calls": "forecast"})
        rows = rows.merge(fc, on=["interval_start", "queue"], how="left")
    else:
        rows["forecast"] = np.nan
    rows["staffed"] = rows["staffed"].fillna(0.0)
    rows["required"] = rows["required"].astype(float)
    return rows.drop(columns="channel").sort_values(["queue", "interval_start"], ignore_index=True)


def _email_late_backlog(history: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    """Emails still unanswered past their deadline at the end of each interval (FIFO).

    With cumulative arrivals ``A`` and answers ``H`` over the whole history, the items older
    than the deadline ``d`` still open at time ``t`` are ``max(0, A(t - d) - H(t))``.
    """
    pieces = []
    step = pd.Timedelta(minutes=config.center.interval_minutes)
    for q in config.queues:
        if q.channel != "email":
            continue
        rows = history[history["queue"] == q.name].sort_values("interval_start")
        if rows.empty:
            continue
        end = ns(rows["interval_start"] + step)
        arrived = np.cumsum(rows["offered"].to_numpy(float))
        answered = np.cumsum(rows["handled"].to_numpy(float))
        due = end - int(q.deadline_h * 3600e9)
        k = np.searchsorted(end, due, side="right") - 1
        old = np.where(k >= 0, arrived[np.maximum(k, 0)], 0.0)
        pieces.append(
            pd.DataFrame(
                {
                    "interval_start": rows["interval_start"].to_numpy(),
                    "queue": q.name,
                    "backlog_over_deadline": np.maximum(old - answered, 0.0),
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=["interval_start", "queue", "backlog_over_deadline"])
    out = pd.concat(pieces, ignore_index=True)
    out["interval_start"] = out["interval_start"].dt.tz_convert(history["interval_start"].dt.tz)
    return out


def queue_table(
    intervals: pd.DataFrame,
    full_history: pd.DataFrame,
    log: StateLog,
    bounds: pd.DatetimeIndex,
    labels: np.ndarray,
    config: PlanConfig,
) -> pd.DataFrame:
    """Per queue and period: volumes, abandonment, service level and ASA against target,
    forecast accuracy, agent hours required / scheduled / staffed, contacts in the state log
    and the email backlog past its deadline.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``queue``, ``offered``, ``handled``, ``abandoned``, ``abandon_rate``,
        ``answered_in_sl``, ``service_level``, ``sl_target``, ``sl_gap`` (service level minus
        target; negative = missed), ``aht_s``, ``asa_s`` (when the history has ``asa_s``),
        ``wape`` (forecast accuracy: sum |forecast - offered| / sum offered), ``required_h``,
        ``scheduled_h``, ``staffed_h`` (agent hours on contacts), ``handled_logged`` (contacts
        started in the state log), ``intervals_missed`` (intervals with calls below the
        target), ``answered_late`` and ``backlog_over_deadline_end`` (email items, at the end
        of the period).
    """
    interval_h = config.center.interval_minutes / 60.0
    iv = intervals.copy()
    iv["period"] = labels[assign(ns(iv["interval_start"]), ns(bounds))]
    iv["handle_s"] = iv["aht_s"] * iv["handled"]
    iv["abs_error"] = (iv["forecast"] - iv["offered"]).abs()
    iv["missed"] = (iv["service_level"] < iv["sl_target"]) & (iv["offered"] > 0)
    for column in ("required", "scheduled", "staffed"):
        iv[f"{column}_h"] = iv[column] * interval_h
    agg = iv.groupby(["period", "queue"], sort=True).agg(
        offered=("offered", "sum"),
        handled=("handled", "sum"),
        abandoned=("abandoned", "sum"),
        answered_in_sl=("answered_in_sl", "sum"),
        handle_s=("handle_s", "sum"),
        abs_error=("abs_error", "sum"),
        forecast_rows=("forecast", "count"),
        required_h=("required_h", "sum"),
        scheduled_h=("scheduled_h", lambda s: s.sum(min_count=1)),
        staffed_h=("staffed_h", "sum"),
        intervals_missed=("missed", "sum"),
    )
    agg = agg.reset_index().merge(_targets(config)[["queue", "channel", "sl_target"]], on="queue")
    email = agg["channel"] == "email"
    den = agg["handled"].where(email, agg["offered"])
    agg["service_level"] = agg["answered_in_sl"] / den.where(den > 0)
    agg["sl_gap"] = agg["service_level"] - agg["sl_target"]
    agg["abandon_rate"] = agg["abandoned"] / agg["offered"].where(agg["offered"] > 0)
    agg["aht_s"] = agg["handle_s"] / agg["handled"].where(agg["handled"] > 0)
    agg["wape"] = (agg["abs_error"] / agg["offered"].where(agg["offered"] > 0)).where(
        agg["forecast_rows"] > 0
    )
    if "asa_s" in full_history:
        h = full_history.assign(
            period=labels[
                np.clip(
                    assign(ns(full_history["interval_start"]), ns(bounds)),
                    0,
                    len(labels) - 1,
                )
            ],
            wait_s=full_history["asa_s"] * full_history["handled"],
        )
        asa = h.groupby(["period", "queue"])[["wait_s", "handled"]].sum()
        agg = agg.merge((asa["wait_s"] / asa["handled"]).rename("asa_s").reset_index(), how="left")
    else:
        agg["asa_s"] = np.nan
    starts = log.contact_starts()
    logged = pd.DataFrame(
        {
            "period": labels[assign(log.start_ns[starts], ns(bounds))],
            "queue": log.queue[starts],
        }
    ).value_counts()
    agg = agg.merge(logged.rename("handled_logged").reset_index(), how="left")
    agg["handled_logged"] = agg["handled_logged"].fillna(0).astype(np.int64)
    agg["answered_late"] = (agg["handled"] - agg["answered_in_sl"]).where(email)
    late = _email_late_backlog(full_history, config)
    if len(late):
        t = ns(late["interval_start"])
        p = assign(t, ns(bounds))
        inside = (p >= 0) & (p < len(labels))
        late = late[inside].assign(period=labels[p[inside]])
        end = late.sort_values("interval_start").groupby(["period", "queue"]).last()
        agg = agg.merge(
            end["backlog_over_deadline"].rename("backlog_over_deadline_end").reset_index(),
            how="left",
        )
    else:
        agg["backlog_over_deadline_end"] = np.nan
    order = {name: i for i, name in enumerate(config.queue_names)}
    agg = agg.sort_values(
        ["period", "queue"], key=lambda s: s.map(order) if s.name == "queue" else s
    )
    columns = [
        "period", "queue", "offered", "handled", "abandoned", "abandon_rate", "answered_in_sl",
        "service_level", "sl_target", "sl_gap", "aht_s", "asa_s", "wape", "required_h",
        "scheduled_h", "staffed_h", "handled_logged", "intervals_missed", "answered_late",
        "backlog_over_deadline_end",
    ]  # fmt: skip
    return agg[columns].reset_index(drop=True)
