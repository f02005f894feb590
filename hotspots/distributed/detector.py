"""``TiledHotspotDetector``: HotspotDetector's hotspots, clustered by tiles on a dask cluster.

A subclass of :class:`hotspots.cluster.HotspotDetector` that replaces one step of its fit, the
clustering of the distinct weighted locations (``_cluster_locations``), by tiles with a halo
(:mod:`hotspots.distributed.tiles`) on the workers of ``client``. Everything else (input checks,
collapsing stacked points, the automatic ``eps_m`` / ``min_samples``, the ranking, the
attributes) is HotspotDetector's own code, so the two cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sklearn.base import clone

from hotspots.cluster import Auto, Engine, HotspotDetector
from hotspots.cluster.types import EngineResult, FloatArray
from hotspots.distributed.client import shared_client
from hotspots.distributed.tiles import TILE_M, tiled_engine


class TiledHotspotDetector(HotspotDetector):
    """DBSCAN hotspots in metres, clustered as tiles with a ``2 * eps_m`` halo; exact.

    Parameters
    ----------
    eps_m, min_samples, n_months
        As :class:`hotspots.cluster.HotspotDetector`.
    engine : {"auto", "grid", "sklearn"}, default="auto"
        HotspotDetector's engine, run on each tile (``"auto"``: the grid).
    n_jobs : int, optional
        Threads for collapsing stacked points in this process (as HotspotDetector's); each tile
        runs on one thread of its worker.
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
        engine: Engine = "auto",
        n_jobs: int | None = None,
        tile_m: float = TILE_M,
        client: Any = None,
        on_tile: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__(eps_m, min_samples, n_months=n_months, engine=engine, n_jobs=n_jobs)
        self.tile_m = tile_m
        self.client = client
        self.on_tile = on_tile

    def __sklearn_clone__(self) -> TiledHotspotDetector:
        """An unfitted copy, for :func:`sklearn.base.clone`: ``client`` (a live connection,
        which cannot be deep-copied) and ``on_tile`` are shared; the other parameters are
        cloned as scikit-learn clones them."""
        params = self.get_params(deep=False)
        shared = {name: params.pop(name) for name in ("client", "on_tile")}
        return type(self)(**{k: clone(v, safe=False) for k, v in params.items()}, **shared)

    def _cluster_locations(
        self,
        points: FloatArray,
        weights: FloatArray,
        eps_m: float,
        min_samples: int,
        n_jobs: int,
    ) -> tuple[EngineResult, dict[str, Any]]:
        """The locations clustered by tiles on ``client`` (``n_jobs`` is not used here)."""
        result, facts = tiled_engine(
            points,
            weights,
            eps_m,
            min_samples,
            tile_m=float(self.tile_m),
            client=self.client,
            on_tile=self.on_tile,
            engine=self.engine,
        )
        workers = len(self.client.scheduler_info()["workers"]) if self.client else 0
        return result, {
            "engine": facts["engine"],
            "engine_reason": "distributed: exact tiled DBSCAN (tiles with a 2 x eps_m halo)",
            "distributed": {**facts, "workers": workers},
        }


def detector_factory(scheduler: str | None) -> Callable[..., HotspotDetector]:
    """What :func:`hotspots.analysis.analyse` takes as ``detector_factory``: HotspotDetector
    when ``scheduler`` is empty, else TiledHotspotDetector on this process's client of that
    scheduler (``"local"``: a LocalCluster; see :func:`hotspots.distributed.client.connect`)."""
    if not scheduler:
        return HotspotDetector
    return functools.partial(TiledHotspotDetector, client=shared_client(scheduler))
