"""Operator and team performance per period from the agent-state log (and roster, activities).

Times are summed per agent and period after cutting every state record at the period
boundaries (local midnight, Monday, first of the month), so a record across midnight counts
on both days in proportion. A contact counts in the period its ``on_contact`` record starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffplan.errors import Problem
from staffplan.kpi.inputs import CONTACT_STATES, KNOWN_STATES, PAUSE_STATES
from staffplan.kpi.periods import Spans, assign, ns, split, union

__all__ = [
    "ADDITIVE",
    "NOT_IN_AGENTS",
    "StateLog",
    "add_ratios",
    "agent_queue_table",
    "operator_table",
    "prepare",
    "team_table",
]

#: Team shown for agents of the state log that agents.csv does not list.
NOT_IN_AGENTS = "(not in agents.csv)"
#: Columns that add up over agents and periods (ratios are recomputed from them).
ADDITIVE = (
    "contacts",
    "talk_h",
    "hold_h",
    "acw_h",
    "handle_h",
    "available_h",
    "busy_h",
    "productive_h",
    *(f"{s}_h" for s in PAUSE_STATES),
    "logged_h",
    "worked_h",
    "paid_h",
    "scheduled_h",
    "adherence_scheduled_h",
    "adherent_h",
    "cost",
)
_WORK_STATES = ("available", *CONTACT_STATES)


@dataclass(frozen=True)
class StateLog:
    """The validated state log as arrays (sorted by agent, then start).

    ``agent`` holds codes into ``agent_ids``; ``state`` codes into
    :data:`~staffplan.kpi.inputs.KNOWN_STATES`; times are int64 ns since the epoch.
    """

    agent_ids: np.ndarray
    agent: np.ndarray
    start_ns: np.ndarray
    end_ns: np.ndarray
    state: np.ndarray
    queue: np.ndarray
    tz: object

    @property
    def is_contact(self) -> np.ndarray:
        return np.isin(self.state, [KNOWN_STATES.index(s) for s in CONTACT_STATES])

    def of_states(self, names) -> np.ndarray:
        return np.isin(self.state, [KNOWN_STATES.index(s) for s in names])

    def contact_starts(self) -> np.ndarray:
        """Positions of the records that start a contact.

        An ``on_contact`` record right after a ``hold`` record of the same agent and queue
        (ending when it starts) resumes that contact and does not count again.
        """
        talk = self.state == KNOWN_STATES.index("on_contact")
        resumed = np.zeros_like(talk)
        prev_hold = (self.state[:-1] == KNOWN_STATES.index("hold")) & (
            self.agent[:-1] == self.agent[1:]
        )
        resumed[1:] = (
            prev_hold
            & (self.queue[:-1] == self.queue[1:])
            & (self.end_ns[:-1] == self.start_ns[1:])
        )
        return np.flatnonzero(talk & ~resumed)


def prepare(states: pd.DataFrame) -> StateLog:
    """Arrays of a validated state log (see :func:`staffplan.kpi.inputs.validate_states`)."""
    agent, ids = pd.factorize(states["agent_id"], sort=True)
    state = pd.Categorical(states["state"], categories=list(KNOWN_STATES)).codes
    return StateLog(
        agent_ids=np.asarray(ids, dtype=object),
        agent=agent.astype(np.int64),
        start_ns=ns(states["state_start"]),
        end_ns=ns(states["state_end"]),
        state=state.astype(np.int64),
        queue=states["queue"].to_numpy(dtype=object),
        tz=states["state_start"].dt.tz,
    )


def _grid(n_agents: int, n_periods: int, agent, period, weights) -> np.ndarray:
    flat = agent * n_periods + period
    return np.bincount(flat, weights=weights, minlength=n_agents * n_periods).reshape(
        n_agents, n_periods
    )


def operator_table(
    log: StateLog,
    bounds: pd.DatetimeIndex,
    labels: np.ndarray,
    *,
    agents: pd.DataFrame | None = None,
    roster: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    unpaid_states: tuple[str, ...] = ("lunch",),
) -> tuple[pd.DataFrame, list[Problem]]:
    """Per agent and period: contacts, handle time split, occupancy, utilisation, pauses,
    adherence, conformance and cost.

    Parameters
    ----------
    log : StateLog
        The prepared state log.
    bounds : pandas.DatetimeIndex
        Period boundaries (:func:`~staffplan.kpi.periods.period_bounds`).
    labels : numpy.ndarray
        Period labels (first local date).
    agents : pandas.DataFrame, optional
        ``agent_id``, ``name``, ``team``, ``cost_per_hour`` (currency per hour).
    roster : pandas.DataFrame, optional
        Validated roster: ``paid_hours`` per shift give the paid and scheduled time.
    activities : pandas.DataFrame, optional
        Validated activities: the schedule adherence is measured against.
    unpaid_states : tuple of str
        States not paid (used for paid time when no roster is given).

    Returns
    -------
    table : pandas.DataFrame
        One row per agent and period with logged time: ``period``, ``agent_id``, ``name``,
        ``team``, the :data:`ADDITIVE` sums (hours, currency) and the ratios of
        :func:`add_ratios`.
    warnings : list of Problem
        Agents of the log missing from agents.csv.

    Notes
    -----
    * ``busy_h`` is the time on at least one contact (talk, hold or wrap-up; concurrent
      chats count once); ``productive_h`` = ``available_h + busy_h``.
    * ``occupancy`` = busy / productive; ``utilisation`` = productive / paid.
    * Paid time is the roster's ``paid_hours`` (shifts starting in the period) when given,
      else the logged time minus ``unpaid_states``.
    * Adherence: seconds in the scheduled activity (``work`` = available or on a contact;
      ``break``, ``lunch``, ``training``, ... = that state) over scheduled seconds.
      Conformance: worked hours (logged minus lunch and offline) over scheduled hours (roster
      paid hours, else the non-lunch activities).
    """
    n_a, n_p = len(log.agent_ids), len(bounds) - 1
    b = ns(bounds)
    rec, per, sec = split(log.start_ns, log.end_ns, b)
    by_state = np.bincount(
        (log.agent[rec] * n_p + per) * len(KNOWN_STATES) + log.state[rec],
        weights=sec,
        minlength=n_a * n_p * len(KNOWN_STATES),
    ).reshape(n_a, n_p, len(KNOWN_STATES))
    h = {s: by_state[:, :, i] / 3600.0 for i, s in enumerate(KNOWN_STATES)}
    contact = log.is_contact
    ua, us, ue = union(log.agent[contact], log.start_ns[contact], log.end_ns[contact])
    r2, p2, s2 = split(us, ue, b)
    busy_h = _grid(n_a, n_p, ua[r2], p2, s2) / 3600.0
    starts = log.contact_starts()
    contacts = _grid(n_a, n_p, log.agent[starts], assign(log.start_ns[starts], b), None)
    table = {
        "contacts": contacts,
        "talk_h": h["on_contact"],
        "hold_h": h["hold"],
        "acw_h": h["after_contact_work"],
        "handle_h": h["on_contact"] + h["hold"] + h["after_contact_work"],
        "available_h": h["available"],
        "busy_h": busy_h,
        "productive_h": h["available"] + busy_h,
        **{f"{s}_h": h[s] for s in PAUSE_STATES},
    }
    table["logged_h"] = table["productive_h"] + sum(h[s] for s in PAUSE_STATES)
    table["worked_h"] = table["logged_h"] - h["lunch"] - h["offline"]
    if roster is not None:
        paid = _roster_hours(roster, log, b, n_a, n_p)
        table["paid_h"] = paid
        table["scheduled_h"] = paid
    else:
        table["paid_h"] = table["logged_h"] - sum(h[s] for s in unpaid_states)
        table["scheduled_h"] = np.full((n_a, n_p), np.nan)
    sched, adherent, planned_paid = _adherence(activities, log, b, n_a, n_p)
    table["adherence_scheduled_h"] = sched
    table["adherent_h"] = adherent
    if roster is None and activities is not None:
        table["scheduled_h"] = planned_paid
    frame = pd.DataFrame({k: v.ravel() for k, v in table.items()})
    frame.insert(0, "agent_id", np.repeat(log.agent_ids, n_p))
    frame.insert(0, "period", np.tile(labels, n_a))
    keep = (frame["logged_h"] > 0) | (frame["paid_h"] > 0) | (frame["adherence_scheduled_h"] > 0)
    frame = frame[keep.to_numpy()].reset_index(drop=True)
    frame, warnings = _with_agents(frame, agents)
    return add_ratios(frame), warnings


def _roster_hours(roster, log: StateLog, b, n_a: int, n_p: int) -> np.ndarray:
    code = pd.Index(log.agent_ids).get_indexer(roster["agent_id"])
    t = ns(roster["shift_start"])
    p = assign(t, b)
    ok = (code >= 0) & (p >= 0) & (p < n_p)
    return _grid(n_a, n_p, code[ok], p[ok], roster["paid_hours"].to_numpy(float)[ok])


def _adherence(activities, log: StateLog, b, n_a: int, n_p: int):
    """Scheduled, adherent and scheduled-paid (non-lunch) hours per agent and period."""
    zeros = np.zeros((n_a, n_p))
    if activities is None:
        return zeros * np.nan, zeros * np.nan, zeros * np.nan
    act = activities
    code = pd.Index(log.agent_ids).get_indexer(act["agent_id"])
    a0 = ns(act["start"])
    a1 = ns(act["end"])
    inside = (code >= 0) & (a0 >= b[0]) & (a1 <= b[-1])
    code, a0, a1 = code[inside], a0[inside], a1[inside]
    kind = act["activity"].to_numpy(dtype=object)[inside]
    rec, per, sec = split(a0, a1, b)
    lo = np.maximum(a0[rec], b[per])
    hi = np.minimum(a1[rec], b[per + 1])
    hit = np.zeros(rec.size)
    t0 = int(b[0])
    for name in np.unique(kind):
        states = _WORK_STATES if name == "work" else (name,)
        if name != "work" and name not in KNOWN_STATES:
            continue  # an activity with no state of its name: never adhered
        pick = log.of_states(states)
        sa, ss, se = union(log.agent[pick], log.start_ns[pick], log.end_ns[pick])
        spans = Spans(sa, ss, se, t0)
        mine = kind[rec] == name
        hit[mine] = spans.measure(code[rec][mine], lo[mine], hi[mine])
    paid = np.where(kind[rec] == "lunch", 0.0, sec)
    return (
        _grid(n_a, n_p, code[rec], per, sec) / 3600.0,
        _grid(n_a, n_p, code[rec], per, hit) / 3600.0,
        _grid(n_a, n_p, code[rec], per, paid) / 3600.0,
    )


def _with_agents(frame: pd.DataFrame, agents: pd.DataFrame | None):
    warnings: list[Problem] = []
    if agents is None:
        frame.insert(2, "name", "")
        frame.insert(3, "team", "")
        frame["cost"] = np.nan
        return frame, warnings
    info = agents.set_index("agent_id")[["name", "team", "cost_per_hour"]]
    known = frame["agent_id"].isin(info.index)
    missing = sorted(set(frame.loc[~known, "agent_id"]))
    if missing:
        shown = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
        warnings.append(
            Problem(
                f"{len(missing)} agents of the state log are not in agents.csv ({shown}): "
                f"they are reported in team {NOT_IN_AGENTS!r} without cost",
                file="agents.csv",
                column="agent_id",
                fix="add them to agents.csv with their team and cost_per_hour",
            )
        )
    joined = info.reindex(frame["agent_id"])
    frame.insert(2, "name", joined["name"].fillna("").to_numpy())
    frame.insert(3, "team", joined["team"].fillna(NOT_IN_AGENTS).to_numpy())
    frame["cost"] = frame["paid_h"].to_numpy() * joined["cost_per_hour"].to_numpy(float)
    return frame, warnings


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def add_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the ratio columns computed from the :data:`ADDITIVE` sums.

    ``aht_s``, ``aht_talk_s``, ``aht_hold_s``, ``aht_acw_s`` (seconds per contact),
    ``occupancy``, ``utilisation``, ``adherence``, ``conformance``, ``shrinkage`` (observed:
    1 - productive / paid), ``contacts_per_productive_h`` and ``cost_per_contact``. Fractions,
    NaN where the denominator is zero or unknown.
    """
    out = frame.copy()
    per_contact = out["contacts"].where(out["contacts"] > 0)
    for name, column in (("aht", "handle_h"), ("aht_talk", "talk_h")):
        out[f"{name}_s"] = out[column] * 3600.0 / per_contact
    out["aht_hold_s"] = out["hold_h"] * 3600.0 / per_contact
    out["aht_acw_s"] = out["acw_h"] * 3600.0 / per_contact
    out["occupancy"] = _ratio(out["busy_h"], out["productive_h"])
    out["utilisation"] = _ratio(out["productive_h"], out["paid_h"])
    out["adherence"] = _ratio(out["adherent_h"], out["adherence_scheduled_h"])
    out["conformance"] = _ratio(out["worked_h"], out["scheduled_h"])
    out["shrinkage"] = 1.0 - out["utilisation"]
    out["contacts_per_productive_h"] = _ratio(out["contacts"], out["productive_h"])
    out["cost_per_contact"] = out["cost"] / per_contact
    return out


def team_table(operators: pd.DataFrame) -> pd.DataFrame:
    """Per team and period: the operators' sums, agents counted, ratios recomputed."""
    sums = operators.groupby(["period", "team"], sort=True)[list(ADDITIVE)].sum(min_count=1)
    sums.insert(0, "agents", operators.groupby(["period", "team"], sort=True).size())
    return add_ratios(sums.reset_index())


def agent_queue_table(log: StateLog) -> pd.DataFrame:
    """Per agent and queue over the whole log: ``contacts`` and ``handle_s`` (seconds)."""
    contact = log.is_contact
    handle = (
        pd.DataFrame(
            {
                "agent_id": log.agent_ids[log.agent[contact]],
                "queue": log.queue[contact],
                "handle_s": (log.end_ns[contact] - log.start_ns[contact]) / 1e9,
            }
        )
        .groupby(["agent_id", "queue"])["handle_s"]
        .sum()
    )
    starts = log.contact_starts()
    counts = (
        pd.DataFrame({"agent_id": log.agent_ids[log.agent[starts]], "queue": log.queue[starts]})
        .groupby(["agent_id", "queue"])
        .size()
    )
    out = pd.concat({"contacts": counts, "handle_s": handle}, axis=1).fillna(0.0)
    out["contacts"] = out["contacts"].astype(np.int64)
    return out.reset_index()
