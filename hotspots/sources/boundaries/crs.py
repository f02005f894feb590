"""Which CRS a boundary file is in when it does not say (or says only GeoJSON's default), and
the check that its polygons land on the British National Grid once projected.

A file with no CRS is taken as WGS84 when its coordinates fit longitude/latitude (RFC 7946 says
GeoJSON is WGS84), or as British National Grid when they fit that grid; anything else is refused.
So is a file said to be WGS84 whose coordinates cannot be degrees (GDAL says so of every GeoJSON
without a ``"crs"`` member, also one in National Grid metres). So are polygons that do not land
on the grid once projected (NaN or infinite coordinates, a longitude or latitude out of range, a
place outside Great Britain).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from hotspots import schema
from hotspots.errors import BoundaryError

_BNG_E = schema.BNG_EASTING_M  # the extent points are checked against too
_BNG_N = schema.BNG_NORTHING_M


def check_on_the_grid(path: Path, frame: gpd.GeoDataFrame) -> None:
    """Refuse polygons that projection left without finite coordinates (longitude or latitude
    out of range) or that lie off British National Grid's extent (not in Great Britain)."""
    bounds = frame.geometry.bounds.to_numpy()
    inside = (
        np.isfinite(bounds).all(axis=1)
        & (bounds[:, 0] >= _BNG_E[0])
        & (bounds[:, 2] <= _BNG_E[1])
        & (bounds[:, 1] >= _BNG_N[0])
        & (bounds[:, 3] <= _BNG_N[1])
    )
    if not inside.all():
        first = int(np.flatnonzero(~inside)[0])
        raise BoundaryError(
            f"{path}: {int((~inside).sum())} polygon(s) off the British National Grid after "
            f"projection (the first, feature {first}, has bounds "
            f"{', '.join(f'{v:.1f}' for v in bounds[first])}); expected polygons in Great "
            f"Britain: easting {_BNG_E[0]:,.0f} to {_BNG_E[1]:,.0f} m, northing "
            f"{_BNG_N[0]:,.0f} to {_BNG_N[1]:,.0f} m (longitude/latitude in range)"
        )


#: Coordinates said to be degrees but beyond this (in absolute value) are taken as metres.
_METRES_ABOVE = 1_000.0


def not_degrees(frame: gpd.GeoDataFrame) -> bool:
    """True when ``frame`` says WGS84 but its coordinates cannot be degrees. GDAL gives every
    GeoJSON without a ``"crs"`` member WGS84 (RFC 7946), also one written in British National
    Grid metres by a tool that leaves the member out: such a CRS is no more than a default."""
    crs = frame.crs
    if crs is None or not crs.is_geographic or crs.to_epsg() != 4326:
        return False
    bounds = frame.total_bounds
    minx, miny, maxx, maxy = bounds
    degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    # Metres: finite and far beyond any degree (a vertex at 200 or infinity is an error in a
    # file of degrees, refused as off the grid once projected).
    return not degrees and bool(np.isfinite(bounds).all()) and max(abs(bounds)) > _METRES_ABOVE


def guess_crs(path: Path, frame: gpd.GeoDataFrame) -> str:
    """The CRS of a file that records none (or only GeoJSON's default): WGS84 when its bounds fit
    longitude/latitude, British National Grid when they fit that grid.

    Raises
    ------
    BoundaryError
        The bounds fit neither.
    """
    minx, miny, maxx, maxy = frame.total_bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return schema.CRS_WGS84
    if minx >= -100_000 and maxx <= 800_000 and miny >= -100_000 and maxy <= 1_400_000:
        return schema.CRS_BNG
    recorded = "no CRS recorded" if frame.crs is None else "WGS84 said (the GeoJSON default)"
    raise BoundaryError(
        f"{path}: {recorded} and the bounds {minx:.1f}, {miny:.1f}, {maxx:.1f}, {maxy:.1f} "
        "fit neither WGS84 longitude/latitude nor British National Grid metres; "
        "save the file with its CRS"
    )
