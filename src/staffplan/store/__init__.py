"""The plan store: written plan folders kept under one root and listed by a catalog database.

``ROOT/catalog.sqlite`` (or any SQLAlchemy URL) lists the plans and the scenario jobs;
``ROOT/plans/<plan_id>/`` holds each plan's files. See :class:`PlanStore`.
"""

from staffplan.store.records import (
    ID_PATTERN,
    JobNotFound,
    PlanNotFound,
    PlanRecord,
    QueueBrief,
    ScenarioJob,
    is_valid_id,
)
from staffplan.store.store import PlanStore

__all__ = [
    "ID_PATTERN",
    "JobNotFound",
    "PlanNotFound",
    "PlanRecord",
    "PlanStore",
    "QueueBrief",
    "ScenarioJob",
    "is_valid_id",
]
