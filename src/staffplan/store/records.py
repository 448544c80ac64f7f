"""What the plan store hands out: plan records, scenario jobs, and the id rule.

These models are part of the serving contract (the HTTP API lists them as they are), so they
carry only JSON-serialisable fields.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ID_PATTERN",
    "JOB_STATUSES",
    "KINDS",
    "JobNotFound",
    "PlanNotFound",
    "PlanRecord",
    "QueueBrief",
    "ScenarioJob",
    "is_valid_id",
]

#: A plan or job id: a file name that cannot leave its folder. Ids containing ``..`` are
#: refused as well, whatever this pattern says.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
_ID = re.compile(ID_PATTERN)

KINDS = ("plan", "scenario")
JOB_STATUSES = ("queued", "running", "done", "failed")


def is_valid_id(value: object) -> bool:
    """Whether ``value`` is an acceptable plan or job id (see :data:`ID_PATTERN`).

    Parameters
    ----------
    value : object
        The candidate; anything but a ``str`` is invalid.

    Returns
    -------
    bool
        True when ``value`` matches :data:`ID_PATTERN` as a whole (a trailing newline does not
        slip through) and does not contain ``..``.
    """
    return isinstance(value, str) and _ID.fullmatch(value) is not None and ".." not in value


class PlanNotFound(KeyError):
    """No plan (or file of a plan) by that id or name; also raised for invalid ids.

    Parameters
    ----------
    message : str
        What was looked for and where.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class JobNotFound(PlanNotFound):
    """No scenario job by that id (a :class:`PlanNotFound`, so one handler serves both)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueBrief(_Model):
    """One queue of a stored plan, as the plan list shows it."""

    queue: str
    channel: str
    target_service_level: float
    expected_service_level: float | None
    scheduled_hours: float


class PlanRecord(_Model):
    """One stored plan: its summary, taken from its ``plan.json``, and its file names."""

    id: str
    kind: Literal["plan", "scenario"]
    name: str | None
    parent_id: str | None
    created_at: dt.datetime
    centre: str
    horizon_start: dt.datetime
    horizon_end: dt.datetime
    config_digest: str
    paid_hours: float | None
    cost: float | None
    queues: list[QueueBrief]
    files: list[str]


class ScenarioJob(_Model):
    """A what-if computation requested on a stored plan, and where it stands."""

    id: str
    base_plan_id: str
    status: Literal["queued", "running", "done", "failed"]
    request: dict
    result_plan_id: str | None
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
