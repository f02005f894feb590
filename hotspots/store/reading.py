"""Reading a store's events: picking the sources a query needs from the manifest's entries
(layer, month, force, extent) and reading their files back in source order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots import schema


def select_entries(
    entries: Iterable[dict[str, Any]],
    layers: Sequence[str] | None,
    months: Sequence[str] | None,
    forces: Sequence[str] | None,
    bbox: tuple[float, float, float, float] | None,
) -> list[dict[str, Any]]:
    """The ``entries`` holding any of ``layers``, ``months``, ``forces`` and overlapping
    ``bbox``, in their order; ``None`` matches all (see :meth:`hotspots.store.Store.select`)."""
    wanted = set(months) if months is not None else None
    out = []
    for entry in entries:
        if layers is not None and entry["layer"] not in layers:
            continue
        if wanted is not None and not wanted.intersection(entry["months"]):
            continue
        if forces is not None and entry.get("force") not in forces:
            continue
        if bbox is not None and not _overlaps(entry.get("bbox"), bbox):
            continue
        out.append(entry)
    return out


def read_events(
    files: Iterable[Path],
    wanted: set[str] | None,
    columns: Sequence[str] | None,
    categories: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """The rows of the ``wanted`` months (``None``: all) and ``categories`` (``None``: all) of
    the events ``files``, each in source order, one file after another (see
    :meth:`hotspots.store.Store.load`)."""
    frames = []
    for file in files:
        frame = _read_in_source_order(file, columns, categories)
        if wanted is not None:
            frame = frame[frame[schema.MONTH].isin(wanted)]
        frames.append(frame)
    if not frames:
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in (columns or schema.EVENT_COLUMNS)},
            geometry=gpd.GeoSeries([], crs=schema.CRS_BNG),
            crs=schema.CRS_BNG,
        )
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=schema.CRS_BNG)


def _overlaps(extent: list[float] | None, bbox: tuple[float, float, float, float]) -> bool:
    if extent is None:
        return False
    return not (
        extent[2] < bbox[0] or extent[0] > bbox[2] or extent[3] < bbox[1] or extent[1] > bbox[3]
    )


def _read_in_source_order(
    path: Path, columns: Sequence[str] | None, categories: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """One events file, its rows back in source order (files are stored in spatial order);
    with ``categories``, only their rows (Arrow's row filter, before the geometry is decoded)."""
    wanted = None if columns is None else [*columns, "geometry"]
    extra = wanted is not None and schema.SOURCE_ROW not in wanted
    if wanted is not None and extra:
        wanted = [*wanted, schema.SOURCE_ROW]
    if categories is None:
        frame = gpd.read_parquet(path, columns=wanted)
    else:
        keep = [(schema.CATEGORY, "in", list(categories))]
        frame = gpd.read_parquet(path, columns=wanted, filters=keep)
    if schema.SOURCE_ROW in frame.columns and len(frame) > 1:
        rows = frame[schema.SOURCE_ROW].to_numpy()
        if (np.diff(rows) < 0).any():
            frame = frame.take(np.argsort(rows, kind="stable")).reset_index(drop=True)
    return frame.drop(columns=[schema.SOURCE_ROW]) if extra else frame
