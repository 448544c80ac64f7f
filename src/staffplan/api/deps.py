"""Shared FastAPI dependencies and path parameters of the HTTP API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from staffplan.api.jobs import JobRunner
from staffplan.store import ID_PATTERN, PlanStore

__all__ = ["JobId", "Jobs", "PlanId", "Store"]


def get_store(request: Request) -> PlanStore:
    """The application's :class:`~staffplan.store.PlanStore`."""
    return request.app.state.store


def get_jobs(request: Request) -> JobRunner:
    """The application's :class:`~staffplan.api.jobs.JobRunner`."""
    return request.app.state.jobs


Store = Annotated[PlanStore, Depends(get_store)]
Jobs = Annotated[JobRunner, Depends(get_jobs)]
PlanId = Annotated[
    str,
    Path(pattern=ID_PATTERN, max_length=128, description="a stored plan's id"),
]
JobId = Annotated[
    str,
    Path(pattern=ID_PATTERN, max_length=128, description="a scenario job's id"),
]
