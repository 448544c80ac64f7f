"""Plan recommendations name the queue, the time, the gap and a fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from staffplan.advice import plan_recommendations, shared_skills
from staffplan.config import load_config

GOOD = Path(__file__).parent / "data" / "good" / "plan.toml"


def _coverage():
    starts = pd.date_range("2026-05-18 08:00", periods=16, freq="15min", tz="Europe/Amsterdam")
    support_sl = np.full(16, 0.85)
    support_sl[8:12] = [0.70, 0.65, 0.72, 0.74]  # 10:00-11:00 below the 80 % target
    support_sl[14] = 0.70  # a single dip: ignored
    scheduled = np.full(16, 20.0)
    scheduled[8:12] = [17, 16, 18, 18]
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": "support",
                    "calls": 50.0,
                    "required": 20.0,
                    "scheduled": scheduled,
                    "service_level": support_sl,
                }
            ),
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "queue": "sales",
                    "calls": 30.0,
                    "required": 10.0,
                    "scheduled": 13.0,
                    "service_level": 0.95,
                }
            ),
        ],
        ignore_index=True,
    )


def test_understaffed_run_with_a_donor_queue():
    config = load_config(GOOD)
    pairs = shared_skills([{"sales": 1, "support": 2}, {"support": 1}])
    recs = plan_recommendations(_coverage(), config, pairs=pairs)
    assert len(recs) == 1
    rec = recs[0]
    assert rec.queue == "support" and rec.agents == 4
    assert rec.message.startswith("support under target Mon 10:00-11:00 (expected 70% vs 80%)")
    assert "+4 agents, or move 3 multi-skilled agents from sales" in rec.message


def test_no_donor_without_shared_skills():
    config = load_config(GOOD)
    recs = plan_recommendations(_coverage(), config, pairs=set())
    assert "move" not in recs[0].message


def test_email_arriving_while_closed_asks_for_hours_or_a_deadline_not_agents():
    # Saturday evening email with the centre closed until Monday: no agent can be rostered
    # (required and scheduled 0), so "+1 agent" would be wrong advice
    config = load_config(GOOD)
    starts = pd.date_range("2026-05-23 18:00", periods=25, freq="15min", tz="Europe/Amsterdam")
    closed = pd.DataFrame(
        {
            "interval_start": starts,
            "queue": "email",
            "calls": 1.5,
            "required": 0.0,
            "scheduled": 0.0,
            "service_level": 0.0,
        }
    )
    recs = plan_recommendations(pd.concat([_coverage(), closed], ignore_index=True), config)
    assert [r.kind for r in recs] == ["understaffed", "closed"]
    rec = recs[1]
    assert rec.queue == "email" and rec.agents is None
    assert rec.message == (
        "email under target Sat 18:00-Sun 00:15 (expected 0% vs 90%): items arriving then "
        "wait past the 24 h deadline while the centre is closed; open longer, or agree a "
        "longer deadline for them"
    )
