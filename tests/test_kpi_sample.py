"""The KPI report on the committed sample centre: it agrees with the history it came from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from staffplan.config import load_config
from staffplan.io import read_table
from staffplan.kpi import kpi_report

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
FILES = {
    "states": "agent_states.csv.gz",
    "history": "history.csv",
    "agents": "agents.csv",
    "roster": "states_roster.csv",
    "activities": "states_activities.csv.gz",
    "contacts": "contacts.csv.gz",
    "agent_history": "agent_history.csv",
}


@pytest.fixture(scope="module")
def inputs():
    frames, sources = {}, {}
    for key, name in FILES.items():
        frames[key], sources[key] = read_table(SAMPLES / name)
    return frames, sources


@pytest.fixture(scope="module")
def config():
    return load_config(SAMPLES / "plan.toml")


def _run(inputs, config, period):
    frames, sources = inputs
    rest = {k: v for k, v in frames.items() if k not in ("states", "history")}
    return kpi_report(
        frames["states"], frames["history"], config, period=period, sources=sources,
        figures=False, **rest,
    )  # fmt: skip


@pytest.fixture(scope="module")
def by_day(inputs, config):
    return _run(inputs, config, "day")


@pytest.fixture(scope="module")
def by_week(inputs, config):
    return _run(inputs, config, "week")


def _history_handled(period: str) -> pd.Series:
    """Handled per queue and local day / ISO week straight from history.csv (independent)."""
    raw = pd.read_csv(SAMPLES / "history.csv")
    local = pd.to_datetime(raw["interval_start"].str.slice(0, 19))  # wall-clock local time
    day = local.dt.normalize()
    raw["period"] = day if period == "day" else day - pd.to_timedelta(day.dt.day_of_week, "D")
    raw = raw[(day >= "2026-05-04") & (day <= "2026-05-17")]
    out = raw.groupby(["period", "queue"])["handled"].sum()
    out.index = out.index.set_levels(out.index.levels[0].strftime("%Y-%m-%d"), level=0)
    return out[out > 0]


@pytest.mark.parametrize("period", ["day", "week"])
def test_handled_contacts_equal_the_history_per_queue_and_period(period, by_day, by_week):
    rep = by_day if period == "day" else by_week
    q = rep.queues.set_index(["period", "queue"])
    expected = _history_handled(period)
    got_logged = q["handled_logged"][q["handled_logged"] > 0]
    pd.testing.assert_series_equal(
        got_logged.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
    pd.testing.assert_series_equal(
        q["handled"][q["handled"] > 0].sort_index(), expected.sort_index(),
        check_names=False, check_dtype=False,
    )  # fmt: skip
    # and the operators' contacts add up to the same totals per period
    per_period = rep.operators.groupby("period")["contacts"].sum()
    pd.testing.assert_series_equal(
        per_period.sort_index(), expected.groupby(level=0).sum().sort_index(),
        check_names=False, check_dtype=False,
    )  # fmt: skip


def test_sample_report_is_plausible(by_week):
    s = by_week.json["summary"]
    assert not by_week.warnings
    assert 100 <= s["agents"] <= 120
    assert 0.55 <= s["occupancy"] <= 0.85
    assert 0.90 <= s["adherence"] <= 1.0
    assert 0.70 <= s["fcr"] <= 0.80
    assert 0.10 <= s["turnover_annualised"] <= 0.50
    assert s["shrinkage_observed"] < s["shrinkage_planned"]
    kinds = {r.kind for r in by_week.recommendations}
    assert "queue_interval" in kinds
    teams = by_week.teams
    assert set(teams["team"]) == {
        f"Team {t}" for t in ("Noord", "Oost", "Zuid", "West", "Centrum", "Haven")
    }
    # the week rows of the teams add up to the centre
    assert teams["contacts"].sum() == by_week.operators["contacts"].sum()
