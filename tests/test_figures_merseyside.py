"""Figures each role sees on another force (Merseyside 2019, real data), recounted from the CSVs.

Merseyside's shape differs from Cambridgeshire's: searches are held for 2019-07..09 only while
street files cover 2019-07..12, and 844 of its 6,612 drug searches (13%; 20% in September) have
no location, so they are in no ward and no map. The recount is independent of the store: pandas
reads the police.uk CSVs, keeps drug rows with a location, geopandas joins them to the ONS wards
(``sjoin_nearest`` within 250 m: points in the generalised force area but in no ward polygon
take the nearest ward, as the ingest's rule 4).
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from flask import Flask

from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import REAL, AppFactory

pytestmark = pytest.mark.realdata

MERSEY = REAL / "police_uk" / "merseyside"
BOUNDS = REAL / "boundaries" / "merseyside_dec2023_bsc"
JAS, OND = "from=2019-07&to=2019-09", "from=2019-10&to=2019-12"
LIVERPOOL = "E08000012"


def _located(rows: pd.DataFrame, lon: str, lat: str) -> gpd.GeoDataFrame:
    """``rows`` with a location, joined to their ward (the nearest within 250 m)."""
    rows = rows[rows[lon].notna()].reset_index(drop=True)
    points = gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(rows[lon], rows[lat]), crs=4326
    ).to_crs(27700)
    area = gpd.read_file(BOUNDS / "merseyside_pfa_dec2023_bsc.geojson").to_crs(27700)
    points = points[points.intersects(area.geometry.union_all())]
    wards = gpd.read_file(BOUNDS / "merseyside_wards_dec2023_bsc.geojson").to_crs(27700)
    cols = ["WD23CD", "WD23NM", "LAD23CD", "geometry"]
    joined = gpd.sjoin_nearest(points, wards[cols], max_distance=250, how="inner")
    return joined[~joined.index.duplicated()]


@pytest.fixture(scope="module")
def offences() -> pd.DataFrame:
    """Drug offences with a location, by ward (``WD23CD``) and ``Month``."""
    frames = [pd.read_csv(f) for f in sorted((MERSEY / "street").glob("2019-*.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    return _located(rows[rows["Crime type"] == "Drugs"], "Longitude", "Latitude")


@pytest.fixture(scope="module")
def searches() -> pd.DataFrame:
    """Every controlled-drugs search of 2019-07..09 (``located``: it has a location): the object
    says so, or is blank under the Misuse of Drugs Act (a power to search for drugs only)."""
    frames = [pd.read_csv(f) for f in sorted((MERSEY / "stop_and_search").glob("2019-*.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    what = rows["Object of search"].fillna("").str.strip()
    law = rows["Legislation"].fillna("").str.lower()
    drugs = (what == "Controlled drugs") | ((what == "") & law.str.startswith("misuse of drugs"))
    return rows[drugs].reset_index(drop=True)


@pytest.fixture(scope="module")
def app(merseyside_store: Store, app_factory: AppFactory, tmp_path_factory: Any) -> Flask:
    users = tmp_path_factory.mktemp("mersey-figures-users") / "users.sqlite3"
    return app_factory(merseyside_store.path, USERS_DB=str(users), WARM_PRESETS=0)


def _ward_csv(client: Any, query: str) -> dict[str, dict[str, str]]:
    text = client.get(f"/api/v1/wards?{query}&format=csv").get_data(as_text=True)
    return {r["ward_code"]: r for r in csv.DictReader(io.StringIO(text))}


def test_analysts_search_figures_are_the_recount(
    app: Flask, searches: pd.DataFrame, offences: pd.DataFrame
) -> None:
    """Analyst: force searches Jul-Sep, every ward's searches (CSV), no figure for Oct-Dec."""
    client = client_as(app, "analyst")
    located = _located(searches, "Longitude", "Latitude")
    fig = client.get(f"/map.json?{JAS}").get_json()["figures"]["search"]
    assert fig["value"] == len(located) == 5746
    per_ward = located.groupby("WD23CD").size()
    rows = _ward_csv(client, JAS)
    assert {c: int(r["search_count"]) for c, r in rows.items() if int(r["search_count"])} == (
        per_ward.to_dict()
    )
    autumn = client.get(f"/map.json?{OND}").get_json()
    assert autumn["figures"]["search"]["value"] is None
    assert autumn["figures"]["search"]["note"] == "no stop-and-search records held for Oct–Dec 2019"
    assert autumn["totals"]["search_count"] is None
    assert all(r["search_count"] == "" for r in _ward_csv(client, OND).values())
    now = offences[offences["Month"] >= "2019-10"]
    assert autumn["figures"]["offence"]["value"] == len(now) == 3103


def test_searches_without_a_location_are_said_not_counted(
    app: Flask, searches: pd.DataFrame, tmp_path: Any
) -> None:
    """Before: "Drug stop-and-searches 5,724" with nothing saying that 843 more (13%) of the
    force's drug searches were recorded without a location and are in no count."""
    unlocated = int(searches["Latitude"].isna().sum())
    assert unlocated == 844
    client = client_as(app, "commissioner")
    fig = client.get(f"/map.json?{JAS}").get_json()["figures"]["search"]
    assert fig["unlocated"] == unlocated
    note = "844 stop-and-search records of Jul–Sep 2019 have no location: in no count or map"
    assert fig["unlocated_note"] == note
    page = client.get(f"/briefing?{JAS}").get_data(as_text=True)
    assert "8% arrest; 844 more have no location (not counted)</dd>" in page  # the card
    # September alone: 394 of 1,921
    sept = client.get("/map.json?from=2019-09&to=2019-09").get_json()["figures"]["search"]
    assert (
        sept["unlocated"]
        == int(searches.loc[searches["Date"] >= "2019-09", "Latitude"].isna().sum())
        == 394
    )
    # the offences of Merseyside all have a location: no note
    offence = client.get(f"/map.json?{JAS}").get_json()["figures"]["offence"]
    assert offence["unlocated"] == 0 and offence["unlocated_note"] is None
    # an officer's area: the records without a location cannot be placed in it (no force number)
    area = client_as(app, "officer", (LIVERPOOL,)).get(f"/map.json?{JAS}").get_json()
    assert area["figures"]["search"]["unlocated"] is None
    assert "844" not in str(area["figures"])
    assert area["figures"]["search"]["unlocated_note"] == (
        "stop-and-search records without a location are in no area's count"
    )


def test_commissioners_search_rates_and_suppressed_wards_are_the_recount(
    app: Flask, searches: pd.DataFrame
) -> None:
    """Commissioner: force searches, action and arrest rates, ward search counts (small ones
    blank, never 0 or a wrong number)."""
    client = client_as(app, "commissioner")
    located = _located(searches, "Longitude", "Latitude")
    outcome = located["Outcome"].fillna("").str.strip()
    recorded = outcome[outcome != ""]
    action = 100 * (recorded != "A no further action disposal").mean()
    arrest = 100 * (recorded == "Arrest").mean()
    assert (round(action), round(arrest)) == (25, 8)  # of the 5,746 located
    page = client.get(f"/briefing?{JAS}").get_data(as_text=True)
    assert (
        f"<dd>{math.floor(action + 0.5)}% led to action (not &#39;no further action&#39;); "
        f"{math.floor(arrest + 0.5)}% arrest; 844 more have no location (not counted)</dd>"
    ) in page
    assert '<dd class="value">5,746</dd>' in page
    below = int(app.config["SUPPRESS_BELOW"])
    per_ward = located.groupby("WD23CD").size()
    shown = 0
    for code, row in _ward_csv(client, JAS).items():
        if row["search_count"] == "":
            continue  # blank: under SUPPRESS_BELOW, or would give a blank one back
        assert int(row["search_count"]) == per_ward.get(code, 0) >= below, code
        shown += 1
    assert 0 < shown < len(per_ward)


def test_an_officers_area_figures_are_the_recount_of_its_wards(
    app: Flask, searches: pd.DataFrame, offences: pd.DataFrame
) -> None:
    """Officer (Liverpool): the area's offences, change, headline and searches."""
    client = client_as(app, "officer", (LIVERPOOL,))
    mine = offences[offences["LAD23CD"] == LIVERPOOL]
    now, then = int((mine["Month"] >= "2019-10").sum()), int((mine["Month"] <= "2019-09").sum())
    assert (now, then) == (1808, 1500)
    data = client.get(f"/map.json?{OND}").get_json()
    assert (data["figures"]["offence"]["value"], data["figures"]["offence"]["prev"]) == (now, then)
    pct = math.floor(100 * (now - then) / then + 0.5)
    assert data["headline"] == (
        f"{pct}% more drug offences in Oct–Dec 2019 than in Jul–Sep 2019 ({now:,} vs {then:,})"
    )
    located = _located(searches, "Longitude", "Latitude")
    summer = client.get(f"/map.json?{JAS}").get_json()
    assert summer["figures"]["search"]["value"] == int((located["LAD23CD"] == LIVERPOOL).sum())
    assert summer["figures"]["search"]["value"] == 3084


def test_public_ward_counts_are_the_recount_or_blank(
    app_factory: AppFactory, merseyside_store: Store, offences: pd.DataFrame, tmp_path: Any
) -> None:
    """The public level: each ward's offences, blank under SUPPRESS_BELOW, never another
    number."""
    app = app_factory(
        merseyside_store.path, PUBLIC_MODE=True, WARM_PRESETS=0, CACHE_DIR=str(tmp_path)
    )
    below = int(app.config["SUPPRESS_BELOW"])
    per_ward = offences[offences["Month"] >= "2019-10"].groupby("WD23CD").size()
    rows = _ward_csv(app.test_client(), OND)
    assert len(rows) == 141
    blank = 0
    for code, row in rows.items():
        if row["offence_count"] == "":
            blank += 1
            continue
        assert int(row["offence_count"]) == per_ward.get(code, 0) >= below, code
    assert 0 < blank < len(rows)
