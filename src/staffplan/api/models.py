"""Request and response bodies of the HTTP API that the store and the plan feed do not define.

Plans are listed as :class:`staffplan.store.PlanRecord`, jobs as
:class:`staffplan.store.ScenarioJob`, and plan documents, roster shifts and recommendations are
the :mod:`staffplan.feed` models of ``plan.json``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from staffplan.scenarios import Scenario, parse_target
from staffplan.store import ID_PATTERN

__all__ = ["CoverageRow", "Health", "Message", "ScenarioRequest"]

QUEUE_PATTERN = r"^[\w.-]{1,128}$"


class Message(BaseModel):
    """An error, FastAPI style."""

    detail: str = Field(description="what went wrong, for a person")


class Health(BaseModel):
    """The server is up."""

    status: str = Field(description='always "ok"', examples=["ok"])
    version: str = Field(description="staffplan version")
    plans: int = Field(ge=0, description="plans and scenarios in the store")


def _check_target(text: str) -> str:
    parse_target(f"queue={text}")  # raises ValueError with a readable message
    return text.strip()


Target = Annotated[
    str,
    StringConstraints(pattern=r"^\s*\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*$", max_length=40),
    AfterValidator(_check_target),
]
QueueName = Annotated[str, StringConstraints(pattern=QUEUE_PATTERN)]


class ScenarioRequest(BaseModel):
    """A what-if on a stored plan: service-level targets, volume, handle time, shrinkage."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    plan_id: str = Field(pattern=ID_PATTERN, description="the stored plan to start from")
    name: str = Field(default="what-if", min_length=1, max_length=100, description="label")
    targets: dict[QueueName, Target] = Field(
        default_factory=dict,
        max_length=100,
        description='queue -> "PERCENT/SECONDS" service-level target, e.g. {"sales": "90/20"}',
        examples=[{"sales": "90/20"}],
    )
    volume_pct: float = Field(default=0.0, ge=-90, le=500, description="change of contacts, %")
    aht_pct: float = Field(default=0.0, ge=-90, le=500, description="change of handle time, %")
    shrinkage: float | None = Field(
        default=None, ge=0, le=0.95, description="replacement shrinkage (fraction), if any"
    )
    reschedule: bool = Field(default=False, description="re-run the schedule for the scenario")
    simulate: int = Field(
        default=0,
        ge=0,
        le=500,
        description="replications of a simulation of the scenario's roster under the scenario "
        "(0: none); its weekly service per queue joins the comparison",
    )

    def scenario(self) -> Scenario:
        """The :class:`staffplan.scenarios.Scenario` this request describes.

        Returns
        -------
        Scenario
        """
        targets = dict(parse_target(f"{queue}={text}") for queue, text in self.targets.items())
        return Scenario(
            name=self.name,
            targets=targets,
            volume_factor=1.0 + self.volume_pct / 100.0,
            aht_factor=1.0 + self.aht_pct / 100.0,
            shrinkage=self.shrinkage,
        )


class CoverageRow(BaseModel):
    """One interval of one queue from ``coverage.csv``; a measure that is undefined is null.

    Columns the plan did not compute (``sim_*`` without simulation, the ``*_hi`` measures
    without a forecast band) are left out.
    """

    model_config = ConfigDict(extra="allow")

    interval_start: dt.datetime = Field(description="local start, ISO 8601 with UTC offset")
    queue: str
    calls: float | None = Field(default=None, description="forecast contacts")
    required: float | None = Field(default=None, description="agents to schedule")
    scheduled: float | None = Field(default=None, description="agents the roster has at work")
    agents_on_contacts: float | None = None
    service_level: float | None = Field(default=None, description="expected service level")
    asa_s: float | None = Field(default=None, description="average speed of answer, seconds")
    occupancy: float | None = None
    abandon_rate: float | None = None
    service_level_hi: float | None = Field(default=None, description="at the upper band")
    abandon_rate_hi: float | None = None
    sim_offered: float | None = Field(default=None, description="simulated contacts")
    sim_service_level: float | None = None
    sim_service_level_lo: float | None = None
    sim_service_level_hi: float | None = None
    sim_asa_s: float | None = None
    sim_asa_s_lo: float | None = None
    sim_asa_s_hi: float | None = None
    sim_abandon_rate: float | None = None
    sim_abandon_rate_lo: float | None = None
    sim_abandon_rate_hi: float | None = None
