"""Queueing kernels: from calls and handle time to the agents needed per interval.

Pure numpy/scipy functions over scalars and arrays (float64, broadcasting), no pandas and no
I/O. Times are seconds, probabilities and targets fractions in [0, 1], loads in Erlangs.

* Voice, infinite patience (Erlang C): :func:`traffic`, :func:`erlang_b`, :func:`erlang_c`,
  :func:`service_level`, :func:`asa`, :func:`occupancy`, :func:`required_agents`,
  :func:`scheduled_agents`.
* Voice with abandonment (Erlang A, M/M/n+M): :func:`erlang_a`, :func:`required_agents_a`.
* Chat with concurrency: :func:`chat_aht`, :func:`erlang_chat`, :func:`required_agents_chat`.
* Deferred work (email, back office): :func:`required_agents_deferred`.
"""

from .abandonment import erlang_a, required_agents_a
from .chat import chat_aht, erlang_chat, required_agents_chat
from .deferred import required_agents_deferred
from .delay import (
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    scheduled_agents,
    service_level,
    traffic,
)

__all__ = [
    "asa",
    "chat_aht",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_chat",
    "occupancy",
    "required_agents",
    "required_agents_a",
    "required_agents_chat",
    "required_agents_deferred",
    "scheduled_agents",
    "service_level",
    "traffic",
]
