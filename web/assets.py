"""Vendored front-end assets (Leaflet and plugins), served by the app: no CDN, ever."""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory

from hotspots.render import VENDOR_DIR
from web.frames import ASSET_BASE

bp = Blueprint("assets", __name__)


@bp.get(f"{ASSET_BASE}/<path:filename>")
def vendor(filename: str) -> Response:
    """A vendored file (versioned paths, so browsers may cache them for a year)."""
    response = send_from_directory(VENDOR_DIR, filename, max_age=31536000)
    return response
