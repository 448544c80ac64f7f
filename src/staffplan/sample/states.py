"""Agent-state log of the sample centre: shifts planned to the load, contacts played greedily."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from staffplan.sample.agents import skill_priorities
from staffplan.sample.plan import (
    HISTORY_START,
    INTERVAL_S,
    QUEUES,
    STATES,
    STATES_DAYS,
    STATES_START,
    to_local,
)

__all__ = ["build_agent_states"]

_BREAK_SHARE = 0.10  # share of a shift spent on breaks, lunch and other blocks
_TARGET_OCCUPANCY = 0.92  # busy share of working agents the shift plan aims at


@dataclass
class _Roster:
    """Per-agent shift parameters used while planning the two weeks."""

    primary: np.ndarray  # primary queue index
    prio: np.ndarray  # (agents, queues) priorities, 0 = no skill
    shift_iv: np.ndarray  # shift length in 15-minute intervals (including breaks)
    days_left: np.ndarray  # (weeks, agents) working days still available


def _roster_params(agents: pd.DataFrame, rng: np.random.Generator) -> _Roster:
    """Shift length and working days per week per agent from the contract."""
    prio = skill_priorities(agents)
    lo, hi = agents["min_hours_week"].to_numpy(), agents["max_hours_week"].to_numpy()
    shift_h = np.where(hi >= 36, rng.choice([8.5, 9.0], len(hi)), 8.0)
    shift_h = np.where(hi <= 32, rng.choice([6.0, 6.5, 8.0], len(hi)), shift_h)
    shift_h = np.where(hi <= 24, rng.choice([4.5, 5.0, 6.0], len(hi)), shift_h)
    paid_h = shift_h - np.where(shift_h >= 6.0, 0.5, 0.0)  # lunch is unpaid
    days = np.zeros((STATES_DAYS // 7, len(hi)), dtype=np.int64)
    for w in range(days.shape[0]):
        target = rng.uniform(lo, hi) * (rng.random(len(hi)) > 0.08)  # ~8% on leave
        days[w] = np.clip(np.round(target / paid_h), 0, np.minimum(5, hi // paid_h))
    primary = np.where(prio > 0, prio, 99).argmin(axis=1)
    return _Roster(primary, prio, (shift_h * 4).astype(np.int64), days)


def _staff_target(load_q: np.ndarray) -> np.ndarray:
    """Agents to have on shift per interval from the busy-agent load per queue (Erlangs).

    The load is smoothed over an hour and a quarter, as a planner staffs to a forecast and
    the pooled routing absorbs the interval-to-interval noise.
    """
    load = pd.Series(load_q.sum(axis=0)).rolling(5, center=True, min_periods=1).mean().to_numpy()
    working = load / _TARGET_OCCUPANCY + 0.5 * np.sqrt(load) + 1.0
    return np.ceil(working / (1.0 - _BREAK_SHARE))


def _agent_pool(ros: _Roster, week: int, taken: np.ndarray, q: int) -> np.ndarray:
    """Who may start a shift: primary skill ``q``, else skill ``q``, else anyone free today."""
    free = ~taken & (ros.days_left[week] > 0)
    for pool in (free & (ros.primary == q), free & (ros.prio[:, q] > 0), free, ~taken):
        if pool.any():
            return pool
    raise RuntimeError("sample centre: not enough agents to staff the day")


def _best_shift(deficit: np.ndarray, i: int, lengths: np.ndarray) -> tuple[int, int]:
    """Length and first interval of the shift covering ``i`` that is most often needed.

    Score: share of the span still short of staff, then the shortfall it covers per interval,
    then length (longer shifts use contract hours).
    """
    n_iv = len(deficit)
    need = np.concatenate([[0], np.cumsum(deficit > 0)])
    amount = np.concatenate([[0.0], np.cumsum(np.clip(deficit, 0, None))])
    best, choice = -np.inf, (int(lengths[0]), 0)
    for length in np.unique(np.minimum(lengths, n_iv)):
        first = np.arange(max(0, i - length + 1), min(i, n_iv - length) + 1)
        score = (need[first + length] - need[first]) / length * 1000.0
        score = score + (amount[first + length] - amount[first]) / length + length * 0.01
        k = int(np.argmax(score))
        if score[k] > best:
            best, choice = score[k], (int(length), int(first[k]))
    return choice


def _plan_day(
    load_q: np.ndarray, ros: _Roster, week: int, rng: np.random.Generator
) -> list[tuple[int, int, int]]:
    """Cover one day's demand with shifts, peak first: list of (agent, first iv, n iv)."""
    n_iv = load_q.shape[1]
    deficit = _staff_target(load_q)
    queue_deficit = deficit * load_q / np.maximum(load_q.sum(axis=0), 1e-9)
    taken = np.zeros(len(ros.primary), dtype=bool)
    shifts = []
    while deficit.max() > 0:
        i = int(np.argmax(deficit))
        pool = _agent_pool(ros, week, taken, int(np.argmax(queue_deficit[:, i])))
        length, first = _best_shift(deficit, i, ros.shift_iv[pool])
        fits = pool & (np.minimum(ros.shift_iv, n_iv) == length)
        a = int(np.argmax(np.where(fits, ros.days_left[week] + rng.random(len(fits)), -np.inf)))
        deficit[first : first + length] -= 1
        queue_deficit[ros.primary[a], first : first + length] -= 1
        taken[a] = True
        ros.days_left[week, a] -= 1
        shifts.append((a, first, length))
    return shifts


def _shift_blocks(
    start_s: int, length_iv: int, rng: np.random.Generator
) -> list[tuple[int, int, int]]:
    """Planned non-contact blocks of a shift: (start epoch s, duration s, state index)."""
    iv = INTERVAL_S
    blocks = [(start_s + (8 + int(rng.integers(-1, 2))) * iv, iv, STATES.index("break"))]
    if length_iv >= 24:
        lunch = length_iv // 2 + int(rng.integers(-1, 2))
        blocks.append((start_s + lunch * iv, 2 * iv, STATES.index("lunch")))
        if rng.random() < 0.08:
            kind = STATES.index("training") if rng.random() < 0.5 else STATES.index("meeting")
            dur = int(rng.choice([2, 3, 4]))
            blocks.append((start_s + (length_iv - 4 - dur) * iv, dur * iv, kind))
    if rng.random() < 0.06:
        at = 0 if rng.random() < 0.5 else int(rng.integers(12, length_iv - 4))
        off = start_s + at * iv + (0 if at == 0 else 300)
        blocks.append((off, int(rng.integers(4, 11)) * 60, STATES.index("offline")))
    return sorted(blocks)


class _DaySim:
    """Greedy event-driven assignment of one day's contacts to the agents on shift.

    Each contact goes to the skilled agent who can start it first (ties: better skill
    priority, then longest idle). Breaks and other blocks start at their planned time or as
    soon as the agent finishes the contact in hand. Times are seconds after opening.
    """

    def __init__(
        self,
        shift_start: np.ndarray,
        shift_end: np.ndarray,
        blocks: list[list[tuple[int, int, int]]],
        prio: np.ndarray,
    ) -> None:
        self.end = np.asarray(shift_end, dtype=float)
        self.free = np.asarray(shift_start, dtype=float)  # free for any contact
        self.busy = self.free.copy()  # end of the last non-chat contact or block
        self.chat_ready = self.free.copy()  # free for one more chat
        self.slots = np.repeat(self.free[:, None], 2, axis=1)  # chat slot end times
        self.blocks = blocks
        self.ptr = np.zeros(len(blocks), dtype=np.int64)
        self.nbs = np.array([b[0][0] if b else np.inf for b in blocks], dtype=float)
        self.next_block = self.nbs.min()
        self.pen = np.where(prio > 0, (prio - 1) * 0.1, np.inf)
        self.records: list[tuple[int, float, float, int, int]] = []

    def _apply_block(self, a: int) -> None:
        start, dur, state = self.blocks[a][self.ptr[a]]
        begin = max(start, self.free[a])
        self.records.append((a, begin, begin + dur, state, -1))
        self.busy[a] = self.free[a] = self.chat_ready[a] = begin + dur
        self.ptr[a] += 1
        more = self.ptr[a] < len(self.blocks[a])
        self.nbs[a] = self.blocks[a][self.ptr[a]][0] if more else np.inf

    def _start_due_blocks(self, t: float) -> None:
        for a in np.flatnonzero(self.nbs <= t):
            while self.nbs[a] <= max(t, self.free[a]):
                self._apply_block(a)
        self.next_block = self.nbs.min()

    def assign(self, q: int, t: float, handle: int, talk: int) -> float:
        """Give one contact to an agent; returns its start time."""
        if t >= self.next_block:
            self._start_due_blocks(t)
        chat = QUEUES[q].concurrency > 1
        cand = np.maximum(self.chat_ready if chat else self.free, t)
        score = cand + self.pen[:, q] + 1e-7 * self.free
        a = int(np.argmin(np.where(cand < self.end, score, np.inf)))
        if not cand[a] < self.end[a] or not np.isfinite(score[a]):
            # nobody free before their shift ends: overtime for whoever is (or was last) on
            overtime = score + 1000.0 * np.maximum(t - self.end, 0.0)
            a = int(np.argmin(overtime))
            if not np.isfinite(overtime[a]):
                raise RuntimeError(f"sample centre: no agent with skill {QUEUES[q].name}")
        begin = cand[a]
        self.records.append((a, begin, begin + talk, 1, q))
        self.records.append((a, begin + talk, begin + handle, 2, q))
        if chat:
            self.slots[a, np.argmin(self.slots[a])] = begin + handle
            self.free[a] = max(self.busy[a], self.slots[a].max())
            self.chat_ready[a] = max(self.busy[a], self.slots[a].min())
        else:
            self.busy[a] = self.free[a] = self.chat_ready[a] = begin + handle
        while self.nbs[a] <= self.free[a]:
            self._apply_block(a)
        return begin

    def finish(self) -> None:
        """Run the blocks still planned after the last contact of the day."""
        for a in range(len(self.blocks)):
            while np.isfinite(self.nbs[a]):
                self._apply_block(a)


def _day_load(day_contacts: pd.DataFrame, open_s: np.ndarray) -> np.ndarray:
    """Busy agents per queue and open interval (Erlangs), from the contacts handled in it."""
    iv = np.clip(np.searchsorted(open_s, day_contacts["start_s"], side="right") - 1, 0, None)
    conc = np.array([q.concurrency for q in QUEUES], dtype=float)
    work = day_contacts["handle_s"].to_numpy() / conc[day_contacts["qi"].to_numpy()]
    flat = day_contacts["qi"].to_numpy() * len(open_s) + iv
    load = np.bincount(flat, weights=work, minlength=len(QUEUES) * len(open_s))
    return load.reshape(len(QUEUES), len(open_s)) / INTERVAL_S


def _simulate_day(
    day_contacts: pd.DataFrame,
    open_s: np.ndarray,
    ros: _Roster,
    week: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan shifts for one open day and play its contacts.

    Returns the state records and the shifts (``agent``, ``start``, ``end`` epoch seconds and
    ``blocks``, the planned non-contact blocks of :func:`_shift_blocks`).
    """
    day0 = int(open_s[0])  # times inside the simulation count from opening
    shifts = _plan_day(_day_load(day_contacts, open_s), ros, week, rng)
    agent = np.array([a for a, _, _ in shifts], dtype=np.int64)
    start = np.array([open_s[0] + f * INTERVAL_S for _, f, _ in shifts], dtype=np.int64)
    end = start + np.array([n for _, _, n in shifts], dtype=np.int64) * INTERVAL_S
    planned = [_shift_blocks(int(s0), n, rng) for s0, (_, _, n) in zip(start, shifts, strict=True)]
    blocks = [[(b - day0, d, s) for b, d, s in plan] for plan in planned]
    sim = _DaySim(start - day0, end - day0, blocks, ros.prio[agent])
    handle = day_contacts["handle_s"].to_numpy()
    talk = np.clip(np.round(handle * rng.uniform(0.80, 0.85, len(handle))), 1, handle - 1)
    for q, t, h, k in zip(
        day_contacts["qi"].to_numpy(),
        day_contacts["start_s"].to_numpy() - day0,
        handle,
        talk.astype(np.int64),
        strict=True,
    ):
        sim.assign(int(q), float(t), int(h), int(k))
    sim.finish()
    rec = pd.DataFrame(sim.records, columns=["k", "start", "end", "state", "qi"])
    rec["agent"] = agent[rec["k"].to_numpy()]
    rec[["start", "end"]] = (rec[["start", "end"]] + day0).round().astype(np.int64)
    sh = pd.DataFrame({"agent": agent, "start": start, "end": end})
    sh["blocks"] = planned
    return rec.drop(columns="k"), sh


def _fill_available(rec: pd.DataFrame, shifts: pd.DataFrame) -> pd.DataFrame:
    """Add ``available`` records for the idle gaps so each shift is covered contiguously."""
    marks = pd.concat(
        [
            shifts.assign(end=shifts["start"], state=-1, qi=-1),
            shifts.assign(start=shifts["end"], state=-1, qi=-1),
        ]
    )
    allr = pd.concat([rec, marks], ignore_index=True)
    allr = allr.sort_values(["shift", "start", "end"], ignore_index=True)
    shift = allr["shift"].to_numpy()
    offset = shift.astype(np.int64) * 10**8
    run_end = np.maximum.accumulate(allr["end"].to_numpy() + offset) - offset
    prev_end, start = run_end[:-1], allr["start"].to_numpy()[1:]
    gap = (shift[1:] == shift[:-1]) & (start > prev_end)
    avail = pd.DataFrame(
        {
            "start": prev_end[gap],
            "end": start[gap],
            "state": 0,
            "qi": -1,
            "agent": allr["agent"].to_numpy()[1:][gap],
            "shift": shift[1:][gap],
        }
    )
    return pd.concat([rec, avail], ignore_index=True)


def build_agent_states(
    grid: pd.DataFrame,
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Agent-state log of the last two weeks, consistent with the history's handled counts.

    Returns the state log and the roster and activities the agents were scheduled to.
    """
    ros = _roster_params(agents, rng)
    first_day = (STATES_START - HISTORY_START).days
    cell = np.searchsorted(grid["utc_s"].to_numpy(), contacts["start_s"], side="right") - 1
    contact_day = grid["day"].to_numpy()[cell]
    records, shifts = [], []
    for d in range(first_day, first_day + STATES_DAYS):
        open_s = grid.loc[(grid["day"] == d) & grid["open"], "utc_s"].to_numpy()
        if open_s.size == 0:
            continue
        todays = contacts[contact_day == d].sort_values("start_s", kind="stable")
        rec, sh = _simulate_day(todays, open_s, ros, (d - first_day) // 7, rng)
        sh["shift"] = np.arange(len(sh)) + sum(len(s) for s in shifts)
        rec["shift"] = rec["agent"].map(dict(zip(sh["agent"], sh["shift"], strict=True)))
        records.append(rec)
        shifts.append(sh)
    all_shifts = pd.concat(shifts, ignore_index=True)
    full = _fill_available(pd.concat(records, ignore_index=True), all_shifts.drop(columns="blocks"))
    full = full.sort_values(["agent", "start", "end"], ignore_index=True)
    queue_names = np.array([q.name for q in QUEUES] + [""])
    states = pd.DataFrame(
        {
            "agent_id": agents["agent_id"].to_numpy()[full["agent"].to_numpy()],
            "state_start": to_local(full["start"].to_numpy()),
            "state_end": to_local(full["end"].to_numpy()),
            "state": np.array(STATES)[full["state"].to_numpy()],
            "queue": queue_names[full["qi"].to_numpy()],
        }
    )
    return states, *_worked_schedule(all_shifts, agents, ros)


def _worked_schedule(
    shifts: pd.DataFrame, agents: pd.DataFrame, ros: _Roster
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster and activities the agents were scheduled to during the agent-state weeks.

    Roster and activities frames as DESIGN.md describes them: each shift with its paid hours
    (lunch unpaid) and queues in priority order, and its planned work, break, lunch, training
    and meeting blocks (unplanned offline time is not in the schedule: it is what adherence
    measures). Work blocks carry the agent's first queue.
    """
    names = np.array([q.name for q in QUEUES])
    order = np.where(ros.prio > 0, ros.prio, 99).argsort(axis=1, kind="stable")
    queues = [
        ">".join(names[o[: int((p > 0).sum())]]) for o, p in zip(order, ros.prio, strict=True)
    ]
    ids = agents["agent_id"].to_numpy()
    a = shifts["agent"].to_numpy()
    length_h = (shifts["end"] - shifts["start"]).to_numpy() / 3600.0
    start_local = to_local(shifts["start"].to_numpy())
    roster = pd.DataFrame(
        {
            "agent_id": ids[a],
            "date": start_local.strftime("%Y-%m-%d"),
            "shift_start": start_local,
            "shift_end": to_local(shifts["end"].to_numpy()),
            "paid_hours": length_h - np.where(length_h >= 6.0, 0.5, 0.0),
            "queues": np.array(queues)[a],
        }
    )
    rows = []
    for k, (s0, s1, plan) in enumerate(
        zip(shifts["start"], shifts["end"], shifts["blocks"], strict=True)
    ):
        at = int(s0)
        for b0, dur, state in plan:
            if STATES[state] == "offline":
                continue
            if b0 > at:
                rows.append((k, at, b0, "work"))
            rows.append((k, b0, b0 + dur, STATES[state]))
            at = b0 + dur
        if int(s1) > at:
            rows.append((k, at, int(s1), "work"))
    act = pd.DataFrame(rows, columns=["k", "start", "end", "activity"])
    first_queue = np.array([q.split(">")[0] for q in queues])[a[act["k"].to_numpy()]]
    activities = pd.DataFrame(
        {
            "agent_id": ids[a[act["k"].to_numpy()]],
            "start": to_local(act["start"].to_numpy()),
            "end": to_local(act["end"].to_numpy()),
            "activity": act["activity"].to_numpy(),
            "queue": np.where(act["activity"] == "work", first_queue, ""),
        }
    )
    roster = roster.sort_values(["agent_id", "shift_start"], ignore_index=True)
    return roster, activities.sort_values(["agent_id", "start"], ignore_index=True)
