"""Every read and write of the user's files.

Reads refuse what they cannot use with an :class:`~staffplan.errors.InputError` naming the file
(and the line where the parser stopped). Writes are atomic: each file is written to a
temporary file in the same folder and renamed, so a failed run never leaves half a file and
never destroys what was there.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from staffplan.config import PlanConfig
from staffplan.errors import InputError, Problem
from staffplan.schema import (
    Checked,
    TableSource,
    validate_agents,
    validate_availability,
    validate_forecast,
    validate_history,
)
from staffplan.schema.requirements import validate_requirements

__all__ = [
    "atomic_write",
    "format_timestamps",
    "read_agents",
    "read_availability",
    "read_forecast",
    "read_history",
    "read_model_cards",
    "read_requirements",
    "read_special_days",
    "read_table",
    "write_csv",
    "write_bytes",
    "write_json",
    "write_model_cards",
    "write_sample",
    "write_text",
]

_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive or an Excel .xlsx workbook",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"PAR1": "a Parquet file (give it a .parquet extension)",
}


def read_table(path: str | Path) -> tuple[pd.DataFrame, TableSource]:
    """Read a CSV (comma, semicolon or tab separated) or Parquet table, cells as text for CSV.

    Raises
    ------
    InputError
        When the file is missing, empty, binary, not UTF-8, or not a consistent table.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError(Problem("file not found", file=name, fix="check the path"))
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path), TableSource(name, "parquet")
    compressed = path.suffix.lower() == ".gz"
    head = _head_bytes(path, compressed)
    if not head.strip():
        raise InputError(
            Problem("the file is empty", file=name, fix="export the data again with a header")
        )
    for signature, what in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise InputError(
                Problem(
                    f"expected a CSV text file, found {what}",
                    file=name,
                    fix="export the table as CSV (comma-separated, UTF-8)",
                )
            )
    if b"\x00" in head:
        raise InputError(
            Problem(
                "expected a CSV text file, found binary data",
                file=name,
                fix="export the table as CSV (comma-separated, UTF-8)",
            )
        )
    try:
        text_head = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text_head = None
    if text_head is None:
        raise InputError(
            Problem(
                "the file is not UTF-8 text",
                file=name,
                fix="save the CSV with UTF-8 encoding",
            )
        )
    sep = _separator(text_head)
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                f"the file is not UTF-8 text (byte {exc.start})",
                file=name,
                fix="save the CSV with UTF-8 encoding",
            )
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(
            Problem(
                f"not a consistent CSV table: {str(exc).strip()}",
                file=name,
                fix="every line must have as many fields as the header; quote fields "
                "that contain the separator",
            )
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(Problem("the file is empty", file=name)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, TableSource(name, "csv")


def _head_bytes(path: Path, compressed: bool, size: int = 4096) -> bytes:
    if not compressed:
        with path.open("rb") as handle:
            return handle.read(size)
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError) as exc:
        raise InputError(
            Problem(f"not a readable gzip file: {exc}", file=str(path), fix="compress it again")
        ) from None


def _separator(text_head: str) -> str:
    header = text_head.splitlines()[0] if text_head.splitlines() else ""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise InputError(
            Problem(
                "reading Parquet needs pyarrow, which is not installed",
                file=str(path),
                fix="pip install pyarrow, or give the table as CSV",
            )
        ) from None
    except Exception as exc:  # pyarrow raises many types for a corrupt file
        raise InputError(Problem(f"not a readable Parquet file: {exc}", file=str(path))) from None


def read_history(path: str | Path, config: PlanConfig) -> Checked:
    """Read and validate the interval history (see :func:`staffplan.schema.validate_history`)."""
    frame, source = read_table(path)
    return validate_history(frame, config, source)


def read_forecast(path: str | Path, config: PlanConfig) -> Checked:
    """Read and validate a forecast (see :func:`staffplan.schema.validate_forecast`)."""
    frame, source = read_table(path)
    return validate_forecast(frame, config, source)


def read_requirements(path: str | Path, config: PlanConfig) -> Checked:
    """Read and validate a requirements table (the input of ``staffplan schedule``).

    Parameters
    ----------
    path : path
        ``requirements.csv`` as written by ``staffplan requirements`` or ``staffplan plan``
        (CSV, ``.csv.gz`` or Parquet), or a hand-made table with ``interval_start``,
        ``queue`` and ``agents_scheduled`` (agents per interval, after shrinkage).
    config : PlanConfig
        Gives the time zone, the interval length (minutes) and the queues.

    Returns
    -------
    Checked
        See :func:`staffplan.schema.requirements.validate_requirements`.

    Raises
    ------
    InputError
        Naming the file, line, column and value of every problem found.
    """
    frame, source = read_table(path)
    return validate_requirements(frame, config, source)


def read_special_days(path: str | Path, config: PlanConfig):
    """Read ``special_days.csv`` (``date``, ``queue`` or ``*``, ``factor`` or ``closed``) into
    the forecast calendar, with the centre's public holidays."""
    from staffplan.forecast import special_days_from_frame

    frame, source = read_table(path)
    try:
        return special_days_from_frame(frame, country=config.center.country)
    except ValueError as exc:
        raise InputError(Problem(str(exc), file=source.name)) from None


def model_card_text(card) -> str:
    """A forecast model card as the JSON text :func:`write_model_cards` writes."""
    from staffplan.forecast import card_to_dict

    return json.dumps(card_to_dict(card), indent=2, sort_keys=True) + "\n"


def write_model_cards(cards: dict, folder: str | Path) -> list[Path]:
    """Write forecast model cards as JSON (one ``<queue>.json`` per queue; never pickles)."""
    folder = Path(folder)
    return [
        write_text(model_card_text(card), folder / f"{queue}.json") for queue, card in cards.items()
    ]


def read_model_cards(folder: str | Path) -> dict:
    """Read every ``*.json`` model card of a folder, by queue."""
    from staffplan.forecast import card_from_dict

    cards = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            card = card_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                Problem(
                    f"not a staffplan model card: {exc}",
                    file=str(path),
                    fix="delete it, or save the models again with --save-models",
                )
            ) from None
        cards[card.queue] = card
    return cards


def read_agents(path: str | Path, config: PlanConfig) -> Checked:
    """Read and validate ``agents.csv`` (see :func:`staffplan.schema.validate_agents`)."""
    frame, source = read_table(path)
    return validate_agents(frame, config, source)


def read_availability(
    path: str | Path, config: PlanConfig, agent_ids: list[str] | None = None
) -> Checked:
    """Read and validate ``availability.csv``.

    See :func:`staffplan.schema.validate_availability`.
    """
    frame, source = read_table(path)
    return validate_availability(frame, config, agent_ids, source)


# --------------------------------------------------------------------------- writing


@contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, _file_mode(path))
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The mode a new file gets (umask applied), or the mode of the file being replaced."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def format_timestamps(values: pd.Series) -> pd.Series:
    """ISO 8601 text with the UTC offset, e.g. ``2026-03-02T08:00:00+01:00``."""
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text.str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame as CSV atomically; tz-aware timestamp columns keep their offset.

    A path ending in ``.gz`` is gzip-compressed, reproducibly (no time stamp in the header),
    so the same frame always gives the same bytes.
    """
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = format_timestamps(out[column])
    text = out.to_csv(index=False, lineterminator="\n")
    if Path(path).suffix.lower() == ".gz":
        with (
            atomic_write(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle,
        ):
            handle.write(text.encode("utf-8"))
    else:
        with atomic_write(path) as handle:
            handle.write(text)
    return Path(path)


def write_text(text: str, path: str | Path) -> Path:
    """Write text atomically."""
    with atomic_write(path) as handle:
        handle.write(text)
    return Path(path)


def write_bytes(data: bytes, path: str | Path) -> Path:
    """Write bytes (a PNG, say) atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_json(data: Any, path: str | Path, *, default: Callable | None = str) -> Path:
    """Write JSON atomically (indented, UTF-8)."""
    return write_text(json.dumps(data, indent=2, ensure_ascii=False, default=default) + "\n", path)


def write_sample(sample: Any, out_dir: str | Path) -> dict[str, Path]:
    """Write a :class:`staffplan.sample.SampleCentre` as the sample centre's files.

    Returns the written paths by file name.
    """
    out_dir = Path(out_dir)
    written = {}
    for name, content in sample.files().items():
        if isinstance(content, str):
            written[name] = write_text(content, out_dir / name)
        else:
            written[name] = write_csv(content, out_dir / name)
    return written
