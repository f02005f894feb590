"""The RFC 7946 GeoJSON writer: one FeatureCollection, streamed chunk by chunk."""

from __future__ import annotations

from typing import Any, TextIO

import geopandas as gpd
from shapely.geometry import mapping

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


class _GeoJSONWriter:
    """Streams one RFC 7946 FeatureCollection with a ``metadata`` foreign member."""

    def __init__(self, handle: TextIO, metadata: dict[str, Any]) -> None:
        self._handle = handle
        self._first = True
        handle.write('{"type":"FeatureCollection","metadata":' + _dumps(metadata))
        handle.write(',"features":[')

    def write(self, chunk: gpd.GeoDataFrame) -> None:
        names = _property_names(chunk)
        columns = _json_columns(chunk, names)
        geoms = _wgs84(chunk.geometry)
        rows = list(zip(*columns, strict=True)) if names else [()] * len(geoms)
        features = [
            '{"type":"Feature","geometry":'
            + _geometry_json(geom)
            + ',"properties":'
            + _dumps(dict(zip(names, row, strict=True)))
            + "}"
            for geom, row in zip(geoms, rows, strict=True)
        ]
        if features:
            self._handle.write(("\n" if self._first else ",\n") + ",\n".join(features))
            self._first = False

    def close(self) -> None:
        self._handle.write("\n]}\n")
