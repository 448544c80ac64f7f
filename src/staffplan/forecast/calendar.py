"""Special days: public holidays of a country and a user's ``special_days.csv``.

A :class:`SpecialDays` answers, for a queue and a local date, whether the centre is known to be
closed or to see a multiple of its usual volume. Public holidays are only candidates: the engine
treats them as closed unless the history shows the queue open on past holidays (then they get the
median ratio seen on those days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["SpecialDay", "SpecialDays", "special_days_from_frame"]


@dataclass(frozen=True)
class SpecialDay:
    """One user-declared special day.

    Attributes
    ----------
    date : datetime.date
        Local calendar date.
    queue : str
        Queue name, or ``"*"`` for every queue.
    factor : float
        Multiplier on the usual volume (1.0 when only ``closed`` is set).
    closed : bool
        The queue is closed all day: the forecast is exactly zero.
    """

    date: dt.date
    queue: str = "*"
    factor: float = 1.0
    closed: bool = False


@dataclass(frozen=True)
class SpecialDays:
    """Public holidays of ``country`` plus user-declared special days.

    Parameters
    ----------
    country : str, optional
        ISO country code for :func:`holidays.country_holidays` (``"NL"``, ``"US"``, ``"IL"``).
    subdiv : str, optional
        Subdivision (state, province) for the holidays package.
    categories : tuple of str, optional
        Holiday categories of the holidays package (default: its public holidays); e.g.
        ``("public", "optional")`` adds Israel's intermediate festival days.
    days : tuple of SpecialDay
        User entries; they override public holidays on the same date.
    """

    country: str | None = None
    subdiv: str | None = None
    days: tuple[SpecialDay, ...] = field(default_factory=tuple)
    categories: tuple[str, ...] | None = None

    def holidays(self, dates: np.ndarray) -> dict[dt.date, str]:
        """Public holidays among ``dates`` (``datetime64[D]``), as ``{date: name}``."""
        if self.country is None or len(dates) == 0:
            return {}
        import holidays as _holidays

        years = sorted({int(str(d)[:4]) for d in (dates.min(), dates.max())})
        years = list(range(years[0], years[-1] + 1))
        extra = {} if self.categories is None else {"categories": tuple(self.categories)}
        table = _holidays.country_holidays(self.country, subdiv=self.subdiv, years=years, **extra)
        wanted = set(pd.DatetimeIndex(dates.astype("datetime64[ns]")).date)
        return {d: str(n) for d, n in table.items() if d in wanted}

    def for_queue(self, queue: str) -> dict[dt.date, SpecialDay]:
        """User entries that apply to ``queue`` (its own entries win over ``"*"``)."""
        out = {d.date: d for d in self.days if d.queue == "*"}
        out.update({d.date: d for d in self.days if d.queue == queue})
        return out

    def to_dict(self) -> dict:
        """JSON-ready description (for model cards)."""
        return {
            "country": self.country,
            "subdiv": self.subdiv,
            "categories": None if self.categories is None else list(self.categories),
            "days": [
                {
                    "date": d.date.isoformat(),
                    "queue": d.queue,
                    "factor": d.factor,
                    "closed": d.closed,
                }
                for d in self.days
            ],
        }


def special_days_from_frame(
    frame: pd.DataFrame | None, *, country: str | None = None, subdiv: str | None = None
) -> SpecialDays:
    """Build :class:`SpecialDays` from a ``special_days.csv`` frame (read by ``io.py``).

    Parameters
    ----------
    frame : pandas.DataFrame or None
        Columns ``date`` (YYYY-MM-DD), ``queue`` (name or ``*``; optional, default ``*``) and at
        least one of ``factor`` (multiplier, > 0) and ``closed`` (bool / 0 / 1 / yes / no).
    country, subdiv : str, optional
        Public holidays to add (see :class:`SpecialDays`).

    Raises
    ------
    ValueError
        For a missing column, an unparseable date or a non-positive factor (names the row).
    """
    if frame is None or len(frame) == 0:
        return SpecialDays(country, subdiv, ())
    if "date" not in frame.columns or not ({"factor", "closed"} & set(frame.columns)):
        raise ValueError(
            "special days: expected columns date, queue, factor and/or closed; "
            f"got {list(frame.columns)}. Fix: add a 'factor' or 'closed' column."
        )
    days = []
    truthy = {"1", "true", "yes", "y", "closed"}
    for i, row in enumerate(frame.itertuples(index=False)):
        rec = row._asdict()
        try:
            date = pd.Timestamp(str(rec["date"])).date()
        except ValueError as exc:
            raise ValueError(
                f"special days: expected a date YYYY-MM-DD in row {i}, column 'date'; "
                f"got {rec['date']!r}. Fix: write dates as 2026-12-25."
            ) from exc
        closed_raw = rec.get("closed", False)
        closed = (
            str(closed_raw).strip().lower() in truthy
            if not isinstance(closed_raw, (bool, np.bool_))
            else bool(closed_raw)
        )
        factor_raw = rec.get("factor", 1.0)
        factor = 1.0 if factor_raw is None or pd.isna(factor_raw) else float(factor_raw)
        if not closed and factor <= 0:
            raise ValueError(
                f"special days: expected a factor > 0 in row {i}; got {factor_raw!r}. "
                "Fix: use closed=true for a closed day."
            )
        queue = rec.get("queue", "*")
        queue = "*" if queue is None or pd.isna(queue) or str(queue) == "" else str(queue)
        days.append(SpecialDay(date, queue, factor, closed))
    return SpecialDays(country, subdiv, tuple(days))
