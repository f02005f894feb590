"""Exact partitioned DBSCAN: windows of locations clustered apart, then merged.

Used by :mod:`hotspots.cluster.parallel` (vertical strips, on threads in this process) and
:mod:`hotspots.distributed.tiles` (square tiles, on dask workers). A *window* holds the
locations a part (tile or strip) *owns*, in a region of the plane, plus every location within
``2 * eps_m`` of that region (its halo). Why merging the windows' results equals DBSCAN on all the
locations (:class:`hotspots.cluster.HotspotDetector`), border points included:

* Each window is clustered by the same engine and rules as ``HotspotDetector``.
* A location's neighbourhood (distance ``<= eps_m``) lies inside the window of any part whose
  region is within ``eps_m`` of it; so core status is exact for every location within
  ``eps_m`` of the region, and in particular for the owned ones. Further out in the halo a
  neighbourhood can be cut, so a location can only be *missed* as core there, never invented:
  every core-core link a window finds is a true link.
* A true link between core locations ``p`` (owned by part T) and ``q`` lies within ``eps_m`` of
  T's region, where both statuses are exact, so T finds it. Local clusters that share a core
  location are merged (union-find over (part, local cluster)); the merged clusters are exactly
  the connected components of the global core graph.
* A border location's core neighbours are all within ``eps_m`` of its owner's region, with exact
  status there, so its owner finds the same nearest core (smallest squared distance, ties to the
  smallest ``(x, y)``: windows keep the global ``(x, y)`` order) as the whole-data run.
* Hotspot ids are then ranked on the merged result by the same rule as ``HotspotDetector``.

Weights that are whole numbers (offence counts) are summed exactly in any order; fractional
weights could differ in the last bit of a neighbourhood sum, as the module docs of
:mod:`hotspots.cluster` say of its two engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from hotspots.cluster.types import BoolArray, EngineResult, FloatArray, IntArray


@dataclass(frozen=True)
class Window:
    """One tile's work: its locations plus halo, in global ``(x, y)`` order."""

    tile: int
    index: IntArray  # global location index of each window location (ascending)
    owned: BoolArray  # bool: owned by this tile (the others are halo)
    points: FloatArray
    weights: FloatArray


@dataclass(frozen=True)
class TileResult:
    """What a tile sends back: per owned location, and the locally core locations."""

    tile: int
    owned_index: IntArray
    owned_core: BoolArray
    owned_comp: IntArray  # local cluster of each owned core location, else -1
    owned_nearest: IntArray  # global index of the nearest core location, else -1
    core_index: IntArray  # global index of every locally core location (owned or halo)
    core_comp: IntArray  # its local cluster
    engine: str


def cluster_window(
    window: Window, eps_m: float, min_samples: int, engine: str = "auto"
) -> TileResult:
    """Cluster one window with HotspotDetector's ``engine`` (on a thread or a dask worker)."""
    from hotspots.cluster.engines import _run_engine

    (is_core, comp, nearest), ran, _ = _run_engine(
        engine, window.points, window.weights, eps_m, min_samples
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
        engine=ran,
    )


def merge_tiles(n: int, results: Sequence[TileResult]) -> EngineResult:
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
