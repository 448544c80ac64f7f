"""What-if: targets, volume, handle time and shrinkage move cost the way they must."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffplan.config import load_config
from staffplan.requirements import compute
from staffplan.scenarios import (
    Scenario,
    apply,
    parse_percent,
    parse_target,
    roster_under,
    run_scenarios,
    sla_cost_curve,
    summarise,
)

GOOD = Path(__file__).parent / "data" / "good" / "plan.toml"


@pytest.fixture(scope="module")
def config():
    return load_config(GOOD)


@pytest.fixture(scope="module")
def forecast():
    starts = pd.date_range("2026-03-02 08:00", periods=48, freq="15min", tz="Europe/Amsterdam")
    shape = 30 + 25 * np.sin(np.linspace(0, np.pi, 48))
    return pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "queue": q, "calls": shape * f, "aht_s": a})
            for q, f, a in (("sales", 1.0, 240.0), ("support", 1.4, 400.0))
        ],
        ignore_index=True,
    )


def _hours(frame, config, queue):
    summary = summarise(frame, config).set_index("queue")
    return summary.loc[queue, "agent_hours"]


def test_higher_target_costs_more_and_lower_costs_less(forecast, config):
    base, higher, lower = run_scenarios(
        [
            Scenario("base"),
            Scenario("90/20", targets={"sales": (0.90, 20.0)}),
            Scenario("70/20", targets={"sales": (0.70, 20.0)}),
        ],
        forecast,
        config,
    )
    assert _hours(higher, config, "sales") > _hours(base, config, "sales")
    assert _hours(lower, config, "sales") < _hours(base, config, "sales")
    # the other queue is untouched
    assert _hours(higher, config, "support") == _hours(base, config, "support")


def test_volume_aht_and_shrinkage(forecast, config):
    base, volume, aht, shrink = run_scenarios(
        [
            Scenario("base"),
            Scenario(volume_factor=parse_percent("+15%")),
            Scenario(aht_factor=parse_percent("-10%")),
            Scenario(shrinkage=0.40),
        ],
        forecast,
        config,
    )
    assert _hours(volume, config, "sales") > _hours(base, config, "sales")
    assert _hours(aht, config, "sales") < _hours(base, config, "sales")
    assert (shrink["agents"] == base["agents"]).all()
    assert shrink["agents_scheduled"].sum() > base["agents_scheduled"].sum()
    # 14 agents at 30 % shrinkage: 20 scheduled; at 40 %: ceil(14 / 0.6) = 24
    assert (base["agents_scheduled"] >= np.ceil(base["agents"] / 0.7 - 1e-9)).all()


def test_roster_under_more_volume_gives_worse_service(forecast, config):
    staffing = compute(forecast, config).frame[["interval_start", "queue", "agents"]]
    same = roster_under(Scenario(), staffing, forecast, config)
    busier = roster_under(Scenario(volume_factor=1.15), staffing, forecast, config)
    assert (same["service_level"] >= 0.8 - 1e-12).all()
    assert busier["service_level"].mean() < same["service_level"].mean()


def test_sla_cost_curve_rises_with_the_target(forecast, config):
    curve = sla_cost_curve(
        "sales",
        [(0.7, 20), (0.8, 20), (0.9, 20), (0.9, 10)],
        forecast,
        config,
        cost_per_hour=25.0,
    )
    assert list(curve["target"]) == ["70%/20s", "80%/20s", "90%/20s", "90%/10s"]
    assert curve["agent_hours"].is_monotonic_increasing
    assert curve["cost"].iloc[-1] == pytest.approx(curve["scheduled_hours"].iloc[-1] * 25.0)


def test_parallel_equals_serial(forecast, config):
    scenarios = [Scenario(targets={"sales": (t, 20.0)}) for t in (0.7, 0.8, 0.9)]
    serial = run_scenarios(scenarios, forecast, config, n_jobs=1)
    parallel = run_scenarios(scenarios, forecast, config, n_jobs=2)
    for a, b in zip(serial, parallel, strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sales=90/30", ("sales", (0.9, 30.0))), ("support=0.85/20", ("support", (0.85, 20.0)))],
)
def test_parse_target(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["sales=90", "=80/20", "sales=180/20"])
def test_bad_targets(text):
    with pytest.raises(ValueError, match="QUEUE=PERCENT/SECONDS|between 0 and 100"):
        parse_target(text)


def test_unknown_queue_in_a_scenario(forecast, config):
    with pytest.raises(ValueError, match="unknown queue sale"):
        apply(Scenario(targets={"sale": (0.9, 20.0)}), forecast, config)
