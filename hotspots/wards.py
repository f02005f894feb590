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
    u_in_area = shapely.intersects_xy(_prepared(force_area), ux, uy)
    u_ward = np.full(len(ux), -1, dtype="int64")
    u_match = np.full(len(ux), "", dtype=object)
    u_points = np.full(len(ux), None, dtype=object)

    candidates = np.flatnonzero(u_in_area)
    with _gc_paused():
        u_points[candidates] = shapely.points(ux[candidates], uy[candidates])
    geoms = wards.geometry.to_numpy()
    if len(candidates):
        ward_i, point_i = _in_interior(geoms, u_points[candidates], ux[candidates], uy[candidates])
        _lowest(u_ward, candidates[point_i], ward_i)
        u_match[u_ward >= 0] = "within"

        rest = candidates[u_ward[candidates] < 0]
        ward_tree = shapely.STRtree(geoms) if len(rest) else None
        if ward_tree is not None:
            p_i, w_i = ward_tree.query(u_points[rest], predicate="intersects")
            _lowest(u_ward, rest[p_i], w_i)
            u_match[rest[u_ward[rest] >= 0]] = "edge"
        rest = candidates[u_ward[candidates] < 0]
        if ward_tree is not None and len(rest) and nearest_ward_m > 0:
            p_i, w_i = ward_tree.query_nearest(
                u_points[rest],
                max_distance=nearest_ward_m,
                all_matches=True,
            )
            _lowest(u_ward, rest[p_i], w_i)
            u_match[rest[u_ward[rest] >= 0]] = "nearest"

    ward_index[finite] = u_ward[codes]
    match[finite] = u_match[codes]
    in_area[finite] = u_in_area[codes]
    points[finite] = u_points[codes]
    return WardAssignment(ward_index, match, in_area, points)


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
