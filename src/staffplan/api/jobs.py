"""Scenario jobs: run a what-if on a stored plan and store the scenario plan it writes.

Jobs run one at a time in a single worker thread owned by the application (a what-if is CPU
bound; the HTTP server keeps answering reads meanwhile), or inline for tests. Every job ends
"done" with the stored scenario's id or "failed" with a readable reason; jobs that a stopped
server left "queued" or "running" are marked failed when the next server starts.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from staffplan.api.models import ScenarioRequest
from staffplan.store import PlanStore, ScenarioJob

__all__ = ["JobRunner"]

logger = logging.getLogger("staffplan.api")

STOPPED = "the server stopped before the job ran; submit it again"
INTERRUPTED = "the server stopped while the job was queued or running; submit it again"


class JobRunner:
    """Runs scenario jobs against a store.

    Parameters
    ----------
    store : PlanStore
        Where base plans are read and scenario plans are added; it records the jobs.
    inline : bool
        Run each job in :meth:`submit` itself (for tests) instead of the worker thread.
    """

    def __init__(self, store: PlanStore, *, inline: bool = False):
        self.store = store
        self.inline = inline
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, job: ScenarioJob, request: ScenarioRequest) -> ScenarioJob:
        """Start a recorded, queued job.

        Parameters
        ----------
        job : ScenarioJob
            The job as :meth:`PlanStore.create_job` recorded it.
        request : ScenarioRequest
            What to compute.

        Returns
        -------
        ScenarioJob
            The job now: still queued, or finished when inline.
        """
        if self.inline:
            self.run(job.id, request)
            return self.store.get_job(job.id)
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="staffplan-whatif"
                )
            future = self._executor.submit(self.run, job.id, request)
        future.add_done_callback(lambda done: self._cancelled(done, job.id))
        return job

    def run(self, job_id: str, request: ScenarioRequest) -> None:
        """Compute one job and record its outcome (never raises for a failed what-if).

        Parameters
        ----------
        job_id : str
        request : ScenarioRequest
        """
        from staffplan.whatif import run_whatif  # heavy; imported when first needed

        self.store.update_job(job_id, status="running")
        try:
            with tempfile.TemporaryDirectory(prefix="staffplan-whatif-") as temp:
                out_dir = Path(temp) / "scenario"
                run_whatif(
                    self.store.folder(request.plan_id),
                    request.scenario(),
                    out_dir=out_dir,
                    reschedule=request.reschedule,
                    simulate=request.simulate,
                )
                record = self.store.add(
                    out_dir, kind="scenario", parent_id=request.plan_id, name=request.name
                )
        except Exception as exc:
            logger.warning("scenario job %s failed", job_id, exc_info=True)
            self.store.update_job(job_id, status="failed", error=_describe(exc))
            return
        self.store.update_job(job_id, status="done", result_plan_id=record.id)

    def recover(self) -> list[str]:
        """Mark jobs left unfinished by an earlier server as failed.

        Call it once when the server starts, before jobs are submitted (one server per store).

        Returns
        -------
        list of str
            The ids of the jobs marked failed.
        """
        stale = [j.id for j in self.store.list_jobs() if j.status in ("queued", "running")]
        for job_id in stale:
            self._fail_quietly(job_id, INTERRUPTED)
        return stale

    def shutdown(self) -> None:
        """Finish the running job, mark queued ones failed and stop the worker thread."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _cancelled(self, future: Future, job_id: str) -> None:
        if future.cancelled():
            self._fail_quietly(job_id, STOPPED)
        elif future.exception() is not None:  # the store itself failed: nothing to record in
            logger.error("scenario job %s crashed", job_id, exc_info=future.exception())

    def _fail_quietly(self, job_id: str, reason: str) -> None:
        with contextlib.suppress(KeyError, ValueError):  # gone, or finished meanwhile
            self.store.update_job(job_id, status="failed", error=reason)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValueError):  # InputError and the what-if's own refusals read well
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
