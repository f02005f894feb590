"""Find stored event locations in response bodies: the leak scanner of the route x role table.

A role without exact points must never receive numbers that place a stored offence, search or
raid to within a metre. :class:`ExactPoints` holds the locations a role may not see (EPSG:27700
metres, from the store); :func:`coordinate_leaks` finds, in any text (HTML, map frames, JSON,
CSV, GPX, PDF text), the number pairs that could be coordinates and lie within ``tol_m`` of one:

- longitude/latitude pairs: two numbers with at least 5 decimals (about a metre), one a
  latitude of Great Britain (49..61) and the other a longitude (-9..3), in either order;
- British National Grid metre pairs: two numbers of 5 to 7 integer digits (any decimals), an
  easting (0..700 000) and a northing (0..1 300 000), in either order.

The two numbers of a pair are consecutive numbers of the text with at most
:data:`MAX_SEPARATOR` characters and no bracket between them: ``[lon, lat]`` arrays, ``lat,lon``
text, GPX ``lat="" lon=""`` attributes, ``{"lon": , "lat": }``, adjacent CSV columns, WKT
``x y``. A bracket separates the latitude of one array from the longitude of the next: pairing
across it would make points nobody wrote, and among thousands of them some fall within a metre
of an offence by chance.

Rings (the coordinates of GeoJSON polygons and multi-lines, and WKT polygons) are not read as
single points: their vertices are many and lie anywhere, and one of them within a metre of an
event by chance says nothing (a hotspot made by the rules, from snapped points, has a vertex
0.84 m from a demo raid). They are judged by what they give away, with :func:`geometry_leaks`:
for each hotspot polygon (marked by ``hotspot_id`` / ``rank`` properties or a "Hotspot N"
popup, wherever its GeoJSON is, and WKT in a hotspot CSV), in EPSG:27700:

- a polygon whose vertices all lie at one distance from its centroid is a disc: its centre
  (the centroid) is the point it was drawn around;
- a hull buffered by the hotspot buffer (:data:`hotspots.summary.BUFFER_M`), eroded by the
  buffer less half a metre, leaves the hull: its vertices are offences. What is left is read:
  a remnant under 2 m across gives its centroid; otherwise its vertices, and a leak needs two
  or more events each within ``tol_m`` of a vertex (one is chance, as above);
- the polygon's own vertices, with the same two-event rule (a hull not buffered at all).

Labels and markers are points in the text, so :func:`coordinate_leaks` reads them.

Hand-written (regular expressions, a k-d tree) because no library finds coordinates in free
text; pyproj, shapely and scipy do the geodesy, geometry and search.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import shape

from hotspots.summary import BUFFER_M

#: Most characters between the two numbers of a pair (``" lon="`` in GPX is 7).
MAX_SEPARATOR = 12
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
# A number not glued to a letter, digit or dot on its left (so not part of "E05013057").
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_BRACKETS = re.compile(r"[\[\](){}]")
_HOTSPOT_TEXT = re.compile(r"\bHotspot \d+\b")
_JSON_START = re.compile(r'\{\s*"(?:type|features|geometry)"\s*:')
_COORDINATES = re.compile(r'"coordinates"\s*:\s*(?=\[)')
_WKT_RING = re.compile(r"\b(?:MULTI)?(?:POLYGON|LINESTRING)\s*(?=\()", re.I)
_WKT_POLYGON = re.compile(r"^\s*(?:MULTI)?POLYGON\b", re.I)


@dataclass(frozen=True)
class Leak:
    """A place in a body within ``distance_m`` of the stored event ``event``."""

    how: str  # "lon/lat", "BNG" or what geometry gave it
    text: str  # the numbers as found (or the point worked out)
    distance_m: float
    event: str  # layer and event id

    def __str__(self) -> str:
        return f"{self.how} {self.text} is {self.distance_m:.2f} m from {self.event}"


class ExactPoints:
    """Stored event locations (EPSG:27700 metres) with a label each, for nearest look-ups."""

    def __init__(self, xy: np.ndarray, labels: list[str]) -> None:
        self.xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self.labels = labels
        self._tree = cKDTree(self.xy) if len(self.xy) else None

    def near(self, xy: np.ndarray, tol_m: float) -> list[tuple[int, int, float]]:
        """(row of ``xy``, event index, distance) for each row of ``xy`` within ``tol_m`` of an
        event (its nearest)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if self._tree is None or not len(xy):
            return []
        distance, index = self._tree.query(xy, distance_upper_bound=tol_m)
        hits = np.flatnonzero(np.isfinite(distance) & (distance < tol_m))
        return [(int(i), int(index[i]), float(distance[i])) for i in hits]


# -- numbers in text ------------------------------------------------------------------------------


def _depth(value: Any) -> int:
    return 1 + max((_depth(v) for v in value), default=0) if isinstance(value, list) else 0


def without_rings(text: str) -> str:
    """``text`` with the coordinates of rings (GeoJSON arrays three or more deep, WKT polygons
    and lines) blanked out, every other character in place."""
    spans: list[tuple[int, int]] = []
    decoder = json.JSONDecoder()
    for match in _COORDINATES.finditer(text):
        try:
            value, end = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        if _depth(value) >= 3:
            spans.append((match.end(), end))
    for match in _WKT_RING.finditer(text):
        level, end = 0, match.end()
        while end < len(text):
            level += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
            if level == 0:
                break
        spans.append((match.end(), end))
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def coordinate_candidates(text: str) -> list[tuple[str, str, float, float]]:
    """Every number pair of ``text`` (rings left out) that could be a location of Great
    Britain: (kind, the numbers as written, easting m, northing m)."""
    text = without_rings(text)
    found = list(_NUMBER.finditer(text))
    out: list[tuple[str, str, float, float]] = []
    lonlat: list[tuple[str, float, float]] = []
    for a, b in pairwise(found):
        between = text[a.end() : b.start()]
        if len(between) > MAX_SEPARATOR or _BRACKETS.search(between):
            continue
        first, second = a.group(), b.group()
        u, v = float(first), float(second)
        written = f"{first},{second}"
        if _decimals(first) >= 5 and _decimals(second) >= 5:
            for lon, lat in ((u, v), (v, u)):
                if -9 <= lon <= 3 and 49 <= lat <= 61:
                    lonlat.append((written, lon, lat))
        elif _integer_digits(first) >= 5 and _integer_digits(second) >= 5:
            for x, y in ((u, v), (v, u)):
                if 0 <= x <= 700_000 and 0 <= y <= 1_300_000:
                    out.append(("BNG", written, x, y))
    if lonlat:
        xs, ys = _TO_BNG.transform([c[1] for c in lonlat], [c[2] for c in lonlat])
        for (written, _, _), x, y in zip(lonlat, xs, ys, strict=True):
            out.append(("lon/lat", written, float(x), float(y)))
    return out


def _decimals(number: str) -> int:
    return len(number.partition(".")[2])


def _integer_digits(number: str) -> int:
    return len(number.lstrip("-").partition(".")[0])


def coordinate_leaks(text: str, points: ExactPoints, tol_m: float = 1.0) -> list[Leak]:
    """Number pairs in ``text`` within ``tol_m`` of a point of ``points``."""
    candidates = coordinate_candidates(text)
    xy = np.array([(c[2], c[3]) for c in candidates]).reshape(-1, 2)
    return [
        Leak(candidates[row][0], candidates[row][1], distance, points.labels[event])
        for row, event, distance in points.near(xy, tol_m)
    ]


# -- hotspot geometry -----------------------------------------------------------------------------


def _json_values(text: str) -> Iterator[Any]:
    """The whole text as JSON, or else each JSON object embedded in it (e.g. in a script)."""
    try:
        yield json.loads(text)
        return
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    position = 0
    while match := _JSON_START.search(text, position):
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            position = match.end()
            continue
        yield value
        position = end


def _is_hotspot(properties: dict[str, Any]) -> bool:
    if "hotspot_id" in properties or "rank" in properties:
        return True
    return any(isinstance(v, str) and _HOTSPOT_TEXT.search(v) for v in properties.values())


def _walk_features(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("type") == "Feature" or ("geometry" in value and "properties" in value):
            yield value
            return
        for item in value.values():
            yield from _walk_features(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_features(item)


def _csv_polygons(text: str) -> Iterator[shapely.Geometry]:
    first = text.split("\n", 1)[0]
    if "wkt" not in first or not ("hotspot_id" in first or "rank" in first):
        return
    for row in csv.DictReader(io.StringIO(text)):
        wkt = row.get("wkt") or ""
        if _WKT_POLYGON.match(wkt):
            yield shapely.from_wkt(wkt)


def hotspot_polygons(text: str) -> list[shapely.Geometry]:
    """Hotspot (multi)polygons in ``text``, lon/lat: GeoJSON features whose properties mark a
    hotspot (``hotspot_id``, ``rank``, or a popup naming "Hotspot N"), wherever the GeoJSON is
    (a whole body, or embedded in a page's script), and WKT of a hotspot CSV."""
    found: list[shapely.Geometry] = []
    for value in _json_values(text):
        for feature in _walk_features(value):
            geometry = feature.get("geometry") or {}
            properties = feature.get("properties") or {}
            if geometry.get("type") in ("Polygon", "MultiPolygon") and _is_hotspot(properties):
                found.append(shape(geometry))
    found.extend(_csv_polygons(text))
    return found


def _to_bng(geometry: shapely.Geometry) -> shapely.Geometry:
    """``geometry`` in EPSG:27700: lon/lat transformed; already in metres (an OGC answer with
    ``crs`` EPSG:27700: a coordinate beyond 180) as it is (transformed as degrees, it was
    nowhere and the scan crashed, so such answers went unjudged)."""
    xy = shapely.get_coordinates(geometry)
    if len(xy) and np.abs(xy).max() > 180:
        return geometry
    return shapely.transform(
        geometry, lambda xy: np.column_stack(_TO_BNG.transform(xy[:, 0], xy[:, 1]))
    )


def _parts(geometry: shapely.Geometry) -> list[shapely.Geometry]:
    parts = getattr(geometry, "geoms", [geometry])
    return [p for p in parts if not p.is_empty]


def polygon_leaks(
    polygon_bng: shapely.Geometry,
    points: ExactPoints,
    tol_m: float = 1.0,
    buffer_m: float = BUFFER_M,
) -> list[Leak]:
    """What one hotspot polygon (EPSG:27700) gives away of ``points`` (see the module text)."""
    leaks: list[Leak] = []

    def single(how: str, point: shapely.Point) -> None:
        for _, event, distance in points.near(np.array([[point.x, point.y]]), tol_m):
            leaks.append(
                Leak(how, f"({point.x:.1f}, {point.y:.1f}) m", distance, points.labels[event])
            )

    def several(how: str, xy: np.ndarray) -> None:
        hits = points.near(xy, tol_m)
        if len({event for _, event, _ in hits}) >= 2:
            for row, event, distance in hits:
                x, y = xy[row]
                leaks.append(Leak(how, f"({x:.1f}, {y:.1f}) m", distance, points.labels[event]))

    for part in _parts(polygon_bng):
        ring = shapely.get_coordinates(part.exterior)
        centre = part.centroid
        radii = np.hypot(ring[:, 0] - centre.x, ring[:, 1] - centre.y)
        if radii.max() - radii.min() < 2 * tol_m:
            single("centre of a disc", centre)
    several("vertices", shapely.get_coordinates(polygon_bng))
    remnant = _parts(polygon_bng.buffer(-(buffer_m - 0.5)))
    vertices = []
    for part in remnant:
        xy = shapely.get_coordinates(part)
        if np.ptp(xy, axis=0).max() < 2 * tol_m:
            single("eroded to a dot", part.centroid)
        else:
            vertices.append(xy)
    if vertices:
        several("eroded vertices", np.vstack(vertices))
    return leaks


def geometry_leaks(text: str, points: ExactPoints, tol_m: float = 1.0) -> list[Leak]:
    """What the hotspot polygons of ``text`` give away of ``points``."""
    leaks: list[Leak] = []
    for polygon in hotspot_polygons(text):
        leaks.extend(polygon_leaks(_to_bng(polygon), points, tol_m))
    return leaks
