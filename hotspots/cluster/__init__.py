"""Hotspot detection by DBSCAN in metres (British National Grid, EPSG:27700).

Input is either an ``(n, 2)`` array of x/y metres or a GeoSeries/GeoDataFrame of points whose CRS
is projected in metres (a geographic CRS such as EPSG:4326 raises). Each row is one offence.

How it works
------------
1. **Stacked snap points are collapsed.** police.uk moves every crime onto a shared map point, so
   many offences have identical coordinates. Identical coordinates become one location whose
   weight is the number of offences on it (times any ``sample_weight``); rows are grouped by
   hashing (``pandas.factorize``), on threads for large inputs. DBSCAN runs on the locations and
   the labels are broadcast back to the rows. Core status and clusters are exactly
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
   are joined when some pair of their core locations is within ``eps_m``. On several cores
   (``n_jobs``, default all) large inputs are cut into vertical strips with a ``2 * eps_m``
   halo, clustered on threads and merged exactly (:mod:`~hotspots.cluster.tiles`).
   ``"sklearn"`` runs
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

Modules
-------
:mod:`~hotspots.cluster.inputs` (input checks, collapsing stacked points),
:mod:`~hotspots.cluster.grid` (the exact grid engine), :mod:`~hotspots.cluster.parallel` (the
grid engine on threads, by strips), :mod:`~hotspots.cluster.tiles` (windows and their exact
merge, shared with :mod:`hotspots.distributed`), :mod:`~hotspots.cluster.engines` (engine
choice, the scikit-learn engine, ranked ids), :mod:`~hotspots.cluster.auto` (k-distance and the
automatic rules), :mod:`~hotspots.cluster.core` (the fit, :class:`DetectorCore`,
:func:`detect_hotspots`), :mod:`~hotspots.cluster.detector` (:class:`HotspotDetector`, the
scikit-learn estimator), with :mod:`~hotspots.cluster.pairs` and :mod:`~hotspots.cluster.types`
shared by them. A subclass of HotspotDetector may replace the one step that clusters the
distinct locations, as :class:`hotspots.distributed.TiledHotspotDetector` does. Only the public
API is exported here; helpers are imported from their module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotspots.cluster.auto import k_distance
from hotspots.cluster.core import DetectorCore, detect_hotspots
from hotspots.cluster.types import Auto, Engine

if TYPE_CHECKING:
    from hotspots.cluster.detector import HotspotDetector

__all__ = ["Auto", "DetectorCore", "Engine", "HotspotDetector", "detect_hotspots", "k_distance"]


def __getattr__(name: str) -> Any:
    """``HotspotDetector`` is imported on first use (PEP 562): it brings scikit-learn, which
    the library's own callers (:class:`DetectorCore`) do not need."""
    if name == "HotspotDetector":
        from hotspots.cluster.detector import HotspotDetector

        return HotspotDetector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
