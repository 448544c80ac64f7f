"""JSON model cards: what was fitted for a queue, on which window, how well, with which versions.

Cards hold the method spec and parameters, the calibrated dispersion, the calendar policy learned
from history, the training window, the in-sample backtest metrics and library versions. Never
pickles: a card is plain JSON and can be read back with :func:`card_from_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .selection import MethodSpec

__all__ = ["CARD_VERSION", "ModelCard", "card_from_dict", "card_to_dict"]

CARD_VERSION = 1


@dataclass(frozen=True)
class ModelCard:
    """A fitted forecast model for one queue.

    Attributes
    ----------
    queue : str
    spec : MethodSpec
        Chosen method and parameters.
    dispersion : float
        Negative-binomial ``phi`` for the bands (``var = mu + phi mu^2``).
    level : float
        Band level the dispersion was calibrated for.
    interval_minutes : int
    training_start, training_end : str
        First and last local date of the training history (ISO).
    holiday_factor : float
        Volume multiplier on public holidays (0 = closed).
    holiday_factors : dict
        Own multiplier per holiday name, for holidays with enough past examples in the history
        (the others get ``holiday_factor``).
    spill : float
        Share of a closed day's expected calls added to the next open day.
    metrics : dict
        In-sample backtest WAPE per candidate label.
    versions : dict
        Library versions at fit time.
    """

    queue: str
    spec: MethodSpec
    dispersion: float
    level: float
    interval_minutes: int
    training_start: str
    training_end: str
    holiday_factor: float = 0.0
    spill: float = 0.0
    holiday_factors: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)


def card_to_dict(card: ModelCard) -> dict:
    """JSON-ready dict of a :class:`ModelCard` (``json.dumps`` works on it)."""
    return {
        "card_version": CARD_VERSION,
        "queue": card.queue,
        "spec": card.spec.to_dict(),
        "method": card.spec.label,
        "dispersion": card.dispersion,
        "level": card.level,
        "interval_minutes": card.interval_minutes,
        "training_window": {"start": card.training_start, "end": card.training_end},
        "holiday_factor": card.holiday_factor,
        "spill": card.spill,
        "holiday_factors": dict(card.holiday_factors),
        "metrics": {
            k: (None if v != v or v == float("inf") else v) for k, v in card.metrics.items()
        },
        "versions": dict(card.versions),
    }


def card_from_dict(data: dict) -> ModelCard:
    """Inverse of :func:`card_to_dict`.

    Raises
    ------
    ValueError
        For an unknown ``card_version``.
    """
    if data.get("card_version") != CARD_VERSION:
        raise ValueError(
            f"model card: expected card_version {CARD_VERSION}; got {data.get('card_version')!r}. "
            "Fix: refit with the current staffplan (staffplan forecast --save-models)."
        )
    return ModelCard(
        queue=data["queue"],
        spec=MethodSpec.from_dict(data["spec"]),
        dispersion=float(data["dispersion"]),
        level=float(data["level"]),
        interval_minutes=int(data["interval_minutes"]),
        training_start=data["training_window"]["start"],
        training_end=data["training_window"]["end"],
        holiday_factor=float(data.get("holiday_factor", 0.0)),
        spill=float(data.get("spill", 0.0)),
        holiday_factors={k: float(v) for k, v in data.get("holiday_factors", {}).items()},
        metrics={k: (float("nan") if v is None else v) for k, v in data["metrics"].items()},
        versions=dict(data.get("versions", {})),
    )
