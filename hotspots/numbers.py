"""One rule for a number written as JSON: :func:`whole_number`.

Its own module (standard library only) so that :mod:`hotspots.presentation`, on the light path
of ``hotspots analyse`` (``tests/test_cli_startup.py``), and the export writers
(:mod:`hotspots.export.jsonvalues`) share it without the first importing the second.
"""

from __future__ import annotations

import math

__all__ = ["whole_number"]


def whole_number(value: float) -> float | int | None:
    """A float as JSON: None when not finite, an ``int`` when whole (the CSV's ``21``), else
    itself. JSON does not tell ``21`` from ``21.0``, but its readers do (Python, QGIS's
    field types), and a count is a whole number."""
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value
