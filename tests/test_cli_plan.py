"""The forecast, backtest and plan commands on the sample centre."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from staffplan.cli import app

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
BASE = ["--history", str(SAMPLES / "history.csv"), "--config", str(SAMPLES / "plan.toml")]
runner = CliRunner()


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast")
    args = ["forecast", *BASE, "--out", str(folder / "forecast.csv")]
    result = runner.invoke(app, [*args, "--save-models", str(folder / "models")])
    assert result.exit_code == 0, result.output
    return folder


def test_forecast_covers_the_week_after_the_history(forecast_run):
    frame = pd.read_csv(forecast_run / "forecast.csv")
    assert list(frame.columns) == [
        "interval_start",
        "queue",
        "calls",
        "calls_lo",
        "calls_hi",
        "aht_s",
    ]
    starts = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert("Europe/Amsterdam")
    assert starts.min() == pd.Timestamp("2026-05-18 00:00", tz="Europe/Amsterdam")
    assert starts.max() == pd.Timestamp("2026-05-24 23:45", tz="Europe/Amsterdam")
    assert (frame["calls_lo"] <= frame["calls"]).all()
    assert (frame["calls"] <= frame["calls_hi"]).all()
    sunday_voice = (starts.dt.day_of_week == 6) & frame["queue"].isin(["sales", "support"])
    assert (frame.loc[sunday_voice, "calls"] == 0).all()  # closed stays closed


def test_model_cards_are_json_and_reused(forecast_run, tmp_path):
    cards = sorted((forecast_run / "models").glob("*.json"))
    assert [p.stem for p in cards] == ["chat", "email", "sales", "support"]
    card = json.loads(cards[0].read_text())
    assert {"spec", "dispersion", "training_window", "metrics", "versions"} <= set(card)
    again = tmp_path / "again.csv"
    args = ["forecast", *BASE, "--out", str(again), "--models", str(forecast_run / "models")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == (forecast_run / "forecast.csv").read_bytes()


def test_reused_cards_are_saved_refitted_to_the_new_history(forecast_run, tmp_path):
    """--models keeps each queue's method; --save-models then writes cards that describe
    this forecast (its training window), not copies of the old ones."""
    history = pd.read_csv(SAMPLES / "history.csv")
    history[history["interval_start"] < "2026-05-11"].to_csv(tmp_path / "h.csv", index=False)
    args = ["forecast", "--history", str(tmp_path / "h.csv"), "--config", BASE[3]]
    args += ["--out", str(tmp_path / "f.csv"), "--models", str(forecast_run / "models")]
    result = runner.invoke(app, [*args, "--save-models", str(tmp_path / "saved")])
    assert result.exit_code == 0, result.output
    for old_path in sorted((forecast_run / "models").glob("*.json")):
        old = json.loads(old_path.read_text())
        new = json.loads((tmp_path / "saved" / old_path.name).read_text())
        assert new["spec"] == old["spec"]  # the method is kept
        assert new["training_window"]["end"] < old["training_window"]["end"]


def test_a_broken_model_card_is_named(tmp_path):
    (tmp_path / "sales.json").write_text("{not json")
    args = ["forecast", *BASE, "--out", str(tmp_path / "f.csv"), "--models", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "sales.json" in result.output and "not a staffplan model card" in result.output


def test_backtest_prints_a_table():
    args = ["backtest", *BASE, "--methods", "seasonal_naive,weekly_mean", "--origins", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "seasonal_naive" in result.output and "WAPE" in result.output


def test_plan_writes_outputs_and_a_failed_plan_keeps_them(tmp_path):
    args = ["plan", *BASE, "--out-dir", str(tmp_path), "--agents", str(SAMPLES / "agents.csv")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written = {
        str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    assert {"forecast.csv", "requirements.csv", "models/sales.json"} <= set(written)
    if "roster.csv" in written:  # the roster's status is given with what it is optimal over
        assert "roster note: roster" in result.output and "candidate shifts" in result.output
    # one week of history is too little to forecast: the plan fails, the outputs stay
    short = pd.read_csv(SAMPLES / "history.csv")
    short = short[short["interval_start"] >= "2026-05-11"]
    short.to_csv(tmp_path / "short.csv", index=False)
    bad = [
        "plan",
        "--history",
        str(tmp_path / "short.csv"),
        "--config",
        str(SAMPLES / "plan.toml"),
        "--out-dir",
        str(tmp_path),
    ]
    failed = runner.invoke(app, bad)
    assert failed.exit_code == 2
    assert "forecast" in failed.output and "2 weeks" in failed.output
    for name, content in written.items():
        assert (tmp_path / name).read_bytes() == content


def test_report_kpi_writes_tables_figures_and_html(tmp_path):
    args = ["report", "kpi", "--states", str(SAMPLES / "agent_states.csv.gz")]
    args += ["--history", str(SAMPLES / "history.csv"), "--config", str(SAMPLES / "plan.toml")]
    args += ["--agents", str(SAMPLES / "agents.csv"), "--out-dir", str(tmp_path), "--by", "team"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    names = {p.name for p in tmp_path.iterdir()}
    assert {"kpi.html", "kpi.json", "kpi_operators.csv", "kpi_teams.csv"} <= names
    assert any(n.endswith(".png") for n in names)
    assert "Performance by team" in result.output
    kpi = json.loads((tmp_path / "kpi.json").read_text())
    assert kpi  # a JSON object for the dashboard


def test_report_kpi_refuses_an_unknown_period(tmp_path):
    args = ["report", "kpi", "--states", str(SAMPLES / "agent_states.csv.gz"), *BASE]
    result = runner.invoke(app, [*args, "--period", "fortnight"])
    assert result.exit_code == 2 and "day, week or month" in result.output
