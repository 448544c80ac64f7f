"""The sample centre as one object: :class:`SampleCentre` and :func:`build_sample`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffplan.sample.agent_history import build_agent_history
from staffplan.sample.agents import build_agents, build_availability
from staffplan.sample.contacts import build_contacts
from staffplan.sample.history import build_history
from staffplan.sample.plan import (
    HISTORY_DAYS,
    HISTORY_START,
    PLAN_TOML,
    STATES_DAYS,
    STATES_START,
    TZ,
    interval_grid,
)
from staffplan.sample.states import build_agent_states

__all__ = ["SampleCentre", "build_sample"]


@dataclass(frozen=True)
class SampleCentre:
    """The demo contact centre: every sample input as text or frames.

    Attributes
    ----------
    plan_toml : str
        Text of ``plan.toml``.
    history : pandas.DataFrame
        Interval history, one row per 15-minute interval and queue: ``interval_start``
        (tz-aware, Europe/Amsterdam, start-labelled), ``queue``, ``offered``, ``handled``,
        ``abandoned`` (counts), ``aht_s`` (mean handle time of the handled contacts, seconds;
        0.0 when none), ``answered_in_sl`` (count), ``sl_threshold_s`` (seconds).
    agents : pandas.DataFrame
        ``agent_id``, ``name``, ``team``, ``skills`` (``sales:1|chat:2``, 1 = highest
        priority), ``min_hours_week``, ``max_hours_week`` (hours), ``cost_per_hour`` (EUR).
    availability : pandas.DataFrame
        ``agent_id``, ``date`` (``YYYY-MM-DD``), ``kind`` (``unavailable`` | ``request_on`` |
        ``request_off``), ``start``, ``end`` (``HH:MM`` local, empty = whole day), ``weight``
        (NaN for ``unavailable``).
    agent_states : pandas.DataFrame
        ``agent_id``, ``state_start``, ``state_end`` (tz-aware local), ``state``, ``queue``
        (set for ``on_contact`` and ``after_contact_work``, empty otherwise).
    states_roster : pandas.DataFrame
        The roster the agents worked to during the agent-state weeks (DESIGN.md roster frame):
        ``agent_id``, ``date`` (``YYYY-MM-DD``), ``shift_start``, ``shift_end`` (tz-aware
        local), ``paid_hours`` (hours, lunch unpaid), ``queues`` (priority order,
        ``sales>chat``).
    states_activities : pandas.DataFrame
        The planned activities of those shifts: ``agent_id``, ``start``, ``end`` (tz-aware
        local), ``activity`` (``work`` | ``break`` | ``lunch`` | ``training`` | ``meeting``),
        ``queue`` (the first queue, for ``work``; empty otherwise).
    contacts : pandas.DataFrame
        Contacts log of the agent-state weeks, one row per handled contact: ``contact_id``,
        ``customer_id``, ``time`` (tz-aware local; per queue and interval the counts equal the
        history's ``handled``), ``queue``, ``channel``, ``resolved`` (bool).
    agent_history : pandas.DataFrame
        Employment stints over the two years to the end of the history: ``agent_id``,
        ``team``, ``start_date``, ``end_date`` (``YYYY-MM-DD``, empty while employed),
        ``leaving_reason`` (``voluntary`` | ``involuntary`` | ``internal_move`` |
        ``contract_end``, empty while employed). Current agents are those of ``agents``;
        leavers have their own ids.
    """

    plan_toml: str
    history: pd.DataFrame
    agents: pd.DataFrame
    availability: pd.DataFrame
    agent_states: pd.DataFrame
    states_roster: pd.DataFrame
    states_activities: pd.DataFrame
    contacts: pd.DataFrame
    agent_history: pd.DataFrame

    def files(self) -> dict[str, str | pd.DataFrame]:
        """File name -> content (text or a frame to write as CSV) of the sample centre.

        The state log, the activities and the contacts log are the largest tables: gzipped,
        the sample centre stays small.
        """
        return {
            "plan.toml": self.plan_toml,
            "history.csv": self.history,
            "agents.csv": self.agents,
            "availability.csv": self.availability,
            "agent_states.csv.gz": self.agent_states,
            "states_roster.csv": self.states_roster,
            "states_activities.csv.gz": self.states_activities,
            "contacts.csv.gz": self.contacts,
            "agent_history.csv": self.agent_history,
        }


def build_sample(seed: int = 20260301) -> SampleCentre:
    """Build the demo contact centre.

    Parameters
    ----------
    seed : int, default 20260301
        Seed of ``numpy.random.default_rng``; the same seed gives identical output.

    Returns
    -------
    SampleCentre
        Plan text and the history, agents, availability, agent-state, roster, activities,
        contacts and agent-history frames.

    Notes
    -----
    History: 12 weeks from Monday 2026-02-23 to Sunday 2026-05-17 (local), containing the
    switch to summer time on 2026-03-29 (a 23-hour day) and Dutch public holidays (closed).
    Voice and chat rows exist only inside opening hours; email has a row for every interval of
    every day and is answered first-in first-out from a backlog during opening hours. The
    agent-state log covers 2026-05-04 to 2026-05-17; every handled contact of those days is one
    ``on_contact`` record followed by its ``after_contact_work`` record (handle time = talk +
    wrap-up). An agent holds at most one contact at a time, except chats: up to two chat
    contacts (talk or wrap-up) at once. The roster and activities of those two weeks are the
    plan the simulation started from. The contacts log holds the same handled contacts with
    customers and a resolved flag; the agent history covers 2024-05-18 to 2026-05-17.
    """
    rng_hist, rng_agents, rng_avail, rng_states, rng_contacts, rng_staff = np.random.default_rng(
        seed
    ).spawn(6)
    grid = interval_grid(HISTORY_START, HISTORY_DAYS)
    history, contacts = build_history(grid, rng_hist)
    agents, tenure_years = build_agents(rng_agents)
    availability = build_availability(agents, rng_avail)
    agent_states, roster, activities = build_agent_states(grid, contacts, agents, rng_states)
    first = pd.Timestamp(STATES_START, tz=TZ).value // 10**9
    last = pd.Timestamp(STATES_START + dt.timedelta(days=STATES_DAYS), tz=TZ).value // 10**9
    window = contacts[(contacts["start_s"] >= first) & (contacts["start_s"] < last)]
    return SampleCentre(
        plan_toml=PLAN_TOML,
        history=history,
        agents=agents,
        availability=availability,
        agent_states=agent_states,
        states_roster=roster,
        states_activities=activities,
        contacts=build_contacts(window, rng_contacts),
        agent_history=build_agent_history(agents, tenure_years, rng_staff),
    )
