"""One rule for a number written out: :func:`whole_number` (JSON, CSV) and :func:`is_count`
(which columns are counts, so every file format types them as whole numbers).

Its own module (standard library only) so that :mod:`hotspots.presentation`, on the light path
of ``hotspots analyse`` (``tests/test_cli_startup.py``), and the export writers
(:mod:`hotspots.export.jsonvalues`, :mod:`hotspots.export.counts`) share it without the first
importing the second.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = ["COUNT_NAMES", "COUNT_SUFFIXES", "is_count", "whole_number"]

#: Suffixes of a ward or district table's count columns (``<layer>_count``, ``_prev``, the
#: change in events ``_change``, and the ``_rank``): whole numbers, or blank (no data, or a
#: small count blanked for the public or the commissioner's office).
COUNT_SUFFIXES: Final = ("_count", "_prev", "_change", "_rank")
#: Other count columns, by name: a hotspot's (``rank``, ``offences``, ``offences_prev``,
#: ``change``, ``searches``, ``raids``, ``locations``, ``months_active``, ``periods``,
#: ``periods_hot``, the scan zone's ``zone_offences`` and ``zone_drug_offences``, its
#: ``hotspot_id``) and a raid's (``arrests``, ``charges``).
COUNT_NAMES: Final = frozenset(
    {
        "hotspot_id",
        "rank",
        "offences",
        "offences_prev",
        "change",
        "searches",
        "raids",
        "locations",
        "months_active",
        "periods",
        "periods_hot",
        "zone_offences",
        "zone_drug_offences",
        "arrests",
        "charges",
    }
)


def is_count(column: str) -> bool:
    """Whether ``column`` holds a count (a whole number, or blank): named in
    :data:`COUNT_NAMES` or ending in one of :data:`COUNT_SUFFIXES`. A rate (``_per_km2``), a
    share or a percentage change (``_change_pct``) is not."""
    return column in COUNT_NAMES or column.endswith(COUNT_SUFFIXES)


def whole_number(value: float) -> float | int | None:
    """A float as JSON: None when not finite, an ``int`` when whole (the CSV's ``21``), else
    itself. JSON does not tell ``21`` from ``21.0``, but its readers do (Python, QGIS's
    field types), and a count is a whole number."""
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value
