"""Shift rules, shift design with floating breaks, outputs (small hand-solved instances)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from staffplan.scheduling import (
    ShiftRules,
    SolverSettings,
    parse_skills,
    roster_calendar,
    roster_calendar_merged,
    schedule,
    validate_roster,
)
from staffplan.scheduling.solver import MipModel, combine_reports, solve_model
from staffplan.scheduling.templates import build_shift_types, fixed_break_mask

TZ = "Europe/Paris"
FAST = SolverSettings(time_limit_s=20, mip_gap=0.0)


def frame(values_by_queue: dict[str, list[float]], start="2026-06-01 00:00", minutes=60):
    """Requirements frame from per-queue lists covering whole days from ``start``."""
    parts = []
    for queue, values in values_by_queue.items():
        ts = pd.date_range(start, periods=len(values), freq=f"{minutes}min", tz=TZ)
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": ts,
                    "queue": queue,
                    "agents_scheduled": np.asarray(values, float),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def day(hours: dict[int, float], minutes=60) -> list[float]:
    """A day of requirements with ``{hour_index: agents}`` on an hourly (or finer) grid."""
    out = [0.0] * (1440 // minutes)
    for i, v in hours.items():
        out[i] = v
    return out


# --- rules ------------------------------------------------------------------------------


def test_break_window_outside_shift_is_rejected():
    with pytest.raises(ValidationError, match="window lies outside the shift"):
        ShiftRules(
            lengths_h=[4],
            breaks=[dict(name="lunch", minutes=30, earliest_after_h=3, latest_after_h=3.75)],
        )


def test_length_not_on_start_grid_is_rejected():
    with pytest.raises(ValidationError, match="not on the start grid of 30 min"):
        ShiftRules(lengths_h=[4, 4.25], start_step_minutes=30)


def test_min_hours_above_max_hours_is_rejected():
    with pytest.raises(ValidationError, match="min_hours_week .* is above max_hours_week"):
        ShiftRules(lengths_h=[8], min_hours_week=40, max_hours_week=30)


def test_unknown_key_and_reversed_window_are_rejected():
    with pytest.raises(ValidationError, match="extra"):
        ShiftRules(lengths_h=[8], lenghts=[1])
    with pytest.raises(ValidationError, match="before earliest_after_h"):
        ShiftRules(
            lengths_h=[8], breaks=[dict(name="b", minutes=15, earliest_after_h=3, latest_after_h=2)]
        )


def test_break_not_on_interval_grid_is_rejected():
    rules = ShiftRules(
        lengths_h=[4], breaks=[dict(name="b", minutes=10, earliest_after_h=1, latest_after_h=2)]
    )
    with pytest.raises(ValueError, match="not a multiple of the 15-minute interval"):
        build_shift_types(rules, 15)


def test_parse_skills():
    assert parse_skills("sales:1|chat:2") == {"sales": 1, "chat": 2}
    assert parse_skills("email") == {"email": 1}
    with pytest.raises(ValueError, match="queue:priority"):
        parse_skills("sales:first")


def test_lunch_activity_and_fixed_template():
    rules = ShiftRules(
        lengths_h=[8],
        breaks=[
            dict(name="break", minutes=15, earliest_after_h=1.5, latest_after_h=2.5),
            dict(name="lunch", minutes=30, earliest_after_h=3.5, latest_after_h=4.5, paid=False),
        ],
    )
    shift = build_shift_types(rules, 15)[0]
    assert [b.activity for b in shift.breaks] == ["break", "lunch"]
    assert shift.paid == 30  # 8 h minus the unpaid 30-minute lunch, in 15-min intervals
    mask = fixed_break_mask(shift)
    assert mask.sum() == 32 - 3


# --- shift design -------------------------------------------------------------------------


def test_design_hand_solved_optimum():
    # hourly grid, 4 h shifts starting on the hour between 08:00 and 16:00, no breaks.
    # need 1,1,2,2,2,2,1,1 agents from 08:00: optimum is 08-12, 10-14, 12-16 = 12 paid hours.
    rules = ShiftRules(
        lengths_h=[4], start_step_minutes=60, earliest_start="08:00", latest_end="16:00"
    )
    req = frame({"sales": day({8: 1, 9: 1, 10: 2, 11: 2, 12: 2, 13: 2, 14: 1, 15: 1})})
    res = schedule(req, rules, FAST)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(12.0)
    assert res.bound == pytest.approx(12.0)
    assert res.paid_hours == pytest.approx(12.0)
    assert res.under_agent_intervals == 0 and res.over_agent_intervals == 0
    starts = sorted(res.roster["shift_start"].dt.hour)
    assert starts == [8, 10, 12]
    assert list(res.roster["agent_id"].sort_values()) == ["S0001", "S0002", "S0003"]
    assert res.violations.empty
    assert validate_roster(res.roster, res.activities, rules).empty


def test_floating_breaks_beat_fixed_breaks():
    # 30-minute grid, one 4 h shift type 08:00-12:00 with a 30-minute break starting 1-2.5 h in.
    # Two agents are needed all morning except one at 10:00 and at 10:30. With floating breaks
    # two shifts suffice (breaks at 10:00 and 10:30); breaks fixed mid-window could not.
    rules = ShiftRules(
        lengths_h=[4],
        start_step_minutes=30,
        earliest_start="08:00",
        latest_end="12:00",
        breaks=[dict(name="break", minutes=30, earliest_after_h=1, latest_after_h=2.5)],
    )
    need = {i: 2.0 for i in range(16, 24)}
    need[20] = need[21] = 1.0
    req = frame({"sales": day(need, 30)}, minutes=30)
    res = schedule(req, rules, FAST, interval_minutes=30)
    assert res.status == "optimal"
    assert len(res.roster) == 2
    assert res.under_agent_intervals == 0
    assert res.objective == pytest.approx(16.0)  # 2 shifts x 8 paid half-hours
    breaks = res.activities[res.activities["activity"] == "break"]
    assert sorted(breaks["start"].dt.strftime("%H:%M")) == ["10:00", "10:30"]
    assert res.violations.empty


def test_uncoverable_interval_is_reported_not_raised():
    rules = ShiftRules(
        lengths_h=[4], start_step_minutes=60, earliest_start="08:00", latest_end="16:00"
    )
    req = frame({"sales": day({5: 1, 8: 1, 9: 1, 10: 1, 11: 1})})
    res = schedule(req, rules, FAST)
    assert res.status == "optimal"
    assert res.under_agent_intervals == pytest.approx(1.0)
    assert len(res.uncovered) == 1
    row = res.uncovered.iloc[0]
    assert row["interval_start"].hour == 5
    assert "no shift can reach it" in row["reason"]
    assert res.violations.empty


def test_design_multi_day_multi_queue_coverage_and_order():
    rules = ShiftRules(
        lengths_h=[4, 8],
        start_step_minutes=60,
        earliest_start="07:00",
        latest_end="21:00",
        breaks=[
            dict(name="break", minutes=60, min_shift_h=8, earliest_after_h=3, latest_after_h=5)
        ],
    )
    sales = day({h: 3 for h in range(8, 18)}) + day({h: 2 for h in range(9, 13)})
    chat = day({h: 1 for h in range(12, 20)}) + day({h: 1 for h in range(9, 11)})
    res = schedule(frame({"sales": sales, "chat": chat}), rules, FAST)
    assert res.status == "optimal"
    assert res.under_agent_intervals == pytest.approx(0.0)
    cov = res.coverage.groupby("interval_start")[["required", "scheduled"]].sum()
    assert (cov["scheduled"] >= cov["required"] - 1e-9).all()
    assert set(res.roster["date"].astype(str)) == {"2026-06-01", "2026-06-02"}
    first = res.roster.sort_values("shift_start").iloc[0]
    assert first["queues"].split(">")[0] == "sales"
    assert res.violations.empty
    assert res.gap <= 1e-6


def test_cbc_gives_the_same_optimum():
    rules = ShiftRules(
        lengths_h=[4], start_step_minutes=60, earliest_start="08:00", latest_end="16:00"
    )
    req = frame({"sales": day({8: 1, 9: 1, 10: 2, 11: 2, 12: 2, 13: 2, 14: 1, 15: 1})})
    res = schedule(req, rules, SolverSettings(name="cbc", time_limit_s=20, mip_gap=0.0))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(12.0)
    assert res.violations.empty


def test_models_can_be_kept_and_dumped_with_pulp():
    rules = ShiftRules(
        lengths_h=[4], start_step_minutes=60, earliest_start="08:00", latest_end="16:00"
    )
    req = frame({"sales": day({8: 1, 9: 1, 10: 1, 11: 1})})
    res = schedule(req, rules, SolverSettings(time_limit_s=10, keep_models=True))
    assert res.models
    prob = res.models[0].to_pulp()
    assert prob.numVariables() == res.models[0].n_cols
    assert prob.numConstraints() >= res.models[0].n_rows


def test_solver_reports_status_bound_and_gap_from_the_solver():
    m = MipModel()
    x = m.add_vars(2, cost=[3.0, 2.0], integer=True, ub=10)
    m.add_row(x, [2.0, 3.0], 7.0, np.inf)  # min 3a + 2b s.t. 2a + 3b >= 7 -> b = 3, cost 6
    rep = solve_model(m, FAST)
    assert rep.status == "optimal" and rep.objective == pytest.approx(6.0)
    assert rep.bound == pytest.approx(6.0) and rep.gap == pytest.approx(0.0)
    both = combine_reports([rep, rep])
    assert both.objective == pytest.approx(12.0) and both.status == "optimal"
    m.add_row(x, 1.0, -np.inf, 0.0)  # now infeasible
    assert solve_model(m, FAST).status == "infeasible"


# --- validation and outputs ---------------------------------------------------------------


def test_validate_roster_catches_broken_rules():
    rules = ShiftRules(
        lengths_h=[8],
        start_step_minutes=60,
        min_rest_h=11,
        breaks=[dict(name="break", minutes=60, earliest_after_h=3, latest_after_h=5, paid=False)],
    )
    ts = pd.Timestamp
    roster = pd.DataFrame(
        {
            "agent_id": ["A", "A"],
            "date": [ts("2026-06-01").date(), ts("2026-06-02").date()],
            "shift_start": [ts("2026-06-01 14:00", tz=TZ), ts("2026-06-02 06:00", tz=TZ)],
            "shift_end": [ts("2026-06-01 22:00", tz=TZ), ts("2026-06-02 14:00", tz=TZ)],
            "paid_hours": [7.0, 8.0],
            "queues": ["sales", "sales"],
        }
    )
    acts = pd.DataFrame(
        {
            "agent_id": ["A"] * 6,
            "start": [
                ts(x, tz=TZ)
                for x in [
                    "2026-06-01 14:00",
                    "2026-06-01 17:00",
                    "2026-06-01 18:00",
                    "2026-06-02 06:00",
                    "2026-06-02 07:00",
                    "2026-06-02 08:00",
                ]
            ],
            "end": [
                ts(x, tz=TZ)
                for x in [
                    "2026-06-01 17:00",
                    "2026-06-01 18:00",
                    "2026-06-01 22:00",
                    "2026-06-02 07:00",
                    "2026-06-02 08:00",
                    "2026-06-02 14:00",
                ]
            ],
            "activity": ["work", "break", "work", "work", "break", "work"],
            "queue": ["sales", None, "sales", "sales", None, "sales"],
        }
    )
    found = validate_roster(roster, acts, rules)
    assert {"min_rest", "break_window", "paid_hours"} <= set(found["rule"])
    agents = pd.DataFrame(
        {"agent_id": ["A"], "skills": ["chat:1"], "min_hours_week": [0], "max_hours_week": [10]}
    )
    found = validate_roster(roster, acts, rules, agents)
    assert {"skills", "max_hours"} <= set(found["rule"])


def test_roster_calendar_bytes():
    rules = ShiftRules(
        lengths_h=[4],
        start_step_minutes=60,
        earliest_start="08:00",
        latest_end="16:00",
        breaks=[dict(name="break", minutes=60, earliest_after_h=1, latest_after_h=2)],
    )
    req = frame({"sales": day({h: 1 for h in range(8, 16)})})
    res = schedule(req, rules, FAST)
    cals = roster_calendar(res.roster, res.activities)
    assert set(cals) == set(res.roster["agent_id"])
    text = next(iter(cals.values())).decode()
    assert text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in text
    assert "break:" in text
    # the merged calendar (roster.ics) holds exactly the agents' events, parsed back
    from icalendar import Calendar

    merged = Calendar.from_ical(roster_calendar_merged(res.roster, res.activities))
    per_agent = [e for c in cals.values() for e in Calendar.from_ical(c).walk("VEVENT")]
    assert sorted(str(e["uid"]) for e in merged.walk("VEVENT")) == sorted(
        str(e["uid"]) for e in per_agent
    )
    assert len(per_agent) == len(res.roster)
    starts = sorted(e.decoded("dtstart") for e in merged.walk("VEVENT"))
    assert starts == sorted(t.to_pydatetime() for t in res.roster["shift_start"])


def test_repair_covers_what_a_stopped_solve_left_short():
    from staffplan.scheduling.design import _repair, _working

    rules = ShiftRules(
        lengths_h=[4],
        start_step_minutes=60,
        earliest_start="08:00",
        latest_end="16:00",
        breaks=[dict(name="break", minutes=60, earliest_after_h=1, latest_after_h=2)],
    )
    types = build_shift_types(rules, 60)
    required = np.zeros(24)
    required[8:16] = 1.0
    required[5] = 1.0  # unreachable: stays short
    shifts = _repair([], types, required, 1, 24)
    short = required - _working(shifts, 24, 24)
    assert np.flatnonzero(short > 0).tolist() == [5]


def test_shifts_crossing_midnight_are_designed_and_noted():
    rules = ShiftRules(
        lengths_h=[4],
        start_step_minutes=60,
        earliest_start="20:00",
        latest_end="26:00",
        min_rest_h=0,
    )
    values = day({22: 1, 23: 1}) + day({0: 1, 1: 1})
    res = schedule(frame({"sales": values}), rules, FAST)
    assert res.under_agent_intervals == 0
    assert len(res.roster) == 1
    shift = res.roster.iloc[0]
    assert shift["shift_start"].hour == 22 and shift["shift_end"].hour == 2
    assert any("cross midnight" in n for n in res.notes)
    assert res.violations.empty
