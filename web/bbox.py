"""A WGS84 bounding box: the ``bbox`` parameter of the analyst API and OGC API - Features, and
the rows of a frame that meet it."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from shapely.geometry import box
from werkzeug.datastructures import MultiDict

from hotspots import schema
from web.errors import BadParameter

__all__ = ["in_bbox_wgs84", "parse_bbox"]


def parse_bbox(args: MultiDict[str, str]) -> tuple[float, float, float, float] | None:
    """The ``bbox`` parameter (``minlon,minlat,maxlon,maxlat``); None when not given."""
    raw = args.get("bbox")
    if raw is None:
        return None
    expected = (
        "minlon,minlat,maxlon,maxlat: four numbers, longitudes -180 to 180, latitudes -90 to "
        "90, min < max"
    )
    parts = raw.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise BadParameter("bbox", raw, expected) from None
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadParameter("bbox", raw, expected)
    x0, y0, x1, y1 = numbers
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise BadParameter("bbox", raw, expected)
    return x0, y0, x1, y1


def in_bbox_wgs84(frame: gpd.GeoDataFrame, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Rows whose geometry (EPSG:27700) meets the WGS84 box (points: inside or on an edge)."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return frame.geometry.to_crs(schema.CRS_WGS84).intersects(box(*bbox)).to_numpy(dtype=bool)
