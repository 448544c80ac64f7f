"""Stored plan files as JSON-ready values and JSON bytes, parsed once per file version.

Stored plans never change, so parsed tables and documents, and the JSON answers made of them,
are kept in small LRU caches keyed by the file's path, size, modification time and inode (and
the filters): a plan deleted and stored again under the same id is read afresh. Serialising a
week of intervals costs tens of milliseconds; the cache makes repeated reads nearly free.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from staffplan.feed import PlanDocument, RosterShift

__all__ = ["read_document", "read_rows", "roster_json", "rows_json"]

_SHIFTS = TypeAdapter(list[RosterShift])

#: columns that stay text even when their values look like numbers
TEXT_COLUMNS = frozenset({"interval_start", "queue", "name", "target", "scenario"})


def read_rows(
    path: Path,
    *,
    queue: str | None = None,
    date: dt.date | None = None,
    model: type[BaseModel] | None = None,
) -> list:
    """The rows of a plan's CSV table, optionally of one queue and one local day.

    Parameters
    ----------
    path : Path
        The CSV file (``coverage.csv``, ``comparison.csv``, ...).
    queue : str, optional
        Keep the rows of this queue.
    date : datetime.date, optional
        Keep the rows whose ``interval_start`` falls on this local day (the timestamps carry
        their local UTC offset, so the day is their date part).
    model : pydantic model class, optional
        Validate each row into this model (once per file version, in the cache).

    Returns
    -------
    list of dict or of ``model``
        One item per row (shared with the cache: do not modify). Numbers are floats, empty
        cells and non-finite numbers ``None``, other cells text; a cell missing from the file
        is not set on the model.
    """
    day = None if date is None else date.isoformat()
    return [
        item
        for row_queue, row_day, item in _table(str(path), _stamp(path), model)
        if (queue is None or row_queue == queue) and (day is None or row_day == day)
    ]


def rows_json(
    path: Path, model: type[BaseModel], *, queue: str | None = None, date: dt.date | None = None
) -> bytes:
    """:func:`read_rows` validated into ``model``, as a JSON array (cached).

    Cells missing from the file are left out of the objects.

    Parameters
    ----------
    path : Path
    model : pydantic model class
    queue : str, optional
    date : datetime.date, optional

    Returns
    -------
    bytes
    """
    return _rows_json(str(path), _stamp(path), model, queue, date)


def roster_json(
    path: Path,
    *,
    agent: str | None = None,
    team: str | None = None,
    date: dt.date | None = None,
) -> bytes:
    """The shifts of a stored ``plan.json``, optionally of one agent, team and day (cached).

    Parameters
    ----------
    path : Path
        The ``plan.json``.
    agent, team : str, optional
        Keep the shifts of this ``agent_id`` / ``team``.
    date : datetime.date, optional
        Keep the shifts of this day.

    Returns
    -------
    bytes
        A JSON array of :class:`staffplan.feed.RosterShift`.
    """
    return _roster_json(str(path), _stamp(path), agent, team, date)


def read_document(path: Path) -> PlanDocument:
    """A stored ``plan.json``, validated (shared with the cache: do not modify).

    Parameters
    ----------
    path : Path

    Returns
    -------
    PlanDocument
    """
    return _document(str(path), _stamp(path))


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns, info.st_ino


@functools.lru_cache(maxsize=32)
def _rows_json(
    path: str, stamp: tuple[int, int, int], model: type[BaseModel], queue, date
) -> bytes:
    rows = read_rows(Path(path), queue=queue, date=date, model=model)
    return TypeAdapter(list[model]).dump_json(rows, exclude_unset=True)


@functools.lru_cache(maxsize=32)
def _roster_json(path: str, stamp: tuple[int, int, int], agent, team, date) -> bytes:
    shifts = [
        shift
        for shift in _document(path, stamp).roster
        if (agent is None or shift.agent_id == agent)
        and (team is None or shift.team == team)
        and (date is None or shift.date == date)
    ]
    return _SHIFTS.dump_json(shifts)


@functools.lru_cache(maxsize=16)
def _table(
    path: str, stamp: tuple[int, int, int], model: type[BaseModel] | None
) -> tuple[tuple[object, str, object], ...]:
    """(queue, local day, row) for every row of a CSV file."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [
            {name: _cell(name, value) for name, value in row.items()}
            for row in csv.DictReader(handle)
        ]
    return tuple(
        (
            row.get("queue"),
            str(row.get("interval_start") or "")[:10],
            row if model is None else model.model_validate(row),
        )
        for row in rows
    )


def _cell(column: str, text: str | None) -> object:
    if text is None or text == "":
        return None
    if column in TEXT_COLUMNS:
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else None


@functools.lru_cache(maxsize=8)
def _document(path: str, stamp: tuple[int, int, int]) -> PlanDocument:
    with open(path, "rb") as handle:
        return PlanDocument.model_validate_json(handle.read())
