"""Skills and queue priorities (multi-skill allocation).

An agent's skills are written ``sales:1|chat:2`` (1 = highest priority). Agents with the same
skill set form a *skill group*; the roster model allocates each group's working capacity per
interval across the group's queues (a continuous split: several agents share the interval),
and each shift gets an ordered queue list from the allocation and the skill priorities.
"""

from __future__ import annotations

import numpy as np

from staffplan.schema.agents import parse_skills as schema_parse_skills

__all__ = [
    "allocate_universal",
    "format_skills",
    "parse_skills",
    "queue_order",
    "skill_groups",
]


def parse_skills(text: str | None, *, where: str = "skills") -> dict[str, int]:
    """Parse ``"sales:1|chat:2"`` into ``{"sales": 1, "chat": 2}`` (empty: no skills).

    The grammar is :func:`staffplan.schema.parse_skills` (the one agents.csv is validated
    with); a malformed entry raises ``ValueError`` prefixed with ``where``.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return {}
    try:
        return schema_parse_skills(str(text))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def format_skills(skills: dict[str, int]) -> str:
    """Inverse of :func:`parse_skills`, ordered by priority then name."""
    return "|".join(f"{q}:{p}" for q, p in sorted(skills.items(), key=lambda kv: (kv[1], kv[0])))


def skill_groups(skills_by_agent: dict[str, dict[str, int]]) -> dict[tuple, list[str]]:
    """Group agents with identical skills (queue and priority).

    Returns
    -------
    dict
        ``key -> agent ids`` where ``key`` is the sorted tuple of ``(queue, priority)``.
    """
    groups: dict[tuple, list[str]] = {}
    for agent_id, skills in skills_by_agent.items():
        key = tuple(sorted(skills.items()))
        groups.setdefault(key, []).append(agent_id)
    return groups


def queue_order(allocated: dict[str, float], skills: dict[str, int]) -> tuple[str, ...]:
    """Queue priority list for one shift.

    Queues that received work in the shift come first, by allocated agent-intervals (most
    first); ties and queues that received none follow the agent's skill priority.
    """
    return tuple(sorted(skills, key=lambda q: (-round(allocated.get(q, 0.0), 6), skills[q], q)))


def allocate_universal(working: np.ndarray, required: np.ndarray) -> np.ndarray:
    """Split agents who can take every queue across queues, per interval.

    Each queue gets its requirement while there is capacity; a shortfall or a surplus is
    shared in proportion to the requirement (equally where nothing is required).

    Parameters
    ----------
    working : numpy.ndarray
        Agents working per interval, shape ``(n_intervals,)``.
    required : numpy.ndarray
        Requirement per queue, shape ``(n_queues, n_intervals)``.

    Returns
    -------
    numpy.ndarray
        Agents per queue and interval, shape of ``required``; columns sum to ``working``.
    """
    required = np.asarray(required, float)
    total = required.sum(axis=0)
    n_q = required.shape[0]
    share = np.where(total > 0, required / np.where(total > 0, total, 1.0), 1.0 / n_q)
    return share * np.asarray(working, float)[None, :]
