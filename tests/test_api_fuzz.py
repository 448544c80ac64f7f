"""Property-based tests of the API from its own OpenAPI document (schemathesis, via ASGI).

Every GET endpoint and ``POST /scenarios`` (with the token) get valid and invalid requests;
the answers must not be server errors, must use documented status codes and must match the
documented response schemas. Half of the generated plan ids are replaced by stored ones so the
filters run against real data, not only against 404s.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from staffplan.api import create_app
from staffplan.store import PlanStore
from test_api import AUTH, TOKEN, write_plan  # tests/ is on sys.path

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
KNOWN_PLANS = st.sampled_from([None, "plan-a", "scenario-a"])


def _app():
    """The API over a store with a plan, a scenario of it and a finished job."""
    root = Path(_TEMP.name)
    store = PlanStore(root / "store")
    early = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    store.add(write_plan(root / "plan", "plan-a", created_at=early))
    comparison = [{"queue": "sales", "scheduled_hours_base": 8.0, "scheduled_hours_scenario": 9.0}]
    scenario = write_plan(
        root / "scenario", "scenario-a", scenario={"name": "peak"}, comparison=comparison
    )
    store.add(scenario, kind="scenario", parent_id="plan-a", name="peak")
    job = store.create_job("plan-a", {"plan_id": "plan-a"})
    store.update_job(job.id, status="failed", error="for the listing")
    return create_app(store, token=TOKEN, run_jobs_inline=True)


# Built at import: schemathesis' fixture loader (schemathesis.pytest.from_fixture) breaks on
# pytest 9 (it sets the removed Node._nodeid). The folder is removed when Python exits.
_TEMP = tempfile.TemporaryDirectory(prefix="staffplan-fuzz-")
schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


def _refuse(*args, **kwargs):
    raise ValueError("what-if not run in the fuzz test")


@pytest.fixture(scope="module", autouse=True)
def instant_jobs():
    """Jobs run inline: make each what-if fail at once instead of computing."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("staffplan.whatif.run_whatif", _refuse)
        yield


@schema.include(method="GET").parametrize()
@schema.given(known=KNOWN_PLANS)
@FUZZ
def test_get_endpoints(case, known):
    if known is not None and "plan_id" in (case.path_parameters or {}):
        case.path_parameters["plan_id"] = known
    case.call_and_validate(checks=CHECKS)


@schema.include(method="POST", path="/scenarios").parametrize()
@schema.given(known=KNOWN_PLANS)
@settings(FUZZ, phases=[Phase.generate, Phase.target, Phase.shrink])  # no schema examples
def test_post_scenarios_with_the_token(case, known):
    if known is not None and isinstance(case.body, dict):
        case.body["plan_id"] = known
    response = case.call_and_validate(headers=AUTH, checks=CHECKS)
    if response.status_code == 202:
        assert response.json()["error"] == "what-if not run in the fuzz test"
