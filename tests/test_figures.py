"""Issue 12, findings 1-3: true figures, one redaction per role, no point finer than the role.

- the figure rule (:mod:`hotspots.figures`) on hand-made cases;
- every output (briefing page, ``/map.json``, map headline, ``/api/v1/meta``, ``hotspots
  analyse --json``) gives the same figures, on the demo store (stop-and-search held for July 2025
  only, SYNTHETIC raids every month of 2025) and on a store built from the real Cambridgeshire
  files without the raid file (searches in every month of 2019-07..09, July only in 2025);
- the commissioner's briefing gives the analyst's force figures; officers and the public see no
  raid count, month or column; a scoped officer gets the area's totals and headline;
- for roles without exact points, no hotspot shape, label, popup or coordinate lies within 1 m of
  an offence (the polygons are unions of ``SNAP_M`` grid cells).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from flask import Flask
from pyproj import Transformer

from hotspots.analysis import analyse
from hotspots.cli import main
from hotspots.cli.analysis import format_analysis
from hotspots.figures import layer_figure
from hotspots.periods import Period
from hotspots.presentation import analysis_json
from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import DEMO, REAL, AppFactory, ClientFor

AUTUMN = "from=2025-09&to=2025-11"
SUMMER = "from=2025-06&to=2025-08"
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
CARD_LAYERS = (
    ("Drug offences recorded", "offence"),
    ("Drug stop-and-searches", "search"),
    ("Drug raids", "raid"),
)


# -- the rule ------------------------------------------------------------------------------------


def test_a_layer_held_for_some_months_is_no_data_naming_them() -> None:
    summer, spring = Period.months("2025-06", "2025-08"), Period.months("2025-03", "2025-05")
    fig = layer_figure("search", 153, 0, summer, spring, held=["2025-07"])
    assert fig.value is None and fig.change is None and fig.prev is None
    assert fig.status == "partial" and fig.months_held == ("2025-07",)
    assert fig.note == "stop-and-search records held for Jul 2025 only"
    assert fig.text() == "No data"


def test_a_layer_never_stored_is_no_records_held_never_zero() -> None:
    autumn = Period.months("2025-09", "2025-11")
    fig = layer_figure("raid", 0, 0, autumn, autumn.previous(), held=[])
    assert fig.value is None and fig.status == "no records"
    assert fig.note == "no raid records held"


def test_a_change_needs_both_periods_held() -> None:
    held = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11"]
    autumn = Period.months("2025-09", "2025-11")
    fig = layer_figure("offence", 120, 0, autumn, autumn.previous(), held=held)
    assert fig.value == 120 and fig.change is None and fig.prev is None
    assert fig.change_note == (
        "no data for the comparison period Jun–Aug 2025 "
        "(drug offence records held for Jul–Aug 2025 only)"
    )
    both = layer_figure("offence", 120, 80, autumn, autumn.previous(), held=["2025-06", *held])
    assert (both.value, both.prev, both.change, both.change_pct) == (120, 80, 40, 50.0)


# -- the web app on the demo store ----------------------------------------------------------------


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    cache = tmp_path_factory.mktemp("figures-cache")
    return app_factory(CACHE_DIR=str(cache), WARM_PRESETS=0)


def _cards(html: str) -> dict[str, tuple[str, str]]:
    """The briefing page's cards: label -> (value, detail)."""
    found = re.findall(
        r'<dt>([^<]*?)(?: <strong class="tag">[^<]*</strong>)?</dt>\s*'
        r'<dd class="value">([^<]*)</dd>\s*<dd>([^<]*)</dd>',
        html,
    )
    return {label: (value, detail) for label, value, detail in found}


def test_the_commissioners_briefing_gives_the_analysts_force_figures(client_for: ClientFor) -> None:
    """Before: 0 searches, 0 raids, 0 arrests and £0, and "0, -50 on the previous period"."""
    cards = {
        r: _cards(client_for(r).get(f"/briefing?{AUTUMN}").get_data(as_text=True))
        for r in ("analyst", "commissioner")
    }
    assert cards["commissioner"] == cards["analyst"]
    got = cards["commissioner"]
    assert got["Drug raids"][0] == "71" and got["Arrests at raids"][0] == "110"
    assert got["Value of drugs seized"][0] == "£1,003,560"
    # July 2025 only: no number, no change, the months held named
    assert got["Drug stop-and-searches"] == (
        "No data",
        "no stop-and-search records held for Sep–Nov 2025",
    )
    july = _cards(
        client_for("commissioner").get("/briefing?from=2025-07&to=2025-07").get_data(as_text=True)
    )
    assert july["Drug stop-and-searches"][0] == "153"


def test_a_layer_held_for_part_of_the_period_is_no_data_in_every_output(
    client_for: ClientFor,
) -> None:
    client = client_for("analyst")
    cards = _cards(client.get(f"/briefing?{SUMMER}").get_data(as_text=True))
    assert cards["Drug stop-and-searches"] == (
        "No data",
        "stop-and-search records held for Jul 2025 only",
    )
    data = client.get(f"/map.json?{SUMMER}").get_json()
    assert data["figures"]["search"]["value"] is None
    assert data["figures"]["search"]["note"] == "stop-and-search records held for Jul 2025 only"
    assert data["totals"]["search_count"] is None  # before: 153, as if June and August were 0
    meta = client.get("/api/v1/meta").get_json()
    assert meta["layers"]["search"]["months_held"] == ["2025-07"]
    # ward and hotspot tables too: no search count where searches are not held, not 0
    for query, known in ((SUMMER, False), ("from=2025-07&to=2025-07", True)):
        wards = client.get(f"/api/v1/wards?{query}").get_json()["features"]
        counts = [f["properties"]["search_count"] for f in wards]
        assert all((c is not None) == known for c in counts), query
        assert (sum(counts) == 153) if known else True
        hotspots = client.get(f"/api/v1/hotspots?{query}").get_json()["features"]
        assert all((f["properties"]["searches"] is not None) == known for f in hotspots), query


@pytest.mark.parametrize("role", ("analyst", "commissioner"))
def test_briefing_map_json_and_map_page_agree(client_for: ClientFor, role: str) -> None:
    client = client_for(role)
    for query in (AUTUMN, SUMMER, "from=2025-07&to=2025-07"):
        data = client.get(f"/map.json?{query}").get_json()
        page = client.get(f"/briefing?{query}").get_data(as_text=True)
        cards = _cards(page)
        figures = data["figures"]
        for label, layer in CARD_LAYERS:
            value = figures[layer]["value"]
            assert cards[label][0] == ("No data" if value is None else f"{value:,}"), (query, label)
        assert data["totals"]["offence_count"] == figures["offence"]["value"]
        assert data["headline"] in page  # the briefing's headline is the map's
        index = client.get(f"/?{query}").get_data(as_text=True)
        assert data["headline"] in index.replace("&#39;", "'")


def test_officers_and_the_public_get_no_raid_count_month_or_column(
    client_for: ClientFor, app_factory: AppFactory
) -> None:
    """Before: /api/v1/meta and /map.json gave officers raid counts and months."""
    officer = client_for("officer")
    for url in (
        f"/map.json?{AUTUMN}",
        "/api/v1/meta",
        f"/api/v1/wards?{AUTUMN}",
        f"/api/v1/hotspots?{AUTUMN}",
        f"/api/v1/hotspots?{AUTUMN}&format=csv",
        f"/?{AUTUMN}",
        f"/map/frame?{AUTUMN}",
    ):
        text = officer.get(url).get_data(as_text=True)
        text = re.sub(r"&(amp;)?raids=0", "", text)  # the view's own (off) switch in links
        assert "raid" not in text.lower(), url
    public = app_factory(PUBLIC_MODE=True, WARM_PRESETS=0, CACHE_DIR="").test_client()
    for url in (f"/map.json?{AUTUMN}", "/api/v1/meta", f"/api/v1/wards?{AUTUMN}"):
        text = public.get(url).get_data(as_text=True)
        assert "raid" not in text.lower(), url
    # suppressed ward counts are blanks on the compare page, not a crash (before: 500)
    compare = public.get(f"/compare?{AUTUMN}")
    assert compare.status_code == 200
    assert re.search(r'<td class="num"[^>]*>–</td>', compare.get_data(as_text=True))


def test_a_scoped_officer_gets_the_areas_totals_and_headline(client_for: ClientFor) -> None:
    """Before: the force's totals and headline."""
    force = client_for("analyst").get(f"/map.json?{AUTUMN}").get_json()
    area = client_for("officer").get(f"/map.json?{AUTUMN}").get_json()
    wards = client_for("officer").get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    count = sum(f["properties"]["offence_count"] for f in wards)
    prev = sum(f["properties"]["offence_prev"] for f in wards)
    assert {f["properties"]["district_code"] for f in wards} == {"E07000008"}
    assert area["totals"]["offence_count"] == count < force["totals"]["offence_count"]
    assert area["figures"]["offence"]["prev"] == prev
    assert f"({count:,} vs {prev:,})" in area["headline"]
    meta = client_for("officer").get("/api/v1/meta").get_json()
    everyone = client_for("analyst").get("/api/v1/meta").get_json()
    assert 0 < meta["layers"]["offence"]["events"] < everyone["layers"]["offence"]["events"]


def test_a_scoped_officers_offences_in_hotspots_are_the_areas(
    client_for: ClientFor, demo_store: Store
) -> None:
    """Before: "N of M offences fall in hotspots" read the force's N against the area's M, and
    the officer's parameters carried the force's offence counts. The officer's hotspots are
    found with the automatic rules applied to their area's offences
    (:func:`web.access.area_parameters`), among the force's offences, then cut to the area."""
    from hotspots.cluster.core import DetectorCore
    from hotspots.parameters import AUTO

    period = Period.parse("2025-09..2025-11")
    force = analyse(demo_store, period)
    area = force.wards.loc[force.wards["district_code"] == "E07000008", "ward_code"]
    events = force.events
    drugs = events[
        (events["layer"] == "offence")
        & (events["category"] == "Drugs")
        & events["ward_code"].isin(area)
    ]
    rule = DetectorCore(eps_m=AUTO, min_samples=AUTO, n_months=period.n_months)
    params = rule.fit(drugs).params_
    whole = analyse(
        demo_store, period, eps_m=round(params["eps_m"]), min_samples=int(params["min_samples"])
    )
    own = whole.hotspots.loc[whole.hotspots["ward_code"].isin(area), "hotspot_id"]
    events = whole.events
    offences = events[(events["layer"] == "offence") & events["ward_code"].isin(area)]
    expected = int(offences["hotspot_id"].isin(own).sum())
    assert 0 < expected < whole.parameters["offences_in_hotspots"]  # the area's, not the force's
    officer = client_for("officer")
    meta = officer.get(f"/map.json?{AUTUMN}").get_json()["metadata"]["parameters"]
    assert meta["offences_in_hotspots"] == expected
    assert not {"n_samples", "n_locations", "total_weight"} & set(meta)
    assert not {"drug_offences", "all_offences"} & set(meta.get("significance") or {})
    page = officer.get(f"/?{AUTUMN}").get_data(as_text=True)
    area_total = len(offences)
    assert re.search(rf"{expected:,} of\s+{area_total:,} offences fall in hotspots", page)
    features = officer.get(f"/api/v1/hotspots?{AUTUMN}").get_json()["features"]
    shares = [f["properties"]["share_of_offences"] for f in features]
    assert shares == [pytest.approx(f["properties"]["offences"] / area_total) for f in features]
    assert meta["min_samples"] == int(params["min_samples"])
    analyst = client_for("analyst").get(f"/map.json?{AUTUMN}").get_json()["metadata"]
    assert analyst["parameters"]["offences_in_hotspots"] == force.parameters["offences_in_hotspots"]


def test_the_commissioner_sees_raid_aggregates_with_small_ward_counts_suppressed(
    app: Flask, client_for: ClientFor
) -> None:
    client = client_for("commissioner")
    below = int(app.config["SUPPRESS_BELOW"])
    data = client.get(f"/map.json?{AUTUMN}").get_json()
    assert data["totals"]["raid_count"] == 71
    wards = client.get(f"/api/v1/wards?{AUTUMN}").get_json()["features"]
    raids = [f["properties"]["raid_count"] for f in wards]
    offences = [f["properties"]["offence_count"] for f in wards]
    assert None in raids and all(r is None or r >= below for r in raids)
    assert all(o is not None for o in offences)  # offence counts are not suppressed
    assert sum(offences) == data["totals"]["offence_count"]


# -- a store built from the real files, without the raid file -------------------------------------


def _real_store(folder: Path, months: tuple[str, ...]) -> Path:
    """A store of the real Cambridgeshire street and stop-and-search files of ``months`` (no
    raid file: the store holds no raid record at all)."""
    if not REAL.is_dir():
        pytest.skip(f"real data not found at {REAL} (present in CI; optional for a clone)")
    cambs = REAL / "police_uk" / "cambridgeshire"
    files = [cambs / "street" / f"{m}-cambridgeshire-street.csv" for m in months]
    files += [p for p in sorted((cambs / "stop_and_search").glob("*.csv")) if p.name[:7] in months]
    wards = (
        REAL / "boundaries" / "wards_dec2023_bsc" / "cambs_peterborough_wards_dec2023_bsc.geojson"
    )
    area = REAL / "boundaries" / "pfa_dec2023_bsc" / "cambridgeshire_pfa_dec2023_bsc.geojson"
    path = folder / "store"
    args = ["--store", str(path), "--wards", str(wards), "--force-area", str(area)]
    assert main(["ingest", *args, *map(str, files)]) == 0
    return path


@pytest.fixture(scope="module")
def real_2019(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2019-07..09: searches held in every month."""
    return _real_store(tmp_path_factory.mktemp("real-2019"), ("2019-07", "2019-08", "2019-09"))


@pytest.fixture(scope="module")
def real_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2025-06..08: searches held for July only."""
    return _real_store(tmp_path_factory.mktemp("real-2025"), ("2025-06", "2025-07", "2025-08"))


def test_real_store_without_raids_says_no_raid_records_held(
    real_2019: Path, real_2025: Path
) -> None:
    store = Store(real_2019)
    autumn19 = analyse(store, Period.months("2019-07", "2019-09"))
    data = analysis_json(autumn19, top=5)
    assert data["figures"]["raid"]["value"] is None
    assert data["figures"]["raid"]["note"] == "no raid records held"
    assert data["totals"]["raid_count"] is None  # before: 0
    text = format_analysis(autumn19, top=5)  # `hotspots analyse` (text)
    assert "Drug raids: no data (no raid records held)" in text
    assert f"Drug stop-and-searches: {data['figures']['search']['value']:,}" in text
    assert "Raids: 0 of" not in text  # before: "Raids: 0 of N hotspots had raids"
    searches = store.load(layers=["search"], months=list(autumn19.period.months))
    assert data["figures"]["search"]["value"] == len(searches) > 0  # held every month
    assert data["figures"]["search"]["change"] is None  # 2019-04..06 not held
    summer25 = analysis_json(analyse(Store(real_2025), Period.months("2025-06", "2025-08")), top=5)
    assert summer25["figures"]["search"]["value"] is None
    assert summer25["figures"]["search"]["note"] == (
        "stop-and-search records held for Jul 2025 only"
    )


def test_real_store_briefing_and_map_json_agree(
    app_factory: AppFactory, real_2019: Path, tmp_path: Path
) -> None:
    app = app_factory(real_2019, CACHE_DIR=str(tmp_path), WARM_PRESETS=0)
    for role in ("analyst", "commissioner"):
        client = client_as(app, role)
        cards = _cards(client.get("/briefing?from=2019-07&to=2019-09").get_data(as_text=True))
        data = client.get("/map.json?from=2019-07&to=2019-09").get_json()
        assert cards["Drug raids"] == ("No data", "no raid records held"), role  # before: "0"
        assert cards["Value of drugs seized"][0] == "No data"
        assert cards["Drug stop-and-searches"][0] == f"{data['figures']['search']['value']:,}"
        assert data["totals"]["raid_count"] is None


# -- no point finer than the role allows -----------------------------------------------------------


def _offences_bng(store_path: Path, months: list[str]) -> shapely.STRtree:
    events = Store(store_path).load(layers=["offence"], months=months)
    return shapely.STRtree(events.geometry.to_numpy())


def _near_an_offence(tree: shapely.STRtree, lonlat: np.ndarray, within_m: float) -> int:
    x, y = _TO_BNG.transform(lonlat[:, 0], lonlat[:, 1])
    hits, _ = tree.query(shapely.points(x, y), predicate="dwithin", distance=within_m)
    return len(np.unique(hits))


def _frame_lonlat(html: str) -> np.ndarray:
    """Every coordinate pair in a map frame: GeoJSON ``[lon, lat]`` and Leaflet ``[lat, lon``
    (markers, popups, heat), told apart by range (Cambridgeshire: lat 51-54, lon -1..1)."""
    pairs = np.array(re.findall(r"(-?\d+\.\d+),\s*(-?\d+\.\d+)", html), dtype=float)
    lat_first = (pairs[:, 0] > 51) & (pairs[:, 0] < 54) & (np.abs(pairs[:, 1]) < 1)
    lon_first = (pairs[:, 1] > 51) & (pairs[:, 1] < 54) & (np.abs(pairs[:, 0]) < 1)
    out = np.vstack([pairs[lat_first][:, ::-1], pairs[lon_first]])
    assert len(out) > 100
    return out


def _coordinates(geojson: dict) -> np.ndarray:
    return np.array(
        [
            xy
            for f in geojson["features"]
            for xy in shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))
        ]
    )


@pytest.mark.parametrize("role", ("commissioner", "officer"))
def test_hotspot_shapes_are_unions_of_snap_cells(
    app: Flask, client_for: ClientFor, role: str
) -> None:
    """Before: a 50 m buffer of the hull of exact points (erode by 49.5 m: the offences)."""
    snap_m = float(app.config["SNAP_M"])
    hotspots = client_for(role).get(f"/api/v1/hotspots?{AUTUMN}").get_json()
    assert hotspots["features"]
    xy = _coordinates(hotspots)
    x, y = _TO_BNG.transform(xy[:, 0], xy[:, 1])
    off_x = np.abs((x + snap_m / 2) % snap_m - snap_m / 2)
    off_y = np.abs((y + snap_m / 2) % snap_m - snap_m / 2)
    assert off_x.max() < 1 and off_y.max() < 1  # every vertex a grid corner (6 decimals)


@pytest.mark.parametrize("role", ("commissioner", "officer"))
def test_no_hotspot_coordinate_label_or_popup_is_an_offence(
    client_for: ClientFor, role: str, demo_store_path: Path
) -> None:
    tree = _offences_bng(demo_store_path, ["2025-09", "2025-10", "2025-11"])
    client = client_for(role)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/api/v1/hotspots?{AUTUMN}&format=csv").get_data(as_text=True))
        )
    )
    assert rows
    lonlat = np.array([[float(r["lon"]), float(r["lat"])] for r in rows])
    assert _near_an_offence(tree, lonlat, 1.0) == 0  # before: every one-location hotspot
    frame = client.get(f"/map/frame?{AUTUMN}").get_data(as_text=True)
    assert _near_an_offence(tree, _frame_lonlat(frame), 1.5) == 0  # shapes, labels, popups, heat


def test_analysts_still_see_exact_hotspots(client_for: ClientFor, demo_store_path: Path) -> None:
    tree = _offences_bng(demo_store_path, ["2025-09", "2025-10", "2025-11"])
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for("analyst")
                .get(f"/api/v1/hotspots?{AUTUMN}&format=csv")
                .get_data(as_text=True)
            )
        )
    )
    lonlat = np.array([[float(r["lon"]), float(r["lat"])] for r in rows])
    assert _near_an_offence(tree, lonlat, 1.0) > 0  # one-location hotspots sit on their point


def test_officers_patrol_places_are_made_from_snapped_cells(
    app: Flask, client_for: ClientFor, demo_store_path: Path
) -> None:
    snap_m = float(app.config["SNAP_M"])
    tree = _offences_bng(demo_store_path, ["2025-09", "2025-10", "2025-11"])
    text = client_for("officer").get("/patrol.csv?to=2025-11").get_data(as_text=True)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    rows = list(csv.DictReader(lines[start:]))
    assert rows and all(r["location"] for r in rows)  # places are still named
    lonlat = np.array([[float(r["lon"]), float(r["lat"])] for r in rows])
    assert _near_an_offence(tree, lonlat, 1.0) == 0
    analyst = client_for("analyst").get("/patrol.csv?to=2025-11&area=district&district=E07000008")
    a_lines = analyst.get_data(as_text=True).splitlines()
    a_rows = list(
        csv.DictReader(a_lines[next(i for i, x in enumerate(a_lines) if x.startswith("rank")) :])
    )
    assert [r["location"] for r in a_rows] == [r["location"] for r in rows]  # same places
    assert snap_m > 0


def test_real_store_pdf_briefing_says_no_raid_records_held(
    app_factory: AppFactory, real_2019: Path, tmp_path: Path
) -> None:
    """The PDF twin of the briefing card (before: "Drug raids 0", "£0")."""
    import os
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install poppler-utils (pdftotext) to check the PDF briefing")
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    app = app_factory(real_2019, CACHE_DIR=str(tmp_path), WARM_PRESETS=0)
    client = client_as(app, "commissioner")
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(client.get("/briefing.pdf?from=2019-07&to=2019-09").get_data())
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True)
    text = " ".join(done.stdout.decode().split())
    assert "no raid records held" in text
    assert "£0" not in text
    searches = client.get("/map.json?from=2019-07&to=2019-09").get_json()["figures"]["search"]
    assert f"{searches['value']:,}" in text


def test_months_held_by_raids_alone_are_not_named_to_officers(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """/api/v1/meta's months, for a role without raid figures, are those of the layers it
    may see: a month only the raid file holds is not named."""
    streets = sorted((DEMO / "police_uk").glob("2025-*-street.csv"))[1:]  # no January
    raids = DEMO / "raids" / "SYNTHETIC-raids-2025.csv"
    boundaries = DEMO / "boundaries"
    store = tmp_path / "store"
    args = [
        "--store",
        str(store),
        "--wards",
        str(boundaries / "wards_dec2023_bsc.geojson"),
        "--force-area",
        str(boundaries / "force_area_pfa_dec2023_bsc.geojson"),
    ]
    assert main(["ingest", *args, *map(str, [*streets, raids])]) == 0
    app = app_factory(store, CACHE_DIR="", WARM_PRESETS=0)
    analyst = client_as(app, "analyst").get("/api/v1/meta").get_json()
    officer = client_as(app, "officer").get("/api/v1/meta").get_json()
    assert analyst["months"][0] == "2025-01" and analyst["layers"]["raid"]["events"] > 0
    assert officer["months"][0] == "2025-02" and "2025-01" not in json.dumps(officer)
