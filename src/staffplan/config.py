"""The plan configuration (``plan.toml``): a validated, frozen model and its loader.

The TOML layout is a contract (see DESIGN.md); later stages add sections, none are renamed.
Unknown keys and wrong types are refused with the key's path, the value found, what was
expected and, for misspelt keys, the closest known name.
"""

from __future__ import annotations

import difflib
import tomllib
import zoneinfo
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from staffplan.errors import InputError, Problem
from staffplan.scheduling.rules import ShiftRules, SolverSettings

__all__ = [
    "WEEKDAYS",
    "CenterConfig",
    "Channel",
    "OpeningHours",
    "PlanConfig",
    "QueueConfig",
    "load_config",
    "parse_config",
    "parse_clock_range",
]

#: Weekday keys of ``[center.opening_hours]``, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALLOWED_INTERVAL_MINUTES = (5, 10, 15, 20, 30, 60)

Channel = Literal["voice", "chat", "email"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def parse_clock_range(text: str) -> tuple[int, int]:
    """Parse ``"HH:MM-HH:MM"`` (local wall clock) into minutes after midnight.

    ``"24:00"`` is allowed as an end. Raises ``ValueError`` with the expected format.

    Returns
    -------
    tuple of int
        ``(start_min, end_min)`` with ``0 <= start_min < end_min <= 1440``.
    """
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"expected 'HH:MM-HH:MM' such as '08:00-20:00', found {text!r}")
    start, end = (_clock_minutes(p.strip(), text) for p in parts)
    if not start < end:
        raise ValueError(
            f"the opening time must be before the closing time, found {text!r} "
            "(a range past midnight is not supported: split it over two days)"
        )
    return start, end


def _clock_minutes(part: str, whole: str) -> int:
    hh, sep, mm = part.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"expected 'HH:MM-HH:MM' such as '08:00-20:00', found {whole!r}")
    minutes = int(hh) * 60 + int(mm)
    if int(mm) >= 60 or minutes > 24 * 60:
        raise ValueError(f"{part!r} is not a clock time between 00:00 and 24:00")
    return minutes


class OpeningHours(_Model):
    """Opening hours per local weekday as ``"HH:MM-HH:MM"``; a missing day is closed."""

    mon: str | None = None
    tue: str | None = None
    wed: str | None = None
    thu: str | None = None
    fri: str | None = None
    sat: str | None = None
    sun: str | None = None

    @field_validator(*WEEKDAYS)
    @classmethod
    def _check_range(cls, value: str | None) -> str | None:
        if value is not None:
            parse_clock_range(value)
        return value

    def minutes(self, weekday: int) -> tuple[int, int] | None:
        """Opening range of a weekday (0 = Monday) in minutes after local midnight, or None."""
        text = getattr(self, WEEKDAYS[weekday])
        return None if text is None else parse_clock_range(text)


class CenterConfig(_Model):
    """The contact centre: where it is, its interval grid, its opening hours, its shrinkage."""

    name: str = Field(min_length=1)
    timezone: str | None = None
    country: str | None = None
    interval_minutes: int = 15
    shrinkage: float = Field(default=0.0, ge=0.0, lt=1.0)
    opening_hours: OpeningHours = OpeningHours()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(
                f"expected an IANA time zone such as 'Europe/Amsterdam', found {value!r}{hint}"
            ) from None
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import holidays

        supported = holidays.list_supported_countries()
        if value not in supported:
            close = difflib.get_close_matches(value.upper(), sorted(supported), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(
                f"expected an ISO 3166 country code known to the holidays package such as "
                f"'NL', found {value!r}{hint}"
            )
        return value

    @field_validator("interval_minutes")
    @classmethod
    def _allowed_interval(cls, value: int) -> int:
        if value not in ALLOWED_INTERVAL_MINUTES:
            raise ValueError(
                f"expected one of {', '.join(map(str, ALLOWED_INTERVAL_MINUTES))} minutes, "
                f"found {value}"
            )
        return value

    @model_validator(mode="after")
    def _hours_on_grid(self) -> CenterConfig:
        for day in WEEKDAYS:
            text = getattr(self.opening_hours, day)
            if text is None:
                continue
            start, end = parse_clock_range(text)
            if start % self.interval_minutes or end % self.interval_minutes:
                raise ValueError(
                    f"opening_hours.{day} = {text!r} does not fall on the "
                    f"{self.interval_minutes}-minute interval grid"
                )
        return self

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo | None:
        """The centre's time zone, or None when the config gives none."""
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else None


class QueueConfig(_Model):
    """One queue: its channel and service target.

    ``service_level`` is the target fraction answered within ``threshold_s`` seconds (voice,
    chat) or within ``deadline_h`` hours (email). ``patience_s`` (mean patience before
    abandoning, seconds) switches a voice queue to Erlang A, where ``max_abandon`` may cap
    the abandoned fraction; ``target_asa_s`` optionally caps the average speed of answer
    (seconds); ``concurrency`` is the number of chats an agent handles at once and
    ``concurrency_inflation`` the relative handle-time growth per extra concurrent chat
    (0 when the handle times in the history were measured at that concurrency).
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    channel: Channel
    service_level: float
    threshold_s: float | None = Field(default=None, ge=0)
    max_occupancy: float = Field(default=1.0, gt=0.0, le=1.0)
    patience_s: float | None = Field(default=None, gt=0)
    concurrency: int = Field(default=1, ge=1, le=20)
    concurrency_inflation: float = Field(default=0.0, ge=0.0)
    deadline_h: float | None = Field(default=None, gt=0)
    max_abandon: float | None = Field(default=None, ge=0.0, le=1.0)
    target_asa_s: float | None = Field(default=None, gt=0)

    @field_validator("service_level")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            hint = f" (write {value / 100:.2f} for {value:g}%)" if 1 < value <= 100 else ""
            raise ValueError(f"expected a fraction in [0, 1], found {value}{hint}")
        return value

    @model_validator(mode="after")
    def _channel_keys(self) -> QueueConfig:
        if self.channel in ("voice", "chat") and self.threshold_s is None:
            raise ValueError(f"a {self.channel} queue needs threshold_s (e.g. threshold_s = 20)")
        if self.channel == "email":
            if self.deadline_h is None:
                raise ValueError("an email queue needs deadline_h (e.g. deadline_h = 24)")
            if self.target_asa_s is not None:
                raise ValueError("target_asa_s applies to voice and chat queues, not email")
        elif self.deadline_h is not None:
            raise ValueError(f"deadline_h applies to email queues, not {self.channel}")
        if self.channel != "voice":
            for key in ("patience_s", "max_abandon"):
                if getattr(self, key) is not None:
                    raise ValueError(f"{key} applies to voice queues, not {self.channel}")
        elif self.max_abandon is not None and self.patience_s is None:
            raise ValueError("max_abandon needs patience_s (abandonment is modelled by Erlang A)")
        if self.channel != "chat" and (self.concurrency != 1 or self.concurrency_inflation):
            raise ValueError(f"concurrency applies to chat queues, not {self.channel}")
        return self


class PlanConfig(_Model):
    """The whole ``plan.toml``."""

    center: CenterConfig
    queues: list[QueueConfig] = Field(min_length=1)
    shifts: ShiftRules | None = None
    solver: SolverSettings = SolverSettings()

    @model_validator(mode="after")
    def _unique_queue_names(self) -> PlanConfig:
        names = [q.name for q in self.queues]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"queue names must be unique, found {', '.join(duplicates)} twice")
        return self

    @property
    def queue_names(self) -> list[str]:
        """Queue names in config order."""
        return [q.name for q in self.queues]

    def queue(self, name: str) -> QueueConfig:
        """The queue called ``name`` (KeyError if unknown)."""
        for q in self.queues:
            if q.name == name:
                return q
        raise KeyError(name)


def load_config(path: str | Path) -> PlanConfig:
    """Read and validate ``plan.toml``.

    Raises
    ------
    InputError
        When the file is missing, is not TOML, or a key is unknown, misspelt, of the wrong
        type or out of range; every problem names the key path and value.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            Problem(
                "config file not found",
                file=str(path),
                fix="pass the path of your plan.toml (see data/samples/plan.toml)",
            )
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(
            Problem("expected a UTF-8 TOML text file, found binary data", file=str(path))
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            Problem(
                f"not valid TOML: {exc}",
                file=str(path),
                fix="check quotes, '=' signs and [section] headers on that line",
            )
        ) from None
    return parse_config(data, source=str(path))


def parse_config(data: dict[str, Any], *, source: str = "plan.toml") -> PlanConfig:
    """Validate an already parsed TOML mapping; see :func:`load_config`."""
    try:
        return PlanConfig.model_validate(data)
    except ValidationError as exc:
        raise InputError([_problem_from(err, data, source) for err in exc.errors()]) from None


def _problem_from(err: dict[str, Any], data: dict[str, Any], source: str) -> Problem:
    loc = [part for part in err["loc"] if not isinstance(part, str) or "[" not in part]
    key = _key_path(loc)
    value = err.get("input")
    shown = None if isinstance(value, dict | list) else repr(value)
    kind = err["type"]
    fix = None
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        message = "unknown key"
        fix = (f"did you mean '{close[0]}'? " if close else "") + (
            f"known keys here: {', '.join(known)}"
        )
    elif kind == "missing":
        message = "required key is missing"
        fix = f"add {loc[-1]} = ... (see data/samples/plan.toml)"
    else:
        message = err["msg"].removeprefix("Value error, ")
        if kind.endswith("_type"):
            message = f"wrong type: {message} (found {type(value).__name__})"
    return Problem(message, file=source, where=f"key {key}", value=shown, fix=fix)


def _key_path(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _known_keys(loc: list[Any]) -> list[str]:
    model: type[BaseModel] = PlanConfig
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", (annotation,))
        nested = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return []
        model = nested[0]
    return list(model.model_fields)
