"""The Flask app through its test client: every route, every error, caching, escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hotspots.cli import main
from hotspots.dates import month_words
from hotspots.render import external_urls
from tests.accounts import sign_in
from tests.helpers import STREET_HEADER, AppFactory, ingest_republished_july, street_row
from web.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]

# ``client``: an analyst's client of the shared demo app (tests/conftest.py).


def test_every_setting_is_documented_in_docs_settings() -> None:
    reference = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`HOTSPOTS_{s.name}`" not in reference]
    assert missing == []


def test_configuration_layers(app_factory: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTSPOTS_CACHE_SIZE", "7")
    monkeypatch.setenv("HOTSPOTS_PROTECTIVE_MARKING", "OFFICIAL-SENSITIVE")
    app = app_factory()
    assert app.config["CACHE_SIZE"] == 7  # JSON-parsed from the environment
    assert app.config["PROTECTIVE_MARKING"] == "OFFICIAL-SENSITIVE"
    assert app.config["DEFAULT_MONTHS"] == 3  # default: a quarter against the one before
    assert app_factory(CACHE_SIZE=3).config["CACHE_SIZE"] == 3
    with pytest.raises(ValueError, match="TILE_ATTRIBUTION is not"):
        app_factory(TILE_URL="https://tiles.test/{z}/{x}/{y}.png")


def test_map_page_defaults_to_the_last_quarter_with_its_comparison(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # was Jan-Dec 2025, a year with nothing before it: "no data for the comparison period"
    assert "Drug hotspots, Oct–Dec 2025" in html
    assert 'src="/map/frame?from=2025-10&amp;to=2025-12' in html
    assert "no data for the comparison period" not in html
    assert "against Jul–Sep 2025" in html  # the top hotspots' change and the ward movers
    assert "OFFICIAL" in html  # protective marking
    assert "Open Government Licence v3.0" in html


def test_the_period_in_the_url_changes_what_is_shown(client: FlaskClient) -> None:
    autumn = client.get("/?from=2025-09&to=2025-11").get_data(as_text=True)
    spring = client.get("/?from=2025-03&to=2025-05").get_data(as_text=True)
    assert "Drug hotspots, Sep–Nov 2025" in autumn
    assert "90% more drug offences in Sep–Nov 2025 than in Jun–Aug 2025 (1,125 vs 593)" in autumn
    assert "Drug hotspots, Mar–May 2025" in spring
    frame_a = client.get("/map/frame?from=2025-09&to=2025-11").get_data(as_text=True)
    frame_b = client.get("/map/frame?from=2025-03&to=2025-05").get_data(as_text=True)
    assert frame_a != frame_b


def test_json_twin_records_period_and_parameters(client: FlaskClient) -> None:
    data = client.get("/map.json?from=2025-09&to=2025-11&eps_m=150&min_samples=9").get_json()
    assert data["metadata"]["period"] == "Sep–Nov 2025"
    assert data["metadata"]["parameters"]["eps_m"] == 150
    assert data["totals"]["offence_count"] == 1125
    assert len(data["hotspots"]) > 0


def test_map_frame_needs_nothing_from_another_host(client: FlaskClient) -> None:
    html = client.get("/map/frame?from=2025-09&to=2025-11&offences=clusters").get_data(as_text=True)
    assert external_urls(html) == []
    local = set(re.findall(r'(?:src|href)="(/static/vendor/[^"]+)"', html))
    assert local, "the map must load Leaflet from the app"
    for path in local:
        with client.get(path) as asset:  # close the file the response streams
            assert asset.status_code == 200, path
            assert asset.headers["Cache-Control"] == "public, max-age=31536000"


@pytest.mark.parametrize(
    ("url", "field", "value"),
    [
        ("/?from=2025-13&to=2025-12", "from", "2025-13"),
        ("/?from=2025-06&to=2025-01", "from", "2025-06"),
        ("/?from=2024-01&to=2025-01", "from", "2024-01"),
        ("/?measure=rainbow", "measure", "rainbow"),
        ("/?offences=every", "offences", "every"),
        ("/?raids=maybe", "raids", "maybe"),
        ("/?eps_m=5", "eps_m", "5"),
        ("/?min_samples=many", "min_samples", "many"),
        ("/compare?from2=2025-00", "from2", "2025-00"),
    ],
)
def test_bad_parameters_are_400_naming_field_and_value(
    client: FlaskClient, url: str, field: str, value: str
) -> None:
    page = client.get(url)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    # the page names a month as its form lists it ("Jun 2025"; hotspots.dates), JSON as sent
    assert f"<code>{field}</code>" in html and f"<code>{month_words(value)}</code>" in html
    assert "Traceback" not in html
    machine = client.get(url.replace("/?", "/map.json?").replace("/compare?", "/map.json?"))
    if url.startswith("/compare"):
        return  # from2 belongs to the compare page only
    assert machine.status_code == 400
    error = machine.get_json()["error"]
    assert error["status"] == 400
    assert (error["field"], error["value"]) == (field, value)
    assert error["expected"]


def test_unknown_routes_are_404(client: FlaskClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404
    assert api.get_json() == {"error": {"status": 404, "message": "No such page."}}


def test_a_server_error_shows_no_stack_trace(app_factory: AppFactory, tmp_path: Path) -> None:
    broken = tmp_path / "store"
    broken.mkdir()
    (broken / "manifest.json").write_text("{ not json")
    app = app_factory(broken)
    response = sign_in(app.test_client()).get("/")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "JSONDecodeError" not in html
    assert "problem with the service" in html


def test_etag_gives_304_on_repeat(client: FlaskClient) -> None:
    first = client.get("/?from=2025-09&to=2025-11")
    etag = first.headers["ETag"]
    again = client.get("/?from=2025-09&to=2025-11", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/?from=2025-08&to=2025-11", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_a_new_ingest_changes_the_etag(
    app_factory: AppFactory, demo_store_copy: Path, tmp_path: Path
) -> None:
    store = demo_store_copy
    client = sign_in(app_factory(store).test_client())
    before = client.get("/?from=2025-09&to=2025-11").headers["ETag"]
    assert ingest_republished_july(store, tmp_path) == 0  # a re-published month: new version
    after = client.get("/?from=2025-09&to=2025-11").headers["ETag"]
    assert before != after


def test_compare_page_and_frame(client: FlaskClient) -> None:
    page = client.get("/compare?from=2025-09&to=2025-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Compare Sep–Nov 2025 with Jun–Aug 2025" in html
    assert "Werrington" in html  # the ward with the biggest change
    frame_url = re.search(r'src="(/compare/frame\?[^"]+)"', html).group(1).replace("&amp;", "&")
    frame = client.get(frame_url)
    assert frame.status_code == 200
    assert external_urls(frame.get_data(as_text=True)) == []
    explicit = client.get("/compare?from=2025-10&to=2025-12&from2=2025-01&to2=2025-03")
    assert "Compare Oct–Dec 2025 with Jan–Mar 2025" in explicit.get_data(as_text=True)


def test_vendored_assets_cannot_escape_their_folder(client: FlaskClient) -> None:
    for path in ("/static/vendor/../../../cli.py", "/static/vendor/%2e%2e/%2e%2e/cli.py"):
        with client.get(path) as response:
            assert response.status_code == 404


def test_text_from_data_is_escaped_everywhere(app_factory: AppFactory, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    evil_ward = '<script>alert("ward")</script>'
    evil_place = "<img src=x onerror=alert(1)>"
    wards = gpd.GeoDataFrame(
        {
            "WD24CD": ["E05000001"],
            "WD24NM": [evil_ward],
            "LAD24CD": ["E07000001"],
            "LAD24NM": ["Shire"],
        },
        geometry=[box(500000, 200000, 502000, 201000)],
        crs="EPSG:27700",
    )
    wards.to_file(tmp_path / "wards.gpkg")
    wards.to_file(tmp_path / "area.gpkg")
    rows = [",".join(street_row(f"c{i}", 500500, 200500, location=evil_place)) for i in range(6)]
    street = tmp_path / "2025-01-evil-street.csv"
    street.write_text("\n".join([STREET_HEADER, *rows]) + "\n")
    store = tmp_path / "store"
    assert (
        main(
            [
                "ingest",
                str(street),
                "--wards",
                str(tmp_path / "wards.gpkg"),
                "--force-area",
                str(tmp_path / "area.gpkg"),
                "--store",
                str(store),
            ]
        )
        == 0
    )
    client = sign_in(app_factory(store).test_client())
    query = "from=2025-01&to=2025-01&eps_m=150&min_samples=2"
    for url in (
        f"/?{query}",
        f"/map/frame?{query}",
        f"/compare?{query}&from2=2025-01&to2=2025-01",
        f"/compare/frame?{query}&from2=2025-01&to2=2025-01",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(" not in html, url
        assert "<img src=x" not in html, url
    page = client.get(f"/?{query}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # shown, as text


def test_cache_computes_a_missing_key_once_for_concurrent_requests() -> None:
    import threading
    import time

    from web.data import LRUCache

    cache = LRUCache(size=2)
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "value"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_make("k", slow)))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 5 and len(calls) == 1
    cache.get_or_make("a", lambda: "A")
    cache.get_or_make("b", lambda: "B")  # size 2: "k" is the least recently used, evicted
    assert cache.get_or_make("k", lambda: "again") == "again"
