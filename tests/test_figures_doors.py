"""One figure, every door, every role: a period that is not a quarter (Jun–Sep 2025, 4 months)
on the demo store (Cambridgeshire 2025: offences every month, stop-and-searches for July only),
read from the map page, ``/map.json``, the API's wards (JSON metadata, CSV and GeoPackage
headers and rows), the OGC API's ward items and, for the roles with one, the briefing page and
PDF (``pdftotext``). Any disagreement, or a 0 where the searches are "no data", is a bug at the
one function that makes the figure (:func:`hotspots.figures.layer_figures`,
:meth:`hotspots.figures.Figure.text`).

Expected by the rule (docs/figures.md): searches are "No data" ("stop-and-search records held
for Jul 2025 only") and every ward's ``search_count`` is blank, never 0; the offence figure is
one number at every door. The public sees Jul–Sep 2025 (its views move to the latest whole
quarter, web.analyses.within_access), again at every door.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.accounts import client_as
from tests.helpers import AppFactory

ASKED = ("2025-06", "2025-09")
SEARCH_NOTE = "stop-and-search records held for Jul 2025 only"
#: role → (the period every door gives it, whether it has a briefing)
ROLES = {
    "public": ("Jul–Sep 2025", False),
    "commissioner": ("Jun–Sep 2025", True),
    "analyst": ("Jun–Sep 2025", True),
    "officer": ("Jun–Sep 2025", False),
}
#: the fields of a figure every door must give alike
SAME = ("value", "text", "prev", "change", "status", "months_held", "note", "change_note")


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True, PUBLIC_MODE=True)


def _client(app: Flask, role: str) -> FlaskClient:
    return client_as(app, None if role == "public" else role)


def _figures(figures: dict[str, dict]) -> dict[str, tuple]:
    return {layer: tuple(f[k] for k in SAME) for layer, f in figures.items()}


def _words(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("role", list(ROLES))
def test_every_door_gives_the_same_figures(app: Flask, role: str, tmp_path: Path) -> None:
    client = _client(app, role)
    period, _ = ROLES[role]
    query = f"from={ASKED[0]}&to={ASKED[1]}"
    mj = client.get(f"/map.json?{query}").get_json()
    assert mj["metadata"]["period"] == period
    figures = _figures(mj["figures"])
    search = mj["figures"]["search"]
    assert (search["value"], search["text"], search["note"]) == (None, "No data", SEARCH_NOTE)
    assert mj["totals"]["search_count"] is None  # no data, never 0
    offence = mj["figures"]["offence"]
    assert isinstance(offence["value"], int) and offence["text"] == f"{offence['value']:,}"

    doors: dict[str, dict[str, dict]] = {}
    api = client.get(f"/api/v1/wards?{query}").get_json()
    doors["api json"] = api["metadata"]["extra"]["figures"]
    for fmt in ("csv", "gpkg"):
        response = client.get(f"/api/v1/wards?{query}&format={fmt}")
        assert response.status_code == 200
        doors[f"api {fmt}"] = json.loads(response.headers["X-Hotspots-Metadata"])["extra"][
            "figures"
        ]
        (tmp_path / f"w.{fmt}").write_bytes(response.data)
    ogc = client.get(f"/ogc/collections/wards/items?datetime={ASKED[0]}/{ASKED[1]}&limit=1000")
    assert ogc.status_code == 200
    doors["ogc"] = ogc.get_json()["metadata"]["extra"]["figures"]
    for door, given in doors.items():
        assert _figures(given) == figures, door

    # the rows: one count per ward at every door, searches blank (never 0)
    rows = {f["properties"]["ward_code"]: f["properties"] for f in api["features"]}
    ogc_rows = {f["properties"]["ward_code"]: f["properties"] for f in ogc.get_json()["features"]}
    with open(tmp_path / "w.csv", encoding="utf-8") as handle:
        csv_rows = {r["ward_code"]: r for r in csv.DictReader(handle)}
    gpkg = gpd.read_file(tmp_path / "w.gpkg", layer="wards").set_index("ward_code")
    assert set(rows) == set(ogc_rows) == set(csv_rows) == set(gpkg.index)
    for code, props in rows.items():
        count = props["offence_count"]
        assert ogc_rows[code]["offence_count"] == count, code
        assert csv_rows[code]["offence_count"] == ("" if count is None else str(count)), code
        held = gpkg.at[code, "offence_count"]
        assert (None if held != held else int(held)) == count, code  # NaN: blank
        assert props["search_count"] is None and csv_rows[code]["search_count"] == ""
        assert ogc_rows[code]["search_count"] is None and gpkg.at[code, "search_count"] != 0

    # the page: the headline's count is the figure's, and searches are no data, not 0
    page = _words(client.get(f"/?{query}").text)
    assert f"{offence['value']:,}" in page


@pytest.mark.parametrize("role", [r for r, (_, briefing) in ROLES.items() if briefing])
def test_the_briefing_gives_the_same_figures(app: Flask, role: str) -> None:
    client = _client(app, role)
    query = f"from={ASKED[0]}&to={ASKED[1]}"
    offence = client.get(f"/map.json?{query}").get_json()["figures"]["offence"]
    page = _words(client.get(f"/briefing?{query}").text)
    assert f"Drug offences recorded {offence['text']}" in page
    assert f"Drug stop-and-searches No data {SEARCH_NOTE}" in page
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    pdf = client.get(f"/briefing.pdf?{query}")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert offence["text"] in flat and "No data" in flat and SEARCH_NOTE in flat
    assert f"({offence['text']} vs {offence['prev']:,})" in flat  # the headline's figure


@pytest.mark.parametrize(
    ("role", "path", "notes"),
    [
        # the demo's records without a location (manifest, by month): Jun-Sep 2025 34, Feb-May
        # 18; the public's Jul-Sep 25 and Apr-Jun 17; an officer's area: no number
        ("analyst", "/?from=2025-06&to=2025-09", ["34 drug offence records of Jun–Sep 2025"]),
        ("commissioner", "/?from=2025-06&to=2025-09", ["34 drug offence records of Jun–Sep"]),
        ("public", "/?from=2025-06&to=2025-09", ["25 drug offence records of Jul–Sep 2025"]),
        (
            "analyst",
            "/compare?from=2025-06&to=2025-09",
            ["34 drug offence records of Jun–Sep 2025", "18 drug offence records of Feb–May 2025"],
        ),
        ("analyst", "/compare?from=2025-01&to=2025-03", ["14 drug offence records of Jan–Mar"]),
        ("officer", "/?from=2025-06&to=2025-09", ["Drug offence records without a location"]),
        ("officer", "/compare?from=2025-06&to=2025-09", ["Drug offence records without a"]),
    ],
)
def test_pages_say_what_their_totals_count(
    app: Flask, role: str, path: str, notes: list[str]
) -> None:
    """The map and compare pages' totals count located records, as the briefing card, the
    command line and the JSON say (``unlocated_note``); the pages said nothing."""
    client = _client(app, role)
    shown = re.findall(r'<p class="hint unlocated-note">(.*?)</p>', client.get(path).text)
    assert len(shown) == len(notes), shown
    for note, start in zip(shown, notes, strict=True):
        assert note.startswith(start), shown
    query = path.split("?", 1)[1].split("&to2")[0]
    figure = client.get(f"/map.json?{query}").get_json()["figures"]["offence"]
    assert (
        shown[0].replace("&#39;", "'")
        == figure["unlocated_note"][:1].upper() + figure["unlocated_note"][1:] + "."
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_the_compare_table_gives_the_wards_figures_of_every_export(app: Flask, role: str) -> None:
    """``/compare``'s "Change per ward" against the API's ward table of the same period: the
    count, the previous period's count and the change per ward. The public's page showed
    Apr–Jun counts (6, 8, 7: its own table's) beside a Jul–Sep count blank, where the period's
    table, the CSV, the GeoPackage and the OGC items blank them (publicsafe: a previous count
    is blank where the period's is)."""
    client = _client(app, role)
    query = f"from={ASKED[0]}&to={ASKED[1]}"
    api = client.get(f"/api/v1/wards?{query}").get_json()["features"]
    wards = {f["properties"]["ward_name"]: f["properties"] for f in api}
    page = client.get(f"/compare?{query}").text
    rows = re.findall(r"<tr><td>(.*?)</tr>", page, re.S)
    seen = 0
    for row in rows:
        cells = [_words(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + row, re.S)]
        name = html.unescape(re.sub(r" \(.*\)$", "", cells[0]))
        if name not in wards:
            continue
        seen += 1
        p = wards[name]
        dash = "–"
        want = [
            dash if p["offence_prev"] is None else str(p["offence_prev"]),
            dash if p["offence_count"] is None else str(p["offence_count"]),
            dash if p["offence_change"] is None else f"{p['offence_change']:+d}",
        ]
        assert cells[1:4] == want, (name, cells, want)
    assert seen == len(wards)
