"""Input checks and preparation: x/y metres from arrays or GeoSeries/GeoDataFrames, weights,
parameter checks, and collapsing stacked snap points into weighted locations.

Error messages say what was received and what was expected.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspots.cluster.types import FloatArray, IntArray


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


def _check_jobs(n_jobs: Any) -> int:
    """Threads to use: ``None`` or ``-1`` every available core, else an integer >= 1."""
    from hotspots.cluster.parallel import available_cores

    if n_jobs is None or (isinstance(n_jobs, Integral) and n_jobs == -1):
        return available_cores()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs < 1:
        raise ValueError(f"n_jobs: got {n_jobs!r}; expected an integer >= 1, -1 or None")
    return int(n_jobs)


def _check_engine(engine: Any) -> str:
    if engine not in ("auto", "grid", "sklearn"):
        raise ValueError(f"engine: got {engine!r}; expected 'auto', 'grid' or 'sklearn'")
    return str(engine)


# -- collapsing stacked points --------------------------------------------------------------------


def collapse_points(
    xy: FloatArray, w: FloatArray | None, n_jobs: int = 1
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Unique locations in (x, y) order, their summed weights, and each row's location index.

    Rows are grouped by hashing (``pandas.factorize`` of ``x + iy``: linear time, where sorting
    every row cost ~3x more; on up to ``n_jobs`` threads); only the unique locations are sorted.
    Weights are summed exactly whatever the row order: whole-number weights (counts) are exact
    in any order, and other weights are summed in sorted ``(x, y, weight)`` order.
    """
    n = len(xy)
    if n == 0:
        return np.empty((0, 2)), np.empty(0), np.empty(0, dtype=np.intp)
    z = np.empty(n, dtype=np.complex128)
    z.real, z.imag = xy[:, 0], xy[:, 1]
    codes, uniques = _factorize(z, n_jobs)
    order = np.argsort(uniques)  # (x, y) order: complex numbers sort by real, then imaginary
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    inverse = rank[codes]
    points = np.column_stack((uniques.real[order], uniques.imag[order]))
    weights: FloatArray
    if w is None:
        weights = np.bincount(inverse, minlength=len(order)).astype(np.float64)
    elif _exact_sum(w):
        weights = np.bincount(inverse, weights=w, minlength=len(order)).astype(np.float64)
    else:
        by_loc = np.lexsort((w, inverse))
        starts = np.flatnonzero(np.r_[True, inverse[by_loc][1:] != inverse[by_loc][:-1]])
        weights = np.add.reduceat(w[by_loc], starts)
    return points, weights, inverse


#: Fewest rows per thread when grouping rows by location.
_MIN_ROWS_PER_THREAD = 200_000


def _factorize(z: npt.NDArray[np.complex128], n_jobs: int) -> tuple[IntArray, Any]:
    """``pandas.factorize(z)``: codes and uniques; on threads, each factorizing a share of the
    rows (pandas' hash tables release the GIL), then the shares' uniques together."""
    import pandas as pd

    parts = max(1, min(n_jobs, len(z) // _MIN_ROWS_PER_THREAD))
    if parts == 1:
        return pd.factorize(z)
    from concurrent.futures import ThreadPoolExecutor

    shares = np.array_split(z, parts)
    with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="hotspots") as pool:
        found = list(pool.map(pd.factorize, shares))
        merged, uniques = pd.factorize(np.concatenate([u for _, u in found]))
        starts = np.cumsum([0] + [len(u) for _, u in found[:-1]])
        pieces = pool.map(lambda f: merged[f[1] + f[0][0]], zip(found, starts, strict=True))
        codes = np.concatenate(list(pieces))
    return codes, uniques


def _exact_sum(w: FloatArray) -> bool:
    """True when every partial sum of ``w`` is exact in float64 (whole numbers below 2**53)."""
    return bool(np.all(w == np.floor(w))) and float(w.sum()) < 2.0**53
