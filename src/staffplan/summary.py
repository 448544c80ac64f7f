"""Plain summaries of validated inputs, as planners read them (no I/O, no printing)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.schema import parse_skills
from staffplan.schema.history import public_holidays

__all__ = ["HistorySummary", "QueueSummary", "summarize_agents", "summarize_history"]


@dataclass(frozen=True)
class QueueSummary:
    """Totals of one queue over the history.

    ``service_level`` is answered within the threshold over offered (abandoned contacts count
    as failures), a fraction; ``aht_s`` is the handled-weighted mean handle time in seconds.
    """

    queue: str
    channel: str
    intervals: int
    days: int
    offered: int
    handled: int
    abandoned: int
    abandon_rate: float
    aht_s: float
    service_level: float | None
    target_service_level: float


@dataclass(frozen=True)
class HistorySummary:
    """What a history holds: span, interval length (minutes), per-queue totals, gaps."""

    first_interval: str
    last_interval: str
    days: int
    interval_minutes: int
    rows: int
    gaps: int
    queues: list[QueueSummary]
    holidays: list[str]

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def summarize_history(history: pd.DataFrame, config: PlanConfig, gaps: int = 0) -> HistorySummary:
    """Summarise a validated history frame (see :func:`staffplan.schema.validate_history`)."""
    local_day = history["interval_start"].dt.tz_localize(None).dt.normalize()
    queues = []
    for queue in config.queue_names:
        mask = (history["queue"] == queue).to_numpy()
        rows = history[mask]
        offered, handled = int(rows["offered"].sum()), int(rows["handled"].sum())
        abandoned = int(rows["abandoned"].sum())
        in_sl = int(rows["answered_in_sl"].sum()) if "answered_in_sl" in rows else None
        queues.append(
            QueueSummary(
                queue=queue,
                channel=config.queue(queue).channel,
                intervals=int(mask.sum()),
                days=int(local_day[mask].nunique()),
                offered=offered,
                handled=handled,
                abandoned=abandoned,
                abandon_rate=abandoned / offered if offered else 0.0,
                aht_s=float(np.average(rows["aht_s"], weights=rows["handled"])) if handled else 0.0,
                service_level=(in_sl / offered if offered else None) if in_sl is not None else None,
                target_service_level=config.queue(queue).service_level,
            )
        )
    return HistorySummary(
        first_interval=history["interval_start"].min().isoformat(),
        last_interval=history["interval_start"].max().isoformat(),
        days=int(local_day.nunique()),
        interval_minutes=config.center.interval_minutes,
        rows=len(history),
        gaps=gaps,
        queues=queues,
        holidays=_holidays_seen(history, config, local_day),
    )


def _holidays_seen(history: pd.DataFrame, config: PlanConfig, local_day: pd.Series) -> list[str]:
    """Public holidays in the span, each with the queues that had no rows (closed) that day."""
    days = local_day.dt.date
    notes = []
    for day, name in public_holidays(config, days.min(), days.max()).items():
        open_queues = set(history.loc[(days == day).to_numpy(), "queue"])
        closed = [q for q in config.queue_names if q not in open_queues]
        state = f"closed: {', '.join(closed)}" if closed else "open"
        notes.append(f"{day:%a %Y-%m-%d} {name} ({state})")
    return notes


def summarize_agents(agents: pd.DataFrame, config: PlanConfig) -> dict:
    """Headcount, teams, contract hours and skilled agents per queue (primary skill count)."""
    skills = agents["skills"].map(parse_skills)
    per_queue = {
        q: {
            "skilled": int(skills.map(lambda s, q=q: q in s).sum()),
            "primary": int(skills.map(lambda s, q=q: s.get(q) == min(s.values())).sum()),
        }
        for q in config.queue_names
    }
    return {
        "agents": len(agents),
        "teams": int(agents["team"].nunique()),
        "min_hours_week": float(agents["min_hours_week"].sum()),
        "max_hours_week": float(agents["max_hours_week"].sum()),
        "queues": per_queue,
    }
