"""Exact partitioned DBSCAN: square tiles with a ``2 * eps_m`` halo, clustered apart, merged.

Why the result equals single-machine DBSCAN (:class:`hotspots.cluster.HotspotDetector`) on the
same locations, border points included:

* Each tile *owns* the locations in its half-open square and is clustered with every location
  within ``2 * eps_m`` of the square (its *window*), by the same engine and rules as
  ``HotspotDetector``.
* A location's neighbourhood (distance ``<= eps_m``) lies inside the window of any tile whose
  square is within ``eps_m`` of it; so core status is exact for every location within
  ``eps_m`` of the square, and in particular for the owned ones. Further out in the halo a
  neighbourhood can be cut, so a location can only be *missed* as core there, never invented:
  every core-core link a tile finds is a true link.
* A true link between core locations ``p`` (owned by tile T) and ``q`` lies within ``eps_m`` of
  T's square, where both statuses are exact, so T finds it. Local clusters that share a core
  location are merged (union-find over (tile, local cluster)); the merged clusters are exactly
  the connected components of the global core graph.
* A border location's core neighbours are all within ``eps_m`` of its owner's square, with exact
  status there, so its owner finds the same nearest core (smallest squared distance, ties to the
  smallest ``(x, y)``: windows keep the global ``(x, y)`` order) as the whole-data run.
* Hotspot ids are then ranked on the merged result by the same rule as ``HotspotDetector``.

Weights that are whole numbers (offence counts) are summed exactly in any order; fractional
weights could differ in the last bit of a neighbourhood sum, as the module docs of
:mod:`hotspots.cluster` say of its two engines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

# The same engine and rules as HotspotDetector, shared so the two can never drift apart.
from hotspots.cluster import _run_engine

FloatArray = np.ndarray
IntArray = np.ndarray

#: Default tile side in metres: ~360 tiles over England and Wales; a 300 m halo adds ~2 %.
TILE_M = 50_000.0


@dataclass(frozen=True)
class Window:
    """One tile's work: its locations plus halo, in global ``(x, y)`` order."""

    tile: int
    index: IntArray  # global location index of each window location (ascending)
    owned: np.ndarray  # bool: owned by this tile (the others are halo)
    points: FloatArray
    weights: FloatArray


@dataclass(frozen=True)
class TileResult:
    """What a tile sends back: per owned location, and the locally core locations."""

    tile: int
    owned_index: IntArray
    owned_core: np.ndarray
    owned_comp: IntArray  # local cluster of each owned core location, else -1
    owned_nearest: IntArray  # global index of the nearest core location, else -1
    core_index: IntArray  # global index of every locally core location (owned or halo)
    core_comp: IntArray  # its local cluster
    engine: str


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


def cluster_window(window: Window, eps_m: float, min_samples: int) -> TileResult:
    """Cluster one window with HotspotDetector's engine (runs on a worker)."""
    (is_core, comp, nearest), engine, _ = _run_engine(
        "auto", window.points, window.weights, eps_m, min_samples
    )
    own = window.owned
    owned_nearest = np.where(nearest[own] >= 0, window.index[np.maximum(nearest[own], 0)], -1)
    return TileResult(
        tile=window.tile,
        owned_index=window.index[own],
        owned_core=is_core[own],
        owned_comp=np.where(is_core[own], comp[own], -1),
        owned_nearest=owned_nearest,
        core_index=window.index[is_core],
        core_comp=comp[is_core],
        engine=engine,
    )


def merge_tiles(n: int, results: Sequence[TileResult]) -> tuple[np.ndarray, IntArray, IntArray]:
    """Merge tile results into ``(is_core, comp, nearest)`` over all ``n`` locations.

    ``comp`` numbers the global clusters (arbitrary ids, ranked later); ``nearest`` is the
    nearest core location of each core or border location (``-1`` for noise), as
    HotspotDetector's engines return them.
    """
    is_core = np.zeros(n, dtype=bool)
    comp = np.full(n, -1, dtype=np.intp)
    nearest = np.full(n, -1, dtype=np.intp)
    # Node ids: (tile, local cluster) -> a running number.
    base = 0
    node_loc, node_id = [], []
    owned_node = np.full(n, -1, dtype=np.intp)
    for result in results:
        width = int(result.core_comp.max()) + 1 if len(result.core_comp) else 0
        node_loc.append(result.core_index)
        node_id.append(result.core_comp + base)
        own_core = result.owned_core
        owned_node[result.owned_index[own_core]] = result.owned_comp[own_core] + base
        is_core[result.owned_index] = own_core
        nearest[result.owned_index] = result.owned_nearest
        base += width
    if base == 0:
        return is_core, comp, nearest
    locs = np.concatenate(node_loc)
    nodes = np.concatenate(node_id)
    # Two local clusters holding the same core location are one cluster.
    order = np.lexsort((nodes, locs))
    locs, nodes = locs[order], nodes[order]
    same = locs[1:] == locs[:-1]
    rows, cols = nodes[1:][same], nodes[:-1][same]
    graph = coo_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(base, base))
    _, node_comp = connected_components(graph, directed=False)
    comp[is_core] = node_comp[owned_node[is_core]]
    return is_core, comp, nearest


def tiled_engine(
    points: FloatArray,
    weights: FloatArray,
    eps_m: float,
    min_samples: int,
    *,
    tile_m: float = TILE_M,
    client: Any = None,
    on_tile: Callable[[int, int], None] | None = None,
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
            results.append(cluster_window(window, eps_m, min_samples))
            if on_tile is not None:
                on_tile(len(results), len(windows))
    else:
        from distributed import as_completed

        futures = client.map(
            cluster_window, windows, eps_m=eps_m, min_samples=min_samples, pure=False
        )
        for future in as_completed(futures):
            results.append(future.result())
            if on_tile is not None:
                on_tile(len(results), len(windows))
            future.release()
    results.sort(key=lambda r: r.tile)
    engines = sorted({r.engine for r in results}) or ["grid"]
    facts = {
        "tiles": len(windows),
        "tile_m": float(tile_m),
        "halo_m": 2.0 * eps_m,
        "window_locations": int(sum(len(w.index) for w in windows)),
        "engine": "+".join(engines),
    }
    return merge_tiles(len(points), results), facts
