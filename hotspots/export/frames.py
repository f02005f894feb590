"""``export``: GeoDataFrames (EPSG:27700) written as GeoJSON, GeoPackage, CSV or GeoParquet."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
import pyogrio

from hotspots.export.atomic import _Staging
from hotspots.export.checks import (
    _check_chunk_rows,
    _check_format,
    _has_synthetic,
    _named_frames,
    _property_names,
)
from hotspots.export.counts import integer_counts
from hotspots.export.desktop import desktop_frame, gpkg_layers, write_options
from hotspots.export.formats import _EXT, CHUNK_ROWS, ExportError
from hotspots.export.geojson import _GeoJSONWriter
from hotspots.export.geopackage import _write_gpkg_metadata
from hotspots.export.geoparquet import _frame_to_arrow
from hotspots.export.metadata import ExportMetadata
from hotspots.export.styles import write_default_styles
from hotspots.export.tabular import _CsvWriter, _write_sidecar


def export(
    frames: Mapping[str, gpd.GeoDataFrame] | gpd.GeoDataFrame,
    path: str | Path,
    format: str,
    metadata: ExportMetadata,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> Path:
    """Write frames (EPSG:27700) as GeoJSON, GeoPackage, CSV or GeoParquet, atomically.

    Parameters
    ----------
    frames
        One GeoDataFrame, or a mapping of layer name → GeoDataFrame; every frame in EPSG:27700
        (British National Grid, metres) with one geometry column. Names are letters, digits,
        ``_``, ``.`` and ``-``; ``metadata`` is reserved.
    path
        Output file; for CSV or GeoParquet of several frames, a directory (see the module
        docstring for the naming).
    format
        One of :data:`FORMATS`.
    metadata
        Recorded in the output (see the module docstring for where).
    chunk_rows
        Features reprojected and written at a time (GeoJSON, CSV).

    Returns
    -------
    pathlib.Path
        The file written, or the directory holding the files.
    """
    fmt = _check_format(format)
    _check_chunk_rows(chunk_rows)
    path = Path(path)
    named = _named_frames(frames, path)
    # counts are whole numbers (blank where blank) in every format, not 7.0 in some
    named = {name: integer_counts(frame) for name, frame in named.items()}
    if fmt == "geojson" and len(named) > 1:
        raise ExportError(
            f"GeoJSON holds one layer per file; got {len(named)} frames ({', '.join(named)}); "
            "export them one at a time, or use format 'gpkg'"
        )
    if any(_has_synthetic(frame) for frame in named.values()):
        metadata = dataclasses.replace(metadata, synthetic=True)
    meta = metadata.to_dict()
    with _Staging() as staging:
        if fmt == "gpkg":
            tmp = staging.add(path, fmt)
            if isinstance(frames, gpd.GeoDataFrame):  # layers named by what they hold
                ((stem, frame),) = named.items()
                named = gpkg_layers(frame, fallback=stem)
            for i, (name, frame) in enumerate(named.items()):
                clean, _ = desktop_frame(frame, name)
                pyogrio.write_dataframe(clean, tmp, layer=name, **write_options(i == 0))
            _write_gpkg_metadata(tmp, meta)
            write_default_styles(tmp)
            return path
        if len(named) > 1 and path.exists() and not path.is_dir():
            raise ExportError(
                f"{path}: several frames go to a directory of files; got an existing file, "
                "expected a directory or a new path"
            )
        for name, frame in named.items():
            target = path if len(named) == 1 else path / f"{name}.{_EXT[fmt]}"
            tmp = staging.add(target, fmt)
            if fmt == "parquet":
                pq.write_table(_frame_to_arrow(name, frame, meta), tmp)
                continue
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                writer = (
                    _GeoJSONWriter(handle, meta)
                    if fmt == "geojson"
                    else _CsvWriter(handle, _property_names(frame))
                )
                for start in range(0, len(frame), chunk_rows):
                    writer.write(frame.iloc[start : start + chunk_rows])
                writer.close()
            if fmt == "csv":
                _write_sidecar(staging, target, meta)
    return path
