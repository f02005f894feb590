"""The commissioner's briefing: headline figures of a period, and a one-page A4 PNG or PDF.

:func:`briefing_figures` gathers what the briefing says (force-wide counts and changes, stop-and-
search outcome rates, raids, arrests and seizures, the wards that rose and fell most, the top
hotspots, the monthly trend and plain-language caveats); :func:`briefing_image` draws it with
matplotlib, with no browser and no network. Aggregates only: wards are shaded by count and
hotspots are ranked polygons; no offence, search or raid point is drawn.

Geometry is British National Grid (EPSG:27700, metres). The image is drawn on a
``matplotlib.figure.Figure`` (Agg and PDF canvases, no pyplot and no global rcParams), so
renders in several server threads do not interfere, and identical input gives identical bytes.

Modules: :mod:`~hotspots.briefing.monthly` (trend months and monthly counts),
:mod:`~hotspots.briefing.figures` (what the briefing says), :mod:`~hotspots.briefing.page` (the
page layout and file), :mod:`~hotspots.briefing.ward_map` and :mod:`~hotspots.briefing.panels`
(what is drawn on it), :mod:`~hotspots.briefing.style` (colours and the hotspot marks),
:mod:`~hotspots.briefing.textfit` (text fitted to a column's width in points),
:mod:`~hotspots.briefing.axis` (the trend chart's count axis, shared with the web page) and
:mod:`~hotspots.briefing.errors`.
"""

from __future__ import annotations

from hotspots.briefing.errors import BriefingError as BriefingError
from hotspots.briefing.figures import ARREST as ARREST
from hotspots.briefing.figures import NO_FURTHER_ACTION as NO_FURTHER_ACTION
from hotspots.briefing.figures import briefing_figures
from hotspots.briefing.monthly import monthly_counts, trend_months
from hotspots.briefing.page import A4_LANDSCAPE_IN as A4_LANDSCAPE_IN
from hotspots.briefing.page import ATTRIBUTION, briefing_image
from hotspots.briefing.page import DPI as DPI

__all__ = ["ATTRIBUTION", "briefing_figures", "briefing_image", "monthly_counts", "trend_months"]
