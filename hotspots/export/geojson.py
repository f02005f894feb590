"""The RFC 7946 GeoJSON writer: one FeatureCollection, streamed chunk by chunk.

Hand-written because neither library writes what the exports and the OGC API both need.
pyogrio (GDAL's GeoJSON driver) writes files, not the feature texts a page of
``/ogc/.../items`` is made of, so the two would write features two ways; ``shapely.to_geojson``
(GEOS) writes coordinates as shortest floats, in exponent form for small values (``1e-07``),
where the files here keep at most 6 decimals and never an exponent
(:func:`hotspots.export.wgs84._number`, the CSV's rule too). The geometry itself comes from
shapely (``mapping``), the properties from :mod:`json`; this module only joins them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TextIO

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from hotspots import schema
from hotspots.export.checks import _property_names
from hotspots.export.jsonvalues import _dumps, _json_columns
from hotspots.export.wgs84 import _number, _wgs84


def _coordinates_json(coords: Any) -> str:
    if len(coords) and isinstance(coords[0], int | float):
        return "[" + ",".join(_number(float(v)) for v in coords) + "]"
    return "[" + ",".join(_coordinates_json(c) for c in coords) + "]"


def _geometry_json(geom: Any) -> str:
    if geom is None or geom.is_empty:
        return "null"
    if geom.geom_type == "GeometryCollection":
        parts = [_geometry_json(g) for g in geom.geoms if not g.is_empty]
        return '{"type":"GeometryCollection","geometries":[' + ",".join(parts) + "]}"
    kind = "LineString" if geom.geom_type == "LinearRing" else geom.geom_type
    coords = _coordinates_json(mapping(geom)["coordinates"])
    return '{"type":"' + kind + '","coordinates":' + coords + "}"


def feature_texts(
    chunk: gpd.GeoDataFrame,
    id_column: str | None = None,
    crs: str = schema.CRS_WGS84,
    whole: Collection[str] | None = None,
) -> list[str]:
    """Each row of ``chunk`` (EPSG:27700) as the JSON text of one GeoJSON Feature.

    Coordinates are WGS84 lon/lat (RFC 7946: 6 decimals, counter-clockwise exteriors) unless
    ``crs`` is :data:`hotspots.schema.CRS_BNG`, when they stay British National Grid metres
    (OGC API - Features Part 2). With ``id_column``, each feature's ``id`` member is that
    column's value (it stays a property too). ``whole``: the float columns written as integers,
    decided on the whole table (:func:`hotspots.export.jsonvalues.whole_columns`); None: per
    value. Used by the file export and the OGC API.
    """
    names = _property_names(chunk)
    columns = _json_columns(chunk, names, whole)
    if crs == schema.CRS_BNG:
        geoms = shapely.transform(np.asarray(chunk.geometry.values, dtype=object), _round_2)
    else:
        geoms = _wgs84(chunk.geometry)
    rows = list(zip(*columns, strict=True)) if names else [()] * len(geoms)
    ids: list[str | None] = [None] * len(geoms)
    if id_column is not None:
        ids = [_dumps(v) for v in columns[names.index(id_column)]]
    return [
        '{"type":"Feature"'
        + ("" if fid is None else ',"id":' + fid)
        + ',"geometry":'
        + _geometry_json(geom)
        + ',"properties":'
        + _dumps(dict(zip(names, row, strict=True)))
        + "}"
        for geom, row, fid in zip(geoms, rows, ids, strict=True)
    ]


def _round_2(coords: np.ndarray) -> np.ndarray:
    """Metres to the centimetre."""
    return np.round(coords, 2)


class _GeoJSONWriter:
    """Streams one RFC 7946 FeatureCollection with a ``metadata`` foreign member."""

    def __init__(
        self, handle: TextIO, metadata: dict[str, Any], whole: Collection[str] | None = None
    ) -> None:
        self._handle = handle
        self._first = True
        self._whole = whole
        handle.write('{"type":"FeatureCollection","metadata":' + _dumps(metadata))
        handle.write(',"features":[')

    def write(self, chunk: gpd.GeoDataFrame) -> None:
        features = feature_texts(chunk, whole=self._whole)
        if features:
            self._handle.write(("\n" if self._first else ",\n") + ",\n".join(features))
            self._first = False

    def close(self) -> None:
        self._handle.write("\n]}\n")
