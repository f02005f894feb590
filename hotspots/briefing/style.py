"""Colours and marks of the briefing page, shared by the page frame, its panels and the map key.

Text ink and greys follow the GOV.UK palette; the trend bars tell the period (dark blue), the
comparison period (light blue) and other months (grey) apart. :data:`HOTSPOT` is how a top
hotspot is drawn: the ward map draws its marks and the map's key draws the same marks from the
same object, so the key matches the map in symbol, colour and size.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BEFORE", "GREY", "HOTSPOT", "INK", "NOW", "OTHER", "RULE", "HotspotMark"]

#: Text, secondary text, and rules and outlines.
INK, GREY, RULE = "#0b0c0c", "#505a5f", "#b1b4b6"
#: The period, the comparison period and other months.
NOW, BEFORE, OTHER = "#1f4e79", "#8fb3d9", "#d0d0d0"


@dataclass(frozen=True)
class HotspotMark:
    """A top hotspot on the ward map: a dot at its centre, and its rank in a circle beside it.

    Sizes are in points, so the marks are the same size on the map and in the key whatever
    the map's scale: a hotspot area is tens of metres across, well under a pixel on a force's
    map, so the area alone would not be seen (its outline is still drawn, at true size).
    """

    #: Fill of the dot and the area; edges are ``edge``.
    fill: str = "#d55e00"
    edge: str = INK
    #: Diameter of the dot at the hotspot's centre and the width of its edge, points.
    dot_pt: float = 6.0
    dot_edge_pt: float = 0.5
    #: The rank's circle: diameter, fill, edge width and the rank's font size, points.
    badge_pt: float = 11.0
    badge_fill: str = "white"
    badge_edge_pt: float = 0.6
    rank_font_pt: float = 6.5
    #: The rank's circle sits this far right of and above the dot, joined by a leader line.
    offset_pt: float = 8.0
    leader_pt: float = 0.5


HOTSPOT = HotspotMark()
