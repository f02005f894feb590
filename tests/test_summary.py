"""Hotspot table and raid coverage on a hand-made example (answers worked out in comments)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from hotspots.summary import hotspot_polygons, raid_coverage, summarise_hotspots

# A 32-gon circle of radius 50 (buffer with quad_segs=8): 16 * 50^2 * sin(2*pi/32)
CIRCLE_50 = 16 * 2500 * math.sin(2 * math.pi / 32)  # 7803.6 m2


def _events(rows: list[tuple], layer: str = "offence") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "event_id": [f"{layer}{i}" for i in range(len(rows))],
            "layer": layer,
            "month": [r[2] for r in rows],
            "location": [r[3] for r in rows],
            "ward_code": [r[4] for r in rows],
            "ward_name": [r[4].replace("W", "Ward ") for r in rows],
            "district_code": "D1",
            "district_name": "District One",
        },
        geometry=[Point(r[0], r[1]) for r in rows],
        crs="EPSG:27700",
    )


STATION, HIGH_ST = "On or near Police Station", "On or near High Street"
OFFENCES = [
    # hotspot A (label 0): 5 stacked on the police station point, 1 a little east, in ward W2
    *[(1000, 1000, "2025-01" if i < 3 else "2025-02", STATION, "W1") for i in range(5)],
    (1040, 1000, "2025-02", HIGH_ST, "W2"),
    # hotspot B (label 1): a triangle, at most 2 offences on one point
    (5000, 5000, "2025-01", "On or near B", "W3"),
    (5000, 5000, "2025-01", "On or near B", "W3"),
    (5000, 5060, "2025-01", "On or near B2", "W3"),
    (5000, 5060, "2025-01", "On or near B2", "W3"),
    (5040, 5030, "2025-01", "On or near B", "W3"),
    # hotspot C (label 2): no enforcement near it
    *[(30000, 30000, "2025-02", "On or near C", "W4")] * 3,
    # noise
    (9000, 9000, "2025-01", "On or near Nowhere", "W4"),
]
LABELS = np.array([0] * 6 + [1] * 5 + [2] * 3 + [-1])


@pytest.fixture
def table() -> gpd.GeoDataFrame:
    searches = _events(
        [(1000, 1120, "2025-01", "", "W1"), (1000, 1200, "2025-01", "", "W1")], "search"
    )  # 70 m and 150 m north of A's polygon edge (y = 1050)
    raids = _events(
        [(5000, 5030, "2025-01", "", "W3"), (20000, 20000, "2025-02", "", "W4")], "raid"
    )
    previous = _events([(1000, 1000, "2024-12", STATION, "W1")] * 2)
    return summarise_hotspots(
        _events(OFFENCES), LABELS, searches=searches, raids=raids, previous_offences=previous
    )


def test_one_row_per_hotspot_in_rank_order(table: gpd.GeoDataFrame) -> None:
    assert table["hotspot_id"].tolist() == [0, 1, 2]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["offences"].tolist() == [6, 5, 3]
    assert table["share_of_offences"].tolist() == pytest.approx([6 / 15, 5 / 15, 3 / 15])
    assert table.crs == "EPSG:27700"


def test_polygons_are_buffered_hulls(table: gpd.GeoDataFrame) -> None:
    # A: a 40 m segment buffered by 50 m = 40 x 100 rectangle + a circle
    assert table.loc[0, "area_m2"] == pytest.approx(4000 + CIRCLE_50, rel=1e-6)
    # B: triangle (area 1200, perimeter 60+50+50) buffered = 1200 + 160 x 50 + ~circle
    assert table.loc[1, "area_m2"] == pytest.approx(1200 + 8000 + CIRCLE_50, rel=1e-2)
    # C: one point: just the circle
    assert table.loc[2, "area_m2"] == pytest.approx(CIRCLE_50, rel=1e-6)
    assert table.loc[2, "offences_per_km2"] == pytest.approx(3 / (CIRCLE_50 / 1e6))


def test_colocation_flags_a_single_busy_point(table: gpd.GeoDataFrame) -> None:
    assert table["colocation_share"].tolist() == pytest.approx([5 / 6, 2 / 5, 1.0])
    assert table["colocated"].tolist() == [True, False, True]
    assert table["locations"].tolist() == [2, 3, 1]
    assert table.loc[0, "top_location"] == STATION
    assert table.loc[1, "top_location"] == "On or near B"  # 3 of 5


def test_wards_months_and_change(table: gpd.GeoDataFrame) -> None:
    assert table.loc[0, "ward_code"] == "W1" and table.loc[0, "wards"] == "W1;W2"
    assert table.loc[0, "ward_name"] == "Ward 1"
    assert table.loc[0, ["months_active", "first_month", "last_month"]].tolist() == [
        2,
        "2025-01",
        "2025-02",
    ]
    assert table["offences_prev"].tolist() == [2, 0, 0]
    assert table["change"].tolist() == [4, 5, 3]
    assert table.loc[0, "change_pct"] == pytest.approx(200.0)
    assert np.isnan(table.loc[1, "change_pct"])  # from none: no percentage, never inf


def test_enforcement_near_hotspots_and_raid_coverage(table: gpd.GeoDataFrame) -> None:
    assert table["searches"].tolist() == [1, 0, 0]  # the 70 m search counts, the 150 m one not
    assert table["raids"].tolist() == [0, 1, 0]
    raids = _events(
        [(5000, 5030, "2025-01", "", "W3"), (20000, 20000, "2025-02", "", "W4")], "raid"
    )
    coverage = raid_coverage(table, raids)
    assert coverage.hotspots_with_raids == [1]
    assert coverage.hotspots_without_enforcement == [2]
    assert coverage.raids_outside_hotspots["event_id"].tolist() == ["raid1"]
    assert coverage.as_dict()["raids_outside_hotspots"] == ["raid1"]


def test_no_hotspots_gives_an_empty_table() -> None:
    events = _events(OFFENCES)
    table = summarise_hotspots(events, np.full(len(events), -1))
    assert table.empty and "rank" in table.columns


def test_crs_and_argument_errors() -> None:
    events = _events(OFFENCES)
    with pytest.raises(ValueError, match=r"must be in EPSG:27700.*got EPSG:4326"):
        summarise_hotspots(events.set_crs("EPSG:4326", allow_override=True), LABELS)
    with pytest.raises(ValueError, match="labels has 3 rows; offences has 15"):
        summarise_hotspots(events, LABELS[:3])
    with pytest.raises(ValueError, match="buffer_m must be > 0"):
        hotspot_polygons(events, LABELS, buffer_m=0)
