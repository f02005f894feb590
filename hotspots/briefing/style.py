"""Colours of the briefing page, shared by the page frame and its panels.

Text ink and greys follow the GOV.UK palette; the trend bars tell the period (dark blue), the
comparison period (light blue) and other months (grey) apart.
"""

from __future__ import annotations

__all__ = ["BEFORE", "GREY", "INK", "NOW", "OTHER", "RULE"]

#: Text, secondary text, and rules and outlines.
INK, GREY, RULE = "#0b0c0c", "#505a5f", "#b1b4b6"
#: The period, the comparison period and other months.
NOW, BEFORE, OTHER = "#1f4e79", "#8fb3d9", "#d0d0d0"
