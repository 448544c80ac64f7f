"""The corpus of bad input files: each is refused with exit code 2 and a message that names
the place and the problem, and no traceback reaches the user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from staffplan.cli import app

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"

# (bad file, role, key phrases the message must contain, in order of appearance)
CASES = [
    ("history_missing_column.csv", "history", ["column 'abandoned'", "is missing"]),
    ("history_misspelt_column.csv", "history", ["'offered'", "rename column 'ofered'"]),
    ("history_bad_timestamp.csv", "history", ["line 2", "'02/03/2026 08:00'", "ISO 8601"]),
    ("history_nonexistent_dst.csv", "history", ["line 2", "does not exist", "daylight-saving"]),
    ("history_ambiguous_dst.csv", "history", ["line 2", "is ambiguous", "UTC offset"]),
    ("history_misaligned.csv", "history", ["line 2", "08:07", "15-minute grid"]),
    ("history_duplicate_rows.csv", "history", ["line 14", "duplicate row"]),
    ("history_negative_count.csv", "history", ["line 2", "'abandoned'", "'-1'", "at least 0"]),
    ("history_handled_gt_offered.csv", "history", ["'handled'", "'75'", "greater than offered"]),
    ("history_abandoned_exceeds.csv", "history", ["'abandoned'", "handled + abandoned"]),
    ("history_nan_count.csv", "history", ["'offered'", "'NaN'", "number is required"]),
    ("history_empty_cell.csv", "history", ["'handled'", "empty cell"]),
    ("history_text_in_count.csv", "history", ["'fifty'", "expected a number"]),
    ("history_fractional_count.csv", "history", ["'52.5'", "whole number"]),
    ("history_aht_zero.csv", "history", ["'aht_s'", "handle time is 0"]),
    ("history_aht_missing.csv", "history", ["'aht_s'", "number is required"]),
    ("history_unknown_queue.csv", "history", ["line 14", "'sale'", "did you mean 'sales'"]),
    ("history_empty.csv", "history", ["history_empty.csv", "empty"]),
    ("history_header_only.csv", "history", ["no data rows"]),
    ("history_excel.csv", "history", ["expected a CSV", "Excel"]),
    ("history_binary.csv", "history", ["expected a CSV", "binary"]),
    ("history_latin1.csv", "history", ["not UTF-8", "save the CSV with UTF-8"]),
    ("history_ragged.csv", "history", ["not a consistent CSV", "line 5"]),
    ("history_sl_gt_handled.csv", "history", ["'answered_in_sl'", "greater than handled"]),
    ("history_channel_mismatch.csv", "history", ["'channel'", "'chat'", "differs"]),
    ("history_30min_data.csv", "history", ["30-minute intervals", "interval_minutes is 15"]),
    ("config_unknown_key.toml", "config", ["center.shrinkge", "unknown key", "'shrinkage'"]),
    ("config_wrong_type.toml", "config", ["center.interval_minutes", "'15'", "wrong type"]),
    ("config_percentage.toml", "config", ["queues[0].service_level", "fraction", "0.80"]),
    ("config_bad_timezone.toml", "config", ["center.timezone", "Europe/Amsterdam"]),
    ("config_not_toml.toml", "config", ["not valid TOML", "line 9"]),
    ("config_email_without_deadline.toml", "config", ["queues[2]", "deadline_h"]),
    ("config_bad_opening_hours.toml", "config", ["opening_hours.mon", "'8-20'", "HH:MM"]),
    ("config_shrinkage_out_of_range.toml", "config", ["center.shrinkage", "1.2", "less than 1"]),
    ("agents_unknown_skill.csv", "agents", ["line 3", "'suport:1'", "did you mean 'support'"]),
    ("agents_bad_skill_format.csv", "agents", ["line 3", "'support-1'", "skills"]),
    ("agents_min_above_max.csv", "agents", ["line 4", "min_hours_week is greater"]),
    ("agents_duplicate_id.csv", "agents", ["line 5", "'A001'", "duplicate agent_id"]),
    ("agents_missing_column.csv", "agents", ["'cost_per_hour'", "is missing"]),
    ("agents_negative_hours.csv", "agents", ["line 3", "'-20'", "at least 0"]),
    ("availability_unknown_agent.csv", "availability", ["line 6", "'A999'", "not in agents"]),
    ("availability_bad_date.csv", "availability", ["line 3", "'10-03-2026'", "YYYY-MM-DD"]),
    ("availability_bad_kind.csv", "availability", ["line 4", "'holiday'", "request_off"]),
    ("availability_start_after_end.csv", "availability", ["line 3", "start must be before"]),
]


def _args(bad: Path, role: str) -> list[str]:
    files = {
        "history": GOOD / "history.csv",
        "config": GOOD / "plan.toml",
        "agents": GOOD / "agents.csv",
        "availability": GOOD / "availability.csv",
    }
    files[role] = bad
    return [
        "validate",
        "--history",
        str(files["history"]),
        "--config",
        str(files["config"]),
        "--agents",
        str(files["agents"]),
        "--availability",
        str(files["availability"]),
    ]


def _assert_in_order(text: str, phrases: list[str]) -> None:
    position = 0
    for phrase in phrases:
        found = text.find(phrase, position)
        assert found >= 0, f"{phrase!r} not found (in order) in:\n{text}"
        position = found


def test_corpus_is_large_and_complete():
    files = sorted(p.name for p in BAD.iterdir())
    assert len(files) >= 25
    used_elsewhere = {"config_no_timezone.toml", "history_naive_timestamps.csv"}
    assert sorted(name for name, _, _ in CASES) == sorted(set(files) - used_elsewhere)


@pytest.mark.parametrize(("name", "role", "phrases"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_refused_with_a_precise_message(name, role, phrases):
    result = CliRunner().invoke(app, _args(BAD / name, role))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Input refused" in result.output
    _assert_in_order(result.output, [name, *phrases])


def test_naive_timestamps_are_read_in_the_config_time_zone():
    args = _args(BAD / "history_naive_timestamps.csv", "history")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2026-03-02T08:00:00+01:00" in result.output


def test_naive_timestamps_without_a_time_zone_are_refused():
    args = _args(BAD / "history_naive_timestamps.csv", "history")
    args[args.index("--config") + 1] = str(BAD / "config_no_timezone.toml")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    _assert_in_order(result.output, ["line 2", "no UTC offset", "no time zone", "7 more rows"])


def test_missing_file_is_named():
    args = _args(BAD / "does_not_exist.csv", "history")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    _assert_in_order(result.output, ["does_not_exist.csv", "file not found"])


def test_installed_command_prints_no_traceback(tmp_path):
    """The real console script, not the in-process runner."""
    script = Path(sys.executable).with_name("staffplan")
    proc = subprocess.run(
        [str(script), *_args(BAD / "history_binary.csv", "history")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "binary" in proc.stderr
