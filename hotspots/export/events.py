"""``export_events``: stored events streamed to one export file, a chunk at a time."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from hotspots import schema
from hotspots.errors import StoreError
from hotspots.export.atomic import _Staging
from hotspots.export.checks import _check_chunk_rows, _check_format, _check_strings
from hotspots.export.formats import _EVENTS, CHUNK_ROWS, METADATA_KEY, ExportError
from hotspots.export.geojson import _GeoJSONWriter
from hotspots.export.geopackage import _stream_gpkg, _write_gpkg_metadata
from hotspots.export.geoparquet import _arrow_to_frame, _geometry_name
from hotspots.export.jsonvalues import _dumps
from hotspots.export.metadata import ExportMetadata
from hotspots.export.storeread import (
    _read_schema,
    _store_chunks,
    _store_has_synthetic,
    _union_schema,
)
from hotspots.export.styles import write_default_styles
from hotspots.export.tabular import _CsvWriter, _write_sidecar
from hotspots.figures import layer_months
from hotspots.periods import Period, parse_month
from hotspots.store import Store


def export_events(
    store: Store | str | Path,
    path: str | Path,
    format: str,
    metadata: ExportMetadata | None = None,
    *,
    layers: Sequence[str] | None = None,
    months: Sequence[str] | Period | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Path:
    """Stream stored events to one export file, a chunk at a time, atomically.

    The store's GeoParquet files are read one at a time in batches of ``chunk_rows``, so memory
    is bounded by a batch, not the store. Events come in :meth:`Store.load` order.

    Parameters
    ----------
    store
        The store (or its directory).
    path
        Output file.
    format
        One of :data:`FORMATS`. GeoPackage: one layer per event layer (``offence``, ``search``,
        ``raid``) plus ``metadata``; the others: one table of all events whose columns are the
        union of the layers' columns (a layer's rows leave the others' extras empty).
    metadata
        Default: the period of ``months``, the layers and months as parameters, and the store
        version. A given ``data_version`` must be ``""`` (filled in) or the store's version.
    layers
        Event layers to export (default all).
    months
        ``YYYY-MM`` months (or a :class:`~hotspots.periods.Period`) to export (default all).
    chunk_rows
        Rows read, reprojected and written at a time.

    Returns
    -------
    pathlib.Path
        The file written. Geometry is EPSG:27700 in GeoPackage and GeoParquet, EPSG:4326 in
        GeoJSON and CSV.
    """
    fmt = _check_format(format)
    _check_chunk_rows(chunk_rows)
    store = store if isinstance(store, Store) else Store(store)
    wanted_layers = _check_strings("layers", layers)
    for layer in wanted_layers or ():
        if layer not in schema.LAYERS:
            raise ExportError(f"unknown layer {layer!r}; expected one of {schema.LAYERS}")
    period = months if isinstance(months, Period) else None
    if isinstance(months, Period):
        wanted_months: list[str] | None = list(months.months)
    else:
        wanted_months = _check_strings("months", months)
    for month in wanted_months or ():
        parse_month(month)
    if not store.exists():
        raise StoreError(f"{store.path}: no store here; run `hotspots ingest` first")
    manifest = store.manifest()  # read once: the export describes one version of the store
    entries = [
        entry
        for entry in sorted(manifest["sources"].values(), key=lambda e: e["key"])
        if (wanted_layers is None or entry["layer"] in wanted_layers)
        and (wanted_months is None or set(wanted_months) & set(entry["months"]))
    ]
    schemas = {entry["key"]: _read_schema(store.path / entry["events_file"]) for entry in entries}

    version = manifest.get("version") or ""
    if metadata is None:
        label = period.label if period is not None else _months_label(wanted_months, entries)
        parameters = {"layers": wanted_layers, "months": wanted_months}
        metadata = ExportMetadata(label, parameters=parameters, data_version=version)
    elif metadata.data_version == "":
        metadata = dataclasses.replace(metadata, data_version=version)
    elif metadata.data_version != version:
        raise ExportError(
            f"metadata.data_version is {metadata.data_version!r} but the store holds version "
            f"{version!r}; expected the store's version (or '' to fill it in)"
        )
    missing = no_data_months(manifest["sources"].values(), wanted_layers, wanted_months)
    if missing:  # an empty layer there is "no data", never 0 (hotspots.figures)
        metadata = dataclasses.replace(
            metadata, extra={**metadata.extra, "no_data_months": missing}
        )
    if _store_has_synthetic(store.path, entries, schemas, wanted_months):
        metadata = dataclasses.replace(metadata, synthetic=True)
    meta = metadata.to_dict()

    if fmt == "gpkg":
        stored = {e["layer"] for e in manifest["sources"].values()}
        names = (
            wanted_layers
            if wanted_layers is not None
            else [x for x in schema.LAYERS if x in stored]
        )
        groups = {name: [e for e in entries if e["layer"] == name] for name in names}
    else:
        groups = {_EVENTS: entries}
    path = Path(path)
    with _Staging() as staging:
        tmp = staging.add(path, fmt)
        for name, group in groups.items():
            table_schema = _union_schema([schemas[e["key"]] for e in group], fallback=name)
            table_schema = table_schema.with_metadata(
                {**(table_schema.metadata or {}), METADATA_KEY.encode(): _dumps(meta).encode()}
            )
            chunks = _store_chunks(store.path, group, table_schema, wanted_months, chunk_rows)
            if fmt == "parquet":
                with pq.ParquetWriter(tmp, table_schema) as parquet_writer:
                    for chunk in chunks:
                        parquet_writer.write_table(chunk)
            elif fmt == "gpkg":
                _stream_gpkg(tmp, name, table_schema, chunks)
            else:
                with open(tmp, "w", encoding="utf-8", newline="") as handle:
                    columns = [
                        f.name for f in table_schema if f.name != _geometry_name(table_schema)
                    ]
                    writer = (
                        _GeoJSONWriter(handle, meta)
                        if fmt == "geojson"
                        else _CsvWriter(handle, columns)
                    )
                    for chunk in chunks:
                        writer.write(_arrow_to_frame(chunk))
                    writer.close()
        if fmt == "gpkg":
            _write_gpkg_metadata(tmp, meta)
            write_default_styles(tmp)
        if fmt == "csv":
            _write_sidecar(staging, path, meta)
    return path


def no_data_months(
    sources: Iterable[Mapping[str, Any]],
    layers: Sequence[str] | None,
    months: Sequence[str] | None,
) -> dict[str, list[str]]:
    """Per layer asked for (default: every layer), the months asked for that no stored source
    of it covers (``sources``: the manifest's entries): there an empty export is "no data",
    never 0. Recorded as ``extra.no_data_months`` by every events export and the API."""
    if months is None:
        return {}
    held = layer_months(sources)
    out = {
        layer: [m for m in sorted(set(months)) if m not in set(held.get(layer, ()))]
        for layer in (layers if layers is not None else schema.LAYERS)
    }
    return {layer: gaps for layer, gaps in out.items() if gaps}


def _months_label(months: Sequence[str] | None, entries: Sequence[dict[str, Any]]) -> str:
    chosen = sorted(
        set(months) if months is not None else {m for e in entries for m in e["months"]}
    )
    if not chosen:
        return "no months"
    span = Period.months(chosen[0], chosen[-1])
    if len(span.months) == len(chosen):
        return span.label
    return ", ".join(Period.months(m, m).label for m in chosen)
