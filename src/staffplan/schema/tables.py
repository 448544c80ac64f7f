"""Reading a user's table: where rows are, collecting problems, columns and numbers."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffplan.errors import MAX_LISTED, InputError, Problem

__all__ = [
    "Checked",
    "Collector",
    "TableSource",
    "blank",
    "cell_text",
    "check_columns",
    "parse_numbers",
]


@dataclass(frozen=True)
class TableSource:
    """Where a table came from, to name rows the way the user sees them.

    ``kind`` is ``"csv"`` (rows named by file line, header = line 1), ``"parquet"`` (rows
    numbered from 1) or ``"frame"`` (an in-memory frame, rows by index label).
    """

    name: str
    kind: str = "frame"

    def where(self, position: int) -> str:
        """Human name of the row at 0-based ``position``."""
        if self.kind == "csv":
            return f"line {position + 2}"
        return f"row {position + 1}"


@dataclass
class Checked:
    """A validated frame with the warnings found on the way."""

    frame: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)


class Collector:
    """Collects problems for one table, listing at most a few rows per kind of problem."""

    def __init__(self, source: TableSource):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, message: str, *, column: str | None = None, fix: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.source.name, column=column, fix=fix))

    def rows(
        self,
        mask: np.ndarray | pd.Series,
        values: pd.Series,
        message: str,
        *,
        column: str | None,
        fix: str | None = None,
    ) -> None:
        """Record one problem per offending row (the first few, then a summary)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        for pos in positions[:MAX_LISTED]:
            self.problems.append(
                Problem(
                    message,
                    file=self.source.name,
                    where=self.source.where(int(pos)),
                    column=column,
                    value=repr(cell_text(values.iloc[pos])),
                    fix=fix,
                )
            )
        if len(positions) > MAX_LISTED:
            more = ", ".join(self.source.where(int(p)) for p in positions[MAX_LISTED:][:5])
            self.problems.append(
                Problem(
                    f"{len(positions) - MAX_LISTED} more rows with the same problem ({more}, ...)",
                    file=self.source.name,
                    column=column,
                )
            )

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


MISSING_TOKENS = ("", "nan", "na", "n/a", "null", "none", "<na>", "nat")


def blank(series: pd.Series) -> pd.Series:
    """True where a cell is empty, missing or a NaN/NULL token."""
    text = series.astype("string").str.strip().str.lower()
    return (series.isna() | text.isin(MISSING_TOKENS).fillna(True)).astype(bool)


def check_columns(
    frame: pd.DataFrame,
    required: Sequence[str],
    optional: Sequence[str],
    problems: Collector,
    warnings: list[Problem],
) -> None:
    if frame.shape[0] == 0:
        problems.add(
            "the table has a header but no data rows"
            if len(frame.columns)
            else "the file is empty",
            fix="export the data again; the file must hold a header line and data rows",
        )
        problems.raise_if_any()
    present = [str(c) for c in frame.columns]
    unknown = [c for c in present if c not in required and c not in optional]
    missing = [c for c in required if c not in present]
    for name in missing:
        close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.6)
        if close:
            fix = f"rename column '{close[0]}' to '{name}'"
        else:
            fix = f"add a column '{name}'; expected columns: {', '.join(required)}"
        problems.add(f"required column '{name}' is missing", column=name, fix=fix)
    if missing and len(present) == 1 and any(sep in present[0] for sep in ";\t|"):
        problems.add(
            f"the header {present[0]!r} looks like one column: is the separator not a comma?",
            fix="save the file as comma-separated CSV (semicolons and tabs are detected "
            "automatically only when every line uses them)",
        )
    problems.raise_if_any()
    for name in unknown:
        warnings.append(
            Problem(
                f"column '{name}' is not used and was ignored",
                file=problems.source.name,
                column=name,
            )
        )


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    problems: Collector,
    *,
    integer: bool,
    required: pd.Series | bool = True,
    minimum: float | None = 0.0,
    fix: str | None = None,
) -> pd.Series:
    """Parse a numeric column; report non-numbers, missing values and values below minimum."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    empty = blank(raw)
    bad_text = values.isna() & ~empty
    problems.rows(bad_text, raw, "expected a number", column=column, fix=fix)
    need = pd.Series(required, index=frame.index) if isinstance(required, bool) else required
    problems.rows(
        empty & need,
        raw,
        "a number is required here, found an empty cell or NaN",
        column=column,
        fix=fix or "fill in the value (0 for none)",
    )
    finite = values.notna()
    infinite = finite & ~np.isfinite(values.fillna(0.0))
    problems.rows(infinite, raw, "expected a finite number", column=column, fix=fix)
    if integer:
        fractional = finite & ~infinite & (values != np.round(values))
        problems.rows(fractional, raw, "expected a whole number (a count)", column=column)
    if minimum is not None:
        below = finite & (values < minimum)
        problems.rows(
            below,
            raw,
            f"expected a value of at least {minimum:g}",
            column=column,
            fix=fix or "counts and times cannot be negative",
        )
    return values
