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


def test_each_interval_gives_the_share_of_contacts_as_erlang_a_does(config):
    # Per interval the simulated service level is the share of that interval's contacts
    # answered in time over all replications, which is what Erlang A gives. The mean of
    # each replication's own share weighs a replication with few calls (a short queue) like
    # one with many, and came out 1.1-1.5 points above Erlang A at 18-40 calls an interval.
    result = simulate(_work(16, "support"), _forecast("support", 30, 414), config, replications=60)
    steady = result.intervals.iloc[4:]  # past the first hour
    expected = float(erlang.erlang_a(30 * 414 / 900, 16, 414.0, 120.0, 30.0)["sl_offered"])
    assert abs(steady["sim_service_level"].mean() - expected) < 0.01
    inside = (steady["sim_service_level_lo"] <= expected) & (
        expected <= steady["sim_service_level_hi"]
    )
    assert inside.mean() > 0.85


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


def _run_events(config, work, forecast, contacts):
    """Run the simulation's state machine on hand-made contacts (no random arrivals)."""
    import heapq

    from staffplan import simulation as sim

    setup = sim._Setup.build(work, forecast, config, None)
    state = sim._State(setup, [sim._Agent(a.ranks, a.order) for a in setup.agents], None)
    events, seq = [], 0
    for t, kind, who, day in setup.shifts:
        events.append((t, kind, seq, who, day))
        seq += 1
    made = []
    for arrival_s, service_s in contacts:
        contact = sim._Contact(0, arrival_s, int(arrival_s // setup.interval_s), service_s)
        made.append(contact)
        events.append((arrival_s, sim._ARRIVE, seq, 0, contact))
        seq += 1
    heapq.heapify(events)
    while events:
        t, kind, _, who, item = heapq.heappop(events)
        for event in state.handle(t, kind, who, item):
            heapq.heappush(events, (event[0], event[1], seq, event[2], event[3]))
            seq += 1
    return made


def test_a_contact_running_into_a_break_delays_the_whole_break(config):
    # one agent: work 06:00-06:30, break 06:30-06:45, work 06:45-07:30
    agent = _work(1, "sales", hours=2)
    split = pd.concat(
        [
            agent.assign(end=START + pd.Timedelta(minutes=30)),
            agent.assign(
                start=START + pd.Timedelta(minutes=30),
                end=START + pd.Timedelta(minutes=45),
                activity="break",
            ),
            agent.assign(start=START + pd.Timedelta(minutes=45)),
        ]
    )
    # a 10-minute call answered at 06:29 ends at 06:39: the break runs 06:39-06:54, so a
    # call arriving at 06:50 waits until 06:54 (not answered at 06:45 as if the break shrank)
    first, second = _run_events(
        config, split, _forecast("sales", 1, 180, hours=2), [(29 * 60.0, 600.0), (50 * 60.0, 60.0)]
    )
    assert first.answered_s == pytest.approx(29 * 60.0)
    assert second.answered_s == pytest.approx(54 * 60.0)


def test_a_break_starts_after_a_contact_longer_than_the_break(config):
    agent = _work(1, "sales", hours=2)
    split = pd.concat(
        [
            agent.assign(end=START + pd.Timedelta(minutes=30)),
            agent.assign(
                start=START + pd.Timedelta(minutes=30),
                end=START + pd.Timedelta(minutes=45),
                activity="break",
            ),
            agent.assign(start=START + pd.Timedelta(minutes=45)),
        ]
    )
    # the call answered at 06:29 lasts 20 minutes (to 06:49): back at 06:49 + 15 = 07:04
    _, second = _run_events(
        config,
        split,
        _forecast("sales", 1, 180, hours=2),
        [(29 * 60.0, 1200.0), (50 * 60.0, 60.0)],
    )
    assert second.answered_s == pytest.approx(64 * 60.0)


def test_overtime_at_the_end_of_a_shift_does_not_delay_the_next_day(config):
    day_one = _work(1, "sales", hours=1)
    day_two = day_one.assign(
        start=START + pd.Timedelta(days=1), end=START + pd.Timedelta(days=1, hours=1)
    )
    forecast = _forecast("sales", 1, 180, hours=26)
    _, second = _run_events(
        config,
        pd.concat([day_one, day_two]),
        forecast,
        [(59 * 60.0, 1200.0), (24 * 3600.0 + 60.0, 60.0)],
    )
    assert second.answered_s == pytest.approx(24 * 3600.0 + 60.0)


def _chat_only(inflation: float):
    data = tomllib.loads(GOOD.read_text())
    data["queues"] = [
        {
            "name": "chat",
            "channel": "chat",
            "service_level": 0.8,
            "threshold_s": 60,
            "concurrency": 2,
            "concurrency_inflation": inflation,
        }
    ]
    return parse_config(data)


def test_chats_slow_down_with_the_chats_an_agent_holds():
    from staffplan.pooling import chat_pool

    config = _chat_only(0.3)
    # 7 agents x 2 chats, 40 chats per 15 min of 180 s handled alone; each of two concurrent
    # chats progresses at 1 / 1.3 of that speed (Tezcan & Zhang's state-dependent rate)
    result = simulate(_work(7, "chat"), _forecast("chat", 40, 180), config, replications=12)
    row = result.queues.iloc[0]
    held = chat_pool(40 / 900, 7, 180.0, 60.0, 2, 0.3)
    assert _inside(float(held["service_level"]), row, "service_level")
    assert _inside(float(held["asa_s"]), row, "asa_s")
    # the planning model inflates every chat as if agents always held two: more conservative
    always = erlang.erlang_chat(8.0, 7, 180.0, 60.0, 2, inflation=0.3)["service_level"]
    assert float(always) < float(held["service_level"])


def test_email_items_whose_deadline_falls_after_the_horizon_are_not_scored(config):
    # 48 hours of email at a 24 h deadline: items arriving in the first 24 h are scored, the
    # rest not (their deadline is past the horizon); expected figures weighted by the share
    # the simulation scores cover the same items.
    from staffplan.evaluate import weekly_service

    starts = pd.date_range(START, periods=48 * 4, freq="15min")
    forecast = pd.DataFrame(
        {"interval_start": starts, "queue": "email", "calls": 2.0, "aht_s": 300}
    )
    result = simulate(_work(1, "email", hours=48), forecast, config, replications=3, seed=2)
    frame = result.intervals.set_index("interval_start")
    first_day = frame.index < START + pd.Timedelta(hours=24)
    assert (frame.loc[first_day, "sim_scored"] == 1.0).all()
    assert (frame.loc[~first_day, "sim_scored"] == 0.0).all()
    assert (frame.loc[~first_day, "sim_offered"] == 0.0).all()
    # scored items per replication: about 2 per interval over the first day only
    assert result.queues.iloc[0]["sim_offered"] == pytest.approx(2.0 * 96, rel=0.25)
    # an expected service level of 1 on the first day and 0 on the second: over every item
    # 0.5, over the items the simulation scores 1
    coverage = forecast.assign(
        service_level=np.where(starts < START + pd.Timedelta(hours=24), 1.0, 0.0)
    )
    assert weekly_service(coverage, config)["service_level"].iloc[0] == pytest.approx(0.5)
    same = weekly_service(coverage, config, scored=result.intervals)
    assert same["service_level"].iloc[0] == pytest.approx(1.0)
    assert same["calls"].iloc[0] == pytest.approx(2.0 * 96)
