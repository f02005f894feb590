"""Find stored event locations in response bodies: the leak scanner of the route x role table.

A role without exact points must never receive a number pair that places a stored offence,
search or raid to within a metre. :class:`ExactPoints` holds the locations a role may not see
(EPSG:27700 metres, from the store); :func:`coordinate_leaks` finds, in any text (HTML, map
frames, JSON, CSV, GPX, PDF text), the number pairs that could be coordinates and lie within
``tol_m`` of one of them:

- longitude/latitude pairs: two numbers with at least 5 decimals (about a metre), one a
  latitude of Great Britain (49..61) and the other a longitude (-9..3), in either order and
  any separator (``[lon, lat]`` arrays, ``lat,lon`` text, GPX ``lat="" lon=""`` attributes,
  CSV columns), at most :data:`WINDOW` numbers apart;
- British National Grid metre pairs: two numbers of 5 to 7 integer digits (any decimals), an
  easting (0..700 000) and a northing (0..1 300 000), in either order, as close.

:func:`geometry_leaks` adds what can be worked out from hotspot polygons (GeoJSON anywhere in a
text, e.g. the API's answers and the Folium map frames, and WKT in CSV): each polygon's centroid
and representative point (where a map puts a label), and what is left after eroding it by the
hotspot buffer less half a metre (a 50 m buffer of the hull of exact points, eroded by 49.5 m,
is that hull: its vertices are offences).

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
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import shape

from hotspots.summary import BUFFER_M

#: Coordinate candidates pair with numbers at most this many number tokens away.
WINDOW = 4
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
# A number not glued to a letter, digit or dot on its left (so not part of "E05013057").
_DEGREES = re.compile(r"(?<![\w.])-?\d{1,3}\.\d{5,}(?![\d])")
_METRES = re.compile(r"(?<![\w.])\d{5,7}(?:\.\d+)?(?![\d])")
_HOTSPOT_TEXT = re.compile(r"\bHotspot \d+\b")
_JSON_START = re.compile(r'\{\s*"(?:type|features|geometry)"\s*:')
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


def _numbers(pattern: re.Pattern[str], text: str) -> tuple[np.ndarray, list[str]]:
    found = [(m.start(), m.group()) for m in pattern.finditer(text)]
    return np.array([float(v) for _, v in found]), [v for _, v in found]


def _pairs(values: np.ndarray, first: np.ndarray, second: np.ndarray) -> Iterator[tuple[int, int]]:
    """Index pairs (i, j), i != j at most WINDOW apart, values[i] in ``first`` range and
    values[j] in ``second`` range (either order in the text)."""
    n = len(values)
    for k in range(1, WINDOW + 1):
        i = np.arange(n - k)
        j = i + k
        for a, b in ((i, j), (j, i)):
            ok = first[a] & second[b]
            yield from zip(a[ok].tolist(), b[ok].tolist(), strict=True)


def coordinate_candidates(text: str) -> list[tuple[str, str, float, float]]:
    """Every number pair in ``text`` that could be a location of Great Britain: (kind, the
    numbers as written, easting m, northing m)."""
    out: list[tuple[str, str, float, float]] = []
    values, raw = _numbers(_DEGREES, text)
    if len(values):
        is_lat = (values >= 49) & (values <= 61)
        is_lon = (values >= -9) & (values <= 3)
        pairs = list(_pairs(values, is_lon, is_lat))
        if pairs:
            lon = np.array([values[i] for i, _ in pairs])
            lat = np.array([values[j] for _, j in pairs])
            x, y = _TO_BNG.transform(lon, lat)
            for (i, j), xi, yi in zip(pairs, x, y, strict=True):
                out.append(("lon/lat", f"{raw[i]},{raw[j]}", float(xi), float(yi)))
    values, raw = _numbers(_METRES, text)
    if len(values):
        is_x = values <= 700_000
        is_y = values <= 1_300_000
        for i, j in _pairs(values, is_x, is_y):
            out.append(("BNG", f"{raw[i]},{raw[j]}", float(values[i]), float(values[j])))
    return out


def coordinate_leaks(text: str, points: ExactPoints, tol_m: float = 1.0) -> list[Leak]:
    """Number pairs in ``text`` within ``tol_m`` of a point of ``points``."""
    candidates = coordinate_candidates(text)
    xy = np.array([(c[2], c[3]) for c in candidates]).reshape(-1, 2)
    return [
        Leak(candidates[row][0], candidates[row][1], distance, points.labels[event])
        for row, event, distance in points.near(xy, tol_m)
    ]


# -- geometry -------------------------------------------------------------------------------------


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
    return shapely.transform(
        geometry, lambda xy: np.column_stack(_TO_BNG.transform(xy[:, 0], xy[:, 1]))
    )


def derived_points(
    polygon_bng: shapely.Geometry, buffer_m: float = BUFFER_M
) -> list[tuple[str, Any]]:
    """Points an onlooker can work out from a hotspot polygon (EPSG:27700): its centroid, its
    representative point, and the centroids and vertices of what is left after eroding it by
    ``buffer_m - 0.5``."""
    out: list[tuple[str, Any]] = [
        ("centroid", polygon_bng.centroid),
        ("label point", polygon_bng.representative_point()),
    ]
    eroded = polygon_bng.buffer(-(buffer_m - 0.5))
    for part in getattr(eroded, "geoms", [eroded]):
        if part.is_empty:
            continue
        out.append(("eroded centroid", part.centroid))
        out.extend(("eroded vertex", p) for p in shapely.points(shapely.get_coordinates(part)))
    return out


def geometry_leaks(text: str, points: ExactPoints, tol_m: float = 1.0) -> list[Leak]:
    """Points worked out from the hotspot polygons of ``text`` within ``tol_m`` of a point of
    ``points``."""
    leaks: list[Leak] = []
    for polygon in hotspot_polygons(text):
        derived = derived_points(_to_bng(polygon))
        xy = np.array([(p.x, p.y) for _, p in derived]).reshape(-1, 2)
        for row, event, distance in points.near(xy, tol_m):
            how, p = derived[row]
            leaks.append(Leak(how, f"({p.x:.1f}, {p.y:.1f}) m", distance, points.labels[event]))
    return leaks
