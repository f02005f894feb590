"""The fast path for writing a layer of points as GeoParquet.

geopandas writes every geometry through shapely's WKB writer (about a microsecond a point); the
WKB of a 2-D point is 21 fixed bytes, built here straight from the coordinates into the table
``frame.to_parquet(index=False)`` would write. Used by :func:`hotspots.store.writing.write_parquet`.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from hotspots import schema


def _point_coordinates(frame: gpd.GeoDataFrame) -> np.ndarray | None:
    """The ``(n, 2)`` coordinates of a layer of finite 2-D points, else ``None``."""
    if len(frame) == 0 or frame.attrs or int((frame.dtypes == "geometry").sum()) != 1:
        return None
    geometry = np.asarray(frame.geometry.array)
    if (shapely.get_type_id(geometry) != 0).any() or shapely.has_z(geometry).any():
        return None
    xy = shapely.get_coordinates(geometry)
    if len(xy) != len(frame) or not np.isfinite(xy).all() or len(xy) * 21 >= 2**31:
        return None
    return xy


def _point_coordinates_given(frame: gpd.GeoDataFrame, xy: np.ndarray) -> bool:
    """Whether ``xy`` can stand for :func:`_point_coordinates` of ``frame`` (the caller vouches
    that they are its points' coordinates): the same conditions, but on ``xy`` alone."""
    if len(frame) == 0 or frame.attrs or int((frame.dtypes == "geometry").sum()) != 1:
        return False
    return xy.shape == (len(frame), 2) and bool(np.isfinite(xy).all()) and len(xy) * 21 < 2**31


def _point_layer_table(frame: gpd.GeoDataFrame, xy: np.ndarray, first_row: pa.Schema) -> pa.Table:
    """The Arrow table ``frame.to_parquet(index=False)`` writes, built faster for a point layer.

    geopandas writes every geometry through the WKB writer of shapely (about a microsecond a
    point); the WKB of a 2-D point is 21 fixed bytes, written here from ``xy``. The geometry
    field and the GeoParquet ``geo`` metadata come from ``first_row`` (the schema geopandas wrote
    for the first row), with the bounding box of all rows.
    """
    name = frame.geometry.name
    geo = json.loads(first_row.metadata[b"geo"])
    geo["columns"][name]["bbox"] = [*xy.min(axis=0).tolist(), *xy.max(axis=0).tolist()]
    attributes = pd.DataFrame(frame.copy(deep=False))
    attributes[name] = None
    table = pa.Table.from_pandas(attributes, preserve_index=False, nthreads=1)
    position = table.schema.get_field_index(name)
    table = table.set_column(position, first_row.field(name), _point_wkb(xy))
    metadata = {**table.schema.metadata, b"geo": json.dumps(geo).encode("utf-8")}
    return table.replace_schema_metadata(metadata)


def _compression(columns: list[str]) -> dict[str, str]:
    """Snappy, as geopandas writes, except for event ids: police.uk's are 64 random hex digits,
    which Snappy shrinks by 9 % at three times the cost of storing them as they are."""
    return {name: "none" if name == schema.EVENT_ID else "snappy" for name in columns}


def _point_wkb(xy: np.ndarray) -> pa.Array:
    """ISO WKB of 2-D points (little-endian): byte order 1, type 1, then x and y."""
    records = np.empty(
        len(xy), dtype=np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
    )
    records["order"] = 1
    records["type"] = 1
    records["x"] = xy[:, 0]
    records["y"] = xy[:, 1]
    offsets = np.arange(len(xy) + 1, dtype=np.int32) * records.itemsize
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(records.view(np.uint8))]
    return pa.Array.from_buffers(pa.binary(), len(xy), buffers)
