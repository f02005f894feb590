"""The count axis of the briefing's monthly trend chart, one rule for every output.

:func:`count_axis` gives the top and the ticks of the bar chart's value axis; the web page's
inline SVG (``web/briefing.py``) and the PNG/PDF's matplotlib axes
(:func:`hotspots.briefing.panels.draw_trend`) both use it, so the page and the PDF show the same
axis for the same figures. Hand-written (a few lines) rather than matplotlib's locator, so the
web page needs no matplotlib: the step is the smallest 1, 2 or 5 × 10^k (whole counts: at least
1) that covers the largest value in at most :data:`MAX_INTERVALS` intervals, and the top is the
first step at or above the largest value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["MAX_INTERVALS", "CountAxis", "count_axis"]

#: Most intervals between ticks on the axis.
MAX_INTERVALS = 6


@dataclass(frozen=True)
class CountAxis:
    """A value axis from 0 to ``top`` with ticks every ``step`` (whole counts)."""

    top: int
    step: int

    @property
    def ticks(self) -> range:
        """The tick values, 0 to ``top`` inclusive."""
        return range(0, self.top + 1, self.step)


def count_axis(values: Iterable[float]) -> CountAxis:
    """The axis for bars of ``values`` (counts >= 0): 0 to a round top, at most six intervals."""
    largest = max([0.0, *(float(v) for v in values)])
    raw = max(largest / MAX_INTERVALS, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    top = max(math.ceil(largest / step), 1) * step
    return CountAxis(top=int(top), step=int(step))
