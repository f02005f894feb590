"""Argument checks of the exports: format, chunk size, name lists, and the frames to write."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from hotspots import schema
from hotspots.export.formats import (
    _BNG,
    CSV_GEOMETRY_COLUMNS,
    FORMATS,
    METADATA_LAYER,
    ExportError,
)

_NAME_RE: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


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
