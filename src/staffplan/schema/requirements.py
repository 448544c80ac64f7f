"""Validation of a requirements frame read from a file (``requirements.csv``).

The file is what ``staffplan requirements --out`` and ``staffplan plan`` write, or a hand-made
table with at least ``interval_start``, ``queue`` and ``agents_scheduled``: the input of
``staffplan schedule``.
"""

from __future__ import annotations

import pandas as pd

from staffplan.config import PlanConfig
from staffplan.schema.history import check_alignment, check_duplicates, check_queue_names
from staffplan.schema.tables import Checked, Collector, TableSource, check_columns, parse_numbers
from staffplan.schema.timestamps import parse_timestamps

__all__ = ["REQUIREMENTS_INPUT_COLUMNS", "REQUIREMENTS_INPUT_OPTIONAL", "validate_requirements"]

#: Columns the schedule needs.
REQUIREMENTS_INPUT_COLUMNS = ("interval_start", "queue", "agents_scheduled")
#: Columns accepted without a warning: the rest of what ``staffplan requirements`` writes
#: (not used by the schedule, not validated) and ``under_cost`` (used).
REQUIREMENTS_INPUT_OPTIONAL = (
    "calls",
    "aht_s",
    "traffic_erlangs",
    "agents",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
    "under_cost",
)

_AGENTS_FIX = (
    "agents_scheduled is the head count to put on the queue in the interval (after "
    "shrinkage): a whole number, 0 or more"
)


def validate_requirements(
    frame: pd.DataFrame, config: PlanConfig, source: TableSource | None = None
) -> Checked:
    """Validate a requirements frame against the plan config.

    Parameters
    ----------
    frame : pandas.DataFrame
        As read from the file: ``interval_start`` (start-labelled, ISO 8601 with the UTC
        offset, or naive local time in ``center.timezone``), ``queue`` (a queue of
        ``plan.toml``), ``agents_scheduled`` (agents to schedule, a whole number >= 0) and
        optionally ``under_cost`` (relative cost of one missing agent-interval, >= 0; 1 when
        empty). The other columns ``staffplan requirements`` writes (``calls``, ``agents``,
        ``service_level``, ...) are accepted and not used; any other column is ignored with a
        warning.
    config : PlanConfig
        Gives the time zone, the interval length (minutes) and the queues.
    source : TableSource, optional
        How to name the file and its rows in messages.

    Returns
    -------
    Checked
        The typed frame: ``interval_start`` (tz-aware, centre's zone), ``queue`` (str),
        ``agents_scheduled`` (int64, agents) and ``under_cost`` (float) when given, sorted by
        queue and time; and the warnings.

    Raises
    ------
    InputError
        Listing every problem found (unknown queue, negative, fractional or missing agents,
        unparseable timestamps, intervals off the ``center.interval_minutes`` grid, duplicate
        interval and queue), each with the file, line, column, value and a fix.
    """
    source = source or TableSource("requirements")
    problems = Collector(source)
    warnings = []
    check_columns(
        frame, REQUIREMENTS_INPUT_COLUMNS, REQUIREMENTS_INPUT_OPTIONAL, problems, warnings
    )
    starts = parse_timestamps(
        frame["interval_start"],
        config.center.tzinfo,
        problems,
        "interval_start",
        timezone_name=config.center.timezone,
    )
    queue = frame["queue"].astype("string").str.strip()
    check_queue_names(queue, frame["queue"], config, problems)
    agents = parse_numbers(frame, "agents_scheduled", problems, integer=True, fix=_AGENTS_FIX)
    extra = {}
    if "under_cost" in frame.columns:
        extra["under_cost"] = parse_numbers(
            frame,
            "under_cost",
            problems,
            integer=False,
            required=False,
            fix="under_cost weighs one missing agent-interval (1 = the [shifts.weights] "
            "under_staffing weight); give a number >= 0 or leave it empty",
        ).fillna(1.0)
    problems.raise_if_any()
    check_alignment(starts, frame["interval_start"], config.center.interval_minutes, problems)
    check_duplicates(starts, queue, frame["interval_start"], problems)
    problems.raise_if_any()
    clean = pd.DataFrame(
        {
            "interval_start": starts,
            "queue": queue.astype(str),
            "agents_scheduled": agents.astype("int64"),
            **extra,
        }
    )
    clean = clean.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    return Checked(clean, warnings)
