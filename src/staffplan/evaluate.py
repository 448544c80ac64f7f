"""The evaluate stage: the service a roster gives, interval by interval and over the week.

The schedule's coverage counts agents at work per queue (after breaks and the multi-skill
allocation), grossed up for shrinkage like ``agents_scheduled``. The agents expected on
contacts are those times ``1 - center.shrinkage``, rounded to the nearest whole agent; the
requirements stage's Erlang models then give the expected service level, ASA, occupancy and
abandonment, for the forecast and for its upper band (``calls_hi``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.requirements import evaluate

__all__ = ["agents_on_contacts", "evaluate_coverage", "weekly_service", "weighted_mean"]


def evaluate_coverage(
    coverage: pd.DataFrame, forecast: pd.DataFrame, config: PlanConfig
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
    expected = evaluate(staffing, frame, config)
    key = ["interval_start", "queue"]
    measures = ["service_level", "asa_s", "occupancy", "abandon_rate"]
    frame = frame.merge(expected[key + measures], on=key, how="left")
    if "calls_hi" in frame:
        upper = evaluate(staffing, frame.assign(calls=frame["calls_hi"]), config)
        upper = upper[[*key, "service_level", "abandon_rate"]].rename(
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
        *measures,
        *[c for c in ("service_level_hi", "abandon_rate_hi") if c in frame],
    ]
    return frame[columns].sort_values(key[::-1]).reset_index(drop=True)


def weekly_service(coverage: pd.DataFrame, config: PlanConfig) -> pd.DataFrame:
    """Per queue, call-weighted over the horizon: expected service level (also at the upper
    band), ASA, abandonment and occupancy, next to the target."""
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
