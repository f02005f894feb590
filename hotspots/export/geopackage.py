"""GeoPackage writing: the ``metadata`` layer, and event layers streamed chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyogrio

from hotspots.export.formats import METADATA_LAYER
from hotspots.export.geoparquet import _arrow_to_frame, _geo_metadata_of, _geometry_name
from hotspots.export.jsonvalues import _dumps


def _write_gpkg_metadata(tmp: Path, meta: dict[str, Any]) -> None:
    rows = pd.DataFrame(
        {
            "key": list(meta),
            "value": [v if isinstance(v, str) else _dumps(v) for v in meta.values()],
        }
    )
    pyogrio.write_dataframe(rows, tmp, layer=METADATA_LAYER, driver="GPKG")


def _stream_gpkg(
    tmp: Path, layer: str, table_schema: pa.Schema, chunks: Iterator[pa.Table]
) -> None:
    written = False
    for chunk in chunks:
        pyogrio.write_dataframe(
            _arrow_to_frame(chunk), tmp, layer=layer, driver="GPKG", append=written
        )
        written = True
    if not written:  # an empty layer still says what it would hold
        types = _geo_metadata_of(table_schema)["columns"][_geometry_name(table_schema)]
        kinds = types.get("geometry_types") or []
        geometry_type = kinds[0] if len(kinds) == 1 else "Unknown"
        empty = _arrow_to_frame(table_schema.empty_table())
        pyogrio.write_dataframe(empty, tmp, layer=layer, driver="GPKG", geometry_type=geometry_type)
