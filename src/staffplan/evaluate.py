"""The evaluate stage: the service a roster gives, interval by interval and over the week.

Two models, the second used when the roster's activities are given:

* **Per queue** (coverage only). The schedule's coverage counts agents at work per queue
  (after breaks and the multi-skill allocation), grossed up for shrinkage like
  ``agents_scheduled``. The agents expected on contacts are those times
  ``1 - center.shrinkage``, rounded to the nearest whole agent; the requirements stage's
  Erlang models then give the expected service level, ASA, occupancy and abandonment, for the
  forecast and for its upper band (``calls_hi``). Each queue keeps the share of its
  multi-skilled agents that the roster allocated to it, so the model ignores that those agents
  serve whichever of their queues needs them: with multi-skilled rosters it is conservative.
* **Pooled roster** (:func:`evaluate_roster`): what the roster delivers when agents serve
  their queues in priority order (the model of :mod:`staffplan.simulation`). See that function
  for the approximation.

Chat queues with ``concurrency_inflation`` are evaluated, in both models, with the handle time
growing with the chats an agent actually holds (:func:`chat_pool`), as the simulation does;
the requirements stage sizes chat with the conservative slot model instead (inflation at full
concurrency all the time).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.deferred import evaluate_deferred_roster
from staffplan.pooling import MEASURES as _MEASURES
from staffplan.pooling import chat_pool, evaluate_roster
from staffplan.requirements import evaluate

__all__ = [
    "agents_on_contacts",
    "chat_pool",
    "evaluate_coverage",
    "evaluate_roster",
    "weekly_service",
    "weighted_mean",
]


def evaluate_coverage(
    coverage: pd.DataFrame,
    forecast: pd.DataFrame,
    config: PlanConfig,
    *,
    activities: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the expected service of the scheduled agents to the coverage frame.

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``interval_start``, ``queue``, ``required`` and ``scheduled`` (agents at work, gross of
        shrinkage).
    forecast : pandas.DataFrame
        ``interval_start``, ``queue``, ``calls``, ``aht_s`` and optionally ``calls_hi``.
    config : PlanConfig
    activities : pandas.DataFrame, optional
        The roster's activities (``agent_id``, ``start``, ``end``, ``activity``, ``queue``).
        When given, voice and chat queues are evaluated with the pooled roster model of
        :func:`evaluate_roster` (agents serve all their queues in priority order, shrinkage
        as day absence), and email's in-time share with the roster's agents and day absence
        (:func:`staffplan.deferred.evaluate_deferred_roster`); email's other measures keep
        the per-queue deferred model.
    roster : pandas.DataFrame, optional
        ``agent_id``, ``date``, ``queues``: each shift's priority list (with ``activities``).

    Returns
    -------
    pandas.DataFrame
        The coverage rows of the forecast's intervals with ``calls``, ``agents_on_contacts``,
        ``service_level``, ``asa_s``, ``occupancy``, ``abandon_rate`` and, where the forecast
        has a band, ``service_level_hi``, ``abandon_rate_hi`` (if the upper band arrives).
    """
    frame = forecast.merge(
        coverage[["interval_start", "queue", "required", "scheduled"]],
        on=["interval_start", "queue"],
        how="left",
    )
    frame[["required", "scheduled"]] = frame[["required", "scheduled"]].fillna(0.0)
    frame["agents_on_contacts"] = agents_on_contacts(frame["scheduled"], config.center.shrinkage)
    staffing = frame[["interval_start", "queue"]].assign(agents=frame["agents_on_contacts"])
    key = ["interval_start", "queue"]

    def service(calls: str) -> pd.DataFrame:
        expected = evaluate(staffing, frame.assign(calls=frame[calls]), config)[key + _MEASURES]
        expected = _chat_by_held_chats(expected, staffing, frame.assign(calls=frame[calls]), config)
        if activities is not None:
            pooled = evaluate_roster(activities, frame, config, roster=roster, calls=calls)
            deferred = evaluate_deferred_roster(
                activities, frame, config, roster=roster, calls=calls
            )
            expected = expected.set_index(key)
            expected.update(pooled.set_index(key)[_MEASURES])
            expected.update(deferred.set_index(key)[["service_level"]])
            expected = expected.reset_index()
        return expected

    frame = frame.merge(service("calls"), on=key, how="left")
    if "calls_hi" in frame:
        upper = service("calls_hi")[[*key, "service_level", "abandon_rate"]].rename(
            columns={"service_level": "service_level_hi", "abandon_rate": "abandon_rate_hi"}
        )
        frame = frame.merge(upper, on=key, how="left")
    columns = [
        "interval_start",
        "queue",
        "calls",
        "required",
        "scheduled",
        "agents_on_contacts",
        *_MEASURES,
        *[c for c in ("service_level_hi", "abandon_rate_hi") if c in frame],
    ]
    return frame[columns].sort_values(key[::-1]).reset_index(drop=True)


def _chat_by_held_chats(expected, staffing, forecast, config) -> pd.DataFrame:
    """Re-evaluate chat queues with inflation by :func:`chat_pool` (held chats)."""
    interval_s = config.center.interval_minutes * 60.0
    for q in config.queues:
        if q.channel != "chat" or q.concurrency_inflation <= 0.0:
            continue
        rows = expected["queue"] == q.name
        part = expected.loc[rows, ["interval_start", "queue"]]
        merged = part.merge(forecast, on=["interval_start", "queue"], how="left").merge(
            staffing, on=["interval_start", "queue"], how="left"
        )
        calls = merged["calls"].to_numpy(float)
        aht = np.where(calls > 0, merged["aht_s"].to_numpy(float), 0.0)
        m = chat_pool(
            calls / interval_s,
            merged["agents"].fillna(0).to_numpy(float),
            np.where(aht > 0, aht, 1.0),
            q.threshold_s,
            q.concurrency,
            q.concurrency_inflation,
        )
        idle = calls == 0
        expected.loc[rows, "service_level"] = np.where(idle, 1.0, m["service_level"])
        expected.loc[rows, "asa_s"] = np.where(idle, 0.0, m["asa_s"])
        expected.loc[rows, "occupancy"] = np.where(idle, 0.0, m["occupancy"])
    return expected


def weekly_service(
    coverage: pd.DataFrame, config: PlanConfig, scored: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per queue, call-weighted over the horizon: expected service level (also at the upper
    band), ASA, abandonment and occupancy, next to the target.

    Parameters
    ----------
    coverage : pandas.DataFrame
        Per interval and queue: ``calls`` and the measures (see :func:`evaluate_coverage`).
    config : PlanConfig
        The plan's configuration (targets).
    scored : pandas.DataFrame, optional
        ``interval_start``, ``queue``, ``sim_scored``: the share of each interval's contacts
        to count (the intervals of a :class:`staffplan.simulation.SimulationResult`), so that
        the figures cover the same contacts as the simulation's weekly ones (it leaves out
        email items whose deadline falls after the horizon). Intervals missing there count
        in full.

    Returns
    -------
    pandas.DataFrame
        One row per queue: ``calls`` (the weight used), the weighted measures and
        ``target_service_level``.
    """
    if scored is not None:
        key = ["interval_start", "queue"]
        share = coverage[key].merge(scored[[*key, "sim_scored"]], on=key, how="left")
        coverage = coverage.assign(
            calls=coverage["calls"].to_numpy(float) * share["sim_scored"].fillna(1.0).to_numpy()
        )
    rows = []
    for queue, part in coverage.groupby("queue", sort=False):
        weights = part["calls"].to_numpy(float)
        row = {"queue": queue, "calls": float(weights.sum())}
        for column in ("service_level", "service_level_hi", "asa_s", "abandon_rate", "occupancy"):
            if column in part:
                row[column] = weighted_mean(part[column], weights)
        row["target_service_level"] = config.queue(str(queue)).service_level
        rows.append(row)
    return pd.DataFrame(rows)


def agents_on_contacts(scheduled, shrinkage: float) -> np.ndarray:
    """Agents expected on contacts: scheduled agents times ``1 - shrinkage``, to the nearest
    whole agent."""
    return np.round(np.asarray(scheduled, dtype=float) * (1.0 - shrinkage) + 1e-9)


def weighted_mean(values, weights) -> float:
    """Call-weighted mean ignoring NaN and zero weights (NaN when nothing is left)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    ok = ~np.isnan(values) & (weights > 0)
    return float(np.average(values[ok], weights=weights[ok])) if ok.any() else float("nan")
