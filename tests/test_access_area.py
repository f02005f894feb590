"""An officer sees their own area's part of every hotspot, numbered within their area.

The hand-made world (tests/conftest.py ``toy_boundaries``): ward Alpha (E05000001, Northshire)
is the square x 500000-501000, ward Bravo (E05000002, Southshire) x 501000-502000, both
y 200000-201000 (EPSG:27700). Four tight groups of offences, each a DBSCAN hotspot:

- ``L`` straddles the boundary on y = 200500: 11 points in Alpha (x 500790..500990) and 9 in
  Bravo (x 501010..501170), 20 m apart; 2 offences a point a month in Apr-Jun 2025 (Alpha 22 a
  month, Bravo 18), 1 in Jan-Mar 2025;
- ``A`` in Alpha: 5 points, 6 offences each a month (30 a month);
- ``B`` and ``C`` in Bravo: 5 points, 10 and 7 offences each a month (50 and 35 a month).

Worked by hand for Apr-Jun 2025 (3 months): the force's hotspots by offences are B 150, L 120,
C 105, A 90. An officer of Alpha sees A (90) and the Alpha part of L (3 x 22 = 66, previous
period 3 x 11 = 33), numbered 1 and 2; never L's 120 or the force ranks 2 and 4.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask

from tests.accounts import client_as
from tests.helpers import AppFactory, store_of_rows, street_row

ALPHA, BRAVO = "E05000001", "E05000002"
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]
PERIOD = "from=2025-04&to=2025-06"
Y_L = 200500


def _groups() -> dict[str, tuple[list[tuple[float, float]], str, int, int]]:
    """name -> (points, location, offences a point a month in Jan-Mar, in Apr-Jun)."""
    line = [(500790 + 20 * i, Y_L) for i in range(11)] + [(501010 + 20 * i, Y_L) for i in range(9)]
    return {
        "L": (line, "On or near Line Street", 1, 2),
        "A": ([(500300 + 20 * i, 200300) for i in range(5)], "On or near Alpha Road", 6, 6),
        "B": ([(501700 + 20 * i, 200800) for i in range(5)], "On or near Bravo Road", 10, 10),
        "C": ([(501500 + 20 * i, 200200) for i in range(5)], "On or near Charlie Way", 7, 7),
    }


@pytest.fixture(scope="module")
def area_store(toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        street_row(f"{name}{month}-{p}-{k}", x, y, month=month, location=location)
        for m, month in enumerate(MONTHS)
        for name, (points, location, before, now) in _groups().items()
        for p, (x, y) in enumerate(points)
        for k in range(before if m < 3 else now)
    ]
    return store_of_rows(rows, toy_boundaries, tmp_path_factory.mktemp("area_toy"))


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, area_store: Path) -> Flask:
    return app_factory(area_store, TESTING=True, WARM_PRESETS=0)


def _hotspots_csv(app: Flask, role: str, scope: tuple[str, ...] = ()) -> pd.DataFrame:
    response = client_as(app, role, scope).get(f"/api/v1/hotspots?{PERIOD}&format=csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), comment="#")


def test_the_world_makes_the_hotspots_worked_out_by_hand(app: Flask) -> None:
    force = _hotspots_csv(app, "analyst")
    assert force["offences"].tolist() == [150, 120, 105, 90]
    assert force["rank"].tolist() == [1, 2, 3, 4]
    straddling = force[force["offences"] == 120].iloc[0]
    assert set(straddling["wards"].split(";")) == {ALPHA, BRAVO}


@pytest.mark.parametrize(
    "scope,offences,previous",
    [((ALPHA,), [90, 66], [90, 33]), ((BRAVO,), [150, 105, 54], [150, 105, 27])],
)
def test_an_officer_sees_their_areas_part_of_each_hotspot_numbered_within_it(
    app: Flask, scope: tuple[str, ...], offences: list[int], previous: list[int]
) -> None:
    """A hotspot straddling the officer's boundary gave its whole count (offences next door),
    and the list was numbered by force rank (gaps told how many hotspots lie elsewhere)."""
    table = _hotspots_csv(app, "officer", scope)
    assert table["offences"].tolist() == offences
    assert table["offences_prev"].tolist() == previous
    assert table["rank"].tolist() == list(range(1, len(offences) + 1))
    # the detector numbers hotspots by force size (0 = most offences): renumbered too
    assert table["hotspot_id"].tolist() == list(range(len(offences)))
    assert set(table["wards"]) == set(scope)
    assert set(table["ward_code"]) == set(scope)
    assert (table["share_of_offences"] * sum(offences)).round().tolist() == offences


@pytest.mark.parametrize(
    "url",
    [
        f"/map.json?{PERIOD}",
        f"/api/v1/hotspots?{PERIOD}",
        "/ogc/collections/hotspots/items?datetime=2025-04/2025-06",
    ],
)
def test_every_json_door_gives_the_parts_and_area_ranks(app: Flask, url: str) -> None:
    data = client_as(app, "officer", (ALPHA,)).get(url).get_json()
    rows = data["hotspots"] if "hotspots" in data else [f["properties"] for f in data["features"]]
    assert [(r["rank"], r["offences"]) for r in rows] == [(1, 90), (2, 66)], url
    assert [r["hotspot_id"] for r in rows] == [0, 1], url
    if "features" in data:
        assert [f.get("id", f["properties"]["hotspot_id"]) for f in data["features"]] == [0, 1]
    assert all(r["wards"] == ALPHA for r in rows)


def test_the_page_and_the_map_frame_number_and_count_the_parts(app: Flask) -> None:
    client = client_as(app, "officer", (ALPHA,))
    page = client.get(f"/?{PERIOD}").get_data(as_text=True)
    frame = client.get(f"/map/frame?{PERIOD}").get_data(as_text=True)
    for body in (page, frame):
        assert not re.search(r"(?<![\w.-])120(?![\w.])", body) and "Hotspot 4" not in body
    assert re.findall(r"Hotspot (\d+): (\d+) drug offences", frame)[:2] == [
        ("1", "90"),
        ("2", "66"),
    ]
    assert "Hotspot 2 of 2" in frame.replace("\\u003c", "<")


def _patrol_csv(app: Flask, query: str) -> pd.DataFrame:
    response = client_as(app, "officer", (ALPHA,)).get(f"/patrol.csv?to=2025-06{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), comment="#", dtype=str)


def test_an_officers_patrol_plan_lists_the_parts_with_area_numbers(app: Flask) -> None:
    """The plan ranked by hotspots lists the parts (66, not 120, at Line Street); the forecast
    plan names the area's hotspot numbers (1, 2), never the force's (2, 4)."""
    by_hotspots = _patrol_csv(app, "&rank=hotspots")
    assert by_hotspots["offences"].astype(int).tolist() == [90, 66]
    assert by_hotspots["offences_prev"].astype(int).tolist() == [90, 33]
    forecast = _patrol_csv(app, "")
    ranks = {int(r) for v in forecast["hotspot_ranks"].dropna() for r in v.split()}
    assert ranks == {1, 2}
    assert forecast["offences"].astype(int).sum() == 66 + 90  # Alpha's offences only
    page = client_as(app, "officer", (ALPHA,)).get("/patrol?to=2025-06").get_data(as_text=True)
    assert "(area rank)" in page and "force rank" not in page
    assert "its offences in your wards only" in page


@pytest.mark.parametrize("fmt", ["gpkg", "parquet"])
def test_the_geo_downloads_hold_the_parts(app: Flask, fmt: str, tmp_path: Path) -> None:
    import geopandas as gpd

    response = client_as(app, "officer", (ALPHA,)).get(f"/api/v1/hotspots?{PERIOD}&format={fmt}")
    assert response.status_code == 200
    path = tmp_path / f"hotspots.{fmt}"
    path.write_bytes(response.get_data())
    frame = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path, layer="hotspots")
    assert frame["offences"].tolist() == [90, 66] and frame["rank"].tolist() == [1, 2]
    assert set(frame["wards"]) == {ALPHA}
    # the part's polygon lies inside Alpha (x < 501000): snapped cells of its own offences
    assert frame.to_crs(27700).total_bounds[2] <= 501000


@pytest.mark.parametrize(
    "url",
    [
        "/compare/frame?from=2025-04&to=2025-06&from2=2025-01&to2=2025-03",
        "/patrol?to=2025-06&rank=hotspots",
        "/patrol.gpx?to=2025-06&rank=hotspots",
    ],
)
def test_the_other_doors_count_and_number_the_parts(app: Flask, url: str) -> None:
    body = client_as(app, "officer", (ALPHA,)).get(url).get_data(as_text=True)
    assert not re.search(r"(?<![\w.-])120(?![\w.])", body), url
    assert "Hotspot 4" not in body and "Hotspot 3" not in body
    if "patrol" in url:
        assert "1. On or near Alpha Road" in body and "2. On or near Line Street" in body
