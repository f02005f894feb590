"""GeoPackage layers that desktop GIS (QGIS, ArcGIS Pro) open without warnings.

- **Layer names say what they hold**: a bare frame is named by its content (:func:`layer_name`:
  ``hotspots``, ``wards``, or the event layer ``offence``/``search``/``raid``), not by the file;
  a bare frame of several event layers becomes one layer per event layer (as
  :func:`hotspots.export.export_events` writes them). Only a frame of none of these kinds is
  named after the file.
- **Field names** are letters, digits and ``_``, not starting with a digit, at most 63
  characters (other characters become ``_``; a clash is an error).
- **Field types**: whole numbers that fit are 32-bit (``Integer``, ArcGIS "Long"); known flags
  are booleans (``Integer(Boolean)``, NULL where unknown); the event ``date`` is a ``DATE``
  when every value is a valid ``YYYY-MM-DD``; any other text-like (object) column is text, so no
  column mixes types. Months (``YYYY-MM``) stay text: a month is not a date.
- GeoPackage **version 1.2** (:data:`GPKG_OPTIONS`): GDAL 3.6 (Debian 12's QGIS) warns that
  1.4 files "may only be partially supported".

Layers are written with pyogrio's Arrow path (``use_arrow=True``), which writes dates as
``DATE`` and nullable booleans as booleans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from hotspots import schema
from hotspots.export.formats import ExportError

__all__ = [
    "BOOLEAN_COLUMNS",
    "GPKG_OPTIONS",
    "desktop_frame",
    "gpkg_layers",
    "layer_name",
    "write_options",
]

#: Columns that hold yes/no flags (written as booleans whatever dtype they arrive in).
BOOLEAN_COLUMNS: Final = ("colocated", "hot_last", "significant", schema.SYNTHETIC)
#: Columns of ``YYYY-MM-DD`` dates (written as ``DATE``).
DATE_COLUMNS: Final = (schema.DATE,)
#: Longest field name many desktop tools accept (PostgreSQL's limit, which QGIS and ArcGIS keep).
MAX_FIELD_NAME: Final = 63
#: GeoPackage dataset creation options.
GPKG_OPTIONS: Final = {"VERSION": "1.2"}
_FIELD_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT32 = np.iinfo(np.int32)


def layer_name(frame: pd.DataFrame) -> str | None:
    """What a frame holds, as a layer name: ``hotspots``, ``wards``, an event layer
    (``offence``, ``search``, ``raid``), ``events`` (several event layers); None if unknown."""
    columns = set(frame.columns)
    if schema.LAYER in columns:
        kinds = set(frame[schema.LAYER].dropna().unique())
        if len(kinds) == 1 and next(iter(kinds)) in schema.LAYERS:
            return str(next(iter(kinds)))
        return "events"
    if {"hotspot_id", "rank"} <= columns:
        return "hotspots"
    if {schema.WARD_CODE, "offence_count"} <= columns:
        return "wards"
    return None


def gpkg_layers(frame: gpd.GeoDataFrame, fallback: str) -> dict[str, gpd.GeoDataFrame]:
    """The GeoPackage layers of one bare frame: named by :func:`layer_name` (``fallback`` when
    unknown); events of several layers split into one layer each, in :data:`schema.LAYERS`
    order."""
    name = layer_name(frame)
    if name != "events":
        return {name or fallback: frame}
    present = set(frame[schema.LAYER].dropna())
    if not present <= set(schema.LAYERS) or frame[schema.LAYER].isna().any():
        return {"events": frame}
    return {x: frame[frame[schema.LAYER] == x] for x in schema.LAYERS if x in present}


def field_name(name: str) -> str:
    """A field name desktop GIS accept (see the module docstring)."""
    if _FIELD_RE.fullmatch(name) and len(name) <= MAX_FIELD_NAME:
        return name
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not clean or clean[0].isdigit():
        clean = "f_" + clean
    return clean[:MAX_FIELD_NAME]


def desktop_frame(
    frame: gpd.GeoDataFrame, name: str, int32: Iterable[str] | None = None
) -> tuple[gpd.GeoDataFrame, set[str]]:
    """``frame`` with desktop-safe field names and types (never mutates it), and the integer
    columns written as 32-bit.

    ``int32``: the integer columns to narrow (a later chunk of a streamed layer must keep the
    first chunk's types); None: every integer column whose values fit.
    """
    geometry = frame.active_geometry_name
    renames = {c: field_name(c) for c in frame.columns if c != geometry}
    targets = list(renames.values())
    if len(set(targets)) != len(targets):
        raise ExportError(
            f"layer {name!r}: columns {sorted(renames)} give clashing field names {targets}; "
            "expected distinct names after replacing characters other than letters, digits "
            "and '_' (and cutting at 63 characters)"
        )
    out: dict[str, Any] = {}
    narrowed: set[str] = set()
    for column in frame.columns:
        values = frame[column]
        if column == geometry:
            out[column] = values
            continue
        target = renames[column]
        if column in BOOLEAN_COLUMNS:
            out[target] = _boolean(values)
        elif column in DATE_COLUMNS:
            out[target] = _dates(values)
        elif _is_integer(values):
            fits = _fits_int32(values)
            narrow = fits if int32 is None else column in set(int32)
            if narrow and not fits:
                raise ExportError(
                    f"layer {name!r}: column {column!r} holds a value beyond 32 bits in a later "
                    "chunk; expected the first chunk's type (export it in one chunk)"
                )
            if narrow:
                narrowed.add(column)
                nullable = isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
                out[target] = values.astype("Int32" if nullable else np.int32)
            else:
                out[target] = values
        elif values.dtype == object:
            out[target] = _text(values)
        else:
            out[target] = values
    result = gpd.GeoDataFrame(out, geometry=geometry, crs=frame.crs, index=frame.index)
    return result, narrowed


def write_options(first: bool) -> dict[str, Any]:
    """Keyword arguments of :func:`pyogrio.write_dataframe` for a GeoPackage layer."""
    options: dict[str, Any] = {"driver": "GPKG", "use_arrow": True}
    if first:
        options["dataset_options"] = dict(GPKG_OPTIONS)
    return options


def _is_integer(values: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )


def _fits_int32(values: pd.Series) -> bool:
    present = values.dropna()
    if present.empty:
        return True
    return bool(_INT32.min <= present.min() and present.max() <= _INT32.max)


def _boolean(values: pd.Series) -> pd.Series:
    """Flags as a nullable boolean column (1/0, true/false; anything else is NULL)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values
    mapped = values.map(lambda v: None if _missing(v) else bool(v))
    return mapped.astype("boolean")


def _dates(values: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` text as dates (NULL where missing); left as text if any value is not a
    valid date, so that nothing is lost."""
    if not pd.api.types.is_object_dtype(values.dtype) and not pd.api.types.is_string_dtype(
        values.dtype
    ):
        return values
    mask = values.notna().to_numpy()
    parsed = pd.to_datetime(values[mask].astype(str), format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        return _text(values)
    days = np.full(len(values), None, dtype=object)
    days[mask] = [stamp.date() for stamp in parsed]
    # an Arrow date type, so that a column of missing dates is still a DATE field
    return pd.Series(days, index=values.index, dtype=pd.ArrowDtype(pa.date32()))


def _text(values: pd.Series) -> pd.Series:
    """An object column as text (None stays NULL), so no field mixes types."""
    return values.map(lambda v: None if _missing(v) else str(v)).astype("string")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
