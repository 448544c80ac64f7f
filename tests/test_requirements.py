"""The requirements stage: forecast -> agents per interval, and evaluate -> service."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from staffplan import erlang
from staffplan.cli import app
from staffplan.config import load_config
from staffplan.io import write_csv
from staffplan.requirements import REQUIREMENTS_COLUMNS, compute, evaluate, open_mask

GOOD = Path(__file__).parent / "data" / "good"
TZ = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def config():
    return load_config(GOOD / "plan.toml")  # sales 80/20 occ 0.85; support patience 120; email 24 h


def _frame(queue: str, starts, calls, aht) -> pd.DataFrame:
    return pd.DataFrame({"interval_start": starts, "queue": queue, "calls": calls, "aht_s": aht})


def _quarters(first: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(first, periods=n, freq="15min", tz=TZ)


def test_classic_published_example(config):
    # 100 calls per 30 min = 50 per 15 min at AHT 180 s: 10 Erlangs, 80/20 -> 14 agents,
    # P(wait) 0.1741, SL 0.8884, ASA 7.84 s, occupancy 0.714; 20 scheduled at 30 % shrinkage.
    forecast = _frame("sales", _quarters("2026-03-02 08:00", 1), [50.0], [180.0])
    row = compute(forecast, config).frame.iloc[0]
    assert list(row.index) == list(REQUIREMENTS_COLUMNS)
    assert row["traffic_erlangs"] == pytest.approx(10.0)
    assert row["agents"] == 14
    assert row["agents_scheduled"] == 20
    assert row["service_level"] == pytest.approx(0.8884, abs=5e-5)
    assert row["asa_s"] == pytest.approx(7.84, abs=5e-3)
    assert row["occupancy"] == pytest.approx(0.714, abs=5e-4)
    assert np.isnan(row["abandon_rate"])


def test_occupancy_cap_binds_at_high_traffic(config):
    # 300 Erlangs: Erlang C alone needs ~311 agents; the 0.85 cap needs ceil(300 / 0.85) = 353.
    forecast = _frame("sales", _quarters("2026-03-02 08:00", 1), [1500.0], [180.0])
    row = compute(forecast, config).frame.iloc[0]
    assert row["agents"] == 353
    assert row["occupancy"] <= 0.85


def test_every_interval_is_minimal_and_meets_target(config):
    rng = np.random.default_rng(7)
    starts = _quarters("2026-03-02 08:00", 40)
    forecast = pd.concat(
        [
            _frame("sales", starts, rng.uniform(0, 300, 40).round(), rng.uniform(150, 400, 40)),
            _frame("support", starts, rng.uniform(0, 300, 40).round(), rng.uniform(150, 600, 40)),
        ]
    )
    required = compute(forecast, config).frame
    with_fewer = evaluate(
        required.assign(agents=(required["agents"] - 1).clip(lower=0)), forecast, config
    )
    busy = required["calls"] > 0
    targets = required["queue"].map({"sales": 0.80, "support": 0.80})
    assert (required.loc[busy, "service_level"] >= targets[busy] - 1e-12).all()
    # one agent fewer misses the target or the occupancy cap somewhere for every interval
    sales = busy & (required["queue"] == "sales")
    misses = (with_fewer["service_level"] < targets - 1e-12) | (
        (with_fewer["occupancy"] > 0.85 + 1e-12) & sales
    )
    assert misses[busy].all()
    assert (required.loc[~busy, "agents"] == 0).all()


def test_patience_queue_uses_erlang_a(config):
    forecast = _frame("support", _quarters("2026-03-02 08:00", 1), [50.0], [180.0])
    row = compute(forecast, config).frame.iloc[0]
    measures = erlang.erlang_a(10.0, row["agents"], 180.0, 120.0, 30.0)
    assert row["abandon_rate"] == pytest.approx(float(measures["p_abandon"]))
    # abandonment relieves the queue: fewer agents than Erlang C at the same target
    assert row["agents"] < erlang.required_agents(10.0, 180.0, target_sl=0.8, threshold_s=30)


def test_evaluate_reproduces_compute(config):
    starts = _quarters("2026-03-02 08:00", 8)
    forecast = pd.concat(
        [
            _frame("sales", starts, np.linspace(10, 80, 8), 240.0),
            _frame("support", starts, np.linspace(5, 90, 8), 400.0),
        ]
    )
    required = compute(forecast, config).frame
    again = evaluate(required[["interval_start", "queue", "agents"]], forecast, config)
    for column in ("service_level", "asa_s", "occupancy", "abandon_rate"):
        np.testing.assert_allclose(again[column], required[column], rtol=1e-12)


def _simulate_fifo_items(arrivals, agents, aht_s, interval_s, deadline_intervals):
    """Independent check: serve whole items one by one, first come first served.

    Each agent works its interval's seconds; an item's work may continue over intervals.
    Returns the number of items finished after their deadline, per arrival interval.
    """
    queue = [(i, aht_s) for i, count in enumerate(arrivals) for _ in range(int(count))]
    late = np.zeros(len(arrivals))
    head = 0
    for j, staff in enumerate(agents):
        budget = staff * interval_s
        while head < len(queue) and queue[head][0] <= j and budget > 1e-9:
            i, left = queue[head]
            used = min(left, budget)
            budget -= used
            if left - used > 1e-9:
                queue[head] = (i, left - used)
                break
            late[i] += j > i + deadline_intervals - 1
            head += 1
    for i, _ in queue[head:]:
        late[i] += 1
    return late


def test_email_meets_every_deadline_it_can(config):
    starts = _quarters("2026-03-02 00:00", 96 * 7)  # Monday to Sunday, all day
    hour = starts.hour.to_numpy()
    arrivals = np.where((hour >= 7) & (hour < 22), 6, 1).astype(float)
    forecast = _frame("email", starts, arrivals, 480.0)
    result = compute(forecast, config)
    frame = result.frame
    agents = frame["agents"].to_numpy()
    is_open = open_mask(frame["interval_start"], config)
    assert (agents[~is_open] == 0).all()  # only inside opening hours (08:00-09:00 weekdays)
    late = _simulate_fifo_items(arrivals, agents, 480.0, 900.0, 96)
    # items from Friday 09:00 onwards cannot reach an open interval within 24 h (closed at the
    # weekend): those are reported, everything else is on time
    stranded = 1.0 - frame["service_level"].to_numpy()
    stranded_items = stranded * arrivals
    due_in_horizon = np.arange(len(arrivals)) + 95 < len(arrivals)
    np.testing.assert_allclose(late[due_in_horizon], stranded_items[due_in_horizon], atol=1e-9)
    assert result.notes and result.notes[0].queue == "email"
    assert result.notes[0].first_interval.startswith("2026-03-06T09:00")


def test_email_level_profile_is_close_to_the_exact_minimum(config):
    starts = _quarters("2026-03-02 00:00", 96 * 5)  # Monday to Friday
    arrivals = np.where(starts.day_of_week < 4, 5.0, 0.0)  # Monday to Thursday: all reachable
    frame = compute(_frame("email", starts, arrivals, 600.0), config).frame
    is_open = open_mask(frame["interval_start"], config)
    minimum = erlang.required_agents_deferred(arrivals, 600.0, 900.0, 86400.0, is_open)
    work = arrivals.sum() * 600.0 / 900.0  # agent-intervals of pure work
    ours = frame["agents"].sum()
    assert work <= minimum.sum() <= ours <= minimum.sum() + is_open.sum()
    assert (frame["service_level"] == 1.0).all()


def test_closed_intervals_need_nobody(config):
    forecast = _frame("sales", _quarters("2026-03-02 20:00", 4), [0.0, 0, 0, 0], [0.0, 0, 0, 0])
    frame = compute(forecast, config).frame
    assert (frame["agents"] == 0).all()
    assert (frame["service_level"] == 1.0).all()


def test_missing_handle_time_is_refused(config):
    forecast = _frame("sales", _quarters("2026-03-02 08:00", 2), [10.0, 12.0], [200.0, 0.0])
    with pytest.raises(ValueError, match="handle time must be > 0 s"):
        compute(forecast, config)


def test_cli_erlang_prints_the_classic_answer():
    result = CliRunner().invoke(
        app,
        ["erlang", "--calls", "100", "--interval", "30m", "--aht", "180", "--sl", "80/20"]
        + ["--shrinkage", "0.3"],
    )
    assert result.exit_code == 0, result.output
    assert "required agents      14" in result.output
    assert "scheduled with shrinkage: 20" in result.output
    assert "88.8%" in result.output and "7.8" in result.output and "71.4%" in result.output


def test_cli_erlang_with_patience_reports_abandonment():
    args = ["erlang", "--calls", "100", "--interval", "30m", "--aht", "180", "--patience", "120"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Erlang A" in result.output and "abandoned" in result.output


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--interval", "3x"], "expected a duration"),
        (["--sl", "eighty"], "PERCENT/SECONDS"),
        (["--calls", "-5"], "calls must be >= 0"),
    ],
)
def test_cli_erlang_bad_options(args, phrase):
    base = {"--calls": "100", "--aht": "180", "--interval": "30m", "--sl": "80/20"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in base.items() for item in pair]
    result = CliRunner().invoke(app, ["erlang", *flat])
    assert result.exit_code == 2
    assert phrase in result.output
    assert "Traceback" not in result.output


def test_cli_requirements_writes_the_frame(tmp_path, config):
    starts = _quarters("2026-03-02 08:00", 4)
    forecast = _frame("sales", starts, [50.0, 60, 70, 40], 180.0)
    write_csv(forecast, tmp_path / "forecast.csv")
    out = tmp_path / "requirements.csv"
    args = ["requirements", "--forecast", str(tmp_path / "forecast.csv")]
    result = CliRunner().invoke(
        app, [*args, "--config", str(GOOD / "plan.toml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert list(written.columns) == list(REQUIREMENTS_COLUMNS)
    assert written["agents"].iloc[0] == 14
