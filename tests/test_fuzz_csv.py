"""Formula injection through every CSV door: a cell a spreadsheet would run as a formula is
written inert (:mod:`hotspots.csvsafe`) in the exports, the API's CSV downloads, the patrol plan
and the store's rejected-rows files (which an analyst opens to see why rows were refused).
Numbers stay numbers: an original longitude ``-0.5`` is kept as written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from hotspots.csvsafe import FORMULA_STARTS, cell_text, text_cells
from hotspots.ingest import ingest
from hotspots.store import Store
from tests.accounts import csrf_token, sign_in
from tests.helpers import DEMO_STREET, AppFactory, street_row

#: Cells a spreadsheet runs (OWASP's list) and what each must be written as.
HOSTILE = {
    '=HYPERLINK("http://evil.example")': '\'=HYPERLINK("http://evil.example")',
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "\t=1+1": "'\t=1+1",
}


def test_text_cells_follow_the_one_rule_and_keep_numbers() -> None:
    texts = [*HOSTILE, "-0.5", "+1.25", "-3", "1e-5", "-.5", "On or near Toy Street", "", None]
    out = text_cells(pa.array(texts, pa.string())).to_pylist()
    assert out[: len(HOSTILE)] == list(HOSTILE.values())
    assert out[len(HOSTILE) :] == [
        "-0.5",
        "+1.25",
        "-3",
        "1e-5",
        "-.5",
        "On or near Toy Street",
        "",
        None,
    ]
    for text in HOSTILE:  # the same as the exports' rule, cell by cell
        assert cell_text(text) == HOSTILE[text] and text.startswith(FORMULA_STARTS)


def test_rejected_rows_files_are_inert_in_a_spreadsheet(
    write_street: Callable[..., Path], toy, tmp_path: Path
) -> None:
    hostile = list(HOSTILE)
    rows = [
        # no location: rejected, its cells as sent
        [hostile[0], "2025-01", "Toyshire Police", hostile[1], "", "", hostile[2], "E01000001",
         "Toyshire 001A", "Drugs", hostile[3], hostile[4]],
        # outside the force area: a negative longitude (a number) is kept as written
        street_row("x1", None, None, lon_lat=("-0.5", "51.5"), location=hostile[0]),
        street_row("x2", 500200, 200200),  # kept
    ]  # fmt: skip
    wards, area = toy
    store = Store(tmp_path / "store")
    report = ingest([write_street(rows)], wards=wards, force_area=area, store=store)
    assert report.reconciles()
    (rejected,) = (tmp_path / "store" / "rejected").glob("*.csv")
    table = list(csv.reader(io.StringIO(rejected.read_text(encoding="utf-8"))))
    header, cells = table[0], [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert len(cells) == 2, table
    every = [v for row in cells for v in row.values()]
    assert not [v for v in every if v.startswith(FORMULA_STARTS) and v not in ("-0.5",)], every
    first = cells[0]
    assert first["Crime ID"] == HOSTILE[hostile[0]]
    assert first["Falls within"] == HOSTILE[hostile[1]]
    assert first["Location"] == HOSTILE[hostile[2]]
    assert first["Last outcome category"] == HOSTILE[hostile[3]]
    assert cells[1]["Longitude"] == "-0.5" and cells[1]["Location"] == HOSTILE[hostile[0]]
    assert "Longitude" in header


def _formula_cells(body: str) -> list[str]:
    """Cells of a CSV a spreadsheet would run as a formula (a plain number is inert)."""
    bad = []
    for row in csv.reader(io.StringIO(body)):
        for value in row:
            if value.startswith(FORMULA_STARTS):
                try:
                    float(value)
                except ValueError:
                    bad.append(value)
    return bad


def test_text_planted_in_uploads_is_inert_in_every_csv_download(
    app_factory: AppFactory, demo_store_copy: Path, tmp_path: Path
) -> None:
    """A month of street crime whose places are formulas and raids whose operation and place are
    formulas, uploaded; every CSV door (the API's wards, hotspots and events, the patrol plan)
    gives them inert (an apostrophe first), whatever the role may download."""
    app = app_factory(demo_store_copy, CACHE_DIR=str(tmp_path / "c"), WARM_PRESETS=0)
    client = sign_in(app.test_client(), "analyst", app=app)
    planted = '=HYPERLINK("http://evil.example")'
    street = DEMO_STREET["2025-12"].read_bytes().replace(b"On or near ", planted.encode() + b" ")
    header = (
        "raid_id,date,longitude,latitude,location,operation,warrant_type,arrests,charges,"
        "seizure_gbp,drugs_seized,synthetic"
    )
    raids = [f'EVIL-{i},2025-12-0{i + 1},0.1258,52.2033,"@SUM(1)","+cmd",supply,1,0,100,x,true'
             for i in range(3)]  # fmt: skip
    form = {
        "csrf_token": csrf_token(client, "/upload"),
        "files": [
            (io.BytesIO(street), "2025-12-cambridgeshire-street.csv"),
            (io.BytesIO(("\n".join([header, *raids]) + "\n").encode()), "SYNTHETIC-raids.csv"),
        ],
    }
    response = client.post("/upload", data=form, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    q = "from=2025-10&to=2025-12&format=csv"
    doors = [
        f"/api/v1/events?{q}",
        f"/api/v1/events?{q}&layer=raid",
        f"/api/v1/hotspots?{q}",
        f"/api/v1/wards?{q}",
        "/patrol.csv?to=2025-12",
    ]
    seen = ""
    for url in doors:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert _formula_cells(body) == [], url
        seen += body
    for text in (planted, "@SUM(1)", "+cmd"):  # there, as data, made inert
        assert "'" + text in seen or "'" + text.replace('"', '""') in seen, text
