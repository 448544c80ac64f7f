"""Column names of the frames between stages (DESIGN.md: a contract)."""

__all__ = [
    "AGENT_COLUMNS",
    "AVAILABILITY_COLUMNS",
    "AVAILABILITY_KINDS",
    "FORECAST_COLUMNS",
    "FORECAST_OPTIONAL",
    "HISTORY_COLUMNS",
    "HISTORY_OPTIONAL",
]

HISTORY_COLUMNS = ("interval_start", "queue", "offered", "handled", "abandoned", "aht_s")
HISTORY_OPTIONAL = ("answered_in_sl", "sl_threshold_s", "channel")
AGENT_COLUMNS = (
    "agent_id",
    "name",
    "team",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "cost_per_hour",
)
AVAILABILITY_COLUMNS = ("agent_id", "date", "kind", "start", "end", "weight")
AVAILABILITY_KINDS = ("unavailable", "request_on", "request_off")
FORECAST_COLUMNS = ("interval_start", "queue", "calls", "aht_s")
FORECAST_OPTIONAL = ("calls_lo", "calls_hi")
