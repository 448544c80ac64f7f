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


# --------------------------------------------------------------------------- pooled roster

TZ = "Europe/Amsterdam"
DAY = pd.Timestamp("2026-03-02 08:00", tz=TZ)


def _flat(queues: dict[str, tuple[float, float]], hours: int = 4) -> pd.DataFrame:
    """Constant forecast: queue -> (calls per 15 min, aht_s)."""
    starts = pd.date_range(DAY, periods=hours * 4, freq="15min")
    return pd.concat(
        [
            pd.DataFrame({"interval_start": starts, "queue": q, "calls": c, "aht_s": h})
            for q, (c, h) in queues.items()
        ],
        ignore_index=True,
    )


def _team(n: int, queues: str, hours: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": [f"{queues}-{i}" for i in range(n)],
            "start": DAY,
            "end": DAY + pd.Timedelta(hours=hours),
            "activity": "work",
            "queue": queues,
        }
    )


def _extra_queue(queue: dict):
    import tomllib

    from staffplan.config import parse_config

    data = tomllib.loads(GOOD.read_text())
    data["queues"].append(queue)
    return parse_config(data)


def _chat_config(inflation: float = 0.0):
    return _extra_queue(
        {
            "name": "chat",
            "channel": "chat",
            "service_level": 0.8,
            "threshold_s": 60,
            "concurrency": 2,
            "concurrency_inflation": inflation,
        }
    )


def test_chat_pool_without_inflation_is_erlang_c_on_slots():
    from staffplan import erlang
    from staffplan.pooling import chat_pool

    rate, agents, aht = np.array([50.0, 80.0, 5.0]) / 900, np.array([7, 12, 1]), 180.0
    mine = chat_pool(rate, agents, aht, 60.0, 2)
    slots = erlang.erlang_chat(rate * aht, agents, aht, 60.0, 2)
    for key in ("service_level", "asa_s", "occupancy"):
        np.testing.assert_allclose(mine[key], slots[key], rtol=1e-9)


def test_chat_pool_slows_down_only_with_the_chats_held():
    from staffplan import erlang
    from staffplan.pooling import chat_pool

    rate, agents, aht = np.array([30.0, 50.0]) / 900, np.array([6, 7]), 180.0
    held = chat_pool(rate, agents, aht, 60.0, 2, 0.3)["service_level"]
    alone = chat_pool(rate, agents, aht, 60.0, 2, 0.0)["service_level"]
    always = erlang.erlang_chat(rate * aht, agents, aht, 60.0, 2, inflation=0.3)["service_level"]
    assert (always < held).all() and (held < alone).all()


def test_single_skill_roster_is_erlang_per_queue(setup):
    from staffplan import erlang
    from staffplan.pooling import evaluate_roster

    config = setup[0]
    forecast = _flat({"sales": (50, 180), "support": (50, 180)})
    work = pd.concat([_team(14, "sales"), _team(12, "support")])
    got = evaluate_roster(work, forecast, config, absence=0.0).set_index(["queue"])
    late = got[got["interval_start"] >= DAY + pd.Timedelta(hours=2)]  # past the morning ramp
    sales, support = late.loc["sales"], late.loc["support"]
    np.testing.assert_allclose(
        sales["service_level"], erlang.service_level(10.0, 14, 180.0, 20.0), rtol=1e-4
    )
    np.testing.assert_allclose(sales["asa_s"], erlang.asa(10.0, 14, 180.0), rtol=1e-3)
    expected = erlang.erlang_a(10.0, 12, 180.0, 120.0, 30.0)
    np.testing.assert_allclose(support["service_level"], expected["sl_offered"], rtol=1e-6)
    np.testing.assert_allclose(support["abandon_rate"], expected["p_abandon"], rtol=1e-6)
    np.testing.assert_allclose(support["asa_s"], expected["asa_answered_s"], rtol=1e-3)


def test_fully_shared_agents_pool_their_queues():
    from staffplan import erlang
    from staffplan.pooling import evaluate_roster

    config = _extra_queue(
        {"name": "billing", "channel": "voice", "service_level": 0.8, "threshold_s": 20}
    )
    forecast = _flat({"sales": (25, 180), "billing": (25, 180)})
    shared = pd.concat([_team(7, "sales>billing"), _team(7, "billing>sales")])
    got = evaluate_roster(shared, forecast, config, absence=0.0)
    late = got[got["interval_start"] >= DAY + pd.Timedelta(hours=2)]
    # one pool of 14 agents for 10 Erlangs (Erlang C), not two groups of 7 for 5 Erlangs each
    for queue in ("sales", "billing"):
        sl = late[late["queue"] == queue]["service_level"]
        np.testing.assert_allclose(sl, erlang.service_level(10.0, 14, 180.0, 20.0), rtol=1e-6)
        assert (sl > erlang.service_level(5.0, 7, 180.0, 20.0) + 0.05).all()


def test_absence_averages_over_the_head_count(setup):
    from scipy import stats

    from staffplan import erlang
    from staffplan.pooling import evaluate_roster

    config = setup[0]
    forecast = _flat({"sales": (50, 180)})
    got = evaluate_roster(_team(20, "sales"), forecast, config, absence=0.3)
    late = got[got["interval_start"] >= DAY + pd.Timedelta(hours=2)]["service_level"]
    heads = np.arange(21)
    expected = np.sum(
        stats.binom.pmf(heads, 20, 0.7) * erlang.service_level(10.0, heads, 180.0, 20.0)
    )
    np.testing.assert_allclose(late, expected, rtol=1e-4)
    # the expected service is below the service of the expected head count (14 agents)
    assert expected < erlang.service_level(10.0, 14, 180.0, 20.0)


def test_chat_in_a_pool_is_answered_by_first_chat_agents_slots():
    from staffplan.pooling import chat_pool, evaluate_roster

    config = _chat_config()
    forecast = _flat({"chat": (50, 180)})
    got = evaluate_roster(_team(7, "chat"), forecast, config, absence=0.0)
    late = got[got["interval_start"] >= DAY + pd.Timedelta(hours=2)]["service_level"]
    np.testing.assert_allclose(late, chat_pool(50 / 900, 7, 180.0, 60.0, 2)["service_level"])


def test_agents_who_rank_email_first_are_not_there_for_chats_while_on_email():
    from staffplan.pooling import chat_pool, evaluate_roster

    config = _chat_config()
    # 30 Erlangs of email: the 4 agents who rank it first are on it all the time, so
    # chats have only the 7 chat agents (a simulation of this roster never gives the
    # email agents a chat): Erlang C on their 14 slots
    forecast = pd.concat([_flat({"chat": (50, 180)}), _flat({"email": (30, 900)})])
    roster = pd.concat([_team(7, "chat"), _team(4, "email>chat")])
    got = evaluate_roster(roster, forecast, config, absence=0.0)
    chat = got[(got["queue"] == "chat") & (got["interval_start"] >= DAY + pd.Timedelta(hours=2))]
    alone = chat_pool(50 / 900, 7, 180.0, 60.0, 2)["service_level"]
    with_them = chat_pool(50 / 900, 11, 180.0, 60.0, 2)["service_level"]
    assert with_them > alone + 0.04  # counting them would matter
    np.testing.assert_allclose(chat["service_level"], alone)


def test_coverage_with_the_roster_uses_the_pooled_model(setup):
    config, forecast, coverage = setup
    work = pd.concat([_team(30, "sales>support"), _team(30, "support>sales")])
    pooled = evaluate_coverage(coverage, forecast, config, activities=work)
    split = evaluate_coverage(coverage, forecast, config)
    assert list(pooled.columns) == list(split.columns)
    assert not np.allclose(pooled["service_level"], split["service_level"])


def _overnight_email(calls: float) -> pd.DataFrame:
    """Sales from 08:00 to 12:00 and email around the clock from midnight: the email
    arriving overnight is a backlog when the agents start at 08:00."""
    night = pd.date_range(DAY - pd.Timedelta(hours=8), periods=48, freq="15min")
    return pd.concat(
        [
            _flat({"sales": (calls, 180.0)}),
            pd.DataFrame({"interval_start": night, "queue": "email", "calls": 3.0, "aht_s": 450.0}),
        ],
        ignore_index=True,
    )


def test_idle_agents_with_the_email_skill_work_the_backlog_as_simulated(setup):
    from staffplan.pooling import evaluate_roster
    from staffplan.simulation import simulate

    config = setup[0]
    forecast = _overnight_email(35.0)  # 7 Erlangs of sales
    roster = pd.concat([_team(8, "sales"), _team(4, "sales>email")])
    # the reference: the same roster simulated (agents with email second take it when idle)
    sim = simulate(roster, forecast, config, replications=40, seed=1)
    simulated = sim.queues.set_index("queue").loc["sales"]
    weights = forecast[forecast["queue"] == "sales"]["calls"].to_numpy()

    def weekly(work) -> float:
        got = evaluate_roster(work, forecast, config, absence=0.0)
        return float(np.average(got[got["queue"] == "sales"]["service_level"], weights=weights))

    expected = weekly(roster)
    # the model before this effect: the helpers' email skill ignored
    ignored = weekly(pd.concat([_team(8, "sales"), _team(4, "sales")]))
    lo, mid, hi = (simulated[f"sim_service_level{k}"] for k in ("_lo", "", "_hi"))
    assert mid < ignored - 0.15  # the effect is large in the simulation
    assert expected < ignored - 0.05  # the model sees it ...
    # ... and comes close: the helpers answer only callers who already wait, when an email
    # ends (450 s). It ends up a few points low (68% against 72% [71, 73] with 200
    # replications; a fluid share of the helpers' idle time had 88%): a helper who answered
    # a waiting caller takes the next one waiting before going back to email, which the
    # drain at the emails' end rate leaves out.
    assert abs(expected - mid) < 0.3 * abs(ignored - mid)
    assert expected > lo - 0.06


def test_without_the_email_skill_the_backlog_changes_nothing(setup):
    from staffplan.pooling import evaluate_roster

    config = setup[0]
    roster = pd.concat([_team(8, "sales"), _team(4, "sales")])
    with_email = evaluate_roster(roster, _overnight_email(35.0), config, absence=0.0)
    without = evaluate_roster(roster, _flat({"sales": (35.0, 180.0)}), config, absence=0.0)
    sales = with_email[with_email["queue"] == "sales"].reset_index(drop=True)
    pd.testing.assert_frame_equal(sales, without.reset_index(drop=True))


def _against_simulation(teams: dict[str, int], sales: float, support: float):
    """Weekly service per voice queue, the model and the simulation's 95% interval (four
    hours of constant arrivals, as in ``benchmarks/multiskill_cases.py``; 40 replications,
    seed 1, no absence)."""
    from staffplan.pooling import evaluate_roster
    from staffplan.simulation import simulate

    config = load_config(GOOD)
    forecast = _flat({"sales": (sales, 240.0), "support": (support, 360.0)})
    work = pd.concat([_team(n, queues) for queues, n in teams.items()], ignore_index=True)
    model = evaluate_roster(work, forecast, config, absence=0.0)
    model = model.merge(forecast, on=["interval_start", "queue"])
    sim = simulate(work, forecast, config, replications=40, seed=1).queues.set_index("queue")
    out = {}
    for queue, group in model.groupby("queue"):
        expected = float(np.average(group["service_level"], weights=group["calls"]))
        lo, hi = (sim.loc[queue, f"sim_service_level{k}"] for k in ("_lo", "_hi"))
        out[queue] = (expected, lo, hi)
    return out


def test_cross_trained_teams_agree_with_the_simulation():
    # two teams with four cross-trained agents each: a sales call waits while support-only
    # agents are idle, which the one-pool model missed (84% against 72% simulated)
    teams = {"sales": 8, "support": 8, "sales>support": 4, "support>sales": 4}
    for queue, (expected, lo, hi) in _against_simulation(teams, 40, 25).items():
        assert lo <= expected <= hi, (queue, expected, lo, hi)


def test_fully_flexible_agents_agree_with_the_simulation():
    # every agent has both skills: each queue's callers wait for the same agents (one pool)
    teams = {"sales>support": 12, "support>sales": 12}
    for queue, (expected, lo, hi) in _against_simulation(teams, 30, 30).items():
        assert lo <= expected <= hi, (queue, expected, lo, hi)


def test_helpers_who_answer_their_own_queue_first_never_make_sales_worse():
    # Every support agent also takes sales (second), and sales has 12 agents of its own: the
    # helpers can only add to sales' own Erlang C (12 agents for 8 Erlangs), so the model
    # must not fall below it. The one-pool bound did (88.4% against Erlang C's 90.6%; the
    # simulation gives 96.6%, BENCHMARKS.md, "Where the voice and chat errors come from").
    from staffplan import erlang
    from staffplan.pooling import evaluate_roster

    config = load_config(GOOD)
    forecast = _flat({"sales": (30.0, 240.0), "support": (25.0, 360.0)})
    work = pd.concat([_team(12, "sales"), _team(10, "support>sales")], ignore_index=True)
    model = evaluate_roster(work, forecast, config, absence=0.0)
    sales = model[model["queue"] == "sales"]["service_level"].to_numpy()
    alone = float(erlang.service_level(30 * 240 / 900, 12, 240.0, 20.0))
    assert (sales >= alone - 1e-9).all(), (sales.min(), alone)


def _relay_with_breaks(n: int) -> pd.DataFrame:
    """The relay of ``benchmarks/break_cases.py``: ``n`` sales agents in two 4-hour relays,
    each with two 15-minute breaks, staggered so that the head count stays level while
    agents leave for breaks and come back at every quarter hour."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "break_cases.py"
    spec = importlib.util.spec_from_file_location("break_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.START == DAY
    return module.relay(n)


@pytest.mark.parametrize(("calls", "aht_s"), [(20, 300.0), (22, 300.0), (27, 240.0)])
def test_agents_finishing_their_call_before_a_break_as_simulated(monkeypatch, calls, aht_s):
    # An agent on a call when his work ends finishes it and comes back from the break late
    # by that time. Handing those calls to the agents still there (the per-interval model
    # without pooling._handover) is about 2 points below the simulation here, and the
    # simulation agrees with that model when it hands the calls back to the queue. With the
    # handover the model is about 1 point below (what is left: the queue carried across
    # intervals, which stationary intervals do not have; see BENCHMARKS.md).
    from staffplan import pooling
    from staffplan.simulation import simulate

    config = load_config(GOOD)
    forecast = _flat({"sales": (calls, aht_s)}, hours=6)
    work = _relay_with_breaks(24)

    def weekly() -> float:
        got = pooling.evaluate_roster(work, forecast, config, absence=0.0)
        got = got.merge(forecast, on=["interval_start", "queue"])
        return float(np.average(got["service_level"], weights=got["calls"]))

    model = weekly()
    monkeypatch.setattr(pooling, "_handover", lambda *args: args[6])  # the load unchanged
    per_interval = weekly()
    sim = simulate(work, forecast, config, replications=200, seed=1).queues.set_index("queue")
    simulated = sim.loc["sales", "sim_service_level"]  # 95% half-width about 0.6 points
    assert abs(model - simulated) < 0.015, (model, simulated)
    assert abs(per_interval - simulated) > abs(model - simulated) + 0.005, (per_interval, model)


def test_handover_moves_the_rest_of_the_call_by_hand():
    # one agent, 0.5 Erlang on sales, calls of 300 s, 15-minute intervals: work 08:00-08:30,
    # break, work 08:45-09:15. At 08:30 he keeps r = (300/900)(1 - e^-3) of a call with
    # the probability that he is on a call, comes back at 08:45 late by the same, and at 09:15
    # keeps it again (overtime); at work with probability 0.7.
    from staffplan.pooling import _handover, _presence

    config = load_config(GOOD)
    minutes = pd.Timedelta(minutes=1)
    work = pd.DataFrame(
        {
            "agent_id": "a",
            "start": [DAY, DAY + 45 * minutes],
            "end": [DAY + 30 * minutes, DAY + 75 * minutes],
            "activity": "work",
            "queue": "sales",
        }
    )
    names = config.queue_names
    index = {q: i for i, q in enumerate(names)}
    cfg = [config.queue(q) for q in names]
    load = np.zeros((len(names), 8))
    load[index["sales"]] = 0.5
    handle = np.full_like(load, 300.0)
    first = DAY.tz_convert("UTC")
    ranks, presence = _presence(work, None, index, first, pd.Timedelta(minutes=15), 8)
    step = pd.Timedelta(minutes=15)
    got = _handover(work, None, index, first, step, cfg, load, handle, 0.7, ranks, presence)
    # his team: 0.7 expected heads carrying 0.5 Erlang, so he holds a call 0.5/0.7 of the time
    kept = 0.7 * (0.5 / 0.7) * (300 / 900) * (1 - np.exp(-3.0))
    expected = np.full(8, 0.5)
    expected[2] -= kept  # 08:30: the rest of his call is not on the others
    expected[3] += kept  # 08:45: back late
    expected[5] -= kept  # 09:15: overtime
    np.testing.assert_allclose(got[index["sales"]], expected, rtol=1e-12)
    others = np.delete(got, index["sales"], axis=0)
    assert not others.any()


def test_callers_left_waiting_join_the_next_interval_by_hand():
    # sales (no patience): 36 calls per 15 min at 08:00, then 18; the first interval's
    # stationary queue (arrivals x ASA) is 0.04 x 200 = 8 callers, the second's 0.02 x 10 =
    # 0.2. The 7.8 left beyond it hold up the second interval until its spare agents (rate
    # 0.02 x (1 - 0.5) / 0.5 = 0.02 per second, 18 per interval) have answered them: a share
    # 7.8 / 18 of it. Their handle time (300 s) over the interval: Erlangs.
    from staffplan.pooling import _carried_load, _Traffic

    config = load_config(GOOD)
    cfg = [config.queue(q) for q in config.queue_names]
    sales = config.queue_names.index("sales")
    rate = np.zeros((len(cfg), 3))
    rate[sales] = [36 / 900, 18 / 900, 18 / 900]
    handle = np.full_like(rate, 300.0)
    traffic = _Traffic(
        arriving=rate > 0, rate=rate, load=rate * handle, aht=handle, interval_s=900.0
    )
    out = {
        sales: {
            "asa_s": np.array([200.0, 10.0, 10.0]),
            "abandon_rate": np.full(3, np.nan),
            "occupancy": np.array([0.9, 0.5, 0.5]),
            "service_level": np.array([0.5, 0.9, 0.9]),
        }
    }
    got = _carried_load(out, traffic, cfg, traffic.load, handle)
    excess = 36 / 900 * 200 - 18 / 900 * 10
    expected = excess * min(1.0, excess / 18.0) * 300 / 900
    np.testing.assert_allclose(got[sales], [0.0, expected, 0.0], rtol=1e-12)
    assert not np.delete(got, sales, axis=0).any()
    # callers who hang up are not carried: with a quarter abandoning, a quarter fewer wait
    # at the end of the first interval (Little's law on the answered) and of those carried
    # a quarter fewer are answered
    out[sales]["abandon_rate"] = np.array([0.25, 0.0, 0.0])
    got = _carried_load(out, traffic, cfg, traffic.load, handle)
    excess = (36 / 900 * 200 * 0.75 - 18 / 900 * 10) * 0.75
    expected = excess * min(1.0, excess / 18.0) * 300 / 900
    np.testing.assert_allclose(got[sales, 1], expected, rtol=1e-12)


@pytest.mark.parametrize("team", ["email", "support>email"])
def test_email_items_wait_for_the_next_opening_when_the_agent_of_the_day_is_away(setup, team):
    from staffplan.deferred import evaluate_deferred_roster
    from staffplan.simulation import simulate

    config = setup[0]
    # one agent with the email skill works 08:00-12:00 on one day; 2 items of 300 s arrive
    # per 15 min then (he needs 600 s of each 900 s); nobody works in the next 24 h. On
    # the days he is away (30%) every item is late, on the others none (a fluid backlog):
    # 70% in time. A helper (email second, no calls) works it like an email agent.
    starts = pd.date_range(DAY, periods=4 * 48, freq="15min")
    calls = np.where(starts < DAY + pd.Timedelta(hours=4), 2.0, 0.0)
    forecast = pd.DataFrame(
        {"interval_start": starts, "queue": "email", "calls": calls, "aht_s": 300.0}
    )
    roster = _team(1, team)
    got = evaluate_deferred_roster(roster, forecast, config, absence=0.3)
    expected = np.average(got["service_level"], weights=forecast["calls"])
    assert expected == pytest.approx(0.7, abs=0.005)
    # the simulation of the same roster (whole-day absence, items one by one)
    sim = simulate(roster, forecast, config, replications=400, seed=1, absence=0.3)
    simulated = sim.queues.set_index("queue").loc["email"]
    assert simulated["sim_service_level_lo"] <= expected <= simulated["sim_service_level_hi"]
