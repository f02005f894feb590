"""The base map's tiles: ``/tiles/{z}/{x}/{y}`` from the ``BASEMAP`` file (:mod:`web.basemaps`).

Tiles are served by XYZ address, with an ETag (304 on ``If-None-Match``) and
``Cache-Control: private, max-age`` of :data:`TILE_MAX_AGE`; a tile the file lacks is 404. Who
may fetch them is decided by the gate like every other route (:func:`web.access.need_of`:
``"any"``): every signed-in role, and visitors in public mode, because the public-safe map is
drawn on the same base map and a base map holds no police data. Without the setting the route
is 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound

from hotspots.basemap.files import media_type
from web.basemaps import current_basemap

__all__ = ["TILE_MAX_AGE", "bp"]

bp = Blueprint("tiles", __name__)

#: Seconds a browser may reuse a tile before revalidating it (tiles change only with the file).
TILE_MAX_AGE = 86400


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
