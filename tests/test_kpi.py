"""KPI reports on a small hand-made state log: every expected value is computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from numpy.testing import assert_allclose

from staffplan.config import parse_config
from staffplan.errors import InputError
from staffplan.kpi import KpiTargets, kpi_report, validate_agent_history, validate_states
from staffplan.kpi.customers import customer_table
from staffplan.kpi.inputs import validate_contacts
from staffplan.kpi.periods import period_bounds, period_labels, split
from staffplan.kpi.turnover import turnover_table

CONFIG = parse_config(
    {
        "center": {"name": "Test centre", "timezone": "Europe/Amsterdam", "shrinkage": 0.2},
        "queues": [
            {"name": "sales", "channel": "voice", "service_level": 0.8, "threshold_s": 20},
            {
                "name": "chat",
                "channel": "chat",
                "service_level": 0.8,
                "threshold_s": 60,
                "concurrency": 2,
            },
        ],
    }
)
D1 = "2026-05-04T"  # a Monday, summer time (+02:00)
D2 = "2026-05-05T"

# A1 (voice, sales) on Monday 08:00-11:00; A2 (chat) from 23:00 on Monday to 01:00 on Tuesday,
# holding two chats across midnight.
STATES = [
    ("A1", "08:00", "08:30", "available", ""),
    ("A1", "08:30", "08:36", "on_contact", "sales"),
    ("A1", "08:36", "08:38", "hold", "sales"),
    ("A1", "08:38", "08:42", "on_contact", "sales"),  # resumes the same contact after hold
    ("A1", "08:42", "08:45", "after_contact_work", "sales"),
    ("A1", "08:45", "09:00", "break", ""),
    ("A1", "09:00", "09:10", "on_contact", "sales"),
    ("A1", "09:10", "09:12", "after_contact_work", "sales"),
    ("A1", "09:12", "10:00", "available", ""),
    ("A1", "10:00", "10:30", "lunch", ""),
    ("A1", "10:30", "11:00", "offline", ""),
    ("A2", "23:00", "23:50", "available", ""),
    ("A2", "23:50", "+00:20", "on_contact", "chat"),
    ("A2", "23:55", "+00:05", "on_contact", "chat"),
    ("A2", "+00:05", "+00:10", "after_contact_work", "chat"),
    ("A2", "+00:20", "+00:30", "after_contact_work", "chat"),
    ("A2", "+00:30", "+01:00", "available", ""),
]


def _ts(clock: str) -> str:
    """'08:00' on Monday, '+00:20' on Tuesday, as ISO 8601 text with the offset."""
    day, hhmm = (D2, clock[1:]) if clock.startswith("+") else (D1, clock)
    return f"{day}{hhmm}:00+02:00"


def states_frame(rows=STATES) -> pd.DataFrame:
    """The log as a CSV reader gives it: every cell text."""
    return pd.DataFrame(
        [(a, _ts(s), _ts(e), st, q) for a, s, e, st, q in rows],
        columns=["agent_id", "state_start", "state_end", "state", "queue"],
    )


def history_frame() -> pd.DataFrame:
    starts = pd.date_range("2026-05-04 08:00", periods=12, freq="15min", tz="Europe/Amsterdam")
    rows = []
    for t in starts:
        rows.append((t, "sales", 10, 9, 1, 300.0, 7, 20))
        rows.append((t, "chat", 4, 4, 0, 600.0, 4, 60))
    return pd.DataFrame(
        rows,
        columns=["interval_start", "queue", "offered", "handled", "abandoned", "aht_s",
                 "answered_in_sl", "sl_threshold_s"],
    )  # fmt: skip


AGENTS = pd.DataFrame(
    {
        "agent_id": ["A1", "A2"],
        "name": ["Ann", "Bob"],
        "team": ["Team X", "Team Y"],
        "skills": ["sales:1", "chat:1"],
        "min_hours_week": ["20", "20"],
        "max_hours_week": ["40", "40"],
        "cost_per_hour": ["20", "30"],
    }
)
ROSTER = pd.DataFrame(
    {
        "agent_id": ["A1"],
        "date": ["2026-05-04"],
        "shift_start": [_ts("08:00")],
        "shift_end": [_ts("11:00")],
        "paid_hours": ["2.5"],
        "queues": ["sales"],
    }
)
ACTIVITIES = pd.DataFrame(
    [
        ("A1", _ts("08:00"), _ts("08:45"), "work", "sales"),
        ("A1", _ts("08:45"), _ts("09:00"), "break", ""),
        ("A1", _ts("09:00"), _ts("10:00"), "work", "sales"),
        ("A1", _ts("10:00"), _ts("10:30"), "lunch", ""),
        ("A1", _ts("10:30"), _ts("11:00"), "work", "sales"),
    ],
    columns=["agent_id", "start", "end", "activity", "queue"],
)


def report(period="week", **kwargs):
    kwargs.setdefault("figures", False)
    return kpi_report(states_frame(), history_frame(), CONFIG, period=period, **kwargs)


def row(table: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for k, v in keys.items():
        mask &= (table[k] == v).to_numpy()
    assert mask.sum() == 1, (keys, table)
    return table[mask].iloc[0]


# --------------------------------------------------------------------------- operators


def test_voice_agent_hand_computed():
    r = row(report().operators, agent_id="A1")
    assert r["period"] == "2026-05-04"
    assert r["contacts"] == 2  # the on_contact after hold resumes the first contact
    assert_allclose(
        r[["talk_h", "hold_h", "acw_h"]].astype(float), [1200 / 3600, 120 / 3600, 300 / 3600]
    )
    assert_allclose(r["aht_s"], 810.0)  # (1200 + 120 + 300) / 2
    assert_allclose(r[["aht_talk_s", "aht_hold_s", "aht_acw_s"]].astype(float), [600, 60, 150])
    assert_allclose(r["available_h"], 4680 / 3600)
    assert_allclose(r["busy_h"], 1620 / 3600)
    assert_allclose(r["occupancy"], 1620 / 6300)  # on contact / (available + on contact)
    assert_allclose(r[["break_h", "lunch_h", "offline_h"]].astype(float), [0.25, 0.5, 0.5])
    assert_allclose(r["logged_h"], 3.0)
    assert_allclose(r["paid_h"], 2.5)  # logged minus the unpaid lunch
    assert_allclose(r["utilisation"], 6300 / 9000)
    assert_allclose(r["shrinkage"], 1 - 6300 / 9000)


def test_chat_agent_across_midnight_is_split_by_day():
    days = report(period="day").operators
    mon, tue = (
        row(days, agent_id="A2", period="2026-05-04"),
        row(days, agent_id="A2", period="2026-05-05"),
    )
    # two chats start on Monday; the first lasts 23:50-00:20 (10 + 20 min), the second 23:55-00:05
    assert (mon["contacts"], tue["contacts"]) == (2, 0)
    assert_allclose(mon["talk_h"] * 3600, 600 + 300)
    assert_allclose(tue["talk_h"] * 3600, 1200 + 300)
    assert_allclose(tue["acw_h"] * 3600, 300 + 600)
    # concurrent chats count once in busy time: Monday 23:50-24:00, Tuesday 00:00-00:30
    assert_allclose([mon["busy_h"] * 3600, tue["busy_h"] * 3600], [600, 1800])
    assert_allclose(mon["occupancy"], 600 / (3000 + 600))
    assert_allclose(tue["occupancy"], 1800 / (1800 + 1800))
    week = row(report().operators, agent_id="A2")
    assert_allclose(week["aht_s"], (2400 + 900) / 2)
    assert_allclose(week["occupancy"], 2400 / 7200)
    # the day rows add up to the week row
    for column in ("talk_h", "acw_h", "busy_h", "available_h", "logged_h"):
        assert_allclose(mon[column] + tue[column], week[column])


def test_adherence_conformance_and_cost_with_roster_and_activities():
    rep = report(roster=ROSTER, activities=ACTIVITIES, agents=AGENTS)
    r = row(rep.operators, agent_id="A1")
    # scheduled 3 h; in the scheduled activity: work 08:00-08:45 (45 min), break (15), work
    # 09:00-10:00 (60), lunch (30); offline during work 10:30-11:00 is not adherent
    assert_allclose(r["adherence_scheduled_h"], 3.0)
    assert_allclose(r["adherent_h"], 2.5)
    assert_allclose(r["adherence"], 2.5 / 3.0)
    assert_allclose(r["paid_h"], 2.5)  # from the roster
    assert_allclose(r["conformance"], 2.0 / 2.5)  # worked = logged - lunch - offline
    assert_allclose(r["cost"], 2.5 * 20)
    assert_allclose(r["cost_per_contact"], 2.5 * 20 / 2)
    assert r["team"] == "Team X" and r["name"] == "Ann"
    a2 = row(rep.operators, agent_id="A2")
    assert np.isnan(a2["adherence"])  # nothing scheduled for A2
    team = row(rep.teams, team="Team X")
    assert_allclose(team["adherence"], 2.5 / 3.0)
    assert team["agents"] == 1


def test_period_boundaries_split_proportionally_at_month_end():
    rows = [("A3", "2026-05-31T23:30:00+02:00", "2026-06-01T00:30:00+02:00", "available", "")]
    frame = pd.DataFrame(rows, columns=["agent_id", "state_start", "state_end", "state", "queue"])
    states = validate_states(frame, CONFIG).frame
    bounds = period_bounds(
        states["state_start"].min(), states["state_end"].max(), "month", CONFIG.center.tzinfo
    )
    assert list(period_labels(bounds)) == ["2026-05-01", "2026-06-01"]
    rec, per, sec = split(
        states["state_start"].astype("int64").to_numpy(),
        states["state_end"].astype("int64").to_numpy(),
        bounds.as_unit("ns").asi8,
    )
    assert list(per) == [0, 1]
    assert_allclose(sec, [1800.0, 1800.0])
    weeks = period_bounds(
        states["state_start"].min(), states["state_end"].max(), "week", CONFIG.center.tzinfo
    )
    assert list(period_labels(weeks)) == ["2026-05-25", "2026-06-01"]  # Sunday -> Monday


def test_day_periods_follow_local_dates_over_dst():
    start = pd.Timestamp("2026-03-28 12:00", tz="Europe/Amsterdam")
    bounds = period_bounds(start, start + pd.Timedelta(days=2), "day", CONFIG.center.tzinfo)
    hours = np.diff(bounds.as_unit("ns").asi8) / 3.6e12
    assert list(hours) == [24.0, 23.0, 24.0]  # 29 March has 23 hours


def test_agent_missing_from_agents_csv_is_reported_not_dropped():
    rep = report(agents=AGENTS[AGENTS["agent_id"] == "A1"])
    a2 = row(rep.operators, agent_id="A2")
    assert a2["team"] == "(not in agents.csv)"
    assert np.isnan(a2["cost"])
    assert any("A2" in str(w) and "agents.csv" in str(w) for w in rep.warnings)
    assert "(not in agents.csv)" in set(rep.teams["team"])


# --------------------------------------------------------------------------- bad records


def test_overlapping_records_are_refused_with_agent_and_time():
    rows = [*STATES, ("A1", "08:35", "08:50", "break", "")]
    with pytest.raises(
        InputError, match=r"agent A1.*'break' record 2026-05-04T08:35:00\+02:00"
    ) as err:
        validate_states(states_frame(rows), CONFIG)
    text = str(err.value)
    assert "line 19" in text or "row 18" in text  # the added record (header = line 1)
    assert "not merged" in text


def test_third_concurrent_chat_exceeds_concurrency():
    rows = [*STATES, ("A2", "23:58", "+00:02", "on_contact", "chat")]
    with pytest.raises(InputError, match=r"agent A2.*one chat more.*concurrency 2"):
        validate_states(states_frame(rows), CONFIG)


def test_voice_contacts_may_not_overlap_even_on_a_chat_agent():
    rows = [*STATES, ("A2", "23:40", "23:52", "on_contact", "sales")]
    with pytest.raises(InputError, match=r"agent A2"):
        validate_states(states_frame(rows), CONFIG)


def test_out_of_order_records_are_sorted_with_a_warning():
    shuffled = [STATES[3], *STATES[:3], *STATES[4:]]
    checked = validate_states(states_frame(shuffled), CONFIG)
    assert any(
        "agent A1" in str(w) and "not in time order" in str(w) and "08:30:00+02:00" in str(w)
        for w in checked.warnings
    )
    ordered = validate_states(states_frame(), CONFIG)
    cols = ["agent_id", "state_start", "state_end", "state", "queue"]
    pd.testing.assert_frame_equal(checked.frame[cols], ordered.frame[cols])
    assert not ordered.warnings


def test_bad_cells_are_listed_together():
    rows = [
        ("A1", "08:00", "08:30", "availble", ""),
        ("A1", "08:30", "08:20", "on_contact", "sales"),
        ("A1", "09:00", "09:10", "on_contact", "billing"),
        ("A1", "09:10", "09:20", "after_contact_work", ""),
    ]
    with pytest.raises(InputError) as err:
        validate_states(states_frame(rows), CONFIG)
    text = str(err.value)
    for phrase in ("unknown state", "'availble'", "state_end must be after state_start",
                   "unknown queue", "'billing'", "a queue is required"):  # fmt: skip
        assert phrase in text, phrase


# --------------------------------------------------------------------------- queues


def test_queue_table_from_history_and_log():
    q = report().queues
    sales = row(q, queue="sales")
    assert (sales["offered"], sales["handled"], sales["abandoned"]) == (120, 108, 12)
    assert_allclose(sales["abandon_rate"], 0.1)
    assert_allclose(sales["service_level"], 84 / 120)
    assert_allclose(sales["sl_gap"], 84 / 120 - 0.8)
    assert sales["handled_logged"] == 2  # contacts started in the state log
    assert sales["intervals_missed"] == 12
    assert row(q, queue="chat")["handled_logged"] == 2


# --------------------------------------------------------------------------- turnover


AGENT_HISTORY = pd.DataFrame(
    [
        ("T1", "Team X", "2025-01-01", "", ""),
        ("T2", "Team X", "2025-01-01", "2026-01-15", "voluntary"),
        ("T3", "Team Y", "2025-06-01", "2026-01-31", "internal_move"),
        ("T3", "Team X", "2026-02-01", "", ""),  # moved teams: not a leaver of the centre
        ("T4", "Team Y", "2025-01-01", "2026-01-10", "contract_end"),
    ],
    columns=["agent_id", "team", "start_date", "end_date", "leaving_reason"],
)


def test_turnover_rates_hand_computed():
    staff = validate_agent_history(AGENT_HISTORY).frame
    t = turnover_table(staff, period="month", as_of=pd.Timestamp("2026-01-31"), window_days=31)
    jan = t[t["period"] == "2026-01-01"].set_index("team")
    # Team X: T1 31 days + T2 15 days (1-15 Jan) = 46 head-days; one voluntary leaver
    assert_allclose(jan.at["Team X", "headcount_avg"], 46 / 31)
    assert jan.at["Team X", "external_voluntary"] == 1
    assert_allclose(jan.at["Team X", "turnover_rate"], 1 / (46 / 31))
    # Team Y: T3 31 days + T4 10 days; T3 moved (internal), T4's contract ended (agreed)
    assert_allclose(jan.at["Team Y", "headcount_avg"], 41 / 31)
    assert (jan.at["Team Y", "internal"], jan.at["Team Y", "external_agreed"]) == (1, 1)
    assert_allclose(jan.at["Team Y", "internal_rate"], 1 / (41 / 31))
    assert_allclose(jan.at["Team Y", "turnover_rate"], 2 / (41 / 31))
    # the centre: the team move is no turnover; 2 leavers over 87 / 31 agents
    assert_allclose(jan.at["all", "headcount_avg"], 87 / 31)
    assert (jan.at["all", "leavers"], jan.at["all", "internal"]) == (2, 0)
    assert_allclose(jan.at["all", "turnover_rate"], 2 / (87 / 31))
    assert_allclose(jan.at["all", "annualised_rate"], 2 / (87 / 31) * 365 / 31)


def test_agent_history_errors():
    bad = AGENT_HISTORY.copy()
    bad.loc[1, "leaving_reason"] = ""
    bad.loc[3, "start_date"] = "2026-01-20"  # overlaps the Team Y stint
    with pytest.raises(InputError) as err:
        validate_agent_history(bad)
    text = str(err.value)
    assert "a leaving reason is required" in text
    assert "agent T3" in text and "overlaps" in text


# --------------------------------------------------------------------------- customers


def test_first_contact_resolution_and_frequency():
    t0 = pd.Timestamp("2026-05-04 10:00", tz="Europe/Amsterdam")
    contacts = pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c4", "c5"],
            "customer_id": ["A", "A", "B", "B", "C"],
            "time": [t0, t0 + pd.Timedelta(days=1), t0, t0 + pd.Timedelta(days=10),
                     t0 + pd.Timedelta(hours=2)],
            "queue": ["sales", "sales", "chat", "sales", "chat"],
            "resolved": ["false", "true", "yes", "1", "true"],
        }
    )  # fmt: skip
    checked = validate_contacts(contacts, CONFIG).frame
    bounds = period_bounds(t0, t0 + pd.Timedelta(days=11), "month", CONFIG.center.tzinfo)
    table = customer_table(checked, bounds, period_labels(bounds))
    everyone = row(table, queue="all")
    # c2 follows c1 (unresolved, within 7 days): a repeat; c4 comes 10 days after c3
    assert everyone["first_contacts"] == 4
    assert_allclose(everyone["fcr"], 3 / 4)
    assert_allclose(everyone["repeat_rate"], 1 / 5)
    assert_allclose(everyone["contacts_per_customer"], 5 / 3)
    assert_allclose(everyone["repeat_customers"], 2 / 3)
    assert_allclose(everyone["customers_for_half"], 2 / 3)


# --------------------------------------------------------------------------- outputs


def test_report_outputs_html_json_and_figures():
    rep = report(roster=ROSTER, activities=ACTIVITIES, agents=AGENTS, figures=True, by="team")
    assert set(rep.figures) == {"league", "team_trend", "sl_heatmap", "adherence"}
    assert all(isinstance(f, Figure) for f in rep.figures.values())
    assert rep.html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in rep.html
    assert rep.html.index("<h2>Teams</h2>") < rep.html.index("<h2>Operators</h2>")
    text = json.dumps(rep.json, allow_nan=False)  # NaN must be null for the dashboard
    assert json.loads(text)["summary"]["contacts_logged"] == 4
    assert rep.table is rep.teams
    assert {"kpi_operators.csv", "kpi_queues.csv", "kpi_recommendations.csv"} <= set(rep.tables())
    assert all(png.startswith(b"\x89PNG") for png in rep.figure_pngs().values())


def test_recommendations_name_the_gap_and_the_agents_to_add():
    once = KpiTargets(sl_min_misses=1)  # one day of history: one miss per weekday slot
    rep = report(roster=ROSTER, activities=ACTIVITIES, agents=AGENTS, targets=once)
    kinds = {r.kind for r in rep.recommendations}
    assert "queue_interval" in kinds  # sales at 0.70 against 0.80 in every interval
    staffing = next(r for r in rep.recommendations if r.kind == "queue_interval")
    assert staffing.agents >= 1 and staffing.gap > 0 and staffing.action.startswith("Add ")
    low = [r for r in rep.recommendations if r.kind == "operator" and r.metric == "adherence"]
    assert [r.subject for r in low] == ["A1"]
    assert_allclose(low[0].gap, 0.9 - 2.5 / 3.0)
    assert "0.83 vs target 0.90" in low[0].evidence


def test_forecast_accuracy_is_wape():
    hist = history_frame()
    forecast = hist[["interval_start", "queue"]].assign(
        calls=hist["offered"] * 1.1, calls_lo=0.0, calls_hi=hist["offered"] * 2.0, aht_s=300.0
    )
    q = report(forecast=forecast).queues
    assert_allclose(q["wape"], 0.1)


def test_unknown_period_or_breakdown_is_refused():
    with pytest.raises(ValueError, match="period must be one of day, week, month"):
        report(period="year")
    with pytest.raises(ValueError, match="by must be one of agent, team, queue"):
        report(by="site")
