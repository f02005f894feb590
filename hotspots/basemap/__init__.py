"""A base map from a file: raster tiles in an MBTiles or PMTiles file, read locally.

A force makes the file once (docs/basemap.md) and names it with the web setting ``BASEMAP``;
the app then serves its tiles at ``/tiles/{z}/{x}/{y}`` (:mod:`web.tiles`), the map frames and
patrol mini-maps draw on them, and the briefing's ward map draws them under the wards. Nothing
is fetched from a network.

- :mod:`~hotspots.basemap.files`: :func:`open_basemap` and the two readers (``sqlite3`` for
  MBTiles, the Protomaps ``pmtiles`` package for PMTiles).
- :mod:`~hotspots.basemap.raster`: :func:`image_bng`, the tiles covering a British National Grid
  extent, mosaicked and resampled onto that grid (for the static maps, no HTTP).
"""

from __future__ import annotations

from hotspots.basemap.files import BaseMap, BaseMapError, open_basemap
from hotspots.basemap.raster import image_bng, png_bytes

__all__ = ["BaseMap", "BaseMapError", "image_bng", "open_basemap", "png_bytes"]
