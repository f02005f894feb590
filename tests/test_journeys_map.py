"""The map journeys (issue 14): defaults that work, an officer's own area, honest emptiness,
downloads of the current view, the API docs and the keyboard on the map.

Stores: the shared demo store and the demo store without May 2025 (``tests/test_gaps.py``'s
builders), so "no menu link leads to an error" is asserted on a store with a gap too: every menu
link, map frame and form sent as it stands, for every role (``tests/crawl.py``; on subsets of the
shared real data: ``tests/test_journeys_real_stores.py``).
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import client_as, sign_in
from tests.crawl import menu_links, walk
from tests.helpers import AppFactory
from tests.test_gaps import APP_CONFIG

ROLES = ("public", "officer", "commissioner", "analyst", "admin")


@pytest.fixture(scope="module")
def apps(app_factory: AppFactory, gap_store: Path) -> dict[str, Flask]:
    """One app per store (analyses shared by every role), ``PUBLIC_MODE`` on for the public."""
    config = {**APP_CONFIG, "PUBLIC_MODE": True}
    return {
        "demo": app_factory(**config),
        "gap": app_factory(gap_store, **config),
    }


def client_of(app: Flask, role: str) -> FlaskClient:
    """A client of ``app`` signed in as ``role`` (public: anonymous)."""
    return client_as(app, None if role == "public" else role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["demo", "gap"])
def test_no_menu_link_leads_to_an_error(role: str, which: str, apps: dict[str, Flask]) -> None:
    client = client_of(apps[which], role)
    statuses = walk(client)
    assert "/compare" in statuses and len(statuses) > 3, statuses
    bad = {url: status for url, status in statuses.items() if status >= 400}
    assert not bad, bad


@pytest.fixture(scope="module")
def demo_app(app_factory: AppFactory) -> Flask:
    return app_factory(**APP_CONFIG)


def test_the_default_view_has_its_comparison(demo_app: Flask) -> None:
    client = sign_in(demo_app.test_client(), "analyst")
    page = client.get("/").get_data(as_text=True)
    assert "Drug hotspots, Oct–Dec 2025" in page and "no data for the comparison" not in page
    compare = client.get("/compare")
    assert compare.status_code == 200
    text = compare.get_data(as_text=True)
    assert "Compare Oct–Dec 2025 with Jul–Sep 2025" in text


def test_compare_presets_offer_only_periods_whose_previous_is_held(demo_app: Flask) -> None:
    client = sign_in(demo_app.test_client(), "analyst")
    links = menu_links(client.get("/compare").get_data(as_text=True))
    presets = [u for u in links if u.startswith("/compare?")]
    assert presets  # the last 3 months (Jul-Sep held before them)
    for url in presets:
        query = parse_qs(urlsplit(url).query)
        assert query["from"][0] >= "2025-01", url
        assert client.get(url).status_code == 200, url
    # the last 12 months would compare with 2024, which the demo does not hold
    assert not any("from=2025-01&to=2025-12" in u for u in presets)


# -- an officer's own area ---------------------------------------------------------------------

_FIT = re.compile(r"fitBounds\(\s*\[\[([-0-9.]+),\s*([-0-9.]+)\],\s*\[([-0-9.]+),\s*([-0-9.]+)\]\]")


def _fitted(frame_html: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) the map opens on."""
    match = _FIT.search(frame_html)
    assert match, "the frame fits no bounds"
    return tuple(float(v) for v in match.groups())  # type: ignore[return-value]


def test_an_officer_opens_on_their_area_named_not_coded(demo_app: Flask) -> None:
    officer = sign_in(demo_app.test_client(), "officer")  # scope E07000008: Cambridge
    page = officer.get("/").get_data(as_text=True)
    assert "Drug hotspots in Cambridge, Oct–Dec 2025" in page
    assert "(officer: Cambridge)" in page
    assert "E07000008" not in page
    compare = officer.get("/compare").get_data(as_text=True)
    assert "Cambridge: compare Oct–Dec 2025" in compare and "E07000008" not in compare
    analyst = sign_in(demo_app.test_client(), "analyst")
    s, w, n, e = _fitted(officer.get("/map/frame").get_data(as_text=True))
    fs, fw, fn, fe = _fitted(analyst.get("/map/frame").get_data(as_text=True))
    assert fs <= s < n <= fn and fw <= w < e <= fe  # inside the force ...
    assert (n - s) * (e - w) < 0.05 * (fn - fs) * (fe - fw)  # ... and on Cambridge alone
    s2, w2, n2, e2 = _fitted(officer.get("/compare/frame").get_data(as_text=True))
    assert (n2 - s2) * (e2 - w2) < 0.05 * (fn - fs) * (fe - fw)
    # refused areas are named too
    refused = officer.get("/api/v1/wards?district=E07000010")
    assert refused.status_code == 403
    assert "Your area is Cambridge" in refused.get_data(as_text=True)


# -- downloads of the current view ------------------------------------------------------------

_LINK = re.compile(r'href="(/api/v1/(hotspots|wards|events)\?[^"]+)"')


def _downloads(page: str) -> dict[tuple[str, str], str]:
    out = {}
    for href, resource in _LINK.findall(page):
        href = htmllib.unescape(href)
        fmt = parse_qs(urlsplit(href).query)["format"][0]
        out[(resource, fmt)] = href
    return out


def test_the_map_offers_the_views_files_as_the_api_gives_them(demo_app: Flask) -> None:
    analyst = sign_in(demo_app.test_client(), "analyst")
    view = "/?from=2025-09&to=2025-11&eps_m=150&searches=1&raids=0"
    links = _downloads(analyst.get(view).get_data(as_text=True))
    formats = ("geojson", "gpkg", "csv")
    assert set(links) == {(r, f) for r in ("hotspots", "wards", "events") for f in formats}
    hotspots = parse_qs(urlsplit(links[("hotspots", "geojson")]).query)
    assert hotspots == {
        "from": ["2025-09"],
        "to": ["2025-11"],
        "eps_m": ["150"],
        "format": ["geojson"],
    }
    events = parse_qs(urlsplit(links[("events", "csv")]).query)
    assert events["layer"] == ["offence", "search"]  # raids are off in this view
    for href in links.values():
        assert analyst.get(href).status_code == 200, href
    features = analyst.get(links[("hotspots", "geojson")]).get_json()["features"]
    shown = analyst.get("/map.json?from=2025-09&to=2025-11&eps_m=150").get_json()
    assert [f["properties"]["rank"] for f in features] == [h["rank"] for h in shown["hotspots"]]
    assert [f["properties"]["offences"] for f in features] == [
        h["offences"] for h in shown["hotspots"]
    ]


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("officer", {"hotspots", "wards"}),
        ("commissioner", {"hotspots", "wards"}),
        ("public", {"wards"}),
    ],
)
def test_each_role_is_offered_the_downloads_it_may_have(
    apps: dict[str, Flask], role: str, offered: set[str]
) -> None:
    client = client_of(apps["demo"], role)
    links = _downloads(client.get("/").get_data(as_text=True))
    assert {r for r, _ in links} == offered  # no events without exact points
    for (_, fmt), href in links.items():
        if fmt != "gpkg":  # (GeoPackages: the analyst's test above)
            assert client.get(href).status_code == 200, href


def test_the_api_docs_are_rendered_current_and_use_the_maps_defaults(demo_app: Flask) -> None:
    analyst = sign_in(demo_app.test_client(), "analyst")
    html = analyst.get("/api/docs").get_data(as_text=True)
    assert "<strong>Who may call what.</strong>" in html and "<code>/api/v1/events</code>" in html
    assert "**" not in html and "later release" not in html
    assert 'href="/api/v1/hotspots?from=2025-10&amp;to=2025-12' in html  # the map's default


# -- honest emptiness ------------------------------------------------------------------------


def test_a_layer_without_data_says_so_on_the_map_and_in_tables(
    app_factory: AppFactory, demo_app: Flask
) -> None:
    analyst = sign_in(demo_app.test_client(), "analyst")
    autumn = analyst.get("/map/frame?from=2025-10&to=2025-12").get_data(as_text=True)
    assert "No data: no stop-and-search records held for Oct–Dec 2025." in autumn
    summer = analyst.get("/map/frame?from=2025-06&to=2025-08").get_data(as_text=True)
    # drawn (July's searches) and named with what is held: in the layer list and the key
    assert (
        '"Stop-and-searches for drugs, Jun\\u2013Aug 2025 (stop-and-search records held for '
        'Jul 2025 only)"' in summer
    )
    assert "Stop-and-search (stop-and-search records held for Jul 2025 only)" in summer
    page = analyst.get("/?from=2025-06&to=2025-08").get_data(as_text=True)
    assert "Searches nearby: no data (stop-and-search records held for Jul 2025 only)" in page
    # the public's suppressed ward counts are "no data" in the tooltips, never 0
    public = app_factory(**APP_CONFIG, PUBLIC_MODE=True)
    frame = public.test_client().get("/map/frame").get_data(as_text=True)
    assert ": no data" in frame and ": 0 drug offences" not in frame


@pytest.fixture(scope="module")
def no_raid_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Street files of Oct-Dec 2025 and Jul-Sep 2025, no raid or search file."""
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from hotspots.store import Store
    from tests.helpers import DEMO_AREA, DEMO_MONTHS, DEMO_STREET, DEMO_WARDS

    path = tmp_path_factory.mktemp("noraid") / "store"
    files = [DEMO_STREET[m] for m in DEMO_MONTHS[6:]]
    wards, area = read_wards([DEMO_WARDS]), read_force_area(DEMO_AREA)
    report = ingest(files, wards=wards, force_area=area, store=Store(path))
    assert report.reconciles()
    return path


def test_no_raid_records_held_is_said_not_drawn_empty(
    app_factory: AppFactory, no_raid_store: Path
) -> None:
    app = app_factory(no_raid_store, **APP_CONFIG)
    analyst = sign_in(app.test_client(), "analyst")
    frame = analyst.get("/map/frame").get_data(as_text=True)
    assert "No data: no raid records held." in frame
    page = analyst.get("/").get_data(as_text=True)
    assert "Raids nearby: no data (no raid records held)" in page
    assert "Drug hotspots, Oct–Dec 2025" in page and "against Jul–Sep 2025" in page


def test_each_role_is_offered_only_the_options_it_can_use(
    app_factory: AppFactory, demo_app: Flask
) -> None:
    officer = sign_in(demo_app.test_client(), "officer").get("/").get_data(as_text=True)
    assert 'value="heat"' in officer and 'value="clusters"' not in officer  # no exact points
    assert 'name="raids"' not in officer and 'name="searches"' not in officer
    analyst = sign_in(demo_app.test_client(), "analyst").get("/").get_data(as_text=True)
    assert 'value="clusters"' in analyst and 'name="raids"' in analyst
    public_app = app_factory(**APP_CONFIG, PUBLIC_MODE=True)
    public = public_app.test_client().get("/").get_data(as_text=True)
    assert 'name="offences"' not in public and 'name="eps_m"' not in public
