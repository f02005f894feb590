"""Rendering: Folium web maps that work on a closed network (the only package importing folium).

- :func:`period_map` / :func:`compare_map` build the maps from :func:`hotspots.analyse` results;
- :func:`render_html` turns a map into a page that loads scripts and stylesheets only from
  ``asset_base`` (the app serves :data:`VENDOR_DIR` there) and fails on any external URL;
- :func:`external_urls` lists what a page would fetch from elsewhere (tests assert it is empty).
"""

from __future__ import annotations

from hotspots.render import rawtext
from hotspots.render.compare import compare_map
from hotspots.render.maps import ATTRIBUTION, TileConfig, period_map
from hotspots.render.offline import (
    VENDOR_DIR,
    OfflineError,
    asset_paths,
    external_urls,
    localise,
    render_html,
)

# before any map is built or rendered: data text is never read as a Jinja template
rawtext.install()

__all__ = [
    "ATTRIBUTION",
    "VENDOR_DIR",
    "OfflineError",
    "TileConfig",
    "asset_paths",
    "compare_map",
    "external_urls",
    "localise",
    "period_map",
    "render_html",
]
