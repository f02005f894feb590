"""The briefing's error: arguments that do not fit (format, CRS, columns)."""

from __future__ import annotations

from hotspots.errors import HotspotsError

__all__ = ["BriefingError"]


class BriefingError(HotspotsError, ValueError):
    """A briefing was asked for with arguments that do not fit (format, CRS, columns)."""
