"""Web maps: every map the app makes renders offline, escaped, small and labelled.

The demo store is built once for the session; each map is rendered with :func:`render_html` and
checked for external URLs, vendored paths that exist, size, layers, escaping and attribution.
"""

from __future__ import annotations

import dataclasses
import html as htmllib
import math
import re

import folium
import geopandas as gpd
import pytest
from folium.plugins import Fullscreen, MarkerCluster

from hotspots import Analysis, Period, Store, analyse, schema
from hotspots.render import (
    ATTRIBUTION,
    VENDOR_DIR,
    OfflineError,
    TileConfig,
    asset_paths,
    compare_map,
    external_urls,
    period_map,
    render_html,
)
from hotspots.render import classes as cls
from hotspots.render.offline import CDN_TO_VENDORED

ASSETS = "/static/vendor"
MAX_PAGE_BYTES = 2 * 1024 * 1024
TILES = TileConfig(
    url="https://tiles.force.example/zoomstack/{z}/{x}/{y}.png",
    attribution="Contains OS data © Crown copyright and database right 2025",
    max_zoom=17,
)
PLANTED = '<script>alert("pwned")</script>'


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def force_area(demo_store: Store) -> gpd.GeoDataFrame:
    return demo_store.load_boundary("force_area")


@pytest.fixture(scope="module")
def year(demo_store: Store) -> Analysis:
    """The demo year (about 2,700 offences; no 2024 data, so no comparison)."""
    return analyse(demo_store, Period.calendar_year(2025))


@pytest.fixture(scope="module")
def autumn(demo_store: Store) -> Analysis:
    """Sep-Nov 2025, compared with Jun-Aug 2025."""
    return analyse(demo_store, Period.months("2025-09", "2025-11"))


@pytest.fixture(scope="module")
def summer(demo_store: Store) -> Analysis:
    return analyse(demo_store, Period.months("2025-06", "2025-08"))


@pytest.fixture(scope="module")
def planted(year: Analysis) -> Analysis:
    """The demo year with a script planted in a ward name, a location and a hotspot's place."""
    wards = year.wards.copy()
    wards.loc[wards.index[0], schema.WARD_NAME] = PLANTED
    events = year.events.copy()
    offence = events.index[(events[schema.LAYER] == "offence").to_numpy()][0]
    raid = events.index[(events[schema.LAYER] == "raid").to_numpy()][0]
    events.loc[[offence, raid], schema.LOCATION] = PLANTED
    events.loc[raid, "operation"] = PLANTED
    hotspots = year.hotspots.copy()
    hotspots.loc[hotspots.index[0], "top_location"] = PLANTED
    return dataclasses.replace(year, wards=wards, events=events, hotspots=hotspots)


def js_decoded(page: str) -> str:
    """``page`` with JavaScript ``\\uXXXX`` escapes decoded (layer names, JSON data)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def check_page(page: str) -> None:
    """What every page must satisfy: offline, existing assets, small, attributed, zoomable."""
    assert external_urls(page) == []
    paths = asset_paths(page, ASSETS)
    assert any(p.startswith("leaflet@1.9.3/leaflet.js") for p in paths)
    for path in paths:
        assert (VENDOR_DIR / path).is_file(), path
    # nothing else refers to /static/ (e.g. a folder we forgot to vendor)
    for match in re.finditer(r"/static/vendor/([^\"'\s)]+)", page):
        assert (VENDOR_DIR / match.group(1)).is_file(), match.group(0)
    assert len(page.encode()) < MAX_PAGE_BYTES
    for line in ATTRIBUTION:
        assert line in page
    assert '<html lang="en-GB">' in page
    assert "user-scalable=no" not in page
    assert "bootstrap" not in page.lower()
    assert "awesome" not in page.lower()


def check_escaped(page: str) -> None:
    # not in the page, nor in any script string once decoded: every copy is HTML-escaped
    for text in (page, js_decoded(page)):
        assert PLANTED not in text
        assert "<script>alert" not in text
    assert htmllib.escape(PLANTED, quote=True) in js_decoded(page)


# -- every period map ----------------------------------------------------------------------------


@pytest.mark.parametrize("tiles", [None, TILES], ids=["no-tiles", "tiles"])
@pytest.mark.parametrize("offences", ["heat", "clusters", "none"])
@pytest.mark.parametrize("measure", ["count", "per_km2", "change"])
def test_every_period_map_renders_offline(
    year: Analysis,
    force_area: gpd.GeoDataFrame,
    measure: str,
    offences: str,
    tiles: TileConfig | None,
) -> None:
    m = period_map(
        year, ward_measure=measure, show_offences=offences, tiles=tiles, force_area=force_area
    )
    page = render_html(m, ASSETS, title="Drug offences 2025")
    check_page(page)
    page = js_decoded(page)
    assert "<title>Drug offences 2025</title>" in page
    assert "Hotspots, 2025 (" in page
    ward_layer = {
        "count": "Drug offences per ward, 2025",
        "per_km2": "Drug offences per km² by ward, 2025",
        "change": "Change in drug offences per ward, 2025 (no comparison data)",
    }[measure]
    assert ward_layer in page
    assert "Ward and district names" in page
    assert "Force area boundary" in page
    assert ("(heat map)" in page) == (offences == "heat")
    assert ("(clusters)" in page) == (offences == "clusters")
    assert ("leaflet.markercluster.js" in page) == (offences == "clusters")
    assert ("leaflet_heat.min.js" in page) == (offences == "heat")
    if tiles is None:
        assert "tileLayer" not in page
        assert '"maxZoom": 18' in page
    else:
        assert TILES.url in page
        assert "L.tileLayer" in page
        assert '"maxZoom": 17' in page
        assert "Crown copyright and database right 2025" in page


def test_demo_year_page_is_small(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    sizes = {
        view: len(
            render_html(
                period_map(year, show_offences=view, force_area=force_area), ASSETS
            ).encode()
        )
        for view in ("heat", "clusters")
    }
    assert max(sizes.values()) < MAX_PAGE_BYTES
    # no one-marker-per-offence page: the cluster data has one row per location
    assert sizes["clusters"] < 1024 * 1024


def test_raid_layer_says_synthetic(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = js_decoded(render_html(period_map(year, force_area=force_area), ASSETS))
    assert "Raids (SYNTHETIC demo data), 2025" in page
    assert "SYNTHETIC demo record, not a real raid" in page
    assert "Raids within 100 m (SYNTHETIC)" in page


def test_layers_can_be_left_out(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = render_html(
        period_map(year, show_raids=False, show_searches=False, force_area=force_area), ASSETS
    )
    check_page(page)
    page = js_decoded(page)
    assert "Raids (SYNTHETIC" not in page
    assert "Raids within" not in page
    assert "Stop-and-searches for drugs" not in page


def test_public_view_has_no_event_markers(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = render_html(period_map(year, show_exact_points=False, force_area=force_area), ASSETS)
    check_page(page)
    page = js_decoded(page)
    assert "Raids (SYNTHETIC demo data), 2025" not in page
    assert "Stop-and-searches for drugs" not in page
    assert "(heat map)" in page
    with pytest.raises(ValueError, match="show_exact_points=False"):
        period_map(year, show_offences="clusters", show_exact_points=False)


def test_bad_arguments_say_what_was_expected(year: Analysis) -> None:
    with pytest.raises(ValueError, match=r"ward_measure must be one of .* got 'rate'"):
        period_map(year, ward_measure="rate")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"show_offences must be one of .* got 'dots'"):
        period_map(year, show_offences="dots")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="force_area must be a GeoDataFrame"):
        period_map(year, force_area="cambs")  # type: ignore[arg-type]


def test_comparison_figures_in_popups(autumn: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = render_html(period_map(autumn, ward_measure="change", force_area=force_area), ASSETS)
    check_page(page)
    page = js_decoded(page)
    assert "Change in drug offences per ward, Sep–Nov 2025 vs Jun–Aug 2025" in page
    assert "Drug offences, Jun–Aug 2025" in page
    assert "rise of" in page and "fall of" in page


def test_a_compare_panel_without_its_own_previous_period_does_not_say_no_comparison() -> None:
    """Before: on a Merseyside store (2019-07..12) the Jul-Sep panel of /compare against Oct-Dec
    gave each ward "Change from Oct-Dec 2019: -2" and then "No data for the comparison period"
    (its own previous period, Apr-Jun, is not held; the comparison shown is)."""
    from hotspots.render.popups import ward_popup

    ward = {"ward_name": "Ainsdale", "offence_count": 6, "search_count": 10, "area_km2": 8.4}
    alone = ward_popup(ward, period="Jul–Sep 2019", compare_to=None, raids_synthetic=False)
    assert "No data for the comparison period" in alone
    panel = ward_popup(
        ward,
        period="Jul–Sep 2019",
        compare_to=None,
        raids_synthetic=False,
        other={"offence_count": 8},
        other_period="Oct–Dec 2019",
    )
    # 8 -> 6: below the headline's base of 10, the change is a number only (no "−25%")
    assert "Change from Oct–Dec 2019</th><td>−2</td>" in panel
    assert "No data for the comparison period" not in panel
    panel = ward_popup(
        {**ward, "offence_count": 35},
        period="Jul–Sep 2019",
        compare_to=None,
        raids_synthetic=False,
        other={"offence_count": 40},
        other_period="Oct–Dec 2019",
    )
    assert "−5 (−13%)" in panel  # 12.5%, half up as in the headline


def test_force_area_defaults_to_the_wards_outline(year: Analysis) -> None:
    page = render_html(period_map(year, show_offences="none"), ASSETS)
    check_page(page)
    page = js_decoded(page)
    assert "Force area boundary" in page


def test_no_hotspots_still_renders(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    empty = dataclasses.replace(year, hotspots=year.hotspots.iloc[0:0])
    page = render_html(period_map(empty, force_area=force_area), ASSETS)
    check_page(page)
    page = js_decoded(page)
    assert "None found in 2025." in page


@pytest.mark.parametrize("offences", ["heat", "clusters"])
def test_planted_script_is_escaped(
    planted: Analysis, force_area: gpd.GeoDataFrame, offences: str
) -> None:
    page = render_html(period_map(planted, show_offences=offences, force_area=force_area), ASSETS)
    check_page(page)
    check_escaped(page)


def test_coordinates_are_rounded(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = render_html(period_map(year, show_offences="clusters", force_area=force_area), ASSETS)
    script = page[page.index("<body>") :]
    # lat/lon pairs of the demo area (about 52, about 0) have at most 5 decimals
    assert re.findall(r"\b5[12]\.\d{6,}", script) == []
    assert re.findall(r"-?0\.\d{6,}", script) == []


# -- compare ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tiles", [None, TILES], ids=["no-tiles", "tiles"])
@pytest.mark.parametrize("measure", ["count", "per_km2", "change"])
def test_compare_map_renders_offline(
    summer: Analysis,
    autumn: Analysis,
    force_area: gpd.GeoDataFrame,
    measure: str,
    tiles: TileConfig | None,
) -> None:
    page = render_html(
        compare_map(summer, autumn, ward_measure=measure, tiles=tiles, force_area=force_area),
        ASSETS,
    )
    check_page(page)
    page = js_decoded(page)
    assert page.count("L.map(") == 2
    assert "target.setView(source.getCenter()" in page  # the two maps are synchronised
    assert "A: Jun–Aug 2025" in page and "B: Sep–Nov 2025" in page
    assert "Change per ward, Jun–Aug 2025 to Sep–Nov 2025" in page
    assert "Change from Jun–Aug 2025" in page  # ward popups on the right give both periods
    assert "Hotspots, Jun–Aug 2025 (" in page and "Hotspots, Sep–Nov 2025 (" in page
    assert (TILES.url in page) == (tiles is not None)


def test_compare_map_escapes(planted: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = render_html(compare_map(planted, planted, force_area=force_area), ASSETS)
    check_page(page)
    check_escaped(page)


def test_compare_demo_year_is_small(year: Analysis, force_area: gpd.GeoDataFrame) -> None:
    page = render_html(compare_map(year, year, force_area=force_area), ASSETS)
    assert len(page.encode()) < MAX_PAGE_BYTES


# -- offline machinery ---------------------------------------------------------------------------


def test_external_urls_finds_every_form() -> None:
    page = """
    <script src="https://cdn.example/a.js"></script>
    <link rel="stylesheet" href='//cdn.example/b.css'/>
    <style>body { background: url("http://img.example/c.png"); } @import "https://x.example/d.css";</style>
    <script>var s = "<img src=\\"https://e.example/e.png\\">";</script>
    <script src="/static/vendor/leaflet@1.9.3/leaflet.js"></script>
    <a title="https://not-a-link.example">text https://plain.example</a>
    """
    assert external_urls(page) == [
        "https://cdn.example/a.js",
        "//cdn.example/b.css",
        "http://img.example/c.png",
        "https://x.example/d.css",
        "https://e.example/e.png",
    ]
    assert external_urls('<script src="/static/vendor/x.js"></script>') == []


def test_class_lists_are_never_changed() -> None:
    before_map = list(folium.Map.default_js), list(folium.Map.default_css)
    before_cluster = list(MarkerCluster.default_js)
    m = folium.Map(tiles=None, maxZoom=18)
    MarkerCluster().add_to(m)
    render_html(m, ASSETS)
    assert (folium.Map.default_js, folium.Map.default_css) == before_map
    assert MarkerCluster.default_js == before_cluster
    assert all(url.startswith("https://") for _, url in folium.Map.default_js)
    # and a plain folium render afterwards still works as folium intends
    folium_page = folium.Map(tiles=None).get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3" in folium_page


def test_unknown_external_url_fails_closed() -> None:
    m = folium.Map(tiles=None)
    Fullscreen().add_to(m)
    with pytest.raises(OfflineError, match="no vendored copy of https://"):
        render_html(m, ASSETS)


def test_url_added_behind_our_back_fails_closed() -> None:
    m = folium.Map(tiles=None)
    m.get_root().header.add_child(
        folium.Element('<link rel="stylesheet" href="https://fonts.example/f.css"/>')
    )
    with pytest.raises(OfflineError, match=r"fonts\.example"):
        render_html(m, ASSETS)


def test_awesome_marker_icons_are_refused() -> None:
    m = folium.Map(tiles=None)
    folium.Marker([52.2, 0.1], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineError, match="awesome-markers"):
        render_html(m, ASSETS)


def test_jquery_only_when_needed() -> None:
    plain = folium.Map(tiles=None)
    folium.CircleMarker([52.2, 0.1]).add_to(plain)
    assert "jquery" not in render_html(plain, ASSETS)
    with_popup = folium.Map(tiles=None)
    folium.CircleMarker([52.2, 0.1], popup="hello").add_to(with_popup)
    page = render_html(with_popup, ASSETS)
    assert f"{ASSETS}/jquery@3.7.1/jquery.min.js" in page
    check_vendored(page)


def check_vendored(page: str) -> None:
    for path in asset_paths(page, ASSETS):
        assert (VENDOR_DIR / path).is_file(), path


def test_rendering_again_stays_offline(year: Analysis) -> None:
    m = period_map(year, show_offences="heat")
    render_html(m, ASSETS)
    check_page(render_html(m, ASSETS))
    # and a map first rendered by folium itself (CDN links in its header) is made local
    m2 = folium.Map(tiles=None)
    m2.get_root().render()
    page = render_html(m2, ASSETS)
    assert external_urls(page) == []


@pytest.mark.parametrize("base", ["https://cdn.example/vendor", "//cdn.example", "", "c:/x"])
def test_asset_base_must_be_local(base: str) -> None:
    with pytest.raises(ValueError, match="asset_base"):
        render_html(folium.Map(tiles=None), base)


def test_relative_asset_base(year: Analysis) -> None:
    page = render_html(period_map(year, show_offences="heat"), "static/vendor")
    assert external_urls(page) == []
    assert 'src="static/vendor/leaflet@1.9.3/leaflet.js"' in page


def test_every_vendored_package_is_recorded_with_its_licence() -> None:
    record = (VENDOR_DIR / "VENDORED.md").read_text(encoding="utf-8")
    packages = sorted(p for p in VENDOR_DIR.iterdir() if p.is_dir())
    assert packages
    for folder in packages:
        assert any(f.name.startswith("LICENSE") for f in folder.iterdir()), folder
        name, version = folder.name.rsplit("@", 1)
        assert f"| {name} | {version} |" in record, folder.name
    for path in CDN_TO_VENDORED.values():
        assert (VENDOR_DIR / path).is_file(), path
    # Leaflet's stylesheet loads its images relative to itself
    css = (VENDOR_DIR / "leaflet@1.9.3" / "leaflet.css").read_text(encoding="utf-8")
    for image in re.findall(r"url\((images/[^)]+)\)", css):
        assert (VENDOR_DIR / "leaflet@1.9.3" / image).is_file(), image


# -- tiles and classes ------------------------------------------------------------------------


def test_tile_config_checks() -> None:
    with pytest.raises(ValueError, match=r"\{z\}"):
        TileConfig(url="https://tiles.example/tile.png", attribution="x")
    with pytest.raises(ValueError, match="attribution"):
        TileConfig(url="https://t.example/{z}/{x}/{y}.png", attribution=" ")
    with pytest.raises(ValueError, match="max_zoom"):
        TileConfig(url="https://t.example/{z}/{x}/{y}.png", attribution="a", max_zoom=30)


def test_tile_attribution_is_plain_text(year: Analysis) -> None:
    tiles = TileConfig(
        url="/tiles/{z}/{x}/{y}.png", attribution='<a href="https://x.example">X</a>'
    )
    page = render_html(period_map(year, show_offences="none", tiles=tiles), ASSETS)
    assert external_urls(page) == []
    assert "/tiles/{z}/{x}/{y}.png" in page


def test_sequential_classes_by_hand() -> None:
    # non-zero values 1,2,3,5,8,13,21,34,217: quartiles 3, 8, 21
    c = cls.sequential_classes([0, 1, 2, 3, 5, 8, 13, 21, 34, 217], integer=True)
    assert c.labels == ("none", "1–3", "4–8", "9–21", "22–217")
    assert [c.index(v) for v in (0, 1, 3, 4, 8, 21, 22, 217)] == [0, 1, 1, 2, 2, 3, 4, 4]
    assert c.colour(math.nan) == cls.NO_DATA_COLOUR
    assert cls.sequential_classes([0, 0], integer=True).labels == ("none",)
    assert cls.sequential_classes([4, 4], integer=True).labels == ("none", "1–4")
    with pytest.raises(ValueError, match="values >= 0"):
        cls.sequential_classes([-1, 2], integer=True)


def test_change_classes_are_symmetric() -> None:
    c = cls.change_classes([-10, -3, -1, 0, 0, 2, 5, 40, math.nan])
    # |changes| 10,3,1,2,5,40: terciles 3 and 7 (rounded up)
    assert c.labels == (
        "fall of 8 or more",
        "fall of 4–7",
        "fall of 1–3",
        "no change",
        "rise of 1–3",
        "rise of 4–7",
        "rise of 8 or more",
    )
    values = (-10, -4, -3, -1, 0, 1, 3, 4, 7, 8)
    assert [c.index(v) for v in values] == [0, 1, 2, 2, 3, 4, 4, 5, 5, 6]
    assert c.index(math.nan) is None
    assert cls.change_classes([0, math.nan]).labels == ("no change",)


def test_hotspot_badges_have_enough_contrast() -> None:
    for colour in cls.HOTSPOT_COLOURS:
        assert cls.contrast_ratio(colour, cls.text_colour(colour)) >= 4.5
    assert cls.hotspot_colour(1) == cls.HOTSPOT_COLOURS[0]
    assert cls.hotspot_colour(50) == cls.HOTSPOT_COLOURS[-1]
