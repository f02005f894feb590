"""A figure of 0 where the period's records exist but none has a location is "0 located" at every
door, never a bare 0 that reads as "none happened" (docs/figures.md, "What a figure counts").

Store: four real rows of Dyfed-Powys' July 2019 stop-and-search file (tests/fixtures/README.md;
three drug searches, none with a location, one weapon search) and two hand-made drug offences in
ward Alpha of the hand-made world, July 2019. By hand: searches are held for July; 0 drug
searches with a location, 3 without; offences 2, all located.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import STREET_HEADER, AppFactory, street_row

FIXTURES = Path(__file__).parent / "fixtures"
JULY = "from=2019-07&to=2019-07"


@pytest.fixture(scope="module")
def app(
    app_factory: AppFactory,
    toy_boundaries: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    folder = tmp_path_factory.mktemp("unlocated")
    street = folder / "2019-07-toyshire-street.csv"
    rows = [street_row(f"j{k}", 500500, 200500, month="2019-07") for k in range(2)]
    street.write_text("\n".join([STREET_HEADER, *(",".join(r) for r in rows)]) + "\n")
    searches = FIXTURES / "dyfed_powys" / "2019-07-dyfed-powys-stop-and-search.csv"
    wards, area = toy_boundaries
    path = folder / "store"
    store = Store(path)
    ingest(
        [street, searches],
        wards=read_wards(wards),
        force_area=read_force_area(area),
        store=store,
    )
    return app_factory(path, TESTING=True, USERS_DB=str(folder / "users.sqlite3"))


def _text(html: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("role", ["analyst", "commissioner"])
def test_the_briefing_card_page_and_pdf_say_0_located(app: Flask, role: str) -> None:
    client = client_as(app, role)
    page = client.get(f"/briefing?{JULY}")
    assert page.status_code == 200, page.text[:300]
    text = _text(page.text)
    assert "Drug stop-and-searches 0 located" in text, text[:2000]
    assert "all 3 have no location (not counted)" in text
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    pdf = client.get(f"/briefing.pdf?{JULY}")
    assert pdf.status_code == 200
    words = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(words.split())
    # the card's detail wraps: "all 3 have no" / "location (not counted)" side by side
    assert "0 located" in flat and "all 3 have no" in flat, flat
    assert "location (not counted)" in flat


@pytest.mark.parametrize(
    ("role", "scope", "unlocated"),
    [("analyst", (), 3), ("commissioner", (), 3), ("officer", ("E07000001",), None)],
)
def test_the_machine_doors_give_the_same_words(
    app: Flask, role: str, scope: tuple[str, ...], unlocated: int | None
) -> None:
    """``/map.json`` and the API's metadata: ``value`` 0 for machines, ``text`` the words
    every page shows, ``counted`` what the value counts."""
    client = client_as(app, role, scope)
    search = client.get(f"/map.json?{JULY}").get_json()["figures"]["search"]
    assert (search["value"], search["text"], search["unlocated"]) == (0, "0 located", unlocated)
    assert search["counted"] == "stop-and-search records with a location"
    csv = client.get(f"/api/v1/wards?{JULY}&format=csv")
    assert csv.status_code == 200
    meta = json.loads(csv.headers["X-Hotspots-Metadata"])
    assert meta["extra"]["figures"]["search"]["text"] == "0 located"
