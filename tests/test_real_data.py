"""The real public data: every row accounted for, and the ward join checked independently."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.ingest import ingest
from hotspots.sources import detect_kind, read_source
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real(request: pytest.FixtureRequest) -> Path:
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
    if not root.is_dir():
        pytest.skip(f"real data not found at {root} (present in CI; optional for a clone)")
    return root


@pytest.fixture(scope="module")
def cambs_2025(real: Path, tmp_path_factory: pytest.TempPathFactory):
    """The 12 real 2025 street files ingested against Dec 2023 wards and the force area."""
    street = sorted((real / "police_uk/cambridgeshire/street").glob("2025-*.csv"))
    wards = read_wards(
        real / "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson"
    )
    area = read_force_area(
        real / "boundaries/pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson"
    )
    store = Store(tmp_path_factory.mktemp("real") / "store")
    report = ingest(street, wards=wards, force_area=area, store=store)
    return street, wards, area, store, report


def test_2025_street_rows_reconcile(cambs_2025) -> None:
    street, _, _, _, report = cambs_2025
    total_rows = sum(len(pd.read_csv(p, dtype=str)) for p in street)  # independent count
    layers = report.by_layer()
    assert layers["offence"]["read"] == total_rows == 84941
    assert layers["offence"]["read"] == layers["offence"]["kept"] + layers["offence"]["rejected"]
    assert report.reconciles()
    reasons = layers["offence"]["reasons"]
    assert reasons["no location"] == 95  # located drug offences: 2,824 - 95 = 2,729
    assert reasons["outside force area"] == 40
    assert reasons["not a drug record"] == total_rows - 2824


def test_2689_of_2729_located_drug_offences_fall_in_a_dec_2023_ward(cambs_2025, real) -> None:
    street, _, _, store, _ = cambs_2025
    events = store.load(["offence"])
    assert len(events) == 2689
    assert set(events["ward_match"]) == {"within"}
    # Independent check with plain geopandas on the raw CSVs.
    raw = pd.concat([pd.read_csv(p) for p in street], ignore_index=True)
    drugs = raw[(raw["Crime type"] == "Drugs") & raw["Longitude"].notna()]
    assert len(drugs) == 2729
    points = gpd.GeoDataFrame(
        drugs[["Crime ID"]],
        geometry=gpd.points_from_xy(drugs["Longitude"], drugs["Latitude"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:27700")
    wards = gpd.read_file(
        real / "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson"
    ).to_crs("EPSG:27700")
    joined = gpd.sjoin(points, wards[["WD23CD", "geometry"]], predicate="within")
    assert joined["Crime ID"].nunique() == len(joined) == 2689
    ours = events.set_index("event_id")["ward_code"].sort_index()
    theirs = joined.set_index("Crime ID")["WD23CD"].sort_index()
    pd.testing.assert_series_equal(ours, theirs, check_names=False, check_dtype=False)


def test_sep_to_nov_2025_rise_is_in_the_store(cambs_2025) -> None:
    store = cambs_2025[3]
    per_month = store.load(["offence"])["month"].value_counts().sort_index()
    assert per_month["2025-09"] > per_month["2025-08"]
    assert per_month["2025-11"] > per_month["2025-10"] > per_month["2025-09"]


def test_2021_file_without_its_header_reads_the_same(real: Path, tmp_path: Path) -> None:
    # Upstream published this month with no header row; the shared copy has one added.
    original = real / "police_uk/cambridgeshire/street/2021-01-cambridgeshire-street.csv"
    lines = original.read_bytes().split(b"\n", 1)
    headerless = tmp_path / original.name
    headerless.write_bytes(lines[1])
    assert detect_kind(headerless) == "street"
    a = read_source(original, "street")
    b = read_source(headerless, "street")
    assert a.rows_read == b.rows_read == 5252
    assert len(a.events) == len(b.events) == 203  # 205 Drugs rows, 2 without a location
    assert (b.events["source_row"] == a.events["source_row"] - 1).all()


def test_stop_search_uk_local_months(real: Path) -> None:
    folder = real / "police_uk/cambridgeshire/stop_and_search"
    july_2019 = read_source(folder / "2019-07-cambridgeshire-stop-and-search.csv", "stop_search")
    assert july_2019.rows_read == 180
    assert len(july_2019.events) == 112  # "Controlled drugs"
    # Two rows are dated 30 June in UTC, but were 1 July in BST, so all are July.
    assert set(july_2019.events["month"]) == {"2019-07"}
    sept = read_source(folder / "2019-09-cambridgeshire-stop-and-search.csv", "stop_search")
    assert set(sept.events["month"]) == {"2019-09"}
    assert len(sept.events) == 88


def test_boundaries_of_every_vintage_and_format(real: Path) -> None:
    b = real / "boundaries"
    w19 = read_wards(b / "wards_dec2019_bgc_simplified/cambs_peterborough_wards_dec2019.geojson")
    assert (w19.vintage, len(w19.frame)) == ("WD19", 126)
    w13 = read_wards(sorted((b / "wards_2013_martinjc").glob("E*.json")))
    assert (w13.vintage, len(w13.frame)) == ("WD13", 147)
    assert w13.frame["district_code"].nunique() == 6  # from the file names
    assert str(w13.frame.crs) == "EPSG:27700"
    area = read_force_area(b / "pfa_dec2023_bsc/PFA_DEC_2023_EW_BSC.shp", force="Cambridgeshire")
    geojson_area = read_force_area(b / "pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson")
    assert area.frame.geometry.iloc[0].area == pytest.approx(
        geojson_area.frame.geometry.iloc[0].area, rel=1e-3
    )
    lads = read_wards(
        b / "lad_may2024_bgc/Local_Authority_Districts_May_2024_Boundaries_UK_BGC.topojson",
        code_column="LAD24CD",
        name_column="LAD24NM",
    )
    assert len(lads.frame) == 361 and lads.vintage == "custom"
    assert lads.repaired > 0  # the quantised TopoJSON has invalid polygons; all repaired
    assert lads.frame.geometry.is_valid.all()


def test_a_national_force_file_needs_a_force_named(real: Path) -> None:
    from hotspots.errors import BoundaryError

    shp = real / "boundaries/pfa_dec2023_bsc/PFA_DEC_2023_EW_BSC.shp"
    with pytest.raises(BoundaryError, match="holds 43 force areas; choose one with --force"):
        read_force_area(shp)
    with pytest.raises(BoundaryError, match="no force 'Atlantis'"):
        read_force_area(shp, force="Atlantis")
