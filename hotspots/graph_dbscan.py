"""DBSCAN re-run many times on one fixed set of locations with changing weights.

The significance test (:mod:`hotspots.significance`) re-detects hotspots in each of ~200
simulations on the same snap points, only their weights (offences drawn as drugs) change. The
pairs of locations within ``eps_m`` do not change, so :class:`NeighbourGraph` finds them once
(``scipy.spatial.cKDTree``) and :meth:`NeighbourGraph.labels` runs DBSCAN on that graph with
``scipy.sparse.csgraph``: a few milliseconds per simulation instead of a full detector fit.

Hand-written (not :class:`hotspots.cluster.HotspotDetector`) only because the detector finds the
neighbour pairs again in every fit. The rules are the detector's, so the hotspots (the partition
of the locations) are identical, which ``tests/test_significance.py`` checks against it:

* a pair is within ``eps_m`` when ``dx*dx + dy*dy <= eps_m*eps_m`` (the detector's test);
* a location is core when the weights within ``eps_m`` (its own included) reach
  ``min_samples``; core locations within ``eps_m`` of each other are one hotspot;
* a non-core location with a core one within ``eps_m`` joins the hotspot of the nearest
  (ties: the first in (x, y) order); ids are numbered in order of first appearance here (the
  detector ranks them by weight: the ids differ, the hotspots do not).

Each run finds the core locations with one sparse product over the present locations' rows,
then works on the core rows alone (cores are few): ~1.6 ms a simulation on a force-year of
~67,000 snap points with 1.6M pairs (was ~12 ms).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


class NeighbourGraph:
    """Every pair of ``locations`` within ``eps_m`` (itself included), with squared distances.

    Parameters
    ----------
    locations
        ``(n, 2)`` distinct points, metres, in (x, y) order (as ``numpy.unique(..., axis=0)``
        returns them): ties between equally near core locations go to the first in this order.
    eps_m
        DBSCAN radius, metres.
    """

    def __init__(self, locations: FloatArray, eps_m: float) -> None:
        xy = np.asarray(locations, dtype=float).reshape(-1, 2)
        n = len(xy)
        eps2 = float(eps_m) * float(eps_m)
        # A radius a little larger, then the exact test: the tree's own bound may round.
        pairs = cKDTree(xy).query_pairs(float(eps_m) * (1 + 1e-9) + 1e-9, output_type="ndarray")
        pairs = pairs.reshape(-1, 2).astype(np.intp)
        dx = xy[pairs[:, 0], 0] - xy[pairs[:, 1], 0]
        dy = xy[pairs[:, 0], 1] - xy[pairs[:, 1], 1]
        d2 = dx * dx + dy * dy
        pairs, d2 = pairs[d2 <= eps2], d2[d2 <= eps2]
        rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n, dtype=np.intp)])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n, dtype=np.intp)])
        dist2 = np.concatenate([d2, d2, np.zeros(n)])
        order = np.argsort(rows, kind="stable")  # grouped by row (CSR); columns in any order
        counts = np.bincount(rows, minlength=n)
        #: CSR row starts, column of each entry and its squared distance.
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        self.indices = cols[order]
        self.dist2: FloatArray = dist2[order]
        #: 0/1 matrix of the pairs within ``eps_m`` (diagonal included).
        self.near = csr_array((np.ones(len(rows)), self.indices, self.indptr), shape=(n, n))

    def labels(self, weight: FloatArray, min_samples: float) -> tuple[IntArray, int]:
        """DBSCAN of the locations with ``weight`` (> 0 where present; 0: absent).

        Returns
        -------
        labels, n_hotspots
            Per location, its hotspot (``0 .. n_hotspots - 1``) or ``-1`` (noise or absent).
        """
        weight = np.asarray(weight, dtype=float)
        out = np.full(len(weight), -1, dtype=np.intp)
        present = np.flatnonzero(weight > 0)
        if not len(present):
            return out, 0
        # Core: the weight within eps_m of a present location (one sparse product over the
        # present rows). Cores are few (a hotspot's worth), so the rest works on their rows only.
        core = present[(self.near[present] @ weight) >= min_samples]
        k = len(core)
        if not k:
            return out, 0
        # Every entry of the core locations' rows: the locations within eps_m of a core.
        starts = self.indptr[core]
        counts = self.indptr[core + 1] - starts
        row = np.repeat(np.arange(k, dtype=np.intp), counts)
        entry = np.arange(int(counts.sum()), dtype=np.intp) + np.repeat(
            starts - (np.cumsum(counts) - counts), counts
        )
        col = self.indices[entry]
        core_of = np.full(len(weight), -1, dtype=np.intp)
        core_of[core] = np.arange(k, dtype=np.intp)
        col_core = core_of[col]
        linked = col_core >= 0
        graph = csr_array(
            (np.ones(int(linked.sum())), (row[linked], col_core[linked])), shape=(k, k)
        )
        _, comp = connected_components(graph, directed=False)
        out[core] = comp
        # Border: a present, non-core location within eps_m of a core joins the nearest core's
        # hotspot (ties: the core first in (x, y) order, i.e. the lowest row).
        border = (col_core < 0) & (weight[col] > 0)
        if border.any():
            b_row, b_col, b_d2 = row[border], col[border], self.dist2[entry[border]]
            order = np.lexsort((b_row, b_d2, b_col))
            first = np.ones(len(order), dtype=bool)
            first[1:] = b_col[order[1:]] != b_col[order[:-1]]
            pick = order[first]
            out[b_col[pick]] = comp[b_row[pick]]
        return out, int(comp.max()) + 1
