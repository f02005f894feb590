"""GeoParquet 1.0.0: frames as Arrow tables with ``geo`` metadata, and Arrow tables as frames.

The ``geo`` metadata (the GeoParquet 1.0.0 keys) is written here because geopandas writes it only
when it writes a whole frame to a file (``to_parquet``); ``GeoDataFrame.to_arrow`` gives GeoArrow
extension arrays without it. The exports stream chunks through one
``pyarrow.parquet.ParquetWriter`` and the store is read back table by table, so the tables are made
here: attributes by pyarrow, WKB by shapely, a dozen metadata keys by hand.
"""

from __future__ import annotations

import json
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from hotspots import schema
from hotspots.errors import StoreError
from hotspots.export.formats import _BNG, METADATA_KEY, ExportError
from hotspots.export.jsonvalues import _dumps

_GEOPARQUET_VERSION: Final = "1.0.0"


def _geometry_types(geometry: gpd.GeoSeries) -> list[str]:
    present = geometry[~geometry.isna()]
    kinds = present.geom_type.replace({"LinearRing": "LineString"})
    kinds = kinds.where(~present.has_z, kinds + " Z")
    return sorted(set(kinds))


def _geo_metadata(
    column: str, geometry_types: list[str], bbox: list[float] | None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "encoding": "WKB",
        "geometry_types": geometry_types,
        "crs": _BNG.to_json_dict(),
    }
    if bbox is not None:
        spec["bbox"] = bbox
    return {
        "version": _GEOPARQUET_VERSION,
        "primary_column": column,
        "columns": {column: spec},
        "creator": {"library": "hotspots"},
    }


def _frame_to_arrow(name: str, frame: gpd.GeoDataFrame, meta: dict[str, Any]) -> pa.Table:
    column = frame.active_geometry_name
    attributes = pd.DataFrame(frame.drop(columns=[column]))
    try:
        table = pa.Table.from_pandas(attributes, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ExportError(f"frame {name!r}: cannot write it as GeoParquet: {exc}") from exc
    wkb = pa.array(shapely.to_wkb(frame.geometry.values, flavor="iso"), type=pa.binary())
    table = table.add_column(list(frame.columns).index(column), column, wkb)
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    bounds = [float(v) for v in present.total_bounds] if len(present) else None
    geo = _geo_metadata(column, _geometry_types(frame.geometry), bounds)
    return table.replace_schema_metadata(
        {
            **(table.schema.metadata or {}),
            b"geo": _dumps(geo).encode(),
            METADATA_KEY.encode(): _dumps(meta).encode(),
        }
    )


def _geo_metadata_of(table_schema: pa.Schema) -> dict[str, Any]:
    raw = (table_schema.metadata or {}).get(b"geo")
    if raw is None:
        raise StoreError("stored events file lacks GeoParquet 'geo' metadata; expected GeoParquet")
    geo: dict[str, Any] = json.loads(raw)
    return geo


def _geometry_name(table_schema: pa.Schema) -> str:
    name: str = _geo_metadata_of(table_schema)["primary_column"]
    return name


def _arrow_to_frame(table: pa.Table) -> gpd.GeoDataFrame:
    column = _geometry_name(table.schema)
    frame = table.to_pandas()
    wkb = frame.pop(column)
    geometry = gpd.GeoSeries.from_wkb(wkb.to_numpy(), index=frame.index, crs=schema.CRS_BNG)
    return gpd.GeoDataFrame(frame, geometry=geometry.rename(column), crs=schema.CRS_BNG)
