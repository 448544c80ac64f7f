"""Scheduling: shift design with floating breaks, weekly rosters, queue priorities.

The front door is :func:`schedule`; :func:`validate_roster` checks any roster against the
hard rules; :class:`ShiftRules` and :class:`SolverSettings` are the ``[shifts]`` and
``[solver]`` tables of ``plan.toml``.
"""

from importlib import import_module

# Imported lazily (PEP 562): the config reads ``ShiftRules`` without loading the solvers.
_EXPORTS = {
    "activities_frame": ".outputs",
    "coverage_frame": ".outputs",
    "roster_calendar": ".outputs",
    "roster_calendar_merged": ".outputs",
    "roster_frame": ".outputs",
    "BreakRule": ".rules",
    "ObjectiveWeights": ".rules",
    "ShiftRules": ".rules",
    "SolverSettings": ".rules",
    "ScheduleResult": ".scheduler",
    "schedule": ".scheduler",
    "format_skills": ".skills",
    "parse_skills": ".skills",
    "validate_roster": ".validate",
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'staffplan.scheduling' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BreakRule",
    "ObjectiveWeights",
    "ScheduleResult",
    "ShiftRules",
    "SolverSettings",
    "activities_frame",
    "coverage_frame",
    "format_skills",
    "parse_skills",
    "roster_calendar",
    "roster_calendar_merged",
    "roster_frame",
    "schedule",
    "validate_roster",
]
