"""Read and delete stored plans: ``/plans`` and everything under ``/plans/{plan_id}``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from fastapi.responses import FileResponse

from staffplan.api.deps import PlanId, Store
from staffplan.api.models import CoverageRow, Message
from staffplan.api.security import require_token
from staffplan.api.tables import read_document, read_rows, roster_json, rows_json
from staffplan.feed import PlanDocument, Recommendation, RosterShift
from staffplan.store import ID_PATTERN, PlanRecord

__all__ = ["router"]

router = APIRouter(tags=["plans"])

NOT_FOUND = {404: {"model": Message, "description": "No such plan (or file, or job)."}}
WRITE = {
    401: {"model": Message, "description": "Missing or wrong bearer token, or no token set."},
    413: {"model": Message, "description": "Request body over the server's cap."},
}
#: headers of served plan files: never sniffed, and pages run sandboxed (no scripts, own origin)
FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


def _json(content: bytes) -> Response:
    """Already serialised (and validated) JSON: FastAPI passes a Response through as it is."""
    return Response(content=content, media_type="application/json")


Day = Annotated[dt.date | None, Query(description="local day, YYYY-MM-DD")]


@router.get("/plans", summary="List stored plans", response_model=list[PlanRecord])
def list_plans(
    store: Store,
    kind: Annotated[
        Literal["plan", "scenario"] | None, Query(description="only plans of this kind")
    ] = None,
) -> list[PlanRecord]:
    """Stored plans and scenarios, newest first, with their per-queue summary and files."""
    return store.list(kind=kind)


@router.get(
    "/plans/{plan_id}",
    summary="A plan's plan.json",
    response_model=PlanDocument,
    responses=NOT_FOUND,
)
def get_plan(plan_id: PlanId, store: Store) -> Response:
    """The whole plan document (``plan.json``, schema ``schemas/plan.schema.json``)."""
    return FileResponse(store.file(plan_id, "plan.json"), media_type="application/json")


@router.get(
    "/plans/{plan_id}/coverage",
    summary="Forecast, required and scheduled agents and expected service per interval",
    response_model=list[CoverageRow],
    responses=NOT_FOUND,
)
def get_coverage(
    plan_id: PlanId,
    store: Store,
    queue: Annotated[str | None, Query(max_length=128, description="only this queue")] = None,
    date: Day = None,
) -> Response:
    """The rows of ``coverage.csv``: per interval and queue; undefined measures are null."""
    path = store.file(plan_id, "coverage.csv")
    return _json(rows_json(path, CoverageRow, queue=queue, date=date))


@router.get(
    "/plans/{plan_id}/roster",
    summary="Shifts of the roster",
    response_model=list[RosterShift],
    responses=NOT_FOUND,
)
def get_roster(
    plan_id: PlanId,
    store: Store,
    agent: Annotated[str | None, Query(max_length=128, description="only this agent_id")] = None,
    team: Annotated[str | None, Query(max_length=128, description="only this team")] = None,
    date: Day = None,
) -> Response:
    """Each agent's shift per day with breaks and queue priorities (from ``plan.json``)."""
    path = store.file(plan_id, "plan.json")
    return _json(roster_json(path, agent=agent, team=team, date=date))


@router.get(
    "/plans/{plan_id}/recommendations",
    summary="Actions for the planner",
    response_model=list[Recommendation],
    responses=NOT_FOUND,
)
def get_recommendations(plan_id: PlanId, store: Store) -> list[Recommendation]:
    """The plan's recommendations with their evidence (from ``plan.json``)."""
    return read_document(store.file(plan_id, "plan.json")).recommendations


@router.get(
    "/plans/{plan_id}/comparison",
    summary="Scenario against its base plan, per queue",
    response_model=list[dict[str, float | str | None]],
    responses=NOT_FOUND,
)
def get_comparison(plan_id: PlanId, store: Store) -> list[dict[str, object]]:
    """The rows of a scenario plan's ``comparison.csv``; 404 for plans that are no scenario."""
    if "comparison.csv" not in store.get(plan_id).files:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"plan {plan_id!r} is not a scenario: it has no comparison"
        )
    return read_rows(store.file(plan_id, "comparison.csv"))


@router.get(
    "/plans/{plan_id}/files/{name}",
    summary="One stored file of a plan",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file (report.html, roster.csv, roster.ics, report_*.png, ...).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        **NOT_FOUND,
    },
)
def get_file(
    plan_id: PlanId,
    name: Annotated[
        str,
        Path(pattern=ID_PATTERN, max_length=128, description="a name listed in the plan's files"),
    ],
    store: Store,
) -> FileResponse:
    """A file of the plan folder, by a name its record lists; nothing else is served."""
    return FileResponse(store.file(plan_id, name), headers=FILE_HEADERS)


@router.delete(
    "/plans/{plan_id}",
    summary="Delete a plan",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    dependencies=[Depends(require_token)],
    responses={**WRITE, **NOT_FOUND},
)
def delete_plan(plan_id: PlanId, store: Store) -> Response:
    """Remove a stored plan and its files (needs the bearer token)."""
    store.delete(plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
