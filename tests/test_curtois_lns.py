"""The large-neighbourhood search of ``benchmarks/curtois_qu_lns.py`` on small instances.

From a poor roster (every employee on its cheapest schedule for its own requests, cover
ignored) the search must return rosters that break no hard rule (``violations``) and cost
no more than the start (``penalty``), with and without a column generation. Skipped when
the shared Curtois & Qu data is absent.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "curtois_qu_lns", ROOT / "benchmarks/curtois_qu_lns.py"
)
L = importlib.util.module_from_spec(_spec)
sys.modules["curtois_qu_lns"] = L  # dataclasses look their module up
_spec.loader.exec_module(L)
cq = L.cq

pytestmark = pytest.mark.skipif(not cq.DATA.exists(), reason="shared Curtois & Qu data absent")


def _poor_start(inst):
    """Each employee's cheapest schedule for its requests alone (hard rules kept)."""
    cost, _ = cq.request_costs(inst)
    scheds = []
    for e, st in enumerate(inst.staff):
        _, sched = cq.ScheduleDP(inst, st).solve(cost[e])
        scheds.append(sched)
    return L.to_roster(inst, np.array(scheds))


@pytest.mark.parametrize(("number", "use_cg"), [(1, False), (3, True), (2, True)])
def test_lns_keeps_rules_and_never_worsens(number, use_cg):
    inst = cq.read_instance(cq.DATA / f"Instance{number}.txt")
    settings = cq.SolverSettings(time_limit_s=60, mip_gap=0.0, threads=1)
    cg = None
    if use_cg:
        cg = cq.ColumnGeneration(inst)
        cg.run(settings, time.perf_counter() + 10.0)
    out = cq.Result(inst)
    if cg is not None:
        out.raise_bound(cg.bound, "CG")
    start = _poor_start(inst)
    assert cq.violations(inst, start) == []
    out.offer(start, cq.penalty(inst, start), "start")
    before = out.value
    stats = L.lns(inst, cg, out, settings, time.perf_counter() + 3.0, seed=1)
    assert cq.violations(inst, out.roster) == []
    assert cq.penalty(inst, out.roster) == out.value <= before
    assert out.value < before  # the poor start is easy to improve
    assert stats.trace[0][1] == before
    assert [v for _, v in stats.trace] == sorted((v for _, v in stats.trace), reverse=True)
    if cg is not None:
        assert out.value >= out.bound
