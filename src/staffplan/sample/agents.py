"""Agents of the sample centre (teams, skills, contracts, cost) and their availability."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from staffplan.sample.plan import PLAN_WEEK_START, Q_INDEX, QUEUES

__all__ = ["TEAMS", "build_agents", "build_availability", "skill_priorities"]

_FIRST = (  # noqa: SIM905 (a compact word list)
    "Anna Bram Chantal Daan Emma Fleur Gijs Hanna Iris Jeroen Julia Kees Lotte Lucas Maartje "
    "Milan Noor Pieter Rik Sanne Sem Sophie Thijs Tess Vera Wouter Yara Anouk Bas Eva Femke "
    "Jasper Lieke Mohamed Nadia Ruben Sara Tim Yusuf Zeynep"
).split()
_LAST = (  # noqa: SIM905
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|"
    "Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|"
    "de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|Yilmaz|El Amrani"
).split("|")
TEAMS = ("Team Noord", "Team Oost", "Team Zuid", "Team West", "Team Centrum", "Team Haven")
# (number of agents, skill patterns, pattern probabilities) per primary queue.
_SKILL_MIX = (
    (48, ("sales:1|chat:2", "sales:1|support:2", "sales:1|chat:2|email:3"), (0.5, 0.3, 0.2)),
    (
        54,
        ("support:1|email:2", "support:1|chat:2", "support:1|sales:2|email:3", "support:1"),
        (0.35, 0.3, 0.2, 0.15),
    ),
    (10, ("chat:1|support:2", "chat:1|sales:2|email:3"), (0.5, 0.5)),
    (8, ("email:1|support:2", "email:1"), (0.6, 0.4)),
)
_CONTRACTS = ((20, 24), (24, 32), (32, 40), (36, 40))
_CONTRACT_P = (0.2, 0.4, 0.3, 0.1)


def build_agents(rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """About 120 agents in six teams with skills, contracts (hours/week) and cost (EUR/hour).

    Returns the agents frame and each agent's tenure in years (which sets the pay).
    """
    skills = [str(s) for n, patterns, p in _SKILL_MIX for s in rng.choice(patterns, size=n, p=p)]
    n = len(skills)
    order = rng.permutation(n)
    skills = [skills[i] for i in order]
    pairs = rng.choice(len(_FIRST) * len(_LAST), size=n, replace=False)
    names = [f"{_FIRST[k // len(_LAST)]} {_LAST[k % len(_LAST)]}" for k in pairs]
    contract = rng.choice(len(_CONTRACTS), size=n, p=_CONTRACT_P)
    years = np.minimum(rng.exponential(4.0, n), 15.0)
    cost = np.clip(18.0 + 0.75 * years + rng.normal(0.0, 0.6, n), 18.0, 30.0)
    frame = pd.DataFrame(
        {
            "agent_id": [f"A{i + 1:03d}" for i in range(n)],
            "name": names,
            "team": [TEAMS[i % len(TEAMS)] for i in rng.permutation(n)],
            "skills": skills,
            "min_hours_week": np.array([_CONTRACTS[c][0] for c in contract], dtype=np.int64),
            "max_hours_week": np.array([_CONTRACTS[c][1] for c in contract], dtype=np.int64),
            "cost_per_hour": np.round(cost * 4.0) / 4.0,
        }
    )
    return frame, years


def skill_priorities(agents: pd.DataFrame) -> np.ndarray:
    """Priority matrix (agents x queues): 1 = highest, 0 = no skill."""
    prio = np.zeros((len(agents), len(QUEUES)), dtype=np.int64)
    for a, skills in enumerate(agents["skills"]):
        for item in skills.split("|"):
            name, level = item.split(":")
            prio[a, Q_INDEX[name]] = int(level)
    return prio


def build_availability(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Unavailable days, partial unavailability and shift requests in the planning week."""
    n = len(agents)
    days = [PLAN_WEEK_START + dt.timedelta(days=d) for d in range(6)]  # Mon..Sat (Sun closed)
    picks = rng.permutation(n)[:33]
    rows = []
    for k, a in enumerate(picks):
        day = days[int(rng.integers(0, len(days)))].isoformat()
        if k < 18:  # ~15% of agents: a whole day unavailable
            rows.append((a, day, "unavailable", "", "", np.nan))
        elif k < 23:  # partial-day unavailability (appointment, course)
            start, end = (("08:00", "12:00"), ("13:00", "17:00"), ("16:00", "20:00"))[k % 3]
            rows.append((a, day, "unavailable", start, end, np.nan))
        elif k < 29:  # requests not to work (whole day or part)
            start, end = (("", ""), ("", ""), ("14:00", "20:00"))[k % 3]
            rows.append((a, day, "request_off", start, end, float(rng.choice([1.0, 1.0, 2.0]))))
        else:  # requests to work a given window
            start, end = (("08:00", "16:30"), ("11:30", "20:00"))[k % 2]
            rows.append((a, day, "request_on", start, end, 1.0))
    frame = pd.DataFrame(rows, columns=["a", "date", "kind", "start", "end", "weight"])
    saturday = pd.to_datetime(frame["date"]).dt.day_of_week == 5  # open 09:00-17:00
    timed = saturday & (frame["start"] != "")
    frame.loc[timed, "start"] = frame.loc[timed, "start"].clip(lower="09:00", upper="16:00")
    frame.loc[timed, "end"] = frame.loc[timed, "end"].clip(upper="17:00")
    frame.insert(0, "agent_id", agents["agent_id"].to_numpy()[frame["a"].to_numpy()])
    frame = frame.drop(columns="a").sort_values(["agent_id", "date"], ignore_index=True)
    frame["weight"] = frame["weight"].astype(np.float64)
    return frame
