"""``PlanStore``: written plan folders kept under one root, listed by a catalog database.

Invariant: the catalog lists a plan only while its folder is complete. An add copies the files
into a temp folder, fsyncs them, renames the folder into ``ROOT/plans/<id>`` and only then
commits the catalog row; a delete commits the removal of the row first and then removes the
folder (by a rename into a trash folder). A crash at any instant leaves, besides complete
catalogued plans, only temp or trash folders and uncatalogued plan folders, which no listing
shows and :meth:`PlanStore.sweep` removes when a store opens.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from staffplan.errors import InputError, Problem
from staffplan.feed import PlanDocument
from staffplan.store import folders
from staffplan.store.catalog import catalog_label, open_engine, plans, scenario_jobs, utc_key
from staffplan.store.records import (
    JOB_STATUSES,
    KINDS,
    JobNotFound,
    PlanNotFound,
    PlanRecord,
    QueueBrief,
    ScenarioJob,
    is_valid_id,
)

__all__ = ["CATALOG_NAME", "PlanStore"]

CATALOG_NAME = "catalog.sqlite"
PLAN_FILE = "plan.json"
_FINISHED = ("done", "failed")


class PlanStore:
    """Plan folders under ``root`` and their catalog; safe across threads and processes.

    Parameters
    ----------
    root : str or Path
        The store's folder (created if missing). Plan files live in ``root/plans/<id>/``.
    url : str, optional
        SQLAlchemy URL of the catalog; default ``sqlite:///<root>/catalog.sqlite``.

    Notes
    -----
    The first open records which catalog lists the root's plans (``ROOT/.catalog``); opening
    the root with another catalog raises ValueError. Opening a store sweeps away what crashed
    writers left behind (see :meth:`sweep`). Plan and job ids that do not match
    :data:`~staffplan.store.records.ID_PATTERN`, or contain ``..``, are never found, and never
    reach the file system.
    """

    def __init__(self, root: str | Path, *, url: str | None = None):
        self.root = Path(root).expanduser().resolve()
        self.plans_dir = self.root / "plans"
        self.plans_dir.mkdir(parents=True, exist_ok=True)
        self.url = url or f"sqlite:///{self.root / CATALOG_NAME}"
        label = catalog_label(self.url, self.root / CATALOG_NAME)
        recorded = folders.claim(self.root, label)
        if recorded != label:
            raise ValueError(
                f"the plan store {self.root} is catalogued in {recorded!r}, not {label!r}; "
                "open it with that catalog (a store opened with another catalog would lose "
                "its plans)"
            )
        self._engine, self._writer = open_engine(self.url)
        self.sweep()

    def __repr__(self) -> str:
        return f"PlanStore({str(self.root)!r})"

    def __enter__(self) -> PlanStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the catalog's connections (the store may still be used; they reopen)."""
        self._engine.dispose()

    # ------------------------------------------------------------------ plans

    def add(
        self,
        source_dir: str | Path,
        *,
        kind: str = "plan",
        parent_id: str | None = None,
        name: str | None = None,
    ) -> PlanRecord:
        """Copy a written plan folder into the store and catalogue it, atomically.

        Parameters
        ----------
        source_dir : str or Path
            A plan folder; its ``plan.json`` (a :class:`staffplan.feed.PlanDocument`) gives the
            id and the summary. Its regular top-level files are copied; sub-folders, links and
            hidden files are not.
        kind : {"plan", "scenario"}
            What the folder is.
        parent_id : str, optional
            The plan a scenario derives from; default the ``base_plan_id`` of a scenario's
            ``plan.json``.
        name : str, optional
            A label; default the scenario's name for scenarios.

        Returns
        -------
        PlanRecord
            The stored plan.

        Raises
        ------
        InputError
            (a ValueError) When the folder or its ``plan.json`` is missing or invalid, or the
            plan id is not acceptable; the problem names the file.
        ValueError
            When ``kind`` or ``parent_id`` is invalid, or the store already has this id.
        """
        source = Path(source_dir)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if parent_id is not None and not is_valid_id(parent_id):
            raise ValueError(f"invalid parent plan id {parent_id!r}")
        document = _read_document(source)  # fail early, before copying anything
        plan_id = document.plan_id
        self._refuse_duplicate(plan_id)
        final = self.plans_dir / plan_id
        if final.exists():  # uncatalogued: a crashed writer's, or one being added right now
            self.sweep()
        with folders.locked(self.root):
            temp = folders.new_temp_dir(self.root)
            try:
                files = folders.copy_plan_files(source, temp)
                stored = _read_document(temp, shown_as=source)  # what is kept is what counts
                if stored.plan_id != plan_id:
                    raise InputError(
                        Problem(
                            "plan.json changed while it was being stored",
                            file=str(source / PLAN_FILE),
                            fix="add the plan again once it is written",
                        )
                    )
                record = _record(stored, kind=kind, parent_id=parent_id, name=name, files=files)
                try:
                    folders.publish(temp, final)
                except FileExistsError:
                    raise ValueError(_duplicate_message(plan_id)) from None
            except BaseException:
                folders.discard(temp, self.root)
                raise
            self._insert_plan(record, final)
        return record

    def _refuse_duplicate(self, plan_id: str) -> None:
        with self._engine.connect() as conn:
            found = conn.execute(select(plans.c.id).where(plans.c.id == plan_id)).first()
        if found is not None:
            raise ValueError(_duplicate_message(plan_id))

    def _insert_plan(self, record: PlanRecord, final: Path) -> None:
        values = record.model_dump(mode="json") | {
            "created_at": record.created_at,
            "horizon_start": record.horizon_start,
            "horizon_end": record.horizon_end,
            "created_utc": utc_key(record.created_at),
            "added_at": dt.datetime.now(dt.UTC),
        }
        try:
            with self._writer.begin() as conn:
                conn.execute(insert(plans).values(**values))
        except IntegrityError:
            folders.discard(final, self.root)  # the row is not ours: this folder is
            raise ValueError(_duplicate_message(record.id)) from None
        except BaseException:
            # Remove the folder only when sure the row is absent; if in doubt, keep it: a
            # row must never point at a missing folder, and a sweep removes orphans later.
            if not self._has_plan_row(record.id):
                folders.discard(final, self.root)
            raise

    def _has_plan_row(self, plan_id: str) -> bool:
        try:
            with self._engine.connect() as conn:
                row = conn.execute(select(plans.c.id).where(plans.c.id == plan_id)).first()
        except Exception:
            return True
        return row is not None

    def list(self, *, kind: str | None = None) -> list[PlanRecord]:
        """The stored plans, newest (by ``created_at``) first.

        Parameters
        ----------
        kind : {"plan", "scenario"}, optional
            Only plans of this kind.

        Raises
        ------
        ValueError
            When ``kind`` is not one of the kinds.
        """
        query = select(plans).order_by(plans.c.created_utc.desc(), plans.c.id.desc())
        if kind is not None:
            if kind not in KINDS:
                raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
            query = query.where(plans.c.kind == kind)
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_plan_from_row(row) for row in rows]

    def count(self, *, kind: str | None = None) -> int:
        """How many plans (of ``kind``, when given) the store holds."""
        query = select(func.count()).select_from(plans)
        if kind is not None:
            query = query.where(plans.c.kind == kind)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def get(self, plan_id: str) -> PlanRecord:
        """The record of one plan.

        Raises
        ------
        PlanNotFound
            When the id is unknown or invalid.
        """
        _check_id(plan_id)
        with self._engine.connect() as conn:
            row = conn.execute(select(plans).where(plans.c.id == plan_id)).mappings().first()
        if row is None:
            raise PlanNotFound(f"no plan {plan_id!r} in the store")
        return _plan_from_row(row)

    def folder(self, plan_id: str) -> Path:
        """The folder holding a plan's files (read it; never write into it).

        Raises
        ------
        PlanNotFound
            When the id is unknown or invalid.
        """
        self.get(plan_id)
        return self.plans_dir / plan_id

    def document(self, plan_id: str) -> dict[str, Any]:
        """A plan's ``plan.json``, parsed.

        Raises
        ------
        PlanNotFound
            When the id is unknown or invalid (or the plan was deleted meanwhile).
        """
        path = self.file(plan_id, PLAN_FILE)
        try:
            return json.loads(path.read_bytes())
        except FileNotFoundError:
            raise PlanNotFound(f"no plan {plan_id!r} in the store") from None

    def file(self, plan_id: str, name: str) -> Path:
        """The path of one of a plan's files.

        Parameters
        ----------
        plan_id : str
            The plan.
        name : str
            A file name listed in the plan's ``files``; nothing else (a path, ``..``, an
            unknown name) is served.

        Raises
        ------
        PlanNotFound
            When the plan or the file is not in the store.
        """
        record = self.get(plan_id)
        if not isinstance(name, str) or name not in record.files:
            raise PlanNotFound(f"plan {plan_id!r} has no file {name!r}")
        folder = (self.plans_dir / plan_id).resolve()
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            raise PlanNotFound(f"plan {plan_id!r} has no file {name!r}")
        return path

    def delete(self, plan_id: str) -> None:
        """Remove a plan: its catalog row first, then its folder.

        Scenario jobs that refer to it are kept (they are history).

        Raises
        ------
        PlanNotFound
            When the id is unknown or invalid.
        """
        _check_id(plan_id)
        with folders.locked(self.root):
            with self._writer.begin() as conn:
                gone = conn.execute(delete(plans).where(plans.c.id == plan_id)).rowcount
            if not gone:
                raise PlanNotFound(f"no plan {plan_id!r} in the store")
            folders.discard(self.plans_dir / plan_id, self.root)

    def sweep(self) -> list[str]:
        """Remove what interrupted writers left: temp and trash folders, uncatalogued folders.

        Skipped (returns ``[]``) while another thread or process is adding or deleting; a
        later open sweeps instead.

        Returns
        -------
        list of str
            The removed entries, relative to the root.
        """
        return folders.sweep(self.root, self.plans_dir, self._catalogued_ids)

    def _catalogued_ids(self) -> list[str]:
        with self._engine.connect() as conn:
            return list(conn.execute(select(plans.c.id)).scalars())

    # ------------------------------------------------------------------ scenario jobs

    def create_job(self, base_plan_id: str, request: dict) -> ScenarioJob:
        """Record a queued what-if job on a stored plan.

        Parameters
        ----------
        base_plan_id : str
            The stored plan the scenario starts from.
        request : dict
            The request as received (JSON-serialisable).

        Raises
        ------
        PlanNotFound
            When the base plan is not in the store.
        ValueError
            When ``request`` is not a JSON-serialisable mapping.
        """
        self.get(base_plan_id)
        if not isinstance(request, dict):
            raise ValueError("a job request must be a dict")
        try:
            request = json.loads(json.dumps(request, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a job request must be JSON-serialisable: {exc}") from None
        job = ScenarioJob(
            id=f"job-{uuid.uuid4().hex[:12]}",
            base_plan_id=base_plan_id,
            status="queued",
            request=request,
            result_plan_id=None,
            error=None,
            created_at=dt.datetime.now(dt.UTC),
            finished_at=None,
        )
        with self._writer.begin() as conn:
            conn.execute(
                insert(scenario_jobs).values(
                    **job.model_dump(), created_utc=utc_key(job.created_at)
                )
            )
        return job

    def update_job(
        self,
        job_id: str,
        *,
        status: str,
        result_plan_id: str | None = None,
        error: str | None = None,
    ) -> ScenarioJob:
        """Move a job to ``status``; "done" and "failed" stamp ``finished_at`` and are final.

        Parameters
        ----------
        job_id : str
            The job.
        status : {"queued", "running", "done", "failed"}
            The new status.
        result_plan_id : str, optional
            The stored scenario plan (for "done").
        error : str, optional
            A readable reason (for "failed").

        Raises
        ------
        JobNotFound
            When the job id is unknown or invalid.
        ValueError
            When the status or result id is invalid, or the job has already finished.
        """
        _check_id(job_id, JobNotFound, "job")
        if status not in JOB_STATUSES:
            raise ValueError(f"status must be one of {', '.join(JOB_STATUSES)}, not {status!r}")
        if result_plan_id is not None and not is_valid_id(result_plan_id):
            raise ValueError(f"invalid result plan id {result_plan_id!r}")
        finished = dt.datetime.now(dt.UTC) if status in _FINISHED else None
        where = scenario_jobs.c.id == job_id
        with self._writer.begin() as conn:  # read and write under the write lock
            current = conn.execute(
                select(scenario_jobs.c.status).where(where).with_for_update()
            ).scalar()
            if current is None:
                raise JobNotFound(f"no scenario job {job_id!r}")
            if current in _FINISHED:
                raise ValueError(f"scenario job {job_id!r} has already finished ({current})")
            conn.execute(
                update(scenario_jobs)
                .where(where)
                .values(
                    status=status,
                    result_plan_id=result_plan_id,
                    error=error,
                    finished_at=finished,
                )
            )
        return self.get_job(job_id)

    def get_job(self, job_id: str) -> ScenarioJob:
        """One scenario job.

        Raises
        ------
        JobNotFound
            (a :class:`PlanNotFound`, a KeyError) When the id is unknown or invalid.
        """
        _check_id(job_id, JobNotFound, "job")
        query = select(scenario_jobs).where(scenario_jobs.c.id == job_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            raise JobNotFound(f"no scenario job {job_id!r}")
        return _job_from_row(row)

    def list_jobs(self) -> list[ScenarioJob]:
        """Every scenario job, newest first."""
        query = select(scenario_jobs).order_by(
            scenario_jobs.c.created_utc.desc(), scenario_jobs.c.id.desc()
        )
        with self._engine.connect() as conn:
            return [_job_from_row(row) for row in conn.execute(query).mappings()]


# ---------------------------------------------------------------------- helpers


def _check_id(value: object, error: type[PlanNotFound] = PlanNotFound, what: str = "plan") -> None:
    if not is_valid_id(value):
        raise error(f"no {what} {value!r} in the store")


def _duplicate_message(plan_id: str) -> str:
    return f"the store already has a plan {plan_id!r}; delete it first to replace it"


def _read_document(folder: Path, *, shown_as: Path | None = None) -> PlanDocument:
    """Read and validate ``folder/plan.json``; errors name ``shown_as/plan.json``."""
    path = folder / PLAN_FILE
    name = str((shown_as or folder) / PLAN_FILE)
    if not folder.is_dir():
        raise InputError(
            Problem("not a folder", file=str(shown_as or folder), fix="give a plan folder")
        )
    if path.is_symlink() or not path.is_file():
        raise InputError(
            Problem(
                "a plan folder needs a plan.json (a regular file)",
                file=name,
                fix="give the --out-dir of `staffplan plan`",
            )
        )
    try:
        document = PlanDocument.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise InputError(
            Problem(
                f"not a valid plan.json: {_first_errors(exc)}",
                file=name,
                fix="write the plan again with `staffplan plan`",
            )
        ) from None
    if not is_valid_id(document.plan_id):
        raise InputError(
            Problem(
                "plan_id is not usable as a store id (letters, digits, '.', '_', '-', at "
                "most 128, starting with a letter or digit, no '..')",
                file=name,
                column="plan_id",
                value=repr(document.plan_id),
            )
        )
    return document


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    errors = exc.errors()
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}" for e in errors[:limit]
    ]
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _record(
    document: PlanDocument,
    *,
    kind: str,
    parent_id: str | None,
    name: str | None,
    files: list[str],
) -> PlanRecord:
    scenario = document.scenario or {}
    if parent_id is None and kind == "scenario":
        base = scenario.get("base_plan_id")
        parent_id = base if is_valid_id(base) else None
    if name is None and kind == "scenario" and isinstance(scenario.get("name"), str):
        name = scenario["name"]
    return PlanRecord(
        id=document.plan_id,
        kind=kind,
        name=name,
        parent_id=parent_id,
        created_at=document.created_at,
        centre=document.centre,
        horizon_start=document.horizon_start,
        horizon_end=document.horizon_end,
        config_digest=document.config_digest,
        paid_hours=_finite(document.paid_hours),
        cost=_finite(document.cost),
        queues=[
            QueueBrief(
                queue=q.queue,
                channel=q.channel,
                target_service_level=q.target_service_level,
                expected_service_level=_finite(q.expected_service_level),
                scheduled_hours=_finite(q.scheduled_hours) or 0.0,
            )
            for q in document.queues
        ],
        files=files,
    )


def _plan_from_row(row) -> PlanRecord:
    fields = PlanRecord.model_fields
    return PlanRecord.model_validate({key: row[key] for key in fields})


def _job_from_row(row) -> ScenarioJob:
    fields = ScenarioJob.model_fields
    return ScenarioJob.model_validate({key: row[key] for key in fields})
