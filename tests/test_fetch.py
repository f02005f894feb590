"""``hotspots fetch`` against a local stand-in for the police.uk API built from the shipped CSVs:
the store it fills equals the CSV ingest of the same months (kept offences and searches by id,
month, location and ward; rejected rows by reason), with polygon splitting on 503, POST for long
polygons, a retry after 429, BTP crimes set aside, and re-fetching replacing a month.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from hotspots import schema
from hotspots.cli import DEMO_DATA, main
from hotspots.fetch import SET_ASIDE_BTP
from hotspots.fetch.cover import MARGIN_M, TOLERANCE_M
from hotspots.store import Store
from tests.policeuk_standin import StandIn, running

STREET = sorted((DEMO_DATA / "police_uk").glob("*-street.csv"))
SEARCH = sorted((DEMO_DATA / "police_uk").glob("*-stop-and-search.csv"))
WARDS = DEMO_DATA / "boundaries" / "wards_dec2023_bsc.geojson"
AREA = DEMO_DATA / "boundaries" / "force_area_pfa_dec2023_bsc.geojson"
MONTHS = ["--from", "2025-01", "--to", "2025-12"]
COMPARED = [schema.EVENT_ID, schema.MONTH, schema.LOCATION, schema.WARD_CODE, "x", "y"]


@pytest.fixture(scope="module")
def stand_in() -> StandIn:
    with running(DEMO_DATA / "police_uk", cap=120) as server:
        yield server


@pytest.fixture(scope="module")
def csv_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "store"
    files = [str(p) for p in (*STREET, *SEARCH)]
    args = ["ingest", *files, "--wards", str(WARDS), "--force-area", str(AREA)]
    assert main([*args, "--store", str(path)]) == 0
    return path


def _fetch(stand_in: StandIn, store: Path, *extra: str) -> dict:
    return _run(
        [
            "fetch",
            "--force",
            "cambridgeshire",
            "--base-url",
            stand_in.base_url,
            "--store",
            str(store),
            "--requests-per-second",
            "1000",
            "--json",
            *extra,
        ]
    )


def _run(argv: list[str]) -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    assert status == 0, out.getvalue()[-2000:]
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def fetched(stand_in: StandIn, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("fetched") / "store"
    report = _fetch(stand_in, path, *MONTHS, "--wards", str(WARDS), "--force-area", str(AREA))
    return path, report


def _events(store: Path, layer: str) -> pd.DataFrame:
    frame = Store(store).load([layer])
    frame["x"], frame["y"] = frame.geometry.x.round(1), frame.geometry.y.round(1)
    return frame[COMPARED].sort_values(schema.EVENT_ID).reset_index(drop=True)


def _rejected(store: Path, layer: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for entry in Store(store).sources(layer):
        out.update(entry["rejected"])
    return out


def _outside_within_margin() -> int:
    """CSV offences outside the force area but within the fetch's margin of it (worked out
    here from the CSVs and the boundary, independently of the fetch)."""
    rows = pd.concat(pd.read_csv(p, dtype=str) for p in STREET).dropna(subset=["Longitude"])
    points = gpd.GeoSeries(
        gpd.points_from_xy(rows["Longitude"].astype(float), rows["Latitude"].astype(float)),
        crs="EPSG:4326",
    ).to_crs(schema.CRS_BNG)
    area = gpd.read_file(AREA).to_crs(schema.CRS_BNG).geometry.union_all()
    distance_m = points.distance(area)
    # No row so near the edge of the margin that the outline's simplification could decide it.
    edge = (distance_m - MARGIN_M).abs()
    assert not (edge <= 2 * TOLERANCE_M).any()
    assert (distance_m > MARGIN_M).sum() > 0  # some are too far out for any polygon query
    return int(((distance_m > 0) & (distance_m <= MARGIN_M)).sum())


def test_fetch_fills_the_store_as_the_csv_ingest_does(
    csv_store: Path, fetched: tuple[Path, dict]
) -> None:
    store, report = fetched
    for layer in ("offence", "search"):
        by_csv, by_api = _events(csv_store, layer), _events(store, layer)
        assert len(by_csv) > 0
        pd.testing.assert_frame_equal(by_api, by_csv)
    assert _rejected(store, "search") == _rejected(csv_store, "search")
    csv_rejected, api_rejected = _rejected(csv_store, "offence"), _rejected(store, "offence")
    outside = schema.REASON_OUTSIDE_AREA
    assert api_rejected[outside] == _outside_within_margin() < csv_rejected[outside]
    assert api_rejected[schema.REASON_NO_LOCATION] == 95  # crimes-no-location, as in the CSVs
    assert {k: v for k, v in api_rejected.items() if k != outside} == {
        k: v for k, v in csv_rejected.items() if k != outside
    }
    assert report["months"] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert report["no_stop_and_search"] == [m for m in report["months"] if m != "2025-07"]
    assert all(report["sources"][i]["rows_read"] > 0 for i in range(len(report["sources"])))


def test_fetch_splits_full_polygons_posts_long_ones_and_retries(
    stand_in: StandIn, fetched: tuple[Path, dict]
) -> None:
    _, report = fetched
    statuses = Counter(status for _, path, status in stand_in.log if "crimes-street/" in path)
    assert statuses[503] == report["splits"] > 0  # every "too many" split its polygon
    assert report["posts"] > 0 and any(m == "POST" for m, _, _ in stand_in.log)
    assert not any(s == 400 for _, _, s in stand_in.log)  # no GET was too long
    assert report["retries"] >= 1 and any(s == 429 for _, _, s in stand_in.log)
    # One BTP crime a month was returned and set aside, never written as the force's.
    assert all(report["set_aside"][m][SET_ASIDE_BTP] == 1 for m in report["months"])


def test_refetching_a_month_replaces_it(stand_in: StandIn, csv_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    july = ["--from", "2025-07", "--to", "2025-07"]
    _fetch(stand_in, store, *july, "--wards", str(WARDS), "--force-area", str(AREA))
    first = {layer: _events(store, layer) for layer in ("offence", "search")}
    again = _fetch(stand_in, store, *july)  # the store's own boundaries this time
    assert again["months"] == ["2025-07"]
    for layer in ("offence", "search"):
        pd.testing.assert_frame_equal(_events(store, layer), first[layer])
    assert len(Store(store).sources()) == 2
    csv_july = _events(csv_store, "offence")
    assert len(first["offence"]) == (csv_july[schema.MONTH] == "2025-07").sum()


def test_fetch_explains_what_it_cannot_do(stand_in: StandIn, tmp_path: Path) -> None:
    new = tmp_path / "store"
    base = ["fetch", "--base-url", stand_in.base_url, "--store", str(new)]
    boundaries = ["--wards", str(WARDS), "--force-area", str(AREA)]
    assert main([*base, "--force", "cambridgeshire", *MONTHS]) == 2  # new store, no boundaries
    assert main([*base, "--force", "nowhere", *MONTHS, *boundaries]) == 2
    future = ["--from", "2030-01", "--to", "2030-02"]
    assert main([*base, "--force", "cambridgeshire", *future, *boundaries]) == 2
    assert not Store(new).exists()


def test_a_crime_returned_by_two_polygons_is_kept_once(stand_in: StandIn) -> None:
    from hotspots.fetch import SET_ASIDE_COPY, FetchReport, _offences
    from hotspots.fetch.api import PoliceUkApi
    from hotspots.fetch.cover import cover

    polygons = cover(gpd.read_file(AREA).to_crs(schema.CRS_BNG))
    api = PoliceUkApi(stand_in.base_url, min_interval_s=0)
    report = FetchReport([], [], None)
    once, _ = _offences(api, "cambridgeshire", "C", "2025-03", polygons, report)
    twice, set_aside = _offences(api, "cambridgeshire", "C", "2025-03", polygons * 2, report)
    assert twice == once and len(once) > 0
    located = sum(1 for row in once if row[4])  # Longitude
    assert set_aside[SET_ASIDE_COPY] == located + 1  # and the BTP crime's copy


def test_an_api_that_does_not_answer_is_retried_then_named(tmp_path: Path) -> None:
    import socket

    from hotspots.fetch.api import FetchError, PoliceUkApi

    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    api = PoliceUkApi(
        f"http://127.0.0.1:{port}/api", attempts=3, min_interval_s=0, sleep=waits.append
    )
    with pytest.raises(FetchError, match=r"/api/stops-force .*after 3 attempt"):
        api.get("stops-force", {"force": "cambridgeshire", "date": "2025-07"})
    assert api.retries == 2 and waits == [1.0, 2.0]  # back-off doubles


def test_a_store_of_every_crime_type_is_refused(stand_in: StandIn, tmp_path: Path) -> None:
    store = tmp_path / "store"
    ingest = ["ingest", str(STREET[0]), "--wards", str(WARDS), "--force-area", str(AREA)]
    assert main([*ingest, "--all-crime-types", "--store", str(store)]) == 0
    before = Store(store).manifest()
    argv = ["fetch", "--base-url", stand_in.base_url, "--store", str(store)]
    assert main([*argv, "--force", "cambridgeshire", "--from", "2025-02", "--to", "2025-02"]) == 2
    assert Store(store).manifest() == before
