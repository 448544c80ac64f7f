"""Reading tables (CSV dialects, Parquet) and atomic writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from staffplan.config import load_config
from staffplan.errors import InputError
from staffplan.io import atomic_write, read_history, read_table, write_csv
from staffplan.schema import validate_history

GOOD = Path(__file__).parent / "data" / "good"


@pytest.fixture(scope="module")
def config():
    return load_config(GOOD / "plan.toml")


def test_good_history_is_typed_and_local(config):
    checked = read_history(GOOD / "history.csv", config)
    frame = checked.frame
    assert str(frame["interval_start"].dt.tz) == "Europe/Amsterdam"
    assert frame["offered"].dtype == "int64"
    assert frame["interval_start"].min().hour == 8
    assert frame.loc[frame["queue"] == "sales", "offered"].sum() == 40 + 52 + 61 + 57
    assert checked.warnings == []


def test_semicolon_csv_is_accepted(config, tmp_path):
    text = (GOOD / "history.csv").read_text().replace(",", ";")
    path = tmp_path / "history_semicolon.csv"
    path.write_text(text)
    assert len(read_history(path, config).frame) == 12


def test_parquet_round_trip(config, tmp_path):
    frame = read_history(GOOD / "history.csv", config).frame
    path = tmp_path / "history.parquet"
    frame.to_parquet(path)
    again = read_history(path, config).frame
    pd.testing.assert_frame_equal(frame, again, check_dtype=False)


def test_corrupt_parquet_is_named(tmp_path):
    path = tmp_path / "history.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="history.parquet(.|\n)*not a readable Parquet"):
        read_table(path)


def test_gaps_are_warnings_with_ranges(config):
    raw, source = read_table(GOOD / "history.csv")
    raw = raw[~((raw["queue"] == "sales") & raw["interval_start"].str.contains("08:15|08:30"))]
    checked = validate_history(raw.reset_index(drop=True), config, source)
    messages = [w.message for w in checked.warnings]
    assert messages == [
        "gap: no rows for queue 'sales' from Mon 2026-03-02 08:15 to 08:45 (2 intervals inside "
        "opening hours)"
    ]


def test_dst_day_with_offsets_is_valid(config):
    # 2026-03-29 02:00 CET jumps to 03:00 CEST: the local day has 92 quarter hours.
    starts = pd.date_range(
        "2026-03-29", "2026-03-30", freq="15min", tz="Europe/Amsterdam", inclusive="left"
    )
    assert len(starts) == 92
    raw = pd.DataFrame(
        {
            "interval_start": [t.isoformat() for t in starts],
            "queue": "email",
            "offered": "3",
            "handled": "0",
            "abandoned": "0",
            "aht_s": "",
        }
    )
    frame = validate_history(raw, config).frame
    assert len(frame) == 92
    assert frame["interval_start"].is_monotonic_increasing
    assert frame["interval_start"].iloc[8].hour == 3  # 02:00 does not exist


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("precious\n")
    with pytest.raises(RuntimeError), atomic_write(path) as handle:
        handle.write("half a fil")
        raise RuntimeError("crash mid-write")
    assert path.read_text() == "precious\n"
    assert list(tmp_path.iterdir()) == [path]


def test_write_csv_keeps_utc_offsets(tmp_path):
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2026-03-29 01:45", "2026-03-29 03:00"]).tz_localize(
                "Europe/Amsterdam"
            ),
            "calls": [1.5, 2.0],
        }
    )
    text = write_csv(frame, tmp_path / "f.csv").read_text()
    assert "2026-03-29T01:45:00+01:00" in text
    assert "2026-03-29T03:00:00+02:00" in text
