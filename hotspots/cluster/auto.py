"""The weighted k-distance curve and the automatic ``min_samples`` and ``eps_m`` rules.

The rules are described in the :mod:`hotspots.cluster` docstring.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from hotspots.cluster.inputs import _as_weights, _as_xy, collapse_points
from hotspots.cluster.pairs import _chunks
from hotspots.cluster.types import FloatArray, IntArray

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
    ``eps_m`` by eye, or see the knee rule in the :mod:`hotspots.cluster` docstring.

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
    points, weights, inverse = collapse_points(xy, w)
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
