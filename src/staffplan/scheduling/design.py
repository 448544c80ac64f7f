"""Shift design with implicit floating breaks (Aykin 1996), decomposed per day.

Columns: ``x[k]`` agents on shift instance ``k`` (a day and a shift type) and, for each break
``r`` of the shift and each start offset ``o`` in its window, ``y[k, r, o]`` agents of that
shift taking the break at ``o``. Rows: ``sum_o y[k, r, o] = x[k]``; an order row per pair of
consecutive breaks whose windows overlap (the ``i``-th earliest break ``r`` ends before the
``i``-th earliest break ``r + 1`` starts, so the counts split into individual shifts); and
coverage ``sum x - sum y + under - over = required`` per interval. The objective is paid
agent-intervals plus weighted under- and over-staffing.

Aykin, T. (1996). Optimal shift scheduling with multiple break windows. Management Science
42(4), 591-602. Bechtold, S. E., & Jacobs, L. W. (1990). Implicit modeling of flexible break
assignments in optimal shift scheduling. Management Science 36(11), 1339-1351.

When no shift crosses midnight the days are independent and the per-day decomposition is
exact (objective and bound add up). When shifts cross midnight the days are solved in order,
each against the requirement left after the earlier days' shifts; that is a heuristic, and the
bound reported is the whole-horizon LP relaxation, so the gap stays honest.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .rules import ObjectiveWeights, SolverSettings
from .solver import MipModel, SolveReport, combine_reports, solve_model
from .templates import ShiftType

__all__ = ["DesignLimits", "DesignResult", "DesignedShift", "design_shifts"]


@dataclass(frozen=True)
class DesignLimits:
    """Staff totals that bound a design meant for named agents.

    Attributes
    ----------
    agents_per_day : numpy.ndarray
        Agents available on each day of the horizon.
    max_shifts : int
        Shifts the staff can work over the horizon (``max_days_per_week`` each).
    min_paid_h, max_paid_h : float
        Sum of the contracts' weekly minimum and maximum hours, h.
    """

    agents_per_day: np.ndarray
    max_shifts: int
    min_paid_h: float
    max_paid_h: float


def _add_limits(model, instances, x, limits: DesignLimits, weights) -> None:
    days = np.array([d for d, _ in instances])
    paid_h = np.array([s.paid_h for _, s in instances])
    for d in np.unique(days):
        model.add_row(x[days == d], 1.0, -math.inf, float(limits.agents_per_day[d]))
    model.add_row(x, 1.0, -math.inf, float(limits.max_shifts))
    model.add_row(x, paid_h, -math.inf, limits.max_paid_h)
    short = model.add_vars(1, cost=weights.min_hours_shortfall, name="short")
    model.add_row(np.r_[x, short], np.r_[paid_h, 1.0], limits.min_paid_h, math.inf)


@dataclass(frozen=True)
class DesignedShift:
    """One anonymous shift of the design.

    Attributes
    ----------
    day : int
        Day of the horizon the shift starts on.
    shift : ShiftType
        Start, length and break windows.
    break_offsets : tuple of int
        Start of each break, intervals after the shift start (order of ``shift.breaks``).
    """

    day: int
    shift: ShiftType
    break_offsets: tuple[int, ...]

    def start_t(self, ipd: int) -> int:
        """Start interval on the horizon."""
        return self.day * ipd + self.shift.start

    def work_mask(self) -> np.ndarray:
        """1 where the agent works, 0 on breaks; ``shift.length`` entries."""
        mask = np.ones(self.shift.length, dtype=np.int8)
        for slot, offset in zip(self.shift.breaks, self.break_offsets, strict=True):
            mask[offset : offset + slot.length] = 0
        return mask


@dataclass
class DesignResult:
    """Shift design solution.

    Attributes
    ----------
    shifts : list of DesignedShift
    working : numpy.ndarray
        Agents working per interval of the horizon (after breaks).
    report : SolveReport
        Combined solver report (objective, bound, gap, status).
    models : list of MipModel
        The models solved (kept when ``settings.keep_models``).
    """

    shifts: list[DesignedShift]
    working: np.ndarray
    report: SolveReport
    models: list[MipModel]


def _add_shift_columns(
    model: MipModel, instances: list[tuple[int, ShiftType]], ipd: int, cost_per_paid: float
):
    """Add x and y columns; return (x idx, cover entries (t, col, coef), break columns)."""
    n = len(instances)
    paid = np.array([s.paid for _, s in instances], float)
    x = model.add_vars(n, cost=paid * cost_per_paid, integer=True, name="x")
    t_list, c_list, v_list = [], [], []
    breaks: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for k, (day, shift) in enumerate(instances):
        t0 = day * ipd + shift.start
        t_list.append(np.arange(t0, t0 + shift.length))
        c_list.append(np.full(shift.length, x[k]))
        v_list.append(np.ones(shift.length))
        per_break = []
        for slot in shift.breaks:
            offsets = slot.offsets
            y = model.add_vars(offsets.size, integer=True, name="y")
            model.add_row(np.concatenate([y, [x[k]]]), np.r_[np.ones(y.size), -1.0], 0.0, 0.0)
            for j, o in enumerate(offsets):
                t_list.append(np.arange(t0 + o, t0 + o + slot.length))
                c_list.append(np.full(slot.length, y[j]))
                v_list.append(-np.ones(slot.length))
            per_break.append((offsets, y))
        # consecutive breaks with overlapping reach: cumulative order rows
        for (prev, (po, py)), (_, (no, ny)) in zip(
            enumerate(per_break), enumerate(per_break[1:]), strict=False
        ):
            plen = shift.breaks[prev].length
            if po[-1] + plen <= no[0]:
                continue
            for j, o in enumerate(no):
                done = py[po + plen <= o]
                model.add_row(
                    np.concatenate([ny[: j + 1], done]),
                    np.r_[np.ones(j + 1), -np.ones(done.size)],
                    -math.inf,
                    0.0,
                )
        breaks.append(per_break)
    entries = (np.concatenate(t_list), np.concatenate(c_list), np.concatenate(v_list))
    return x, entries, breaks


def _add_coverage_rows(
    model: MipModel,
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
    t_range: range,
    required: np.ndarray,
    under_cost: np.ndarray,
    weights: ObjectiveWeights,
    offset_cover: np.ndarray | None = None,
):
    """Coverage rows for intervals in ``t_range``; returns (under idx, over idx)."""
    t_all, cols, vals = entries
    ts = np.arange(t_range.start, t_range.stop)
    req = required[ts] - (offset_cover[ts] if offset_cover is not None else 0.0)
    under = model.add_vars(ts.size, cost=weights.under_staffing * under_cost[ts], name="under")
    over = model.add_vars(ts.size, cost=weights.over_staffing, name="over")
    keep = (t_all >= t_range.start) & (t_all < t_range.stop)
    t_all, cols, vals = t_all[keep], cols[keep], vals[keep]
    order = np.argsort(t_all, kind="stable")
    t_sorted, cols, vals = t_all[order], cols[order], vals[order]
    bounds = np.searchsorted(t_sorted, np.r_[ts, ts[-1] + 1])
    for i in range(ts.size):
        s, e = bounds[i], bounds[i + 1]
        model.add_row(
            np.r_[cols[s:e], under[i], over[i]], np.r_[vals[s:e], 1.0, -1.0], req[i], req[i]
        )
    return under, over


def _extract(report: SolveReport, instances, x, breaks) -> list[DesignedShift]:
    out: list[DesignedShift] = []
    vals = np.round(report.values).astype(np.int64)
    for k, (day, shift) in enumerate(instances):
        count = int(vals[x[k]])
        if count <= 0:
            continue
        per_break = []
        for offsets, y in breaks[k]:
            counts = np.maximum(vals[y], 0)
            starts = np.repeat(offsets, counts)
            if starts.size != count:  # numerical safety: pad with window start
                starts = (
                    np.resize(np.sort(starts), count) if starts.size else np.full(count, offsets[0])
                )
            per_break.append(np.sort(starts))
        for i in range(count):
            out.append(DesignedShift(day, shift, tuple(int(b[i]) for b in per_break)))
    return out


def _working(shifts: list[DesignedShift], n_t: int, ipd: int) -> np.ndarray:
    working = np.zeros(n_t)
    for s in shifts:
        t0 = s.start_t(ipd)
        mask = s.work_mask()
        end = min(t0 + mask.size, n_t)
        working[t0:end] += mask[: end - t0]
    return working


def _best_breaks(t0: int, shift: ShiftType, surplus: np.ndarray) -> tuple[int, ...]:
    """Break offsets of one shift where the surplus of agents is largest, in order."""
    offsets, earliest = [], 0
    for slot in shift.breaks:
        best, best_val = max(slot.earliest, min(earliest, slot.latest)), -math.inf
        for o in range(max(slot.earliest, earliest), slot.latest + 1):
            val = surplus[t0 + o : t0 + o + slot.length].sum()
            if val > best_val + 1e-9:
                best, best_val = o, val
        offsets.append(best)
        earliest = best + slot.length
    return tuple(offsets)


def _repair(
    shifts: list[DesignedShift],
    shift_types: list[ShiftType],
    required: np.ndarray,
    n_days: int,
    ipd: int,
    under_weight: float = math.inf,
) -> list[DesignedShift]:
    """Add shifts where a time-limited solve left coverable intervals short (greedy).

    Each round takes the first short interval and adds the shift that covers it and most of
    the remaining shortfall per paid interval, its breaks where the surplus is largest.
    """
    n_ext = required.size
    surplus = _working(shifts, n_ext, ipd) - required
    out = list(shifts)
    for _ in range(10_000):
        short = np.flatnonzero(surplus < -1e-9)
        if short.size == 0:
            break
        progress = False
        for t in short:
            day, tod = divmod(int(t), ipd)
            best, best_val = None, 0.0
            for d in (day, day - 1):
                if not 0 <= d < n_days:
                    continue
                for st in shift_types:
                    t0 = d * ipd + st.start
                    if not t0 <= t < t0 + st.length:
                        continue
                    offs = _best_breaks(t0, st, surplus)
                    cand = DesignedShift(d, st, offs)
                    mask = cand.work_mask()
                    if not mask[t - t0]:
                        continue
                    gain = np.minimum(np.maximum(-surplus[t0 : t0 + st.length], 0), mask).sum()
                    if gain / st.paid > best_val:
                        best, best_val = cand, gain / st.paid
            if best is not None and best_val * under_weight > 1.0:
                t0 = best.start_t(ipd)
                surplus[t0 : t0 + best.shift.length] += best.work_mask()
                out.append(best)
                progress = True
                break
        if not progress:
            break
    return out


def _objective(shifts, required, under_cost, weights: ObjectiveWeights, ipd: int) -> float:
    """Paid agent-intervals plus weighted under- and over-staffing of a design."""
    working = _working(shifts, required.size, ipd)
    diff = working - required
    paid = sum(s.shift.paid for s in shifts)
    under = (np.maximum(-diff, 0) * weights.under_staffing * under_cost).sum()
    return float(paid + under + weights.over_staffing * np.maximum(diff, 0).sum())


def design_shifts(
    required: np.ndarray,
    shift_types: list[ShiftType],
    *,
    n_days: int,
    ipd: int,
    settings: SolverSettings,
    weights: ObjectiveWeights,
    under_cost: np.ndarray | None = None,
    progress: Callable[[str], None] | None = None,
    limits: DesignLimits | None = None,
) -> DesignResult:
    """Design anonymous shifts with floating breaks that cover ``required``.

    Parameters
    ----------
    required : numpy.ndarray
        Agents needed per interval of the horizon (all queues together), ``n_days * ipd``.
    shift_types : list of ShiftType
        Allowed shifts of one day (``start`` relative to that day's midnight).
    n_days, ipd : int
        Days in the horizon and intervals per day.
    settings : SolverSettings
        Solver, time limit for the whole design (s), gap, decomposition.
    weights : ObjectiveWeights
        Under-/over-staffing weights, per agent-interval.
    under_cost : numpy.ndarray, optional
        Relative cost of a missing agent-interval per interval (default 1).
    progress : callable, optional
        Called with a short message after each sub-problem.
    limits : DesignLimits, optional
        Staff totals (agents per day, shifts and paid hours per week) for rostering named
        agents; they couple the days, so the whole horizon is solved at once.

    Returns
    -------
    DesignResult
    """
    t_start = time.perf_counter()
    n_t = n_days * ipd
    required = np.asarray(required, float)
    under_cost = np.ones(n_t) if under_cost is None else np.asarray(under_cost, float)
    overnight = any(s.end > ipd for s in shift_types)
    spill = max([s.end for s in shift_types], default=ipd) - ipd
    req_ext = np.r_[required, np.zeros(max(spill, 0))]
    cost_ext = np.r_[under_cost, np.ones(max(spill, 0))]
    mode = settings.decomposition
    if limits is not None:
        mode = "week"
    if mode == "auto":
        mode = "day"
    blocks = [list(range(n_days))] if mode == "week" else [[d] for d in range(n_days)]
    reports: list[SolveReport] = []
    models: list[MipModel] = []
    shifts: list[DesignedShift] = []
    fixed_cover = np.zeros(req_ext.size)
    day_load = np.array([required[d * ipd : (d + 1) * ipd].sum() for d in range(n_days)])
    for b, days in enumerate(blocks):
        remaining = settings.time_limit_s - (time.perf_counter() - t_start)
        load_left = max(day_load[[d for blk in blocks[b:] for d in blk]].sum(), 1e-9)
        share = day_load[days].sum() / load_left
        limit = max(0.5, remaining * share)
        instances = [(d, s) for d in days for s in shift_types]
        model = MipModel(f"shift_design_days_{days[0]}_{days[-1]}")
        x, entries, breaks = _add_shift_columns(model, instances, ipd, 1.0)
        last = (days[-1] + 1) * ipd + (spill if overnight else 0)
        t_range = range(days[0] * ipd, min(last, req_ext.size))
        _add_coverage_rows(model, entries, t_range, req_ext, cost_ext, weights, fixed_cover)
        if limits is not None:
            _add_limits(model, instances, x, limits, weights)
        report = solve_model(model, settings, time_limit_s=limit)
        if not report.has_solution:
            raise RuntimeError(
                f"shift design for day(s) {days} ended with status {report.status!r}; the model "
                f"has slack on every interval, so this is a solver failure"
            )
        found = _extract(report, instances, x, breaks)
        shifts.extend(found)
        if overnight:
            fixed_cover = _working(shifts, req_ext.size, ipd)
        reports.append(report)
        if settings.keep_models:
            models.append(model)
        if progress is not None:
            progress(
                f"shift design day(s) {days[0] + 1}-{days[-1] + 1}/{n_days}: "
                f"{report.status}, objective {report.objective:,.1f}, gap {report.gap:.3%}"
            )
    report = combine_reports(reports)
    if report.status != "optimal":
        before = len(shifts)
        shifts = _repair(shifts, shift_types, req_ext, n_days, ipd, weights.under_staffing)
        if len(shifts) > before:
            report.objective = _objective(shifts, req_ext, cost_ext, weights, ipd)
            report.gap = max(0.0, report.objective - report.bound) / max(report.objective, 1e-9)
            if progress is not None:
                progress(
                    f"shift design: {len(shifts) - before} shift(s) added where the "
                    f"time-limited solve left coverable intervals short"
                )
    if overnight and mode == "day":
        report = _with_lp_bound(
            report, required, shift_types, n_days, ipd, settings, weights, under_cost
        )
    report.seconds = time.perf_counter() - t_start
    return DesignResult(shifts, _working(shifts, n_t, ipd), report, models)


def _with_lp_bound(report, required, shift_types, n_days, ipd, settings, weights, under_cost):
    """Replace the summed bound by the whole-horizon LP relaxation (overnight shifts)."""
    spill = max(s.end for s in shift_types) - ipd
    instances = [(d, s) for d in range(n_days) for s in shift_types]
    model = MipModel("shift_design_lp")
    _, entries, _ = _add_shift_columns(model, instances, ipd, 1.0)
    req_ext = np.r_[required, np.zeros(spill)]
    cost_ext = np.r_[under_cost, np.ones(spill)]
    _add_coverage_rows(model, entries, range(req_ext.size), req_ext, cost_ext, weights)
    lp = solve_model(model.relaxed(), settings, time_limit_s=max(5.0, settings.time_limit_s / 4))
    bound = lp.objective if lp.status == "optimal" else math.nan
    obj = report.objective
    gap = max(0.0, obj - bound) / max(abs(obj), 1e-9) if math.isfinite(bound) else math.nan
    status = (
        report.status if report.status != "optimal" else "time_limit" if gap > 1e-6 else "optimal"
    )
    return SolveReport(status, obj, bound, gap, report.seconds, report.solver)
