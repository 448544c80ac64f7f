"""plan.toml loading: the contract skeleton loads; bad keys, types and ranges are refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from staffplan.config import load_config, parse_clock_range, parse_config
from staffplan.errors import InputError

GOOD = Path(__file__).parent / "data" / "good" / "plan.toml"


def _good() -> dict:
    return tomllib.loads(GOOD.read_text())


def test_contract_skeleton_loads():
    config = load_config(GOOD)
    assert config.center.timezone == "Europe/Amsterdam"
    assert config.center.interval_minutes == 15
    assert config.center.shrinkage == pytest.approx(0.30)
    assert config.queue_names == ["sales", "support", "email"]
    assert config.queue("sales").max_occupancy == pytest.approx(0.85)
    assert config.queue("support").patience_s == 120
    assert config.queue("email").deadline_h == 24
    assert config.center.opening_hours.minutes(0) == (8 * 60, 9 * 60)
    assert config.center.opening_hours.minutes(6) is None  # Sunday closed


def test_config_is_frozen():
    config = load_config(GOOD)
    with pytest.raises(ValueError, match="frozen"):
        config.center.shrinkage = 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [("08:00-20:00", (480, 1200)), ("00:00-24:00", (0, 1440)), ("09:30-17:15", (570, 1035))],
)
def test_clock_ranges(text, expected):
    assert parse_clock_range(text) == expected


@pytest.mark.parametrize("text", ["20:00-08:00", "8-20", "08:00", "08:61-09:00", "08:00-25:00"])
def test_bad_clock_ranges(text):
    with pytest.raises(ValueError, match="HH:MM|before|clock time"):
        parse_clock_range(text)


def _refused(data: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_config(data)


def test_unknown_queue_key_suggests_the_closest():
    data = _good()
    data["queues"][0]["treshold_s"] = data["queues"][0].pop("threshold_s")
    _refused(data, r"queues\[0\]\.treshold_s(.|\n)*did you mean 'threshold_s'")


def test_chat_needs_threshold_and_concurrency_only_for_chat():
    data = _good()
    data["queues"][0]["concurrency"] = 2
    _refused(data, "concurrency applies to chat queues, not voice")


def test_interval_must_divide_the_hour():
    data = _good()
    data["center"]["interval_minutes"] = 7
    _refused(data, "expected one of 5, 10, 15, 20, 30, 60")


def test_opening_hours_on_the_interval_grid():
    data = _good()
    data["center"]["interval_minutes"] = 30
    data["center"]["opening_hours"]["mon"] = "08:15-20:00"
    _refused(data, "not fall on the 30-minute interval grid")


def test_duplicate_queue_names():
    data = _good()
    data["queues"][1]["name"] = "sales"
    _refused(data, "queue names must be unique, found sales")


def test_unknown_country():
    data = _good()
    data["center"]["country"] = "Netherlands"
    _refused(data, "country code")


def test_every_problem_is_listed_at_once():
    data = _good()
    data["center"]["shrinkage"] = -0.1
    data["queues"][0]["service_level"] = 95
    data["queues"][1]["channel"] = "phone"
    with pytest.raises(InputError) as info:
        parse_config(data)
    assert len(info.value.problems) == 3


def test_missing_file():
    with pytest.raises(InputError, match="config file not found"):
        load_config("no/such/plan.toml")
