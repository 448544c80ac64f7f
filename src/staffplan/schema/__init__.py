"""Column names of the frames between stages and the validators that guard the door.

The validators take a frame as read from the user's file (cells as text for CSV, typed for
Parquet), check everything they can, and either return a clean typed frame or raise one
:class:`~staffplan.errors.InputError` listing every problem with file, line, column, value and
a fix. Warnings (gaps, ignored columns) are returned, not raised.
"""

from staffplan.schema.agents import parse_skills, validate_agents, validate_availability
from staffplan.schema.columns import (
    AGENT_COLUMNS,
    AVAILABILITY_COLUMNS,
    AVAILABILITY_KINDS,
    FORECAST_COLUMNS,
    FORECAST_OPTIONAL,
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
)
from staffplan.schema.forecast import validate_forecast
from staffplan.schema.history import find_gaps, validate_history
from staffplan.schema.tables import Checked, TableSource

__all__ = [
    "AGENT_COLUMNS",
    "AVAILABILITY_COLUMNS",
    "AVAILABILITY_KINDS",
    "FORECAST_COLUMNS",
    "FORECAST_OPTIONAL",
    "HISTORY_COLUMNS",
    "HISTORY_OPTIONAL",
    "Checked",
    "TableSource",
    "find_gaps",
    "parse_skills",
    "validate_agents",
    "validate_availability",
    "validate_forecast",
    "validate_history",
]
