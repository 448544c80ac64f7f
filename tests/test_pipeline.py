"""The weekly plan end to end on the sample centre: every output, plan.json against its
published schema, the roster against the hard rules, the service against the targets."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from staffplan.errors import InputError
from staffplan.forecast import SpecialDays, forecast
from staffplan.io import read_model_cards
from staffplan.pipeline import run_plan
from staffplan.scheduling import validate_roster

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "data" / "samples"
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    config = (SAMPLES / "plan.toml").read_text().replace("time_limit_s = 30", "time_limit_s = 15")
    (folder / "plan.toml").write_text(config)
    result = run_plan(
        SAMPLES / "history.csv",
        folder / "plan.toml",
        folder / "out",
        agents_path=SAMPLES / "agents.csv",
        availability_path=SAMPLES / "availability.csv",
        simulate=3,
        seed=1,
    )
    return result, folder / "out"


def test_every_output_is_written(plan):
    _, out = plan
    names = {p.name for p in out.iterdir()}
    expected = {
        "forecast.csv",
        "requirements.csv",
        "roster.csv",
        "activities.csv",
        "coverage.csv",
        "roster.ics",
        "plan.json",
        "report.html",
    }
    assert expected <= names
    assert any(n.startswith("report_") and n.endswith(".png") for n in names)
    assert not [n for n in names if n.endswith(".tmp")]


def test_the_plan_keeps_the_forecast_models_that_reproduce_its_forecast(plan):
    """models/<queue>.json are the cards the forecast was made with: forecasting the same
    history with them (no reselection) gives forecast.csv back."""
    result, out = plan
    cards = read_model_cards(out / "models")
    assert sorted(cards) == sorted(result.config.queue_names)
    again = forecast(
        result.history,
        "7D",
        cards=cards,
        calendar=SpecialDays(country=result.config.center.country),
    )
    written = pd.read_csv(out / "forecast.csv")
    assert len(again) == len(written)
    for column in ("calls", "calls_lo", "calls_hi", "aht_s"):
        assert again[column].to_numpy() == pytest.approx(written[column].to_numpy(), abs=1e-9)
    for queue in cards:
        data = json.loads((out / "models" / f"{queue}.json").read_text())
        assert data["queue"] == queue
        assert data["training_window"]["end"] < str(again["interval_start"].min().date())
        assert set(data["metrics"]) >= {data["method"]}  # the chosen one was backtested
    report = (out / "report.html").read_text()
    for card in cards.values():  # the report names each queue's method
        assert html.escape(card.spec.label) in report


def test_the_shipped_sample_cards_are_what_the_code_fits(plan):
    """models/sample_centre/ must not go stale: the sample plan fits the same cards (the
    library versions aside). When this fails after a forecasting change, copy
    out/models/*.json into models/sample_centre/ after `make demo`."""
    _, out = plan
    for path in sorted((ROOT / "models" / "sample_centre").glob("*.json")):
        shipped = json.loads(path.read_text())
        fitted = json.loads((out / "models" / path.name).read_text())
        shipped.pop("versions"), fitted.pop("versions")
        assert shipped.keys() == fitted.keys(), path.name
        for key in shipped:
            if isinstance(shipped[key], float):
                assert fitted[key] == pytest.approx(shipped[key], rel=1e-9), (path.name, key)
            elif key == "metrics":
                assert fitted[key].keys() == shipped[key].keys(), path.name
                for name, wape in shipped[key].items():
                    assert fitted[key][name] == pytest.approx(wape, rel=1e-9), (path.name, name)
            else:
                assert fitted[key] == shipped[key], (path.name, key)
    assert len(list((ROOT / "models" / "sample_centre").glob("*.json"))) == 4


def test_plan_json_follows_the_published_schema(plan):
    result, out = plan
    document = json.loads((out / "plan.json").read_text())
    jsonschema.validate(document, SCHEMA)
    assert document["plan_id"] == result.plan_id
    assert {q["queue"] for q in document["queues"]} == {"sales", "support", "chat", "email"}
    assert len(document["roster"]) == len(result.schedule.roster)


def test_expected_weekly_service_meets_every_target(plan):
    result, _ = plan
    weekly = result.weekly.set_index("queue")
    assert (weekly["service_level"] >= weekly["target_service_level"]).all(), weekly


def test_roster_keeps_the_hard_rules_but_contract_minimums(plan):
    result, _ = plan
    sched = result.schedule
    violations = validate_roster(
        sched.roster,
        sched.activities,
        result.config.shifts,
        result.agents,
        availability=None,
    )
    # Contract minimum hours are still missed for some agents (issue 5 is open on roster
    # quality); every other hard rule holds and the pipeline reports what it finds.
    assert set(violations["rule"]) <= {"min_hours"}
    assert len(violations) == len(sched.violations)


def test_ics_has_one_event_per_shift(plan):
    result, out = plan
    text = (out / "roster.ics").read_text()
    assert text.count("BEGIN:VEVENT") >= len(result.schedule.roster)


def test_coverage_columns(plan):
    _, out = plan
    coverage = pd.read_csv(out / "coverage.csv")
    for column in ("interval_start", "queue", "required", "scheduled", "service_level", "asa_s"):
        assert column in coverage.columns


def test_whatif_on_the_plan(plan):
    from typer.testing import CliRunner

    from staffplan.cli import app

    _, out = plan
    runner = CliRunner()
    result = runner.invoke(app, ["whatif", "--plan-dir", str(out), "--sl", "sales=90/20"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("│ sales"))
    assert "+" in row.split("│")[4]  # 90/20 costs more scheduled hours than 80/20
    curve = runner.invoke(
        app, ["whatif", "--plan-dir", str(out), "--sl-grid", "sales=70/20,80/20,90/20"]
    )
    assert curve.exit_code == 0, curve.output
    table = pd.read_csv(out / "whatif_sla_sales.csv")
    assert table["scheduled_hours"].is_monotonic_increasing
    assert (out / "whatif_sla_sales.png").stat().st_size > 1000
    bad = runner.invoke(app, ["whatif", "--plan-dir", str(out), "--sl", "sale=90/20"])
    assert bad.exit_code == 2 and "unknown queue sale" in bad.output


def test_simulated_service_comes_with_bounds(plan):
    result, out = plan
    weekly = result.weekly.set_index("queue")
    lo, mid, hi = (weekly[f"sim_service_level{s}"] for s in ("_lo", "", "_hi"))
    assert ((lo >= 0) & (lo <= mid) & (mid <= hi) & (hi <= 1.0 + 1e-9)).all()
    # the expected figure over the contacts the simulation scores: every call and chat;
    # email items only when due inside the horizon (so it is a different weighting there)
    immediate = weekly.drop(index="email")
    np.testing.assert_allclose(
        immediate["sim_expected_service_level"], immediate["service_level"], rtol=1e-12
    )
    assert 0.0 <= weekly.loc["email", "sim_expected_service_level"] <= 1.0
    coverage = pd.read_csv(out / "coverage.csv")
    assert "sim_service_level" in coverage.columns and "sim_abandon_rate_hi" in coverage.columns
    document = json.loads((out / "plan.json").read_text())
    assert all(q["simulated_service_level"] is not None for q in document["queues"])


def test_simulated_service_agrees_with_the_expected_service(plan):
    # Issue 7: the roster's expected weekly service level (the roster model of
    # staffplan.pooling.evaluate_roster) meets every target and agrees with a simulation of
    # the same roster (fixed seed, 30 replications, as benchmarks/sim_vs_analytic.py; seed 1's
    # first 10 run 1-2 points above the 30-replication means): inside the simulation's 95%
    # confidence interval widened by one point, since the roster (a time-limited solve)
    # differs between machines. On the demo roster of 23:38 UTC, 23 Nov 2026, the model is
    # inside the bare interval for every queue at 200 replications with seeds 1, 11, 21 and
    # 31; on seven generated centres it misses it by at most 0.4 points at 100 (BENCHMARKS.md,
    # "Email of a roster: its own agents and whole-day absence").
    from staffplan.evaluate import evaluate_coverage, weekly_service
    from staffplan.simulation import simulate

    result, _ = plan
    sched, config = result.schedule, result.config
    expected = evaluate_coverage(
        sched.coverage,
        result.forecast,
        config,
        activities=sched.activities,
        roster=sched.roster,
    )
    sim = simulate(
        sched.activities,
        result.forecast,
        config,
        roster=sched.roster,
        replications=30,
        seed=1,
        absence=config.center.shrinkage,
    )
    simulated = sim.queues.set_index("queue")
    # over the contacts the simulation scores (email items due after the horizon are not)
    weekly = weekly_service(expected, config, scored=sim.intervals).set_index("queue")
    table = weekly[["service_level", "target_service_level"]].join(
        simulated[["sim_service_level_lo", "sim_service_level", "sim_service_level_hi"]]
    )
    assert (table["service_level"] >= table["target_service_level"]).all(), table.to_string()
    model_accuracy = 0.01
    inside = (table["sim_service_level_lo"] - model_accuracy <= table["service_level"]) & (
        table["service_level"] <= table["sim_service_level_hi"] + model_accuracy
    )
    assert inside.all(), table.to_string()


def test_a_plan_keeps_the_methods_of_the_model_cards_it_is_given(plan, tmp_path):
    """--models: a queue with a card keeps the card's method (here a 4-week mean forced on
    sales) instead of a new selection; the others keep theirs, so their forecast is the
    plan's."""
    result, out = plan
    text = (SAMPLES / "plan.toml").read_text()
    (tmp_path / "plan.toml").write_text(text[: text.index("[shifts]")])  # forecast only
    models = tmp_path / "models"
    shutil.copytree(out / "models", models)
    card = json.loads((models / "sales.json").read_text())
    card["spec"] = {"name": "weekly_mean", "params": {"weeks": 4}, "parts": []}
    (models / "sales.json").write_text(json.dumps(card))
    again = run_plan(
        SAMPLES / "history.csv", tmp_path / "plan.toml", tmp_path / "out", models_path=models
    )
    assert again.cards["sales"].spec.label == "weekly_mean(weeks=4)"
    key = ["interval_start", "queue"]
    new = again.forecast.set_index(key)
    old = result.forecast.set_index(key).loc[new.index]
    for queue in ("support", "chat", "email"):
        assert again.cards[queue].spec == result.cards[queue].spec
        mine = new.xs(queue, level="queue")["calls"].to_numpy()
        assert mine == pytest.approx(old.xs(queue, level="queue")["calls"].to_numpy())
    direct = forecast(
        result.history,
        "7D",
        method=("weekly_mean", {"weeks": 4}),
        calendar=SpecialDays(country=result.config.center.country),
    ).set_index(key)
    assert new.xs("sales", level="queue")["calls"].to_numpy() == pytest.approx(
        direct.xs("sales", level="queue").loc[new.xs("sales", level="queue").index, "calls"]
    )
    # a card made for another interval length is refused, naming the file
    card["interval_minutes"] = 30
    (models / "sales.json").write_text(json.dumps(card))
    with pytest.raises(InputError, match="30-minute") as caught:
        run_plan(
            SAMPLES / "history.csv", tmp_path / "plan.toml", tmp_path / "o2", models_path=models
        )
    assert caught.value.problems[0].file.endswith("sales.json")
    assert not (tmp_path / "o2").exists()
    # a folder without cards (a typo, say) is refused rather than silently ignored
    with pytest.raises(InputError, match="no model cards"):
        run_plan(
            SAMPLES / "history.csv",
            tmp_path / "plan.toml",
            tmp_path / "o3",
            models_path=tmp_path / "modles",
        )
    assert not (tmp_path / "o3").exists()
