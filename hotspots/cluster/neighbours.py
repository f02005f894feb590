"""DBSCAN of the same locations at many ``min_samples``: the pairs within ``eps_m`` found once.

The parameter back-test (:mod:`hotspots.evaluate.pair_backtest`) fits the same fit months at
six ``min_samples`` for each ``eps_m``; the grid engine would search the neighbours again each
time. :class:`Neighbours` finds the pairs of locations within ``eps_m`` once (scipy's kd-tree,
``cKDTree.query_pairs`` at a radius a hair above ``eps_m``, then the test every engine makes,
``dx*dx + dy*dy <= eps_m**2``, so exactly the same pairs), and each ``min_samples`` then needs
only sums over those pairs and one connected-components pass. The rules are the detector's
(:mod:`hotspots.cluster`: core weight ``>= min_samples`` within ``eps_m`` itself included,
clusters of core locations within ``eps_m``, a border location joins its nearest core location,
ties by the smallest ``(x, y)``), and with whole-number weights (the detector's counts of
offences) the neighbourhood sums are exact in any order, so the result is the grid engine's;
with other weights :class:`SharedNeighbours` leaves the fit to the usual engines.
Hand-written (scikit-learn's DBSCAN has no way to reuse its neighbourhoods across
``min_samples``, and would need its own border rule applied after, as the sklearn engine does).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from hotspots.cluster.core import DetectorCore
from hotspots.cluster.pairs import PAIR_BUDGET, _d2, _nearest
from hotspots.cluster.types import Auto, BoolArray, EngineResult, FloatArray

#: Relative margin of the kd-tree's radius over ``eps_m`` (far above its rounding error); the
#: exact test then keeps the pairs within ``eps_m``.
_RADIUS_MARGIN = 1e-9
#: Locations above which the pairs are counted first (and the usual engine used when they
#: exceed the pair budget).
_COUNT_FIRST = 20_000


class Neighbours:
    """The pairs of ``points`` (distinct locations in ``(x, y)`` order) within ``eps_m``, both
    ways, with their squared distances, and each location's weight within ``eps_m``."""

    def __init__(self, points: FloatArray, weights: FloatArray, eps_m: float) -> None:
        from scipy.spatial import cKDTree  # here: `hotspots analyse` imports this module

        n = len(points)
        tree = cKDTree(points)
        radius = eps_m * (1 + _RADIUS_MARGIN)
        if n > _COUNT_FIRST and tree.count_neighbors(tree, radius) > PAIR_BUDGET.get():
            raise MemoryError("more pairs within eps_m than the pair budget")
        pairs = tree.query_pairs(radius, output_type="ndarray").astype(np.intp)
        a, b = pairs[:, 0], pairs[:, 1]
        d2 = _d2(points, a, b)
        within = d2 <= eps_m * eps_m
        a, b, d2 = a[within], b[within], d2[within]
        self.n = n
        self.a = np.concatenate((a, b))
        self.b = np.concatenate((b, a))
        self.d2 = np.concatenate((d2, d2))
        self.hood_weight = weights + np.bincount(self.a, weights=weights[self.b], minlength=n)
        self._found: dict[bytes, EngineResult] = {}

    def dbscan(self, min_samples: int) -> EngineResult:
        """Per location: core flag, core component id (-1 if not core), nearest core location
        (itself when core, -1 for noise), as the engines return them (the same arrays for the
        same core locations: not to be changed)."""
        is_core = self.hood_weight >= min_samples
        key = is_core.tobytes()  # several min_samples often make the same core locations
        if key not in self._found:
            self._found[key] = self._clusters(is_core)
        return self._found[key]

    def _clusters(self, is_core: BoolArray) -> EngineResult:
        core_a, core_b = is_core[self.a], is_core[self.b]
        joined = core_a & core_b
        graph = coo_array(
            (np.ones(int(joined.sum()), dtype=np.int8), (self.a[joined], self.b[joined])),
            shape=(self.n, self.n),
        )
        _, comp = connected_components(graph, directed=False)
        comp = np.where(is_core, comp, -1).astype(np.intp)
        border = ~core_a & core_b
        nearest = _nearest(self.a[border], self.b[border], self.d2[border], self.n)
        nearest[is_core] = np.flatnonzero(is_core)
        return is_core, comp, nearest


class SharedNeighbours(DetectorCore):
    """:class:`~hotspots.cluster.DetectorCore` whose DBSCAN step reuses :class:`Neighbours`
    already found at the same ``eps_m`` (``hoods``, filled here: one dict per set of
    locations, shared by every detector fitting those locations)."""

    def __init__(
        self,
        eps_m: float | Auto,
        min_samples: int | Auto,
        *,
        n_months: float | None,
        hoods: dict[float, Neighbours],
    ) -> None:
        super().__init__(eps_m, min_samples, n_months=n_months)
        self.hoods = hoods

    def _cluster_locations(
        self,
        points: FloatArray,
        weights: FloatArray,
        eps_m: float,
        min_samples: int,
        n_jobs: int,
    ) -> tuple[EngineResult, dict[str, Any]]:
        if len(points) and np.array_equal(weights, np.floor(weights)):
            hood = self.hoods.get(eps_m)
            if hood is None:
                try:
                    hood = self.hoods[eps_m] = Neighbours(points, weights, eps_m)
                except MemoryError:
                    hood = None
            if hood is not None:
                why = "neighbour pairs found once for every min_samples at this eps_m"
                return hood.dbscan(min_samples), {"engine": "pairs", "engine_reason": why}
        return super()._cluster_locations(points, weights, eps_m, min_samples, n_jobs)
