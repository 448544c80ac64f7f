"""The command line: version, the sample centre round trip, validate and demo."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from staffplan import __version__, load_config, read_agents, read_history
from staffplan.cli import app
from staffplan.summary import summarize_history

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"staffplan {__version__}"


@pytest.fixture(scope="module")
def written_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    result = runner.invoke(app, ["sample", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_sample_writes_every_file_small(written_sample):
    names = sorted(p.name for p in written_sample.iterdir())
    assert names == sorted(
        [
            "plan.toml",
            "history.csv",
            "agents.csv",
            "availability.csv",
            "agent_states.csv.gz",
            "contacts.csv.gz",
            "agent_history.csv",
            "states_roster.csv",
            "states_activities.csv.gz",
        ]
    )
    total = sum(p.stat().st_size for p in written_sample.iterdir())
    assert total < 5 * 1024 * 1024


def test_committed_sample_is_the_generator_output(written_sample):
    """data/samples/ must be exactly what `staffplan sample` writes (regenerate, don't edit)."""
    for path in written_sample.iterdir():
        committed = SAMPLES / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale"


def test_sample_passes_validation_with_a_summary():
    result = runner.invoke(
        app,
        [
            "validate",
            "--history",
            str(SAMPLES / "history.csv"),
            "--config",
            str(SAMPLES / "plan.toml"),
            "--agents",
            str(SAMPLES / "agents.csv"),
            "--availability",
            str(SAMPLES / "availability.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    for phrase in ("sales", "support", "chat", "email", "15-minute intervals", "Inputs are valid"):
        assert phrase in result.output


def test_sample_summary_agrees_with_the_files(tmp_path):
    report = tmp_path / "summary.json"
    args = ["validate", "--history", str(SAMPLES / "history.csv")]
    args += ["--config", str(SAMPLES / "plan.toml"), "--agents", str(SAMPLES / "agents.csv")]
    result = runner.invoke(app, [*args, "--report", str(report)])
    assert result.exit_code == 0, result.output
    summary = json.loads(report.read_text())
    raw = pd.read_csv(SAMPLES / "history.csv")
    for queue in summary["history"]["queues"]:
        rows = raw[raw["queue"] == queue["queue"]]
        assert queue["offered"] == rows["offered"].sum()
        assert queue["handled"] == rows["handled"].sum()
        assert queue["intervals"] == len(rows)
    assert summary["agents"]["agents"] == len(pd.read_csv(SAMPLES / "agents.csv"))
    assert summary["history"]["first_interval"].startswith("2026-02-23T")


def test_sample_history_has_a_dst_change_and_a_closed_holiday():
    config = load_config(SAMPLES / "plan.toml")
    history = read_history(SAMPLES / "history.csv", config)
    offsets = history.frame["interval_start"].map(lambda t: t.utcoffset()).unique()
    assert len(offsets) == 2  # CET and CEST
    assert not [w for w in history.warnings if w.message.startswith("gap:")]
    holidays = summarize_history(history.frame, config).holidays
    assert "Mon 2026-04-06 Easter Monday (closed: sales, support, chat)" in holidays
    assert len(read_agents(SAMPLES / "agents.csv", config).frame) >= 100


def test_demo_writes_outputs_and_says_where(tmp_path):
    result = runner.invoke(app, ["demo", "--samples", str(SAMPLES), "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "validation.json").is_file()
    assert str(tmp_path.resolve()) in result.output.replace("\n", "")
