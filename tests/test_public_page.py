"""The public map page (``PUBLIC_MODE``, not signed in): its ward movers are whole numbers
like everyone's, each labelled for a phone, and it has no hotspot block nor a word on how
hotspots were found (the public never sees hotspots)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.accounts import client_as
from tests.helpers import AppFactory


@pytest.fixture(scope="module")
def app(app_factory: AppFactory) -> Flask:
    return app_factory(TESTING=True, PUBLIC_MODE=True, WARM_PRESETS=0)


def _movers(body: str) -> str:
    """The "Wards that changed most" section of a page."""
    found = re.search(r'<section aria-labelledby="movers-heading">.*?</section>', body, re.S)
    assert found is not None, "no ward movers on the page"
    return found[0]


@pytest.mark.parametrize("role", [None, "analyst"])
def test_ward_movers_are_whole_numbers_for_every_role(app: Flask, role: str | None) -> None:
    """The public's movers come from a table with small counts blank (floats): the page
    shows "29", not "29.0", the same way as for a signed-in analyst."""
    body = client_as(app, role).get("/").data.decode()
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', _movers(body))
    assert cells, "the movers table has no numbers"
    for cell in cells:
        assert re.fullmatch(r"[+−-]?\d{1,3}(,\d{3})*", cell), cell
    movers = client_as(app, role).get("/map.json").get_json()["ward_movers"]
    rows = movers["rising"] + movers["falling"]
    assert rows, "no ward movers in /map.json"
    for row in rows:
        for key in ("offence_count", "offence_prev", "offence_change"):
            assert type(row[key]) is int, (key, row[key])


def test_the_public_page_has_no_hotspot_block(app: Flask) -> None:
    """No "Top hotspots" heading nor "No hotspots in this period" for the public; an analyst
    still has the block."""
    public = client_as(app, None).get("/").data.decode()
    assert "Top hotspots" not in public
    assert "No hotspots in this period" not in public
    assert 'id="hotspots-heading"' not in public
    analyst = client_as(app, "analyst").get("/").data.decode()
    assert 'id="hotspots-heading"' in analyst


def test_the_public_page_says_nothing_of_how_hotspots_were_found(app: Flask) -> None:
    """Before: the public's page had "How these hotspots were found": DBSCAN's radius and "N of
    M offences fall in hotspots" for hotspots it never sees. It says what the figures are
    instead; an analyst still has the method."""
    public = client_as(app, None).get("/").data.decode()
    assert "How these hotspots were found" not in public
    assert "DBSCAN" not in public and "fall in hotspots" not in public
    assert "About these figures" in public and "Ward boundaries:" in public
    analyst = client_as(app, "analyst").get("/").data.decode()
    assert "How these hotspots were found" in analyst and "fall in hotspots" in analyst


@pytest.mark.parametrize("role", [None, "analyst"])
def test_ward_movers_are_labelled_blocks_on_a_phone(app: Flask, role: str | None) -> None:
    """Before: at 360 px the movers' Change column, the point of the table, was out of view.
    The table stacks on a phone (``table.stack``), every figure labelled with its column."""
    movers = _movers(client_as(app, role).get("/").data.decode())
    tables = re.findall(r"<table[^>]*>", movers)
    assert tables and all('class="stack"' in t for t in tables)
    rows = re.findall(r"<tr><td data-label.*?</tr>", movers, re.S)
    assert rows
    for row in rows:
        labels = re.findall(r'data-label="([^"]*)"', row)
        assert labels[0] == "Ward (district)" and labels[-1] == "Change", labels
        assert labels[1].startswith("Now, ") and labels[2].startswith("Before, "), labels


def test_the_ward_finder_says_each_wards_table_figures(app: Flask) -> None:
    """The public's ward finder (page-actions.js shows it) offers every ward of the table, and
    each sentence holds the figures the table's row shows: the count, the count before when
    shown, and says why a blank count is blank."""
    body = client_as(app, None).get("/").data.decode()
    options = re.findall(r'<option value="(E\d{8})" data-text="([^"]*)">([^<]*)</option>', body)
    table = re.search(r'<details class="every-ward">.*?</details>', body, re.S)
    assert table is not None
    rows = re.findall(
        r'<tr><td>([^<]*) <span class="district">\(([^)]*)\)</span></td>'
        r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>',
        table[0],
    )
    assert len(options) == len(rows) == 120
    blank_now = blank_before = 0
    for (_, text, label), (ward, district, now, before) in zip(options, rows, strict=True):
        assert label == f"{ward} ({district})" and text.startswith(f"{label}: "), (label, text)
        if now == "–":
            blank_now += 1
            assert "is not shown: a ward count under 5 is not shown" in text, text
            continue
        assert f"{now} drug offence" in text or f"({now} vs " in text, (text, now)
        if before == "–":
            blank_before += 1
            assert "the count for Jul–Sep 2025 is not shown" in text, text
        elif int(before.replace(",", "")) > 0:
            assert f" vs {before})" in text or "no change" in text, (text, before)
    assert blank_now and blank_before  # the demo's small counts: both cases met
