"""``run_plan``: the weekly plan, stage by stage, in one readable function.

validate -> forecast -> requirements -> schedule -> evaluate -> write. Every stage runs in
memory first; outputs are written only when all stages succeeded, each file atomically, so a
failed stage leaves the previous plan's files as they were and says which stage failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from staffplan import io
from staffplan.config import PlanConfig, load_config
from staffplan.errors import InputError, Problem
from staffplan.requirements import Requirements, compute

__all__ = ["PlanResult", "StageError", "run_plan"]

Progress = Callable[[str, str], None]


class StageError(RuntimeError):
    """A stage failed for a reason that is not bad input; names the stage."""

    def __init__(self, stage: str, cause: BaseException):
        self.stage = stage
        super().__init__(f"stage '{stage}' failed: {cause}")


@dataclass
class PlanResult:
    """Everything a plan produced, with stage timings (seconds) and written paths."""

    config: PlanConfig
    history: pd.DataFrame
    forecast: pd.DataFrame
    requirements: Requirements
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)


def _stage(name: str, timings: dict[str, float], progress: Progress | None):
    """Context manager timing a stage and naming it in errors that are not input errors."""

    class _Timer:
        def __enter__(self):
            if progress:
                progress(name, "start")
            self.start = time.perf_counter()
            return self

        def __exit__(self, kind, exc, tb):
            timings[name] = time.perf_counter() - self.start
            if progress:
                progress(name, "done" if exc is None else "failed")
            if exc is not None and not isinstance(exc, InputError | StageError):
                if isinstance(exc, ValueError):
                    raise InputError(Problem(f"{name}: {exc}")) from exc
                raise StageError(name, exc) from exc
            return False

    return _Timer()


def run_plan(
    history_path: str | Path,
    config_path: str | Path,
    out_dir: str | Path,
    *,
    agents_path: str | Path | None = None,
    availability_path: str | Path | None = None,
    special_days_path: str | Path | None = None,
    horizon: str = "7D",
    method: str = "auto",
    n_jobs: int = 1,
    progress: Progress | None = None,
) -> PlanResult:
    """Run the weekly plan and write its outputs into ``out_dir``.

    Parameters
    ----------
    history_path, config_path : path
        Interval history (CSV or Parquet) and ``plan.toml``.
    out_dir : path
        Folder for the outputs (created if missing).
    agents_path, availability_path, special_days_path : path, optional
        ``agents.csv``, ``availability.csv``, ``special_days.csv``.
    horizon : str
        Forecast horizon after the history (``"7D"``).
    method : str
        Forecast method (``"auto"`` chooses per queue by backtest).
    n_jobs : int
        Processes for the forecast.
    progress : callable, optional
        Called with (stage, "start" | "done" | "failed").

    Returns
    -------
    PlanResult

    Raises
    ------
    InputError
        Bad input, with the file and place; nothing is written.
    StageError
        Another failure, naming the stage; nothing is written.
    """
    from staffplan.forecast import SpecialDays
    from staffplan.forecast import forecast as make_forecast

    timings: dict[str, float] = {}
    with _stage("validate", timings, progress):
        config = load_config(config_path)
        checked = io.read_history(history_path, config)
        warnings = list(checked.warnings)
        if agents_path is not None:
            agents = io.read_agents(agents_path, config)
            warnings += agents.warnings
            if availability_path is not None:
                ids = list(agents.frame["agent_id"])
                warnings += io.read_availability(availability_path, config, ids).warnings
        calendar = (
            io.read_special_days(special_days_path, config)
            if special_days_path is not None
            else SpecialDays(country=config.center.country)
        )
    with _stage("forecast", timings, progress):
        forecast = make_forecast(
            checked.frame, horizon, method=method, calendar=calendar, n_jobs=n_jobs
        )
    with _stage("requirements", timings, progress):
        requirements = compute(forecast, config)
    result = PlanResult(config, checked.frame, forecast, requirements, warnings, timings)
    with _stage("write", timings, progress):
        result.outputs = _write(result, Path(out_dir))
    return result


def _write(result: PlanResult, out_dir: Path) -> dict[str, Path]:
    return {
        "forecast": io.write_csv(result.forecast, out_dir / "forecast.csv"),
        "requirements": io.write_csv(result.requirements.frame, out_dir / "requirements.csv"),
    }
