"""A small sparse MIP builder and an honest solve with HiGHS (highspy) or CBC (PuLP).

Models are built as numpy arrays (fast for tens of thousands of columns) and handed to the
solver named in :class:`SolverSettings`. The status, objective, best bound and gap are read
from the solver itself: a time-limited stop is reported as ``"time_limit"``, never as optimal.
``MipModel.to_pulp()`` gives a PuLP problem that can be dumped with ``writeLP``/``writeMPS``.
"""

from __future__ import annotations

import copy
import math
import re
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .rules import SolverSettings

__all__ = [
    "MipModel",
    "SolveReport",
    "combine_reports",
    "highs_lp",
    "neighbourhood_search",
    "solve_model",
]

INF = math.inf


class MipModel:
    """Sparse mixed-integer model under construction (minimisation).

    Columns are added in blocks with :meth:`add_vars`; rows one at a time with
    :meth:`add_row` as ``lo <= sum(coef * x[idx]) <= hi``.
    """

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._names: list[str] = []
        self.n_cols = 0
        self._row_idx: list[np.ndarray] = []
        self._row_val: list[np.ndarray] = []
        self._row_lo: list[float] = []
        self._row_hi: list[float] = []
        self.offset = 0.0
        self._extra_cost: list[tuple[np.ndarray, float]] = []
        self._new_ub: list[tuple[np.ndarray, float | np.ndarray]] = []
        self._new_lb: list[tuple[np.ndarray, float | np.ndarray]] = []

    def add_vars(
        self,
        n: int,
        *,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = INF,
        cost: float | np.ndarray = 0.0,
        integer: bool = False,
        name: str = "x",
    ) -> np.ndarray:
        """Add ``n`` columns; return their indices (``int64`` array)."""
        idx = np.arange(self.n_cols, self.n_cols + n, dtype=np.int64)
        self._lb.append(np.broadcast_to(np.asarray(lb, float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, float), (n,)).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, float), (n,)).copy())
        self._int.append(np.full(n, integer))
        self._names.extend(f"{name}_{i}" for i in range(n))
        self.n_cols += n
        return idx

    def add_row(
        self,
        idx: np.ndarray | list[int],
        coef: np.ndarray | list[float] | float,
        lo: float,
        hi: float,
    ) -> None:
        """Add the row ``lo <= coef . x[idx] <= hi`` (use ``math.inf`` for an open side)."""
        idx = np.asarray(idx, dtype=np.int64)
        coef = np.broadcast_to(np.asarray(coef, float), idx.shape)
        if idx.size == 0:
            if lo > 1e-9 or hi < -1e-9:
                raise ValueError(f"empty row with bounds [{lo}, {hi}] is infeasible")
            return
        self._row_idx.append(idx)
        self._row_val.append(np.array(coef, float))
        self._row_lo.append(float(lo))
        self._row_hi.append(float(hi))

    def add_cost(self, idx: np.ndarray | list[int], value: float) -> None:
        """Add ``value`` to the objective coefficient of columns ``idx``."""
        if len(idx) and value:
            self._extra_cost.append((np.asarray(idx, dtype=np.int64), float(value)))

    def set_upper(self, idx: np.ndarray | list[int], value: float) -> None:
        """Set the upper bound of columns ``idx`` (e.g. 0 to drop them)."""
        if len(idx):
            self._new_ub.append((np.asarray(idx, dtype=np.int64), float(value)))

    def with_upper(self, idx: np.ndarray, value: float) -> MipModel:
        """A copy of the model with the upper bound of columns ``idx`` set to ``value``."""
        other = copy.copy(self)
        other._new_ub = [*self._new_ub, (np.asarray(idx, np.int64), float(value))]
        return other

    def with_fixed(self, idx: np.ndarray, values: np.ndarray) -> MipModel:
        """A copy of the model with columns ``idx`` fixed at ``values``."""
        other = copy.copy(self)
        other._new_ub = [*self._new_ub, (np.asarray(idx, np.int64), np.asarray(values, float))]
        other._new_lb = [*self._new_lb, (np.asarray(idx, np.int64), np.asarray(values, float))]
        return other

    def relaxed(self) -> MipModel:
        """A copy of the model with every column continuous (the LP relaxation)."""
        other = copy.copy(self)
        other._int = [np.zeros_like(a) for a in self._int]
        other.name = f"{self.name}_lp"
        return other

    @property
    def n_rows(self) -> int:
        """Number of rows added so far."""
        return len(self._row_lo)

    def arrays(self) -> dict[str, np.ndarray]:
        """The model as arrays: bounds, costs, integrality and the row-wise (CSR) matrix."""
        lengths = np.array([a.size for a in self._row_idx], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        cost = np.concatenate(self._cost) if self._cost else empty_f
        for idx, value in self._extra_cost:
            np.add.at(cost, idx, value)
        ub = np.concatenate(self._ub) if self._ub else empty_f
        for idx, value in self._new_ub:
            ub[idx] = value
        lb = np.concatenate(self._lb) if self._lb else empty_f
        for idx, value in self._new_lb:
            lb[idx] = value
        return {
            "lb": lb,
            "ub": ub,
            "cost": cost,
            "integer": np.concatenate(self._int) if self._int else np.zeros(0, bool),
            "row_lo": np.array(self._row_lo, float),
            "row_hi": np.array(self._row_hi, float),
            "start": start,
            "index": np.concatenate(self._row_idx) if self._row_idx else empty_i,
            "value": np.concatenate(self._row_val) if self._row_val else empty_f,
        }

    def to_pulp(self):
        """Build the same model as a ``pulp.LpProblem`` (for CBC or an LP/MPS dump)."""
        import pulp

        a = self.arrays()
        prob = pulp.LpProblem(self.name, pulp.LpMinimize)
        cols = [
            prob.add_variable(
                self._names[j],
                lowBound=None if a["lb"][j] == -INF else a["lb"][j],
                upBound=None if a["ub"][j] == INF else a["ub"][j],
                cat=pulp.LpInteger if a["integer"][j] else pulp.LpContinuous,
            )
            for j in range(self.n_cols)
        ]
        nz = np.flatnonzero(a["cost"])
        prob += pulp.LpAffineExpression([(cols[j], a["cost"][j]) for j in nz]) + self.offset
        for r in range(self.n_rows):
            s, e = a["start"][r], a["start"][r + 1]
            expr = pulp.LpAffineExpression(
                [(cols[j], v) for j, v in zip(a["index"][s:e], a["value"][s:e], strict=True)]
            )
            lo, hi = a["row_lo"][r], a["row_hi"][r]
            if lo == hi:
                prob += expr == lo, f"r{r}"
            else:
                if lo > -INF:
                    prob += expr >= lo, f"r{r}_lo"
                if hi < INF:
                    prob += expr <= hi, f"r{r}_hi"
        prob._staffplan_cols = cols
        return prob


@dataclass
class SolveReport:
    """What the solver said, in its own words.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"time_limit"`` (feasible, stopped by the limit), ``"infeasible"``,
        ``"no_solution"`` (stopped before any solution) or ``"error"``.
    objective, bound : float
        Objective of the best solution and the solver's best lower bound (NaN when unknown).
    gap : float
        ``(objective - bound) / max(|objective|, 1e-9)``, a fraction.
    seconds : float
        Wall-clock solve time, s.
    solver : str
        Solver name and version.
    values : numpy.ndarray
        Column values of the solution (empty without one).
    row_dual : numpy.ndarray
        Row duals (one per row, in the order the rows were added) of an LP solved to
        optimality by HiGHS, with HiGHS's sign convention: the change of the objective per
        unit increase of the row's active bound (empty for a MIP, a CBC solve, or an LP
        without a proven optimum).
    """

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    solver: str
    values: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    row_dual: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def has_solution(self) -> bool:
        """Whether a feasible solution was found."""
        return self.status in ("optimal", "time_limit")


def _gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def highs_lp(model: MipModel, arrays: dict | None = None):
    """``model`` as a ``highspy.HighsLp`` (row-wise matrix; integrality when it has integer
    columns). ``arrays``: ``model.arrays()``, when the caller has them already."""
    import highspy

    a = model.arrays() if arrays is None else arrays
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = a["cost"]
    lp.col_lower_ = a["lb"]
    lp.col_upper_ = a["ub"]
    lp.row_lower_ = a["row_lo"]
    lp.row_upper_ = a["row_hi"]
    lp.offset_ = model.offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = a["start"]
    lp.a_matrix_.index_ = a["index"]
    lp.a_matrix_.value_ = a["value"]
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = model.n_rows
    if a["integer"].any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
            for f in a["integer"]
        ]
    return lp


def _solve_highs(
    model: MipModel, settings: SolverSettings, time_limit_s: float, start_values, lp_method
) -> SolveReport:
    import highspy

    a = model.arrays()
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(settings.msg))
    h.setOptionValue("time_limit", float(max(time_limit_s, 0.5)))
    h.setOptionValue("mip_rel_gap", float(settings.mip_gap))
    h.setOptionValue("threads", int(settings.threads))
    h.setOptionValue("random_seed", 7)
    h.setOptionValue("mip_heuristic_effort", 0.3)
    h.setOptionValue("solver", lp_method)
    if lp_method == "ipm":  # no crossover; no presolve, whose postsolve spoils IPM duals
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("presolve", "off")
    is_mip = bool(a["integer"].any())
    h.passModel(highs_lp(model, a))
    if start_values is not None:
        idx, vals = start_values
        h.setSolution(len(idx), np.asarray(idx, np.int32), np.asarray(vals, float))
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    version = f"HiGHS {h.version()}"
    S = highspy.HighsModelStatus
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.array(h.getSolution().col_value, float) if has_primal else np.zeros(0)
    objective = float(info.objective_function_value) if has_primal else math.nan
    # a MIP's bound is the solver's dual bound; an LP's is its optimum (when proven)
    bound = float(info.mip_dual_bound) if is_mip else (objective if ms == S.kOptimal else math.nan)
    if ms == S.kOptimal:
        status = "optimal"
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif has_primal:
        status = "time_limit"
    elif ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kSolutionLimit):
        status = "no_solution"
    else:
        status = "error"
    duals = np.zeros(0)
    if not is_mip and ms == S.kOptimal and info.dual_solution_status == 2:
        duals = np.array(h.getSolution().row_dual, float)
    return SolveReport(
        status, objective, bound, _gap(objective, bound), seconds, version, values, duals
    )


_CBC_LINE = re.compile(r"^(Objective value|Lower bound|Gap):\s*([-+0-9.eE]+)", re.M)


def _solve_cbc(model: MipModel, settings: SolverSettings, time_limit_s: float) -> SolveReport:
    import pulp

    prob = model.to_pulp()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        with warnings.catch_warnings():  # the bundled CBC is deprecated in PuLP 4
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(
                msg=bool(settings.msg),
                timeLimit=max(1, math.ceil(time_limit_s)),
                gapRel=settings.mip_gap,
                threads=settings.threads,
                logPath=str(log),
            )
        t0 = time.perf_counter()
        prob.solve(solver)
        seconds = time.perf_counter() - t0
        text = log.read_text() if log.exists() else ""
    found = dict(_CBC_LINE.findall(text))
    cols = prob._staffplan_cols
    values = np.array([c.varValue if c.varValue is not None else math.nan for c in cols])
    sol_status = prob.sol_status
    stopped = "Stopped on" in text or "stopped" in text.lower() and "time" in text.lower()
    if prob.status == pulp.LpStatusInfeasible or "infeasible" in text.lower().split("result")[-1]:
        status = "infeasible"
    elif sol_status in (pulp.LpSolutionOptimal,) and not stopped:
        status = "optimal"
    elif np.isfinite(values).all() and values.size:
        status = "time_limit"
    else:
        status = "no_solution"
    objective = float(pulp.value(prob.objective)) if status != "infeasible" else math.nan
    bound = float(found.get("Lower bound", objective if status == "optimal" else math.nan))
    if status != "optimal" and "Lower bound" not in found:
        bound = math.nan
    return SolveReport(
        status, objective, bound, _gap(objective, bound), seconds, "CBC (PuLP)", values
    )


def solve_model(
    model: MipModel,
    settings: SolverSettings,
    *,
    time_limit_s: float | None = None,
    start_values: tuple[np.ndarray, np.ndarray] | None = None,
    lp_method: str = "choose",
) -> SolveReport:
    """Solve ``model`` with the solver named in ``settings``.

    Parameters
    ----------
    model : MipModel
        The model to minimise.
    settings : SolverSettings
        Solver name, gap, threads, output.
    time_limit_s : float, optional
        Limit for this solve, s (default ``settings.time_limit_s``).
    start_values : tuple of numpy.ndarray, optional
        ``(columns, values)`` of a partial start (HiGHS only; it completes the rest). By
        default every integer column starts at zero, which every model here accepts (all
        coverage is soft), so a solution always exists.
    lp_method : str
        HiGHS ``solver`` option for LPs: ``"choose"``, ``"simplex"`` or ``"ipm"``.

    Returns
    -------
    SolveReport
        Status, objective, bound, gap from the solver and the column values.
    """
    limit = settings.time_limit_s if time_limit_s is None else time_limit_s
    if model.n_cols == 0:
        return SolveReport("optimal", model.offset, model.offset, 0.0, 0.0, "none", np.zeros(0))
    if settings.name == "cbc":
        return _solve_cbc(model, settings, limit)
    if start_values is None:
        ints = np.flatnonzero(np.concatenate(model._int)) if model._int else np.zeros(0, int)
        if ints.size:
            start_values = (ints, np.zeros(ints.size))
    return _solve_highs(model, settings, limit, start_values, lp_method)


def combine_reports(reports: list[SolveReport]) -> SolveReport:
    """Add up the reports of independent sub-problems (e.g. one per day).

    The objective and the bound are sums, so the gap is the gap of the whole; the status is the
    worst of the parts.
    """
    if not reports:
        return SolveReport("optimal", 0.0, 0.0, 0.0, 0.0, "none")
    order = ["error", "infeasible", "no_solution", "time_limit", "optimal"]
    status = min((r.status for r in reports), key=order.index)
    objective = float(sum(r.objective for r in reports))
    bound = float(sum(r.bound for r in reports))
    seconds = float(sum(r.seconds for r in reports))
    return SolveReport(status, objective, bound, _gap(objective, bound), seconds, reports[0].solver)


def _as_incumbent(rep: SolveReport, bound: float) -> SolveReport:
    """A sub-problem's solution as the search's incumbent (status ``time_limit``)."""
    return SolveReport(
        "time_limit",
        rep.objective,
        bound,
        _gap(rep.objective, bound),
        rep.seconds,
        rep.solver,
        rep.values,
    )


def _try_repair(
    model: MipModel,
    best: SolveReport,
    repair: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray] | None],
    settings: SolverSettings,
    limit_s: float,
) -> SolveReport | None:
    """Apply ``repair`` to the incumbent and evaluate it with the columns it gives fixed.

    Returns the evaluated solution when it is better than ``best``, else None (also when
    ``repair`` has nothing to change or less than 0.5 s is left).
    """
    fix = repair(best.values)
    if fix is None or limit_s < 0.5:
        return None
    rep = solve_model(model.with_fixed(*fix), settings, time_limit_s=limit_s)
    if rep.has_solution and rep.objective < best.objective - 1e-6:
        return rep
    return None


def neighbourhood_search(
    model: MipModel,
    blocks: list[np.ndarray],
    incumbent: SolveReport,
    settings: SolverSettings,
    *,
    deadline: float,
    bound: float,
    size: int = 20,
    sub_limit_s: float = 5.0,
    max_stale: int = 25,
    seed: int = 7,
    frozen: np.ndarray | None = None,
    repair: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray] | None] | None = None,
) -> tuple[SolveReport, int, int]:
    """Large-neighbourhood search: re-solve a few blocks of integer columns, the rest fixed.

    Parameters
    ----------
    model : MipModel
        The full model.
    blocks : list of numpy.ndarray
        Integer column indices grouped by the unit freed together (e.g. one agent's shifts).
    incumbent : SolveReport
        A feasible solution to start from.
    settings : SolverSettings
    deadline : float
        ``time.perf_counter()`` value at which to stop, s.
    bound : float
        A valid lower bound: the search stops once within ``settings.mip_gap`` of it.
    size : int
        Blocks freed per neighbourhood.
    sub_limit_s : float
        Time limit of each sub-problem, s.
    max_stale : int
        Stop after this many neighbourhoods in a row without improvement.
    seed : int
    frozen : numpy.ndarray, optional
        Integer columns a move may turn off but never on (they stay at zero when at zero),
        e.g. the columns a relaxation did not use. ``repair`` may still turn them on.
    repair : callable, optional
        ``repair(values) -> (columns, values)`` or None: a move applied to the start and to
        each new incumbent (``values``: all its column values), evaluated with the returned
        columns fixed at the returned values and kept when the objective falls. It counts
        as an improving move, not as a try.

    Returns
    -------
    (SolveReport, int, int)
        The best solution (status ``time_limit``, bound ``bound``), improving moves, tries.
    """
    rng = np.random.default_rng(seed)
    every = np.concatenate(blocks) if blocks else np.zeros(0, np.int64)
    locked = np.zeros(model.n_cols, bool)
    if frozen is not None:
        locked[np.asarray(frozen, np.int64)] = True
    best = incumbent
    tries = improved = stale = 0
    fresh = repair is not None  # the incumbent has not been repaired yet
    while time.perf_counter() < deadline - 1.0 and stale < max_stale and blocks:
        if fresh:
            fresh = False
            left = deadline - time.perf_counter()
            fixed = _try_repair(model, best, repair, settings, min(sub_limit_s, left - 0.5))
            if fixed is not None:
                best = _as_incumbent(fixed, bound)
                improved += 1
                continue
        if best.objective - bound <= settings.mip_gap * abs(best.objective) + 1e-9:
            break
        chosen = rng.choice(len(blocks), size=min(size, len(blocks)), replace=False)
        hold = np.ones(model.n_cols, bool)
        hold[np.concatenate([blocks[i] for i in chosen])] = False
        hold |= locked & (best.values < 0.5)  # frozen columns at zero stay there
        fixed_cols = every[hold[every]]
        sub = model.with_fixed(fixed_cols, np.round(best.values[fixed_cols]))
        left = deadline - time.perf_counter()
        rep = solve_model(
            sub,
            settings,
            time_limit_s=max(0.5, min(sub_limit_s, left - 0.5)),
            start_values=(every, np.round(best.values[every])),
        )
        tries += 1
        if rep.has_solution and rep.objective < best.objective - 1e-6:
            best = _as_incumbent(rep, bound)
            improved += 1
            stale = 0
            fresh = repair is not None
        else:
            stale += 1
    return best, improved, tries
