"""Point-in-polygon join of events to wards, clipped to the force area (EPSG:27700 metres).

The rule, in order, for each point:

1. outside the force area (its boundary counts as inside): rejected, ``outside force area``;
2. in the interior of a ward: that ward (``ward_match = "within"``);
3. on a ward boundary (a shared edge or vertex): the ward whose code sorts first
   (``"edge"``) — deterministic, whatever the input order;
4. in the force area but in no ward polygon (generalised boundaries leave slivers): the nearest
   ward within ``nearest_ward_m`` metres, lowest code on a tie (``"nearest"``);
5. otherwise rejected, ``no ward``.

Stacked snap points are tested once: coordinates are de-duplicated before any geometry test, and
the ward polygons (not the points) are the prepared side of the ``contains`` test, each ward
prepared once for all the points in its bounding box.

Most points are not tested one by one at all (:class:`_CellIndex`): a grid of square cells is laid
over the boundaries and every cell that any ward or force-area boundary passes through (or comes
within a millimetre of) is marked. In an unmarked cell every point has the same answer (inside the
same wards, inside or outside the force area), so one point per cell is tested exactly and its
answer given to the others, unless it needs rule 4 (the nearest ward depends on the position),
when every point of the cell is tested. Points in marked cells are tested exactly. The answers are
those of the exact test for every point (``tests/test_wards.py`` compares them). Hand-written
because no library offers a point-in-polygon index with this guarantee.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from hotspots import schema
from hotspots.validate import factorize_xy

#: Default tolerance for rule 4. ONS "BSC" boundaries are generalised to about 200 m.
NEAREST_WARD_M = 250.0


@dataclass(frozen=True)
class WardAssignment:
    """Per input point: the ward row (``-1`` for none), how it was matched, and area membership.

    ``points`` holds, per input point in the force area, its shapely Point (stacked points share
    one immutable object) and ``None`` elsewhere, so that callers need not build them again.
    """

    ward_index: np.ndarray
    match: np.ndarray
    in_area: np.ndarray
    points: np.ndarray | None = None

    @property
    def no_ward(self) -> np.ndarray:
        """In the force area but given no ward (rule 5)."""
        return self.in_area & (self.ward_index < 0)


def assign_wards(
    x_m: np.ndarray,
    y_m: np.ndarray,
    wards: gpd.GeoDataFrame,
    force_area: shapely.Geometry,
    *,
    nearest_ward_m: float = NEAREST_WARD_M,
    use_cells: bool = True,
) -> WardAssignment:
    """Give each point one ward by the module's rule.

    Parameters
    ----------
    x_m, y_m
        EPSG:27700 easting and northing, metres. NaN never matches.
    wards
        Ward polygons in EPSG:27700, sorted by ``ward_code`` (as :func:`read_wards` returns them).
    force_area
        The force area polygon, EPSG:27700.
    nearest_ward_m
        Tolerance for rule 4, metres; 0 disables it.
    use_cells
        Answer most points by the cell index (module docstring); ``False`` tests every
        distinct point exactly (the same answers, slower: for tests).

    Returns
    -------
    WardAssignment
        ``ward_index`` indexes rows of ``wards``.
    """
    if wards.crs is None or not wards.crs.equals(schema.CRS_BNG):
        raise ValueError(f"wards must be in {schema.CRS_BNG}; got {wards.crs}")
    if not wards[schema.WARD_CODE].is_monotonic_increasing:
        raise ValueError("wards must be sorted by ward_code (the edge rule depends on it)")
    x_m = np.asarray(x_m, dtype="float64")
    y_m = np.asarray(y_m, dtype="float64")
    n = len(x_m)
    ward_index = np.full(n, -1, dtype="int64")
    match = np.full(n, "", dtype=object)
    in_area = np.zeros(n, dtype=bool)
    points = np.full(n, None, dtype=object)
    finite = np.isfinite(x_m) & np.isfinite(y_m)
    if not finite.any():
        return WardAssignment(ward_index, match, in_area, points)

    # De-duplicate stacked coordinates: every geometry test runs once per distinct point.
    codes, first = factorize_xy(x_m[finite], y_m[finite])
    ux, uy = x_m[finite][first], y_m[finite][first]
    geoms = wards.geometry.to_numpy()
    index = _CellIndex.over(geoms, force_area, len(ux)) if use_cells else None
    if index is None:
        u_in_area, u_ward, u_match = _exact(ux, uy, geoms, force_area, nearest_ward_m)
    else:
        u_in_area, u_ward, u_match = _by_cells(index, ux, uy, geoms, force_area, nearest_ward_m)
    u_points = np.full(len(ux), None, dtype=object)
    with _gc_paused():
        u_points[u_in_area] = shapely.points(ux[u_in_area], uy[u_in_area])

    ward_index[finite] = u_ward[codes]
    match[finite] = u_match[codes]
    in_area[finite] = u_in_area[codes]
    points[finite] = u_points[codes]
    return WardAssignment(ward_index, match, in_area, points)


def _by_cells(
    index: _CellIndex,
    ux: np.ndarray,
    uy: np.ndarray,
    geoms: np.ndarray,
    force_area: shapely.Geometry,
    nearest_ward_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rule for distinct points, one exact test per unmarked cell (module docstring)."""
    cell = index.cell_of(ux, uy)
    clean = np.flatnonzero(cell >= 0)
    _, rep_of, cell_rep = np.unique(cell[clean], return_index=True, return_inverse=True)
    cell_rep = cell_rep.ravel()
    reps = clean[rep_of]
    exact_rows = np.concatenate([np.flatnonzero(cell < 0), reps])
    in_area = np.zeros(len(ux), dtype=bool)
    ward = np.full(len(ux), -1, dtype="int64")
    match = np.full(len(ux), "", dtype=object)
    e_area, e_ward, e_match = _exact(
        ux[exact_rows], uy[exact_rows], geoms, force_area, nearest_ward_m
    )
    in_area[exact_rows], ward[exact_rows], match[exact_rows] = e_area, e_ward, e_match
    # Every point of a clean cell answers as its representative, if that was "within" a ward
    # or outside the force area; otherwise (rule 4 or 5) each is tested.
    rep_area, rep_match = in_area[reps][cell_rep], match[reps][cell_rep]
    shared = (rep_match == "within") | ~rep_area
    given = clean[shared]
    in_area[given] = rep_area[shared]
    ward[given] = ward[reps][cell_rep][shared]
    match[given] = rep_match[shared]
    again = np.setdiff1d(clean[~shared], reps)
    if len(again):
        a_area, a_ward, a_match = _exact(ux[again], uy[again], geoms, force_area, nearest_ward_m)
        in_area[again], ward[again], match[again] = a_area, a_ward, a_match
    return in_area, ward, match


def _exact(
    ux: np.ndarray,
    uy: np.ndarray,
    geoms: np.ndarray,
    force_area: shapely.Geometry,
    nearest_ward_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rule tested point by point: ``(in_area, ward row or -1, match)`` per distinct point."""
    u_in_area = shapely.intersects_xy(_prepared(force_area), ux, uy)
    u_ward = np.full(len(ux), -1, dtype="int64")
    u_match = np.full(len(ux), "", dtype=object)
    candidates = np.flatnonzero(u_in_area)
    if not len(candidates):
        return u_in_area, u_ward, u_match
    with _gc_paused():
        c_points = np.full(len(ux), None, dtype=object)
        c_points[candidates] = shapely.points(ux[candidates], uy[candidates])
    ward_i, point_i = _in_interior(geoms, c_points[candidates], ux[candidates], uy[candidates])
    _lowest(u_ward, candidates[point_i], ward_i)
    u_match[u_ward >= 0] = "within"

    rest = candidates[u_ward[candidates] < 0]
    ward_tree = shapely.STRtree(geoms) if len(rest) else None
    if ward_tree is not None:
        p_i, w_i = ward_tree.query(c_points[rest], predicate="intersects")
        _lowest(u_ward, rest[p_i], w_i)
        u_match[rest[u_ward[rest] >= 0]] = "edge"
    rest = candidates[u_ward[candidates] < 0]
    if ward_tree is not None and len(rest) and nearest_ward_m > 0:
        p_i, w_i = ward_tree.query_nearest(
            c_points[rest],
            max_distance=nearest_ward_m,
            all_matches=True,
        )
        _lowest(u_ward, rest[p_i], w_i)
        u_match[rest[u_ward[rest] >= 0]] = "nearest"
    return u_in_area, u_ward, u_match


#: Most cells of a :class:`_CellIndex` (a boolean raster: 4 MiB).
_MAX_CELLS = 1 << 22
#: Smallest cell side, metres.
_MIN_CELL_M = 20.0
#: Distance within which a boundary marks a cell, metres: far above rounding (~1e-10 m).
_MARGIN_M = 1e-3


@dataclass(frozen=True)
class _CellIndex:
    """Square cells over the boundaries; ``marked`` where a boundary passes within
    :data:`_MARGIN_M` of a cell (cells are half-open: ``[x0 + i*side, x0 + (i+1)*side)``)."""

    x0: float
    y0: float
    side: float
    marked: np.ndarray  # (nx, ny) bool

    @classmethod
    def over(
        cls, geoms: np.ndarray, force_area: shapely.Geometry, n_points: int
    ) -> _CellIndex | None:
        """The index of these wards and force area; ``None`` when not worth it (few points)
        or not applicable (a geometry that is not polygons)."""
        if n_points < 1000:
            return None
        parts = shapely.get_parts(np.append(geoms, force_area))
        if (shapely.get_type_id(parts) != 3).any():  # 3: Polygon
            return None
        rings = shapely.get_rings(parts)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        if not len(xy) or not np.isfinite(xy).all():
            return None
        lo, hi = xy.min(axis=0) - 1.0, xy.max(axis=0) + 1.0
        span = hi - lo
        side = max(_MIN_CELL_M, float(np.sqrt(span[0] * span[1] / _MAX_CELLS)))
        shape = (int(span[0] // side) + 1, int(span[1] // side) + 1)
        marked = np.zeros(shape, dtype=bool)
        same = ring[1:] == ring[:-1]
        a, b = xy[:-1][same], xy[1:][same]
        # Split segments into pieces no longer than side / 2 on either axis: each piece then
        # touches at most 2 x 2 cells (with the margin), the corners of its box.
        pieces = np.maximum(1, np.ceil(np.abs(b - a).max(axis=1) / (side / 2))).astype(np.int64)
        seg = np.repeat(np.arange(len(a)), pieces)
        step = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        t0 = (step / pieces[seg])[:, None]
        t1 = ((step + 1) / pieces[seg])[:, None]
        p, q = a[seg] + (b[seg] - a[seg]) * t0, a[seg] + (b[seg] - a[seg]) * t1
        low = (np.minimum(p, q) - lo - _MARGIN_M) // side
        high = (np.maximum(p, q) - lo + _MARGIN_M) // side
        limit = np.array(shape) - 1
        low = np.clip(low, 0, limit).astype(np.int64)
        high = np.clip(high, 0, limit).astype(np.int64)
        for i in (low[:, 0], high[:, 0]):
            for j in (low[:, 1], high[:, 1]):
                marked[i, j] = True
        return cls(float(lo[0]), float(lo[1]), side, marked)

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each point's cell number, or ``-1`` when its cell is marked or off the grid."""
        i = np.floor((x - self.x0) / self.side)
        j = np.floor((y - self.y0) / self.side)
        nx, ny = self.marked.shape
        on = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
        cell = np.full(len(x), -1, dtype=np.int64)
        ii, jj = i[on].astype(np.int64), j[on].astype(np.int64)
        cell[on] = np.where(self.marked[ii, jj], -1, ii * ny + jj)
        return cell


#: Wards prepared (indexed for point-in-polygon tests) at a time, to bound the memory it takes.
_PREPARE_BATCH = 512


def _in_interior(
    geoms: np.ndarray, points: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(ward row, point row)`` where the point is in the interior of the ward.

    Bounding boxes first (an STRtree of the points), then one vectorised ``contains_xy`` per batch
    of prepared wards: several times faster than a tree query with a predicate.
    """
    ward_i, point_i = shapely.STRtree(points).query(geoms)
    if len(ward_i) > 1 and (np.diff(ward_i) < 0).any():
        order = np.argsort(ward_i, kind="stable")
        ward_i, point_i = ward_i[order], point_i[order]
    inside = np.zeros(len(ward_i), dtype=bool)
    for start in range(0, len(geoms), _PREPARE_BATCH):
        batch = geoms[start : start + _PREPARE_BATCH]
        lo, hi = np.searchsorted(ward_i, [start, start + len(batch)])
        if lo == hi:
            continue
        ours = batch[~shapely.is_prepared(batch)]
        shapely.prepare(ours)
        try:
            inside[lo:hi] = shapely.contains_xy(
                geoms[ward_i[lo:hi]], x[point_i[lo:hi]], y[point_i[lo:hi]]
            )
        finally:
            shapely.destroy_prepared(ours)
    return ward_i[inside], point_i[inside]


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while making many geometries at once.

    Each Point is a collector-tracked object: making 10^5-10^6 of them sets off full collections
    that walk every live object, several times over (measured: 2-3x the cost of making them).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _prepared(geometry: shapely.Geometry) -> shapely.Geometry:
    shapely.prepare(geometry)
    return geometry


def _lowest(target: np.ndarray, rows: np.ndarray, ward_rows: np.ndarray) -> None:
    """Set ``target[rows] = ward_rows``, keeping the lowest ward row where a point has several."""
    if len(rows) == 0:
        return
    best = np.full(len(target), np.iinfo("int64").max, dtype="int64")
    np.minimum.at(best, rows, ward_rows)
    hit = best != np.iinfo("int64").max
    target[hit] = best[hit]
