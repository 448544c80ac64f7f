"""An independent checker of every hard rule of a roster.

It reads only the output frames, the shift rules and the agents (never the model), so a bug
in the optimiser shows up here. Soft goals (coverage, requests, days off, fairness) are not
violations. Checks are vectorised: a week of a few thousand shifts takes well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .agents import parse_agents, parse_availability
from .rules import ShiftRules, clock_to_minutes

__all__ = ["validate_roster"]

_COLUMNS = ["agent_id", "date", "rule", "message"]


def _minutes(series: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Local wall-clock minutes after ``origin`` (naive midnight)."""
    ts = pd.to_datetime(series)
    wall = ts.dt.tz_localize(None) if ts.dt.tz is not None else ts
    return ((wall - origin).dt.total_seconds() / 60).to_numpy()


def _hm(minutes: float) -> str:
    m = int(round(minutes)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


def validate_roster(
    roster: pd.DataFrame,
    activities: pd.DataFrame,
    rules: ShiftRules,
    agents: pd.DataFrame | None = None,
    *,
    availability: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Check a roster against every hard rule.

    Checked: shift length, opening window and start grid; activities tiling each shift
    exactly; the breaks each shift length requires (count, kind, minutes, window); paid hours;
    one shift per agent and date; minimum rest; max days and start band per 7-day week; and
    with ``agents``, contract hours, skills of the roster queues and of work activities; with
    ``availability``, no shift overlapping an ``unavailable`` window.

    Parameters
    ----------
    roster : pandas.DataFrame
        ``agent_id``, ``date``, ``shift_start``, ``shift_end``, ``paid_hours``, ``queues``.
    activities : pandas.DataFrame
        ``agent_id``, ``start``, ``end``, ``activity``, ``queue``.
    rules : ShiftRules
        Shift lengths, window, start grid, breaks, max days, rest, start band.
    agents : pandas.DataFrame, optional
        Agents frame (contracts and skills).
    availability : pandas.DataFrame, optional
        Availability frame.

    Returns
    -------
    pandas.DataFrame
        One row per violation (``agent_id``, ``date``, ``rule``, ``message``); empty when the
        roster keeps every rule.
    """
    found: list[tuple[str, object, str, str]] = []
    if roster.empty:
        if not activities.empty:
            found.append(("", None, "activities", "activities but no shifts"))
        return pd.DataFrame(found, columns=_COLUMNS)
    dates = pd.to_datetime(pd.Series(roster["date"]).astype(str)).dt.normalize()
    origin = dates.min()
    r = pd.DataFrame(
        {
            "agent_id": roster["agent_id"].astype(str).to_numpy(),
            "date": roster["date"].to_numpy(),
            "day_min": ((dates - origin).dt.total_seconds() / 60).to_numpy(),
            "s": _minutes(roster["shift_start"], origin),
            "e": _minutes(roster["shift_end"], origin),
            "paid_hours": pd.to_numeric(roster["paid_hours"]).to_numpy(float),
            "queues": roster["queues"].astype(object).to_numpy(),
        }
    ).sort_values(["agent_id", "s"], ignore_index=True)
    r["shift"] = np.arange(len(r))
    first = clock_to_minutes(rules.earliest_start)
    last = clock_to_minutes(rules.latest_end)
    step = rules.start_step_minutes

    def report(mask, rule, message_fn):
        for row in r.loc[mask].itertuples(index=False):
            found.append((row.agent_id, row.date, rule, message_fn(row)))

    # --- each shift on its own ------------------------------------------------------------
    r["length_h"] = (r["e"] - r["s"]) / 60
    lengths = np.array(rules.lengths_h)
    ok_len = np.isclose(r["length_h"].to_numpy()[:, None], lengths[None, :]).any(axis=1)
    report(~ok_len, "length", lambda x: f"shift of {x.length_h:g} h; allowed {rules.lengths_h}")
    rel_s, rel_e = r["s"] - r["day_min"], r["e"] - r["day_min"]
    report(
        (rel_s < first) | (rel_e > last),
        "window",
        lambda x: f"shift {_hm(x.s)}-{_hm(x.e)} outside {rules.earliest_start}-{rules.latest_end}",
    )
    report(
        ((rel_s - first) % step).abs() > 1e-9,
        "start_grid",
        lambda x: f"start {_hm(x.s)} not on the {step}-min grid",
    )
    expected_paid = np.array(
        [h - sum(b.minutes for b in rules.breaks_for(h) if not b.paid) / 60 for h in r["length_h"]]
    )
    r["expected_paid"] = expected_paid
    report(
        ~np.isclose(r["paid_hours"], expected_paid),
        "paid_hours",
        lambda x: f"paid_hours {x.paid_hours:g} where {x.expected_paid:g} is due",
    )

    # --- activities: map each to its shift, check tiling and breaks -----------------------------
    a = pd.DataFrame(
        {
            "agent_id": activities["agent_id"].astype(str).to_numpy(),
            "s": _minutes(activities["start"], origin),
            "e": _minutes(activities["end"], origin),
            "activity": activities["activity"].astype(str).to_numpy(),
            "queue": activities["queue"].astype(object).to_numpy(),
        }
    ).sort_values(["s"], ignore_index=True)
    keyed = pd.merge_asof(
        a,
        r[["agent_id", "s", "e", "shift"]]
        .sort_values("s")
        .rename(columns={"s": "shift_s", "e": "shift_e"}),
        left_on="s",
        right_on="shift_s",
        by="agent_id",
        direction="backward",
    )
    inside = keyed["shift"].notna() & (keyed["e"] <= keyed["shift_e"] + 1e-9)
    for row in keyed.loc[~inside].itertuples(index=False):
        found.append(
            (
                row.agent_id,
                None,
                "activities",
                f"{row.activity} at {_hm(row.s)} (day {int(row.s // 1440) + 1}) is "
                f"outside any shift",
            )
        )
    keyed = keyed.loc[inside].sort_values(["shift", "s"], ignore_index=True)
    keyed["shift"] = keyed["shift"].astype(int)
    prev_end = keyed.groupby("shift")["e"].shift(1).fillna(keyed["shift_s"])
    tiles = np.isclose(keyed["s"], prev_end)
    first_end = keyed.groupby("shift")["e"].transform("max")
    covered = keyed.groupby("shift")["e"].sum() - keyed.groupby("shift")["s"].sum()
    span = r.set_index("shift")["e"] - r.set_index("shift")["s"]
    bad_tile = (
        set(keyed.loc[~tiles, "shift"])
        | set(covered.index[~np.isclose(covered, span.reindex(covered.index))])
        | set(keyed.loc[~np.isclose(first_end, keyed["shift_e"]), "shift"])
    )
    bad_tile |= set(r["shift"]) - set(keyed["shift"])
    report(
        r["shift"].isin(bad_tile),
        "activities",
        lambda x: f"activities do not exactly fill the shift {_hm(x.s)}-{_hm(x.e)}",
    )

    pauses = keyed.loc[keyed["activity"] != "work"].copy()
    pauses["k"] = pauses.groupby("shift").cumcount()
    count = pauses.groupby("shift").size().reindex(r["shift"], fill_value=0).to_numpy()
    wanted = [rules.breaks_for(h) for h in r["length_h"]]
    n_wanted = np.array([len(w) for w in wanted])
    report(
        count != n_wanted,
        "breaks",
        lambda x: (
            f"{int(count[x.shift])} breaks in a {x.length_h:g} h shift; rules want "
            f"{int(n_wanted[x.shift])}"
        ),
    )
    good = set(r.loc[count == n_wanted, "shift"])
    for p in pauses.loc[pauses["shift"].isin(good)].itertuples(index=False):
        rule = wanted[p.shift][p.k]
        minutes = p.e - p.s
        after_h = (p.s - p.shift_s) / 60
        agent, date = r.at[p.shift, "agent_id"], r.at[p.shift, "date"]
        if abs(minutes - rule.minutes) > 1e-6 or p.activity != rule.activity:
            found.append(
                (
                    agent,
                    date,
                    "breaks",
                    f"{p.activity} of {minutes:g} min where {rule.name!r} "
                    f"({rule.activity}, {rule.minutes} min) is due",
                )
            )
        if not rule.earliest_after_h - 1e-9 <= after_h <= rule.latest_after_h + 1e-9:
            found.append(
                (
                    agent,
                    date,
                    "break_window",
                    f"{rule.name!r} starts {after_h:g} h after the shift start; window "
                    f"{rule.earliest_after_h}-{rule.latest_after_h} h",
                )
            )

    # --- per agent over the horizon ---------------------------------------------------------
    same_agent = r["agent_id"].eq(r["agent_id"].shift(1))
    rest_h = (r["s"] - r["e"].shift(1)) / 60
    report(
        same_agent & r["date"].eq(r["date"].shift(1)),
        "one_shift_per_day",
        lambda x: "more than one shift on the date",
    )
    report(
        same_agent & (rest_h < rules.min_rest_h - 1e-9),
        "min_rest",
        lambda x: f"rest before the shift at {_hm(x.s)} is below {rules.min_rest_h} h",
    )
    r["week"] = (r["day_min"] // (7 * 1440)).astype(int)
    r["start_of_day"] = r["s"] - r["day_min"]
    weekly = (
        r.groupby(["agent_id", "week"])
        .agg(
            days=("date", "nunique"),
            hours=("paid_hours", "sum"),
            lo=("start_of_day", "min"),
            hi=("start_of_day", "max"),
        )
        .reset_index()
    )
    for w in weekly.loc[weekly["days"] > rules.max_days_per_week].itertuples(index=False):
        found.append(
            (
                w.agent_id,
                None,
                "max_days",
                f"{w.days} days in week {w.week + 1}; max {rules.max_days_per_week}",
            )
        )
    if rules.start_band_minutes is not None:
        for w in weekly.loc[
            weekly["hi"] - weekly["lo"] > rules.start_band_minutes + 1e-9
        ].itertuples(index=False):
            found.append(
                (
                    w.agent_id,
                    None,
                    "start_band",
                    f"start times spread {w.hi - w.lo:g} min in week {w.week + 1}; "
                    f"band {rules.start_band_minutes} min",
                )
            )
    if agents is not None:
        parsed = parse_agents(agents, rules)
        if availability is not None:
            parse_availability(availability, parsed, origin.date(), 10_000)
        known = {x.agent_id: x for x in parsed}
        for w in weekly.itertuples(index=False):
            info = known.get(w.agent_id)
            if info is None:
                found.append((w.agent_id, None, "agent", "agent not in the agents frame"))
                continue
            if w.hours > info.max_hours_week + 1e-6:
                found.append(
                    (
                        w.agent_id,
                        None,
                        "max_hours",
                        f"{w.hours:g} h in week {w.week + 1}; contract max {info.max_hours_week:g}",
                    )
                )
            if w.hours < info.min_hours_week - 1e-6:
                found.append(
                    (
                        w.agent_id,
                        None,
                        "min_hours",
                        f"{w.hours:g} h in week {w.week + 1}; contract min {info.min_hours_week:g}",
                    )
                )
        for row in r.itertuples(index=False):
            info = known.get(row.agent_id)
            if info is None:
                continue
            queues = (
                [q for q in str(row.queues).split(">") if q] if isinstance(row.queues, str) else []
            )
            extra = [q for q in queues if q not in info.skills]
            if extra:
                found.append(
                    (
                        row.agent_id,
                        row.date,
                        "skills",
                        f"queues {extra} not in skills {info.skills}",
                    )
                )
            if not info.is_free(int(np.floor(row.s)), int(np.ceil(row.e))):
                found.append(
                    (
                        row.agent_id,
                        row.date,
                        "availability",
                        f"shift {_hm(row.s)}-{_hm(row.e)} overlaps unavailability",
                    )
                )
        work = keyed.loc[(keyed["activity"] == "work") & keyed["queue"].notna()]
        for agent, queue in work[["agent_id", "queue"]].drop_duplicates().itertuples(index=False):
            info = known.get(agent)
            if info is not None and queue not in info.skills:
                found.append((agent, None, "skills", f"works on {queue} without the skill"))
    return pd.DataFrame(found, columns=_COLUMNS)
