"""The map frames: the Folium maps the map pages embed (one period, or two side by side), made
by the map pages' frame routes (:mod:`web.maps`) and by pre-warming (:mod:`web.warm`) alike.

A frame is drawn on the base-map file (:mod:`web.basemaps`) or the tile server of
``TILE_URL`` (or on no base layer) and loads only vendored files, from :data:`ASSET_BASE`
(served by :mod:`web.assets`).
"""

from __future__ import annotations

from flask import current_app

from hotspots.render import TileConfig, compare_map, period_map, render_html
from web.access import current_access
from web.analyses import get_analysis, map_forecast
from web.basemaps import basemap_tiles
from web.data import state
from web.filters import ViewRequest
from web.httpcache import etag_for

__all__ = ["ASSET_BASE", "compare_frame", "period_frame", "period_frame_etag", "tile_layer"]

#: URL prefix the renderer writes into pages for vendored files.
ASSET_BASE = "/static/vendor"


def tile_layer() -> TileConfig | None:
    """The frames' base layer: the ``BASEMAP`` file (served at ``/tiles``), else the tile
    server of ``TILE_URL``, else none."""
    if (served := basemap_tiles()) is not None:  # the BASEMAP file, served at /tiles
        return served
    url = current_app.config.get("TILE_URL")
    if not url:
        return None
    return TileConfig(
        url=url,
        attribution=current_app.config["TILE_ATTRIBUTION"],
        max_zoom=int(current_app.config["TILE_MAX_ZOOM"]),
    )


def period_frame_etag(view: ViewRequest) -> str:
    """ETag (and cache key) of the map frame of ``view`` as the visitor may see it."""
    return etag_for("frame", view.key())


def period_frame(view: ViewRequest) -> str:
    """The map of one period (the page ``/``'s frame) as the visitor may see it, as HTML."""
    analysis = get_analysis(view)
    fmap = period_map(
        analysis,
        force_area=state().force_area,
        ward_measure=view.measure,
        show_offences=view.offences,
        show_searches=view.searches,
        show_raids=view.raids,
        show_exact_points=current_access().exact_points,
        tiles=tile_layer(),
        fit_wards=bool(current_access().scope),  # an officer's map opens on their area
        forecast=map_forecast(view.end) if current_access().forecast else None,
        scheme=view.scheme,
        k=view.k,
    )
    title = f"Map of drug hotspots and wards, {analysis.period.label}"
    return render_html(fmap, ASSET_BASE, title=title)


def compare_frame(view: ViewRequest, other: ViewRequest) -> str:
    """The two synchronised maps of ``/compare``: ``other`` (left) and ``view`` (right)."""
    a, b = get_analysis(other), get_analysis(view)
    fmap = compare_map(
        a,
        b,
        force_area=state().force_area,
        ward_measure=view.measure if view.measure != "change" else "count",
        tiles=tile_layer(),
        show_raids=view.raids,
        fit_wards=bool(current_access().scope),
        scheme=view.scheme,
        k=view.k,
    )
    title = f"Drug hotspots: {a.period.label} (left) and {b.period.label} (right)"
    return render_html(fmap, ASSET_BASE, title=title)
