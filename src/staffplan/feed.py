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

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "IntervalRow",
    "PlanDocument",
    "QueueSummary",
    "Recommendation",
    "RosterShift",
    "SolverReport",
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
    required_hours: float = Field(description="agent-hours on contacts the forecast needs")
    scheduled_hours: float = Field(description="agent-hours on contacts the roster gives")
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
    required: int = Field(ge=0, description="agents on contacts needed")
    scheduled: float = Field(ge=0, description="agents on contacts the roster gives")
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

    kind: str = Field(description="e.g. understaffed, overstaffed, deadline, shrinkage")
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


if __name__ == "__main__":  # regenerate schemas/plan.schema.json
    print(json.dumps(json_schema(), indent=2, sort_keys=True))
