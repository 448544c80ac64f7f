"""The roster simulation agrees with Erlang C / A where those hold, and routes by priority."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from staffplan import erlang
from staffplan.config import load_config, parse_config
from staffplan.simulation import simulate

GOOD = Path(__file__).parent / "data" / "good" / "plan.toml"
TZ = "Europe/Amsterdam"
START = pd.Timestamp("2026-03-02 06:00", tz=TZ)


@pytest.fixture(scope="module")
def config():
    return load_config(GOOD)


def _forecast(queue: str, calls: float, aht_s: float, hours: int = 16) -> pd.DataFrame:
    starts = pd.date_range(START, periods=hours * 4, freq="15min")
    return pd.DataFrame({"interval_start": starts, "queue": queue, "calls": calls, "aht_s": aht_s})


def _work(n: int, queue: str, hours: int = 16, prefix: str = "A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": [f"{prefix}{i:03d}" for i in range(n)],
            "start": START,
            "end": START + pd.Timedelta(hours=hours),
            "activity": "work",
            "queue": queue,
        }
    )


def _inside(value: float, row: pd.Series, name: str) -> bool:
    return row[f"sim_{name}_lo"] <= value <= row[f"sim_{name}_hi"]


def test_single_queue_constant_staffing_agrees_with_erlang_c(config):
    # 50 calls per 15 min at 180 s: 10 Erlangs; 14 agents give SL 0.8884 and ASA 7.84 s.
    result = simulate(_work(14, "sales"), _forecast("sales", 50, 180), config, replications=12)
    row = result.queues.iloc[0]
    assert _inside(float(erlang.service_level(10.0, 14, 180.0, 20.0)), row, "service_level")
    assert _inside(float(erlang.asa(10.0, 14, 180.0)), row, "asa_s")
    assert row["sim_abandon_rate"] == 0.0
    assert row["sim_offered"] == pytest.approx(50 * 64, rel=0.03)


def test_patience_queue_agrees_with_erlang_a(config):
    result = simulate(_work(12, "support"), _forecast("support", 50, 180), config, replications=12)
    row = result.queues.iloc[0]
    measures = erlang.erlang_a(10.0, 12, 180.0, 120.0, 30.0)
    assert _inside(float(measures["sl_offered"]), row, "service_level")
    assert _inside(float(measures["p_abandon"]), row, "abandon_rate")


def test_chat_agents_hold_concurrent_chats():
    data = tomllib.loads(GOOD.read_text())
    data["queues"] = [
        {
            "name": "chat",
            "channel": "chat",
            "service_level": 0.8,
            "threshold_s": 60,
            "concurrency": 2,
        }
    ]
    config = parse_config(data)
    # 10 Erlangs of chats on 7 agents x 2 slots: Erlang C with 14 servers.
    result = simulate(_work(7, "chat"), _forecast("chat", 50, 180), config, replications=12)
    row = result.queues.iloc[0]
    assert _inside(float(erlang.service_level(10.0, 14, 180.0, 60.0)), row, "service_level")


def test_agents_serve_their_first_priority_first(config):
    forecast = pd.concat([_forecast("sales", 40, 180), _forecast("support", 40, 180)])
    # 20 shared agents rank sales first: sales is served better than support.
    shared = _work(20, "sales>support")
    result = simulate(shared, forecast, config, replications=4).queues.set_index("queue")
    assert result.loc["sales", "sim_service_level"] > result.loc["support", "sim_service_level"]
    assert result.loc["sales", "sim_abandon_rate"] == 0.0


def test_roster_priorities_override_the_activity_queue(config):
    forecast = pd.concat([_forecast("sales", 40, 180), _forecast("support", 40, 180)])
    work = _work(20, "sales")
    roster = pd.DataFrame(
        {"agent_id": work["agent_id"], "date": "2026-03-02", "queues": "support>sales"}
    )
    with_roster = simulate(work, forecast, config, roster=roster, replications=4).queues
    by_queue = with_roster.set_index("queue")
    assert by_queue.loc["support", "sim_service_level"] > by_queue.loc["sales", "sim_service_level"]


def test_nobody_at_work_means_no_service(config):
    work = _work(5, "sales")  # skilled for sales only
    result = simulate(work, _forecast("support", 20, 180, hours=2), config, replications=3)
    row = result.queues.iloc[0]
    assert row["sim_service_level"] == 0.0
    assert row["sim_abandon_rate"] > 0.95  # everyone runs out of patience


def test_breaks_take_agents_away(config):
    work = _work(14, "sales")
    lunch_start = START + pd.Timedelta(hours=4)
    split = pd.concat(
        [
            work.assign(end=lunch_start),
            work.assign(
                start=lunch_start, end=lunch_start + pd.Timedelta(hours=1), activity="lunch"
            ),
            work.assign(start=lunch_start + pd.Timedelta(hours=1)),
        ]
    )
    result = simulate(split, _forecast("sales", 50, 180), config, replications=4).intervals
    during = result["interval_start"].between(
        lunch_start + pd.Timedelta(minutes=15), lunch_start + pd.Timedelta(minutes=45)
    )
    assert result.loc[during, "sim_service_level"].max() < 0.2
    assert result.loc[~during, "sim_service_level"].median() > 0.8


def test_same_seed_same_answer(config):
    args = (_work(14, "sales"), _forecast("sales", 50, 180, hours=2), config)
    first = simulate(*args, replications=3, seed=5).intervals
    again = simulate(*args, replications=3, seed=5).intervals
    other = simulate(*args, replications=3, seed=6).intervals
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["sim_service_level"], other["sim_service_level"])


def test_one_replication_is_refused(config):
    with pytest.raises(ValueError, match="at least 2"):
        simulate(_work(1, "sales"), _forecast("sales", 1, 180, hours=1), config, replications=1)
