"""Curtois & Qu employee shift-scheduling instances, solved with staffplan's MIP layer.

Reads the instance text format (horizon, shift types with forbidden successors, staff
contracts, fixed days off, shift on/off requests, cover with under/over weights) and builds
the standard compact model (Curtois & Qu 2014, "Computational results on new staff
scheduling benchmark instances"): ``x[e, d, t]`` binary; one shift a day; forbidden
successions; max shifts per type; min/max total minutes; max consecutive shifts; min
consecutive shifts and min consecutive days off (for blocks inside the horizon); max
weekends; days off; soft requests and soft cover. The model is built with
``staffplan.scheduling.solver.MipModel`` and solved by ``solve_model`` (HiGHS, one thread),
so status, bound and gap come from the solver. When the full MIP stops at its share of the
time without proof, a neighbourhood search (a quarter of the employees re-solved at a time,
the rest fixed) improves the solution for the rest of the time; the bound stays the full
MIP's.

Usage: ``python benchmarks/curtois_qu.py [--instances 1-8] [--time-limit 600]``
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from staffplan.scheduling import SolverSettings
from staffplan.scheduling.solver import MipModel, neighbourhood_search, solve_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/benchmarks/scheduling/curtois_qu_instances1_24"


@dataclass
class Staff:
    """One employee's contract (minutes, counts)."""

    sid: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    """A Curtois & Qu instance."""

    name: str
    days: int
    shifts: dict[str, int]  # shift id -> minutes
    forbidden: dict[str, list[str]]  # shift id -> shifts that cannot follow it
    staff: list[Staff]
    days_off: dict[str, list[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: list[tuple[int, str, int, int, int]] = field(default_factory=list)


def read_instance(path: Path) -> Instance:
    """Parse the Curtois & Qu text format."""
    sections: dict[str, list[str]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    inst = Instance(path.stem, int(sections["SECTION_HORIZON"][0]), {}, {}, [])
    for line in sections.get("SECTION_SHIFTS", []):
        sid, minutes, *rest = line.split(",")
        inst.shifts[sid] = int(minutes)
        inst.forbidden[sid] = [s for s in (rest[0] if rest else "").split("|") if s]
    for line in sections.get("SECTION_STAFF", []):
        parts = line.split(",")
        caps = {}
        for item in parts[1].split("|"):
            if item:
                k, v = item.split("=")
                caps[k] = int(v)
        nums = [int(v) for v in parts[2:]]
        inst.staff.append(Staff(parts[0], caps, *nums))
    for line in sections.get("SECTION_DAYS_OFF", []):
        sid, *days = line.split(",")
        inst.days_off[sid] = [int(d) for d in days if d != ""]
    for key, target in (
        ("SECTION_SHIFT_ON_REQUESTS", inst.on_requests),
        ("SECTION_SHIFT_OFF_REQUESTS", inst.off_requests),
    ):
        for line in sections.get(key, []):
            e, d, s, w = line.split(",")
            target.append((e, int(d), s, int(w)))
    for line in sections.get("SECTION_COVER", []):
        d, s, req, under, over = line.split(",")
        inst.cover.append((int(d), s, int(req), int(under), int(over)))
    return inst


def build_model(inst: Instance) -> tuple[MipModel, np.ndarray]:
    """The compact model; returns it and ``x`` column indices, shape (staff, days, shifts)."""
    m = MipModel(inst.name)
    n_e, n_d, types = len(inst.staff), inst.days, list(inst.shifts)
    n_t = len(types)
    t_index = {t: i for i, t in enumerate(types)}
    e_index = {s.sid: i for i, s in enumerate(inst.staff)}
    x = m.add_vars(n_e * n_d * n_t, ub=1.0, integer=True, name="x").reshape(n_e, n_d, n_t)
    minutes = np.array([inst.shifts[t] for t in types], float)
    for e, st in enumerate(inst.staff):
        for d in inst.days_off.get(st.sid, []):
            m.set_upper(x[e, d], 0.0)
        for d in range(n_d):  # one shift a day
            m.add_row(x[e, d], 1.0, -math.inf, 1.0)
        for t, cap in st.max_shifts.items():  # max shifts per type
            if cap < n_d:
                m.add_row(x[e, :, t_index[t]], 1.0, -math.inf, cap)
        m.add_row(x[e].ravel(), np.tile(minutes, n_d), st.min_minutes, st.max_minutes)
        for t, banned in inst.forbidden.items():  # forbidden successions
            for u in banned:
                for d in range(n_d - 1):
                    m.add_row([x[e, d, t_index[t]], x[e, d + 1, t_index[u]]], 1.0, -math.inf, 1.0)
        cmax = st.max_consecutive
        for d in range(n_d - cmax):
            m.add_row(x[e, d : d + cmax + 1].ravel(), 1.0, -math.inf, cmax)
        # no block of s < min worked days between two days off (inside the horizon)
        for s in range(1, st.min_consecutive):
            for d in range(n_d - s - 1):
                cols = np.r_[x[e, d], x[e, d + 1 : d + s + 1].ravel(), x[e, d + s + 1]]
                coef = np.r_[np.ones(n_t), -np.ones(s * n_t), np.ones(n_t)]
                m.add_row(cols, coef, 1 - s, math.inf)
        # no block of s < min days off between two worked days (inside the horizon)
        for s in range(1, st.min_days_off):
            for d in range(n_d - s - 1):
                cols = np.r_[x[e, d], x[e, d + 1 : d + s + 1].ravel(), x[e, d + s + 1]]
                coef = np.r_[-np.ones(n_t), np.ones(s * n_t), -np.ones(n_t)]
                m.add_row(cols, coef, -1.0, math.inf)
        # max weekends worked (Saturday = day 5 of each week, Sunday = day 6)
        weekends = [(w * 7 + 5, w * 7 + 6) for w in range(n_d // 7)]
        k = m.add_vars(len(weekends), ub=1.0, integer=True, name="weekend")
        for i, (sat, sun) in enumerate(weekends):
            m.add_row(np.r_[k[i], x[e, sat]], np.r_[1.0, -np.ones(n_t)], 0.0, math.inf)
            m.add_row(np.r_[k[i], x[e, sun]], np.r_[1.0, -np.ones(n_t)], 0.0, math.inf)
            m.add_row(
                np.r_[k[i], x[e, sat], x[e, sun]], np.r_[1.0, -np.ones(2 * n_t)], -math.inf, 0.0
            )
        m.add_row(k, 1.0, -math.inf, st.max_weekends)
    for e_id, d, t, w in inst.on_requests:  # weight when the shift is not given
        m.offset += w
        m.add_cost([x[e_index[e_id], d, t_index[t]]], -w)
    for e_id, d, t, w in inst.off_requests:  # weight when the shift is given
        m.add_cost([x[e_index[e_id], d, t_index[t]]], w)
    for d, t, req, w_under, w_over in inst.cover:
        u = m.add_vars(1, cost=w_under, name="under")
        o = m.add_vars(1, cost=w_over, name="over")
        m.add_row(np.r_[x[:, d, t_index[t]], u, o], np.r_[np.ones(n_e), 1.0, -1.0], req, req)
    return m, x


def parse_range(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="1-12")
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--first-share",
        type=float,
        default=0.5,
        help="share of the time limit for the full MIP before the search",
    )
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found (the shared benchmark data sits beside the repo)")
        return 0
    best = {r["instance"]: r for r in csv.DictReader((DATA / "best_known.csv").open())}
    print(
        "| instance | staff x days x shifts | objective | best known | vs best | bound | "
        "gap | status | time s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for i in parse_range(args.instances):
        inst = read_instance(DATA / f"Instance{i}.txt")
        t0 = time.perf_counter()
        model, x = build_model(inst)
        settings = SolverSettings(time_limit_s=args.time_limit, mip_gap=0.0, threads=args.threads)
        rep = solve_model(model, settings, time_limit_s=args.first_share * args.time_limit)
        moves = ""
        if rep.has_solution and rep.status != "optimal":
            # then re-solve a few employees at a time, the others fixed (bound from above)
            blocks = [x[e].ravel() for e in range(x.shape[0])]
            rep, improved, tries = neighbourhood_search(
                model,
                blocks,
                rep,
                settings,
                deadline=t0 + args.time_limit,
                bound=rep.bound,
                size=max(2, len(blocks) // 4),
                sub_limit_s=20.0,
                max_stale=10**6,
            )
            moves = f" (+LNS {improved}/{tries})"
        elif not rep.has_solution:
            left = t0 + args.time_limit - time.perf_counter()
            rep = solve_model(model, settings, time_limit_s=max(1.0, left))
        secs = time.perf_counter() - t0
        known = float(best[inst.name]["best_upper_bound"])
        vs = (rep.objective - known) / known
        print(
            f"| {inst.name} | {len(inst.staff)} x {inst.days} x {len(inst.shifts)} | "
            f"{rep.objective:,.0f} | {known:,.0f} | {vs:+.2%} | {rep.bound:,.1f} | "
            f"{rep.gap:.2%} | {rep.status}{moves} | {secs:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
