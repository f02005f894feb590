"""The app's base-map file (setting ``BASEMAP``) and what the maps need to draw on it.

With ``BASEMAP`` (an MBTiles or PMTiles file of raster tiles, :mod:`hotspots.basemap`) the file
is opened once when the app starts (a bad file stops the start with a message naming it); its
tiles are served by :mod:`web.tiles`, the map frames (:mod:`web.frames`) draw on them, and the
briefing and patrol sheets draw on the file itself. Without the setting the maps have no base
layer (or the tile server of ``TILE_URL``, which cannot be set with ``BASEMAP``).
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request

from hotspots.basemap import BaseMap, open_basemap
from hotspots.render import TileConfig

__all__ = ["MAP_MAX_ZOOM", "basemap_tiles", "current_basemap", "init_app"]

#: Zoom the map frames allow; tiles are enlarged beyond the file's deepest level.
MAP_MAX_ZOOM = 18


def init_app(app: Flask) -> None:
    """Open the ``BASEMAP`` file (if set)."""
    path = app.config.get("BASEMAP")
    basemap: BaseMap | None = None
    if path:
        if app.config.get("TILE_URL"):
            raise ValueError(
                "HOTSPOTS_BASEMAP and HOTSPOTS_TILE_URL are both set; expected one base map "
                "(a file, or a tile server)"
            )
        basemap = open_basemap(path)
        attribution = app.config.get("BASEMAP_ATTRIBUTION") or basemap.attribution
        if not attribution:
            raise ValueError(
                f"base map {basemap.name} has no attribution in its metadata; set "
                "HOTSPOTS_BASEMAP_ATTRIBUTION (tiles must carry their attribution)"
            )
        basemap.attribution = str(attribution)
    app.extensions["basemap"] = basemap


def current_basemap() -> BaseMap | None:
    """The app's base-map file, or None without ``BASEMAP``."""
    basemap: BaseMap | None = current_app.extensions.get("basemap")
    return basemap


def basemap_tiles() -> TileConfig | None:
    """The map frames' tile layer for the base-map file (this app's ``/tiles`` route; made
    outside a request, by pre-warming, at the site's root)."""
    basemap = current_basemap()
    if basemap is None:
        return None
    script_root = request.script_root if has_request_context() else ""
    return TileConfig(
        url=f"{script_root}/tiles/{{z}}/{{x}}/{{y}}",
        attribution=basemap.attribution,
        max_zoom=max(MAP_MAX_ZOOM, basemap.max_zoom),
        native_max_zoom=basemap.max_zoom,
    )
