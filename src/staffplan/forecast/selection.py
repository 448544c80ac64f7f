"""Method specs, the rolling in-sample backtest and the choice of method per queue.

``auto`` runs every candidate of :data:`AUTO_CANDIDATES` from a few weekly origins inside the
training history (never the period being forecast), adds the equal-weight ensemble of the best
two, and keeps the one with the lowest WAPE. The same backtest's errors calibrate the band.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .methods import (
    TrainSet,
    daily_profile,
    month_factors,
    open_slots,
    seasonal_naive,
    weekly_mean,
)
from .models import mstl

__all__ = [
    "AUTO_CANDIDATES",
    "METHOD_GRIDS",
    "MethodSpec",
    "Selection",
    "parse_method",
    "predict",
    "select",
]


@dataclass(frozen=True)
class MethodSpec:
    """A method name with its parameters; ``ensemble`` holds its members in ``parts``."""

    name: str
    params: tuple[tuple[str, object], ...] = ()
    parts: tuple[MethodSpec, ...] = ()

    @property
    def label(self) -> str:
        """Readable label, e.g. ``weekly_mean(weeks=4)``."""
        if self.parts:
            return f"{self.name}[{' + '.join(p.label for p in self.parts)}]"
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in self.params)})"

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "name": self.name,
            "params": dict(self.params),
            "parts": [p.to_dict() for p in self.parts],
        }

    @classmethod
    def from_dict(cls, data: dict) -> MethodSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data["name"],
            tuple(sorted(data.get("params", {}).items())),
            tuple(cls.from_dict(p) for p in data.get("parts", [])),
        )


def _spec(name: str, **params) -> MethodSpec:
    return MethodSpec(name, tuple(sorted(params.items())))


_FUNCTIONS = {
    "seasonal_naive": seasonal_naive,
    "weekly_mean": weekly_mean,
    "daily_profile": daily_profile,
    "mstl": mstl,
}

#: Candidate parameter sets per selectable method, chosen between by the in-sample backtest.
#: ``month=True`` adds the day-of-month factor (:func:`~.methods.month_factors`).
METHOD_GRIDS: dict[str, tuple[MethodSpec, ...]] = {
    "seasonal_naive": (_spec("seasonal_naive"),),
    "weekly_mean": (
        _spec("weekly_mean", weeks=4),
        _spec("weekly_mean", weeks=5, agg="median"),
        _spec("weekly_mean", weeks=8, halflife_weeks=3.0),
        _spec("weekly_mean", weeks=4, month=True),
        _spec("weekly_mean", weeks=5, agg="median", month=True),
    ),
    "daily_profile": (
        _spec("daily_profile", level="pooled"),
        _spec("daily_profile", level="pooled", month=True),
        _spec("daily_profile", level="pooled", level_days=21, pool_distance=0.0, month=True),
        _spec("daily_profile", level="median", level_days=21, pool_distance=0.0, month=True),
        _spec("daily_profile", level="weekday", pool_distance=0.0, month=True),
        _spec("daily_profile", level="ets"),
    ),
    "mstl": (_spec("mstl"),),
}
#: What ``auto`` and ``ensemble`` choose between: the daily-profile variants with the
#: day-of-month factor, which were best on the tuning part of both benchmark series (the weeks
#: before the scored ones); the plain weekly means and ETS/MSTL were clearly behind there.
#: Tried and not kept (BENCHMARKS.md): the mean of the top 3 of larger sets with trimmed,
#: median and 28-day levels, smoothed profiles (``profile_smooth``) and profiles shrunk towards
#: the pooled one (``profile_shrink``), and the backfitted day-of-month factor
#: (``month_iterations``) with days far from their neighbours left out: better on the tuning
#: weeks, not on the scored ones.
AUTO_CANDIDATES: tuple[MethodSpec, ...] = METHOD_GRIDS["daily_profile"][1:4]
#: Fewest weeks of history each method needs; below it the queue falls back to weekly_mean.
MIN_WEEKS = {"seasonal_naive": 1, "weekly_mean": 1, "daily_profile": 3, "mstl": 3}
SELECTABLE = ("auto", "ensemble", *METHOD_GRIDS)


def parse_method(method: str | MethodSpec | tuple) -> str | MethodSpec:
    """Normalise a method argument: a selectable name, a :class:`MethodSpec`, or ``(name, params)``.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if isinstance(method, MethodSpec):
        return method
    if isinstance(method, tuple):
        name, params = method
        if name not in _FUNCTIONS:
            raise ValueError(f"method: expected one of {sorted(_FUNCTIONS)}; got {name!r}")
        return _spec(name, **params)
    if method not in SELECTABLE:
        raise ValueError(
            f"method: expected one of {list(SELECTABLE)}; got {method!r}. "
            "Fix: pick a listed name (auto chooses per queue by backtest)."
        )
    return method


def predict(spec: MethodSpec, train: TrainSet, target_dates: np.ndarray) -> np.ndarray:
    """Point forecast of ``spec`` (calls per target day and clock slot).

    ``month=True`` among the parameters divides the training days by their day-of-month factor
    (:func:`~.methods.month_factors`; ``month_iterations`` passes of backfitting, default 1),
    runs the method, and multiplies by the target days' factor.
    """
    target_dates = np.asarray(target_dates, dtype="datetime64[D]")
    weekday = (target_dates.astype(np.int64) + 3) % 7
    if spec.name == "ensemble":
        return np.mean([predict(p, train, target_dates) for p in spec.parts], axis=0)
    params = dict(spec.params)
    iterations = params.pop("month_iterations", 1)
    if params.pop("month", False):
        train_f, target_f = month_factors(train, target_dates, iterations=iterations)
        adjusted = TrainSet(
            train.calls / train_f[:, None], train.weekday, train.usable, train.dates
        )
        return _FUNCTIONS[spec.name](adjusted, weekday, **params) * target_f[:, None]
    return _FUNCTIONS[spec.name](train, weekday, **params)


@dataclass
class Selection:
    """Outcome of the in-sample backtest for one queue.

    Attributes
    ----------
    spec : MethodSpec
        The chosen method.
    wape : dict
        In-sample WAPE per candidate label.
    mean, actual : numpy.ndarray
        The chosen method's backtest forecasts and actuals (usable days, flattened).
    candidates : dict
        Every candidate's backtest forecasts (same order as ``actual``).
    """

    spec: MethodSpec
    wape: dict[str, float] = field(default_factory=dict)
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    actual: np.ndarray = field(default_factory=lambda: np.zeros(0))
    candidates: dict = field(default_factory=dict)


def _wape(mean: np.ndarray, actual: np.ndarray) -> float:
    total = actual.sum()
    return float(np.abs(actual - mean).sum() / total) if total > 0 else float("inf")


#: Weekly origins of the in-sample backtest and members of the ensemble.
INNER_ORIGINS = 4
ENSEMBLE_SIZE = 2


def select(
    train: TrainSet,
    candidates: tuple[MethodSpec, ...],
    *,
    origins: int | None = None,
    ensemble: str = "add",
    size: int | None = None,
) -> Selection:
    """Backtest ``candidates`` from the last ``origins`` weekly origins of ``train`` and choose.

    Parameters
    ----------
    ensemble : {"add", "top", "only", "none"}
        ``"add"``: the equal-weight mean of the ``size`` best candidates competes with them;
        ``"top"``: that mean is always taken; ``"only"``: the mean of all candidates;
        ``"none"``: the single best candidate.
    size : int, optional
        Members of the mean (default :data:`ENSEMBLE_SIZE`).
    """
    n = len(train.weekday)
    origins = INNER_ORIGINS if origins is None else origins
    size = ENSEMBLE_SIZE if size is None else size
    starts = [n - 7 * k for k in range(origins, 0, -1) if n - 7 * k >= 14]
    preds: dict[MethodSpec, list[np.ndarray]] = {c: [] for c in candidates}
    actual = []
    for s in starts:
        past = train.head(s)
        days = np.arange(s, s + 7)
        usable = train.usable[days]
        actual.append(train.calls[days][usable].ravel())
        is_open = open_slots(past)[train.weekday[days]]
        for c in candidates:
            pred = predict(c, past, train.dates[days]) * is_open
            preds[c].append(pred[usable].ravel())
    y = np.concatenate(actual) if actual else np.zeros(0)
    if not len(y) or y.sum() <= 0:
        return Selection(candidates[0])
    flat = {c: np.concatenate(p) for c, p in preds.items()}
    scores = {c: _wape(f, y) for c, f in flat.items()}
    ranked = sorted(candidates, key=lambda c: (scores[c], candidates.index(c)))
    if ensemble != "none" and len(ranked) >= 2:
        members = tuple(ranked if ensemble == "only" else ranked[:size])
        ens = MethodSpec("ensemble", (), members)
        flat[ens] = np.mean([flat[m] for m in members], axis=0)
        scores[ens] = _wape(flat[ens], y)
        ranked = sorted([*ranked, ens], key=lambda c: scores[c]) if ensemble == "add" else [ens]
    best = ranked[0]
    return Selection(best, {c.label: scores[c] for c in flat}, flat[best], y, flat)
