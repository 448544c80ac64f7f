"""Performance reports: operators, teams and queues against their targets, from the agent-state
log, the interval history and (optionally) the roster, agents, contacts log and agent history.

One front door, :func:`kpi_report`, returns a :class:`KpiReport` with every table as a frame,
the recommendations, the figures, the ``kpi.html`` page and the ``kpi.json`` dict; no file
I/O happens here. The validators of the inputs are public for the CLI and ``validate``.
"""

from staffplan.kpi.inputs import (
    KNOWN_STATES,
    validate_activities,
    validate_agent_history,
    validate_contacts,
    validate_roster,
    validate_states,
)
from staffplan.kpi.recommendations import KpiTargets, Recommendation
from staffplan.kpi.report import KpiReport, kpi_report

__all__ = [
    "KNOWN_STATES",
    "KpiReport",
    "KpiTargets",
    "Recommendation",
    "kpi_report",
    "validate_activities",
    "validate_agent_history",
    "validate_contacts",
    "validate_roster",
    "validate_states",
]
