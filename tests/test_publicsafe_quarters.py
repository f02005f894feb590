"""The user's side of the whole-quarter rule (``hotspots.publicsafe.whole_quarter``): suppressed
ward counts are given for one whole calendar quarter only, so a visitor is told, in the same
words at every door (:func:`hotspots.publicsafe.quarter_note`), when the period was moved
(the public) or when counts are blank only because the period is not a quarter (the
commissioner), and the public's period picker offers whole quarters only.

Everything runs on the shared demo store (read-only; it holds Jan-Dec 2025: four whole
quarters), and a store of its Jan-Nov files (Oct-Dec 2025 a quarter only partly held).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from hotspots.cli import main
from hotspots.periods import Period
from hotspots.publicsafe import quarter_note
from tests.accounts import client_as
from tests.helpers import AppFactory

AUTUMN = "from=2025-09&to=2025-11"
SUMMER = "from=2025-07&to=2025-09"
SEP_NOV = Period.months("2025-09", "2025-11")
JUL_SEP = Period.months("2025-07", "2025-09")
#: What the public sees blank (and given for whole quarters only): every layer it is shown.
PUBLIC_LAYERS = ("offence", "search")
#: The commissioner's: searches and raids by ward and near hotspots.
COMMISSIONER_LAYERS = ("search", "raid")
COMMISSIONER_NOTE = quarter_note(COMMISSIONER_LAYERS, SEP_NOV, near_hotspots=True, totals=True)


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0)


def _text(body: bytes) -> str:
    """A page's visible text, one space between words."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", body.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _page(app: Flask, role: str | None, url: str) -> str:
    response = client_as(app, role).get(url)
    assert response.status_code == 200, (role, url, response.status_code)
    return _text(response.data)


def test_the_wording_names_the_rule_the_period_and_what_stays() -> None:
    """One function words the rule for every door; worked out by hand."""
    assert quarter_note(PUBLIC_LAYERS, JUL_SEP, asked=SEP_NOV) == (
        "Ward counts are given for whole calendar quarters only (Jan–Mar, Apr–Jun, "
        "Jul–Sep, Oct–Dec): showing Jul–Sep 2025 (you asked for Sep–Nov 2025)."
    )
    assert COMMISSIONER_NOTE == (
        "Search and raid counts by ward and near hotspots are given for whole calendar "
        "quarters only (Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec): Sep–Nov 2025 is not one, so they "
        "are blank; force and district totals are given."
    )


def test_the_public_page_says_its_period_was_moved(app: Flask) -> None:
    """The public asking for Sep-Nov is shown Jul-Sep: the page says so, near the period."""
    text = _page(app, None, f"/?{AUTUMN}")
    note = quarter_note(PUBLIC_LAYERS, JUL_SEP, asked=SEP_NOV)
    assert text.count(note) == 1
    assert text.index(note) < text.index("Change the view")
    # a whole quarter asked for is shown as asked, with no notice
    assert "whole calendar quarters" not in _page(app, None, f"/?{SUMMER}").split("Map")[0]


def test_a_period_before_every_quarter_moves_to_the_first_quarter_held(app: Flask) -> None:
    """The demo holds Jan-Dec 2025: no whole quarter ends by Jan 2025, so the public asking
    for Jan 2025 was shown Jan 2025 itself, every ward blank; now the first quarter held,
    Jan-Mar 2025, and the page, /map.json and the API say so in the one wording."""
    asked, shown = Period.months("2025-01", "2025-01"), Period.months("2025-01", "2025-03")
    note = quarter_note(PUBLIC_LAYERS, shown, asked=asked)
    assert note.endswith("showing Jan–Mar 2025 (you asked for Jan 2025).")
    assert note in _page(app, None, "/?from=2025-01&to=2025-01")
    client = client_as(app, None)
    doc = client.get("/map.json?from=2025-01&to=2025-01").get_json()
    assert doc["notes"] == [note]

    def counts(query: str) -> list[object]:
        features = client.get(f"/api/v1/wards?{query}&format=geojson").get_json()["features"]
        return [f["properties"]["offence_count"] for f in features]

    moved = counts("from=2025-01&to=2025-01")
    assert moved == counts("from=2025-01&to=2025-03")
    assert any(c is not None for c in moved)  # ward counts given, not a table of blanks
    response = client.get("/api/v1/wards?from=2025-01&to=2025-01&format=csv")
    assert json.loads(response.headers["X-Hotspots-Metadata"])["extra"]["notes"] == [note]


def test_the_public_period_picker_offers_whole_quarters(app: Flask) -> None:
    """The public's presets and period select are whole quarters, the latest held first, not
    the signed-in users' month ranges that would only be moved."""
    body = client_as(app, None).get(f"/?{SUMMER}").data.decode()
    nav = re.search(r'<nav class="presets".*?</nav>', body, flags=re.S)
    assert nav is not None
    links = re.findall(r'href="[^"]*from=(\d{4}-\d\d)&amp;to=(\d{4}-\d\d)[^"]*">([^<]+)<', nav[0])
    assert [(a, b) for a, b, _ in links] == [
        ("2025-10", "2025-12"),
        ("2025-07", "2025-09"),
        ("2025-04", "2025-06"),
        ("2025-01", "2025-03"),
    ]
    assert [label for _, _, label in links][:2] == ["Oct–Dec 2025", "Jul–Sep 2025"]
    assert "Last 12 months" not in body and "Calendar year" not in body
    select = re.search(r'<select id="to" name="to".*?</select>', body, flags=re.S)
    assert select is not None, "one select of whole quarters, not a month range"
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)<', select[0])
    assert options == [
        ("2025-12", "", "Oct–Dec 2025"),
        ("2025-09", " selected", "Jul–Sep 2025"),
        ("2025-06", "", "Apr–Jun 2025"),
        ("2025-03", "", "Jan–Mar 2025"),
    ]
    assert 'id="from"' not in body
    # a 400 gives the same picker again, the message beside it
    bad = client_as(app, None).get("/?to=2031-03")
    assert bad.status_code == 400 and b'<select id="to" name="to" aria-invalid="true"' in bad.data
    assert b'id="from"' not in bad.data
    # what the select sends (its quarter's last month) is a period the public is shown as it is
    text = _page(app, None, "/?to=2025-06&measure=count")
    assert "Drug offences by ward, Apr–Jun 2025" in text and "you asked" not in text
    # the comparison page offers the quarters too, for both periods
    compare = client_as(app, None).get(f"/compare?{SUMMER}").data.decode()
    assert re.search(r'<select id="to"[^>]*>\s*<option value="2025-12"', compare)
    assert re.search(r'<select id="to2"[^>]*>\s*<option value="2025-12"', compare)


def test_the_public_periods_api_offers_whole_quarters(app: Flask) -> None:
    data = client_as(app, None).get("/api/v1/periods").get_json()
    assert data["presets"][0] == {"label": "Oct–Dec 2025", "from": "2025-10", "to": "2025-12"}
    assert [p["from"][5:] for p in data["presets"]] == ["10", "07", "04", "01"]
    assert all(Period.months(p["from"], p["to"]).n_months == 3 for p in data["presets"])
    assert data["default"] == {"from": "2025-10", "to": "2025-12"}
    assert data["partly_held"] == []
    assert data["note"] == quarter_note(PUBLIC_LAYERS, None)
    # the signed-in users keep their month ranges
    analyst = client_as(app, "analyst").get("/api/v1/periods").get_json()
    assert any(p["label"] == "Last 12 months" for p in analyst["presets"])
    assert "partly_held" not in analyst


def test_a_quarter_only_partly_held_is_no_data_naming_its_months(
    app_factory: AppFactory, store_of: Callable[[frozenset[str]], Path]
) -> None:
    """A store of Jan-Nov 2025: Oct-Dec is held for Oct and Nov only, so it is no choice and
    is named "no data" with its months (the figure rule); the latest quarter offered is
    Jul-Sep, and the public asking for Sep-Nov is shown Jul-Sep, told so."""
    months = frozenset(f"2025-{m:02d}" for m in range(1, 12))
    app = app_factory(store_of(months), TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0)
    note = "no data (drug offence records held for Oct–Nov 2025 only)"
    data = client_as(app, None).get("/api/v1/periods").get_json()
    assert data["presets"][0] == {"label": "Jul–Sep 2025", "from": "2025-07", "to": "2025-09"}
    assert data["partly_held"] == [
        {"label": "Oct–Dec 2025", "from": "2025-10", "to": "2025-12", "note": note}
    ]
    body = client_as(app, None).get(f"/?{AUTUMN}").data.decode()
    select = re.search(r'<select id="to" name="to".*?</select>', body, flags=re.S)
    assert select is not None and "2025-12" not in select[0]
    text = _text(body.encode())
    assert f"Oct–Dec 2025: {note}" in text
    assert text.count(quarter_note(PUBLIC_LAYERS, JUL_SEP, asked=SEP_NOV)) == 1


@pytest.mark.parametrize("url", ["/", "/compare", "/briefing"])
def test_the_commissioners_pages_say_why_ward_searches_and_raids_are_blank(
    app: Flask, url: str
) -> None:
    """Sep-Nov is not a quarter: the commissioner's search and raid counts by ward and near
    hotspots are blank, and the page says why, once; for a quarter it says nothing."""
    text = _page(app, "commissioner", f"{url}?{AUTUMN}")
    assert text.count(COMMISSIONER_NOTE) == 1, text[:2000]
    assert "whole calendar quarters" not in _page(app, "commissioner", f"{url}?{SUMMER}")
    # the analyst's counts are never blanked: no note
    assert "whole calendar quarters" not in _page(app, "analyst", f"{url}?{AUTUMN}")


def test_the_commissioners_data_doors_say_why(app: Flask) -> None:
    """map.json, the API's JSON and CSV, and OGC items carry the same words."""
    client = client_as(app, "commissioner")
    assert client.get(f"/map.json?{AUTUMN}").get_json()["notes"] == [COMMISSIONER_NOTE]
    assert client.get(f"/map.json?{SUMMER}").get_json()["notes"] == []
    for table in ("wards", "hotspots"):
        for fmt in ("geojson", "csv"):
            response = client.get(f"/api/v1/{table}?{AUTUMN}&format={fmt}")
            meta = json.loads(response.headers["X-Hotspots-Metadata"])
            assert meta["extra"]["notes"] == [COMMISSIONER_NOTE], (table, fmt)
    items = client.get("/ogc/collections/wards/items?datetime=2025-09/2025-11&limit=5")
    assert items.get_json()["metadata"]["extra"]["notes"] == [COMMISSIONER_NOTE]
    # the force and district totals stay numbers (raids are held for every month; searches
    # for July only: "no data" by the figure rule, its own note, not the quarter's)
    data = client.get(f"/map.json?{AUTUMN}").get_json()
    assert isinstance(data["totals"]["raid_count"], int) and data["totals"]["raid_count"] > 0
    search = data["figures"]["search"]
    assert search["value"] is None and search["note"] and "quarter" not in search["note"]


def test_the_public_data_doors_say_the_period_was_moved(app: Flask) -> None:
    note = quarter_note(PUBLIC_LAYERS, JUL_SEP, asked=SEP_NOV)
    client = client_as(app, None)
    response = client.get(f"/api/v1/wards?{AUTUMN}&format=csv")
    assert json.loads(response.headers["X-Hotspots-Metadata"])["extra"]["notes"] == [note]
    items = client.get("/ogc/collections/wards/items?datetime=2025-09/2025-11&limit=5")
    assert items.get_json()["metadata"]["extra"]["notes"] == [note]
    assert client.get(f"/map.json?{AUTUMN}").get_json()["notes"] == [note]


def test_the_briefing_pdf_gives_searches_and_raids_as_force_totals_only(
    app: Flask, tmp_path: Path
) -> None:
    """The PDF (and PNG) give searches and raids as force totals only, for any period: no ward
    or hotspot count of them is blank, so there is nothing to explain there (the page's ward
    map has them: the page says why). Read back with poppler, as a reader's viewer does."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    client = client_as(app, "commissioner")
    texts = {}
    for period in (AUTUMN, SUMMER):
        pdf = tmp_path / "briefing.pdf"
        pdf.write_bytes(client.get(f"/briefing.pdf?{period}").data)
        words = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        texts[period] = " ".join(words.split())
    autumn = texts[AUTUMN]
    assert "Drug raids" in autumn and "+154% on Jun–Aug 2025 (28)" in autumn  # force total
    assert "whole calendar quarters" not in autumn
    # the same search and raid headings in a quarter's PDF: none added or lost for Sep-Nov
    headings = ("Drug stop-and-searches", "Drug raids", "Arrests at raids", "Raids nearby")
    assert [h in autumn for h in headings] == [h in texts[SUMMER] for h in headings]


def test_the_public_safe_export_refuses_in_the_same_words(
    demo_store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wards.csv"
    args = ["export", "wards", "--from", "2025-09", "--to", "2025-11", "--format", "csv"]
    assert main([*args, "-o", str(out), "--public-safe", "--store", str(demo_store_path)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert quarter_note(PUBLIC_LAYERS, SEP_NOV, blank=False) in err


def test_a_quarter_picked_is_shown_without_a_notice_whatever_the_default_length(
    app_factory: AppFactory,
) -> None:
    """The public's quarter select sends the quarter's last month (``to``) alone; with
    ``DEFAULT_MONTHS`` 12 that asks for 12 months to it, moved to the quarter: the visitor picked
    that quarter, so nothing is said; the default view (Jan-Dec moved to Oct-Dec) is not asked
    for either. ``to`` alone in a quarter's middle month is moved back: "showing Jul–Sep 2025"
    (with no period it "asked for")."""
    app = app_factory(TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0, DEFAULT_MONTHS=12)
    for url in ("/?to=2025-06", "/"):
        body = client_as(app, None).get(url).data.decode()
        assert 'role="note"' not in body, url
    text = _page(app, None, "/?to=2025-11")
    assert "Drug offences by ward, Jul–Sep 2025" in text
    assert text.count(quarter_note(PUBLIC_LAYERS, JUL_SEP)) == 1
