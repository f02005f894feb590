"""A small static map of a plan's place: its hotspot within its ward outline, as inline SVG.

No JavaScript; north up, a scale bar, and a text alternative (``role="img"``, ``<title>``).
With a base map (:mod:`hotspots.basemap`) its tiles are resampled onto the sketch's square
(EPSG:27700) and embedded as a PNG ``data:`` image under the outlines, with the attribution.
Street-level context without a tile server (the network is closed): the place's location text
("On or near ...") is written on the map, and the plan's other places in view are drawn and
numbered with their ranks, so an officer sees which places lie together.

The SVG is written here, a few dozen elements with every data text escaped (:func:`html.escape`):
``svgwrite`` is inactive (last release 1.4.3, July 2022), and matplotlib's SVG backend (which draws
the briefing) writes text as glyph outlines by default and gives no ``role``/``<title>`` text
alternative, so the street name would not be text for a screen reader.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hotspots.basemap import BaseMap, image_bng, png_bytes
from hotspots.patrol.plan import PatrolPlace

__all__ = ["place_svg"]


def _path(geometry: BaseGeometry, x0: float, y0: float) -> str:
    """SVG path data of a (multi)polygon, y flipped (north up), relative to the top-left corner."""
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:-1]
            points = " ".join(f"{x - x0:.0f} {y0 - y:.0f}" for x, y in xy)
            parts.append(f"M{points}Z")
    return " ".join(parts)


def _short(text: str, most: int = 26) -> str:
    """The location text without "On or near ", cut to ``most`` characters for the map."""
    text = text.removeprefix("On or near ")
    return text if len(text) <= most else text[: most - 1] + "…"


def _label(place: PatrolPlace, x0: float, y0: float, extent: float, font: float) -> str:
    """The rank of a neighbouring place at its centre (kept inside the view)."""
    c = place.polygon.centroid
    x = min(max(c.x - x0, font), extent - font)
    y = min(max(y0 - c.y, font), extent - font)
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{font:.0f}" font-weight="bold" '
        f'fill="#6f3400" text-anchor="middle">{place.rank}</text>'
    )


def place_svg(
    place: PatrolPlace,
    *,
    size_px: int = 150,
    min_extent_m: float = 700.0,
    basemap: BaseMap | None = None,
    neighbours: Sequence[PatrolPlace] = (),
) -> str:
    """A small static map of a place: its hotspot polygon (shaded) within its ward outline,
    north up, with a scale bar, its location text, and the ``neighbours`` (the plan's other
    places) that lie in view, outlined and numbered; inline SVG with a text alternative
    (``role="img"``, ``<title>``).

    The view is a square of at least ``min_extent_m`` metres (EPSG:27700) around the hotspot;
    ``basemap`` tiles are drawn under it (at twice ``size_px``, for sharp print) when given.
    """
    minx, miny, maxx, maxy = place.polygon.bounds
    extent = max(min_extent_m, 1.6 * max(maxx - minx, maxy - miny))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    x0, y0 = cx - extent / 2, cy + extent / 2
    box = (x0, y0 - extent, x0 + extent, y0)
    ward = ""
    inside = True
    under, credit = "", ""
    image = image_bng(basemap, box, 2 * size_px, 2 * size_px) if basemap is not None else None
    if basemap is not None and image is not None:
        encoded = base64.b64encode(png_bytes(image)).decode("ascii")
        under = (
            f'<image x="0" y="0" width="{extent:.0f}" height="{extent:.0f}" '
            f'preserveAspectRatio="none" href="data:image/png;base64,{encoded}"/>'
        )
        credit = (
            f'<text x="{extent - extent / 60:.0f}" y="{extent - extent / 60:.0f}" '
            f'font-size="{extent / 24:.0f}" fill="#0b0c0c" text-anchor="end">'
            f"{escape(basemap.attribution)}</text>"
        )
    if place.ward_outline is not None:
        clipped = shapely.clip_by_rect(place.ward_outline, *box)
        fill = 'fill="#f3f2f1" fill-opacity="0.35"' if under else 'fill="#f3f2f1"'
        ward = (
            f'<path d="{_path(clipped, x0, y0)}" {fill} stroke="#505a5f" '
            'stroke-width="2" stroke-dasharray="6 3" vector-effect="non-scaling-stroke" '
            'fill-rule="evenodd"/>'
        )
        inside = bool(place.ward_outline.contains(place.polygon))
    spot = (
        f'<path d="{_path(place.polygon, x0, y0)}" fill="#d4351c" fill-opacity="0.45" '
        'stroke="#942514" stroke-width="2.5" vector-effect="non-scaling-stroke"/>'
    )
    font = extent / 11
    view = shapely.box(*box)
    near = [p for p in neighbours if p.rank != place.rank and p.polygon.intersects(view)]
    others = "".join(
        f'<path d="{_path(shapely.clip_by_rect(p.polygon, *box), x0, y0)}" fill="#f47738" '
        'fill-opacity="0.25" stroke="#6f3400" stroke-width="1.5" stroke-dasharray="3 2" '
        'vector-effect="non-scaling-stroke"/>' + _label(p, x0, y0, extent, font)
        for p in near
    )
    bar = next(s for s in (1000, 500, 250, 200, 100, 50) if s <= extent / 3)
    y_bar = extent - font * 0.6
    scale = (
        f'<path d="M{font * 0.5:.0f} {y_bar:.0f}h{bar}" stroke="#0b0c0c" stroke-width="3" '
        'vector-effect="non-scaling-stroke"/>'
        f'<text x="{font * 0.5:.0f}" y="{y_bar - font * 0.3:.0f}" font-size="{font:.0f}" '
        f'fill="#0b0c0c">{bar} m</text>'
        f'<text x="{extent - font * 0.4:.0f}" y="{font * 2.2:.0f}" font-size="{font:.0f}" '
        f'fill="#0b0c0c" text-anchor="end">N ↑</text>'
    )
    caption = (
        f'<text x="{font * 0.3:.0f}" y="{font * 0.95:.0f}" font-size="{extent / 14:.0f}" '
        f'fill="#0b0c0c" stroke="#ffffff" stroke-width="{font * 0.15:.0f}" '
        f'paint-order="stroke">{escape(_short(place.label))}</text>'
    )
    across = round(max(maxx - minx, maxy - miny) / 10) * 10
    where = "inside" if inside else "on the edge of"
    alt = (
        f"Sketch map of place {place.rank}: the hotspot area, shaded, about {across} m across, "
        f"{where} the dashed outline of {place.ward_name} ward. North is up; the scale bar is "
        f"{bar} m."
    )
    if under and basemap is not None:
        alt += f" Base map: {basemap.attribution}."
    if near:
        listed = ", ".join(f"{p.rank} ({p.label})" for p in near)
        alt += f" Other places of the plan in view, outlined and numbered: {listed}."
    title_id = f"place-map-{place.rank}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="place-map" role="img" '
        f'aria-labelledby="{title_id}" width="{size_px}" height="{size_px}" '
        f'viewBox="0 0 {extent:.0f} {extent:.0f}">'
        f'<title id="{title_id}">{escape(alt)}</title>'
        f'<rect width="{extent:.0f}" height="{extent:.0f}" fill="#ffffff"/>'
        f"{under}{ward}{others}{spot}{scale}{caption}{credit}</svg>"
    )
