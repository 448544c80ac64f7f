"""The roster model against the simulation on written plans: weekly, hour by hour, and how
much of the gap is the averaging over absence.

    .venv/bin/python benchmarks/roster_model_study.py PLAN_DIR [PLAN_DIR ...]
        [--replications 100] [--seed 11] [--model-from REV ...] [--draws 150]
        [--fixed-absence 16] [--volume 1.1 [--volume-queues sales,support]] [--band]

Each PLAN_DIR is a folder written by ``staffplan plan`` (``forecast.csv``, ``activities.csv``,
``roster.csv``, ``coverage.csv``, ``plan.toml``). The roster is simulated once per plan
(``--replications``, ``--seed``, shrinkage as whole-day absence) and every model is compared
with that same simulation:

* **weekly**: per queue, the model's call-weighted weekly service level minus the simulated
  one (``SimulationResult.queues``), and how far outside the simulated 95% interval; for
  email, over the items the simulation scores, the per-queue deferred model (head count of
  the agents scheduled on email) and the roster's (``staffplan.deferred``);
* **hourly**: per queue, the call-weighted mean absolute difference per hour of day (the
  simulation's per-interval shares, pooled over the replications);
* **absence** (``--draws``): the model averaged over absence as it does it (binomial head
  counts) against the same model on ``--draws`` drawn absence patterns (the absent
  agent-days removed, evaluated without absence): model against model;
* **fixed absence** (``--fixed-absence N``): N absence patterns drawn once, each simulated
  (10 replications) and evaluated without further absence, so absence luck is paired out.

``--volume FACTOR`` scales every queue's forecast (simulation and models alike): how the
models hold up in a busier week than the roster was made for (``whatif --volume``);
``--volume-queues`` scales only those queues (which queue's growth the error follows);
``--band`` takes the forecast's upper band (``calls_hi``) instead of ``calls``.

``--model-from REV`` (repeatable) adds the roster model of a git revision
(``src/staffplan/pooling.py`` at REV, loaded as a module) next to the current one, for
before/after tables. The models run on the same simulations.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from staffplan import pooling
from staffplan.deferred import evaluate_deferred_roster
from staffplan.evaluate import evaluate_coverage, weekly_service
from staffplan.simulation import simulate

sys.path.insert(0, str(Path(__file__).parent))
from sim_vs_analytic import _plan  # the plan reader of the sibling benchmark

ROOT = Path(__file__).resolve().parents[1]
QUEUES = ("sales", "support", "chat")


def _model_at(rev: str):
    """``staffplan.pooling`` as it was at git revision ``rev``."""
    text = subprocess.run(
        ["git", "show", f"{rev}:src/staffplan/pooling.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / f"pooling_{rev}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"pooling_{rev}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _weighted(frame: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    calls = forecast[["interval_start", "queue", "calls"]]
    return frame.merge(calls, on=["interval_start", "queue"])


def _weekly(model: pd.DataFrame) -> dict[str, float]:
    return {
        q: float(np.average(g["service_level"], weights=g["calls"]))
        for q, g in model.groupby("queue")
        if g["calls"].sum() > 0
    }


def _hourly_error(model: pd.DataFrame, intervals: pd.DataFrame, queue: str) -> float:
    both = model.merge(intervals, on=["interval_start", "queue"])
    both = both[(both["queue"] == queue) & (both["calls"] > 0)]
    both = both.assign(hour=both["interval_start"].dt.hour)
    gaps = both.groupby("hour").apply(
        lambda x: pd.Series(
            {
                "gap": np.average(x["service_level"] - x["sim_service_level"], weights=x["calls"]),
                "calls": x["calls"].sum(),
            }
        ),
        include_groups=False,
    )
    return float(np.average(gaps["gap"].abs(), weights=gaps["calls"]))


def _without_absent(activities, roster, tz, rng, share):
    """The roster with a random ``share`` of its agent-days removed."""
    act_day = list(
        zip(activities["agent_id"], activities["start"].dt.tz_convert(tz).dt.date, strict=True)
    )
    ros_day = list(
        zip(roster["agent_id"], roster["shift_start"].dt.tz_convert(tz).dt.date, strict=True)
    )
    absent = {k for k in sorted(set(ros_day)) if rng.random() < share}
    keep_a = np.array([k not in absent for k in act_day])
    keep_r = np.array([k not in absent for k in ros_day])
    return activities[keep_a], roster[keep_r]


def _email_cells(config, forecast, activities, roster, coverage, sim) -> list[str]:
    """Email's weekly in-time share over the items the simulation scores, minus the
    simulated one: the per-queue deferred model (expected head count of the agents
    scheduled on email) and the roster's (:mod:`staffplan.deferred`)."""
    if "email" not in set(forecast["queue"]) or "email" not in set(sim.queues["queue"]):
        return []
    key = ["interval_start", "queue"]
    per_queue = evaluate_coverage(coverage, forecast, config)
    rostered = per_queue.drop(columns="service_level").merge(
        evaluate_deferred_roster(activities, forecast, config, roster=roster), on=key
    )
    totals = sim.queues.set_index("queue").loc["email"]
    lo, mid, hi = (totals[f"sim_service_level{k}"] for k in ("_lo", "", "_hi"))
    cells = []
    for name, frame in (("per-queue", per_queue), ("roster", rostered)):
        e = weekly_service(frame, config, scored=sim.intervals).set_index("queue")
        e = e.loc["email", "service_level"]
        out = 0.0 if lo <= e <= hi else (e - hi if e > hi else e - lo)
        cells.append(
            f"{name}:email {100 * (e - mid):+.2f}" + (f" ({100 * out:+.2f})" if out else "")
        )
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plans", nargs="+", type=Path)
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--model-from", action="append", default=[], metavar="REV")
    parser.add_argument("--draws", type=int, default=0)
    parser.add_argument("--fixed-absence", type=int, default=0, metavar="N")
    parser.add_argument("--volume", type=float, default=1.0, metavar="FACTOR")
    parser.add_argument(
        "--volume-queues", default="", metavar="Q1,Q2", help="scale only these queues"
    )
    parser.add_argument("--band", action="store_true", help="use the forecast's calls_hi")
    args = parser.parse_args()
    scaled = [q for q in args.volume_queues.split(",") if q]
    models = {rev: _model_at(rev) for rev in args.model_from}
    models["now"] = pooling
    hourly = {name: {q: [] for q in QUEUES} for name in models}
    print("weekly: model minus simulated, points (in brackets: how far outside the 95% CI)")
    for folder in args.plans:
        config, forecast, activities, roster, coverage, _ = _plan(folder)
        base = forecast["calls_hi"] if args.band else forecast["calls"]
        factor = args.volume
        if scaled:
            factor = np.where(forecast["queue"].isin(scaled), args.volume, 1.0)
        forecast = forecast.assign(calls=base * factor)
        absence = config.center.shrinkage
        sim = simulate(
            activities,
            forecast,
            config,
            roster=roster,
            replications=args.replications,
            seed=args.seed,
            absence=absence,
        )
        totals = sim.queues.set_index("queue")
        cells = []
        for name, module in models.items():
            model = _weighted(
                module.evaluate_roster(activities, forecast, config, roster=roster), forecast
            )
            weekly = _weekly(model)
            for q in QUEUES:
                if q not in weekly or q not in totals.index:
                    continue
                lo, mid, hi = (totals.loc[q, f"sim_service_level{k}"] for k in ("_lo", "", "_hi"))
                e = weekly[q]
                out = 0.0 if lo <= e <= hi else (e - hi if e > hi else e - lo)
                cells.append(
                    f"{name}:{q} {100 * (e - mid):+.2f}" + (f" ({100 * out:+.2f})" if out else "")
                )
                hourly[name][q].append(_hourly_error(model, sim.intervals, q))
        cells += _email_cells(config, forecast, activities, roster, coverage, sim)
        print(f"{folder.name}: " + "  ".join(cells), flush=True)
        if args.draws:
            rng = np.random.default_rng(3)
            tz = config.center.timezone
            binomial = _weekly(
                _weighted(
                    pooling.evaluate_roster(activities, forecast, config, roster=roster), forecast
                )
            )
            drawn = []
            for _ in range(args.draws):
                act, ros = _without_absent(activities, roster, tz, rng, absence)
                ev = pooling.evaluate_roster(act, forecast, config, roster=ros, absence=0.0)
                drawn.append(_weekly(_weighted(ev, forecast)))
            for q in QUEUES:
                values = np.array([d[q] for d in drawn if q in d])
                error = 100 * values.std(ddof=1) / np.sqrt(len(values))
                print(
                    f"  absence averaging, {q}: binomial {100 * binomial[q]:.2f}% against "
                    f"{100 * values.mean():.2f} ± {error:.2f} over {len(values)} drawn patterns"
                )
        if args.fixed_absence:
            rng = np.random.default_rng(7)
            tz = config.center.timezone
            gaps = {name: {q: [] for q in QUEUES} for name in models}
            for draw in range(args.fixed_absence):
                act, ros = _without_absent(activities, roster, tz, rng, absence)
                iv = simulate(
                    act, forecast, config, roster=ros, replications=10, seed=draw
                ).intervals
                for name, module in models.items():
                    model = _weighted(
                        module.evaluate_roster(act, forecast, config, roster=ros, absence=0.0),
                        forecast,
                    ).merge(iv, on=["interval_start", "queue"])
                    for q, g in model.groupby("queue"):
                        if q in QUEUES and g["calls"].sum() > 0:
                            gap = np.average(
                                g["service_level"] - g["sim_service_level"], weights=g["calls"]
                            )
                            gaps[name][q].append(100 * gap)
            for name in models:
                line = "  ".join(
                    f"{q} {np.mean(v):+.2f} ± {np.std(v, ddof=1) / np.sqrt(len(v)):.2f}"
                    for q, v in gaps[name].items()
                    if v
                )
                print(f"  fixed absence ({args.fixed_absence} patterns), {name}: {line}")
    print("\nhourly: call-weighted mean absolute error per hour of day, points, mean over plans")
    for name, per_queue in hourly.items():
        line = "  ".join(f"{q} {100 * np.mean(v):.2f}" for q, v in per_queue.items() if v)
        print(f"{name}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
