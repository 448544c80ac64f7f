"""What-if analysis: service-level targets, volume, handle time and shrinkage.

A :class:`Scenario` changes the inputs of the requirements stage; :func:`compare` sets its
requirements against the base plan's per queue (agent-hours, FTE, cost, expected service), and
:func:`roster_under` answers "what would the roster we have deliver under this scenario?".
:func:`sla_cost_curve` runs a grid of targets for one queue: the cost of each service level.
"""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffplan.config import PlanConfig
from staffplan.evaluate import weighted_mean
from staffplan.requirements import compute, evaluate

__all__ = [
    "Scenario",
    "apply",
    "compare",
    "parse_percent",
    "parse_target",
    "roster_under",
    "run_scenarios",
    "sla_cost_curve",
    "summarise",
]


@dataclass(frozen=True)
class Scenario:
    """A change to the plan's inputs.

    Parameters
    ----------
    name : str
        Label in tables and figures.
    targets : dict of str to (float, float)
        Queue -> (service-level target as a fraction, threshold in seconds).
    volume_factor : float
        Multiplier on forecast calls (1.10 for +10 %).
    aht_factor : float
        Multiplier on forecast handle time.
    shrinkage : float, optional
        Replacement for ``center.shrinkage``.
    """

    name: str = "scenario"
    targets: dict[str, tuple[float, float]] = field(default_factory=dict)
    volume_factor: float = 1.0
    aht_factor: float = 1.0
    shrinkage: float | None = None


def parse_target(text: str) -> tuple[str, tuple[float, float]]:
    """``"sales=90/30"`` -> ``("sales", (0.90, 30.0))``; percent or fraction accepted."""
    match = re.fullmatch(r"\s*([\w.-]+)\s*=\s*([\d.]+)\s*/\s*([\d.]+)\s*", text)
    if not match:
        raise ValueError(f"expected QUEUE=PERCENT/SECONDS such as sales=90/30, found {text!r}")
    level = float(match.group(2))
    level = level / 100.0 if level > 1.0 else level
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"the target in {text!r} must be between 0 and 100 %")
    return match.group(1), (level, float(match.group(3)))


def parse_percent(text: str) -> float:
    """``"+10%"`` -> 1.10, ``"-5%"`` -> 0.95, ``"1.1"`` -> 1.1 (a factor)."""
    raw = text.strip()
    try:
        if raw.endswith("%"):
            return 1.0 + float(raw[:-1]) / 100.0
        return float(raw)
    except ValueError:
        raise ValueError(f"expected a change such as +10% or -5%, found {text!r}") from None


def apply(
    scenario: Scenario, forecast: pd.DataFrame, config: PlanConfig
) -> tuple[pd.DataFrame, PlanConfig]:
    """The forecast and config as the scenario has them."""
    unknown = sorted(set(scenario.targets) - set(config.queue_names))
    if unknown:
        raise ValueError(
            f"scenario {scenario.name!r}: unknown queue {', '.join(unknown)}; "
            f"the plan has {', '.join(config.queue_names)}"
        )
    changed = forecast.assign(
        **{
            c: forecast[c] * scenario.volume_factor
            for c in ("calls", "calls_lo", "calls_hi")
            if c in forecast
        },
        aht_s=forecast["aht_s"] * scenario.aht_factor,
    )
    queues = []
    for queue in config.queues:
        if queue.name in scenario.targets:
            level, threshold = scenario.targets[queue.name]
            key = "deadline_h" if queue.channel == "email" else "threshold_s"
            value = threshold / 3600.0 if queue.channel == "email" else threshold
            queue = queue.model_copy(update={"service_level": level, key: value})
        queues.append(queue)
    center = config.center
    if scenario.shrinkage is not None:
        center = center.model_copy(update={"shrinkage": scenario.shrinkage})
    return changed, config.model_copy(update={"queues": queues, "center": center})


def summarise(
    requirements: pd.DataFrame,
    config: PlanConfig,
    *,
    cost_per_hour: float = 0.0,
    fte_hours_week: float = 36.0,
) -> pd.DataFrame:
    """Per queue: calls, agent-hours (on contacts and scheduled), FTE, cost, expected service.

    FTE is scheduled hours per week over ``fte_hours_week``; cost is scheduled hours times
    ``cost_per_hour``. Service measures are weighted by calls.
    """
    hours = config.center.interval_minutes / 60.0
    days = _days(requirements)
    rows = []
    for queue, part in requirements.groupby("queue", sort=False):
        weights = part["calls"].to_numpy(float)
        scheduled_h = float(part["agents_scheduled"].sum() * hours)
        rows.append(
            {
                "queue": queue,
                "calls": float(weights.sum()),
                "agent_hours": float(part["agents"].sum() * hours),
                "scheduled_hours": scheduled_h,
                "fte": scheduled_h / fte_hours_week * 7.0 / days,
                "cost": scheduled_h * cost_per_hour,
                "service_level": weighted_mean(part["service_level"], weights),
                "asa_s": weighted_mean(part["asa_s"], weights),
                "abandon_rate": weighted_mean(part["abandon_rate"], weights),
            }
        )
    return pd.DataFrame(rows)


def _days(frame: pd.DataFrame) -> float:
    starts = frame["interval_start"]
    span = (starts.max() - starts.min()).total_seconds() / 86400.0
    return max(np.ceil(span - 1e-9), 1.0)


def compare(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Side by side per queue: base, scenario and the difference of each measure."""
    merged = base.merge(other, on="queue", suffixes=("_base", "_scenario"))
    for column in ("agent_hours", "scheduled_hours", "fte", "cost", "service_level"):
        merged[f"{column}_change"] = merged[f"{column}_scenario"] - merged[f"{column}_base"]
    return merged


def roster_under(
    scenario: Scenario,
    staffing: pd.DataFrame,
    forecast: pd.DataFrame,
    config: PlanConfig,
) -> pd.DataFrame:
    """What the existing staffing delivers under the scenario, per interval and queue.

    ``staffing`` has ``interval_start``, ``queue`` and ``agents`` on contacts (e.g. the plan's
    scheduled agents net of shrinkage). Shrinkage changes scale those agents.
    """
    changed_forecast, changed_config = apply(scenario, forecast, config)
    if scenario.shrinkage is not None:
        keep = (1.0 - scenario.shrinkage) / (1.0 - config.center.shrinkage)
        staffing = staffing.assign(agents=np.floor(staffing["agents"] * keep + 1e-9))
    return evaluate(staffing, changed_forecast, changed_config)


def _requirements_of(job: tuple[Scenario, pd.DataFrame, PlanConfig]) -> pd.DataFrame:
    scenario, forecast, config = job
    changed_forecast, changed_config = apply(scenario, forecast, config)
    return compute(changed_forecast, changed_config).frame


def run_scenarios(
    scenarios: list[Scenario],
    forecast: pd.DataFrame,
    config: PlanConfig,
    *,
    n_jobs: int = 1,
) -> list[pd.DataFrame]:
    """Requirements of each scenario, in order; ``n_jobs > 1`` uses a local process pool.

    Results do not depend on ``n_jobs`` (the stage is deterministic).
    """
    jobs = [(s, forecast, config) for s in scenarios]
    if n_jobs <= 1 or len(jobs) <= 1:
        return [_requirements_of(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        return list(pool.map(_requirements_of, jobs))


def sla_cost_curve(
    queue: str,
    targets: list[tuple[float, float]],
    forecast: pd.DataFrame,
    config: PlanConfig,
    *,
    cost_per_hour: float = 0.0,
    fte_hours_week: float = 36.0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Agent-hours, FTE and cost of ``queue`` for each (target, threshold) in ``targets``."""
    scenarios = [
        Scenario(name=f"{level:.0%}/{threshold:g}s", targets={queue: (level, threshold)})
        for level, threshold in targets
    ]
    only = forecast[forecast["queue"] == queue]
    results = run_scenarios(scenarios, only, config, n_jobs=n_jobs)
    rows = []
    for scenario, frame in zip(scenarios, results, strict=True):
        summary = summarise(
            frame, config, cost_per_hour=cost_per_hour, fte_hours_week=fte_hours_week
        )
        level, threshold = scenario.targets[queue]
        rows.append(
            {
                "target": scenario.name,
                "service_level_target": level,
                "threshold_s": threshold,
                **summary.iloc[0].drop("queue").to_dict(),
            }
        )
    return pd.DataFrame(rows)
