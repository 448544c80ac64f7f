"""Evaluating a roster's coverage: meeting the requirement meets the target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffplan.config import load_config
from staffplan.evaluate import evaluate_coverage, weekly_service
from staffplan.requirements import compute

GOOD = Path(__file__).parent / "data" / "good" / "plan.toml"


@pytest.fixture(scope="module")
def setup():
    config = load_config(GOOD)
    starts = pd.date_range("2026-03-02 08:00", periods=24, freq="15min", tz="Europe/Amsterdam")
    calls = 20 + 30 * np.sin(np.linspace(0, np.pi, 24))
    forecast = pd.concat(
        [
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": q,
                    "calls": calls * f,
                    "calls_hi": calls * f * 1.2,
                    "aht_s": 300.0,
                }
            )
            for q, f in (("sales", 1.0), ("support", 1.5))
        ],
        ignore_index=True,
    )
    required = compute(forecast, config).frame
    coverage = required[["interval_start", "queue"]].assign(
        required=required["agents_scheduled"], scheduled=required["agents_scheduled"]
    )
    return config, forecast, coverage


def test_covering_the_requirement_meets_every_target(setup):
    config, forecast, coverage = setup
    evaluated = evaluate_coverage(coverage, forecast, config)
    assert (evaluated["service_level"] >= 0.80 - 1e-12).all()
    # the upper band is a risk: never better than the forecast itself
    assert (evaluated["service_level_hi"] <= evaluated["service_level"] + 1e-12).all()
    weekly = weekly_service(evaluated, config).set_index("queue")
    assert (weekly["service_level"] >= weekly["target_service_level"]).all()


def test_fewer_agents_than_required_misses(setup):
    config, forecast, coverage = setup
    short = coverage.assign(scheduled=coverage["scheduled"] - 3)
    evaluated = evaluate_coverage(short, forecast, config)
    assert (evaluated["service_level"] < 0.80).mean() > 0.5


def test_missing_coverage_rows_mean_no_agents(setup):
    config, forecast, coverage = setup
    evaluated = evaluate_coverage(coverage[coverage["queue"] == "sales"], forecast, config)
    support = evaluated[evaluated["queue"] == "support"]
    assert (support["agents_on_contacts"] == 0).all()
    assert (support["service_level"] == 0).all()
