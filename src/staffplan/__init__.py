"""staffplan: workforce management for contact centres.

Forecast inbound work, turn it into the agents each queue needs, build shifts and rosters,
evaluate the service they give and publish the plan. The public surface is re-exported here,
imported lazily (PEP 562) so that ``staffplan --version`` and small scripts start fast.
"""

from importlib import import_module

__version__ = "0.1.0"

#: public name -> module that defines it (``None``: the name is a submodule)
_EXPORTS = {
    "InputError": "staffplan.errors",
    "Problem": "staffplan.errors",
    "PlanConfig": "staffplan.config",
    "QueueConfig": "staffplan.config",
    "load_config": "staffplan.config",
    "parse_config": "staffplan.config",
    "read_agents": "staffplan.io",
    "read_availability": "staffplan.io",
    "read_forecast": "staffplan.io",
    "read_history": "staffplan.io",
    "read_table": "staffplan.io",
    "write_csv": "staffplan.io",
    "parse_skills": "staffplan.schema",
    "validate_agents": "staffplan.schema",
    "validate_availability": "staffplan.schema",
    "validate_forecast": "staffplan.schema",
    "validate_history": "staffplan.schema",
    "kpi_report": "staffplan.kpi",
    "run_plan": "staffplan.pipeline",
    "simulate": "staffplan.simulation",
    "erlang": None,
    "forecast": None,
    "requirements": None,
    "scenarios": None,
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'staffplan' has no attribute {name!r}")
    module = _EXPORTS[name]
    value = (
        import_module(f"staffplan.{name}")
        if module is None
        else getattr(import_module(module), name)
    )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
