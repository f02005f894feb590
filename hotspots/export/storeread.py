"""Reading the store's GeoParquet events in chunks, conformed to one schema per output table."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyproj import CRS

from hotspots import schema
from hotspots.errors import StoreError
from hotspots.export.formats import _BNG, _EVENTS
from hotspots.export.geoparquet import _geo_metadata, _geo_metadata_of
from hotspots.export.jsonvalues import _dumps


def _read_schema(file: Path) -> pa.Schema:
    try:
        found: pa.Schema = pq.read_schema(file)
    except FileNotFoundError:
        raise StoreError(
            f"{file}: missing; the store changed during the export (retry it)"
        ) from None
    geo = _geo_metadata_of(found)
    spec = geo["columns"][geo["primary_column"]]
    crs = CRS.from_json_dict(spec["crs"]) if spec.get("crs") else CRS.from_user_input("OGC:CRS84")
    if not crs.equals(_BNG):
        raise StoreError(f"{file}: CRS {crs.to_string()}, expected {schema.CRS_BNG}")
    return found


def _union_schema(schemas: Sequence[pa.Schema], fallback: str) -> pa.Schema:
    """One Arrow schema for the stored files of an output table (columns in canonical order)."""
    if not schemas:
        return _fallback_schema(fallback)
    unified = pa.unify_schemas(list(schemas), promote_options="permissive")
    geo = _geo_metadata_of(schemas[0])
    column = geo["primary_column"]
    kinds: set[str] = set()
    for each in schemas:
        spec = _geo_metadata_of(each)["columns"][column]
        if not spec.get("geometry_types"):
            kinds = set()
            break
        kinds.update(spec["geometry_types"])
    geo = _geo_metadata(column, sorted(kinds), None)  # bbox left out: months may filter rows
    preferred = [
        *schema.EVENT_COLUMNS,
        *(c for layer in schema.LAYERS for c in schema.EXTRA_COLUMNS[layer]),
        *schema.WARD_COLUMNS,
    ]
    names = unified.names
    order = [c for c in preferred if c in names]
    order += [c for c in names if c not in order and c != column] + [column]
    pandas_columns: dict[str, dict[str, Any]] = {}
    for each in schemas:
        raw = (each.metadata or {}).get(b"pandas")
        for entry in json.loads(raw)["columns"] if raw else ():
            known = pandas_columns.get(entry.get("field_name"))
            if known is None or known.get("pandas_type") == "empty":
                pandas_columns[entry.get("field_name")] = entry
    metadata = {b"geo": _dumps(geo).encode()}
    if all(c in pandas_columns for c in order):
        pandas_meta = {
            "index_columns": [],
            "column_indexes": [],
            "columns": [pandas_columns[c] for c in order],
            "creator": {"library": "hotspots"},
            "pandas_version": pd.__version__,
        }
        metadata[b"pandas"] = _dumps(pandas_meta).encode()
    return pa.schema([unified.field(c) for c in order], metadata=metadata)


def _fallback_schema(layer: str) -> pa.Schema:
    """The schema of a table with no stored files (an empty export)."""
    layers = schema.LAYERS if layer == _EVENTS else (layer,)
    typed = {schema.SOURCE_ROW: pa.int64(), schema.SYNTHETIC: pa.bool_()}
    typed |= {"arrests": pa.int64(), "charges": pa.int64(), "seizure_gbp": pa.float64()}
    names = [
        *schema.EVENT_COLUMNS,
        *(c for each in layers for c in schema.EXTRA_COLUMNS[each]),
        *schema.WARD_COLUMNS,
    ]
    fields = [pa.field(n, typed.get(n, pa.large_string())) for n in names]
    fields.append(pa.field(schema.GEOMETRY, pa.binary()))
    geo = _geo_metadata(schema.GEOMETRY, ["Point"], None)
    return pa.schema(fields, metadata={b"geo": _dumps(geo).encode()})


def _in_months(column: pa.Array | pa.ChunkedArray, months: Sequence[str]) -> pa.Array:
    return pc.is_in(column, value_set=pa.array(list(months), type=column.type))


def _store_chunks(
    root: Path,
    entries: Sequence[dict[str, Any]],
    table_schema: pa.Schema,
    months: Sequence[str] | None,
    chunk_rows: int,
) -> Iterator[pa.Table]:
    """The stored events of ``entries`` as tables of ``table_schema``, at most ``chunk_rows``."""
    for entry in entries:
        file = root / entry["events_file"]
        try:
            parquet = pq.ParquetFile(file)
        except FileNotFoundError:
            raise StoreError(
                f"{file}: missing; the store changed during the export (retry it)"
            ) from None
        with parquet:
            if entry.get("row_order", "source") != "source":
                # stored in spatial order: one source file (a force-month) is read whole and
                # put back in source order, so an export lists rows as the source did
                batches = _in_source_order(parquet.read(), chunk_rows)
            else:
                batches = parquet.iter_batches(batch_size=chunk_rows)
            for batch in batches:
                if months is not None:
                    batch = batch.filter(_in_months(batch.column(schema.MONTH), months))
                if batch.num_rows:
                    yield _conform(batch, table_schema)


def _in_source_order(table: pa.Table, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """``table``'s rows sorted by ``source_row`` (stable), in batches of ``chunk_rows``."""
    if schema.SOURCE_ROW in table.column_names:
        order = pa.compute.sort_indices(table, sort_keys=[(schema.SOURCE_ROW, "ascending")])
        table = table.take(order)
    yield from table.to_batches(max_chunksize=chunk_rows)


def _conform(batch: pa.RecordBatch, table_schema: pa.Schema) -> pa.Table:
    columns = []
    for target in table_schema:
        index = batch.schema.get_field_index(target.name)
        if index < 0:
            columns.append(pa.nulls(batch.num_rows, target.type))
        else:
            columns.append(batch.column(index).cast(target.type))
    return pa.Table.from_arrays(columns, schema=table_schema)


def _store_has_synthetic(
    root: Path,
    entries: Sequence[dict[str, Any]],
    schemas: Mapping[str, pa.Schema],
    months: Sequence[str] | None,
) -> bool:
    for entry in entries:
        if schema.SYNTHETIC not in schemas[entry["key"]].names:
            continue
        columns = [schema.MONTH, schema.SYNTHETIC]
        try:
            table = pq.read_table(root / entry["events_file"], columns=columns)
        except FileNotFoundError:
            raise StoreError(
                f"{root / entry['events_file']}: missing; the store changed during the export"
            ) from None
        flags = table.column(schema.SYNTHETIC)
        if months is not None:
            flags = flags.filter(_in_months(table.column(schema.MONTH), months))
        if pc.any(pc.fill_null(flags, False)).as_py():
            return True
    return False
