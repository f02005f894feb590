"""The CSV writer (properties, ``lon``, ``lat``, ``wkt`` in WGS84) and its metadata sidecar.

A number holding a whole value is written as a whole number (``6``, never ``6.0``): a count
column with a blank (suppressed, or a month with no data) is held as float, and its counts must
still read as counts; a blank is an empty cell.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import geopandas as gpd
import shapely

from hotspots.csvsafe import cell_text
from hotspots.export.atomic import _Staging
from hotspots.export.formats import CSV_GEOMETRY_COLUMNS
from hotspots.export.jsonvalues import _dumps, _json_columns
from hotspots.export.wgs84 import _number, _wgs84


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return cell_text(_dumps(value))
    if isinstance(value, str):
        return cell_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _CsvWriter:
    """Streams a CSV of the given property columns plus ``lon``, ``lat``, ``wkt`` (WGS84)."""

    def __init__(self, handle: TextIO, columns: Sequence[str]) -> None:
        self._columns = list(columns)
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow([*self._columns, *CSV_GEOMETRY_COLUMNS])

    def write(self, chunk: gpd.GeoDataFrame) -> None:
        geoms = _wgs84(chunk.geometry)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        points = shapely.point_on_surface(geoms)
        lon = [
            _number(v) if ok else "" for v, ok in zip(shapely.get_x(points), present, strict=True)
        ]
        lat = [
            _number(v) if ok else "" for v, ok in zip(shapely.get_y(points), present, strict=True)
        ]
        wkt = shapely.to_wkt(geoms, rounding_precision=6, trim=True)
        columns = [[_csv_text(v) for v in col] for col in _json_columns(chunk, self._columns)]
        wkt_text = [w if ok else "" for w, ok in zip(wkt, present, strict=True)]
        self._writer.writerows(zip(*columns, lon, lat, wkt_text, strict=True))

    def close(self) -> None:
        pass


def _write_sidecar(staging: _Staging, target: Path, meta: dict[str, Any]) -> None:
    sidecar = target.with_name(f"{target.stem}.metadata.json")
    tmp = staging.add(sidecar, "json")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
