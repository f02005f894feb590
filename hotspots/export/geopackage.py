"""GeoPackage writing: the ``metadata`` layer, and event layers streamed chunk by chunk (with
desktop-safe names and types, :mod:`hotspots.export.desktop`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyogrio

from hotspots.export.counts import integer_counts
from hotspots.export.desktop import desktop_frame, write_options
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
    first = not tmp.exists()
    int32: set[str] | None = None  # the first chunk decides the field types
    for chunk in chunks:
        frame, narrowed = desktop_frame(integer_counts(_arrow_to_frame(chunk)), layer, int32)
        int32 = narrowed if int32 is None else int32
        pyogrio.write_dataframe(frame, tmp, layer=layer, append=written, **write_options(first))
        written = True
        first = False
    if not written:  # an empty layer still says what it would hold
        types = _geo_metadata_of(table_schema)["columns"][_geometry_name(table_schema)]
        kinds = types.get("geometry_types") or []
        geometry_type = kinds[0] if len(kinds) == 1 else "Unknown"
        empty, _ = desktop_frame(_arrow_to_frame(table_schema.empty_table()), layer)
        pyogrio.write_dataframe(
            empty, tmp, layer=layer, geometry_type=geometry_type, **write_options(first)
        )
