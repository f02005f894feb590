"""The base map from a file: ``/tiles/{z}/{x}/{y}`` and what the maps need to draw on it.

With the setting ``BASEMAP`` (an MBTiles or PMTiles file of raster tiles,
:mod:`hotspots.basemap`) the file is opened once when the app starts (a bad file stops the
start with a message naming it) and its tiles are served here by XYZ address, with an ETag (304
on ``If-None-Match``) and ``Cache-Control: private, max-age`` of :data:`TILE_MAX_AGE`; a tile the
file lacks is 404. Who may fetch them is decided by the gate like every other route
(:func:`web.access.need_of`: ``"any"``): every signed-in role, and visitors in public mode,
because the public-safe map is drawn on the same base map and a base map holds no police data.
Without the setting the route is 404 and the maps have no base layer (or the tile server of
``TILE_URL``, which cannot be set with ``BASEMAP``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import NotFound

from hotspots.basemap import BaseMap, open_basemap
from hotspots.basemap.files import media_type
from hotspots.render import TileConfig

__all__ = ["TILE_MAX_AGE", "basemap_tiles", "bp", "current_basemap", "init_app"]

bp = Blueprint("tiles", __name__)

#: Seconds a browser may reuse a tile before revalidating it (tiles change only with the file).
TILE_MAX_AGE = 86400
#: Zoom the map frames allow; tiles are enlarged beyond the file's deepest level.
MAP_MAX_ZOOM = 18


def init_app(app: Flask) -> None:
    """Open the ``BASEMAP`` file (if set) and register the tile route."""
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
    app.register_blueprint(bp)


def current_basemap() -> BaseMap | None:
    """The app's base-map file, or None without ``BASEMAP``."""
    basemap: BaseMap | None = current_app.extensions.get("basemap")
    return basemap


def basemap_tiles() -> TileConfig | None:
    """The map frames' tile layer for the base-map file (this app's ``/tiles`` route)."""
    basemap = current_basemap()
    if basemap is None:
        return None
    return TileConfig(
        url=f"{request.script_root}/tiles/{{z}}/{{x}}/{{y}}",
        attribution=basemap.attribution,
        max_zoom=max(MAP_MAX_ZOOM, basemap.max_zoom),
        native_max_zoom=basemap.max_zoom,
    )


@bp.get("/tiles/<int:z>/<int:x>/<int:y>")
def tile(z: int, x: int, y: int) -> Response:
    """One base-map tile by XYZ address (``y`` 0 at the north edge)."""
    basemap = current_basemap()
    if basemap is None:
        raise NotFound("This service has no base-map file (setting BASEMAP).")
    data = basemap.tile(z, x, y)
    if data is None:
        raise NotFound(f"The base map has no tile {z}/{x}/{y}.")
    response = Response(data, mimetype=media_type(data, basemap.media_type))
    response.cache_control.private = True
    response.cache_control.max_age = TILE_MAX_AGE
    response.add_etag()
    response.make_conditional(request)  # 304 (no body) when If-None-Match matches
    return response
