"""Forecast interval volume and handle time per queue (issue 4).

Public API: :func:`forecast`, :func:`fit`, :func:`backtest`, special days
(:class:`SpecialDays`, :func:`special_days_from_frame`) and JSON model cards
(:class:`ModelCard`, :func:`card_to_dict`, :func:`card_from_dict`).
"""

from .backtest import backtest, backtest_origins
from .calendar import SpecialDay, SpecialDays, special_days_from_frame
from .cards import ModelCard, card_from_dict, card_to_dict
from .engine import fit, forecast
from .intervals import nb_band
from .selection import AUTO_CANDIDATES, METHOD_GRIDS, MethodSpec

__all__ = [
    "AUTO_CANDIDATES",
    "METHOD_GRIDS",
    "MethodSpec",
    "ModelCard",
    "SpecialDay",
    "SpecialDays",
    "backtest",
    "backtest_origins",
    "card_from_dict",
    "card_to_dict",
    "fit",
    "forecast",
    "nb_band",
    "special_days_from_frame",
]
