"""Hotspots straight from the store's partitions, for data too large for one process's memory.

Each events file a period needs (:meth:`Store.select`: only its months' and forces' files) is
read on a worker: the geometry column only, filtered to the months, collapsed to unique
locations with counts. The client sums the counts of identical locations across files (police.uk
snaps every crime to one of ~750,000 points, so national inputs stay under a million locations
however many years are loaded), then clusters them by tiles (:class:`TiledHotspotDetector`):
the same hotspots as :class:`HotspotDetector` on the loaded rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely

from hotspots import schema
from hotspots.cluster import Auto
from hotspots.distributed.detector import TiledHotspotDetector
from hotspots.distributed.tiles import TILE_M
from hotspots.store import Store


def file_locations(
    path: str, months: Sequence[str] | None, categories: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Unique point locations of one events file (EPSG:27700 metres, ``(x, y)`` order) and the
    number of events on each, for the rows of ``months`` and ``categories`` (``None``: all)."""
    columns = ["geometry"]
    columns += [schema.MONTH] if months is not None else []
    columns += [schema.CATEGORY] if categories is not None else []
    table = pq.read_table(path, columns=columns)
    if months is not None:
        table = table.filter(pc.is_in(table.column(schema.MONTH), pa.array(list(months))))
    if categories is not None:
        wanted = pa.array(list(categories))
        table = table.filter(pc.is_in(table.column(schema.CATEGORY), wanted))
    return collapse(_point_xy(table.column("geometry")), None)


def _point_xy(column: pa.ChunkedArray) -> np.ndarray:
    """``(n, 2)`` coordinates of WKB points (21-byte 2-D points decoded without shapely)."""
    parts = []
    for chunk in column.chunks:
        if len(chunk) == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        if chunk.null_count == 0 and (np.diff(offsets) == 21).all() and data[offsets[0]] == 1:
            records = data[offsets[0] : offsets[-1]].reshape(-1, 21)
            if (records[:, 1:5].view("<u4")[:, 0] == 1).all():
                parts.append(records[:, 5:21].copy().view("<f8").reshape(-1, 2))
                continue
        parts.append(shapely.get_coordinates(shapely.from_wkb(chunk.to_numpy(False))))
    return np.concatenate(parts) if parts else np.empty((0, 2))


def collapse(xy: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Unique locations in ``(x, y)`` order and their summed weights (counts by default)."""
    if len(xy) == 0:
        return np.empty((0, 2)), np.empty(0)
    xy = xy + 0.0  # -0.0 -> 0.0, as HotspotDetector does
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    xs, ys = xy[order, 0], xy[order, 1]
    new = np.r_[True, (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])]
    starts = np.flatnonzero(new)
    w = np.ones(len(xy)) if weights is None else weights[order]
    return np.column_stack((xs[starts], ys[starts])), np.add.reduceat(w, starts)


def store_locations(
    store: Store,
    *,
    months: Sequence[str] | None = None,
    layers: Sequence[str] = ("offence",),
    categories: Sequence[str] | None = None,
    client: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unique locations of the stored events of ``layers`` in ``months`` (and ``categories``),
    with their counts, read file by file on the workers of ``client`` (or here)."""
    files = [str(path) for path in store.event_files(layers=layers, months=months)]
    if client is None:
        parts = [file_locations(path, months, categories) for path in files]
    else:
        futures = client.map(
            file_locations, files, months=months, categories=categories, pure=False
        )
        parts = client.gather(futures)
    if not parts:
        return np.empty((0, 2)), np.empty(0)
    return collapse(np.concatenate([p for p, _ in parts]), np.concatenate([w for _, w in parts]))


def detect_store_hotspots(
    store: Store,
    months: Sequence[str],
    *,
    eps_m: float | Auto | None = "auto",
    min_samples: int | Auto | None = "auto",
    categories: Sequence[str] | None = (schema.DRUGS_CRIME_TYPE,),
    client: Any = None,
    tile_m: float = TILE_M,
    on_tile: Callable[[int, int], None] | None = None,
) -> tuple[TiledHotspotDetector, np.ndarray, np.ndarray]:
    """Hotspots of the stored offences of ``months`` (default: drug offences only; ``None``
    for every stored crime type), clustered by tiles on ``client``.

    Returns the fitted detector (``labels_`` per location) and the locations and their counts.
    """
    points, weights = store_locations(store, months=months, categories=categories, client=client)
    detector = TiledHotspotDetector(
        eps_m, min_samples, n_months=len(months), tile_m=tile_m, client=client, on_tile=on_tile
    )
    detector.fit_locations(points, weights)
    return detector, points, weights
