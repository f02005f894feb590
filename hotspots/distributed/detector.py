"""``TiledHotspotDetector``: HotspotDetector's hotspots, clustered by tiles on a dask cluster.

Same parameters, rules, attributes and labels as :class:`hotspots.cluster.HotspotDetector`
(the input checks, the automatic ``eps_m`` / ``min_samples`` and the ranking are HotspotDetector's
own functions); only the clustering of the collapsed locations runs as tiles with a halo
(:mod:`hotspots.distributed.tiles`), on the workers of ``client``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspots.cluster import (
    BORDER_RULE,
    ID_RULE,
    Auto,
    HotspotDetector,
    _as_weights,
    _as_xy,
    _auto_eps,
    _auto_min_samples,
    _check_eps,
    _check_min_samples,
    _check_months,
    _collapse,
    _rank_labels,
)
from hotspots.distributed.client import shared_client
from hotspots.distributed.tiles import TILE_M, tiled_engine


class TiledHotspotDetector(HotspotDetector):
    """DBSCAN hotspots in metres, clustered as tiles with a ``2 * eps_m`` halo; exact.

    Parameters
    ----------
    eps_m, min_samples, n_months
        As :class:`hotspots.cluster.HotspotDetector`.
    tile_m : float, default 50,000
        Tile side in metres (EPSG:27700).
    client : dask.distributed.Client, optional
        Where the tiles run; ``None`` runs them in this process one after another.
    on_tile : callable, optional
        Called with ``(done, total)`` as tiles finish (progress display).

    Attributes
    ----------
    labels_, n_hotspots_, hotspot_weight_, core_sample_indices_, eps_m_, min_samples_, engine_
        As HotspotDetector (equal to its values on the same input).
    params_ : dict
        As HotspotDetector's, plus ``distributed``: tiles, tile side, halo, workers.
    """

    def __init__(
        self,
        eps_m: float | Auto | None = "auto",
        min_samples: int | Auto | None = "auto",
        *,
        n_months: float | None = None,
        tile_m: float = TILE_M,
        client: Any = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__(eps_m, min_samples, n_months=n_months, engine="grid")
        self.tile_m = tile_m
        self.client = client
        self.on_tile = on_tile

    def fit(
        self,
        X: Any,
        y: None = None,
        sample_weight: npt.ArrayLike | None = None,
        n_months: float | None = None,
    ) -> TiledHotspotDetector:
        """Find the hotspots (see :meth:`HotspotDetector.fit`; same inputs, checks, result)."""
        xy = _as_xy(X)
        w = _as_weights(sample_weight, len(xy))
        points, weights, inverse = _collapse(xy, w)
        self.fit_locations(points, weights, n_months=n_months)
        self.labels_ = self._location_labels[inverse]
        self.core_sample_indices_ = np.flatnonzero(self._location_core[inverse])
        self.params_["n_samples"] = len(xy)
        return self

    def fit_locations(
        self,
        points: npt.NDArray[np.float64],
        weights: npt.NDArray[np.float64],
        n_months: float | None = None,
    ) -> TiledHotspotDetector:
        """Fit on unique locations already collapsed (``(n, 2)`` metres in ``(x, y)`` order, as
        ``numpy.lexsort((y, x))`` sorts, and their summed weights).

        ``labels_`` and ``core_sample_indices_`` are then per location.
        """
        eps_m = _check_eps(self.eps_m)
        min_samples = _check_min_samples(self.min_samples)
        months = _check_months(n_months if n_months is not None else self.n_months)
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
        (is_core, comp, nearest), facts = tiled_engine(
            points,
            weights,
            eps_m,
            min_samples,
            tile_m=float(self.tile_m),
            client=self.client,
            on_tile=self.on_tile,
        )
        labels, hotspot_weight = _rank_labels(weights, comp, nearest)
        self._location_labels, self._location_core = labels, is_core
        self.labels_ = labels
        self.core_sample_indices_ = np.flatnonzero(is_core)
        self.n_hotspots_ = len(hotspot_weight)
        self.hotspot_weight_ = hotspot_weight
        self.eps_m_ = eps_m
        self.min_samples_ = min_samples
        self.engine_ = facts["engine"] if len(points) else "grid"
        self.n_features_in_ = 2
        workers = len(self.client.scheduler_info()["workers"]) if self.client else 0
        self.params_: dict[str, Any] = {
            "eps_m": eps_m,
            "eps_m_reason": eps_why,
            "eps_m_knee": knee,
            "min_samples": min_samples,
            "min_samples_reason": ms_why,
            "n_months": months,
            "n_samples": len(points),
            "n_locations": len(points),
            "total_weight": total_weight,
            "engine": self.engine_,
            "engine_reason": "distributed: exact tiled DBSCAN (tiles with a 2 x eps_m halo)",
            "border_rule": BORDER_RULE,
            "id_rule": ID_RULE,
            "distributed": {**facts, "workers": workers},
        }
        return self


def detector_factory(scheduler: str | None) -> Callable[..., HotspotDetector]:
    """What :func:`hotspots.analysis.analyse` takes as ``detector_factory``: HotspotDetector
    when ``scheduler`` is empty, else TiledHotspotDetector on this process's client of that
    scheduler (``"local"``: a LocalCluster; see :func:`hotspots.distributed.client.connect`)."""
    if not scheduler:
        return HotspotDetector
    return functools.partial(TiledHotspotDetector, client=shared_client(scheduler))
