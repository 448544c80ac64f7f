"""What-if jobs: ``POST /scenarios`` starts one, ``GET /scenarios[/{job_id}]`` follows them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from fastapi.exceptions import RequestValidationError

from staffplan.api.deps import JobId, Jobs, Store
from staffplan.api.models import Message, ScenarioRequest
from staffplan.api.plans import NOT_FOUND, WRITE
from staffplan.api.security import require_token
from staffplan.store import ScenarioJob

__all__ = ["router"]

router = APIRouter(tags=["scenarios"])


@router.post(
    "/scenarios",
    summary="Start a what-if on a stored plan",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ScenarioJob,
    dependencies=[Depends(require_token)],
    responses={
        400: {"model": Message, "description": "The body cannot be read (not UTF-8 text)."},
        **WRITE,
        **NOT_FOUND,
    },
)
def create_scenario(
    body: ScenarioRequest, store: Store, jobs: Jobs, response: Response
) -> ScenarioJob:
    """Queue a scenario job (needs the bearer token); poll ``GET /scenarios/{job_id}``.

    When it is done, ``result_plan_id`` is the stored scenario plan (its ``/comparison`` sets
    it against the base plan); a failed job carries the reason in ``error``.
    """
    record = store.get(body.plan_id)
    known = [q.queue for q in record.queues]
    unknown = sorted(set(body.targets) - set(known))
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", "targets", queue),
                    "msg": f"unknown queue {queue!r}: plan {body.plan_id!r} has "
                    + ", ".join(known),
                    "input": queue,
                }
                for queue in unknown
            ]
        )
    job = store.create_job(body.plan_id, body.model_dump(mode="json"))
    job = jobs.submit(job, body)
    response.headers["Location"] = f"/scenarios/{job.id}"
    return job


@router.get("/scenarios", summary="List scenario jobs", response_model=list[ScenarioJob])
def list_scenarios(store: Store) -> list[ScenarioJob]:
    """Every scenario job, newest first."""
    return store.list_jobs()


@router.get(
    "/scenarios/{job_id}",
    summary="One scenario job",
    response_model=ScenarioJob,
    responses=NOT_FOUND,
)
def get_scenario(job_id: JobId, store: Store) -> ScenarioJob:
    """Where a scenario job stands: queued, running, done (with the plan) or failed (why)."""
    return store.get_job(job_id)
