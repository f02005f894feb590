"""The analyst API (``/api/v1``): every endpoint and format, the one error shape, equality with
the CLI for the same filters, bbox filtering checked by hand, and schemathesis against the
OpenAPI document (no server error on any generated input)."""

from __future__ import annotations

import gc
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyarrow.parquet as pq
import pyogrio
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from hotspots.cli import main
from hotspots.render import external_urls
from tests.accounts import ensure_user, sign_in
from tests.helpers import AppFactory
from web import api, openapi

AUTUMN = "from=2025-09&to=2025-11"
CLI_AUTUMN = ["--from", "2025-09", "--to", "2025-11"]


# ``app``: the shared demo app (tests/conftest.py), whose analysis cache serves the many requests
# below; ``client``: an analyst's client of it.


def test_the_api_is_registered_by_create_app(app: Flask) -> None:
    assert "api" in app.blueprints


def comparable(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the CLI and the API must both give them: the web scores parameters on
    every stored month (the CLI up to the period's end), and test timings differ."""
    out = {k: v for k, v in parameters.items() if k != "parameter_score"}
    out["significance"] = {k: v for k, v in out["significance"].items() if k != "seconds"}
    return out


def assert_error(response: Any, field: str, value: str) -> dict[str, Any]:
    """The one JSON error shape, naming the field and the value."""
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"status", "message", "field", "value", "expected"}
    assert error["status"] == 400
    assert (error["field"], error["value"]) == (field, value)
    assert error["expected"]
    return dict(error)


def geojson(client: FlaskClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    data: dict[str, Any] = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    assert data["metadata"]["data_version"] == response.headers["X-Data-Version"] != ""
    return data


# -- JSON endpoints ---------------------------------------------------------------------------


def test_meta_describes_the_store(client: FlaskClient, demo_store_path: Path) -> None:
    response = client.get("/api/v1/meta")
    assert response.status_code == 200
    data = response.get_json()
    version = json.loads((demo_store_path / "manifest.json").read_text())["version"]
    assert data["data_version"] == data["metadata"]["data_version"] == version
    assert response.headers["X-Data-Version"] == version
    assert data["metadata"]["parameters"] == {}
    assert data["months"][0] == "2025-01" and data["months"][-1] == "2025-12"
    assert {k: v["events"] for k, v in data["layers"].items()} == {
        "offence": 2689,
        "search": 153,
        "raid": 150,
    }
    assert data["layers"]["raid"]["synthetic_events"] == 150
    assert data["layers"]["raid"]["categories"]["supply"] == 55
    assert data["ward_vintage"] == "WD23"
    assert data["boundaries"]["wards"]["features"] == 120
    assert sum(d["wards"] for d in data["districts"]) == 120
    assert data["settings"]["formats"] == ["geojson", "gpkg", "csv", "parquet"]


def test_periods_lists_months_default_and_presets(client: FlaskClient) -> None:
    data = client.get("/api/v1/periods").get_json()
    assert len(data["months"]) == 12
    assert data["default"] == {"from": "2025-10", "to": "2025-12"}  # the map's default
    labels = [p["label"] for p in data["presets"]]
    assert "Last 3 months" in labels and "Calendar year 2025" in labels
    assert data["metadata"]["data_version"]


# -- GeoJSON and file formats -----------------------------------------------------------------


def test_wards_geojson_records_period_parameters_and_version(client: FlaskClient) -> None:
    data = geojson(client, f"/api/v1/wards?{AUTUMN}")
    assert len(data["features"]) == 120
    meta = data["metadata"]
    assert meta["period"] == "Sep–Nov 2025"
    assert meta["extra"]["request"] == {"from": "2025-09", "to": "2025-11"}
    assert meta["extra"]["compare_to"] == "Jun–Aug 2025"
    assert "min_samples" in meta["parameters"]
    assert meta["synthetic"] is True  # raid counts come from synthetic raids
    assert "crs" not in data
    assert sum(f["properties"]["offence_count"] for f in data["features"]) == 1125


def test_wards_filtered_by_district(client: FlaskClient) -> None:
    data = geojson(client, f"/api/v1/wards?{AUTUMN}&district=E06000031")
    districts = {f["properties"]["district_code"] for f in data["features"]}
    assert districts == {"E06000031"}
    both = geojson(client, f"/api/v1/wards?{AUTUMN}&district=E06000031,E07000011")
    again = geojson(client, f"/api/v1/wards?{AUTUMN}&district=E06000031&district=E07000011")
    assert len(both["features"]) == len(again["features"]) > len(data["features"])


@pytest.mark.parametrize("endpoint", ["wards", "hotspots", "events"])
def test_every_file_format(client: FlaskClient, endpoint: str, tmp_path: Path) -> None:
    url = f"/api/v1/{endpoint}?{AUTUMN}"
    n = len(geojson(client, url)["features"])
    assert n > 0
    for fmt, mimetype in api.openapi.MEDIA.items():
        response = client.get(f"{url}&format={fmt}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        version = response.headers["X-Data-Version"]
        meta = json.loads(response.headers["X-Hotspots-Metadata"])
        assert meta["data_version"] == version and meta["period"] == "Sep–Nov 2025"
        if fmt == "geojson":
            continue
        assert response.headers["Content-Disposition"].startswith("attachment")
        path = tmp_path / f"out.{fmt}"
        path.write_bytes(response.data)
        if fmt == "csv":
            text = response.get_data(as_text=True)
            assert text.splitlines()[0].endswith("lon,lat,wkt")
            assert len(text.splitlines()) == n + 1
        elif fmt == "parquet":
            table = pq.read_table(path)
            assert table.num_rows == n
            assert json.loads(table.schema.metadata[b"hotspots"])["data_version"] == version
            assert gpd.read_parquet(path).crs.to_epsg() == 27700
        else:
            layers = [name for name, _ in pyogrio.list_layers(path)]
            assert "metadata" in layers
            rows = sum(
                len(gpd.read_file(path, layer=name))
                for name in layers
                if name not in ("metadata", "layer_styles")
            )
            assert rows == n


def test_events_gpkg_has_one_layer_per_event_layer(client: FlaskClient, tmp_path: Path) -> None:
    july = "from=2025-07&to=2025-07"  # the demo holds searches for July only
    response = client.get(f"/api/v1/events?{july}&layer=raid&layer=search&format=gpkg")
    path = tmp_path / "events.gpkg"
    path.write_bytes(response.data)
    names = sorted(name for name, _ in pyogrio.list_layers(path))
    assert names == ["layer_styles", "metadata", "raid", "search"]


def test_events_filters(client: FlaskClient) -> None:
    everything = geojson(client, f"/api/v1/events?{AUTUMN}")["features"]
    months = {f["properties"]["month"] for f in everything}
    assert months == {"2025-09", "2025-10", "2025-11"}
    raids = geojson(client, f"/api/v1/events?{AUTUMN}&layer=raid")
    assert {f["properties"]["layer"] for f in raids["features"]} == {"raid"}
    assert raids["metadata"]["parameters"]["layers"] == ["raid"]
    assert raids["metadata"]["synthetic"] is True
    supply = geojson(client, f"/api/v1/events?{AUTUMN}&category=supply")["features"]
    expected = [f for f in everything if f["properties"]["category"] == "supply"]
    assert len(supply) == len(expected) > 0
    ward = everything[0]["properties"]["ward_code"]
    in_ward = geojson(client, f"/api/v1/events?{AUTUMN}&ward={ward}")["features"]
    assert len(in_ward) == sum(f["properties"]["ward_code"] == ward for f in everything)
    district = everything[0]["properties"]["district_code"]
    in_district = geojson(client, f"/api/v1/events?{AUTUMN}&district={district}")["features"]
    assert len(in_district) == sum(f["properties"]["district_code"] == district for f in everything)
    offences_only = geojson(client, f"/api/v1/events?{AUTUMN}&layer=offence")["features"]
    assert not any(f["properties"]["synthetic"] for f in offences_only)


def test_events_bbox_checked_by_hand(client: FlaskClient) -> None:
    everything = geojson(client, f"/api/v1/events?{AUTUMN}")["features"]
    lon, lat = everything[0]["geometry"]["coordinates"]
    box = (lon - 0.01, lat - 0.005, lon + 0.01, lat + 0.005)
    inside = [
        f["properties"]["event_id"]
        for f in everything
        if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
        and box[1] <= f["geometry"]["coordinates"][1] <= box[3]
    ]
    assert 0 < len(inside) < len(everything)
    bbox = ",".join(f"{v:.6f}" for v in box)
    got = geojson(client, f"/api/v1/events?{AUTUMN}&bbox={bbox}")
    assert sorted(f["properties"]["event_id"] for f in got["features"]) == sorted(inside)
    assert got["metadata"]["parameters"]["bbox"] == [float(v) for v in bbox.split(",")]
    north_sea = geojson(client, f"/api/v1/events?{AUTUMN}&bbox=2.0,53.5,2.1,53.6")
    assert north_sea["features"] == []


def test_hotspots_bbox_ward_and_district(client: FlaskClient) -> None:
    url = f"/api/v1/hotspots?{AUTUMN}&eps_m=150&min_samples=9"
    everything = geojson(client, url)["features"]
    assert len(everything) == 10
    first = everything[0]
    lon, lat = first["geometry"]["coordinates"][0][0]  # a vertex of the rank-1 polygon
    near = geojson(client, f"{url}&bbox={lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}")
    assert 1 in [f["properties"]["rank"] for f in near["features"]]
    assert geojson(client, f"{url}&bbox=2.0,53.5,2.1,53.6")["features"] == []
    ward = first["properties"]["ward_code"]
    in_ward = geojson(client, f"{url}&ward={ward}")["features"]
    assert [f["properties"]["rank"] for f in in_ward] == [
        f["properties"]["rank"] for f in everything if ward in f["properties"]["wards"].split(";")
    ]
    district = first["properties"]["district_code"]
    in_district = geojson(client, f"{url}&district={district}")["features"]
    assert {f["properties"]["district_code"] for f in in_district} == {district}
    assert len(in_district) == sum(f["properties"]["district_code"] == district for f in everything)


# -- the same answers as the CLI --------------------------------------------------------------


def test_hotspots_equal_the_cli(
    client: FlaskClient, demo_store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = ["analyse", *CLI_AUTUMN, "--eps-m", "150", "--min-samples", "9", "--json"]
    assert main([*args, "--top", "1000", "--store", str(demo_store_path)]) == 0
    cli = json.loads(capsys.readouterr().out)
    got = geojson(client, f"/api/v1/hotspots?{AUTUMN}&eps_m=150&min_samples=9")
    props = [f["properties"] for f in got["features"]]
    keys = ("rank", "offences", "ward_code", "district_code", "searches", "raids")
    assert [tuple(p[k] for k in keys) for p in props] == [
        tuple(h[k] for k in keys) for h in cli["hotspots"]
    ]
    assert comparable(got["metadata"]["parameters"]) == comparable(cli["metadata"]["parameters"])
    assert got["metadata"]["data_version"] == cli["metadata"]["data_version"]


def test_wards_equal_the_cli_export(
    client: FlaskClient, demo_store_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "wards.geojson"
    args = ["export", "wards", *CLI_AUTUMN, "--format", "geojson", "-o", str(out)]
    assert main([*args, "--store", str(demo_store_path)]) == 0
    cli = json.loads(out.read_text(encoding="utf-8"))
    got = geojson(client, f"/api/v1/wards?{AUTUMN}")
    assert [f["properties"] for f in got["features"]] == [f["properties"] for f in cli["features"]]
    assert [f["geometry"] for f in got["features"]] == [f["geometry"] for f in cli["features"]]
    assert comparable(got["metadata"]["parameters"]) == comparable(cli["metadata"]["parameters"])


def test_events_equal_the_cli_export(
    client: FlaskClient, demo_store_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "events.geojson"
    args = ["export", "events", *CLI_AUTUMN, "--layers", "raid", "search"]
    args += ["--format", "geojson", "-o", str(out)]
    assert main([*args, "--store", str(demo_store_path)]) == 0
    cli = {f["properties"]["event_id"]: f for f in json.loads(out.read_text())["features"]}
    got = geojson(client, f"/api/v1/events?{AUTUMN}&layer=raid,search")
    api_events = {f["properties"]["event_id"]: f for f in got["features"]}
    assert api_events.keys() == cli.keys()
    for event_id, feature in api_events.items():
        assert feature["geometry"] == cli[event_id]["geometry"]
        expected = cli[event_id]["properties"]
        assert {k: v for k, v in feature["properties"].items() if k in expected} == expected


# -- errors: 400 in the one shape --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field", "value"),
    [
        ("/api/v1/wards?from=2025-13", "from", "2025-13"),
        ("/api/v1/wards?from=2025-11&to=2025-09", "from", "2025-11"),
        ("/api/v1/wards?from=2019-01&to=2019-02", "from", "2019-01"),
        ("/api/v1/wards?format=shp", "format", "shp"),
        ("/api/v1/wards?district=E99999999", "district", "E99999999"),
        ("/api/v1/wards?bbox=0,0,1,1", "bbox", "0,0,1,1"),  # not a wards parameter
        ("/api/v1/wards?from=2025-01&from=2025-02", "from", "2025-01,2025-02"),
        ("/api/v1/hotspots?eps_m=5", "eps_m", "5"),
        ("/api/v1/hotspots?eps_m=nan", "eps_m", "nan"),
        ("/api/v1/hotspots?min_samples=1.5", "min_samples", "1.5"),
        ("/api/v1/hotspots?ward=E05000000", "ward", "E05000000"),
        ("/api/v1/hotspots?bbox=1,2,3", "bbox", "1,2,3"),
        ("/api/v1/hotspots?bbox=1,2,0,3", "bbox", "1,2,0,3"),
        ("/api/v1/hotspots?bbox=0,91,1,92", "bbox", "0,91,1,92"),
        ("/api/v1/hotspots?bbox=a,b,c,d", "bbox", "a,b,c,d"),
        ("/api/v1/hotspots?bbox=0,0,inf,1", "bbox", "0,0,inf,1"),
        ("/api/v1/events?layer=burglary", "layer", "burglary"),
        ("/api/v1/events?layer=raid,x", "layer", "x"),
        ("/api/v1/events?category=Burglary", "category", "Burglary"),
        ("/api/v1/events?format=xlsx", "format", "xlsx"),
        ("/api/v1/events?eps_m=150", "eps_m", "150"),
        ("/api/v1/meta?x=1", "x", "1"),
    ],
)
def test_bad_parameters_give_400_in_one_shape(
    client: FlaskClient, url: str, field: str, value: str
) -> None:
    response = client.get(url)
    assert_error(response, field, value)
    assert response.headers["X-Data-Version"]


def test_unknown_api_route_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


# -- the OpenAPI document and its docs page -----------------------------------------------------


def test_openapi_document_describes_every_endpoint(client: FlaskClient, app: Flask) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert rules == set(doc["paths"])
    hotspots = doc["paths"]["/api/v1/hotspots"]["get"]
    params = {p["name"]: p for p in hotspots["parameters"]}
    assert params["from"]["schema"]["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$"
    assert params["format"]["schema"]["enum"] == ["geojson", "gpkg", "csv", "parquet"]
    assert set(hotspots["responses"]) >= {"200", "400"}
    assert "application/geo+json" in hotspots["responses"]["200"]["content"]
    description = doc["info"]["description"]
    assert "analysts and admins only" in description and "docs/roles.md" in description
    assert "later release" not in json.dumps(doc)  # access control is here (issue 12)
    assert "analysts and admins only" in doc["paths"]["/api/v1/events"]["get"]["description"]


def test_docs_page_is_generated_accessible_and_offline(client: FlaskClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert external_urls(html) == []
    # no inline script (strict CSP): only the site's own files, e.g. /static/busy.js
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    for path in ("/api/v1/meta", "/api/v1/periods", "/api/v1/wards", "/api/v1/hotspots"):
        assert f"GET {path}</code>" in html
    assert "<h1>" in html and "<caption>" in html and 'scope="col"' in html
    assert "analysts and admins only" in html and "later release" not in html
    assert 'href="/api/v1/hotspots?from=' in html


# -- schemathesis: no server error on any generated input ------------------------------------


# The document as served, less its examples (the store's latest months): the served one is
# checked against it below. (schemathesis.pytest.from_fixture fails on pytest 9.2: it reads
# the removed ``Function._nodeid``; a schema built at import time avoids the lazy loader.)
schema = schemathesis.openapi.from_dict(openapi.document("2025-10", "2025-12"))


def test_the_served_document_is_the_one_tested(client: FlaskClient) -> None:
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == json.loads(json.dumps(openapi.document("2025-10", "2025-12")))


@pytest.fixture(scope="module")
def sso_app(app_factory: AppFactory) -> Flask:
    """The app behind a single sign-on proxy that names the user in ``X-Remote-User`` (the
    werkzeug client schemathesis drives drops Cookie headers, so roles come this way)."""
    return app_factory(TESTING=True, TRUSTED_USER_HEADER="X-Remote-User")


@pytest.fixture(scope="module")
def role_headers(sso_app: Flask) -> dict[str, dict[str, str]]:
    """The proxy's header per role (none for an anonymous caller)."""
    out: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ("analyst", "officer", "commissioner", "admin"):
        out[role] = {"X-Remote-User": ensure_user(sso_app, role)}
    return out


#: Paths a role may not read (403), besides everything for an anonymous caller (401).
FORBIDDEN = {"officer": {"/api/v1/events"}, "commissioner": {"/api/v1/events"}}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.parametrize("role", ["analyst", "officer", "commissioner", "admin", "anonymous"])
def test_no_server_error_on_any_generated_input(
    case: Any, sso_app: Flask, role: str, role_headers: dict[str, dict[str, str]]
) -> None:
    """Every role (and no role) gets answers, never a server error."""
    response = case.call_and_validate(
        app=sso_app, headers=role_headers[role], checks=[not_a_server_error]
    )
    # Schemathesis also tries other methods: Flask answers OPTIONS itself, the rest get 405.
    method = case.method.upper()
    expected = {"GET": (200, 400), "HEAD": (200, 400), "OPTIONS": (200,)}.get(method, (405,))
    if method in ("GET", "HEAD"):
        if role == "anonymous":
            expected = (401,)
        elif case.path in FORBIDDEN.get(role, ()):
            expected = (403,)
        elif role == "officer" and case.query and {"district", "ward"} & set(case.query):
            expected = (200, 400, 403)  # 403 for an area outside the officer's own
    assert response.status_code in expected, (role, case.method, case.path, response.text)
    if response.status_code != 200 and method != "HEAD":
        assert set(json.loads(response.text)["error"]) >= {"status", "message"}


def test_downloads_leave_no_temporary_files(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a temporary folder of this test's own: others' downloads (tests of other checkouts on one
    # machine) come and go in the shared one and made this fail now and then
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = client.get(f"/api/v1/events?{AUTUMN}&format=csv")
    body = io.BytesIO(response.data)
    assert body.getvalue()
    response.close()
    assert list(tmp_path.glob("hotspots-api-*")) == []  # no file left behind


def test_head_and_unread_downloads_close_their_file(client: FlaskClient) -> None:
    # filterwarnings = error turns an unclosed temporary file (ResourceWarning) into a failure.
    head = client.head(f"/api/v1/events?{AUTUMN}&format=csv")
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) > 0
    unread = client.get(f"/api/v1/wards?{AUTUMN}&format=parquet", buffered=False)
    unread.close()
    gc.collect()


def test_answers_carry_an_etag_and_a_repeat_gets_304(client: FlaskClient, app: Flask) -> None:
    url = f"/api/v1/hotspots?{AUTUMN}&format=csv"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(f"/api/v1/hotspots?{AUTUMN}&format=geojson", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    officer = sign_in(app.test_client(), "officer")
    theirs = officer.get(url, headers={"If-None-Match": etag})
    assert theirs.status_code == 200 and theirs.headers["ETag"] != etag  # what they may see
    anonymous = app.test_client().get(url, headers={"If-None-Match": etag})
    assert anonymous.status_code == 401  # a known ETag never skips the sign-in check
    assert client.get("/api/v1/hotspots?from=2025-13").headers.get("ETag") is None  # errors: none
