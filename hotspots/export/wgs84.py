"""EPSG:27700 geometries in WGS84 for GeoJSON and CSV: reprojected, rounded, RFC 7946 rings."""

from __future__ import annotations

import math
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema
from hotspots.export.formats import ExportError

_SHAPELY_21: Final = hasattr(shapely, "orient_polygons")


def _wgs84(geometry: gpd.GeoSeries) -> np.ndarray:
    """EPSG:27700 geometries → WGS84 lon/lat rounded to 6 decimals, RFC 7946 ring orientation."""
    geoms = np.asarray(geometry.to_crs(schema.CRS_WGS84).values, dtype=object)
    if _SHAPELY_21:
        geoms = shapely.transform(geoms, lambda c: np.round(c, 6), include_z=None)
        return np.asarray(shapely.orient_polygons(geoms, exterior_cw=False), dtype=object)
    geoms = shapely.transform(geoms, lambda c: np.round(c, 6))  # pragma: no cover (shapely 2.0)
    return np.array([_orient(g) for g in geoms], dtype=object)  # pragma: no cover


def _orient(geom: Any) -> Any:  # pragma: no cover (shapely < 2.1 only)
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    if isinstance(geom, GeometryCollection):
        return GeometryCollection([_orient(g) for g in geom.geoms])
    return geom


def _number(value: float) -> str:
    """A coordinate as JSON/CSV text with at most 6 decimals, never in exponent form."""
    if not math.isfinite(value):
        raise ExportError(f"coordinate {value!r} is not finite; expected a number")
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
