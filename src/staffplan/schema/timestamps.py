"""Interval timestamps: ISO 8601 with offsets, or naive local times in the centre's zone."""

from __future__ import annotations

import re

import pandas as pd

from staffplan.schema.tables import Collector

__all__ = ["local_minutes", "parse_timestamps"]

_OFFSET = re.compile(r"(?:Z|[+-]\d\d(?::?\d\d)?)$")
_ISO_EXAMPLE = "2026-03-02T08:00:00+01:00"


def parse_timestamps(
    raw: pd.Series, tz, problems: Collector, column: str, *, timezone_name: str | None
) -> pd.Series:
    """Parse start-labelled interval timestamps into tz-aware local times."""
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert(tz) if tz is not None else raw
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        text = raw.dt.strftime("%Y-%m-%dT%H:%M:%S")
    else:
        text = raw.astype("string").str.strip()
    has_offset = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    aware = pd.to_datetime(text[has_offset], format="ISO8601", utc=True, errors="coerce")
    result[has_offset] = aware
    naive_text = text[~has_offset]
    naive = pd.to_datetime(naive_text, format="ISO8601", errors="coerce")
    unparsed = pd.Series(False, index=raw.index)
    unparsed[has_offset] = aware.isna()
    unparsed[~has_offset] = naive.isna()
    problems.rows(
        unparsed,
        raw,
        f"not a timestamp: expected ISO 8601 with a UTC offset, such as {_ISO_EXAMPLE}",
        column=column,
        fix="export timestamps as ISO 8601 with their UTC offset",
    )
    parsed_naive = naive.notna()
    if parsed_naive.any():
        if tz is None:
            problems.rows(
                ~has_offset & ~unparsed,
                raw,
                "timestamp has no UTC offset and plan.toml gives no time zone",
                column=column,
                fix="add center.timezone to plan.toml (e.g. 'Europe/Amsterdam') or export "
                "timestamps with their UTC offset",
            )
        else:
            _localize_naive(naive[parsed_naive], raw, tz, timezone_name, problems, column, result)
    problems.raise_if_any()
    if tz is None:
        offsets = text[has_offset].str.extract(f"({_OFFSET.pattern})", expand=False).unique()
        if len(offsets) > 1:
            problems.add(
                f"timestamps carry different UTC offsets ({', '.join(sorted(offsets)[:4])}) "
                "and plan.toml gives no time zone to read local clock times from",
                column=column,
                fix="add center.timezone to plan.toml (e.g. 'Europe/Amsterdam')",
            )
            problems.raise_if_any()
        tz = pd.Timestamp(str(text[has_offset].iloc[0])).tz
    return result.dt.tz_convert(tz)


def _localize_naive(
    naive: pd.Series,
    raw: pd.Series,
    tz,
    timezone_name: str | None,
    problems: Collector,
    column: str,
    result: pd.Series,
) -> None:
    strict = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    gap = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").isna()
    nonexistent = strict.isna() & ~gap
    ambiguous = strict.isna() & gap
    for mask, what in ((nonexistent, "does not exist"), (ambiguous, "is ambiguous")):
        full = pd.Series(False, index=raw.index)
        full[mask.index] = mask
        problems.rows(
            full,
            raw,
            f"this local time {what} in {timezone_name} (daylight-saving change)",
            column=column,
            fix="export timestamps with their UTC offset (e.g. +01:00) so every interval "
            "is unambiguous",
        )
    result[naive.index] = strict.dt.tz_convert("UTC")


def local_minutes(ts: pd.Series) -> pd.Series:
    return ts.dt.hour * 60 + ts.dt.minute
