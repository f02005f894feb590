"""A change in the force's monthly total, and the candidates with the shortest memory.

Options of the nested choice (``docs/forecast.md``, *Round 4*), off by default: the months
before the common test months held no change, so they could not judge them.

- :func:`change_z`: the force total ``T`` of the last history month against the mean ``L`` of
  the history months before it (at least 2): ``z = (T - L) / sqrt(v)``, ``v = L`` (a Poisson
  count) or, with ``dispersed``, ``L max(1, s² / L)`` (``s²`` the sample variance of the months
  before the last, when there are at least 3 of them). :data:`CHANGE_Z` (two-sided 1%) is a
  change.
- :func:`is_short_memory`: a candidate that looks at the last month only or with a half-life
  of one month (not persistence, which counts 12 months). After a change, the months before it
  describe another regime, so the choice is restricted to these.
- :func:`likeness`: the weight ``exp(-(z_m - z_t)² / 2)`` of an inner month ``m`` when
  forecasting month ``t``: a kernel one standard error of ``z`` wide.

Why hand-written: a mean and a square root; no test of a library fits one count against a
few months' mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: ``|z|`` above which the last month's total is a change (two-sided 1%, normal approximation).
CHANGE_Z = 2.576
#: The change rules :class:`~hotspots.evaluate.forecast.options.ForecastOptions` accepts.
CHANGE_RULES: tuple[str, ...] = ("none", "short-memory", "short-memory-smallest", "dispersed")


def change_z(totals: Sequence[float], dispersed: bool = False) -> float:
    """``z`` of the last of ``totals`` (force totals, oldest first) against the mean of the
    ones before it; 0 with fewer than 2 before it or a mean of 0."""
    if len(totals) < 3:
        return 0.0
    before = np.asarray(totals[:-1], dtype=float)
    level = float(before.mean())
    if level <= 0:
        return 0.0
    variance = level
    if dispersed and len(before) >= 3:
        variance = level * max(1.0, float(before.var(ddof=1)) / level)
    return (float(totals[-1]) - level) / math.sqrt(variance)


def is_short_memory(name: str) -> bool:
    """A candidate that uses the last month only or a half-life of one month."""
    if "persist" in name or "months then" in name:
        return False
    return "h=1" in name.split() or name.endswith("last 1 months")


def likeness(z_inner: float, z_month: float) -> float:
    """The weight of an inner month whose change statistic is ``z_inner``."""
    return math.exp(-((z_inner - z_month) ** 2) / 2.0)
