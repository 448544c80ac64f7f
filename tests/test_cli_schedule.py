"""`staffplan schedule` and `read_requirements`: a requirements file to shifts or a roster.

Small hand-made requirements (one Monday, 2026-05-18, CEST) on the sample's plan.toml with a
short solver time limit keep every solve to a few seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from staffplan.cli import app
from staffplan.config import load_config
from staffplan.errors import InputError
from staffplan.io import read_requirements, read_table, write_csv
from staffplan.requirements import REQUIREMENTS_COLUMNS, compute
from staffplan.scheduling import validate_roster
from staffplan.schema.requirements import REQUIREMENTS_INPUT_COLUMNS, REQUIREMENTS_INPUT_OPTIONAL

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
TZ = "Europe/Amsterdam"
DAY = "2026-05-18"  # a Monday; the sample opens 08:00-20:00, shifts run 08:00-20:00
OUTPUTS = ("roster.csv", "activities.csv", "coverage.csv", "roster.ics")
runner = CliRunner()


@pytest.fixture(scope="module")
def config_path(tmp_path_factory) -> Path:
    """The sample's plan.toml with a 10 s solver limit."""
    text = (SAMPLES / "plan.toml").read_text(encoding="utf-8")
    assert "time_limit_s = 30" in text
    path = tmp_path_factory.mktemp("config") / "plan.toml"
    path.write_text(text.replace("time_limit_s = 30", "time_limit_s = 10"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def config(config_path):
    return load_config(config_path)


def _requirement(need: dict[str, int], queue: str = "sales") -> pd.DataFrame:
    """One row per 15-minute interval of DAY's opening hours; ``need`` maps "HH:MM" (the
    first interval of a block) to the agents from there on."""
    times = pd.date_range(f"{DAY} 08:00", f"{DAY} 19:45", freq="15min", tz=TZ)
    agents, current = [], 0
    for t in times:
        current = need.get(f"{t:%H:%M}", current)
        agents.append(current)
    return pd.DataFrame({"interval_start": times, "queue": queue, "agents_scheduled": agents})


def _write(frame: pd.DataFrame, path: Path) -> Path:
    write_csv(frame, path)
    return path


def _schedule(config_path: Path, requirements: Path, out_dir: Path, *extra: str):
    args = ["schedule", "--requirements", str(requirements), "--config", str(config_path)]
    return runner.invoke(app, [*args, "--out-dir", str(out_dir), *extra])


def _read_back(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """roster, activities and coverage as written, timestamps local again."""

    def local(frame, columns):
        for c in columns:
            frame[c] = pd.to_datetime(frame[c], utc=True).dt.tz_convert(TZ)
        return frame

    roster = local(pd.read_csv(folder / "roster.csv"), ["shift_start", "shift_end"])
    roster["date"] = pd.to_datetime(roster["date"]).dt.date
    activities = local(pd.read_csv(folder / "activities.csv"), ["start", "end"])
    coverage = local(pd.read_csv(folder / "coverage.csv"), ["interval_start"])
    return roster, activities, coverage


# --------------------------------------------------------------------------- anonymous shifts


@pytest.fixture(scope="module")
def anonymous(config_path, tmp_path_factory):
    """Anonymous shifts for sales: 2 agents 08:00-12:00, 5 agents 12:00-16:00, 3 to 20:00."""
    folder = tmp_path_factory.mktemp("anonymous")
    requirement = _requirement({"08:00": 2, "12:00": 5, "16:00": 3})
    path = _write(requirement, folder / "requirements.csv")
    result = _schedule(config_path, path, folder / "out")
    return requirement, folder / "out", result


def test_anonymous_shifts_cover_the_requirement(anonymous):
    requirement, out_dir, result = anonymous
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(OUTPUTS)
    roster, activities, coverage = _read_back(out_dir)
    assert list(roster.columns) == [
        "agent_id",
        "date",
        "shift_start",
        "shift_end",
        "paid_hours",
        "queues",
    ]
    assert list(activities.columns) == ["agent_id", "start", "end", "activity", "queue"]
    assert list(coverage.columns) == ["interval_start", "queue", "required", "scheduled"]
    # anonymous ids S0001, S0002, ... one per shift, all on sales
    assert list(roster["agent_id"]) == [f"S{i:04d}" for i in range(1, len(roster) + 1)]
    assert set(roster["queues"]) == {"sales"}
    assert set(roster["paid_hours"]) <= {4.0, 6.0, 8.0}
    # no under-staffing: every interval has at least the agents required
    merged = requirement.merge(coverage, on=["interval_start", "queue"], how="left")
    assert (merged["required"] == merged["agents_scheduled"]).all()
    assert (merged["scheduled"] >= merged["agents_scheduled"]).all()
    # breaks are in the activities, inside their shifts
    assert set(activities["activity"]) >= {"work", "break"}
    ics = (out_dir / "roster.ics").read_text()
    assert ics.count("BEGIN:VEVENT") == len(roster)


def test_anonymous_summary_reports_the_figures(anonymous):
    _, out_dir, result = anonymous
    roster, _, coverage = _read_back(out_dir)
    text = result.output
    paid = roster["paid_hours"].sum()
    assert re.search(rf"paid hours\s*│\s*{paid:,.1f}\s*│ h", text), text
    assert re.search(r"under-staffed\s*│\s*0\s*│ agent-intervals \(0\.0 agent-hours", text)
    over = (coverage["scheduled"] - coverage["required"]).clip(lower=0).sum()
    assert re.search(rf"over-staffed\s*│\s*{over:,.0f}\s*│ agent-intervals", text)
    assert re.search(r"uncovered intervals\s*│\s*0\s*│ of 96 \(interval, queue\)", text)
    assert len(coverage) == 96  # the whole day on the planning grid, 0 required at night
    assert re.search(r"solver status\s*│\s*(optimal|time_limit)\s*│ HiGHS", text)
    for label in ("objective", "best bound", "gap"):
        assert re.search(rf"{label}\s*│\s*[\d,.]+%?\s*│", text), label
    assert f"{len(roster)} │ anonymous" in text
    assert "Requirement: 2026-05-18 to 2026-05-18 (1 day with rows), queues sales" in text
    for name in OUTPUTS:
        assert str(out_dir / name) in text.replace("\n", "")
    # the progress display names the stages
    for stage in ("reading inputs", "solving", "writing outputs"):
        assert stage in text


def test_anonymous_roster_keeps_the_hard_rules(anonymous, config):
    _, out_dir, _ = anonymous
    roster, activities, _ = _read_back(out_dir)
    assert len(roster) >= 5
    assert validate_roster(roster, activities, config.shifts).empty


def test_a_requirement_no_shift_can_reach_is_reported(config_path, tmp_path):
    """03:00 lies before the earliest shift start (08:00): reported, not crashed."""
    requirement = pd.concat(
        [
            pd.DataFrame(
                {
                    "interval_start": pd.to_datetime([f"{DAY} 03:00", f"{DAY} 03:15"]).tz_localize(
                        TZ
                    ),
                    "queue": "sales",
                    "agents_scheduled": [2, 1],
                }
            ),
            _requirement({"08:00": 1}),
        ],
        ignore_index=True,
    )
    path = _write(requirement, tmp_path / "requirements.csv")
    result = _schedule(config_path, path, tmp_path / "out")
    assert result.exit_code == 0, result.output
    text = result.output
    assert re.search(r"uncovered intervals\s*│\s*2\s*│", text)
    assert re.search(r"under-staffed\s*│\s*3\s*│ agent-intervals \(0\.8 agent-hours", text)
    assert "2 uncovered intervals (scheduled < required)" in text
    assert "no shift can reach it (shifts run 08:00-20:00)" in text
    assert "Mon 2026-05-18 03:00" in text and "Mon 2026-05-18 03:15" in text
    _, _, coverage = _read_back(tmp_path / "out")
    night = coverage[coverage["interval_start"].dt.strftime("%H:%M").isin(["03:00", "03:15"])]
    assert list(night["required"]) == [2.0, 1.0] and list(night["scheduled"]) == [0.0, 0.0]


# --------------------------------------------------------------------------- named agents


AGENTS = """agent_id,name,team,skills,min_hours_week,max_hours_week,cost_per_hour
A001,Ann,T1,sales:1,0,8,20
A002,Bob,T1,sales:1|chat:2,0,8,20
A003,Cas,T1,sales:1,0,8,20
A004,Dee,T1,chat:1,0,8,20
A006,Fay,T1,support:1,0,8,20
"""
# A001 cannot work before 12:00, A003 not at all on the day; A002's row is another week's
AVAILABILITY = f"""agent_id,date,kind,start,end,weight
A001,{DAY},unavailable,08:00,12:00,
A003,{DAY},unavailable,,,
A002,2026-06-01,unavailable,,,
"""


@pytest.fixture(scope="module")
def named(config_path, tmp_path_factory):
    """A roster of hand-made agents: 2 sales agents from 12:00 to 20:00."""
    folder = tmp_path_factory.mktemp("named")
    requirement = _requirement({"08:00": 0, "12:00": 2})
    path = _write(requirement, folder / "requirements.csv")
    (folder / "agents.csv").write_text(AGENTS)
    (folder / "availability.csv").write_text(AVAILABILITY)
    result = _schedule(
        config_path,
        path,
        folder / "out",
        "--agents",
        str(folder / "agents.csv"),
        "--availability",
        str(folder / "availability.csv"),
    )
    return folder, result


def test_a_roster_uses_the_agents_and_their_availability(named):
    folder, result = named
    assert result.exit_code == 0, result.output
    roster, activities, coverage = _read_back(folder / "out")
    # the two sales agents free on the day, each once; A003 is away, A004 and A006 lack sales
    assert sorted(roster["agent_id"]) == ["A001", "A002"]
    assert set(activities["agent_id"]) == {"A001", "A002"}
    assert roster.set_index("agent_id")["queues"].to_dict() == {
        "A001": "sales",
        "A002": "sales>chat",
    }
    # A001 is unavailable 08:00-12:00 only (not the whole day): on shift from 12:00
    a001 = roster[roster["agent_id"] == "A001"].iloc[0]
    assert a001["shift_start"] == pd.Timestamp(f"{DAY} 12:00", tz=TZ)
    assert a001["shift_end"] == pd.Timestamp(f"{DAY} 20:00", tz=TZ)
    text = result.output
    assert re.search(r"shifts\s*│\s*2\s*│ for 2 of 5 agents", text)
    assert "agent A004 has no skill for a queue in the requirements" in text
    # the row of 2026-06-01 lies outside the requirement's day: said, not silently dropped
    assert "1 of 3 rows of" in text and "were not used" in text
    # with two agents for two places, their breaks leave gaps: reported with the reason
    short = coverage[coverage["scheduled"] < coverage["required"]]
    assert len(short) > 0
    assert re.search(rf"uncovered intervals\s*│\s*{len(short)}\s*│", text)
    assert "all 2 available agents skilled for sales are on shift" in text


def test_the_written_roster_passes_validate_roster(named, config):
    folder, _ = named
    roster, activities, _ = _read_back(folder / "out")
    agents, _ = read_table(folder / "agents.csv")
    availability, _ = read_table(folder / "availability.csv")
    violations = validate_roster(
        roster, activities, config.shifts, agents, availability=availability
    )
    assert violations.empty, violations.to_string()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"{DAY}T09:00:00+02:00,salez,2", ["line 3", "column 'queue'", "'salez'", "did you mean"]),
        (
            f"{DAY}T09:00:00+02:00,sales,-1",
            ["line 3", "column 'agents_scheduled'", "'-1'", "at least 0", "fix:"],
        ),
        (
            "18/05/2026 09:00,sales,2",
            ["line 3", "column 'interval_start'", "'18/05/2026 09:00'", "not a timestamp"],
        ),
        (
            f"{DAY}T09:05:00+02:00,sales,2",
            ["line 3", "column 'interval_start'", "15-minute grid", "fix:"],
        ),
        (f"{DAY}T09:00:00+02:00,sales,1.5", ["line 3", "'1.5'", "whole number"]),
    ],
)
def test_bad_requirements_are_refused_before_anything_is_written(
    config_path, tmp_path, line, expected
):
    path = tmp_path / "requirements.csv"
    path.write_text(
        f"interval_start,queue,agents_scheduled\n{DAY}T08:45:00+02:00,sales,1\n{line}\n"
    )
    out_dir = tmp_path / "out"
    result = _schedule(config_path, path, out_dir)
    assert result.exit_code == 2, result.output
    text = result.output
    assert "Input refused" in text and str(path) in text.replace("\n", "")
    for phrase in expected:
        assert phrase in text, (phrase, text)
    assert not out_dir.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["requirements.csv"]  # no staging folder


def test_a_failed_run_leaves_an_existing_folder_as_it_was(config_path, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "roster.csv").write_text("the previous roster\n")
    path = tmp_path / "requirements.csv"
    path.write_text(f"interval_start,queue,agents_scheduled\n{DAY}T09:00:00+02:00,sales,-3\n")
    result = _schedule(config_path, path, out_dir)
    assert result.exit_code == 2
    assert [p.name for p in out_dir.iterdir()] == ["roster.csv"]
    assert (out_dir / "roster.csv").read_text() == "the previous roster\n"


def test_availability_without_agents_is_refused(config_path, tmp_path):
    path = _write(_requirement({"08:00": 1}), tmp_path / "requirements.csv")
    (tmp_path / "availability.csv").write_text(AVAILABILITY)
    extra = ("--availability", str(tmp_path / "availability.csv"))
    result = _schedule(config_path, path, tmp_path / "out", *extra)
    assert result.exit_code == 2
    assert "--availability applies to the named agents of --agents" in result.output
    assert "add --agents agents.csv" in result.output
    assert not (tmp_path / "out").exists()


def test_a_config_without_shifts_is_refused(tmp_path):
    text = (SAMPLES / "plan.toml").read_text(encoding="utf-8")
    head = text[: text.index("[shifts]")]
    (tmp_path / "plan.toml").write_text(head, encoding="utf-8")
    path = _write(_requirement({"08:00": 1}), tmp_path / "requirements.csv")
    result = _schedule(tmp_path / "plan.toml", path, tmp_path / "out")
    assert result.exit_code == 2
    assert "no [shifts] table" in result.output and "plan.toml" in result.output
    assert not (tmp_path / "out").exists()


def test_unknown_agents_in_availability_are_refused(config_path, tmp_path):
    path = _write(_requirement({"08:00": 1}), tmp_path / "requirements.csv")
    (tmp_path / "agents.csv").write_text(AGENTS)
    (tmp_path / "availability.csv").write_text(f"agent_id,date,kind\nZ999,{DAY},unavailable\n")
    extra = ["--agents", str(tmp_path / "agents.csv")]
    extra += ["--availability", str(tmp_path / "availability.csv")]
    result = _schedule(config_path, path, tmp_path / "out", *extra)
    assert result.exit_code == 2
    assert "availability.csv" in result.output and "'Z999'" in result.output
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- read_requirements


def test_read_requirements_reads_what_staffplan_requirements_writes(config, tmp_path):
    times = pd.date_range(f"{DAY} 08:00", periods=8, freq="15min", tz=TZ)
    forecast = pd.DataFrame(
        {"interval_start": times, "queue": "sales", "calls": 30.0, "aht_s": 240.0}
    )
    written = compute(forecast, config).frame
    path = write_csv(written, tmp_path / "requirements.csv")
    checked = read_requirements(path, config)
    assert checked.warnings == []  # every column of the file is known
    frame = checked.frame
    assert list(frame.columns) == ["interval_start", "queue", "agents_scheduled"]
    assert str(frame["interval_start"].dt.tz) == TZ
    assert frame["agents_scheduled"].dtype == "int64"
    assert list(frame["interval_start"]) == list(times)
    assert list(frame["agents_scheduled"]) == list(written["agents_scheduled"])
    assert frame["agents_scheduled"].min() > 0


def test_the_accepted_columns_cover_what_requirements_writes():
    assert set(REQUIREMENTS_COLUMNS) <= set(REQUIREMENTS_INPUT_COLUMNS) | set(
        REQUIREMENTS_INPUT_OPTIONAL
    )


def test_read_requirements_sorts_localises_and_warns(config, tmp_path):
    path = tmp_path / "req.csv"
    path.write_text(
        "queue,interval_start,agents_scheduled,under_cost,note\n"
        "support,2026-05-18 09:15,3,,x\n"
        "sales,2026-05-18 09:00,2,2.5,\n"
        "support,2026-05-18 09:00,4,0.5,\n"
    )
    checked = read_requirements(path, config)
    frame = checked.frame
    assert list(frame["queue"]) == ["sales", "support", "support"]
    assert list(frame["interval_start"].dt.strftime("%H:%M%z")) == [
        "09:00+0200",
        "09:00+0200",
        "09:15+0200",
    ]
    assert list(frame["agents_scheduled"]) == [2, 4, 3]
    assert list(frame["under_cost"]) == [2.5, 0.5, 1.0]  # empty: the default weight
    assert [w.column for w in checked.warnings] == ["note"]


def test_read_requirements_lists_every_problem_with_place(config, tmp_path):
    path = tmp_path / "req.csv"
    path.write_text(
        "interval_start,queue,agents_scheduled\n"
        f"{DAY}T09:00:00+02:00,sales,2\n"
        f"{DAY}T09:15:00+02:00,Sales,2\n"
        f"{DAY}T09:30:00+02:00,sales,-2\n"
        f"{DAY}T09:45:00+02:00,sales,\n"
        f"{DAY}T10:00:00+02:00,sales,two\n"
    )
    with pytest.raises(InputError) as caught:
        read_requirements(path, config)
    found = {(p.where, p.column, p.value) for p in caught.value.problems}
    assert found == {
        ("line 3", "queue", "'Sales'"),
        ("line 4", "agents_scheduled", "'-2'"),
        ("line 5", "agents_scheduled", "''"),
        ("line 6", "agents_scheduled", "'two'"),
    }
    assert all(p.file == str(path) and p.fix for p in caught.value.problems)


def test_read_requirements_refuses_duplicates_and_missing_columns(config, tmp_path):
    path = tmp_path / "req.csv"
    path.write_text(
        "interval_start,queue,agents_scheduled\n"
        f"{DAY}T09:00:00+02:00,sales,2\n"
        f"{DAY}T07:00:00Z,sales,3\n"  # the same instant, written in UTC
    )
    with pytest.raises(InputError) as caught:
        read_requirements(path, config)
    (problem,) = caught.value.problems
    assert problem.where == "line 3" and "duplicate" in problem.message
    path.write_text(f"interval_start,queue,agents\n{DAY}T09:00:00+02:00,sales,2\n")
    with pytest.raises(InputError) as caught:
        read_requirements(path, config)
    (problem,) = caught.value.problems
    assert problem.column == "agents_scheduled" and "missing" in problem.message
    assert "agents_scheduled" in problem.fix


def test_a_solver_failure_names_the_stage_and_writes_nothing(config_path, tmp_path, monkeypatch):
    import staffplan.scheduling

    def fail(*args, **kwargs):
        raise RuntimeError("roster MIP ended with status 'no_solution' before finding a roster")

    monkeypatch.setattr(staffplan.scheduling, "schedule", fail)
    path = _write(_requirement({"08:00": 1}), tmp_path / "requirements.csv")
    result = _schedule(config_path, path, tmp_path / "out")
    assert result.exit_code == 1
    assert "Schedule failed in stage 'schedule'" in result.output
    assert "no_solution" in result.output and "Nothing was written" in result.output
    assert not (tmp_path / "out").exists()
