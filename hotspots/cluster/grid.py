"""The exact grid DBSCAN engine (numpy and scipy).

Cells of side ``eps_m / 1.5`` are used, so every pair in a cell is within ``eps_m``. A cell whose
weight reaches ``min_samples`` makes all its locations core without any distance work; other
locations count their neighbours in the 24 cells around them. Core cells are joined when some
pair of their core locations is within ``eps_m``. Distances are tested as
``dx*dx + dy*dy <= eps_m*eps_m``, as scikit-learn's kd-tree does, so the labels agree exactly
with :func:`hotspots.cluster.engines._sklearn_engine`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from hotspots.cluster.pairs import PAIR_BUDGET, _chunks, _d2, _nearest, _ragged
from hotspots.cluster.types import BoolArray, EngineResult, FloatArray, IntArray

_CELL_DIVISOR = 1.5  # cell side = eps / 1.5: cell diagonal 0.94 eps, neighbours within +-2 cells
# All cell offsets that can hold a neighbour, nearest first; (0, 0) first.
_OFFSETS: tuple[tuple[int, int], ...] = tuple(
    sorted(
        ((dx, dy) for dx in range(-2, 3) for dy in range(-2, 3)),
        key=lambda o: (
            max(abs(o[0]) - 1, 0) ** 2 + max(abs(o[1]) - 1, 0) ** 2,
            abs(o[0]) + abs(o[1]),
            o,
        ),
    )
)
# One of each symmetric pair, for cell-to-cell joins.
_HALF_OFFSETS = tuple(o for o in _OFFSETS if o > (0, 0))
# Distances between the 8 extreme core locations of two cells (the joins' first, cheap check).
_REP_PAIRS = 8 * 8
# The exhaustive joins hold ~8 arrays per candidate pair: a quarter of the pair budget each round
# keeps their temporaries below those of the neighbour counts.
_JOIN_BUDGET_SHARE = 4


def _grid_engine(
    points: FloatArray, weights: FloatArray, eps_m: float, min_samples: int
) -> EngineResult | None:
    """Exact grid DBSCAN on locations in (x, y) order.

    Returns ``None`` when the grid does not apply: more cells than int64 keys can number, or
    cells so small against the coordinates that rounding could move a location across a cell.
    """
    n = len(points)
    side = eps_m / _CELL_DIVISOR
    eps2 = eps_m * eps_m
    lo = points.min(axis=0)
    span = (points.max(axis=0) - lo) / side + 6
    if float(span[0]) * float(span[1]) > 2.0**60 or side < float(np.abs(points).max()) * 2.0**-32:
        return None
    cx = np.floor((points[:, 0] - lo[0]) / side).astype(np.int64) + 2
    cy = np.floor((points[:, 1] - lo[1]) / side).astype(np.int64) + 2
    stride = int(cy.max()) + 3
    keys = cx * stride + cy

    # Work in cell order ("g" arrays); within a cell locations keep (x, y) order (stable sort).
    order = np.argsort(keys, kind="stable").astype(np.intp)
    gp = points[order]
    gw = weights[order]
    gkeys = keys[order]
    new = np.ones(n, dtype=bool)
    new[1:] = gkeys[1:] != gkeys[:-1]
    cstart = np.flatnonzero(new).astype(np.intp)
    ccount = np.diff(np.append(cstart, n)).astype(np.intp)
    ckeys = gkeys[cstart]
    n_cells = len(cstart)
    cell_of = (np.cumsum(new) - 1).astype(np.intp)
    cell_w = np.add.reduceat(gw, cstart)

    # Neighbour cell of every cell at every offset (-1 where there is none).
    nbr = np.full((n_cells, len(_OFFSETS)), -1, dtype=np.intp)
    for k, (dx, dy) in enumerate(_OFFSETS):
        want = ckeys + (dx * stride + dy)
        pos = np.minimum(np.searchsorted(ckeys, want), n_cells - 1)
        hit = ckeys[pos] == want
        nbr[hit, k] = pos[hit]
    reach_w = _gather(cell_w, nbr, 0.0).sum(axis=1)

    # Core: a cell holding min_samples makes all its locations core (every pair in a cell is
    # within eps); other locations that could reach min_samples count neighbours, nearest first.
    is_core = (cell_w >= min_samples)[cell_of]
    maybe = (cell_w < min_samples) & (reach_w >= min_samples)
    active = np.flatnonzero(maybe[cell_of]).astype(np.intp)
    acc = cell_w[cell_of]
    for k in range(1, len(_OFFSETS)):
        if not len(active):
            break
        tcell = nbr[cell_of[active], k]
        q = active[tcell >= 0]
        tcell = tcell[tcell >= 0]
        counts = ccount[tcell]
        for sl in _chunks(counts):
            owner, idx = _ragged(cstart[tcell[sl]], counts[sl])
            within = _d2(gp, q[sl][owner], idx) <= eps2
            acc[q[sl]] += np.bincount(
                owner[within], weights=gw[idx[within]], minlength=sl.stop - sl.start
            )
        done = acc[active] >= min_samples
        is_core[active[done]] = True
        active = active[~done]

    # Clusters: core locations of one cell are connected; join neighbouring core cells.
    core_idx = np.flatnonzero(is_core).astype(np.intp)
    core_count = np.bincount(cell_of[core_idx], minlength=n_cells).astype(np.intp)
    core_start = (np.cumsum(core_count) - core_count).astype(np.intp)
    cells = _CoreCells(gp, eps2, core_idx, core_start, core_count)
    rows, cols = cells.join(nbr)
    cell_comp = _components(n_cells, rows, cols)
    comp = np.where(is_core, cell_comp[cell_of], -1).astype(np.intp)

    # Nearest core location (as an index in (x, y) order) of every core or border location.
    nearest = np.where(is_core, order, -1).astype(np.intp)
    core_reach = _gather(core_count, nbr, 0).sum(axis=1)  # core locations around each cell
    cand_pts = np.flatnonzero(~is_core & (core_reach > 0)[cell_of]).astype(np.intp)
    for sl in _chunks(core_reach[cell_of[cand_pts]] + len(_OFFSETS)):
        pts = cand_pts[sl]
        tcells = nbr[cell_of[pts]]
        c = _gather(core_count, tcells, 0).ravel()
        keep = c > 0
        flat_owner = np.repeat(np.arange(len(pts)), len(_OFFSETS))[keep]
        o2, pos = _ragged(_gather(core_start, tcells, 0).ravel()[keep], c[keep])
        owner = flat_owner[o2]
        cand = order[core_idx[pos]]  # (x, y)-order index: ties go to the smallest
        d2 = _d2(points, order[pts][owner], cand)
        within = d2 <= eps2
        nearest[pts] = _nearest(owner[within], cand[within], d2[within], len(pts))

    out_core = np.empty(n, dtype=bool)
    out_core[order] = is_core
    out_comp = np.empty(n, dtype=np.intp)
    out_comp[order] = comp
    out_nearest = np.empty(n, dtype=np.intp)
    out_nearest[order] = nearest
    return out_core, out_comp, out_nearest


def _gather(values: npt.NDArray[Any], index: IntArray, missing: Any) -> npt.NDArray[Any]:
    """``values[index]`` with ``missing`` where ``index`` is -1 (the appended last element)."""
    return np.append(values, np.asarray(missing, dtype=values.dtype))[index]


def _components(n: int, rows: IntArray, cols: IntArray) -> IntArray:
    graph = coo_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.intp)


class _CoreCells:
    """Core locations grouped by grid cell, for the cell-to-cell joins of the grid engine."""

    def __init__(
        self,
        gp: FloatArray,
        eps2: float,
        core_idx: IntArray,
        core_start: IntArray,
        core_count: IntArray,
    ) -> None:
        self.gp, self.eps2 = gp, eps2
        self.core_idx, self.core_start, self.core_count = core_idx, core_start, core_count

    def _extremes(self, cells: IntArray) -> IntArray:
        """For ``cells`` (ascending, each holding core locations), the core locations extreme in
        8 directions (cheap first candidates); rows of other cells are 0."""
        gp = self.gp
        reps = np.zeros((len(self.core_count), 8), dtype=np.intp)
        if not len(cells):
            return reps
        counts = self.core_count[cells]
        _, pos_in = _ragged(self.core_start[cells], counts)
        core_idx = self.core_idx[pos_in]
        starts = (np.cumsum(counts) - counts).astype(np.intp)
        x, y = gp[core_idx, 0], gp[core_idx, 1]
        group_of = np.repeat(np.arange(len(cells)), counts)
        for j, v in enumerate((x, -x, y, -y, x + y, -x - y, x - y, y - x)):
            is_min = v == np.repeat(np.minimum.reduceat(v, starts), counts)
            pos = np.flatnonzero(is_min)
            group = group_of[pos]
            first = np.ones(len(pos), dtype=bool)
            first[1:] = group[1:] != group[:-1]
            reps[cells, j] = core_idx[pos[first]]
        return reps

    def _full_check(self, a_cells: IntArray, b_cells: IntArray) -> BoolArray:
        """Whether each pair of cells holds a pair of core locations within eps."""
        owner1, ia = _ragged(self.core_start[a_cells], self.core_count[a_cells])
        b = b_cells[owner1]
        owner2, ib = _ragged(self.core_start[b], self.core_count[b])
        within = _d2(self.gp, self.core_idx[ia[owner2]], self.core_idx[ib]) <= self.eps2
        hit = np.zeros(len(a_cells), dtype=bool)
        hit[owner1[owner2[within]]] = True
        return hit

    def join(self, nbr: IntArray) -> tuple[IntArray, IntArray]:
        """Edges between neighbouring core cells that hold a pair of core locations within eps."""
        n_cells = len(self.core_count)
        cells = np.flatnonzero(self.core_count)
        a_parts, b_parts = [], []
        for off in _HALF_OFFSETS:
            b = nbr[cells, _OFFSETS.index(off)]
            ok = b >= 0
            ok[ok] = self.core_count[b[ok]] > 0
            a_parts.append(cells[ok])
            b_parts.append(b[ok])
        a_all = np.concatenate(a_parts) if a_parts else np.empty(0, dtype=np.intp)
        b_all = np.concatenate(b_parts) if b_parts else np.empty(0, dtype=np.intp)

        # 1. Extreme points facing each other usually settle dense neighbours at once. Only
        #    for pairs of cells whose full check costs more than these 8 x 8 distances (most
        #    pairs hold a few core locations each and are cheaper to check in full).
        dense = np.flatnonzero(self.core_count[a_all] * self.core_count[b_all] > _REP_PAIRS)
        reps = self._extremes(np.unique(np.concatenate((a_all[dense], b_all[dense]))))
        hit = np.zeros(len(a_all), dtype=bool)
        for sl in _chunks(np.full(len(dense), _REP_PAIRS, dtype=np.intp)):
            ra, rb = reps[a_all[dense[sl]]], reps[b_all[dense[sl]]]
            dx = self.gp[ra, 0][:, :, None] - self.gp[rb, 0][:, None, :]
            dy = self.gp[ra, 1][:, :, None] - self.gp[rb, 1][:, None, :]
            hit[dense[sl]] = (dx * dx + dy * dy <= self.eps2).any(axis=(1, 2))
        rows, cols = [a_all[hit]], [b_all[hit]]
        a_rest, b_rest = a_all[~hit], b_all[~hit]

        # 2. Check every core pair, cheapest cell pairs first (sorted once: what is left of a
        #    sorted list stays sorted), skipping cells already joined.
        by_cost = np.argsort(self.core_count[a_rest] * self.core_count[b_rest], kind="stable")
        a_rest, b_rest = a_rest[by_cost], b_rest[by_cost]
        while len(a_rest):
            comp = _components(n_cells, np.concatenate(rows), np.concatenate(cols))
            apart = comp[a_rest] != comp[b_rest]
            a_rest, b_rest = a_rest[apart], b_rest[apart]
            if not len(a_rest):
                break
            cost = self.core_count[a_rest] * self.core_count[b_rest]
            sl = next(_chunks(cost, PAIR_BUDGET.get() // _JOIN_BUDGET_SHARE))
            hit = self._full_check(a_rest[sl], b_rest[sl])
            rows.append(a_rest[sl][hit])
            cols.append(b_rest[sl][hit])
            a_rest, b_rest = a_rest[sl.stop :], b_rest[sl.stop :]
        return np.concatenate(rows), np.concatenate(cols)
