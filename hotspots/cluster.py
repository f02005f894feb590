"""Hotspot detection by DBSCAN in metres (British National Grid, EPSG:27700).

Input is either an ``(n, 2)`` array of x/y metres or a GeoSeries/GeoDataFrame of points whose CRS
is projected in metres (a geographic CRS such as EPSG:4326 raises). Each row is one offence.

How it works
------------
1. **Stacked snap points are collapsed.** police.uk moves every crime onto a shared map point, so
   many offences have identical coordinates. Identical coordinates become one location whose
   weight is the number of offences on it (times any ``sample_weight``). DBSCAN runs on the
   locations and the labels are broadcast back to the rows. Core status and clusters are exactly
   those of plain DBSCAN on the rows, because a location's neighbourhood weight is the same sum.
2. **Core points** follow scikit-learn's rule: a location is core when the summed weight within
   ``eps_m`` metres (distance ``<= eps_m``, itself included) is at least ``min_samples``.
   Clusters are the connected groups of core locations less than or equal to ``eps_m`` apart.
3. **Border rule.** A non-core location within ``eps_m`` of a core location is a border location.
   scikit-learn gives a border location reachable from two clusters to whichever cluster its scan
   reached first, which depends on the input order. Here it joins the cluster of its *nearest*
   core location (smallest squared distance); ties go to the core location with the smallest
   ``(x, y)``, compared as a pair. Locations with no core location within ``eps_m`` are
   noise (``-1``).
4. **Hotspot ids follow rank.** Hotspot 0 carries the most weight (offences), 1 the next, and so
   on; equal weights are ordered by the smallest ``(x, y)`` member, compared as a pair. Clusters
   never share a location, so this order is total. Ids and labels do not depend on the input order.
5. **Engines.** ``"grid"`` (chosen by ``"auto"``) is an exact grid-based DBSCAN written with
   numpy and scipy. Cells of side ``eps_m / 1.5`` are used, so every pair in a cell is within
   ``eps_m``. A cell whose weight reaches ``min_samples`` makes all its locations core without any
   distance work. Other locations count their neighbours in the 24 cells around them. Core cells
   are joined when some pair of their core locations is within ``eps_m``. ``"sklearn"`` runs
   :class:`sklearn.cluster.DBSCAN` (kd-tree) on the collapsed locations and applies the same
   border and id rules. Both engines test ``dx*dx + dy*dy <= eps_m*eps_m`` point by point, as
   scikit-learn's kd-tree does, so they agree exactly. Weights that are whole numbers (counts)
   are summed exactly; fractional weights can differ in the last bit of a neighbourhood sum.
   (scikit-learn's kd-tree can also admit a whole tree node through a square-rooted bound. That
   can let in a pair whose squared distance is one rounding error above ``eps_m**2``, which
   only happens for pairs whose distance equals ``eps_m`` to about 16 significant digits.)

Automatic parameters
--------------------
``min_samples="auto"`` (or ``None``):
    ``max(5, min(ceil(3 * n_months), ceil(0.01 * total_weight)))``. The months term asks for
    at least 3 offences a month within ``eps_m`` of a core location: the West Midlands hot-spot
    pilot floor of 36 crimes in 12 months in a place of at most 150 m radius (see
    ``docs/accuracy.md``). The weight term caps that at 1% of all the offences, so thin data
    (one force's drug offences: ~2,700 a year gives 28) still show their busiest places. Without
    ``n_months`` the weight term alone is used.
``eps_m="auto"`` (or ``None``):
    the knee of the weighted k-distance curve, with ``k = min_samples`` (see :func:`k_distance`).
    The curve is taken over locations sorted by k-distance, with the x axis the cumulative offence
    weight and the y axis ``log10(max(k-distance, 1 m))``. Both axes are scaled to 0..1, and the
    knee is the point farthest below the chord (Kneedle, Satopää et al. 2011). Past 100,000
    locations the curve uses 100,000 of them evenly spaced in ``(x, y)`` order. The knee is clamped
    to 50..150 m (hot-spot policing targets places of at most 150 m radius) and rounded to the
    metre. With fewer than 3 finite k-distances there is no knee and 150 m is used.

The values used and the reasons are kept in ``HotspotDetector.params_``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, ClusterMixin

__all__ = ["HotspotDetector", "detect_hotspots", "k_distance"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
Engine = Literal["auto", "grid", "sklearn"]
Auto = Literal["auto"]

#: Offences a month within ``eps_m`` of a core location, when ``n_months`` is known.
MONTHLY_RATE = 3.0
#: Smallest ``min_samples`` the automatic rule returns.
MIN_SAMPLES_FLOOR = 5
#: Largest share of the total weight that ``min_samples="auto"`` asks for.
WEIGHT_SHARE = 0.01
#: Range the automatic ``eps_m`` is clamped to, in metres.
EPS_RANGE_M = (50.0, 150.0)
#: Most locations on the k-distance curve behind ``eps_m="auto"``.
KNEE_LOCATIONS = 100_000

BORDER_RULE = (
    "a non-core location joins the cluster of its nearest core location within eps_m "
    "(ties: smallest (x, y) core location)"
)
ID_RULE = "hotspot ids by descending weight, ties by smallest (x, y) member"

_CELL_DIVISOR = 1.5  # cell side = eps / 1.5: cell diagonal 0.94 eps, neighbours within +-2 cells
_PAIR_BUDGET = 1 << 21  # candidate pairs materialised at once (~100 MB of temporaries)
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


# -- input checks ---------------------------------------------------------------------------------


def _as_xy(X: Any) -> FloatArray:
    """A new ``(n, 2)`` float64 array of x/y metres from an array or a point GeoSeries/frame."""
    if type(X).__module__.startswith("geopandas"):
        return _geo_xy(X)
    try:
        xy = np.array(X, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"X: got {type(X).__name__} that is not numeric; expected an (n, 2) array of x/y "
            "metres or a GeoSeries/GeoDataFrame of points"
        ) from exc
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(
            f"X: got an array of shape {xy.shape}; expected shape (n, 2) of x/y metres"
        )
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise ValueError(
            f"X: got {int(bad.sum())} rows with NaN or infinite coordinates (first at row "
            f"{int(np.flatnonzero(bad)[0])}); expected finite x/y metres"
        )
    xy += 0.0  # -0.0 -> 0.0, so equal coordinates have equal bits
    return xy


def _geo_xy(X: Any) -> FloatArray:
    import geopandas as gpd
    import shapely

    geoms = X
    if isinstance(X, gpd.GeoDataFrame):
        try:
            geoms = X.geometry
        except AttributeError as exc:
            raise ValueError(
                "X: got a GeoDataFrame with no active geometry column; expected point geometries"
            ) from exc
    if not isinstance(geoms, gpd.GeoSeries):
        raise ValueError(
            f"X: got {type(X).__name__}; expected an (n, 2) array of x/y metres or a "
            "GeoSeries/GeoDataFrame of points"
        )
    crs = geoms.crs
    if crs is None:
        raise ValueError(
            "X: got geometries with no CRS; expected a projected CRS in metres such as EPSG:27700"
        )
    if crs.is_geographic:
        raise ValueError(
            f"X: got CRS {crs.to_string()} (geographic, degrees); expected a projected CRS in "
            "metres such as EPSG:27700 (reproject with .to_crs('EPSG:27700'))"
        )
    units = {axis.unit_name.lower() for axis in crs.axis_info[:2]}
    if not units or not units <= {"metre", "meter", "metres", "meters"}:
        raise ValueError(
            f"X: got CRS {crs.to_string()} with axis units {sorted(units)}; expected a projected "
            "CRS in metres such as EPSG:27700"
        )
    arr = np.asarray(geoms.values, dtype=object)
    is_point = shapely.get_type_id(arr) == 0
    ok = is_point & ~shapely.is_empty(arr)
    if not ok.all():
        first = int(np.flatnonzero(~ok)[0])
        raise ValueError(
            f"X: got {int((~ok).sum())} geometries that are missing, empty or not points (first at "
            f"position {first}: {arr[first]!r:.60}); expected one point per offence"
        )
    xy = np.column_stack((shapely.get_x(arr), shapely.get_y(arr))).astype(np.float64)
    if not np.isfinite(xy).all():
        raise ValueError("X: got points with NaN or infinite coordinates; expected finite metres")
    xy += 0.0
    return xy


def _as_weights(sample_weight: Any, n: int) -> FloatArray | None:
    if sample_weight is None:
        return None
    w = np.array(sample_weight, dtype=np.float64, copy=True)
    if w.shape != (n,):
        raise ValueError(f"sample_weight: got shape {w.shape}; expected ({n},), one per row of X")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(
            "sample_weight: got NaN, infinite or negative weights; expected finite weights >= 0"
        )
    return w


def _check_eps(eps_m: Any) -> float | None:
    if eps_m is None or (isinstance(eps_m, str) and eps_m == "auto"):
        return None
    if isinstance(eps_m, bool) or not isinstance(eps_m, Real) or not 0 < float(eps_m) < math.inf:
        raise ValueError(f"eps_m: got {eps_m!r}; expected a distance in metres > 0, or 'auto'")
    return float(eps_m)


def _check_min_samples(min_samples: Any) -> int | None:
    if min_samples is None or (isinstance(min_samples, str) and min_samples == "auto"):
        return None
    if isinstance(min_samples, bool) or not isinstance(min_samples, Integral) or min_samples < 1:
        raise ValueError(f"min_samples: got {min_samples!r}; expected an integer >= 1, or 'auto'")
    return int(min_samples)


def _check_months(n_months: Any) -> float | None:
    if n_months is None:
        return None
    if (
        isinstance(n_months, bool)
        or not isinstance(n_months, Real)
        or not 0 < float(n_months) < math.inf
    ):
        raise ValueError(f"n_months: got {n_months!r}; expected a number of months > 0, or None")
    return float(n_months)


def _check_engine(engine: Any) -> str:
    if engine not in ("auto", "grid", "sklearn"):
        raise ValueError(f"engine: got {engine!r}; expected 'auto', 'grid' or 'sklearn'")
    return str(engine)


# -- collapsing stacked points --------------------------------------------------------------------


def _collapse(xy: FloatArray, w: FloatArray | None) -> tuple[FloatArray, FloatArray, IntArray]:
    """Unique locations in (x, y) order, their summed weights, and each row's location index.

    Duplicate weights are summed in sorted order, so the sums do not depend on the row order.
    """
    n = len(xy)
    if n == 0:
        return np.empty((0, 2)), np.empty(0), np.empty(0, dtype=np.intp)
    keys = (xy[:, 1], xy[:, 0]) if w is None else (w, xy[:, 1], xy[:, 0])
    order = np.lexsort(keys)
    xs, ys = xy[order, 0], xy[order, 1]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    new[1:] |= ys[1:] != ys[:-1]
    starts = np.flatnonzero(new)
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    points = np.column_stack((xs[starts], ys[starts]))
    if w is None:
        weights = np.diff(np.append(starts, n)).astype(np.float64)
    else:
        weights = np.add.reduceat(w[order], starts)
    return points, weights, inverse


# -- shared helpers -------------------------------------------------------------------------------


def _ragged(starts: IntArray, counts: IntArray) -> tuple[IntArray, IntArray]:
    """``(owner, index)`` over the ranges ``starts[i] .. starts[i] + counts[i] - 1``, joined."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    index = np.arange(total) - np.repeat(first - starts, counts)
    return owner, index


def _chunks(costs: IntArray, budget: int = _PAIR_BUDGET) -> Iterator[slice]:
    """Consecutive slices whose summed cost stays near ``budget`` (one item may exceed it)."""
    n = len(costs)
    cum = np.cumsum(costs)
    start = 0
    while start < n:
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + budget, side="right"))
        stop = max(stop, start + 1)
        yield slice(start, stop)
        start = stop


def _d2(points: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Squared distances computed as scikit-learn's kd-tree does: ``dx*dx + dy*dy``."""
    dx = points[a, 0] - points[b, 0]
    dy = points[a, 1] - points[b, 1]
    return dx * dx + dy * dy


def _nearest(owner: IntArray, cand: IntArray, d2: FloatArray, n_owner: int) -> IntArray:
    """For each owner, the candidate with the smallest ``d2``, ties by smallest candidate id."""
    best = np.full(n_owner, -1, dtype=np.intp)
    if len(owner):
        order = np.lexsort((cand, d2, owner))
        first = np.ones(len(order), dtype=bool)
        first[1:] = owner[order[1:]] != owner[order[:-1]]
        pick = order[first]
        best[owner[pick]] = cand[pick]
    return best


# -- engines: each returns is_core, core component ids (-1 if not core), nearest core (-1 none) ---

EngineResult = tuple[BoolArray, IntArray, IntArray]


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
    """``values[index]`` with ``missing`` where ``index`` is -1."""
    ok = index >= 0
    return np.where(ok, values[np.where(ok, index, 0)], missing)


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

    def _extremes(self) -> IntArray:
        """Per cell, the core locations extreme in 8 directions (cheap first candidates)."""
        gp, core_idx = self.gp, self.core_idx
        reps = np.zeros((len(self.core_count), 8), dtype=np.intp)
        if not len(core_idx):
            return reps
        cells = np.flatnonzero(self.core_count)
        starts, counts = self.core_start[cells], self.core_count[cells]
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

        # 1. Extreme points facing each other usually settle dense neighbours at once.
        reps = self._extremes()
        hit = np.zeros(len(a_all), dtype=bool)
        for sl in _chunks(np.full(len(a_all), 64, dtype=np.intp)):
            ra, rb = reps[a_all[sl]], reps[b_all[sl]]
            dx = self.gp[ra, 0][:, :, None] - self.gp[rb, 0][:, None, :]
            dy = self.gp[ra, 1][:, :, None] - self.gp[rb, 1][:, None, :]
            hit[sl] = (dx * dx + dy * dy <= self.eps2).any(axis=(1, 2))
        rows, cols = [a_all[hit]], [b_all[hit]]
        a_rest, b_rest = a_all[~hit], b_all[~hit]

        # 2. Check every core pair, cheapest cell pairs first, skipping cells already joined.
        while len(a_rest):
            comp = _components(n_cells, np.concatenate(rows), np.concatenate(cols))
            apart = comp[a_rest] != comp[b_rest]
            a_rest, b_rest = a_rest[apart], b_rest[apart]
            if not len(a_rest):
                break
            cost = self.core_count[a_rest] * self.core_count[b_rest]
            by_cost = np.argsort(cost, kind="stable")
            a_rest, b_rest, cost = a_rest[by_cost], b_rest[by_cost], cost[by_cost]
            sl = next(_chunks(cost))
            hit = self._full_check(a_rest[sl], b_rest[sl])
            rows.append(a_rest[sl][hit])
            cols.append(b_rest[sl][hit])
            a_rest, b_rest = a_rest[sl.stop :], b_rest[sl.stop :]
        return np.concatenate(rows), np.concatenate(cols)


def _run_engine(
    engine: str, points: FloatArray, weights: FloatArray, eps_m: float, min_samples: int
) -> tuple[EngineResult, str, str]:
    """Run the chosen engine; returns the result, the engine that ran and why."""
    if engine == "sklearn":
        return _sklearn_engine(points, weights, eps_m, min_samples), "sklearn", "asked for"
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


# -- k-distance and the automatic parameter rule --------------------------------------------------


def _k_distance_locations(
    points: FloatArray, weights: FloatArray, k: float, at: IntArray | None = None
) -> FloatArray:
    """For locations ``at`` (default all), the smallest radius whose closed disc holds weight
    ``>= k``, counting every location (inf if the total is below ``k``)."""
    n = len(points)
    at = np.arange(n) if at is None else at
    out = np.full(n, np.inf)
    if n == 0:
        return out[at]
    tree = cKDTree(points)
    pending = at
    kq = min(n, max(1, math.ceil(k)))  # enough when every weight is >= 1 (counts)
    while len(pending):
        unresolved = []
        for sl in _chunks(np.full(len(pending), kq, dtype=np.intp)):
            chunk = pending[sl]
            d, i = tree.query(points[chunk], k=kq)
            d, i = d.reshape(len(chunk), kq), i.reshape(len(chunk), kq)
            reached = np.cumsum(weights[i], axis=1) >= k
            first = reached.argmax(axis=1)
            ok = reached[np.arange(len(chunk)), first]
            out[chunk[ok]] = d[ok, first[ok]]
            unresolved.append(chunk[~ok])
        pending = np.concatenate(unresolved)
        if kq == n:
            break
        kq = min(n, kq * 2)
    return out[at]


def k_distance(X: Any, k: float, sample_weight: npt.ArrayLike | None = None) -> FloatArray:
    """Sorted distance from each offence to its k-th neighbour, counting weights.

    The k-th neighbour distance of a point is the smallest radius ``r`` (metres) such that the
    points within ``r``, itself included, weigh at least ``k``. A point is a DBSCAN core point
    exactly when this distance is ``<= eps_m`` with ``min_samples = k``. Plot the result to choose
    ``eps_m`` by eye, or see the knee rule in the module docstring.

    Parameters
    ----------
    X : array-like of shape (n, 2), GeoSeries or GeoDataFrame
        Offence locations: x/y metres in EPSG:27700 (or any projected CRS in metres), or points
        whose CRS is projected in metres.
    k : float
        Weight to reach, usually ``min_samples``; > 0.
    sample_weight : array-like of shape (n,), optional
        Weight of each offence (default 1), finite and >= 0.

    Returns
    -------
    numpy.ndarray of shape (n,)
        Distances in metres, sorted ascending; ``inf`` where the total weight is below ``k``.

    Raises
    ------
    ValueError
        If ``X`` is not (n, 2) finite metres, has a geographic CRS, or the weights or ``k`` are bad.
    """
    xy = _as_xy(X)
    w = _as_weights(sample_weight, len(xy))
    if isinstance(k, bool) or not isinstance(k, Real) or not 0 < float(k) < math.inf:
        raise ValueError(f"k: got {k!r}; expected a weight > 0, usually min_samples")
    points, weights, inverse = _collapse(xy, w)
    return np.sort(_k_distance_locations(points, weights, float(k))[inverse])


def _knee(kdist: FloatArray, weights: FloatArray) -> float | None:
    """Knee of the offence-weighted, log-distance sorted k-distance curve; None if too short."""
    keep = np.isfinite(kdist) & (weights > 0)
    if int(keep.sum()) < 3:
        return None
    order = np.argsort(kdist[keep], kind="stable")
    d = kdist[keep][order]
    cum = np.cumsum(weights[keep][order])
    x = (cum - cum[0]) / (cum[-1] - cum[0]) if cum[-1] > cum[0] else np.linspace(0, 1, len(d))
    y = np.log10(np.maximum(d, 1.0))
    if y[-1] <= y[0]:
        return float(d[-1])
    gap = x - (y - y[0]) / (y[-1] - y[0])
    return float(d[int(np.argmax(gap))])


def _auto_min_samples(n_months: float | None, total_weight: float) -> tuple[int, str]:
    by_weight = math.ceil(WEIGHT_SHARE * total_weight - 1e-9)
    weight_text = f"ceil({WEIGHT_SHARE:g} x total weight {total_weight:g}) = {by_weight}"
    if n_months is None:
        value = max(MIN_SAMPLES_FLOOR, by_weight)
        why = f"auto: n_months not given; max({MIN_SAMPLES_FLOOR}, {weight_text}) = {value}"
        return value, why
    by_months = math.ceil(MONTHLY_RATE * n_months - 1e-9)
    value = max(MIN_SAMPLES_FLOOR, min(by_months, by_weight))
    why = (
        f"auto: max({MIN_SAMPLES_FLOOR}, min(ceil({MONTHLY_RATE:g} offences/month x "
        f"{n_months:g} months) = {by_months}, {weight_text})) = {value} (months term: West "
        "Midlands pilot floor of 36 crimes a year within 150 m; weight term: at most 1% of all)"
    )
    return value, why


def _auto_eps(points: FloatArray, weights: FloatArray, k: int) -> tuple[float, str, float | None]:
    low, high = EPS_RANGE_M
    # A curve of KNEE_LOCATIONS evenly spaced in (x, y) order is as good for a knee, and cheap.
    at = np.unique(
        np.linspace(0, len(points) - 1, min(len(points), KNEE_LOCATIONS)).astype(np.intp)
    )
    knee = _knee(_k_distance_locations(points, weights, k, at), weights[at])
    if knee is None:
        return high, f"auto: fewer than 3 finite {k}-distances, no knee; used {high:g} m", None
    value = float(round(min(max(knee, low), high)))
    curve = f"auto: the knee of the offence-weighted {k}-distance curve is at {knee:,.0f} m"
    if knee < low:
        why = f"{curve}, below the {low:g} m floor (offences stacked on shared points): {value:g} m"
    elif knee > high:
        why = f"{curve}, above the {high:g} m ceiling for a patrol micro-place: {value:g} m"
    else:
        why = f"{curve}: {value:g} m"
    return value, why, knee


# -- public API -----------------------------------------------------------------------------------


class HotspotDetector(ClusterMixin, BaseEstimator):
    """DBSCAN hotspots in metres, with stacked snap points collapsed and ids ranked by weight.

    Parameters
    ----------
    eps_m : float or "auto", default="auto"
        Neighbourhood radius in metres (distance ``<= eps_m`` counts). ``"auto"`` or ``None``
        chooses it from the data (module docstring).
    min_samples : int or "auto", default="auto"
        Weight (offences) within ``eps_m`` of a location, itself included, that makes it core.
        ``"auto"`` or ``None`` chooses it from ``n_months`` and the total weight.
    n_months : float, optional
        Length of the period the offences cover, in months; used by ``min_samples="auto"``.
        ``fit(..., n_months=...)`` overrides it.
    engine : {"auto", "grid", "sklearn"}, default="auto"
        ``"grid"`` is the exact grid engine (what ``"auto"`` picks); ``"sklearn"`` runs
        :class:`sklearn.cluster.DBSCAN` on the collapsed locations. Both give the same labels.
        The grid falls back to scikit-learn when ``eps_m`` is tiny against the coordinates
        (under about 3.5e-10 of the largest one: half a millimetre in EPSG:27700);
        ``engine_`` and ``params_["engine_reason"]`` record it.

    Attributes
    ----------
    labels_ : numpy.ndarray of shape (n,)
        Hotspot id of each row: ``-1`` noise, ``0`` the hotspot with the most weight, and so on.
    n_hotspots_ : int
        Number of hotspots.
    hotspot_weight_ : numpy.ndarray of shape (n_hotspots_,)
        Weight (offences) of each hotspot, in id order (non-increasing).
    core_sample_indices_ : numpy.ndarray
        Row indices of the core samples, ascending.
    eps_m_ : float
        Radius used, metres.
    min_samples_ : int
        ``min_samples`` used.
    engine_ : str
        Engine that ran: ``"grid"`` or ``"sklearn"``.
    params_ : dict
        What was chosen and why: ``eps_m``, ``eps_m_reason``, ``eps_m_knee``, ``min_samples``,
        ``min_samples_reason``, ``n_months``, ``n_samples``, ``n_locations``, ``total_weight``,
        ``engine``, ``engine_reason``, ``border_rule`` and ``id_rule``.
    n_features_in_ : int
        Always 2 (x and y).

    See Also
    --------
    detect_hotspots : the same as a function.
    k_distance : the curve behind ``eps_m="auto"``.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0, 0], [0, 50], [50, 0], [5000, 5000]], dtype=float)
    >>> HotspotDetector(eps_m=100, min_samples=3).fit(xy).labels_
    array([ 0,  0,  0, -1])
    """

    def __init__(
        self,
        eps_m: float | Auto | None = "auto",
        min_samples: int | Auto | None = "auto",
        *,
        n_months: float | None = None,
        engine: Engine = "auto",
    ) -> None:
        self.eps_m = eps_m
        self.min_samples = min_samples
        self.n_months = n_months
        self.engine = engine

    def fit(
        self,
        X: Any,
        y: None = None,
        sample_weight: npt.ArrayLike | None = None,
        n_months: float | None = None,
    ) -> HotspotDetector:
        """Find the hotspots.

        Parameters
        ----------
        X : array-like of shape (n, 2), GeoSeries or GeoDataFrame
            One row per offence: x/y metres (EPSG:27700 or another projected CRS in metres), or
            points whose CRS is projected in metres. Not modified.
        y : None
            Ignored; for scikit-learn compatibility.
        sample_weight : array-like of shape (n,), optional
            Weight of each row (default 1), finite and >= 0. Not modified.
        n_months : float, optional
            Period length in months for ``min_samples="auto"``; overrides the constructor's.

        Returns
        -------
        HotspotDetector
            ``self``, fitted.

        Raises
        ------
        ValueError
            On a geographic or missing CRS, non-point geometries, bad shapes, non-finite
            coordinates, negative weights or bad parameters; the message says what was received
            and what was expected.
        """
        eps_m = _check_eps(self.eps_m)
        min_samples = _check_min_samples(self.min_samples)
        months = _check_months(n_months if n_months is not None else self.n_months)
        engine = _check_engine(self.engine)
        xy = _as_xy(X)
        w = _as_weights(sample_weight, len(xy))
        points, weights, inverse = _collapse(xy, w)
        total_weight = float(weights.sum())

        if min_samples is None:
            min_samples, ms_why = _auto_min_samples(months, total_weight)
        else:
            ms_why = "given"
        knee = None
        if eps_m is None:
            eps_m, eps_why, knee = _auto_eps(points, weights, min_samples)
        else:
            eps_why = "given"

        n_loc = len(points)
        if n_loc:
            (is_core, comp, nearest), ran, engine_why = _run_engine(
                engine, points, weights, eps_m, min_samples
            )
        else:
            is_core = np.zeros(0, dtype=bool)
            comp = nearest = np.empty(0, dtype=np.intp)
            ran = "grid" if engine == "auto" else engine
            engine_why = "no points"
        loc_labels, hotspot_weight = _rank_labels(weights, comp, nearest)

        self.labels_ = loc_labels[inverse]
        self.core_sample_indices_ = np.flatnonzero(is_core[inverse])
        self.n_hotspots_ = len(hotspot_weight)
        self.hotspot_weight_ = hotspot_weight
        self.eps_m_ = eps_m
        self.min_samples_ = min_samples
        self.engine_ = ran
        self.n_features_in_ = 2
        self.params_: dict[str, Any] = {
            "eps_m": eps_m,
            "eps_m_reason": eps_why,
            "eps_m_knee": knee,
            "min_samples": min_samples,
            "min_samples_reason": ms_why,
            "n_months": months,
            "n_samples": len(xy),
            "n_locations": n_loc,
            "total_weight": total_weight,
            "engine": ran,
            "engine_reason": engine_why,
            "border_rule": BORDER_RULE,
            "id_rule": ID_RULE,
        }
        return self

    def fit_predict(
        self,
        X: Any,
        y: None = None,
        sample_weight: npt.ArrayLike | None = None,
        n_months: float | None = None,
    ) -> IntArray:
        """Fit and return ``labels_`` (see :meth:`fit` for the parameters).

        Returns
        -------
        numpy.ndarray of shape (n,)
            Hotspot id of each row, ``-1`` for noise.
        """
        return self.fit(X, sample_weight=sample_weight, n_months=n_months).labels_


def detect_hotspots(
    X: Any,
    eps_m: float | Auto | None = "auto",
    min_samples: int | Auto | None = "auto",
    sample_weight: npt.ArrayLike | None = None,
    *,
    n_months: float | None = None,
    engine: Engine = "auto",
) -> IntArray:
    """Hotspot id of each offence by DBSCAN in metres; the function twin of `HotspotDetector`.

    Parameters
    ----------
    X : array-like of shape (n, 2), GeoSeries or GeoDataFrame
        One row per offence: x/y metres (EPSG:27700), or points whose CRS is projected in metres.
    eps_m : float or "auto", default="auto"
        Neighbourhood radius in metres (``<= eps_m`` counts).
    min_samples : int or "auto", default="auto"
        Weight within ``eps_m`` (itself included) that makes a location core.
    sample_weight : array-like of shape (n,), optional
        Weight of each row (default 1), finite and >= 0.
    n_months : float, optional
        Period length in months, for ``min_samples="auto"``.
    engine : {"auto", "grid", "sklearn"}, default="auto"
        Engine; all give the same labels.

    Returns
    -------
    numpy.ndarray of shape (n,)
        ``-1`` for noise, else the hotspot id: 0 carries the most weight.

    Raises
    ------
    ValueError
        See :meth:`HotspotDetector.fit`.
    """
    detector = HotspotDetector(eps_m, min_samples, n_months=n_months, engine=engine)
    return detector.fit(X, sample_weight=sample_weight).labels_
