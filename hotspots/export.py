"""Exports for analysts: GeoJSON (RFC 7946), GeoPackage, CSV and GeoParquet.

Frames come in British National Grid (EPSG:27700, metres). This module is, with rendering, the
only place that reprojects to WGS84 (EPSG:4326, longitude/latitude degrees).

Formats
-------
``"geojson"``
    One FeatureCollection per file (one frame only), streamed feature by feature. Coordinates are
    WGS84 lon/lat with at most 6 decimals (about 0.1 m); polygon exteriors are counter-clockwise
    and holes clockwise; no ``crs`` member; a foreign member ``"metadata"`` holds
    :meth:`ExportMetadata.to_dict`. Properties: NaN/inf/NA → ``null``, numpy numbers → JSON
    numbers, timestamps and dates → ISO 8601 strings; any other value raises.
``"gpkg"``
    Every frame as a layer of one GeoPackage in EPSG:27700, plus a non-spatial layer
    ``metadata`` (columns ``key``, ``value``; non-string values as JSON) and the same metadata as
    JSON in the GeoPackage's dataset metadata under ``hotspots``.
``"csv"``
    UTF-8, ``\\n`` line ends; the properties, then ``lon``, ``lat`` (WGS84, 6 decimals; for
    lines and polygons a point on the surface) and ``wkt`` (geometry in WGS84, 6 decimals).
    Missing values are empty fields, booleans ``true``/``false``. The metadata goes to a sidecar
    ``<stem>.metadata.json`` beside each CSV.
``"parquet"``
    GeoParquet 1.0.0 in EPSG:27700 (WKB geometry, ``geo`` metadata), readable with
    :func:`geopandas.read_parquet`; the metadata is JSON in the schema metadata under
    ``hotspots``.

File naming: with one frame, ``path`` is the file (and layer name, for a bare GeoDataFrame in a
GeoPackage, is its stem). With several frames, a GeoPackage holds them as layers named by the
mapping's keys; CSV and GeoParquet treat ``path`` as a directory holding ``<name>.csv`` (+
``<name>.metadata.json``) or ``<name>.parquet``; GeoJSON refuses.

Every write is atomic: files are written beside their targets under temporary names and moved
into place with :func:`os.replace` only when all of them are complete, so a failure leaves any
previous file at ``path`` untouched and no partial file. A named index is exported as columns;
an unnamed index is not exported.

The licence text gains a note that raid records are SYNTHETIC when any exported row has
``synthetic`` true, or when ``ExportMetadata(synthetic=True)`` (set it for aggregates of
synthetic rows, which carry no ``synthetic`` column).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import math
import os
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TextIO

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyogrio
import shapely
from pyproj import CRS
from shapely.geometry import mapping

from hotspots import schema
from hotspots.csvsafe import cell_text
from hotspots.errors import HotspotsError, StoreError
from hotspots.periods import Period, parse_month
from hotspots.store import Store

__all__ = [
    "CHUNK_ROWS",
    "FORMATS",
    "LICENCE",
    "SYNTHETIC_NOTE",
    "ExportError",
    "ExportMetadata",
    "export",
    "export_events",
]

FORMATS: Final[tuple[str, ...]] = ("geojson", "gpkg", "csv", "parquet")
#: Features reprojected and written at a time.
CHUNK_ROWS: Final = 10_000
LICENCE: Final = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(data.police.uk). Boundaries: Source: Office for National Statistics licensed under the "
    "Open Government Licence v3.0. Contains OS data © Crown copyright and database right."
)
SYNTHETIC_NOTE: Final = (
    "Raid records marked synthetic=true are SYNTHETIC demonstration data, not real police records."
)
#: Name of the GeoPackage metadata layer and of the GeoParquet schema metadata key.
METADATA_LAYER: Final = "metadata"
METADATA_KEY: Final = "hotspots"
CSV_GEOMETRY_COLUMNS: Final = ("lon", "lat", "wkt")

_EXT: Final = {"geojson": "geojson", "gpkg": "gpkg", "csv": "csv", "parquet": "parquet"}
_NAME_RE: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_BNG: Final = CRS.from_user_input(schema.CRS_BNG)
_SHAPELY_21: Final = hasattr(shapely, "orient_polygons")
_GEOPARQUET_VERSION: Final = "1.0.0"
_EVENTS: Final = "events"


class ExportError(HotspotsError, ValueError):
    """An export was asked for with a wrong argument, CRS, column or value."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ExportMetadata:
    """What an export records about itself.

    Parameters
    ----------
    period
        Label of the period exported, e.g. ``str(Period.calendar_year(2025))``.
    parameters
        Analysis parameters, e.g. ``{"eps_m": 150, "min_samples": 36}`` (JSON-serialisable).
    data_version
        The store manifest's ``version`` the data came from (``""``: not from a store;
        :func:`export_events` fills it in).
    generated
        ISO 8601 UTC time of generation (default: now).
    licence
        Attribution text (default :data:`LICENCE`); :data:`SYNTHETIC_NOTE` is appended when
        ``synthetic``.
    synthetic
        Whether the export holds (or is derived from) synthetic records. The export functions set
        it when a row has ``synthetic`` true; they never clear it.
    extra
        Anything else worth recording (JSON-serialisable).
    """

    period: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    data_version: str = ""
    generated: str = field(default_factory=_now)
    licence: str = LICENCE
    synthetic: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The metadata as a JSON-safe dict (raises :class:`ExportError` on values JSON lacks)."""
        licence = self.licence
        if self.synthetic and SYNTHETIC_NOTE not in licence:
            licence = f"{licence} {SYNTHETIC_NOTE}"
        data = {
            "period": str(self.period),
            "parameters": dict(self.parameters),
            "data_version": self.data_version,
            "generated": self.generated,
            "licence": licence,
            "synthetic": bool(self.synthetic),
            "extra": dict(self.extra),
        }
        result: dict[str, Any] = json.loads(_dumps(_json_value(data, "export metadata")))
        return result


# -- public entry points ------------------------------------------------------------------------


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
            for name, frame in named.items():
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")
            _write_gpkg_metadata(tmp, meta)
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
        if fmt == "csv":
            _write_sidecar(staging, path, meta)
    return path


# -- argument checks ----------------------------------------------------------------------------


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r}; expected one of {FORMATS}")
    return format


def _check_chunk_rows(chunk_rows: int) -> None:
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ExportError(f"chunk_rows must be an int >= 1, got {chunk_rows!r}")


def _check_strings(what: str, values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ExportError(f"{what} must be a list of strings, got {values!r}")
    return list(dict.fromkeys(values))


def _named_frames(
    frames: Mapping[str, gpd.GeoDataFrame] | gpd.GeoDataFrame, path: Path
) -> dict[str, gpd.GeoDataFrame]:
    if isinstance(frames, gpd.GeoDataFrame):
        named = {re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).lstrip(".-") or "layer": frames}
    elif isinstance(frames, Mapping):
        named = dict(frames)
    else:
        raise ExportError(
            f"frames must be a GeoDataFrame or a mapping of name to GeoDataFrame, "
            f"got {type(frames).__name__}"
        )
    if not named:
        raise ExportError("no frames to export; expected at least one")
    return {name: _prepared(name, frame) for name, frame in named.items()}


def _prepared(name: object, given: object) -> gpd.GeoDataFrame:
    """Check one frame and return it ready to write (named index as columns); never mutates."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or name == METADATA_LAYER:
        raise ExportError(
            f"layer name {name!r} is not allowed; expected letters, digits, '_', '.', '-' "
            f"(not starting with '.' or '-'), and not {METADATA_LAYER!r}"
        )
    if not isinstance(given, gpd.GeoDataFrame):
        raise ExportError(f"frame {name!r}: got a {type(given).__name__}, expected a GeoDataFrame")
    frame: gpd.GeoDataFrame = given
    geometry = frame.active_geometry_name
    if geometry is None:
        raise ExportError(f"frame {name!r}: has no active geometry column; expected one")
    if frame.crs is None or not CRS.from_user_input(frame.crs).equals(_BNG):
        got = "no CRS" if frame.crs is None else frame.crs.to_string()
        raise ExportError(
            f"frame {name!r}: CRS is {got}, expected {schema.CRS_BNG} (British National Grid); "
            f"project it with to_crs({schema.CRS_BNG!r}) first"
        )
    if any(level is not None for level in frame.index.names):
        frame = frame.reset_index()
    columns = list(frame.columns)
    bad = [c for c in columns if not isinstance(c, str)]
    if bad or len(set(columns)) != len(columns):
        raise ExportError(f"frame {name!r}: column names must be unique strings; got {columns!r}")
    others = [c for c in columns if c != geometry and str(frame[c].dtype) == "geometry"]
    if others:
        raise ExportError(
            f"frame {name!r}: extra geometry columns {others}; expected one geometry column "
            f"({geometry!r}); drop them or convert them to WKT first"
        )
    clash = [c for c in CSV_GEOMETRY_COLUMNS if c in columns]
    if clash:
        raise ExportError(
            f"frame {name!r}: columns {clash} are reserved for the CSV geometry; rename them"
        )
    return frame


def _has_synthetic(frame: pd.DataFrame) -> bool:
    if schema.SYNTHETIC not in frame.columns:
        return False
    return bool(frame[schema.SYNTHETIC].eq(True).any())


def _property_names(frame: gpd.GeoDataFrame) -> list[str]:
    return [c for c in frame.columns if c != frame.active_geometry_name]


# -- JSON values --------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_value(value: Any, where: str) -> Any:
    """``value`` as a JSON-safe Python value: missing → None; raises on what JSON cannot hold."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, np.timedelta64 | timedelta):
        value = pd.Timedelta(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v, where) for v in value]
    raise ExportError(
        f"{where}: cannot export a {type(value).__name__} value ({value!r:.60}); "
        "expected text, numbers, booleans, dates or lists/dicts of them"
    )


def _json_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[list[Any]]:
    """Each column's values as JSON-safe Python values (fast paths for plain numpy dtypes)."""
    out = []
    for name in names:
        series = frame[name]
        kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "other"
        if kind in ("b", "i", "u"):
            out.append(series.tolist())
        elif kind == "f":
            out.append([v if math.isfinite(v) else None for v in series.tolist()])
        else:
            values = series.astype(object).tolist()
            out.append([_json_value(v, f"column {name!r}") for v in values])
    return out


# -- WGS84 geometry -----------------------------------------------------------------------------


def _wgs84(geometry: gpd.GeoSeries) -> np.ndarray:
    """EPSG:27700 geometries → WGS84 lon/lat rounded to 6 decimals, RFC 7946 ring orientation."""
    geoms = np.asarray(geometry.to_crs(schema.CRS_WGS84).values, dtype=object)
    if _SHAPELY_21:
        geoms = shapely.transform(geoms, lambda c: np.round(c, 6), include_z=None)
        return np.asarray(shapely.orient_polygons(geoms, exterior_cw=False), dtype=object)
    geoms = shapely.transform(geoms, lambda c: np.round(c, 6))  # pragma: no cover (shapely 2.0)
    return np.array([_orient(g) for g in geoms], dtype=object)  # pragma: no cover


def _orient(geom: Any) -> Any:  # pragma: no cover (shapely < 2.1 only)
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])
    if isinstance(geom, GeometryCollection):
        return GeometryCollection([_orient(g) for g in geom.geoms])
    return geom


def _number(value: float) -> str:
    """A coordinate as JSON/CSV text with at most 6 decimals, never in exponent form."""
    if not math.isfinite(value):
        raise ExportError(f"coordinate {value!r} is not finite; expected a number")
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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


# -- GeoJSON and CSV writers (chunk by chunk) -------------------------------------------------


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


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return cell_text(_dumps(value))
    if isinstance(value, str):
        return cell_text(value)
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


# -- GeoPackage -------------------------------------------------------------------------------


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


# -- GeoParquet ---------------------------------------------------------------------------------


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


# -- reading the store in chunks ----------------------------------------------------------------


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


def _geo_metadata_of(table_schema: pa.Schema) -> dict[str, Any]:
    raw = (table_schema.metadata or {}).get(b"geo")
    if raw is None:
        raise StoreError("stored events file lacks GeoParquet 'geo' metadata; expected GeoParquet")
    geo: dict[str, Any] = json.loads(raw)
    return geo


def _geometry_name(table_schema: pa.Schema) -> str:
    name: str = _geo_metadata_of(table_schema)["primary_column"]
    return name


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
            for batch in parquet.iter_batches(batch_size=chunk_rows):
                if months is not None:
                    batch = batch.filter(_in_months(batch.column(schema.MONTH), months))
                if batch.num_rows:
                    yield _conform(batch, table_schema)


def _conform(batch: pa.RecordBatch, table_schema: pa.Schema) -> pa.Table:
    columns = []
    for target in table_schema:
        index = batch.schema.get_field_index(target.name)
        if index < 0:
            columns.append(pa.nulls(batch.num_rows, target.type))
        else:
            columns.append(batch.column(index).cast(target.type))
    return pa.Table.from_arrays(columns, schema=table_schema)


def _arrow_to_frame(table: pa.Table) -> gpd.GeoDataFrame:
    column = _geometry_name(table.schema)
    frame = table.to_pandas()
    wkb = frame.pop(column)
    geometry = gpd.GeoSeries.from_wkb(wkb.to_numpy(), index=frame.index, crs=schema.CRS_BNG)
    return gpd.GeoDataFrame(frame, geometry=geometry.rename(column), crs=schema.CRS_BNG)


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


# -- atomic writes ------------------------------------------------------------------------------


class _Staging:
    """Temporary files beside their targets, moved into place together only on success."""

    def __init__(self) -> None:
        self._pairs: list[tuple[Path, Path]] = []

    def add(self, target: Path, ext: str) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp.{_EXT.get(ext, ext)}")
        self._pairs.append((tmp, target))
        return tmp

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                for tmp, _ in self._pairs:
                    _fsync(tmp)
                for tmp, target in self._pairs:
                    os.replace(tmp, target)
                for folder in {target.parent for _, target in self._pairs}:
                    _fsync(folder)
        finally:
            for tmp, _ in self._pairs:
                for leftover in (tmp, *(Path(f"{tmp}{s}") for s in ("-journal", "-wal", "-shm"))):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
