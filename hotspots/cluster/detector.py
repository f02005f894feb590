"""The public estimator: :class:`HotspotDetector`, :class:`~hotspots.cluster.core.DetectorCore`
as a scikit-learn estimator."""

from __future__ import annotations

from sklearn.base import BaseEstimator, ClusterMixin

from hotspots.cluster.core import DetectorCore, detect_hotspots

__all__ = ["HotspotDetector", "detect_hotspots"]


class HotspotDetector(DetectorCore, ClusterMixin, BaseEstimator):
    """DBSCAN hotspots in metres, with stacked snap points collapsed and ids ranked by weight.

    Parameters
    ----------
    eps_m : float or "auto", default="auto"
        Neighbourhood radius in metres (distance ``<= eps_m`` counts). ``"auto"`` or ``None``
        chooses it from the data (:mod:`hotspots.cluster` docstring).
    min_samples : int or "auto", default="auto"
        Weight (offences) within ``eps_m`` of a location, itself included, that makes it core.
        ``"auto"`` or ``None`` chooses it from ``n_months`` and the total weight.
    n_months : float, optional
        Length of the period the offences cover, in months; used by ``min_samples="auto"``.
        ``fit(..., n_months=...)`` overrides it.
    n_jobs : int, optional
        Threads for the grid engine (``None``, the default: every core this process may use;
        ``-1`` the same; ``1`` none). Inputs of fewer than 20,000 locations per thread run on
        fewer threads. The labels do not depend on it.
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
