"""Polygons that cover a force area, for ``crimes-street`` queries, and how to split one.

The first polygons are the force area grown by ``margin_m`` metres and simplified (tolerance
``tolerance_m``, so it still covers the area grown by ``margin_m - tolerance_m``), one per part,
outer ring only (``poly`` has no holes). Following the area rather than its bounding box keeps
out most crimes of neighbouring forces; the margin brings in the force's own crimes recorded
just outside its boundary, which the ingest then rejects as ``outside force area`` exactly as
it does in the force's CSV. A polygon the API finds too full is split into the parts of it that
fall in each quarter of its bounding box.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import Polygon, box

from hotspots import schema

__all__ = ["MARGIN_M", "TOLERANCE_M", "cover", "poly_text", "split"]

#: How far beyond the force area the queries reach (metres).
MARGIN_M = 2000.0
#: Simplification of the grown outline (metres): fewer vertices, a shorter request.
TOLERANCE_M = 50.0


def cover(
    force_area: gpd.GeoDataFrame, margin_m: float = MARGIN_M, tolerance_m: float = TOLERANCE_M
) -> list[Polygon]:
    """The first query polygons (WGS84 lon/lat) for ``force_area`` (EPSG:27700)."""
    area = force_area.to_crs(schema.CRS_BNG).geometry.union_all()
    grown = area.buffer(float(margin_m)).simplify(float(tolerance_m))
    wgs84 = gpd.GeoSeries([grown], crs=schema.CRS_BNG).to_crs("EPSG:4326").iloc[0]
    return _outer_rings(wgs84)


def split(polygon: Polygon) -> list[Polygon]:
    """The parts of ``polygon`` in each quarter of its bounding box."""
    minx, miny, maxx, maxy = polygon.bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    quarters = (
        box(minx, miny, midx, midy),
        box(midx, miny, maxx, midy),
        box(minx, midy, midx, maxy),
        box(midx, midy, maxx, maxy),
    )
    parts: list[Polygon] = []
    for quarter in quarters:
        parts.extend(_outer_rings(polygon.intersection(quarter)))
    return parts


def poly_text(polygon: Polygon) -> str:
    """The API's ``poly``: ``lat,lng`` pairs joined by ``:`` (6 decimals, about 0.1 m)."""
    coords = list(polygon.exterior.coords)[:-1]
    return ":".join(f"{lat:.6f},{lng:.6f}" for lng, lat in coords)


def _outer_rings(geometry: shapely.Geometry) -> list[Polygon]:
    """Each polygon part of ``geometry``, holes dropped (lines and points left out)."""
    return [
        Polygon(part.exterior)
        for part in shapely.get_parts(geometry)
        if isinstance(part, Polygon) and part.area > 0
    ]
