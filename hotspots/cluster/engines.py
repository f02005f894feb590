"""Engine choice, the scikit-learn engine, and rank-ordered hotspot ids.

Each engine returns, per location in (x, y) order, whether it is core, its core component id
(-1 if not core) and its nearest core location (-1 if none); :func:`_rank_labels` turns that
into labels under :data:`BORDER_RULE` and :data:`ID_RULE`.
"""

from __future__ import annotations

import numpy as np

from hotspots.cluster.grid import _grid_engine
from hotspots.cluster.pairs import _d2, _nearest
from hotspots.cluster.parallel import strip_count, strip_engine
from hotspots.cluster.types import EngineResult, FloatArray, IntArray

BORDER_RULE = (
    "a non-core location joins the cluster of its nearest core location within eps_m "
    "(ties: smallest (x, y) core location)"
)
ID_RULE = "hotspot ids by descending weight, ties by smallest (x, y) member"


def _sklearn_engine(
    points: FloatArray, weights: FloatArray, eps_m: float, min_samples: int
) -> EngineResult:
    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import NearestNeighbors

    n = len(points)
    db = DBSCAN(eps=eps_m, min_samples=min_samples, algorithm="kd_tree")
    db.fit(points, sample_weight=weights)
    is_core = np.zeros(n, dtype=bool)
    is_core[db.core_sample_indices_] = True
    comp = np.where(is_core, db.labels_, -1).astype(np.intp)
    nearest = np.where(is_core, np.arange(n), -1).astype(np.intp)
    border = np.flatnonzero(~is_core & (db.labels_ >= 0))
    if len(border):
        core_idx = np.flatnonzero(is_core)
        nn = NearestNeighbors(radius=eps_m, algorithm="kd_tree").fit(points[core_idx])
        hoods = nn.radius_neighbors(points[border], return_distance=False)
        lens = np.fromiter((len(h) for h in hoods), dtype=np.intp, count=len(hoods))
        cand = core_idx[np.concatenate(list(hoods)).astype(np.intp)]
        owner = np.repeat(np.arange(len(border)), lens)
        d2 = _d2(points, border[owner], cand)
        nearest[border] = _nearest(owner, cand, d2, len(border))
    return is_core, comp, nearest


def _run_engine(
    engine: str,
    points: FloatArray,
    weights: FloatArray,
    eps_m: float,
    min_samples: int,
    n_jobs: int = 1,
) -> tuple[EngineResult, str, str]:
    """Run the chosen engine (the grid on up to ``n_jobs`` threads); returns the result, the
    engine that ran and why."""
    if engine == "sklearn":
        return _sklearn_engine(points, weights, eps_m, min_samples), "sklearn", "asked for"
    strips = strip_count(len(points), n_jobs)
    if strips > 1:
        parallel, ran = strip_engine(points, weights, eps_m, min_samples, strips)
        how = f"exact grid engine, {strips} strips on {strips} threads"
        if ran == "grid":
            return parallel, "grid", f"asked for: {how}" if engine == "grid" else f"auto: {how}"
        why = f"{how}; eps_m too small against the coordinates in some strips: used {ran}"
        return parallel, ran, why
    result = _grid_engine(points, weights, eps_m, min_samples)
    if result is not None:
        why = "asked for" if engine == "grid" else "auto: exact grid engine"
        return result, "grid", why
    why = "eps_m too small against the extent or the coordinates for the grid; used sklearn"
    return _sklearn_engine(points, weights, eps_m, min_samples), "sklearn", why


def _rank_labels(
    weights: FloatArray, comp: IntArray, nearest: IntArray
) -> tuple[IntArray, FloatArray]:
    """Location labels with ids by descending weight, ties by smallest (x, y) member."""
    n = len(weights)
    labels = np.full(n, -1, dtype=np.intp)
    member = nearest >= 0
    labels[member] = comp[nearest[member]]
    if not member.any():
        return labels, np.empty(0)
    found, first = np.unique(labels[member], return_index=True)  # first member in (x, y) order
    dense = np.searchsorted(found, labels[member])
    cluster_w = np.bincount(dense, weights=weights[member], minlength=len(found)).astype(float)
    first_idx = np.flatnonzero(member)[first]
    rank = np.lexsort((first_idx, -cluster_w))
    new_id = np.empty(len(found), dtype=np.intp)
    new_id[rank] = np.arange(len(found))
    labels[member] = new_id[dense]
    return labels, cluster_w[rank]
