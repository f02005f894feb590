"""The neighbourhood patrol plan: stability on a hand-made store, area filtering, CSV and GPX
downloads, and the page (marking, dosage, escaping, no raid data, 400s, no external URLs).

The hand-made store uses the toy wards of ``conftest.py`` (Alpha E05000001 in Northshire
E07000001, Bravo E05000002 in Southshire E07000002) and six months, 2025-01..2025-06, with
``eps_m=100``. Single months need 5 offences (the automatic rule for one month). Places:

- P (500500, 200500) in Alpha, "On or near Pear Street": 5, 7, 2, 8, 1, 6 offences in months
  01..06, so a one-month hotspot in 01, 02, 04 and 06 (4 of 6); basis Apr-Jun 15, Jan-Mar 14.
- Q (501500, 200500) in Bravo: 6 offences in 06 only (1 of 6; basis 6, previous 0).
- R (500200, 200800) in Alpha, location ``<script>``: 5 offences in 05 (1 of 6; basis 5).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.patrol import (
    DEFAULT_DOSAGE,
    GPX_NS,
    PatrolArea,
    PatrolAreaError,
    patrol_plan,
    place_svg,
    plan_csv,
    plan_gpx,
)
from hotspots.patrol.naming import direction
from hotspots.periods import PeriodError
from hotspots.render import external_urls
from hotspots.store import Store
from tests.accounts import sign_in
from tests.helpers import AppFactory, store_of_rows, street_row
from web.patrol import bp

EVIL = "<script>alert(1)</script>"
PLACES = {
    "P": ((500500, 200500), "On or near Pear Street", [5, 7, 2, 8, 1, 6]),
    "Q": ((501500, 200500), "On or near Quince Road", [0, 0, 0, 0, 0, 6]),
    "R": ((500200, 200800), EVIL, [0, 0, 0, 0, 5, 0]),
}
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]


@pytest.fixture(scope="module")
def toy_store(toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        street_row(f"{name}{month}-{k}", x, y, month=month, location=location)
        for i, month in enumerate(MONTHS)
        for name, ((x, y), location, counts) in PLACES.items()
        for k in range(counts[i])
    ]
    return store_of_rows(rows, toy_boundaries, tmp_path_factory.mktemp("patrol_toy"))


def _plan(store: Path, **kwargs):
    kwargs.setdefault("end_month", "2025-06")
    return patrol_plan(Store(store), eps_m=100, **kwargs)


def test_stability_counts_the_single_months_a_place_was_a_hotspot(toy_store: Path) -> None:
    plan = _plan(toy_store)
    assert [p.location for p in plan.places] == [
        "On or near Pear Street",
        "On or near Quince Road",
        EVIL,
    ]
    p, q, r = plan.places
    assert (p.offences, p.offences_prev, p.change) == (15, 14, 1)
    assert p.stable == {6: 4, 12: 4}
    assert p.available == {6: 6, 12: 6}  # only six months are stored
    assert (q.stable[6], r.stable[6]) == (1, 1)
    assert (q.offences, q.change) == (6, 6)
    assert p.reason == (
        "15 drug offences in Apr–Jun 2025, up 1 on Jan–Mar 2025; a hotspot in 4 of the last 6 "
        "months and 4 of the last 12 (of 6 available)"
    )
    assert [x.rank for x in plan.places] == [1, 2, 3]
    assert plan.dosage == DEFAULT_DOSAGE
    assert plan.parameters["month_min_samples"] == 5
    assert plan.months_available[6] == tuple(MONTHS)


def test_stability_counts_only_months_the_store_holds(toy_store: Path) -> None:
    (p, *_) = _plan(toy_store, end_month="2025-03", basis_months=2).places
    assert p.location == "On or near Pear Street"
    assert p.available == {6: 3, 12: 3}
    assert p.stable[6] == 2  # January and February; March has 2 offences
    # before: "(no comparison: the data does not cover Dec 2024–Jan 2025)", though January is held
    assert (
        "in Feb–Mar 2025, no data for the comparison period Dec 2024–Jan 2025 "
        "(drug offence records held for Jan 2025 only); a hotspot in" in p.reason
    )
    assert "2 of the last 6 months (of 3 available)" in p.reason


def test_a_comparison_not_held_is_named_the_same_in_csv_and_gpx(toy_store: Path) -> None:
    """The CSV left ``compare_period`` blank where the GPX said "no data for the comparison
    period Dec 2024–Jan 2025": a blank change with nothing to say what it was not compared with.
    Now the CSV names the period, its change and previous offences are blank (no data, never 0)
    and its reason is the GPX's words."""
    plan = _plan(toy_store, end_month="2025-03", basis_months=2)
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan))))
    descs = [
        w.findtext(f"{{{GPX_NS}}}desc") or ""
        for w in ET.fromstring(plan_gpx(plan)).iter(f"{{{GPX_NS}}}wpt")
    ]
    assert rows and len(rows) == len(descs)
    for row, desc in zip(rows, descs, strict=True):
        assert row["compare_period"] == "Dec 2024–Jan 2025", row
        assert (row["change"], row["offences_prev"]) == ("", ""), row
        assert "no data for the comparison period Dec 2024–Jan 2025" in row["reason"]
        assert row["reason"] in desc, (row["reason"], desc)


def test_area_filters_by_district_and_wards(toy_store: Path) -> None:
    south = _plan(toy_store, area=PatrolArea.district("E07000002"))
    assert south.area_label == "Southshire"
    assert [p.ward_code for p in south.places] == ["E05000002"]
    alpha = _plan(toy_store, area=PatrolArea.wards(["E05000001"]))
    assert alpha.area_label == "Alpha ward"
    assert [p.location for p in alpha.places] == ["On or near Pear Street", EVIL]
    assert alpha.places[1].force_rank == 3 and alpha.places[1].rank == 2
    top = _plan(toy_store, top_n=1)
    assert len(top.places) == 1 and top.hotspots_in_area == 3


def test_unknown_codes_and_bad_arguments_raise_clearly(toy_store: Path) -> None:
    with pytest.raises(PatrolAreaError, match=r"unknown district code 'E07999999'.*E07000001"):
        _plan(toy_store, area=PatrolArea.district("E07999999"))
    with pytest.raises(PatrolAreaError, match=r"unknown ward code\(s\) 'E05999999'"):
        _plan(toy_store, area=PatrolArea.wards(["E05000001", "E05999999"]))
    with pytest.raises(PatrolAreaError, match="takes one district code"):
        PatrolArea("district", ())
    with pytest.raises(PeriodError, match="no data for 2024-12"):
        _plan(toy_store, end_month="2025-01", basis_months=2)
    with pytest.raises(ValueError, match="top_n: got 0"):
        _plan(toy_store, top_n=0)


def test_csv_and_gpx_escape_and_guard_text(toy_store: Path) -> None:
    plan = _plan(toy_store)
    gpx = plan_gpx(plan, marking="OFFICIAL")
    assert EVIL not in gpx and "&lt;script&gt;" in gpx
    root = ET.fromstring(gpx)
    assert root.tag == f"{{{GPX_NS}}}gpx"
    names = [w.findtext(f"{{{GPX_NS}}}name") for w in root.iter(f"{{{GPX_NS}}}wpt")]
    assert names == ["1. On or near Pear Street", "2. On or near Quince Road", f"3. {EVIL}"]
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan, marking="OFFICIAL"))))
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["hotspot_months_last_6"] == "4" and rows[0]["protective_marking"] == "OFFICIAL"
    # coordinates are numbers (before: "'-0.56373", west of Greenwich, quoted as formula text;
    # every place of a Merseyside plan): a handheld or GIS reads them as they are
    assert all(plan.places[i].lon < 0 for i in range(3))
    for row, place in zip(rows, plan.places, strict=True):
        assert float(row["lon"]) == pytest.approx(place.lon, abs=5e-6)
        assert float(row["lat"]) == pytest.approx(place.lat, abs=5e-6)
    svg = place_svg(plan.places[2])
    assert "<script>" not in svg and 'role="img"' in svg and "<title" in svg


# -- the demo data and the web page ---------------------------------------------------------------


def _app(app_factory: AppFactory, store: Path | None = None) -> Flask:
    """The app on ``store`` (default: the demo store) with a marking to look for."""
    app = app_factory(store, TESTING=True, PROTECTIVE_MARKING="OFFICIAL-TEST")
    if "patrol" not in app.blueprints:  # until web/__init__.py registers it
        app.register_blueprint(bp)
    return app


@pytest.fixture(scope="module")
def client(app_factory: AppFactory) -> FlaskClient:
    return sign_in(_app(app_factory).test_client())


def test_gpx_download_is_gpx_11_inside_cambridgeshire(client: FlaskClient) -> None:
    response = client.get("/patrol.gpx?to=2025-11&n=5")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    root = ET.fromstring(response.data)
    assert root.tag == f"{{{GPX_NS}}}gpx"
    assert root.get("version") == "1.1" and root.get("creator")
    wpts = list(root.iter(f"{{{GPX_NS}}}wpt"))
    assert 1 <= len(wpts) <= 5
    for i, wpt in enumerate(wpts, start=1):
        assert 52 <= float(wpt.get("lat", "")) <= 52.8
        assert -0.6 <= float(wpt.get("lon", "")) <= 0.6
        assert (wpt.findtext(f"{{{GPX_NS}}}name") or "").startswith(f"{i}. ")
        assert "drug offence" in (wpt.findtext(f"{{{GPX_NS}}}desc") or "")


def test_csv_download_has_a_header_and_one_row_per_place(client: FlaskClient) -> None:
    response = client.get("/patrol.csv?to=2025-12&n=3")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="patrol-force-2025-12.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["rank", "location", "ward_code"]
    assert len(rows) == 1 + 3


def test_district_and_ward_areas_through_the_url(client: FlaskClient) -> None:
    data = client.get("/patrol.csv?to=2025-11&district=E07000008&n=50").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows and {r["district_code"] for r in rows} == {"E07000008"}
    ward = rows[0]["ward_code"]
    data = client.get(f"/patrol.csv?to=2025-11&wards={ward},{ward}").get_data(as_text=True)
    assert {r["ward_code"] for r in csv.DictReader(io.StringIO(data))} == {ward}


def test_page_has_marking_dosage_maps_and_no_raids(client: FlaskClient) -> None:
    response = client.get("/patrol?to=2025-11")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("OFFICIAL-TEST") >= 2  # banner and foot of the printed sheet
    assert DEFAULT_DOSAGE in html
    assert "Patrol plan: the whole force area" in html
    assert '<ol class="places"' in html and 'role="img"' in html
    assert "raid" not in html.lower() and "SYNTHETIC" not in html
    assert '<label for="district">' in html and '<label for="wards">' in html
    assert 'href="/patrol.gpx?to=2025-11&amp;area=force&amp;n=10"' in html
    assert external_urls(html) == []
    again = client.get("/patrol?to=2025-11", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_print_stylesheet_is_a4() -> None:
    css = (Path(__file__).resolve().parents[1] / "web" / "static" / "patrol.css").read_text()
    assert "@page { size: A4 portrait;" in css and "@media print" in css


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2025-13", "to"),
        ("to=2025-01", "to"),  # the three months to it are not all stored
        ("n=0", "n"),
        ("n=ten", "n"),
        ("district=E07999999", "district"),
        ("wards=E05999999", "wards"),
        ("area=county", "area"),
        ("area=wards", "wards"),
        ("rank=busiest", "rank"),
    ],
)
def test_bad_parameters_give_400_naming_the_field(
    client: FlaskClient, query: str, field: str
) -> None:
    for path in ("/patrol", "/patrol.gpx"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        html = response.get_data(as_text=True)
        if path == "/patrol":  # the plan's own form, the message beside the field
            assert 'class="filters patrol-form"' in html and f'id="{field}-error"' in html
            assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html), (query, field)
        else:
            assert f"Field <code>{field}</code>" in html


def test_location_text_is_escaped_on_the_page(app_factory: AppFactory, toy_store: Path) -> None:
    client = sign_in(_app(app_factory, toy_store).test_client())
    html = client.get("/patrol?to=2025-06").get_data(as_text=True)
    assert EVIL not in html
    assert "3. &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a hotspot in 4 of the last 6 months" in html


@pytest.mark.parametrize("rank", ["hotspots", "forecast"])
def test_patrol_page_shows_each_places_trend_and_significance(
    client: FlaskClient, rank: str
) -> None:
    html = client.get(f"/patrol?to=2025-11&rank={rank}").get_data(as_text=True)
    trends = re.findall(r"<dt>Trend</dt><dd>([^<]+)</dd>", html)
    assert trends and set(trends) <= {
        "new",
        "emerging",
        "persistent",
        "intermittent",
        "diminishing",
        "a hotspot over the months together, in no single month of the last 6",  # "not hot"
    }
    # the demo holds drug offences only: nothing to relabel among, so not tested (and said so)
    tested = re.findall(r"<dt>Significance</dt><dd>([^<]+)</dd>", html)
    cards = html.count('<li class="place"')
    assert tested == ["not tested"] * cards
    # Hotspots: each has a trend. Forecast places: those part of a hotspot take its trend.
    merged = len(re.findall(r"<dt>DBSCAN hotspot</dt><dd>part of hotspot", html))
    assert len(trends) == (cards if rank == "hotspots" else merged)


def test_patrol_page_states_the_forecast_check_and_filters_significant(
    client: FlaskClient,
) -> None:
    html = client.get("/patrol?to=2025-11").get_data(as_text=True)
    assert "Forecast check:" in html and "PAI of" in html
    # nothing in the drug-only demo can be tested, so "only significant" leaves no place
    only = client.get("/patrol?to=2025-11&significant=1").get_data(as_text=True)
    assert "<dt>Trend</dt>" not in only and "Only hotspots whose Monte Carlo" in only
    assert client.get("/patrol?to=2025-11&significant=maybe").status_code == 400


# -- issue 14: the plan on a phone ----------------------------------------------------------------


def test_location_text_undoes_police_uks_capital_after_an_apostrophe() -> None:
    from hotspots.placenames import location_text

    # as published by data.police.uk (shared/data/real: 115 rows of "St Bede'S Gardens")
    assert location_text("On or near St Bede'S Gardens") == "On or near St Bede's Gardens"
    assert location_text("On or near St Bene'T's Street") == "On or near St Bene't's Street"
    assert location_text("On or near O'Brien Way") == "On or near O'Brien Way"  # a name: kept
    assert location_text("On or near Supermarket") == "On or near Supermarket"


def test_place_names_keep_the_streets_case(
    toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    rows = [
        street_row(f"B{m}-{k}", 500500, 200500, month=m, location="On or near St Bede'S Gardens")
        for m in MONTHS[3:]
        for k in range(6)
    ]
    store = store_of_rows(rows, toy_boundaries, tmp_path)
    plan = patrol_plan(Store(store), end_month="2025-06", eps_m=100)
    assert plan.places[0].name == "1. On or near St Bede's Gardens"
    assert "St Bede's Gardens" in plan_gpx(plan) and "Bede'S" not in plan_gpx(plan)


def test_each_place_opens_in_the_phones_maps(app_factory: AppFactory, toy_store: Path) -> None:
    p = _plan(toy_store).places[0]
    assert p.geo_uri == (
        f"geo:{p.lat:.5f},{p.lon:.5f}?q={p.lat:.5f},{p.lon:.5f}(On%20or%20near%20Pear%20Street)"
    )
    client = sign_in(_app(app_factory, toy_store).test_client())
    html = client.get("/patrol?to=2025-06").get_data(as_text=True)
    assert f'href="{p.geo_uri}"' in html
    # the evil location text is escaped inside the URI too
    assert "geo:" in html and "%3Cscript%3E" in html


def test_a_place_hot_in_no_single_month_says_why_it_is_listed(
    toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    # 3 offences a month at one place for Apr-Jun: 9 together (a 3-month hotspot at the automatic
    # min_samples), never the 5 of a one-month hotspot
    rows = [
        street_row(f"S{m}-{k}", 500500, 200500, month=m, location="On or near Sloe Lane")
        for m in MONTHS[3:]
        for k in range(3)
    ]
    store = store_of_rows(rows, toy_boundaries, tmp_path)
    plan = patrol_plan(Store(store), end_month="2025-06", eps_m=100, min_samples=5)
    (p,) = plan.places
    assert p.stable[6] == 0
    assert p.reason.endswith(
        ": listed because the 3 months of Apr–Jun 2025 together make it a hotspot, though no "
        "single month alone had enough (fewer than 5 offences close together here)"
    )
    assert p.why == (
        "9 offences in Apr–Jun 2025; a hotspot over the months together, in no single month alone"
    )


def test_the_colocation_warning_is_given_once_naming_the_places(client: FlaskClient) -> None:
    html = client.get("/patrol?to=2025-11&n=50").get_data(as_text=True)
    flagged = re.findall(r"of (?:its|their) offences are on one map point", html)
    assert len(flagged) == 1  # the demo places are single map points: once, never per card
    assert html.count("are on one map point") == len(flagged)


def test_colocation_warning_words() -> None:
    from hotspots.patrol.reasons import colocation_warning

    assert colocation_warning([]) == ""
    assert colocation_warning([(2, 1.0)]).startswith("Place 2: 100% of its offences")
    assert colocation_warning([(1, 1.0), (2, 1.0)]).startswith("Places 1 and 2: 100% of their")
    assert colocation_warning([(1, 1.0), (3, 0.8), (4, 0.84)]).startswith(
        "Places 1, 3 and 4: 100%, 80% and 84% of their offences are on one map point"
    )


def test_phone_order_downloads_and_list_before_the_cards_and_form(client: FlaskClient) -> None:
    html = client.get("/patrol?to=2025-11").get_data(as_text=True)
    at = {
        name: html.index(marker)
        for name, marker in {
            "headline": 'class="headline"',
            "gpx": 'href="/patrol.gpx?',
            "csv": 'href="/patrol.csv?',
            "list": 'class="place-list"',
            "cards": '<ol class="places"',
            "form": '<form class="filters patrol-form"',
            "dosage": 'class="dosage"',
        }.items()
    }
    assert at["headline"] < at["gpx"] < at["csv"] < at["list"] < at["cards"]
    assert at["list"] < at["dosage"] and at["list"] < at["form"]
    items = re.findall(r'<a class="place-name" href="#place-(\d+)">', html)
    assert items == [str(i) for i in range(1, len(items) + 1)] and items
    assert len(re.findall(r'<span class="why">[^<]+ offences? in ', html)) == len(items)


def test_officers_plan_offers_no_whole_force_and_snapped_geo_links(
    app_factory: AppFactory,
) -> None:
    client = sign_in(_app(app_factory).test_client(), "officer")
    html = client.get("/patrol?to=2025-11").get_data(as_text=True)
    assert 'id="area-force"' not in html and 'id="area-district"' in html
    geo = re.findall(r'href="geo:([-\d.]+),([-\d.]+)\?q=', html)
    assert geo
    analyst = sign_in(_app(app_factory).test_client())
    exact = re.findall(
        r'href="geo:([-\d.]+),([-\d.]+)\?q=',
        analyst.get("/patrol?to=2025-11&district=E07000008").get_data(as_text=True),
    )
    assert len(exact) == len(geo) and exact != geo  # officers get the snapped centres


def test_mini_map_names_the_street_and_numbers_neighbouring_places(toy_store: Path) -> None:
    plan = _plan(toy_store)
    p = plan.places[0]  # P and R (3) are 360 m apart, Q (2) 1 km east of P
    svg = place_svg(p, neighbours=plan.places)
    assert ">Pear Street</text>" in svg
    assert "Other places of the plan in view, outlined and numbered: 3 (" in svg
    assert "2 (On or near Quince Road)" not in svg


def test_page_ranks_by_the_forecast_by_default_and_states_its_back_test(
    client: FlaskClient, app_factory: AppFactory, demo_store: Store
) -> None:
    from pyproj import Transformer

    html = client.get("/patrol?to=2025-11").get_data(as_text=True)
    assert "where drug offences are expected in Dec 2025, most expected first" in html
    assert re.search(
        r"In back-tests, the \d+ places the forecast ranked first in this area held "
        r"\d+% of the area&#39;s drug offences the next month \(median of \d+ months",
        html,
    )
    expected = [float(v) for v in re.findall(r'<span class="expected">([\d.]+) expected', html)]
    # a place at a police station is listed after the others (docs/patrol.md), flagged
    listed = html.split('class="place-list"', 1)[1].split("</ol>", 1)[0]
    street = expected[: len(expected) - listed.count('class="station-note"')]
    assert street and street == sorted(street, reverse=True)
    assert '<option value="forecast" selected>' in html
    hotspots = client.get("/patrol?to=2025-11&rank=hotspots").get_data(as_text=True)
    assert 'class="expected"' not in hotspots and "busiest first" in hotspots
    assert 'href="/patrol.gpx?to=2025-11&amp;area=force&amp;n=10&amp;rank=hotspots"' in hotspots
    text = client.get("/patrol.csv?to=2025-11").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert all(r["forecast_month"] == "2025-12" and float(r["expected_offences"]) > 0 for r in rows)
    # Officers: the forecast on the 250 m snap grid, each place at its cell's centre.
    officer = sign_in(_app(app_factory).test_client(), "officer")
    page = officer.get("/patrol?to=2025-11").get_data(as_text=True)
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    geo = re.findall(r'href="geo:([-\d.]+),([-\d.]+)\?q=', page)
    assert geo
    for lat, lon in geo:
        x, y = to_bng.transform(float(lon), float(lat))
        assert abs(x % 250 - 125) < 2 and abs(y % 250 - 125) < 2  # 5 decimals: about 1 m
    # ... and their area's figures only: shares of Cambridge's expected total, never the force's.
    from hotspots.evaluate.next_month import next_month

    force_total = next_month(demo_store, "2025-11").info["expected_total"]
    (area_total,) = {int(v) for v in re.findall(r"% of the (\d+) expected in Cambridge<", page)}
    assert 0 < area_total < force_total - 1
    assert f"of the {force_total:.0f} expected" not in page
    assert "the force" not in page.split("How places were chosen")[0]


def test_places_of_one_name_say_where_they_are_from_each_other(
    toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    """police.uk names places by their nearest map point, so one plan can list three "On or
    near Parking Area" (Merseyside walkthrough: places 8-10 in one ward, not told apart on the
    phone list or the GPX). Here two such places 400 m apart on one east-west line, and a third
    of another name: the second says where it is from the first, in the list, the card, the
    GPX and the phone's maps link; by forecast cells (250 m squares) the centres are 250 m
    apart (500300 and 500700 lie in the squares centred on 500375 and 500625)."""
    parking = "On or near Parking Area"
    places = [((500300, 200300), parking, 6), ((500700, 200300), parking, 5)]
    places.append(((501500, 200500), "On or near Quince Road", 4))
    rows = [
        street_row(f"{x}-{m}-{k}", x, y, month=m, location=location)
        for (x, y), location, n in places
        for m in MONTHS[3:]
        for k in range(n)
    ]
    store = store_of_rows(rows, toy_boundaries, tmp_path)
    plan = patrol_plan(Store(store), end_month="2025-06", eps_m=100)
    names = [p.name for p in plan.places]
    assert names == [
        "1. On or near Parking Area",
        "2. On or near Parking Area, 400 m east of place 1",
        "3. On or near Quince Road",
    ]
    assert "<name>2. On or near Parking Area, 400 m east of place 1</name>" in plan_gpx(plan)
    assert "400%20m%20east%20of%20place%201" in plan.places[1].geo_uri
    assert plan_csv(plan).count(f",{parking},") == 2  # the CSV keeps the location as written
    forecast = patrol_plan(Store(store), end_month="2025-06", eps_m=100, forecast=True)
    assert [p.label for p in forecast.places if p.location == parking] == [
        parking,
        f"{parking}, 250 m east of place 1",
    ]


@pytest.mark.parametrize(
    "dx_m,dy_m,expected",
    [
        (0, 5, "north"),
        (1, 1, "north-east"),
        (3, 0, "east"),
        (0, -5, "south"),
        (-1, 0, "west"),
        (-1, 2, "north-west"),
        (2, -1, "south-east"),
    ],
)
def test_the_compass_point_is_the_nearest_of_eight(dx_m: float, dy_m: float, expected: str) -> None:
    """By hand: the bearing of (-1, 2) is 333.4 degrees, nearest north-west (315) rather than
    north (360); of (2, -1) 116.6 degrees, nearest south-east (135) rather than east (90)."""
    assert direction(dx_m, dy_m) == expected
