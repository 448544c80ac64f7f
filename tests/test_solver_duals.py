"""Row duals of an LP solved by HiGHS (``SolveReport.row_dual``), checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from staffplan.scheduling import SolverSettings
from staffplan.scheduling.solver import MipModel, solve_model

pytest.importorskip("highspy")


def _tiny_lp(integer: bool = False) -> MipModel:
    """min x + 2y  s.t.  x + y >= 3,  x <= 2,  x + 3y <= 10,  x, y >= 0.

    Optimum x = 2, y = 1, objective 4. Raising the cover row to 4 gives y = 2 (objective
    +2): dual 2. Raising the cap on x to 3 gives x = 3, y = 0 (objective -1): dual -1.
    The last row is slack: dual 0. Check: reduced costs 1 - (2 - 1) = 0 and 2 - 2 = 0.
    """
    m = MipModel("tiny")
    v = m.add_vars(2, cost=np.array([1.0, 2.0]), integer=integer, name="v")
    m.add_row(v, 1.0, 3.0, math.inf)
    m.add_row(v[:1], 1.0, -math.inf, 2.0)
    m.add_row(v, np.array([1.0, 3.0]), -math.inf, 10.0)
    return m


def test_row_duals_of_a_tiny_lp():
    rep = solve_model(_tiny_lp(), SolverSettings(time_limit_s=10))
    assert rep.status == "optimal"
    assert rep.objective == pytest.approx(4.0)
    np.testing.assert_allclose(rep.values, [2.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(rep.row_dual, [2.0, -1.0, 0.0], atol=1e-9)


def test_no_row_duals_for_a_mip():
    rep = solve_model(_tiny_lp(integer=True), SolverSettings(time_limit_s=10))
    assert rep.status == "optimal"
    assert rep.row_dual.size == 0
