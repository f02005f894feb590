"""True figures on stores shaped like other forces' (issue 12, third round).

A hand-made store (the toy world of ``tests/conftest.py``) whose answers are worked out by hand:

- street files for Jan-Mar and Jun-Dec 2025 (Apr and May missing: a gap in the middle);
- ward Alpha (Northshire): 4 drug offences every month, all on one point;
- ward Bravo (Southshire): 9 a month Jan-Aug, 10 in Sep, Oct and Nov, 13 in Dec;
- stop-and-search files for Jul, Aug and Sep only: 3 arrests in Bravo and 1 "no further action"
  in Alpha each month (searches held for fewer months than offences, as on Merseyside);
- one raid file with raids in Aug (1), Nov (1) and Dec (2), all in Bravo.

So Jul-Sep holds 12 + 28 = 40 offences and Oct-Dec 12 + 33 = 45: a change of +5, exactly
+12.5%, which every output must round the same way (half up: "13%"); Bravo alone goes 28 -> 33
(+17.86%: "18%"). Jun-Aug (39 offences) has the comparison period Mar-May, of which only March
is held.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.analysis import analyse
from hotspots.cli.analysis import format_analysis
from hotspots.periods import Period
from hotspots.store import Store
from hotspots.ward_summary import percent_shown
from tests.accounts import client_as
from tests.helpers import AppFactory, raid_row, search_row, store_of_rows, street_row

ALPHA_XY = (500_500.0, 200_500.0)
BRAVO_XY = (501_500.0, 200_500.0)
MONTHS = ("2025-01", "2025-02", "2025-03", *(f"2025-{m:02d}" for m in range(6, 13)))
BRAVO = {m: 9 for m in MONTHS} | {"2025-09": 10, "2025-10": 10, "2025-11": 10, "2025-12": 13}
AUTUMN = "from=2025-10&to=2025-12"
SUMMER = "from=2025-06&to=2025-08"


@pytest.fixture(scope="module")
def gap_toy(toy_boundaries: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = []
    for m in MONTHS:
        rows += [street_row(f"a-{m}-{i}", *ALPHA_XY, month=m) for i in range(4)]
        rows += [street_row(f"b-{m}-{i}", *BRAVO_XY, month=m) for i in range(BRAVO[m])]
    searches = []
    for m in ("2025-07", "2025-08", "2025-09"):
        searches += [search_row(m, *BRAVO_XY, outcome="Arrest") for _ in range(3)]
        searches.append(search_row(m, *ALPHA_XY))
    raids = [
        raid_row("R1", "2025-08-05", *BRAVO_XY),
        raid_row("R2", "2025-11-05", *BRAVO_XY),
        raid_row("R3", "2025-12-05", *BRAVO_XY),
        raid_row("R4", "2025-12-06", *BRAVO_XY),
    ]
    folder = tmp_path_factory.mktemp("gap_toy")
    return store_of_rows(rows, toy_boundaries, folder, searches=searches, raids=raids)


@pytest.fixture(scope="module")
def app(app_factory: AppFactory, gap_toy: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    cache = tmp_path_factory.mktemp("gap-toy-cache")
    return app_factory(
        gap_toy, CACHE_DIR=str(cache), WARM_PRESETS=0, TESTING=True, SIGNIFICANCE_SIMS=19
    )


@pytest.fixture(scope="module")
def analyst(app: Flask) -> FlaskClient:
    return client_as(app, "analyst")


def _cards(html: str) -> dict[str, tuple[str, str]]:
    """The briefing page's cards: label -> (value, detail)."""
    found = re.findall(
        r'<dt>([^<]*?)(?: <strong class="tag">[^<]*</strong>)?</dt>\s*'
        r'<dd class="value">([^<]*)</dd>\s*<dd>([^<]*)</dd>',
        html,
    )
    return {label: (value, detail) for label, value, detail in found}


def _pdf_text(client: FlaskClient, query: str, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed")
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(client.get(f"/briefing.pdf?{query}").get_data())
    done = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True)
    return " ".join(done.stdout.decode().split())


def test_the_toy_store_holds_what_the_docstring_says(gap_toy: Path) -> None:
    store = Store(gap_toy)
    held = {e["layer"]: set() for e in store.sources()}
    for e in store.sources():
        held[e["layer"]].update(e["months"])
    assert sorted(held["offence"]) == list(MONTHS)
    assert sorted(held["search"]) == ["2025-07", "2025-08", "2025-09"]
    assert sorted(held["raid"]) == ["2025-08", "2025-11", "2025-12"]
    autumn = analyse(store, Period.months("2025-10", "2025-12"))
    assert (autumn.totals["offence_count"], autumn.totals["offence_prev"]) == (45, 40)


# -- percentages: one rounding, one wording --------------------------------------------------------


def test_percent_shown_rounds_half_up_and_says_numbers_below_the_base() -> None:
    assert percent_shown(45, 40) == 13  # +12.5%: half up (Python's format gives 12)
    assert percent_shown(35, 40) == -13
    assert percent_shown(201, 200) == 1  # +0.5%
    assert percent_shown(401, 400) is None  # +0.25% would read "+0%": the difference instead
    assert percent_shown(40, 40) is None  # no change: no percentage
    assert percent_shown(4, 1000) == -99  # some remain: never "100% fewer"
    assert percent_shown(0, 10) == -100
    assert percent_shown(3, 1) is None  # below the base of 10: "2 more", never "+200%"
    assert percent_shown(5, 0) is None


def test_a_half_percent_change_is_rounded_the_same_in_every_output(
    analyst: FlaskClient, gap_toy: Path, tmp_path: Path
) -> None:
    """Before: the headline said "13% more" and the briefing's card and PDF "+12%" (Python's
    format rounds half to even), the ward popup "+18%" from the same kind of rule."""
    data = analyst.get(f"/map.json?{AUTUMN}").get_json()
    fig = data["figures"]["offence"]
    assert (fig["value"], fig["prev"], fig["change"], fig["change_pct"]) == (45, 40, 5, 12.5)
    headline = "13% more drug offences in Oct–Dec 2025 than in Jul–Sep 2025 (45 vs 40)"
    assert data["headline"] == headline
    cards = _cards(analyst.get(f"/briefing?{AUTUMN}").get_data(as_text=True))
    assert cards["Drug offences recorded"] == ("45", "+13% on Jul–Sep 2025 (40)")
    pdf = _pdf_text(analyst, AUTUMN, tmp_path)
    assert "+13% on Jul–Sep 2025 (40)" in pdf and "+12%" not in pdf
    page = analyst.get(f"/?{AUTUMN}").get_data(as_text=True)
    assert headline in page
    text = format_analysis(analyse(Store(gap_toy), Period.months("2025-10", "2025-12")), top=5)
    assert headline in text
    # the ward's raw percentage in the CSV, the rounded one in its popup (the map frame)
    wards = analyst.get(f"/api/v1/wards?{AUTUMN}&format=csv").get_data(as_text=True)
    bravo = next(r for r in csv.DictReader(io.StringIO(wards)) if r["ward_name"] == "Bravo")
    assert float(bravo["offence_change_pct"]) == pytest.approx(100 * 5 / 28)
    frame = analyst.get(f"/map/frame?{AUTUMN}").get_data(as_text=True)
    assert "+5 (+18%)" in frame
    assert "+0 (+0%)" not in frame and "0 (0%)" not in frame  # Alpha: 12 vs 12


# -- a comparison period straddling the gap -----------------------------------------------------

SUMMER_GAP = (
    "no data for the comparison period Mar–May 2025 (drug offence records held for Mar 2025 only)"
)


def test_a_comparison_period_partly_held_is_named_the_same_in_every_output(
    analyst: FlaskClient, tmp_path: Path
) -> None:
    """Jun-Aug against Mar-May (Mar held, Apr-May missing). Before: the headline named the
    months held, but the briefing card, its PDF and figures.*.change_note said only "no
    comparison period" (as if there were none)."""
    data = analyst.get(f"/map.json?{SUMMER}").get_json()
    assert data["headline"] == f"39 drug offences in Jun–Aug 2025; {SUMMER_GAP}"
    fig = data["figures"]["offence"]
    assert (fig["value"], fig["prev"], fig["change"]) == (39, None, None)
    assert fig["change_note"] == SUMMER_GAP
    cards = _cards(analyst.get(f"/briefing?{SUMMER}").get_data(as_text=True))
    assert cards["Drug offences recorded"] == ("39", SUMMER_GAP)
    pdf = _pdf_text(analyst, SUMMER, tmp_path)
    assert "no comparison period" not in pdf
    assert SUMMER_GAP in pdf.replace("- ", "-")
    # a layer not held in the comparison period says so (Jul-Sep searches against Apr-Jun)
    searches = analyst.get("/map.json?from=2025-07&to=2025-09").get_json()["figures"]["search"]
    assert searches["value"] == 12 and searches["change"] is None
    assert searches["change_note"] == "no data for the comparison period Apr–Jun 2025"


def test_months_without_events_are_never_months_that_hold_events(analyst: FlaskClient) -> None:
    """Before: for Jun-Aug (comparison Mar-May not complete, so not loaded) /map.json's
    totals.months_without_events said March had no drug offence: it holds 13."""
    gaps = analyst.get(f"/map.json?{SUMMER}").get_json()["totals"]["months_without_events"]
    assert gaps["offence"] == ["2025-04", "2025-05"]
    assert gaps["search"] == ["2025-03", "2025-04", "2025-05", "2025-06"]
    assert gaps["raid"] == ["2025-03", "2025-04", "2025-05", "2025-06", "2025-07"]


def test_hotspot_dynamics_never_join_months_across_the_gap(analyst: FlaskClient) -> None:
    """The trend classes (new, emerging, persistent, ...) are over consecutive single months
    (docs/periods.md: nothing is made across a missing month). Before: for Jun-Aug they ran over
    Mar, Jun, Jul and Aug ("####": persistent), as if Apr and May did not exist."""
    data = analyst.get(f"/map.json?{SUMMER}").get_json()
    dynamics = data["metadata"]["parameters"]["dynamics"]
    assert dynamics["periods"] == [
        "1 month to Jun 2025",
        "1 month to Jul 2025",
        "1 month to Aug 2025",
    ]
    assert {h["dynamics_hot"] for h in data["hotspots"]} <= {"###", "...", "#..", ".##"}
    assert all(h["periods"] == 3 for h in data["hotspots"])
    autumn = analyst.get(f"/map.json?{AUTUMN}").get_json()["metadata"]["parameters"]["dynamics"]
    assert len(autumn["periods"]) == 6  # Jul-Dec: one run, untouched


def test_the_patrol_plan_names_what_is_held_of_its_comparison_period(app: Flask) -> None:
    """Before: "12 drug offences in Jun–Aug 2025 (no comparison: the data does not cover
    Mar–May 2025)", though March is held; the same words as the map and briefing now."""
    officer = client_as(app, "officer", ("E07000001",))  # Northshire: a district of one ward
    rows = list(
        csv.DictReader(io.StringIO(officer.get("/patrol.csv?to=2025-08").get_data(as_text=True)))
    )
    assert [(r["ward_name"], r["offences"]) for r in rows] == [("Alpha", "12")]
    assert rows[0]["reason"].startswith(f"12 drug offences in Jun–Aug 2025, {SUMMER_GAP}; ")
    assert rows[0]["change"] == "" and "does not cover" not in rows[0]["reason"]
    page = officer.get("/patrol?to=2025-08").get_data(as_text=True)
    assert SUMMER_GAP in page
    # held up already: the forecast's history stops at the gap, the stability counts say how
    # many of the last 6 months are held (Mar, Jun, Jul, Aug)
    assert "The forecast uses the months Jun–Aug 2025 only" in page
    assert "(of 4 available)" in rows[0]["reason"]
    assert rows[0]["months_available_last_6"] == "4"


# -- searches and raids held for fewer months than offences ---------------------------------------

SEARCH_NOTE = "stop-and-search records held for Jul–Aug 2025 only"


@pytest.mark.parametrize("role", ("analyst", "commissioner", "officer"))
def test_api_tables_say_which_months_each_layer_is_held_for(app: Flask, role: str) -> None:
    """Before: /api/v1/wards and /api/v1/hotspots gave blank search and raid counts for Jun-Aug
    with nothing saying why (JSON metadata and the CSV's X-Hotspots-Metadata header)."""
    client = client_as(app, role, ("E07000002",) if role == "officer" else ())
    for resource in ("wards", "hotspots"):
        data = client.get(f"/api/v1/{resource}?{SUMMER}").get_json()
        figures = data["metadata"]["extra"]["figures"]
        assert figures["search"]["note"] == SEARCH_NOTE
        assert figures["search"]["months_held"] == ["2025-07", "2025-08"]
        assert figures["offence"]["change_note"] == SUMMER_GAP
        counts = [
            f["properties"].get("search_count", f["properties"].get("searches"))
            for f in data["features"]
        ]
        assert counts and all(c is None for c in counts)  # no data, never 0
        header = client.get(f"/api/v1/{resource}?{SUMMER}&format=csv").headers
        assert json.loads(header["X-Hotspots-Metadata"])["extra"]["figures"] == figures
        ogc = client.get(f"/ogc/collections/{resource}/items?datetime=2025-06/2025-08").get_json()
        assert ogc["metadata"]["extra"]["figures"] == figures  # the OGC API's tables too
        if role == "officer":  # no raid figure, month or count
            assert "raid" not in json.dumps(data).lower()
        else:
            assert figures["raid"]["note"] == "raid records held for Aug 2025 only"


# -- records without a location ------------------------------------------------------------------


def test_unlocated_counts_are_known_only_for_sources_inside_the_period() -> None:
    """From the manifest: a monthly file's "no location" rows are its month's; a file spanning
    months outside the period, or keeping every crime type, gives no number (unknown)."""
    from hotspots.figures import layer_figure, unlocated_counts

    def entry(layer: str, months: list[str], n: int, every_type: bool = False) -> dict:
        rejected = {"no location": n, "not a drug record": 50}
        return {
            "layer": layer,
            "months": months,
            "rejected": rejected,
            "all_crime_types": every_type,
        }

    sources = [
        entry("search", ["2025-07"], 250),
        entry("search", ["2025-08"], 200),
        entry("search", ["2025-09"], 393),
        entry("offence", ["2025-07"], 0),
        entry("raid", ["2025-01", "2025-12"], 3),  # one file for the year
    ]
    summer = Period.months("2025-07", "2025-09")
    assert unlocated_counts(sources, summer) == {"offence": 0, "search": 843, "raid": None}
    assert unlocated_counts(sources, Period.months("2025-09", "2025-09"))["search"] == 393
    every = [*sources, entry("offence", ["2025-08"], 7, every_type=True)]
    assert unlocated_counts(every, summer)["offence"] is None
    held = ["2025-07", "2025-08", "2025-09"]
    fig = layer_figure("search", 5724, None, summer, None, held, unlocated=843)
    assert fig.unlocated == 843 and fig.unlocated_note == (
        "843 stop-and-search records of Jul–Sep 2025 have no location: in no count or map"
    )
    unknown = layer_figure("raid", 4, None, summer, None, held, unlocated=None)
    assert unknown.unlocated is None and "how many is not known" in unknown.unlocated_note
    area = layer_figure("search", 3071, None, summer, None, held, unlocated=843, in_area=True)
    assert area.unlocated is None and "843" not in area.unlocated_note
    none_held = layer_figure("search", 0, None, summer, None, ["2025-07"], unlocated=843)
    assert none_held.value is None and none_held.unlocated_note == ""  # no data: no note


def test_the_briefing_trend_says_no_data_for_the_missing_months(
    analyst: FlaskClient, tmp_path: Path
) -> None:
    """Before: the trend of Jun-Aug put March's bar beside June's (Apr and May left out without
    a word), in the page's chart and table and the PDF; now they are "no data" in their place."""
    page = analyst.get(f"/briefing?{SUMMER}").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\w{3} 2025)</td><td class=\"num\">([^<]*)</td>", page)
    assert rows == [
        ("Jan 2025", "13"),
        ("Feb 2025", "13"),
        ("Mar 2025", "13"),
        ("Apr 2025", "no data"),
        ("May 2025", "no data"),
        ("Jun 2025", "13"),
        ("Jul 2025", "13"),
        ("Aug 2025", "13"),
    ]
    start = page.index('<svg class="trend')  # the first of the charts (desktop, then phone)
    svg = page[start : page.index("</svg>", start)]
    assert svg.count(">no data</text>") == 2 and svg.count("<rect") == 6
    pdf = _pdf_text(analyst, SUMMER, tmp_path)
    assert pdf.count("no data") >= 2


# -- other shapes ---------------------------------------------------------------------------------


def test_a_ward_of_another_boundary_vintage_never_makes_a_change_from_none(
    gap_toy: Path, toy_boundaries: tuple[Path, Path], tmp_path: Path
) -> None:
    """A ward present in one vintage only (Bravo split into Bravo East and Bravo West) would have
    none of the earlier months' offences (they were joined to the old Bravo) and read as "up from
    none": the store refuses wards that differ from those its events are joined to, unchanged."""
    import geopandas as gpd
    from shapely.geometry import box

    from hotspots.errors import HotspotsError
    from hotspots.ingest import ingest
    from hotspots.sources.boundaries import read_force_area, read_wards
    from tests.helpers import snapshot

    copy = Path(shutil.copytree(gap_toy, tmp_path / "store"))
    split = gpd.GeoDataFrame(
        {
            "WD24CD": ["E05000001", "E05000003", "E05000004"],
            "WD24NM": ["Alpha", "Bravo West", "Bravo East"],
            "LAD24CD": ["E07000001", "E07000002", "E07000002"],
            "LAD24NM": ["Northshire", "Southshire", "Southshire"],
        },
        geometry=[
            box(500000, 200000, 501000, 201000),
            box(501000, 200000, 501500, 201000),
            box(501500, 200000, 502000, 201000),
        ],
        crs="EPSG:27700",
    )
    split.to_file(tmp_path / "split.gpkg", driver="GPKG")
    month = tmp_path / "2026-01-toyshire-street.csv"
    month.write_text(",".join(street_row("new-1", *BRAVO_XY, month="2026-01")) + "\n")
    before = snapshot(copy)
    with pytest.raises(HotspotsError, match="another ward vintage"):
        ingest(
            [month],
            wards=read_wards(tmp_path / "split.gpkg"),
            force_area=read_force_area(toy_boundaries[1]),
            store=Store(copy),
        )
    assert snapshot(copy) == before


def test_a_previous_year_partly_held_names_its_months_as_runs() -> None:
    """2025 against 2024 with Jun-Dec 2024 held: before, the reason listed seven months one by
    one ("Jun 2024, Jul 2024, ..., Dec 2024") in the headline and the PDF; now as runs."""
    from hotspots.figures import layer_figure

    held = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
    year = Period.calendar_year(2025)
    fig = layer_figure("offence", 1200, 500, year, Period.calendar_year(2024), held)
    assert (fig.value, fig.change) == (1200, None)
    assert fig.change_note == (
        "no data for the comparison period 2024 (drug offence records held for Jun–Dec 2024 only)"
    )
    gappy = layer_figure(
        "search", 9, None, year, None, ["2025-01", "2025-02", "2025-03", "2025-06"]
    )
    assert gappy.note == "stop-and-search records held for Jan–Mar 2025, Jun 2025 only"


def _frame_text(client: FlaskClient, query: str) -> str:
    """A map frame with its JSON-escaped popups made plain."""
    html = client.get(f"/map/frame?{query}").get_data(as_text=True)
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), html)


@pytest.mark.parametrize("role", ("analyst", "commissioner"))
def test_map_popups_say_no_data_naming_the_months_held(app: Flask, role: str) -> None:
    """Before: ward and hotspot popups for Jun-Aug said "Stop-and-searches (drugs): not
    available" (as for a count suppressed) and "No data for the comparison period." without
    the months held; now "no data" and why, in the figure rule's words."""
    frame = _frame_text(client_as(app, role), SUMMER)
    assert "Stop-and-searches (drugs)</th><td>no data</td>" in frame
    assert "Stop-and-searches within 100 m</th><td>no data</td>" in frame
    assert "not available" not in frame
    assert f"{SEARCH_NOTE[:1].upper()}{SEARCH_NOTE[1:]}." in frame
    if role == "analyst":  # the commissioner's map draws no raid row in popups
        assert "Raids</th><td>no data</td>" in frame
        assert "Raid records held for Aug 2025 only." in frame
    assert f"{SUMMER_GAP[:1].upper()}{SUMMER_GAP[1:]}." in frame
    # a period whose layers are held: the counts (Jul-Sep: 3 searches in Alpha, 9 in Bravo)
    held = _frame_text(client_as(app, role), "from=2025-07&to=2025-09")
    if role == "analyst":
        assert "Stop-and-searches (drugs)</th><td>9</td>" in held
    else:  # under SUPPRESS_BELOW (Alpha's 3) and its complement (Bravo's 9): not shown
        assert "Stop-and-searches (drugs)</th><td>not available</td>" in held
    assert "Stop-and-searches (drugs)</th><td>no data</td>" not in held
