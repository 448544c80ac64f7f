"""Improvement recommendations, each an action with its evidence.

* operators and teams below their targets (adherence, occupancy, handle time against the
  centre's average for the same queue mix), with the gap;
* queues that missed their service level in the same weekday interval repeatedly, with the
  agents to add (required agents from the Erlang stage, :func:`staffplan.requirements.compute`,
  minus the agents actually staffed);
* queues whose planned shrinkage is below the shrinkage observed in the state log;
* queues with first-contact resolution below target (when a contacts log is given).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from staffplan import requirements
from staffplan.config import PlanConfig

__all__ = [
    "KpiTargets",
    "Recommendation",
    "interval_recommendations",
    "people_recommendations",
    "shrinkage_by_queue",
    "shrinkage_recommendations",
    "fcr_recommendations",
]

_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class KpiTargets:
    """Targets operators and teams are held to (fractions; ``aht_ratio_max`` a ratio).

    Attributes
    ----------
    adherence : float
        Minimum adherence to the schedule.
    occupancy_min : float
        Minimum occupancy (busy over productive time): below it, agents wait too long.
    aht_ratio_max : float
        Maximum handle time relative to the centre's average for the agent's queue mix.
    min_contacts : int
        Operators with fewer contacts in the window are not judged on handle time.
    sl_miss_share, sl_min_misses : float, int
        A weekday interval is flagged when its service level missed the target on at least
        this share of the days and at least this many times.
    fcr : float
        First-contact resolution target.
    shrinkage_margin : float
        Observed shrinkage must exceed the planned one by more than this to be flagged.
    max_per_kind : int
        At most this many recommendations of one kind, worst first.
    """

    adherence: float = 0.90
    occupancy_min: float = 0.60
    aht_ratio_max: float = 1.20
    min_contacts: int = 30
    sl_miss_share: float = 0.5
    sl_min_misses: int = 2
    fcr: float = 0.75
    shrinkage_margin: float = 0.01
    max_per_kind: int = 10


@dataclass(frozen=True)
class Recommendation:
    """One action for the supervisor, with the evidence and the gap to target.

    ``kind`` is ``operator``, ``team``, ``queue_interval``, ``shrinkage`` or ``fcr``;
    ``metric`` the measure concerned, ``value`` and ``target`` its value and target, ``gap``
    how far it is on the wrong side of the target (same unit, > 0), ``agents`` the agents to
    add where staffing is the action.
    """

    kind: str
    subject: str
    action: str
    evidence: str
    metric: str
    value: float
    target: float
    gap: float
    agents: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def people_recommendations(
    operators: pd.DataFrame, teams: pd.DataFrame, mix: pd.DataFrame, targets: KpiTargets
) -> list[Recommendation]:
    """Operators and teams below target over the whole report window.

    ``operators`` and ``teams`` are the per-period tables summed over the window (one row per
    agent or team, with ratios); ``mix`` the per agent and queue contacts and handle time.
    Handle time is judged against the centre's average AHT per queue weighted by the
    operator's (or team's) contacts per queue, so a support agent is not compared with sales.
    """
    centre = mix.groupby("queue")[["contacts", "handle_s"]].sum()
    centre_aht = centre["handle_s"] / centre["contacts"].where(centre["contacts"] > 0)
    expected_s = (
        mix.assign(exp_s=mix["contacts"] * mix["queue"].map(centre_aht))
        .groupby("agent_id")["exp_s"]
        .sum()
    )
    out: list[Recommendation] = []
    if not operators.empty:
        t = operators.set_index("agent_id")
        t = t.assign(
            expected_aht_s=expected_s.reindex(t.index) / t["contacts"].where(t["contacts"] > 0)
        )
        names = {i: f"{i} ({t.at[i, 'name']}, {t.at[i, 'team']})" for i in t.index}
        out += _people_checks("operator", t, names, targets)
    if not teams.empty:
        t = teams.set_index("team")
        team_exp = operators["agent_id"].map(expected_s).groupby(operators["team"]).sum()
        t = t.assign(
            expected_aht_s=team_exp.reindex(t.index) / t["contacts"].where(t["contacts"] > 0)
        )
        out += _people_checks("team", t, {i: str(i) for i in t.index}, targets)
    return out


def _people_checks(
    kind: str, t: pd.DataFrame, names: dict, targets: KpiTargets
) -> list[Recommendation]:
    ratio = (t["aht_s"] / t["expected_aht_s"]).where(t["contacts"] >= targets.min_contacts)
    checks = {
        "adherence": (t["adherence"], targets.adherence, targets.adherence - t["adherence"]),
        "occupancy": (
            t["occupancy"],
            targets.occupancy_min,
            targets.occupancy_min - t["occupancy"],
        ),
        "aht_ratio": (ratio, targets.aht_ratio_max, ratio - targets.aht_ratio_max),
    }
    out = []
    for metric, (values, target, gap) in checks.items():
        worst = gap[gap > 0].sort_values(ascending=False).head(targets.max_per_kind)
        for i, g in worst.items():
            r, v, who = t.loc[i], float(values[i]), names[i]
            if metric == "adherence":
                action = (
                    f"Coach {who} on schedule adherence: review breaks, lunch and log-off "
                    "times against the roster"
                )
                evidence = (
                    f"adherence {v:.2f} vs target {target:.2f} over "
                    f"{r['adherence_scheduled_h']:.1f} scheduled hours"
                )
            elif metric == "occupancy":
                action = (
                    f"Give {who} more contacts: add a queue skill or move hours to busier intervals"
                )
                evidence = (
                    f"occupancy {v:.2f} vs minimum {target:.2f} ({r['available_h']:.1f} h "
                    f"waiting, {r['busy_h']:.1f} h on contacts)"
                )
            else:
                action = (
                    f"Review contact handling with {who}: listen to long contacts, check "
                    "holds and wrap-up"
                )
                evidence = (
                    f"AHT {r['aht_s']:.0f} s vs {r['expected_aht_s']:.0f} s expected for the "
                    f"queue mix (x{v:.2f}, limit x{target:.2f}; talk {r['aht_talk_s']:.0f} s, "
                    f"hold {r['aht_hold_s']:.0f} s, wrap-up {r['aht_acw_s']:.0f} s) over "
                    f"{int(r['contacts'])} contacts"
                )
            out.append(
                Recommendation(kind, str(i), action, evidence, metric, v, float(target), float(g))
            )
    return out


def interval_recommendations(
    intervals: pd.DataFrame, config: PlanConfig, targets: KpiTargets
) -> list[Recommendation]:
    """Weekday intervals where a voice or chat queue missed its service level repeatedly.

    Groups intervals by queue, local weekday and time of day; a slot is flagged when the
    target was missed on at least ``sl_miss_share`` of its days and ``sl_min_misses`` times.
    The agents needed for the slot's mean offered contacts and handle time come from
    :func:`staffplan.requirements.compute` (Erlang C, Erlang A or the chat model per queue);
    the action adds the difference to the agents actually staffed. Adjacent flagged slots
    are merged into one time range.
    """
    live = [q.name for q in config.queues if q.channel != "email"]
    iv = intervals[intervals["queue"].isin(live) & (intervals["offered"] > 0)].copy()
    if iv.empty:
        return []
    local = iv["interval_start"].dt.tz_localize(None)
    iv["weekday"] = local.dt.day_of_week
    iv["minute"] = local.dt.hour * 60 + local.dt.minute
    iv["missed"] = iv["service_level"] < iv["sl_target"]
    iv["handle_s"] = iv["aht_s"] * iv["handled"]
    g = iv.groupby(["queue", "weekday", "minute"])
    slots = g.agg(
        days=("missed", "size"),
        misses=("missed", "sum"),
        offered=("offered", "mean"),
        offered_sum=("offered", "sum"),
        in_sl=("answered_in_sl", "sum"),
        handle_s=("handle_s", "sum"),
        handled=("handled", "sum"),
        staffed=("staffed", "mean"),
        target=("sl_target", "first"),
        example=("interval_start", "first"),
    )
    flagged = slots[
        (slots["misses"] >= targets.sl_min_misses)
        & (slots["misses"] / slots["days"] >= targets.sl_miss_share)
    ].copy()
    if flagged.empty:
        return []
    flagged["sl"] = flagged["in_sl"] / flagged["offered_sum"]
    flagged["aht_s"] = flagged["handle_s"] / flagged["handled"].where(flagged["handled"] > 0)
    frame = pd.DataFrame(
        {
            "interval_start": flagged["example"].to_numpy(),
            "queue": flagged.index.get_level_values("queue"),
            "calls": flagged["offered"].to_numpy(),
            "aht_s": flagged["aht_s"].fillna(0.0).to_numpy(),
        }
    )
    need = requirements.compute(frame, config).frame
    flagged["needed"] = (
        need.set_index(["queue", "interval_start"])["agents"]
        .reindex(pd.MultiIndex.from_frame(frame[["queue", "interval_start"]]))
        .to_numpy()
    )
    flagged["extra"] = np.ceil(flagged["needed"] - flagged["staffed"] - 1e-9).clip(lower=0)
    flagged = flagged[flagged["extra"] > 0].reset_index()
    step = config.center.interval_minutes
    flagged["run"] = (
        (flagged["queue"] != flagged["queue"].shift())
        | (flagged["weekday"] != flagged["weekday"].shift())
        | (flagged["minute"] != flagged["minute"].shift() + step)
    ).cumsum()
    out = []
    for _, r in flagged.groupby("run"):
        first, last = r.iloc[0], r.iloc[-1]
        queue, day = first["queue"], _WEEKDAYS[int(first["weekday"])]
        span = f"{_clock(first['minute'])}-{_clock(last['minute'] + step)}"
        extra = int(r["extra"].max())
        sl = float((r["in_sl"].sum()) / r["offered_sum"].sum())
        target = float(first["target"])
        misses, days = int(r["misses"].sum()), int(r["days"].sum())
        out.append(
            Recommendation(
                "queue_interval",
                f"{queue} {day} {span}",
                f"Add {extra} agent{'s' if extra > 1 else ''} to {queue} on {day} {span}",
                f"service level {sl:.2f} vs target {target:.2f}: missed in {misses} of {days} "
                f"intervals; {r['offered'].mean():.1f} contacts per interval at AHT "
                f"{r['aht_s'].mean():.0f} s need {int(r['needed'].max())} agents, "
                f"{r['staffed'].mean():.1f} were staffed on average",
                "service_level",
                sl,
                target,
                target - sl,
                extra,
            )
        )
    out.sort(key=lambda rec: (-(rec.agents or 0), -rec.gap))
    return out[: targets.max_per_kind]


def _clock(minute) -> str:
    minute = int(minute)
    return f"{minute // 60:02d}:{minute % 60:02d}"


def shrinkage_by_queue(
    operators: pd.DataFrame, mix: pd.DataFrame, config: PlanConfig
) -> pd.DataFrame:
    """Observed shrinkage per queue (agents grouped by the queue they spend most time on).

    Returns ``queue``, ``agents``, ``paid_h``, ``productive_h``, pause hours, ``observed``
    (1 - productive / paid) and ``planned`` (``center.shrinkage``).
    """
    main = (
        mix.sort_values(["agent_id", "handle_s"], ascending=[True, False])
        .drop_duplicates("agent_id")
        .set_index("agent_id")["queue"]
    )
    pauses = [
        c for c in ("break_h", "lunch_h", "training_h", "meeting_h", "offline_h") if c in operators
    ]
    t = operators.assign(queue=operators["agent_id"].map(main).fillna("(no contacts)"))
    out = t.groupby("queue")[["paid_h", "productive_h", *pauses]].sum()
    out.insert(0, "agents", t.groupby("queue")["agent_id"].nunique())
    out["observed"] = 1.0 - out["productive_h"] / out["paid_h"].where(out["paid_h"] > 0)
    out["planned"] = config.center.shrinkage
    return out.reset_index()


def shrinkage_recommendations(shrinkage: pd.DataFrame, targets: KpiTargets) -> list[Recommendation]:
    """Queues whose planned shrinkage is below the observed one."""
    out = []
    for _, r in shrinkage.iterrows():
        gap = r["observed"] - r["planned"]
        if not gap > targets.shrinkage_margin:
            continue
        out.append(
            Recommendation(
                "shrinkage",
                str(r["queue"]),
                f"Raise the planned shrinkage for {r['queue']} from {r['planned']:.2f} to "
                f"{r['observed']:.2f} (center.shrinkage in plan.toml, or plan this queue apart)",
                f"observed shrinkage {r['observed']:.2f}: {r['productive_h']:.0f} productive of "
                f"{r['paid_h']:.0f} paid hours over {int(r['agents'])} agents",
                "shrinkage",
                float(r["observed"]),
                float(r["planned"]),
                float(gap),
            )
        )
    return out


def fcr_recommendations(customers: pd.DataFrame, targets: KpiTargets) -> list[Recommendation]:
    """Queues with first-contact resolution below target over the whole window."""
    whole = customers[customers["queue"] != "all"].groupby("queue")[["first_contacts"]].sum()
    solved = (customers["fcr"] * customers["first_contacts"]).groupby(customers["queue"]).sum()
    fcr = solved.reindex(whole.index) / whole["first_contacts"].where(whole["first_contacts"] > 0)
    out = []
    for queue, value in fcr.sort_values().items():
        if not value < targets.fcr:
            continue
        out.append(
            Recommendation(
                "fcr",
                str(queue),
                f"Find why {queue} contacts come back: review the unresolved reasons and give "
                "agents the rights or knowledge to close them",
                f"first-contact resolution {value:.2f} vs target {targets.fcr:.2f} over "
                f"{int(whole.at[queue, 'first_contacts'])} first contacts",
                "fcr",
                float(value),
                targets.fcr,
                float(targets.fcr - value),
            )
        )
    return out
