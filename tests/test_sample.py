"""Tests of the sample-centre generator: independent checks of the frames it builds."""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import holidays
import numpy as np
import pandas as pd
import pytest

from staffplan.sample import SampleCentre, build_sample

TZ = "Europe/Amsterdam"
QUEUES = ("sales", "support", "chat", "email")
HISTORY_COLUMNS = [
    "interval_start",
    "queue",
    "offered",
    "handled",
    "abandoned",
    "aht_s",
    "answered_in_sl",
    "sl_threshold_s",
]
STATES = {
    "available",
    "on_contact",
    "after_contact_work",
    "break",
    "lunch",
    "training",
    "meeting",
    "offline",
}
NL_HOLIDAYS = set(holidays.country_holidays("NL", years=2026))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture(scope="module")
def sample() -> SampleCentre:
    return build_sample()


@pytest.fixture(scope="module")
def plan(sample: SampleCentre) -> dict:
    return tomllib.loads(sample.plan_toml)


@pytest.fixture(scope="module")
def hist(sample: SampleCentre) -> pd.DataFrame:
    h = sample.history.copy()
    wall = h["interval_start"].dt.tz_localize(None)
    h["date"] = wall.dt.date
    h["dow"] = wall.dt.day_of_week
    h["minute"] = wall.dt.hour * 60 + wall.dt.minute
    return h


def _opening_minutes(plan: dict) -> dict[int, tuple[int, int]]:
    """Opening hours per weekday (0 = Monday) in minutes after midnight, from plan.toml."""
    out = {}
    for d, key in enumerate(DAYS):
        spec = plan["center"]["opening_hours"].get(key)
        if spec:
            a, b = (int(x[:2]) * 60 + int(x[3:]) for x in spec.split("-"))
            out[d] = (a, b)
    return out


def _skills(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (item.split(":") for item in text.split("|"))}


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_frames(sample: SampleCentre) -> None:
    again = build_sample()
    assert again.plan_toml == sample.plan_toml
    for name in (
        "history",
        "agents",
        "availability",
        "agent_states",
        "states_roster",
        "states_activities",
        "contacts",
        "agent_history",
    ):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(sample, name))


def test_files_list_every_table(sample: SampleCentre) -> None:
    files = sample.files()
    assert set(files) == {
        "plan.toml",
        "history.csv",
        "agents.csv",
        "availability.csv",
        "agent_states.csv.gz",
        "states_roster.csv",
        "states_activities.csv.gz",
        "contacts.csv.gz",
        "agent_history.csv",
    }
    assert files["contacts.csv.gz"] is sample.contacts
    assert files["agent_history.csv"] is sample.agent_history


def test_other_seed_gives_other_data(sample: SampleCentre) -> None:
    other = build_sample(seed=7)
    assert not other.history["offered"].equals(sample.history["offered"])
    assert not other.agents["skills"].equals(sample.agents["skills"])


# --------------------------------------------------------------------------- plan.toml


def test_plan_toml_has_the_contract_keys(plan: dict) -> None:
    center = plan["center"]
    assert set(center) <= {
        "name",
        "timezone",
        "country",
        "interval_minutes",
        "shrinkage",
        "opening_hours",
    }
    assert center["name"] == "Demo contact centre"
    assert center["timezone"] == TZ
    assert center["country"] == "NL"
    assert center["interval_minutes"] == 15
    assert center["shrinkage"] == pytest.approx(0.30)
    assert set(center["opening_hours"]) <= set(DAYS)
    assert center["opening_hours"]["mon"] == "08:00-20:00"
    assert center["opening_hours"]["sat"] == "09:00-17:00"
    assert "sun" not in center["opening_hours"]
    allowed = {
        "name",
        "channel",
        "service_level",
        "threshold_s",
        "max_occupancy",
        "patience_s",
        "concurrency",
        "deadline_h",
    }
    queues = {q["name"]: q for q in plan["queues"]}
    assert tuple(queues) == QUEUES
    for q in queues.values():
        assert set(q) <= allowed
        assert 0.0 < q["service_level"] <= 1.0
    assert queues["sales"] == {
        "name": "sales",
        "channel": "voice",
        "service_level": 0.80,
        "threshold_s": 20,
        "max_occupancy": 0.85,
    }
    assert queues["support"]["threshold_s"] == 30
    assert queues["support"]["patience_s"] == 120
    assert queues["chat"]["channel"] == "chat"
    assert queues["chat"]["concurrency"] == 2
    assert queues["chat"]["threshold_s"] == 60
    assert queues["email"]["channel"] == "email"
    assert queues["email"]["deadline_h"] == 24
    assert "threshold_s" not in queues["email"]


# --------------------------------------------------------------------------- history


def test_history_columns_and_types(sample: SampleCentre) -> None:
    h = sample.history
    assert list(h.columns) == HISTORY_COLUMNS
    assert isinstance(h["interval_start"].dtype, pd.DatetimeTZDtype)
    assert str(h["interval_start"].dt.tz) == TZ
    for col in ("offered", "handled", "abandoned", "answered_in_sl", "sl_threshold_s"):
        assert h[col].dtype == np.int64, col
    assert h["aht_s"].dtype == np.float64
    assert set(h["queue"]) == set(QUEUES)
    assert not h.isna().any().any()
    assert not h.duplicated(["interval_start", "queue"]).any()
    assert (h["interval_start"].dt.minute % 15 == 0).all()
    assert (h["interval_start"].dt.second == 0).all()


def test_history_span_is_twelve_weeks(hist: pd.DataFrame) -> None:
    assert hist["date"].min() == dt.date(2026, 2, 23)
    assert hist["date"].max() == dt.date(2026, 5, 17)
    assert hist["interval_start"].min() == pd.Timestamp("2026-02-23 00:00", tz=TZ)
    assert hist["interval_start"].max() == pd.Timestamp("2026-05-17 23:45", tz=TZ)


def test_dst_day_has_23_hours_of_email(hist: pd.DataFrame) -> None:
    dst = hist[(hist["date"] == dt.date(2026, 3, 29)) & (hist["queue"] == "email")]
    assert len(dst) == 92
    span = dst["interval_start"].max() - dst["interval_start"].min() + pd.Timedelta("15min")
    assert span == pd.Timedelta(hours=23)
    offsets = dst["interval_start"].map(lambda t: t.utcoffset())
    assert set(offsets) == {dt.timedelta(hours=1), dt.timedelta(hours=2)}
    normal = hist[(hist["date"] == dt.date(2026, 3, 28)) & (hist["queue"] == "email")]
    assert len(normal) == 96


def test_email_has_every_interval_of_every_day(hist: pd.DataFrame) -> None:
    email = hist[hist["queue"] == "email"]
    assert email["date"].nunique() == 84
    assert len(email) == 84 * 96 - 4
    assert (email["abandoned"] == 0).all()
    assert (email["sl_threshold_s"] == 86_400).all()


def test_no_voice_or_chat_on_sundays_or_holidays(hist: pd.DataFrame) -> None:
    live = hist[hist["queue"] != "email"]
    assert not (live["dow"] == 6).any()
    closed = live["date"].isin(NL_HOLIDAYS)
    assert not closed.any(), sorted(set(live.loc[closed, "date"]))
    for day in (dt.date(2026, 4, 6), dt.date(2026, 4, 27), dt.date(2026, 5, 14)):
        assert day in NL_HOLIDAYS
        assert not (live["date"] == day).any()
        assert (hist.loc[hist["date"] == day, "queue"] == "email").all()


def test_live_rows_only_inside_opening_hours(hist: pd.DataFrame, plan: dict) -> None:
    opening = _opening_minutes(plan)
    live = hist[hist["queue"] != "email"]
    start = live["dow"].map(lambda d: opening[d][0])
    end = live["dow"].map(lambda d: opening[d][1])
    assert ((live["minute"] >= start) & (live["minute"] + 15 <= end)).all()
    # and every open interval of an open day is present for each live queue
    per_day = live.groupby(["date", "queue"]).size().unstack()
    dows = pd.Series([d.weekday() for d in per_day.index], index=per_day.index)
    expected = dows.map(lambda d: (opening[d][1] - opening[d][0]) // 15)
    for q in ("sales", "support", "chat"):
        assert per_day[q].equals(expected.rename(q))


def test_email_is_handled_only_in_opening_hours(hist: pd.DataFrame, plan: dict) -> None:
    opening = _opening_minutes(plan)
    email = hist[hist["queue"] == "email"]
    is_open = np.array(
        [
            d in opening and opening[d][0] <= m < opening[d][1] and day not in NL_HOLIDAYS
            for d, m, day in zip(email["dow"], email["minute"], email["date"], strict=True)
        ]
    )
    assert (email.loc[~is_open, "handled"] == 0).all()
    assert (email["offered"] > 0).any() and (email.loc[~is_open, "offered"] > 0).any()
    assert (email["handled"] > email["offered"]).any()  # backlog worked off
    assert email["handled"].sum() <= email["offered"].sum()
    share_in_time = email["answered_in_sl"].sum() / email["handled"].sum()
    assert 0.8 <= share_in_time <= 0.98


def test_counts_are_consistent(hist: pd.DataFrame, plan: dict) -> None:
    assert (hist[["offered", "handled", "abandoned", "answered_in_sl"]] >= 0).all().all()
    assert (hist["answered_in_sl"] <= hist["handled"]).all()
    assert ((hist["aht_s"] == 0.0) == (hist["handled"] == 0)).all()
    assert (hist["aht_s"] >= 0).all()
    assert np.allclose(hist["aht_s"], hist["aht_s"].round(1))
    live = hist[hist["queue"] != "email"]
    assert (live["handled"] <= live["offered"]).all()
    assert (live["handled"] + live["abandoned"] == live["offered"]).all()
    threshold = {q["name"]: q.get("threshold_s", 86_400) for q in plan["queues"]}
    assert (hist["sl_threshold_s"] == hist["queue"].map(threshold)).all()


def test_service_and_abandonment_are_plausible(hist: pd.DataFrame) -> None:
    totals = hist.groupby("queue")[["offered", "abandoned", "answered_in_sl"]].sum()
    abandon = totals["abandoned"] / totals["offered"]
    sl = totals["answered_in_sl"] / totals["offered"]
    assert 0.005 <= abandon["sales"] <= 0.04
    assert 0.02 <= abandon["support"] <= 0.10
    assert 0.01 <= abandon["chat"] <= 0.10
    for q in ("sales", "support", "chat"):
        assert 0.70 <= sl[q] <= 0.92, q


def test_volumes_and_profiles_are_realistic(hist: pd.DataFrame) -> None:
    hist = hist.assign(week=[(d - dt.date(2026, 2, 23)).days // 7 for d in hist["date"]])
    holiday_weeks = {(d - dt.date(2026, 2, 23)).days // 7 for d in NL_HOLIDAYS}
    weekly = hist[~hist["week"].isin(holiday_weeks)].pivot_table(
        index="week", columns="queue", values="offered", aggfunc="sum"
    )
    assert len(weekly) >= 7
    ranges = {
        "sales": (4000, 6000),
        "support": (5400, 8000),
        "chat": (1900, 3200),
        "email": (1500, 2400),
    }
    for q, (lo, hi) in ranges.items():
        assert weekly[q].between(lo, hi).all(), (q, weekly[q].tolist())
    # weekday profile: Monday busiest, Saturday about a third of a weekday
    voice = hist[hist["queue"].isin(["sales", "support"]) & ~hist["date"].isin(NL_HOLIDAYS)]
    daily = voice.groupby(["date", "dow"])["offered"].sum().groupby("dow").mean()
    assert daily.idxmax() == 0
    assert daily[4] < daily[1]
    assert 0.25 <= daily[5] / daily[:5].mean() <= 0.45
    # intraday: the morning peak is around 10:00-11:00
    weekday = voice[voice["dow"] < 5]
    by_hour = weekday.groupby(weekday["minute"] // 60)["offered"].mean()
    assert by_hour.idxmax() in (10, 11)
    # handle times: voice means close to the targets, longer at opening than mid-morning
    work = hist[hist["handled"] > 0]
    mean_aht = (work["aht_s"] * work["handled"]).groupby(work["queue"]).sum() / work.groupby(
        "queue"
    )["handled"].sum()
    for q, target in {"sales": 300, "support": 420, "chat": 600, "email": 480}.items():
        assert mean_aht[q] == pytest.approx(target, rel=0.1), q
    sales = work[(work["queue"] == "sales") & (work["dow"] < 5)]
    assert (
        sales.loc[sales["minute"] < 8 * 60 + 30, "aht_s"].mean()
        > sales.loc[sales["minute"].between(11 * 60, 13 * 60), "aht_s"].mean()
    )


# --------------------------------------------------------------------------- agents


def test_agents(sample: SampleCentre) -> None:
    agents = sample.agents
    assert list(agents.columns) == [
        "agent_id",
        "name",
        "team",
        "skills",
        "min_hours_week",
        "max_hours_week",
        "cost_per_hour",
    ]
    assert 100 <= len(agents) <= 140
    assert agents["agent_id"].is_unique
    assert agents["agent_id"].str.fullmatch(r"A\d{3}").all()
    assert agents["team"].nunique() == 6
    assert agents["team"].value_counts().between(15, 25).all()
    assert agents["min_hours_week"].between(20, 40).all()
    assert agents["max_hours_week"].between(20, 40).all()
    assert (agents["min_hours_week"] <= agents["max_hours_week"]).all()
    assert agents["cost_per_hour"].between(15, 35).all()
    skills = agents["skills"].map(_skills)
    for s in skills:
        assert set(s) <= set(QUEUES)
        assert sorted(s.values()) == list(range(1, len(s) + 1))
    for q in QUEUES:
        assert sum(q in s for s in skills) >= 10, q
    primary = skills.map(lambda s: min(s, key=s.get)).value_counts(normalize=True)
    assert 0.3 <= primary["sales"] <= 0.5
    assert 0.35 <= primary["support"] <= 0.55


def test_availability(sample: SampleCentre, plan: dict) -> None:
    av = sample.availability
    assert list(av.columns) == ["agent_id", "date", "kind", "start", "end", "weight"]
    assert av["agent_id"].isin(sample.agents["agent_id"]).all()
    dates = pd.to_datetime(av["date"]).dt.date
    assert dates.between(dt.date(2026, 5, 18), dt.date(2026, 5, 24)).all()
    assert set(av["kind"]) == {"unavailable", "request_on", "request_off"}
    hhmm = re.compile(r"^$|^([01]\d|2[0-3]):[0-5]\d$")
    assert av["start"].map(lambda s: bool(hhmm.match(s))).all()
    assert av["end"].map(lambda s: bool(hhmm.match(s))).all()
    assert ((av["start"] == "") == (av["end"] == "")).all()
    timed = av[av["start"] != ""]
    assert (timed["start"] < timed["end"]).all()
    opening = _opening_minutes(plan)
    for day, start, end in zip(timed["date"], timed["start"], timed["end"], strict=True):
        lo, hi = opening[dt.date.fromisoformat(day).weekday()]
        assert lo <= int(start[:2]) * 60 + int(start[3:]) < int(end[:2]) * 60 + int(end[3:]) <= hi
    unavailable = av[av["kind"] == "unavailable"]
    assert unavailable["weight"].isna().all()
    assert 0.10 <= unavailable["agent_id"].nunique() / len(sample.agents) <= 0.25
    requests = av[av["kind"] != "unavailable"]
    assert (requests["weight"] > 0).all()
    assert 5 <= len(requests) <= 20
    assert not av.duplicated(["agent_id", "date"]).any()


# --------------------------------------------------------------------------- agent states


@pytest.fixture(scope="module")
def states(sample: SampleCentre) -> pd.DataFrame:
    return sample.agent_states


def test_agent_state_columns(states: pd.DataFrame, sample: SampleCentre) -> None:
    assert list(states.columns) == ["agent_id", "state_start", "state_end", "state", "queue"]
    assert str(states["state_start"].dt.tz) == TZ
    assert str(states["state_end"].dt.tz) == TZ
    assert set(states["state"]) == STATES
    contact = states["state"].isin(["on_contact", "after_contact_work"])
    assert states.loc[contact, "queue"].isin(QUEUES).all()
    assert (states.loc[~contact, "queue"] == "").all()
    assert (states["state_end"] > states["state_start"]).all()
    assert states["agent_id"].isin(sample.agents["agent_id"]).all()
    local = states["state_start"].dt.tz_localize(None)
    assert local.min() >= pd.Timestamp("2026-05-04")
    assert local.max() < pd.Timestamp("2026-05-18")
    assert (states["state_start"].dt.microsecond == 0).all()
    assert (states["state_start"].dt.nanosecond == 0).all()
    key = states[["agent_id", "state_start"]]
    assert key.equals(key.sort_values(["agent_id", "state_start"]))


def test_on_contact_counts_match_history(states: pd.DataFrame, hist: pd.DataFrame) -> None:
    window = hist[hist["date"].between(dt.date(2026, 5, 4), dt.date(2026, 5, 17))]
    expected = window.groupby(["queue", "date"])["handled"].sum()
    expected = expected[expected > 0]
    oc = states[states["state"] == "on_contact"]
    got = oc.groupby([oc["queue"], oc["state_start"].dt.tz_localize(None).dt.date]).size()
    got.index.names = ["queue", "date"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_each_contact_is_followed_by_its_wrap_up(states: pd.DataFrame) -> None:
    for state, follow in (("on_contact", "after_contact_work"),):
        talk = states[states["state"] == state]
        wrap = states[states["state"] == follow]
        assert len(talk) == len(wrap)
        pairs = talk.merge(
            wrap,
            left_on=["agent_id", "state_end", "queue"],
            right_on=["agent_id", "state_start", "queue"],
            how="left",
            suffixes=("", "_wrap"),
        )
        assert pairs["state_wrap"].notna().all()
        handle = (pairs["state_end_wrap"] - pairs["state_start"]).dt.total_seconds()
        talk_s = (pairs["state_end"] - pairs["state_start"]).dt.total_seconds()
        share = talk_s.sum() / handle.sum()
        assert 0.78 <= share <= 0.87


def test_contacts_start_in_opening_hours(states: pd.DataFrame, plan: dict) -> None:
    opening = _opening_minutes(plan)
    oc = states[states["state"] == "on_contact"]
    wall = oc["state_start"].dt.tz_localize(None)
    minute = wall.dt.hour * 60 + wall.dt.minute
    start = wall.dt.day_of_week.map(lambda d: opening[d][0])
    end = wall.dt.day_of_week.map(lambda d: opening[d][1])
    assert (minute >= start).all()
    assert (minute < end + 15).all()  # handled in an open interval, at most minutes late
    assert not wall.dt.date.isin(NL_HOLIDAYS).any()


def test_no_overlap_beyond_chat_concurrency(states: pd.DataFrame) -> None:
    chat = (states["queue"] == "chat").to_numpy()
    agent = states["agent_id"].to_numpy()
    start = states["state_start"].astype("int64").to_numpy()
    end = states["state_end"].astype("int64").to_numpy()
    # events: +1 at start, -1 at end; ends before starts at the same instant
    ev_agent = np.concatenate([agent, agent])
    ev_time = np.concatenate([start, end])
    ev_kind = np.concatenate([np.ones_like(start), np.zeros_like(end)])
    ev_delta = np.concatenate([np.ones_like(start), -np.ones_like(end)])
    ev_chat = np.concatenate([chat, chat])
    order = np.lexsort((ev_kind, ev_time, ev_agent))
    delta, is_chat = ev_delta[order], ev_chat[order]
    n_chat = np.cumsum(np.where(is_chat, delta, 0))
    n_other = np.cumsum(np.where(is_chat, 0, delta))
    assert n_chat.min() == 0 and n_other.min() == 0
    assert n_chat.max() <= 2
    assert n_other.max() <= 1
    assert not ((n_chat > 0) & (n_other > 0)).any()


def test_agents_only_handle_their_skills(states: pd.DataFrame, sample: SampleCentre) -> None:
    skills = sample.agents.set_index("agent_id")["skills"].map(_skills)
    work = states[states["queue"] != ""]
    pairs = work[["agent_id", "queue"]].drop_duplicates()
    assert all(q in skills[a] for a, q in zip(pairs["agent_id"], pairs["queue"], strict=True))


def test_shifts_are_contiguous_and_plausible(states: pd.DataFrame) -> None:
    s = states.assign(date=states["state_start"].dt.tz_localize(None).dt.date)
    seconds = (s["state_end"] - s["state_start"]).dt.total_seconds()
    span = s.groupby(["agent_id", "date"]).agg(
        first=("state_start", "min"), last=("state_end", "max")
    )
    length_h = (span["last"] - span["first"]).dt.total_seconds() / 3600
    assert length_h.between(3.5, 10.5).all()
    # no gaps inside a shift: each record starts before everything earlier has ended
    reached = s.groupby(["agent_id", "date"])["state_end"].cummax()
    previous = reached.groupby([s["agent_id"], s["date"]]).shift()
    assert (s["state_start"][previous.notna()] <= previous.dropna()).all()
    lunch = s[s["state"] == "lunch"]
    assert ((lunch["state_end"] - lunch["state_start"]) == pd.Timedelta(minutes=30)).all()
    for state in ("break", "training", "meeting", "offline"):
        assert (s["state"] == state).any(), state
    busy = seconds[s["state"].isin(["on_contact", "after_contact_work"])].sum()
    idle = seconds[s["state"] == "available"].sum()
    assert 0.5 <= busy / (busy + idle) <= 0.9


# ----------------------------------------------------------- roster of the state weeks


def test_states_roster_and_activities(sample: SampleCentre, states: pd.DataFrame) -> None:
    roster, act = sample.states_roster, sample.states_activities
    assert list(roster.columns) == [
        "agent_id",
        "date",
        "shift_start",
        "shift_end",
        "paid_hours",
        "queues",
    ]
    assert list(act.columns) == ["agent_id", "start", "end", "activity", "queue"]
    assert not roster.duplicated(["agent_id", "date"]).any()
    length_h = (roster["shift_end"] - roster["shift_start"]).dt.total_seconds() / 3600
    assert ((length_h - roster["paid_hours"]).isin([0.0, 0.5])).all()  # unpaid lunch
    skills = sample.agents.set_index("agent_id")["skills"].map(_skills)
    for agent, queues in zip(roster["agent_id"], roster["queues"], strict=True):
        order = sorted(skills[agent], key=skills[agent].get)
        assert queues == ">".join(order)
    assert set(act["activity"]) <= {"work", "break", "lunch", "training", "meeting"}
    # activities tile each shift exactly
    per_shift = act.assign(date=act["start"].dt.tz_localize(None).dt.strftime("%Y-%m-%d"))
    span = per_shift.groupby(["agent_id", "date"]).agg(first=("start", "min"), last=("end", "max"))
    total = (act["end"] - act["start"]).groupby([act["agent_id"], per_shift["date"]]).sum()
    keyed = roster.set_index(["agent_id", "date"])
    assert (span["first"] == keyed["shift_start"].reindex(span.index)).all()
    assert (span["last"] == keyed["shift_end"].reindex(span.index)).all()
    assert (total == span["last"] - span["first"]).all()
    assert ((act["activity"] == "work") == (act["queue"] != "")).all()
    # every agent with states has a shift on each day they worked
    worked = states[["agent_id"]].assign(
        date=states["state_start"].dt.tz_localize(None).dt.strftime("%Y-%m-%d")
    )
    worked = set(map(tuple, worked.drop_duplicates().to_numpy()))
    assert worked == set(zip(roster["agent_id"], roster["date"], strict=True))


# --------------------------------------------------------------------------- contacts log


def test_contacts_log_matches_the_history(sample: SampleCentre, hist: pd.DataFrame) -> None:
    c = sample.contacts
    assert list(c.columns) == ["contact_id", "customer_id", "time", "queue", "channel", "resolved"]
    assert c["contact_id"].is_unique
    assert c["resolved"].dtype == bool
    assert str(c["time"].dt.tz) == TZ
    channel = {"sales": "voice", "support": "voice", "chat": "chat", "email": "email"}
    assert (c["channel"] == c["queue"].map(channel)).all()
    # per queue and interval the contacts are the history's handled of the agent-state weeks
    got = c.groupby([c["time"].dt.floor("15min"), "queue"]).size()
    window = hist[hist["date"].between(dt.date(2026, 5, 4), dt.date(2026, 5, 17))]
    want = window.set_index(["interval_start", "queue"])["handled"]
    want = want[want > 0]
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index(), check_names=False, check_dtype=False
    )


def test_contacts_have_realistic_repeat_behaviour(sample: SampleCentre) -> None:
    c = sample.contacts.sort_values(["customer_id", "time"])
    per_customer = c.groupby("customer_id").size()
    assert 1.2 <= per_customer.mean() <= 2.0
    assert 0.5 <= (per_customer == 1).mean() <= 0.8  # most customers contact once
    top = per_customer.sort_values(ascending=False)
    top_share = top.iloc[: len(top) // 10].sum() / len(c)
    assert 0.2 <= top_share <= 0.45  # a minority makes many contacts
    assert per_customer.max() <= 80
    # first-contact resolution: first contacts = not following an unresolved contact of the
    # same customer within 7 days
    same = c["customer_id"].eq(c["customer_id"].shift())
    recent = same & (c["time"] - c["time"].shift() <= pd.Timedelta(days=7))
    first = ~(recent & ~c["resolved"].shift(fill_value=True).astype(bool))
    fcr = c.loc[first, "resolved"].mean()
    assert 0.70 <= fcr <= 0.80
    # unresolved contacts come back, mostly within a few days
    follow = c["time"].shift(-1) - c["time"]
    back = same.shift(-1, fill_value=False) & ~c["resolved"]
    assert follow[back].median() < pd.Timedelta(days=3)


# --------------------------------------------------------------------------- agent history


def test_agent_history_is_consistent_with_agents(sample: SampleCentre) -> None:
    h, agents = sample.agent_history, sample.agents
    assert list(h.columns) == ["agent_id", "team", "start_date", "end_date", "leaving_reason"]
    current = h[h["end_date"] == ""]
    assert sorted(current["agent_id"]) == sorted(agents["agent_id"])
    assert (current["leaving_reason"] == "").all()
    team = agents.set_index("agent_id")["team"]
    assert (current.set_index("agent_id")["team"] == team.reindex(current["agent_id"])).all()
    ended = h[h["end_date"] != ""]
    assert set(ended["leaving_reason"]) == {
        "voluntary",
        "involuntary",
        "internal_move",
        "contract_end",
    }
    assert (ended["end_date"] >= ended["start_date"]).all()
    assert ended["end_date"].between("2024-05-18", "2026-05-03").all()  # before the state log
    leavers = set(h["agent_id"]) - set(agents["agent_id"])
    assert all(re.fullmatch(r"A\d{3}", a) for a in leavers)
    assert not (set(ended["agent_id"]) & set(agents["agent_id"])) - set(
        ended.loc[ended["leaving_reason"] == "internal_move", "agent_id"]
    )  # current agents only have closed stints from team moves
    # about a third of the head count leaves per year, most of them voluntarily
    per_year = len(leavers) / 2 / len(agents)
    assert 0.15 <= per_year <= 0.45
    reasons = h[h["agent_id"].isin(leavers)]["leaving_reason"].value_counts(normalize=True)
    assert reasons.idxmax() == "voluntary"
    # stints of one agent do not overlap
    s = h.sort_values(["agent_id", "start_date"])
    prev_end = s.groupby("agent_id")["end_date"].shift()
    assert (s["start_date"][prev_end.notna()] > prev_end.dropna()).all()
