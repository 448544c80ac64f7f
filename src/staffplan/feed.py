"""``plan.json``: the dashboard feed, as pydantic models with a published JSON Schema.

The models are the contract with the dashboard; ``schemas/plan.schema.json`` in the repository
is generated from them (:func:`json_schema`) and every written plan is validated against it in
the tests. Bump :data:`SCHEMA_VERSION` on any change a reader would notice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "IntervalRow",
    "PlanDocument",
    "QueueSummary",
    "Recommendation",
    "RosterShift",
    "SolverReport",
    "build_plan_document",
    "config_digest",
    "json_schema",
]

SCHEMA_VERSION = "1.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueSummary(_Model):
    """One queue over the plan's horizon."""

    queue: str
    channel: Literal["voice", "chat", "email"]
    calls: float = Field(description="forecast contacts over the horizon")
    target_service_level: float = Field(ge=0, le=1)
    threshold_s: float | None = Field(description="service-level threshold, seconds")
    required_hours: float = Field(description="agent-hours to schedule (after shrinkage)")
    scheduled_hours: float = Field(description="agent-hours the roster has at work")
    expected_service_level: float | None = Field(
        ge=0, le=1, description="call-weighted expected service level of the roster"
    )
    expected_service_level_at_band: float | None = Field(
        default=None, ge=0, le=1, description="the same if the upper band of calls arrives"
    )
    simulated_service_level: float | None = Field(default=None, ge=0, le=1)
    asa_s: float | None = Field(default=None, description="average speed of answer, seconds")
    abandon_rate: float | None = Field(default=None, ge=0, le=1)
    occupancy: float | None = Field(default=None, ge=0, le=1)


class IntervalRow(_Model):
    """One interval of one queue: forecast, required and scheduled agents, expected service."""

    interval_start: dt.datetime
    queue: str
    calls: float
    calls_hi: float | None = None
    required: float = Field(ge=0, description="agents to schedule (after shrinkage)")
    scheduled: float = Field(ge=0, description="agents the roster has at work on the queue")
    service_level: float | None = Field(default=None, ge=0, le=1)
    asa_s: float | None = None
    abandon_rate: float | None = Field(default=None, ge=0, le=1)


class RosterShift(_Model):
    """One agent's shift on one day."""

    agent_id: str
    name: str | None = None
    team: str | None = None
    date: dt.date
    shift_start: dt.datetime
    shift_end: dt.datetime
    paid_hours: float = Field(ge=0)
    queues: list[str] = Field(description="queue priority order, first = highest")
    breaks: list[tuple[dt.datetime, dt.datetime, str]] = Field(
        default_factory=list, description="(start, end, activity) of breaks and lunches"
    )


class Recommendation(_Model):
    """An action for the planner, with its evidence."""

    kind: str = Field(description="e.g. understaffed, closed, overstaffed, deadline, shrinkage")
    queue: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    agents: int | None = Field(default=None, description="agents to add (+) or free (-)")
    message: str


class SolverReport(_Model):
    """What the scheduling solver reported."""

    solver: str
    status: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float | None = None


class PlanDocument(_Model):
    """The whole plan as the dashboard reads it."""

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    plan_id: str
    created_at: dt.datetime
    centre: str
    timezone: str | None
    interval_minutes: int
    horizon_start: dt.datetime
    horizon_end: dt.datetime
    config_digest: str = Field(description="sha256 of the plan configuration")
    scenario: dict | None = Field(default=None, description="what-if settings, if any")
    paid_hours: float | None = None
    cost: float | None = None
    solver: SolverReport | None = None
    queues: list[QueueSummary]
    intervals: list[IntervalRow]
    roster: list[RosterShift]
    recommendations: list[Recommendation]


def json_schema() -> dict:
    """The JSON Schema of ``plan.json`` (draft 2020-12, as pydantic writes it)."""
    schema = PlanDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://staffplan.dev/schemas/plan-{SCHEMA_VERSION}.json"
    return schema


def config_digest(config_json: dict) -> str:
    """A stable sha256 hex digest of a configuration mapping."""
    text = json.dumps(config_json, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _none(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def build_plan_document(
    *,
    plan_id: str,
    created_at: dt.datetime,
    config,
    coverage: pd.DataFrame,
    weekly: pd.DataFrame,
    roster: pd.DataFrame,
    activities: pd.DataFrame,
    agents: pd.DataFrame | None,
    recommendations: list[Recommendation],
    solver: SolverReport | None,
    scenario: dict | None = None,
) -> PlanDocument:
    """Assemble ``plan.json`` from the evaluated coverage, the weekly service and the roster."""
    hours = config.center.interval_minutes / 60.0
    step = pd.Timedelta(minutes=config.center.interval_minutes)
    weekly = weekly.set_index("queue")
    queues = []
    for queue in config.queues:
        if queue.name not in weekly.index:
            continue
        part = coverage[coverage["queue"] == queue.name]
        row = weekly.loc[queue.name]
        queues.append(
            QueueSummary(
                queue=queue.name,
                channel=queue.channel,
                calls=float(part["calls"].sum()),
                target_service_level=queue.service_level,
                threshold_s=queue.threshold_s
                if queue.channel != "email"
                else queue.deadline_h * 3600.0,
                required_hours=float(part["required"].sum() * hours),
                scheduled_hours=float(part["scheduled"].sum() * hours),
                expected_service_level=_none(row.get("service_level")),
                expected_service_level_at_band=_none(row.get("service_level_hi")),
                simulated_service_level=_none(row.get("sim_service_level")),
                asa_s=_none(row.get("asa_s")),
                abandon_rate=_none(row.get("abandon_rate")),
                occupancy=_none(row.get("occupancy")),
            )
        )
    intervals = [
        IntervalRow(
            interval_start=r.interval_start.to_pydatetime(),
            queue=r.queue,
            calls=float(r.calls),
            calls_hi=_none(getattr(r, "calls_hi", None)),
            required=float(r.required),
            scheduled=float(r.scheduled),
            service_level=_none(r.service_level),
            asa_s=None if pd.isna(r.asa_s) or np.isinf(r.asa_s) else float(r.asa_s),
            abandon_rate=_none(r.abandon_rate),
        )
        for r in coverage.itertuples(index=False)
    ]
    shifts = _shifts(roster, activities, agents)
    starts = coverage["interval_start"]
    paid = float(roster["paid_hours"].sum()) if len(roster) else 0.0
    cost = None
    if agents is not None and len(roster):
        rate = roster["agent_id"].map(agents.set_index("agent_id")["cost_per_hour"])
        cost = float((roster["paid_hours"] * rate.fillna(0.0)).sum())
    return PlanDocument(
        plan_id=plan_id,
        created_at=created_at,
        centre=config.center.name,
        timezone=config.center.timezone,
        interval_minutes=config.center.interval_minutes,
        horizon_start=starts.min().to_pydatetime(),
        horizon_end=(starts.max() + step).to_pydatetime(),
        config_digest=config_digest(config.model_dump(mode="json")),
        scenario=scenario,
        paid_hours=paid,
        cost=cost,
        solver=solver,
        queues=queues,
        intervals=intervals,
        roster=shifts,
        recommendations=recommendations,
    )


def _shifts(roster: pd.DataFrame, activities: pd.DataFrame, agents) -> list[RosterShift]:
    names = agents.set_index("agent_id") if agents is not None else None
    pauses: dict[tuple[str, object], list] = {}
    for row in activities[activities["activity"] != "work"].itertuples(index=False):
        key = (str(row.agent_id), row.start.date())
        pauses.setdefault(key, []).append(
            (row.start.to_pydatetime(), row.end.to_pydatetime(), str(row.activity))
        )
    shifts = []
    for row in roster.itertuples(index=False):
        start = pd.Timestamp(row.shift_start)
        person = (
            names.loc[row.agent_id] if names is not None and row.agent_id in names.index else None
        )
        shifts.append(
            RosterShift(
                agent_id=str(row.agent_id),
                name=None if person is None else str(person["name"]),
                team=None if person is None else str(person["team"]),
                date=start.date(),
                shift_start=start.to_pydatetime(),
                shift_end=pd.Timestamp(row.shift_end).to_pydatetime(),
                paid_hours=float(row.paid_hours),
                queues=[q for q in str(row.queues).split(">") if q and q != "<NA>"],
                breaks=pauses.get((str(row.agent_id), start.date()), []),
            )
        )
    return shifts


if __name__ == "__main__":  # regenerate schemas/plan.schema.json
    print(json.dumps(json_schema(), indent=2, sort_keys=True))
