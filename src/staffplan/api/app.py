"""The FastAPI application: plans, scenario jobs, health, and the dashboard's static files."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, status
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from staffplan import __version__
from staffplan.api import plans, scenarios
from staffplan.api.deps import Store
from staffplan.api.jobs import JobRunner
from staffplan.api.models import Health
from staffplan.api.security import BodySizeLimit
from staffplan.store import PlanNotFound, PlanStore

__all__ = ["DEFAULT_MAX_BODY_BYTES", "STATIC_DIR", "create_app"]

logger = logging.getLogger("staffplan.api")

DEFAULT_MAX_BODY_BYTES = 64 * 1024
STATIC_DIR = Path(__file__).parent / "static"

DESCRIPTION = """\
Stored workforce plans of a contact centre, read as JSON: the plan document, the coverage per
interval and queue, the roster, the recommendations and the plan's files; what-if scenarios
computed in the background on a stored plan.

Reads are open. Writes (`POST /scenarios`, `DELETE /plans/{plan_id}`) need
`Authorization: Bearer <token>` with the token the server was started with; a server started
without a token refuses all writes. Errors are `{"detail": ...}`.
"""


def create_app(
    store: PlanStore,
    *,
    token: str | None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    run_jobs_inline: bool = False,
) -> FastAPI:
    """The HTTP API over a plan store.

    Parameters
    ----------
    store : PlanStore
        The plans served and where scenario plans are added.
    token : str or None
        The bearer token writes need; ``None`` disables every write (401).
    max_body_bytes : int
        Largest accepted request body (413 above).
    run_jobs_inline : bool
        Run scenario jobs inside ``POST /scenarios`` (tests) instead of the worker thread.

    Returns
    -------
    fastapi.FastAPI
        The application. Its lifespan marks jobs an earlier server left unfinished as failed
        on start, and on exit finishes the running job and fails the queued ones.
    """
    jobs = JobRunner(store, inline=run_jobs_inline)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stale = jobs.recover()
        if stale:
            logger.warning("marked %d unfinished scenario jobs as failed", len(stale))
        yield
        jobs.shutdown()

    app = FastAPI(
        title="staffplan",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # the Swagger and ReDoc pages load their scripts from a CDN
        redoc_url=None,
        openapi_tags=[
            {"name": "plans", "description": "Stored plans and their contents."},
            {"name": "scenarios", "description": "What-if jobs on stored plans."},
            {"name": "service", "description": "The server itself."},
        ],
    )
    app.state.store = store
    app.state.token = token
    app.state.jobs = jobs
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_exception_handler(PlanNotFound, _not_found)
    app.add_exception_handler(Exception, _server_error)
    app.add_api_route(
        "/health",
        health,
        methods=["GET"],
        response_model=Health,
        summary="Server health",
        tags=["service"],
    )
    app.include_router(plans.router)
    app.include_router(scenarios.router)
    app.add_api_route("/", dashboard, methods=["GET"], include_in_schema=False)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def health(store: Store) -> Health:
    """Whether the server is up, its version and how many plans the store holds."""
    return Health(status="ok", version=__version__, plans=store.count())


def dashboard() -> Response:
    """The dashboard page (``static/index.html``)."""
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        return JSONResponse({"detail": "the dashboard is not installed"}, status.HTTP_404_NOT_FOUND)
    return FileResponse(index)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status.HTTP_404_NOT_FOUND)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "internal server error"}, status.HTTP_500_INTERNAL_SERVER_ERROR)
