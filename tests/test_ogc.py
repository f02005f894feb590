"""OGC API – Features under ``/ogc``: the standard's resources, paging, ``datetime``/``bbox``/
``crs``, and each role seeing exactly what it sees on ``/api/v1`` (same features, same
redaction); then GDAL's OAPIF driver against a real server with personal API tokens.

Expected figures come from ``/api/v1`` for the same account and period (the same functions
make both), or from the store's events filtered by hand with pandas.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from hotspots.store import Store
from hotspots.tokens import issue_token
from hotspots.users import UserStore
from tests.accounts import ensure_user, sign_in
from tests.helpers import AppFactory, ClientFor

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
ALL = ["hotspots", "wards", "offences", "searches", "raids"]
OTHER_AREA = ("E07000012",)  # South Cambridgeshire: not the default officer's Cambridge


def _app(app_factory: AppFactory, tmp_path: Path, **extra: Any) -> Flask:
    users_db = str(tmp_path / "u.sqlite3")
    return app_factory(USERS_DB=users_db, WARM_PRESETS=0, CACHE_DIR="", TESTING=True, **extra)


@pytest.fixture
def app(app_factory: AppFactory, tmp_path: Path) -> Flask:
    return _app(app_factory, tmp_path)


def _headers(app: Flask, role: str, scope: tuple[str, ...] = ()) -> dict[str, str]:
    name = ensure_user(app, role, scope)
    return {"Authorization": "Bearer " + issue_token(UserStore(app.config["USERS_DB"]), name)}


def _get(client: FlaskClient, url: str, headers: dict[str, str], status: int = 200) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return json.loads(response.get_data(as_text=True))


def _all_items(client: FlaskClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every feature, following ``next`` links (absolute URLs, as clients do)."""
    out: list[dict[str, Any]] = []
    while url:
        page = _get(client, url, headers)
        assert page["numberReturned"] == len(page["features"])
        out += page["features"]
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nexts[0].removeprefix("http://localhost") if nexts else ""
    assert len(out) == page["numberMatched"]
    return out


def _api_features(client: FlaskClient, url: str, headers: dict[str, str]) -> list[Any]:
    return list(_get(client, url, headers)["features"])


# -- the standard's resources -----------------------------------------------------------------


def test_landing_conformance_api_and_collections(app: Flask) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    landing = _get(client, "/ogc", headers)
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"] == "http://localhost/ogc/collections"
    assert CORE in _get(client, "/ogc/conformance", headers)["conformsTo"]
    api = client.get("/ogc/api", headers=headers)
    assert api.mimetype == "application/vnd.oai.openapi+json"
    items = api.get_json()["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (100, 10_000)
    listing = _get(client, "/ogc/collections", headers)
    assert [c["id"] for c in listing["collections"]] == ALL
    # GDAL repeats an OAPIF root URL's query on every request: the list routes ignore it
    assert _get(client, "/ogc/collections?datetime=2025-07&eps_m=300", headers) == listing
    wards = _get(client, "/ogc/collections/wards", headers)
    assert wards["extent"]["temporal"]["interval"] == [
        ["2025-01-01T00:00:00Z", "2025-12-31T23:59:59Z"]  # UK winter: GMT = UTC
    ]
    minlon, minlat, maxlon, maxlat = wards["extent"]["spatial"]["bbox"][0]
    assert -1 < minlon < maxlon < 1 and 51.5 < minlat < maxlat < 53  # Cambridgeshire
    assert {"rel": "items", "type": "application/geo+json"}.items() <= next(
        link for link in wards["links"] if link["rel"] == "items"
    ).items()
    html = client.get("/ogc", headers={**headers, "Accept": "text/html"})
    assert html.mimetype == "text/html" and "/ogc/collections" in html.get_data(as_text=True)


def test_anonymous_is_401_json_and_a_password_is_refused(app: Flask) -> None:
    client = app.test_client()
    for url in ("/ogc", "/ogc/", "/ogc/collections", "/ogc/collections/wards/items"):
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 401, url
        assert response.get_json()["error"]["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    name = ensure_user(app, "analyst")
    basic = base64.b64encode(f"{name}:correct horse battery staple".encode()).decode()
    assert client.get("/ogc", headers={"Authorization": f"Basic {basic}"}).status_code == 401


# -- roles: the same features as /api/v1, hidden collections 404 ------------------------------


@pytest.mark.parametrize(
    ("role", "scope", "visible"),
    [
        ("analyst", (), ALL),
        ("admin", (), ALL),
        ("commissioner", (), ["hotspots", "wards"]),
        ("officer", (), ["hotspots", "wards"]),
        ("officer", OTHER_AREA, ["hotspots", "wards"]),
    ],
)
def test_each_role_sees_its_collections_with_the_api_features(
    app: Flask, role: str, scope: tuple[str, ...], visible: list[str]
) -> None:
    client, headers = app.test_client(), _headers(app, role, scope)
    listing = _get(client, "/ogc/collections", headers)
    assert [c["id"] for c in listing["collections"]] == visible
    for hidden in set(ALL) - set(visible):
        for url in (f"/ogc/collections/{hidden}", f"/ogc/collections/{hidden}/items"):
            assert _get(client, url, headers, 404)["error"]["status"] == 404
    period = "from=2025-09&to=2025-11"
    datetime = "datetime=2025-09/2025-11"
    for cid in ("hotspots", "wards"):
        ogc = _all_items(client, f"/ogc/collections/{cid}/items?{datetime}&limit=50", headers)
        api = _api_features(client, f"/api/v1/{cid}?{period}", headers)
        assert len(ogc) == len(api) > 0
        for mine, theirs in zip(ogc, api, strict=True):
            assert mine["properties"] == theirs["properties"]  # same redaction, same values
            assert mine["geometry"] == theirs["geometry"]
    props = _all_items(client, f"/ogc/collections/wards/items?{datetime}", headers)
    districts = {f["properties"]["district_code"] for f in props}
    raid_columns = [k for k in props[0]["properties"] if k.startswith("raid_")]
    if role == "officer":
        assert districts == set(scope or ("E07000008",))
    else:
        assert len(districts) == 6
    # raid figures: aggregates for the commissioner too (docs/roles.md); none for officers
    assert bool(raid_columns) == (role in ("commissioner", "analyst", "admin"))


def test_points_collections_hold_the_stored_events_of_the_period(
    app: Flask, demo_store: Store
) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    events = demo_store.load()
    in_period = events[events["month"].between("2025-06", "2025-08")]
    for cid, layer in (("offences", "offence"), ("searches", "search"), ("raids", "raid")):
        url = f"/ogc/collections/{cid}/items?datetime=2025-06/2025-08&limit=97"
        got = _all_items(client, url, headers)
        wanted = in_period[in_period["layer"] == layer]
        assert sorted(f["id"] for f in got) == sorted(wanted["event_id"]), cid
        assert {f["properties"]["layer"] for f in got} == {layer}
    # the demo holds searches for July 2025 only: the other months are "no data", not none
    page = _get(client, "/ogc/collections/searches/items?datetime=2025-06/2025-08", headers)
    assert page["metadata"]["parameters"]["no_data_months"] == ["2025-06", "2025-08"]
    searches = _get(client, "/ogc/collections/searches", headers)["extent"]["temporal"]
    assert searches["interval"] == [["2025-06-30T23:00:00Z", "2025-07-31T22:59:59Z"]]  # BST
    page = _get(client, "/ogc/collections/offences/items?datetime=2025-06/2025-08", headers)
    assert page["metadata"]["parameters"]["no_data_months"] == []
    api = _api_features(client, "/api/v1/events?from=2025-10&to=2025-12&layer=raid", headers)
    ogc = _all_items(client, "/ogc/collections/raids/items?datetime=2025-10/..", headers)
    assert [f["geometry"] for f in ogc] == [f["geometry"] for f in api]


def test_public_mode_sees_suppressed_wards_only(app_factory: AppFactory, tmp_path: Path) -> None:
    app = _app(app_factory, tmp_path, PUBLIC_MODE=True)
    client = app.test_client()
    listing = _get(client, "/ogc/collections", {})
    assert [c["id"] for c in listing["collections"]] == ["wards"]
    _get(client, "/ogc/collections/hotspots/items", {}, 404)
    ogc = _all_items(client, "/ogc/collections/wards/items?datetime=2025-11", {})
    api = _api_features(client, "/api/v1/wards?from=2025-11&to=2025-11", {})
    assert [f["properties"] for f in ogc] == [f["properties"] for f in api]
    assert any(f["properties"]["offence_count"] is None for f in ogc)  # small counts blank


def test_item_by_id_within_the_area_only(app: Flask) -> None:
    client = app.test_client()
    analyst, officer = _headers(app, "analyst"), _headers(app, "officer", OTHER_AREA)
    wards = _all_items(client, "/ogc/collections/wards/items?datetime=2025-11", analyst)
    inside = next(f for f in wards if f["properties"]["district_code"] == OTHER_AREA[0])
    outside = next(f for f in wards if f["properties"]["district_code"] != OTHER_AREA[0])
    one = _get(client, f"/ogc/collections/wards/items/{inside['id']}?datetime=2025-11", officer)
    assert one["id"] == inside["id"] and one["geometry"] == inside["geometry"]
    _get(client, f"/ogc/collections/wards/items/{outside['id']}?datetime=2025-11", officer, 404)
    offence = _get(client, "/ogc/collections/offences/items?limit=1", analyst)["features"][0]
    again = _get(client, f"/ogc/collections/offences/items/{offence['id']}", analyst)
    assert again["properties"] == offence["properties"]
    _get(client, f"/ogc/collections/offences/items/{offence['id']}", officer, 404)


# -- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "months"),
    [
        ("2025-09", ("2025-09", "2025-09")),
        ("2025-09-30", ("2025-09", "2025-09")),
        ("2025-07-15/2025-09-02", ("2025-07", "2025-09")),  # partly covered months count whole
        ("../2025-03", ("2025-01", "2025-03")),
        ("2025-11/..", ("2025-11", "2025-12")),
        ("2025-06-30T23:30:00Z", ("2025-07", "2025-07")),  # 00:30 BST on 1 July: July
        ("2025-07-01T00:30:00%2B01:00", ("2025-07", "2025-07")),  # + encoded
    ],
)
def test_datetime_maps_to_the_months_it_touches(
    app: Flask, value: str, months: tuple[str, str]
) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    page = _get(client, f"/ogc/collections/offences/items?datetime={value}&limit=1", headers)
    wanted = _api_features(
        client, f"/api/v1/events?from={months[0]}&to={months[1]}&layer=offence", headers
    )
    assert page["numberMatched"] == len(wanted)
    assert page["metadata"]["parameters"]["months"][0] == months[0]
    assert page["metadata"]["parameters"]["months"][-1] == months[1]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("datetime=2024-01", "datetime"),  # not held
        ("datetime=2025-09/2025-07", "datetime"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2025-13", "datetime"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("crs=EPSG:4326", "crs"),
        ("eps_m=150", "eps_m"),  # DBSCAN parameters belong to hotspots only
        ("colour=red", "colour"),
        ("limit=5&limit=6", "limit"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(app: Flask, query: str, field: str) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    error = _get(client, f"/ogc/collections/wards/items?{query}", headers, 400)["error"]
    assert error["field"] == field


def test_limit_above_the_maximum_is_the_maximum(app: Flask) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    page = _get(client, "/ogc/collections/offences/items?limit=999999", headers)
    assert page["numberReturned"] == min(10_000, page["numberMatched"])
    assert not [link for link in page["links"] if link["rel"] == "next"]


def test_paging_links_next_and_prev(app: Flask) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    first = _get(client, "/ogc/collections/wards/items?datetime=2025-11&limit=50", headers)
    rels = [link["rel"] for link in first["links"]]
    assert "next" in rels and "prev" not in rels and first["numberMatched"] == 120
    last = _get(
        client, "/ogc/collections/wards/items?datetime=2025-11&limit=50&offset=100", headers
    )
    assert last["numberReturned"] == 20
    prev = next(link["href"] for link in last["links"] if link["rel"] == "prev")
    assert "offset=50" in prev and "limit=50" in prev and "datetime=2025-11" in prev
    assert "next" not in [link["rel"] for link in last["links"]]


def test_bbox_in_crs84_and_in_metres_and_crs_27700(app: Flask) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    box84 = "0.10,52.18,0.16,52.22"  # central Cambridge
    ogc = _all_items(client, f"/ogc/collections/offences/items?bbox={box84}", headers)
    api = _api_features(client, f"/api/v1/events?layer=offence&bbox={box84}", headers)
    assert 0 < len(ogc) == len(api) < 2689
    for f in ogc:
        lon, lat = f["geometry"]["coordinates"]
        assert 0.10 <= lon <= 0.16 and 52.18 <= lat <= 52.22
    metres = client.get(
        f"/ogc/collections/offences/items?bbox=544000,256000,548000,260000&bbox-crs={BNG}"
        f"&crs={BNG}&limit=10000",
        headers=headers,
    )
    assert metres.headers["Content-Crs"] == f"<{BNG}>"
    points = [f["geometry"]["coordinates"] for f in metres.get_json()["features"]]
    assert points and all(544000 <= x <= 548000 and 256000 <= y <= 260000 for x, y in points)
    default = client.get("/ogc/collections/offences/items?limit=1", headers=headers)
    assert default.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert default.mimetype == "application/geo+json"


def test_dbscan_parameters_on_hotspots_as_on_the_api(app: Flask) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    query = "eps_m=400&min_samples=8"
    ogc = _all_items(
        client, f"/ogc/collections/hotspots/items?datetime=2025-09/2025-11&{query}", headers
    )
    api = _api_features(client, f"/api/v1/hotspots?from=2025-09&to=2025-11&{query}", headers)
    default = _api_features(client, "/api/v1/hotspots?from=2025-09&to=2025-11", headers)
    assert [f["properties"] for f in ogc] == [f["properties"] for f in api]
    assert len(api) != len(default)  # the parameters changed the answer
    error = _get(client, "/ogc/collections/hotspots/items?eps_m=5", headers, 400)["error"]
    assert error["field"] == "eps_m"


def test_etag_and_304(app: Flask) -> None:
    client, headers = app.test_client(), _headers(app, "analyst")
    first = client.get("/ogc/collections/wards/items?datetime=2025-11", headers=headers)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(
        "/ogc/collections/wards/items?datetime=2025-11",
        headers={**headers, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    officer = client.get(
        "/ogc/collections/wards/items?datetime=2025-11",
        headers={**_headers(app, "officer"), "If-None-Match": first.headers["ETag"]},
    )
    assert officer.status_code == 200  # another role's answer is another representation


# -- GDAL's OAPIF driver against a real server ------------------------------------------------


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app served on a free local port by a real HTTP server (a thread)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/ogc"
    httpd.shutdown()
    thread.join()


def _gdal(tool: str, *args: str, env: dict[str, str]) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed (Debian: apt-get install gdal-bin)")
    done = subprocess.run(
        [tool, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "GDAL_HTTP_TIMEOUT": "120", **env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _default_period_offences(app: Flask, events: pd.DataFrame) -> pd.DataFrame:
    """The stored offences of the period the maps show by default (what a layer added without
    ``datetime`` holds; docs/ogc.md), the period taken from /api/v1/periods."""
    client = sign_in(app.test_client(), "analyst", app=app)
    default = client.get("/api/v1/periods").get_json()["default"]
    months = pd.period_range(default["from"], default["to"], freq="M").strftime("%Y-%m")
    chosen = events[(events["layer"] == "offence") & events["month"].isin(list(months))]
    assert 0 < len(chosen) < (events["layer"] == "offence").sum()  # a real restriction
    return chosen


def _token_of(app: Flask, role: str, scope: tuple[str, ...] = ()) -> tuple[str, str]:
    name = ensure_user(app, role, scope)
    return name, issue_token(UserStore(app.config["USERS_DB"]), name)


def test_gdal_lists_and_pages_every_feature_an_analyst_may_see(
    app: Flask, server: str, demo_store: Store, tmp_path: Path
) -> None:
    name, token = _token_of(app, "analyst")
    bearer = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    listing = _gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server}", env=bearer)
    for cid in ALL:
        assert f": {cid} (" in listing
    basic = {"GDAL_HTTP_USERPWD": f"{name}:{token}"}
    summary = _gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{server}", "offences", env=basic)
    events = demo_store.load()
    offences = _default_period_offences(app, events)  # no datetime: the maps' default period
    assert f"Feature Count: {len(offences)}" in summary
    out = tmp_path / "offences.json"
    _gdal(
        "ogr2ogr",
        "-oo",
        "PAGE_SIZE=1000",
        "-f",
        "GeoJSON",
        str(out),
        f"OAPIF:{server}",
        "offences",
        env=bearer,
    )
    got = json.loads(out.read_text())["features"]
    assert sorted(f["properties"]["event_id"] for f in got) == sorted(offences["event_id"])


def test_gdal_as_an_officer_sees_its_area_and_no_points(
    app: Flask, server: str, tmp_path: Path
) -> None:
    name, token = _token_of(app, "officer", OTHER_AREA)
    env = {"GDAL_HTTP_USERPWD": f"{name}:{token}"}
    listing = _gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server}", env=env)
    assert ": hotspots (" in listing and ": wards (" in listing
    assert "offences" not in listing and "raids" not in listing and "searches" not in listing
    out = tmp_path / "wards.json"
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{server}", "wards", env=env)
    wards = json.loads(out.read_text())["features"]
    assert len(wards) == 26  # South Cambridgeshire's wards, fetched in pages of 10
    assert {f["properties"]["district_code"] for f in wards} == set(OTHER_AREA)


# -- QGIS's own OAPIF provider (Debian's python3-qgis, headless) ------------------------------

SYSTEM_PYTHON = "/usr/bin/python3"


def _qgis(server: str, name: str, token: str, *collections: str) -> dict[str, Any]:
    probe = (
        subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=60)
        if Path(SYSTEM_PYTHON).exists()
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip("QGIS's Python bindings not installed (Debian: apt-get install python3-qgis)")
    script = Path(__file__).with_name("qgis_oapif.py")
    done = subprocess.run(
        [SYSTEM_PYTHON, str(script), server, name, token, *collections],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "QT_QPA_PLATFORM": "offscreen",
        },
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_qgis_adds_the_collections_an_officer_may_see(app: Flask, server: str) -> None:
    """QGIS starts at the landing page, reads the OpenAPI limit, and pages with Basic auth."""
    name, token = _token_of(app, "officer", OTHER_AREA)
    layers = _qgis(server, name, token, "wards", "hotspots", "offences")
    assert layers["wards"]["valid"] and layers["wards"]["read"] == 26  # its district's wards
    assert layers["wards"]["count"] == 26
    assert "raid_count" not in layers["wards"]["fields"]
    assert layers["hotspots"]["valid"]
    assert not layers["offences"]["valid"]  # hidden from officers: 404, no layer


def test_qgis_reads_every_offence_as_an_analyst(app: Flask, server: str, demo_store: Store) -> None:
    name, token = _token_of(app, "analyst")
    layers = _qgis(server, name, token, "offences")
    events = demo_store.load()
    assert layers["offences"]["read"] == len(_default_period_offences(app, events))


#: Each collection's twin on /api/v1 (the CSV export counted against QGIS's layer).
API_OF = {
    "hotspots": "/api/v1/hotspots?",
    "wards": "/api/v1/wards?",
    "offences": "/api/v1/events?layer=offence&drugs=1&",
    "searches": "/api/v1/events?layer=search&drugs=1&",
    "raids": "/api/v1/events?layer=raid&drugs=1&",
}
#: Whole-number fields QGIS must type ``Integer`` and real ones ``Real`` (Jul-Sep 2025, demo).
INTEGER_FIELDS = {
    "hotspots": ("rank", "offences", "offences_prev", "change", "raids", "locations"),
    "wards": ("offence_count", "offence_prev", "offence_change", "offence_rank", "raid_count"),
    "offences": ("source_row",),
    "searches": ("source_row",),
    "raids": ("source_row", "arrests", "charges", "seizure_gbp"),
}
REAL_FIELDS = {
    "hotspots": ("area_m2", "offences_per_km2", "share_of_offences"),
    "wards": ("area_km2", "offence_per_km2"),
}
ID_OF = {"hotspots": "hotspot_id", "wards": "ward_code"}


def _same_numbers(qgis: dict[str, dict[str, Any]], api: list[dict[str, Any]], key: str) -> int:
    """Every number and yes/no QGIS holds equals the API's for the same feature (NULL where
    the API has null); returns how many values were compared."""
    compared = 0
    for feature in api:
        props = feature["properties"]
        held = qgis[str(props[key])]
        for name, value in held.items():
            want = props[name]
            if want is None or value is None:
                assert want is None and value is None, (props[key], name, want, value)
            else:
                assert value == pytest.approx(want, rel=1e-9), (props[key], name, want, value)
            compared += 1
    return compared


def test_qgis_loads_every_collection_as_the_csv_export_counts_it(app: Flask, server: str) -> None:
    """QGIS 3.22 adds all five collections for an analyst (period in the root URL's query, as
    docs/ogc.md says): lon/lat CRS, the CSV export's feature counts, counts typed Integer and
    rates Real, and every number equal to the API's for the same feature."""
    name, token = _token_of(app, "analyst")
    period = "datetime=2025-07/2025-09"  # searches are held for July: no collection empty
    layers = _qgis(f"{server}?{period}", name, token, *ALL)
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    for cid in ALL:
        layer = layers[cid]
        csv_text = client.get(
            API_OF[cid] + "from=2025-07&to=2025-09&format=csv", headers=headers
        ).get_data(as_text=True)
        rows = len(list(csv.DictReader(io.StringIO(csv_text))))
        assert rows > 0, cid
        assert layer["valid"] and layer["count"] == layer["read"] == rows, (cid, layer["count"])
        assert layer["crs"] == "EPSG:4326", cid
        types = layer["types"]
        assert all(types[f] == "Integer" for f in INTEGER_FIELDS[cid]), (cid, types)
        assert all(types[f] == "Real" for f in REAL_FIELDS.get(cid, ())), (cid, types)
        api = _get(client, API_OF[cid] + "from=2025-07&to=2025-09", headers)["features"]
        assert _same_numbers(layer["values"], api, ID_OF.get(cid, "event_id")) >= rows


def test_qgis_keeps_a_share_that_is_whole_in_its_first_features(app: Flask, server: str) -> None:
    """QGIS 3.22 types a field from the first 10 features it reads. With eps_m=60 and
    min_samples=4 the demo's 19 biggest hotspots are each on one point (colocation_share 1)
    and later ones are not (0.8, 0.6): written ``1`` the field was typed Integer and every
    later share read NULL; written ``1.0`` (the column's type: hotspots.export.jsonvalues)
    it is Real and every share arrives."""
    name, token = _token_of(app, "analyst")
    query = "eps_m=60&min_samples=4"
    layers = _qgis(f"{server}?{query}", name, token, "hotspots")
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    api = _get(client, f"/api/v1/hotspots?{query}", headers)["features"]
    shares = [f["properties"]["colocation_share"] for f in api]
    assert set(shares[:10]) == {1} and min(shares) < 1  # the case: whole first, fractions later
    assert layers["hotspots"]["types"]["colocation_share"] == "Real"
    assert layers["hotspots"]["read"] == len(api)
    _same_numbers(layers["hotspots"]["values"], api, "hotspot_id")


def test_ogc_hotspots_record_the_parameters_the_analysis_used(app: Flask) -> None:
    """The items' ``metadata.parameters`` give the radius and core count used and why (as
    /api/v1/hotspots records them), not only ``auto`` as asked."""
    client, headers = app.test_client(), _headers(app, "analyst")
    ogc = _get(client, "/ogc/collections/hotspots/items", headers)["metadata"]["parameters"]
    api = _get(client, "/api/v1/hotspots", headers)["metadata"]["parameters"]
    for key in ("eps_m", "eps_m_reason", "min_samples", "min_samples_reason"):
        assert ogc[key] == api[key], key
    assert isinstance(ogc["eps_m"], int | float) and ogc["requested_eps_m"] == "auto"
    tuned = _get(client, "/ogc/collections/hotspots/items?eps_m=400&min_samples=8", headers)
    assert (
        tuned["metadata"]["parameters"]["eps_m"],
        tuned["metadata"]["parameters"]["min_samples"],
    ) == (400, 8)


def test_ogc_no_data_months_agree_with_the_map_and_the_api(
    app: Flask, client_for: ClientFor
) -> None:
    """OGC worked out a layer's missing months with its own code; it now takes the shared
    rule (:func:`hotspots.export.events.no_data_months`). For Jun-Sep 2025, where the demo
    holds stop-and-search for July only, OGC, the events API and the map's figure agree."""
    client, headers = app.test_client(), _headers(app, "analyst")
    months = ["2025-06", "2025-07", "2025-08", "2025-09"]
    page = _get(client, "/ogc/collections/searches/items?datetime=2025-06/2025-09", headers)
    ogc = page["metadata"]["parameters"]["no_data_months"]
    api = _get(client, "/api/v1/events?from=2025-06&to=2025-09&layer=search", headers)
    the_map = client_for("analyst").get("/map.json?from=2025-06&to=2025-09").get_json()
    figure = the_map["figures"]["search"]
    the_map = [m for m in months if m not in figure["months_held"]]
    assert ogc == api["metadata"]["extra"]["no_data_months"]["search"] == the_map
    assert ogc == ["2025-06", "2025-08", "2025-09"]
    page = _get(client, "/ogc/collections/offences/items?datetime=2025-06/2025-09", headers)
    assert page["metadata"]["parameters"]["no_data_months"] == []
