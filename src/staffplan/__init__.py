"""staffplan: workforce management for contact centres.

Forecast inbound work, turn it into the agents each queue needs, build shifts and rosters,
evaluate the service they give and publish the plan. The public surface is re-exported here.
"""

__version__ = "0.1.0"

from staffplan import erlang, requirements
from staffplan.config import PlanConfig, QueueConfig, load_config, parse_config
from staffplan.errors import InputError, Problem
from staffplan.io import (
    read_agents,
    read_availability,
    read_history,
    read_table,
    write_csv,
)
from staffplan.kpi import kpi_report
from staffplan.schema import (
    parse_skills,
    validate_agents,
    validate_availability,
    validate_history,
)

__all__ = [
    "InputError",
    "PlanConfig",
    "Problem",
    "QueueConfig",
    "__version__",
    "erlang",
    "kpi_report",
    "requirements",
    "load_config",
    "parse_config",
    "parse_skills",
    "read_agents",
    "read_availability",
    "read_history",
    "read_table",
    "validate_agents",
    "validate_availability",
    "validate_history",
    "write_csv",
]
