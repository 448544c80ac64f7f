"""The front door: :func:`fit` and :func:`forecast` per queue, optionally in parallel.

For each queue the engine (1) reshapes the history into local day x clock-slot matrices,
(2) classifies days (normal, public holiday, user special day, closure, the day after a closure),
(3) chooses the method by a rolling backtest on the history itself and calibrates the band's
dispersion on that backtest's errors, (4) forecasts the target days, applies special days, keeps
closed slots at exactly zero, and maps local (date, clock slot) back to tz-aware interval starts.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import SpecialDays
from .cards import ModelCard
from .grid import (
    QueueHistory,
    horizon_index,
    infer_interval_minutes,
    queue_histories,
    validate_history,
)
from .intervals import calibrate_dispersion, moment_dispersion, nb_band
from .methods import TrainSet, open_slots, weekday_factors
from .selection import (
    AUTO_CANDIDATES,
    METHOD_GRIDS,
    MIN_WEEKS,
    MethodSpec,
    parse_method,
    predict,
    select,
)

__all__ = ["DEFAULT_SPILL", "fit", "forecast"]

#: Share of a closed weekday's calls that arrive on the next open day when the history shows no
#: closure to learn it from. Set on the early part of the US bank series (Memorial Day and
#: 4 July 2003: 0.22 and 0.07) and kept fixed.
DEFAULT_SPILL = 0.15
AUTO_MIN_WEEKS = 4
#: Past days with the same holiday name needed for a holiday's own factor (else the shared one).
HOLIDAY_MIN_EXAMPLES = 2
#: Added to the band level when calibrating on the in-sample backtest: the chosen method's
#: in-sample errors are optimistic (it won on them, with a little less history). Set on the
#: tuning part of the benchmark series, where bands calibrated at the bare level covered 74-79%.
CALIBRATION_MARGIN = 0.02
GAP_DAYS = 7
FORECAST_COLUMNS = ["interval_start", "queue", "calls", "calls_lo", "calls_hi", "aht_s"]


@dataclass
class _Days:
    """Day classification of one queue over history + target dates."""

    usable: np.ndarray  # history days a method may learn from
    factor: np.ndarray  # volume multiplier per date (0 = closed)
    closed_open_weekday: np.ndarray  # closed on a usually open weekday (feeds the spill)
    usually_open: np.ndarray  # per weekday
    holiday_factor: float
    spill: float
    holiday_factors: dict  # per holiday name, where the history has enough examples


def _to_dates(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def _classify(
    qh: QueueHistory,
    calendar: SpecialDays,
    all_dates: np.ndarray,
    first_slot: int,
    last_slot: int,
) -> _Days:
    n = len(qh.dates)
    weekday = (all_dates.astype(np.int64) + 3) % 7
    totals = np.nansum(qh.calls, axis=1)
    py_dates = pd.DatetimeIndex(all_dates.astype("datetime64[ns]")).date
    user = calendar.for_queue(qh.queue)
    hol = calendar.holidays(all_dates)
    is_user = np.array([d in user for d in py_dates])
    is_hol = np.array([d in hol for d in py_dates]) & ~is_user
    special_hist = (is_user | is_hol)[:n]
    wd_hist = weekday[:n]
    open_share = np.array(
        [
            np.mean(totals[(wd_hist == w) & ~special_hist] > 0)
            if np.any((wd_hist == w) & ~special_hist)
            else 0.0
            for w in range(7)
        ]
    )
    usually_open = open_share >= 0.5
    usable = ~special_hist
    # partial first / last day: unusable when other days have calls in the uncovered slots
    for row, uncovered in ((0, slice(0, first_slot)), (n - 1, slice(last_slot + 1, None))):
        same = usable & (wd_hist == wd_hist[row])
        same[row] = False
        if same.any() and np.nansum(qh.calls[same][:, uncovered]) > 0.01 * totals[same].sum():
            usable[row] = False
    # closures inferred from history: no calls on a usually open weekday
    inferred = usable & (totals == 0) & usually_open[wd_hist]
    _check_gaps(qh, inferred, usually_open[wd_hist])
    if inferred.any():
        shown = ", ".join(str(d) for d in qh.dates[inferred][:5])
        warnings.warn(
            f"queue {qh.queue!r}: {int(inferred.sum())} day(s) with no calls on usually open "
            f"weekdays ({shown}{', ...' if inferred.sum() > 5 else ''}) are treated as closed. "
            "Fix: list them in special_days.csv (closed) to silence this.",
            stacklevel=4,
        )
    usable &= ~inferred
    typical = np.zeros(7)
    for w in range(7):
        sel = usable & (wd_hist == w)
        typical[w] = np.median(totals[sel]) if sel.any() else 0.0
    # public holidays: closed unless the history shows the queue open on them; a holiday with
    # at least HOLIDAY_MIN_EXAMPLES past days of its own name gets its own factor
    names = [hol.get(d) for d in py_dates]
    by_name: dict[str, list[float]] = {}
    for i in np.flatnonzero(is_hol[:n]):
        if usually_open[wd_hist[i]] and typical[wd_hist[i]] > 0:
            by_name.setdefault(names[i], []).append(totals[i] / typical[wd_hist[i]])
    ratios = [r for rs in by_name.values() for r in rs]
    holiday_factor = _holiday_factor(ratios)
    holiday_factors = {
        name: _holiday_factor(rs) for name, rs in by_name.items() if len(rs) >= HOLIDAY_MIN_EXAMPLES
    }
    factor = np.ones(len(all_dates))
    for i in np.flatnonzero(is_hol):
        factor[i] = holiday_factors.get(names[i], holiday_factor)
    for i in np.flatnonzero(is_user):
        d = user[py_dates[i]]
        factor[i] = 0.0 if d.closed else d.factor
    closed = np.zeros(len(all_dates), dtype=bool)
    closed[:n] = inferred
    closed |= factor == 0
    closed_open_weekday = closed & usually_open[weekday]
    # the next open day after a closure: learn its extra share (spill), keep it out of training
    spills = []
    for i in np.flatnonzero(closed_open_weekday[:n]):
        j = _next_open_day(i, closed, usually_open, weekday)
        if j is not None and j < n:
            usable[j] = False
            if typical[wd_hist[j]] > 0 and typical[wd_hist[i]] > 0 and totals[j] > 0:
                spills.append((totals[j] - typical[wd_hist[j]]) / typical[wd_hist[i]])
    spill = float(np.clip(np.mean(spills), 0.0, 1.0)) if spills else DEFAULT_SPILL
    return _Days(
        usable, factor, closed_open_weekday, usually_open, holiday_factor, spill, holiday_factors
    )


def _holiday_factor(ratios: list[float]) -> float:
    """Median day-total ratio of the open holidays, or 0 (closed) unless most were open."""
    open_ratios = [r for r in ratios if r > 0.2]
    return float(np.median(open_ratios)) if 2 * len(open_ratios) > len(ratios) else 0.0


def _next_open_day(i: int, closed: np.ndarray, usually_open: np.ndarray, weekday: np.ndarray):
    for j in range(i + 1, min(i + 5, len(closed))):
        if usually_open[weekday[j]]:
            return None if closed[j] else j
    return None


def _check_gaps(qh: QueueHistory, empty: np.ndarray, open_day: np.ndarray) -> None:
    run, start = 0, None
    for i in range(len(empty)):
        if not open_day[i]:
            continue
        if empty[i]:
            run, start = run + 1, (start if run else i)
            if run >= GAP_DAYS:
                raise ValueError(
                    f"history: expected contiguous interval history for queue {qh.queue!r}; got "
                    f"a gap with no calls from {qh.dates[start]} for {run}+ open days. Fix: fill "
                    "the missing export, or cut the history to start after the gap."
                )
        else:
            run = 0


def _aht_profile(qh: QueueHistory, usable: np.ndarray, weeks: int = 12) -> np.ndarray:
    """Smoothed handle time per (weekday, slot) in seconds, weighted by handled calls."""
    slots = qh.slots_per_day
    wd = qh.weekday
    recent = usable & (np.arange(len(wd)) >= len(wd) - 7 * weeks)
    kernel = np.array([1.0, 2.0, 1.0])
    total_h = qh.handled[recent].sum()
    if total_h <= 0:
        warnings.warn(
            f"queue {qh.queue!r}: no handled calls in the recent history, so aht_s is 0 in the "
            "forecast. Fix: check the 'handled' and 'aht_s' columns of the export.",
            stacklevel=4,
        )
    overall = qh.handle_s[recent].sum() / total_h if total_h > 0 else 0.0
    out = np.full((7, slots), overall)
    for w in range(7):
        sel = recent & (wd == w)
        h = qh.handled[sel].sum(axis=0)
        a = qh.handle_s[sel].sum(axis=0)
        if h.sum() <= 0:
            continue
        h_s = np.convolve(np.pad(h, 1, mode="edge"), kernel, "valid")
        a_s = np.convolve(np.pad(a, 1, mode="edge"), kernel, "valid")
        day_mean = a.sum() / h.sum()
        prior = 30.0
        out[w] = (a_s + prior * day_mean) / (h_s + prior)
    return out


def _fit_queue(
    qh: QueueHistory,
    days: _Days,
    method: str | MethodSpec,
    level: float,
    card: ModelCard | None,
) -> tuple[ModelCard, TrainSet]:
    weeks = len(qh.dates) // 7
    train = TrainSet(np.nan_to_num(qh.calls), qh.weekday, days.usable[: len(qh.dates)], qh.dates)
    if isinstance(method, str) and method in ("auto", "ensemble"):
        need, name = AUTO_MIN_WEEKS, method
    elif isinstance(method, str):
        need, name = MIN_WEEKS[method], method
    else:
        need, name = MIN_WEEKS.get(method.name, 1), method.label
    if card is not None and method == "auto":
        candidates, mode = (card.spec,), "none"
    elif weeks < need:
        fallback = MethodSpec("weekly_mean", (("weeks", min(4, weeks)),))
        warnings.warn(
            f"queue {qh.queue!r}: {weeks} week(s) of history is too little for method {name!r} "
            f"(needs {need}); falling back to {fallback.label}.",
            stacklevel=3,
        )
        candidates, mode = (fallback,), "none"
    elif isinstance(method, MethodSpec):
        candidates, mode = (method,), "none"
    elif method == "auto":
        candidates, mode = AUTO_CANDIDATES, "add"
    elif method == "ensemble":
        candidates, mode = AUTO_CANDIDATES, "top"
    else:
        candidates, mode = METHOD_GRIDS[method], "none"
    chosen = select(train, candidates, ensemble=mode)
    if card is not None and method == "auto" and card.level == level:
        dispersion = card.dispersion
    elif len(chosen.actual) >= 50:
        # the chosen method's in-sample errors are optimistic (it won on them): take the larger
        # of its own dispersion and the median over all candidates, with a margin on the level
        target = min(level + CALIBRATION_MARGIN, (1 + level) / 2)
        dispersion = calibrate_dispersion(chosen.mean, chosen.actual, target)
        if len(chosen.candidates) > 1:
            others = [
                calibrate_dispersion(f, chosen.actual, target) for f in chosen.candidates.values()
            ]
            dispersion = max(dispersion, float(np.median(others)))
    else:
        base = predict(chosen.spec, train, train.dates)[train.usable]
        dispersion = 2.0 * moment_dispersion(base.ravel(), train.calls[train.usable].ravel())
    import numpy
    import scipy
    import statsmodels

    from staffplan import __version__

    new_card = ModelCard(
        queue=qh.queue,
        spec=chosen.spec,
        dispersion=float(dispersion),
        level=level,
        interval_minutes=qh.interval_minutes,
        training_start=str(qh.dates[0]),
        training_end=str(qh.dates[-1]),
        holiday_factor=days.holiday_factor,
        holiday_factors=dict(days.holiday_factors),
        spill=days.spill,
        metrics=chosen.wape,
        versions={
            "staffplan": __version__,
            "numpy": numpy.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
    )
    return new_card, train


def _run_queue(job: tuple) -> tuple[dict, ModelCard, list[str]]:
    """Fit and forecast one queue (top level so a process pool can run it)."""
    qh, calendar, method, level, card, index, first_slot, last_slot = job
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, new_card = _forecast_queue(
            qh, calendar, method, level, card, index, first_slot, last_slot
        )
    return out, new_card, [str(w.message) for w in caught]


def _forecast_queue(qh, calendar, method, level, card, index, first_slot, last_slot):
    m = qh.interval_minutes
    local = index.tz_localize(None)
    target_date = _to_dates(local.normalize().to_numpy())
    slot = ((index.hour * 60 + index.minute) // m).to_numpy()
    last_date = max(qh.dates[-1], target_date.max()) if len(index) else qh.dates[-1]
    all_dates = np.arange(qh.dates[0], last_date + np.timedelta64(1, "D"), dtype="datetime64[D]")
    days = _classify(qh, calendar, all_dates, first_slot, last_slot)
    new_card, train = _fit_queue(qh, days, method, level, card)
    if not len(index):
        return {k: np.zeros(0) for k in ("calls", "calls_lo", "calls_hi", "aht_s")}, new_card
    first_target = target_date.min()
    rows = (target_date - first_target).astype(np.int64)
    t_dates = np.arange(first_target, target_date.max() + np.timedelta64(1, "D"))
    t_weekday = (t_dates.astype(np.int64) + 3) % 7
    base = predict(new_card.spec, train, t_dates)
    base *= open_slots(train)[t_weekday]
    # special days and the spill onto the day after a closure
    offset = (first_target - all_dates[0]).astype(np.int64)
    factor = days.factor[offset : offset + len(t_dates)].copy()
    weekday_all = (all_dates.astype(np.int64) + 3) % 7
    closed = days.factor == 0
    expected = weekday_factors(train)
    for i in np.flatnonzero(days.closed_open_weekday):
        j = _next_open_day(i, closed, days.usually_open, weekday_all)
        if j is not None and offset <= j < offset + len(t_dates) and expected[weekday_all[j]] > 0:
            bump = days.spill * expected[weekday_all[i]] / expected[weekday_all[j]]
            factor[j - offset] *= 1.0 + bump
    mean = base[rows, slot] * factor[rows]
    lo, hi = nb_band(mean, new_card.dispersion, level)
    # Where the mean is tiny a discrete quantile band can sit below it (mean 0.05: the 90 %
    # quantile is 0); the published band always contains the point forecast.
    lo, hi = np.minimum(lo, mean), np.maximum(hi, mean)
    aht = _aht_profile(qh, train.usable)[t_weekday[rows], slot]
    aht = np.where(mean > 0, aht, 0.0)
    return {"calls": mean, "calls_lo": lo, "calls_hi": hi, "aht_s": aht}, new_card


def _prepare(history: pd.DataFrame):
    frame = validate_history(history)
    m = infer_interval_minutes(frame)
    ts = frame["interval_start"]
    span_days = (ts.max() + pd.Timedelta(minutes=m) - ts.min()) / pd.Timedelta(days=1)
    if span_days < 14 - 1e-9:
        raise ValueError(
            f"history: expected at least 2 weeks of history; got {span_days:.1f} days "
            f"({ts.min()} to {ts.max()}). Fix: export more history (12 weeks recommended)."
        )
    per_queue = frame.groupby("queue")["offered"].sum()
    if (per_queue <= 0).any():
        bad = list(per_queue.index[per_queue <= 0])
        raise ValueError(
            f"history: expected calls in every queue; got queue(s) {bad} with all-zero 'offered'. "
            "Fix: drop these queues from the export or check the queue mapping."
        )
    local = ts.dt.tz_localize(None)
    first_slot = int((local.min().hour * 60 + local.min().minute) // m)
    last_slot = int((local.max().hour * 60 + local.max().minute) // m)
    return frame, m, first_slot, last_slot


def _run(history, index_end, horizon, *, method, level, calendar, n_jobs, cards):
    if not 0 < level < 1:
        raise ValueError(f"level: expected a fraction in (0, 1); got {level!r}")
    method = parse_method(method)
    calendar = calendar if calendar is not None else SpecialDays()
    frame, m, first_slot, last_slot = _prepare(history)
    last = frame["interval_start"].max()
    if index_end is not None:
        index = pd.date_range(
            last + pd.Timedelta(minutes=m), index_end, freq=f"{m}min", inclusive="left"
        )
    else:
        index = horizon_index(last, horizon, m)
    histories = queue_histories(frame, m)
    jobs = [
        (qh, calendar, method, level, (cards or {}).get(q), index, first_slot, last_slot)
        for q, qh in histories.items()
    ]
    if n_jobs == 1 or len(jobs) == 1:
        results = [_run_queue(j) for j in jobs]
    else:
        workers = None if n_jobs in (-1, None) else int(n_jobs)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_run_queue, jobs, chunksize=max(1, len(jobs) // 8)))
    parts, new_cards = [], {}
    for (q, _), (out, card, messages) in zip(histories.items(), results, strict=True):
        for msg in messages:
            warnings.warn(msg, UserWarning, stacklevel=3)
        part = pd.DataFrame({"interval_start": index, "queue": q, **out})
        parts.append(part)
        new_cards[q] = card
    result = pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]
    result["queue"] = result["queue"].astype("str")
    return result, new_cards


def fit(
    history: pd.DataFrame,
    *,
    method: str = "auto",
    level: float = 0.8,
    calendar: SpecialDays | None = None,
    n_jobs: int = 1,
    cards: dict[str, ModelCard] | None = None,
) -> dict[str, ModelCard]:
    """Choose and calibrate a model per queue; return ``{queue: ModelCard}``.

    Same arguments as :func:`forecast`; pass the cards back to ``forecast(..., cards=...)``.
    With ``cards`` (and ``method="auto"``) a queue that has one keeps its method and
    dispersion (no reselection); the rest of the card (holiday factors, spill, training
    window) is refitted to ``history``.
    """
    _, fitted = _run(
        history, None, 1, method=method, level=level, calendar=calendar, n_jobs=n_jobs, cards=cards
    )
    return fitted


def forecast(
    history: pd.DataFrame,
    horizon: str | int = "7D",
    *,
    method: str = "auto",
    level: float = 0.8,
    calendar: SpecialDays | None = None,
    n_jobs: int = 1,
    cards: dict[str, ModelCard] | None = None,
    until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Forecast calls and handle time per interval and queue.

    Parameters
    ----------
    history : pandas.DataFrame
        The history frame (``interval_start`` tz-aware and start-labelled in the centre's time
        zone, ``queue``, ``offered``, ``handled``, ``abandoned``, ``aht_s`` in seconds). Absent
        rows are closed intervals. At least two weeks; 12 weeks or more recommended.
    horizon : str or int
        Duration after the last history interval (``"7D"``: seven local calendar days, so DST
        days have 92 or 100 quarter hours) or a number of intervals.
    method : str
        ``"auto"`` (per queue, by rolling backtest on the history), ``"seasonal_naive"``,
        ``"weekly_mean"``, ``"daily_profile"``, ``"mstl"``, ``"ensemble"``, or a
        ``(name, params)`` tuple.
    level : float
        Central coverage of ``calls_lo``..``calls_hi`` (fraction, default 0.8); the band is
        widened where needed so that it always contains ``calls``.
    calendar : SpecialDays, optional
        Public holidays and user special days (:func:`special_days_from_frame`).
    n_jobs : int
        Worker processes across queues (``-1``: all cores); results equal ``n_jobs=1``.
    cards : dict, optional
        Saved :class:`ModelCard` per queue; with ``method="auto"`` their method and dispersion
        are reused instead of reselected.
    until : pandas.Timestamp, optional
        Forecast up to (excluding) this instant instead of ``horizon`` (used by backtests).

    Returns
    -------
    pandas.DataFrame
        ``interval_start``, ``queue``, ``calls``, ``calls_lo``, ``calls_hi`` (calls per
        interval), ``aht_s`` (seconds; 0 where no calls are expected). Closed intervals are 0.
    """
    result, _ = _run(
        history,
        until,
        horizon,
        method=method,
        level=level,
        calendar=calendar,
        n_jobs=n_jobs,
        cards=cards,
    )
    return result
