"""The patrol plan's GPX is read back whole by two independent readers: ``gpxpy`` (the library
that writes it) and GDAL's GPX driver (``ogr2ogr``, what QGIS and most GIS use), with the
places in order, their coordinates to 5 decimals and their names intact, including ``&``,
``<``, quotes, Welsh letters and a control character that XML 1.0 does not allow.

The hand-made store uses the toy wards of ``conftest.py``; ward Alpha (E05000001) is renamed
``Ynys Môn & <Caergybi> "Holyhead"`` for the plan, so the plan's title (the GPX metadata name)
carries it. Places (one month, 2025-06, ``eps_m=100``; 5 offences make a hotspot):

- A (500300, 200300): 7 offences, location ``On or near "Heol y Môr" & <Stryd Fawr>``;
- B (500700, 200700): 5 offences, location ``On or near Ffordd Caergybi``, with a vertical tab
  (U+000B) after "Ffordd" that the file must drop (a GPX reader refuses the file otherwise).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import gpxpy
import pytest

from hotspots.patrol import PatrolArea, patrol_plan, plan_gpx
from hotspots.patrol.plan import PatrolPlan
from hotspots.store import Store
from tests.helpers import store_of_rows, street_row

WARD = 'Ynys Môn & <Caergybi> "Holyhead"'
PLACES = (
    ((500300, 200300), 'On or near "Heol y Môr" & <Stryd Fawr>', 7),
    ((500700, 200700), "On or near Ffordd\x0bCaergybi", 5),
)
NAMES = ['1. On or near "Heol y Môr" & <Stryd Fawr>', "2. On or near FforddCaergybi"]
TITLE = f"Patrol plan: {WARD} ward, hotspots of Jun 2025"


@pytest.fixture(scope="module")
def plan(toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> PatrolPlan:
    rows = [
        street_row(f"{i}-{k}", x, y, month="2025-06", location=location)
        for i, ((x, y), location, count) in enumerate(PLACES)
        for k in range(count)
    ]
    store = Store(store_of_rows(rows, toy_boundaries, tmp_path_factory.mktemp("gpx_toy")))
    wards = store.load_boundary("wards")
    wards.loc[wards["ward_code"] == "E05000001", "ward_name"] = WARD
    return patrol_plan(
        store,
        end_month="2025-06",
        basis_months=1,
        eps_m=100,
        area=PatrolArea.wards(["E05000001"]),
        wards=wards,
    )


def _expected(plan: PatrolPlan) -> list[tuple[str, float, float]]:
    return [(n, round(p.lon, 5), round(p.lat, 5)) for n, p in zip(NAMES, plan.places, strict=True)]


def test_the_plan_is_the_two_places_by_hand(plan: PatrolPlan) -> None:
    assert plan.title == TITLE
    assert [p.offences for p in plan.places] == [7, 5]


def test_gpxpy_reads_back_every_place_and_the_title(plan: PatrolPlan) -> None:
    text = plan_gpx(plan, marking="OFFICIAL & <SENSITIVE>", creator='hotspots "test" & co')
    root = ET.fromstring(text)  # well-formed XML (before: the vertical tab made it not)
    assert root.get("version") == "1.1" and root.get("creator") == 'hotspots "test" & co'
    gpx = gpxpy.parse(text)
    assert gpx.version == "1.1" and gpx.name == TITLE
    assert (gpx.description or "").startswith("OFFICIAL & <SENSITIVE> Visit each place")
    got = [(w.name, w.longitude, w.latitude) for w in gpx.waypoints]
    assert got == _expected(plan)
    assert [w.type for w in gpx.waypoints] == ["drug hotspot", "drug hotspot"]
    assert (gpx.waypoints[0].description or "").startswith("7 drug offences in Jun 2025")
    for place in plan.places:  # 5 decimals: ~1 m, and no more than the plan's centre
        assert f'lat="{round(place.lat, 5)}" lon="{round(place.lon, 5)}"' in text


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL's ogr2ogr is not installed")
def test_gdal_reads_back_every_place(plan: PatrolPlan, tmp_path: Path) -> None:
    path = tmp_path / "plan.gpx"
    path.write_text(plan_gpx(plan), encoding="utf-8")
    out = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "-lco", "COORDINATE_PRECISION=7", "/vsistdout/",
         str(path), "waypoints"],
        capture_output=True, check=True, text=True, encoding="utf-8",
    )  # fmt: skip
    features = json.loads(out.stdout)["features"]
    got = [(f["properties"]["name"], *f["geometry"]["coordinates"][:2]) for f in features]
    assert got == _expected(plan)
    assert [f["properties"]["type"] for f in features] == ["drug hotspot", "drug hotspot"]
    assert "ERROR" not in out.stderr
