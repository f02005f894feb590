"""National scale on a dask cluster: distributed ingest and exact tiled DBSCAN.

* :func:`connect` / :func:`connected`: a ``dask.distributed`` client from a scheduler address,
  or a LocalCluster here (``"local"``);
* :func:`ingest_distributed`: :func:`hotspots.ingest.ingest` with one task per source file;
  the same store;
* :class:`TiledHotspotDetector`: :class:`hotspots.cluster.HotspotDetector`'s labels, clustered
  as tiles with a ``2 * eps_m`` halo on the workers; :func:`detector_factory` for
  :func:`hotspots.analysis.analyse`;
* :func:`detect_store_hotspots`: hotspots straight from the store's partitions.

dask is imported only when a client is made.
"""

from __future__ import annotations

from hotspots.distributed.client import connect, connected, shared_client
from hotspots.distributed.detector import TiledHotspotDetector, detector_factory
from hotspots.distributed.ingest import ingest_distributed
from hotspots.distributed.store_hotspots import detect_store_hotspots, store_locations

__all__ = [
    "TiledHotspotDetector",
    "connect",
    "connected",
    "detect_store_hotspots",
    "detector_factory",
    "ingest_distributed",
    "shared_client",
    "store_locations",
]
