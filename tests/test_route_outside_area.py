"""Nothing outside an officer's area reaches the officer, through any door of the truth table.

Two stores differ only outside the officers' area (Cambridge, E07000008): the second holds the
demo's files plus a second copy of every Peterborough drug offence (970 more offences, all in
another district, each a new crime id about 200 m east of the first). An officer of Cambridge
must get the same answer from both, byte for byte once the store's data version (an opaque id)
is set aside, on every door of :data:`tests.test_route_role_table.TABLE` they may call (pages,
map frames, ``/map.json``, the API in each format, OGC, the patrol plan and its CSV and GPX), for
the table's period and for a whole year (where the automatic ``min_samples`` is decided by its
"1% of the offences" term, which on the force's offences gave the force's count to 1%).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import DEMO_ALWAYS, DEMO_AREA, DEMO_MONTHS, DEMO_STREET, DEMO_WARDS, AppFactory
from tests.test_route_role_table import GEO_FILES, PERIOD, TABLE, Door

YEAR = "from=2025-01&to=2025-12"
#: Peterborough's LSOAs (the demo's other districts are outside the officers' area too).
OUTSIDE_LSOA = "Peterborough "
#: How far east each copy lies from its original (about 200 m): new places as well as more
#: offences at the old ones.
SHIFT_LON = 0.003


def _officer_doors() -> Iterator[tuple[str, str]]:
    """(label, url) of every GET door an officer may call (200), for the table's period and a
    whole year."""
    for door in TABLE:
        if door.method == "GET" and door.rule and door.expected("officer") == 200:
            if door.rule.startswith("/static") or door.rule.startswith("/tiles"):
                continue  # no police data
            yield door.label, door.url
            year = _year(door)
            if year != door.url:
                yield door.label + " (a year)", year


def _year(door: Door) -> str:
    url = door.url.replace(PERIOD, YEAR).replace("to=2025-11", "to=2025-12")
    return url.replace("datetime=2025-09/2025-11", "datetime=2025-01/2025-12")


#: Variants of the table's doors an officer may also ask for: a plan of hotspots rather than
#: the forecast's cells, only significant hotspots, the map with offences as clusters.
VARIANTS = (
    "/patrol?to=2025-12&rank=hotspots",
    "/patrol.csv?to=2025-12&rank=hotspots",
    f"/map.json?{YEAR}&significant=1",
    f"/map/frame?{YEAR}&offences=clusters",
)
DOORS = {**dict(_officer_doors()), **{f"GET {url}": url for url in VARIANTS}}


def _store(folder: Path, extra: bool) -> Path:
    """The demo's files ingested (``extra``: with each Peterborough drug offence twice)."""
    files = [DEMO_STREET[m] for m in DEMO_MONTHS]
    if extra:
        files = [_doubled_outside(path, folder) for path in files]
    path = folder / ("store-extra" if extra else "store")
    report = ingest(
        files + DEMO_ALWAYS,
        wards=read_wards([DEMO_WARDS]),
        force_area=read_force_area(DEMO_AREA),
        store=Store(path),
    )
    assert report.reconciles()
    return path


def _doubled_outside(path: Path, folder: Path) -> Path:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    name, lon = header.index("LSOA name"), header.index("Longitude")
    copies = []
    for row in body:
        if row[name].startswith(OUTSIDE_LSOA):
            copy = [hashlib.sha256(("copy" + row[0]).encode()).hexdigest(), *row[1:]]
            copy[lon] = f"{float(row[lon]) + SHIFT_LON:.6f}"  # new places, and the old ones
            copies.append(copy)
    assert len(copies) > 20, path
    out = folder / path.name
    with out.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body, *copies])
    return out


@pytest.fixture(scope="module")
def two_apps(app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory) -> list[Flask]:
    folder = tmp_path_factory.mktemp("outside-area")
    return [
        app_factory(
            _store(folder, extra),
            USERS_DB=str(folder / f"users-{extra}.sqlite3"),
            CACHE_DIR=str(folder / f"cache-{extra}"),
            WARM_PRESETS=0,
        )
        for extra in (False, True)
    ]


@pytest.fixture(scope="module")
def officers(two_apps: list[Flask]) -> list[FlaskClient]:
    return [client_as(app, "officer") for app in two_apps]


def test_the_stores_differ_outside_the_area_only(two_apps: list[Flask]) -> None:
    """The second store holds more offences, all of them outside Cambridge (the test could
    otherwise pass on two equal stores)."""
    loads = [Store(app.config["STORE"]).load() for app in two_apps]
    offences = [e[e["layer"] == "offence"] for e in loads]
    assert len(offences[1]) - len(offences[0]) > 900
    per_district = [o.groupby("district_code").size() for o in offences]
    assert per_district[0]["E07000008"] == per_district[1]["E07000008"]
    assert per_district[1]["E06000031"] > per_district[0]["E06000031"]


@pytest.mark.parametrize("url", list(DOORS.values()), ids=list(DOORS))
def test_an_officer_sees_nothing_from_outside_their_area(
    officers: list[FlaskClient], two_apps: list[Flask], url: str
) -> None:
    responses = [client.get(url) for client in officers]
    assert responses[0].status_code == responses[1].status_code, url
    versions = [Store(app.config["STORE"]).manifest()["version"] for app in two_apps]
    bodies = [_comparable(r, v) for r, v in zip(responses, versions, strict=True)]
    if bodies[0] != bodies[1]:
        first = next(i for i, (a, b) in enumerate(zip(*bodies, strict=False)) if a != b)
        pytest.fail(
            f"{url}: the officer's answer changes with offences outside their area at "
            f"{first}: {bodies[0][max(0, first - 200) : first + 200]!r} / "
            f"{bodies[1][max(0, first - 200) : first + 200]!r}"
        )


_STAMPS = re.compile(r'(name="csrf_token" value=|"(?:timeStamp|updated|generated)": ?)"[^"]*"')


def _comparable(response: TestResponse, version: str) -> str:
    """The body as text with the store's data version (and its forms) set aside; GeoPackage and
    Parquet as their tables (a GeoPackage records when it was written)."""
    if response.mimetype in GEO_FILES:
        data = response.get_data()
        if response.mimetype.endswith("parquet"):
            frames = [gpd.read_parquet(io.BytesIO(data))]
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "body.gpkg"
                path.write_bytes(data)
                frames = [gpd.read_file(path, layer=n) for n in gpd.list_layers(path)["name"]]
        text = "\n".join(
            f.to_json() if isinstance(f, gpd.GeoDataFrame) else f.to_csv() for f in frames
        )
    else:
        text = response.get_data(as_text=True)
    text = text.replace(version, "VERSION")
    # what differs between any two answers: the form's token, when the answer and the store
    # were written, how long a step took, Folium's random element ids
    text = _STAMPS.sub(r"\1X", text)
    text = re.sub(r'seconds"+: ?[0-9.e+-]+', "seconds:X", text)
    text = re.sub(r"_[0-9a-f]{32}(?![0-9a-f])", "_ID", text)
    text = re.sub(r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\b", "TIME", text)  # GeoPackage styles
    return re.sub(r"\b\d{8}T\d{6}(-[0-9a-f]+)?\b", "VERSION", text)


def test_an_officers_automatic_parameters_are_their_areas(officers: list[FlaskClient]) -> None:
    """Worked by hand: Cambridge holds 621 of the demo's 2,689 drug offences of 2025. On the
    force's offences the year's ``min_samples`` was max(5, min(3 x 12, ceil(1% of 2,689))) = 27,
    the force's count to 1%; the officer's is their area's: max(5, min(36, ceil(6.21))) = 7."""
    parameters = officers[0].get(f"/map.json?{YEAR}").get_json()["metadata"]["parameters"]
    assert parameters["min_samples"] == 7
    assert "total weight 621" in parameters["min_samples_reason"]
    assert "2689" not in str(parameters) and "2,689" not in str(parameters)
    assert parameters["requested_min_samples"] == "auto"
    assert "parameter_choice" not in parameters and "parameter_score" not in parameters
