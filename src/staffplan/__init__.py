"""staffplan: workforce management for contact centres.

Forecast inbound work, turn it into the agents each queue needs, build shifts and rosters,
evaluate the service they give and publish the plan.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
