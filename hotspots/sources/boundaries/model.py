"""What a boundary reader returns: wards or a force area in British National Grid, with the
files they came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd


@dataclass
class Boundaries:
    """Wards (or a force area) ready for the join, in EPSG:27700.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        ``ward_code``, ``ward_name``, ``district_code``, ``district_name``, ``geometry``.
    vintage : str
        E.g. ``"WD23"`` (December 2023 wards) or ``"custom"`` when columns were named.
    sources : list of dict
        ``{"name", "sha256", "features"}`` per file read.
    repaired : int
        Invalid polygons repaired with ``shapely.make_valid``.
    outside : int
        Wards of the files not kept: outside the force area (:func:`force_wards`).
    """

    frame: gpd.GeoDataFrame
    vintage: str
    sources: list[dict[str, object]] = field(default_factory=list)
    repaired: int = 0
    outside: int = 0
