"""The leak scanner (tests/coordscan.py) on hand-made text: a stored point written in any of the
ways the outputs write coordinates is found; a point 5 m away, or written too coarsely to place
it within a metre, is not; hotspot polygons give their offences away when made from exact points
and not when made from snapped ones."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, mapping

from hotspots.publicsafe import snap_to_grid
from hotspots.summary import hotspot_polygons
from tests.coordscan import (
    ExactPoints,
    coordinate_candidates,
    coordinate_leaks,
    geometry_leaks,
)

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
#: A stored offence (BNG metres): 63 m and 32 m from the centre of its 250 m cell.
STORED = (545312.0, 261593.0)
AWAY = (545317.0, 261593.0)  # 5 m east


def lonlat(xy: tuple[float, float], decimals: int = 6) -> tuple[str, str]:
    lon, lat = _TO_WGS84.transform(*xy)
    return f"{lon:.{decimals}f}", f"{lat:.{decimals}f}"


@pytest.fixture
def stored() -> ExactPoints:
    return ExactPoints(np.array([STORED, (520000.0, 300000.0)]), ["offence A", "raid B"])


@pytest.mark.parametrize(
    "template",
    [
        '{{"coordinates": [{lon}, {lat}]}}',  # GeoJSON
        "L.marker([{lat}, {lon}], {{icon: x}})",  # a map label, lat first
        '<wpt lat="{lat}" lon="{lon}"><name>On or near Minerva Way</name></wpt>',  # GPX
        "1,On or near X,E05013056,King's Hedges,12,{lon},{lat},reason\n",  # CSV columns
        "lon,lat,wkt\n{lon},{lat},POINT ({lon} {lat})\n",
        "Meet at {lat},{lon} at noon",  # prose
        "[[{lat}, {lon}, 1.0], [52.1, 0.1, 2.0]]",  # a heat layer
        "POINT ({lon} {lat})",  # WKT
    ],
)
def test_a_stored_point_is_found_however_it_is_written(stored: ExactPoints, template: str) -> None:
    lon, lat = lonlat(STORED)
    leaks = coordinate_leaks(template.format(lon=lon, lat=lat), stored)
    assert leaks and {leak.event for leak in leaks} == {"offence A"}
    assert max(leak.distance_m for leak in leaks) < 0.2  # 6 decimals: about 0.1 m
    far_lon, far_lat = lonlat(AWAY)
    assert coordinate_leaks(template.format(lon=far_lon, lat=far_lat), stored) == []


def test_five_decimals_are_found_four_are_too_coarse(stored: ExactPoints) -> None:
    lon, lat = lonlat(STORED, 5)  # about a metre: within 1 m of the point
    assert coordinate_leaks(f"[{lon}, {lat}]", stored)
    lon, lat = lonlat(STORED, 4)  # about 10 m: not a number the scanner reads as a place
    assert coordinate_candidates(f"[{lon}, {lat}]") == []


def test_grid_metres_are_found_in_either_order(stored: ExactPoints) -> None:
    assert coordinate_leaks('{"x": 545312.4, "y": 261593.3}', stored)
    assert coordinate_leaks("northing 261593, easting 545312", stored)
    assert coordinate_leaks("545317.0 261593.0", stored) == []  # 5 m away


def test_codes_dates_and_counts_are_not_coordinates() -> None:
    text = "E05013057 E07000008 2025-09 version 20261207T080046-f8a714 count 545312 area 0.12345"
    assert coordinate_candidates(text) == []


def test_a_latitude_is_not_paired_across_a_bracket(stored: ExactPoints) -> None:
    """The latitude of one array and the longitude of the next are not a point."""
    lon, lat = lonlat(STORED)
    other_lon, other_lat = lonlat((545900.0, 262500.0))
    assert coordinate_leaks(f"[[{other_lon}, {lat}], [{lon}, {other_lat}]]", stored) == []
    assert coordinate_leaks(f"{lon}, 12, {lat}", stored) == []  # another number between
    assert coordinate_leaks(f"{lon} and then, much later, {lat}", stored) == []


def test_rings_are_judged_by_geometry_not_read_as_points(stored: ExactPoints) -> None:
    """A vertex of a ward or hotspot ring on a stored point is chance, not a placed point."""
    lon, lat = lonlat(STORED)
    ring = f"[[[0.1, 52.1], [{lon}, {lat}], [0.2, 52.2], [0.1, 52.1]]]"
    assert coordinate_leaks(f'{{"type": "Polygon", "coordinates": {ring}}}', stored) == []
    assert (
        coordinate_leaks(f'"POLYGON ((0.1 52.1, {lon} {lat}, 0.2 52.2, 0.1 52.1))"', stored) == []
    )
    # a point is a point
    assert coordinate_leaks(f'{{"type": "Point", "coordinates": [{lon}, {lat}]}}', stored)


def _feature_collection(polygons: gpd.GeoSeries, properties: dict[str, str], decimals: int) -> str:
    wgs84 = polygons.to_crs("EPSG:4326")
    features = [
        {
            "type": "Feature",
            "properties": properties,
            "geometry": mapping(shapely.set_precision(g, 10**-decimals)),
        }
        for g in wgs84
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def _points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs="EPSG:27700")


def test_a_one_location_hotspot_from_exact_points_gives_the_offence_away(
    stored: ExactPoints,
) -> None:
    offences = _points([STORED] * 9)
    polygons = hotspot_polygons(offences, np.zeros(9, dtype=int))
    # as a map frame embeds it: a script calling an add function with the GeoJSON
    text = (
        "geo_json_1_add("
        + _feature_collection(polygons, {"popup": "<h3>Hotspot 1 of 6</h3>"}, 5)
        + ");"
    )
    leaks = geometry_leaks(text, stored)
    assert "centre of a disc" in {leak.how for leak in leaks}
    assert {leak.event for leak in leaks} == {"offence A"}
    # the same polygon as a ward (no hotspot marker) is not read as a hotspot
    ward = "geo_json_2_add(" + _feature_collection(polygons, {"popup": "<h3>Arbury</h3>"}, 5) + ")"
    assert geometry_leaks(ward, stored) == []


def test_eroding_a_hotspot_from_exact_points_gives_its_hull_away() -> None:
    corners = [(545312.0, 261593.0), (545352.3, 261601.7), (545330.9, 261640.2)]
    members = [corners[i % 3] for i in range(9)]
    points = ExactPoints(np.array(corners), ["offence 1", "offence 2", "offence 3"])
    polygons = hotspot_polygons(_points(members), np.zeros(9, dtype=int))
    text = _feature_collection(polygons, {"hotspot_id": "0", "rank": "1"}, 6)
    leaks = geometry_leaks(text, points)
    assert {leak.how for leak in leaks} == {"eroded vertices"}  # the hull's, not its centre
    assert {leak.event for leak in leaks} == {"offence 1", "offence 2", "offence 3"}


def test_hotspots_from_snapped_points_give_nothing_away() -> None:
    corners = [(545312.0, 261593.0), (545552.3, 261601.7), (545330.9, 261840.2)]
    members = _points([corners[i % 3] for i in range(9)])
    points = ExactPoints(np.array(corners), ["offence 1", "offence 2", "offence 3"])
    snapped = snap_to_grid(members, 250.0)
    for labels in (np.zeros(9, dtype=int), np.array([0, 1, 2] * 3)):  # one hotspot; three
        polygons = hotspot_polygons(snapped, labels)
        text = _feature_collection(polygons, {"hotspot_id": "0"}, 6)
        assert geometry_leaks(text, points) == []
        assert coordinate_leaks(text, points) == []


def test_hotspot_wkt_in_a_csv_is_read(stored: ExactPoints) -> None:
    polygon = hotspot_polygons(_points([STORED] * 5), np.zeros(5, dtype=int)).to_crs(4326)
    wkt = shapely.to_wkt(polygon.iloc[0], rounding_precision=6)
    text = f'hotspot_id,rank,offences,wkt\n0,1,5,"{wkt}"\n'
    assert {leak.event for leak in geometry_leaks(text, stored)} == {"offence A"}


def test_one_vertex_on_a_stored_point_is_chance_two_are_a_hull(stored: ExactPoints) -> None:
    """A hotspot made by the rules (from snapped points) can have a vertex within a metre of an
    event by chance: not a leak. A hull of exact points, not buffered, has every vertex on one."""
    corners = [STORED, (545352.3, 261601.7), (545330.9, 261640.2)]
    points = ExactPoints(np.array(corners), ["offence 1", "offence 2", "offence 3"])
    hull = shapely.convex_hull(shapely.multipoints(corners))
    text = _feature_collection(gpd.GeoSeries([hull], crs=27700), {"hotspot_id": "0"}, 6)
    assert {leak.event for leak in geometry_leaks(text, points)} == set(points.labels)
    # the same triangle moved so that one vertex only lies on an event
    moved = shapely.Polygon([STORED, (545380.0, 261700.0), (545290.0, 261720.0)])
    text = _feature_collection(gpd.GeoSeries([moved], crs=27700), {"hotspot_id": "0"}, 6)
    assert geometry_leaks(text, points) == []
