"""Exact partitioned DBSCAN on a dask cluster: square tiles with a ``2 * eps_m`` halo.

Each tile *owns* the locations in its half-open square; its window adds every location within
``2 * eps_m`` of the square. The windows are clustered on the workers and merged by
:mod:`hotspots.cluster.tiles`, whose docstring says why the result equals single-machine DBSCAN
(:class:`hotspots.cluster.HotspotDetector`) on the same locations, border points included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

# The same windows, engine and merge as HotspotDetector's threads, so they can never drift apart.
from hotspots.cluster.tiles import TileResult as TileResult
from hotspots.cluster.tiles import Window, cluster_window, merge_tiles

FloatArray = np.ndarray
IntArray = np.ndarray

#: Default tile side in metres: ~360 tiles over England and Wales; a 300 m halo adds ~2 %.
TILE_M = 50_000.0


def make_windows(
    points: FloatArray, weights: FloatArray, eps_m: float, tile_m: float
) -> list[Window]:
    """Cut unique locations (``(n, 2)`` EPSG:27700 metres in ``(x, y)`` order) into windows.

    Tiles are squares of side ``tile_m`` on a grid anchored at the smallest coordinates; a
    location falls in the window of every tile whose square is within ``2 * eps_m`` (in x and
    in y) of it.
    """
    if not (tile_m > 0 and math.isfinite(tile_m)):
        raise ValueError(f"tile_m: got {tile_m!r}; expected a tile side in metres > 0")
    n = len(points)
    if n == 0:
        return []
    halo = 2.0 * eps_m
    lo = points.min(axis=0)
    tx = np.floor((points[:, 0] - lo[0]) / tile_m).astype(np.int64)
    ty = np.floor((points[:, 1] - lo[1]) / tile_m).astype(np.int64)
    stride = int(ty.max()) + 2 + 2 * math.ceil(halo / tile_m)
    reach = math.ceil(halo / tile_m)
    keys_parts, loc_parts, own_parts = [], [], []
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            cx, cy = tx + dx, ty + dy
            x_lo = lo[0] + cx * tile_m - halo
            x_hi = lo[0] + (cx + 1) * tile_m + halo
            y_lo = lo[1] + cy * tile_m - halo
            y_hi = lo[1] + (cy + 1) * tile_m + halo
            inside = (
                (cx >= 0)
                & (cy >= 0)
                & (points[:, 0] >= x_lo)
                & (points[:, 0] <= x_hi)
                & (points[:, 1] >= y_lo)
                & (points[:, 1] <= y_hi)
            )
            at = np.flatnonzero(inside)
            keys_parts.append(cx[at] * stride + cy[at])
            loc_parts.append(at)
            own_parts.append(np.full(len(at), dx == 0 and dy == 0))
    keys = np.concatenate(keys_parts)
    locs = np.concatenate(loc_parts)
    owned = np.concatenate(own_parts)
    order = np.lexsort((locs, keys))  # by tile, then global (x, y) order
    keys, locs, owned = keys[order], locs[order], owned[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    windows = []
    for tile, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if not owned[a:b].any():
            continue
        index = locs[a:b]
        windows.append(Window(tile, index, owned[a:b], points[index], weights[index]))
    return windows


def tiled_engine(
    points: FloatArray,
    weights: FloatArray,
    eps_m: float,
    min_samples: int,
    *,
    tile_m: float = TILE_M,
    client: Any = None,
    on_tile: Callable[[int, int], None] | None = None,
    engine: str = "auto",
) -> tuple[tuple[np.ndarray, IntArray, IntArray], dict[str, Any]]:
    """Exact DBSCAN of unique locations by tiles, on a dask ``client`` (or in this process).

    Parameters
    ----------
    points, weights
        Unique locations in ``(x, y)`` order (EPSG:27700 metres) and their weights.
    eps_m, min_samples
        DBSCAN radius (metres) and core weight.
    tile_m
        Tile side, metres.
    client
        A ``dask.distributed.Client``; ``None`` clusters the tiles here, one after another.
    on_tile
        Called with ``(done, total)`` as tiles finish (progress display).
    engine
        HotspotDetector's engine for each tile: ``"auto"`` (the grid), ``"grid"`` or
        ``"sklearn"``.

    Returns
    -------
    tuple
        ``(is_core, comp, nearest)`` as HotspotDetector's engines return them, and facts about
        the run (tiles, tile_m, halo_m, engine).
    """
    windows = make_windows(points, weights, eps_m, tile_m)
    results: list[TileResult] = []
    if client is None:
        for window in windows:
            results.append(cluster_window(window, eps_m, min_samples, engine))
            if on_tile is not None:
                on_tile(len(results), len(windows))
    else:
        from distributed import as_completed

        futures = client.map(
            cluster_window,
            windows,
            eps_m=eps_m,
            min_samples=min_samples,
            engine=engine,
            pure=False,
        )
        for future in as_completed(futures):
            results.append(future.result())
            if on_tile is not None:
                on_tile(len(results), len(windows))
            future.release()
    results.sort(key=lambda r: r.tile)
    engines = sorted({r.engine for r in results}) or ["grid" if engine == "auto" else engine]
    facts = {
        "tiles": len(windows),
        "tile_m": float(tile_m),
        "halo_m": 2.0 * eps_m,
        "window_locations": int(sum(len(w.index) for w in windows)),
        "engine": "+".join(engines),
    }
    return merge_tiles(len(points), results), facts
