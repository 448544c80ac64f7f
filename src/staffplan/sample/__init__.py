"""Seeded generator of the demo contact centre shipped in ``data/samples/``.

:func:`build_sample` returns every sample input as text or frames (no file I/O; ``io.py``
writes them): the plan config, 12 weeks of interval history for four queues, the agents with
their skills and contracts, availability for the following planning week, and an agent-state
log for the last two weeks of the history that accounts for every handled contact.

The same seed always gives identical output; all randomness comes from one
``numpy.random.default_rng(seed)`` split into independent streams.
"""

from staffplan.sample.centre import SampleCentre, build_sample

__all__ = ["SampleCentre", "build_sample"]
