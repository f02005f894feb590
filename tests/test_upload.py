"""Uploading monthly files through the web app: ingested, reconciled, never duplicated; bad or
oversized uploads refused with the store untouched; names can never escape the store."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.store import Store
from hotspots.users import UserStore
from tests.accounts import csrf_token, sign_in
from tests.helpers import DEMO, AppFactory, republished

JULY = DEMO / "police_uk" / "2025-07-cambridgeshire-street.csv"


@pytest.fixture
def store(demo_store_copy: Path) -> Path:
    """The store uploads go to: a private copy of the demo store."""
    return demo_store_copy


@pytest.fixture
def app(app_factory: AppFactory, store: Path, tmp_path: Path) -> Flask:
    return app_factory(store, CACHE_DIR=str(tmp_path / "c"), WARM_PRESETS=0)


def post_files(client: FlaskClient, files: list[tuple[bytes, str]]) -> tuple[int, str]:
    data = {
        "csrf_token": csrf_token(client, "/upload"),
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    response = client.post("/upload", data=data, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every store file except the accounts database and uploads."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "users.sqlite3" not in p.name and "uploads" not in p.parts
    }


def test_a_republished_month_replaces_never_duplicates(app: Flask, store: Path) -> None:
    before = Store(store)
    july_before = int((before.load(months=["2025-07"])["layer"] == "offence").sum())
    version = before.manifest()["version"]
    status, html = post_files(sign_in(app.test_client()), [(republished(), JULY.name)])
    assert status == 200, html
    assert "every file reconciles" in html
    row = re.search(r"2025-07-cambridgeshire-street\.csv</th>(.*?)</tr>", html, re.S)[1]
    cells = re.findall(r'<td class="num"[^>]*>([\d,]+)</td>', row)
    read, kept, rejected = (int(c.replace(",", "")) for c in cells)
    assert read == 249 and read == kept + rejected and kept == july_before
    after = Store(store)
    assert after.manifest()["version"] != version
    july = after.load(months=["2025-07"])
    assert int((july["layer"] == "offence").sum()) == july_before
    assert set(july.loc[july["layer"] == "offence", "outcome"]) == {"Status update unavailable"}
    entry = UserStore(store / "users.sqlite3").recent(1, "upload")[0]
    assert entry.detail["files"] == [JULY.name] and entry.username == "test-analyst"


def another_month(month: str) -> str:
    """July's rows as another month's, with new Crime IDs (a stored id would be a duplicate)."""
    header, *rows = JULY.read_text(encoding="utf-8").splitlines()
    rows = [("n" + row).replace(",2025-07,", f",{month},") for row in rows]
    return "\n".join([header, *rows]) + "\n"


def test_a_new_month_is_added_and_shown(app: Flask, store: Path) -> None:
    text = another_month("2026-01")
    client = sign_in(app.test_client(), "admin")
    status, html = post_files(client, [(text.encode(), "2026-01-cambridgeshire-street.csv")])
    assert status == 200, html
    sources = Store(store).manifest()["sources"]
    assert sources["street:2026-01:cambridgeshire"]["months"] == ["2026-01"]
    assert client.get("/?from=2026-01&to=2026-01").status_code == 200  # the app sees it at once


def test_a_malformed_file_is_refused_and_nothing_changes(app: Flask, store: Path) -> None:
    good = JULY.read_text(encoding="utf-8").splitlines()
    broken = "\n".join([good[0], good[1], good[2][:40]]) + "\n"  # third line cut short
    before = snapshot(store)
    status, html = post_files(
        sign_in(app.test_client()),
        [(JULY.read_bytes(), JULY.name), (broken.encode(), "2025-08-cambridgeshire-street.csv")],
    )
    assert status == 400
    assert "The upload was refused" in html and "2025-08-cambridgeshire-street.csv" in html
    assert "Nothing was stored" in html
    assert snapshot(store) == before  # not even the good file of the same upload
    assert not list((store / "uploads").glob("*/*"))  # the saved copies are gone too
    assert UserStore(store / "users.sqlite3").recent(1)[0].action == "upload_refused"


def test_names_cannot_leave_the_store(app: Flask, store: Path, tmp_path: Path) -> None:
    text = another_month("2026-02")
    status, html = post_files(
        sign_in(app.test_client()), [(text.encode(), "../../../../tmp/2026-02-x-street.csv")]
    )
    assert status == 200, html
    saved = [p for p in (store / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in saved] == ["2026-02-x-street.csv"]
    assert not Path("/tmp/2026-02-x-street.csv").exists()
    status, html = post_files(sign_in(app.test_client()), [(b"x", "..\\..\\evil.exe")])
    assert status == 400 and "expected a .csv file" in html


def test_oversized_uploads_are_refused_with_413(app_factory: AppFactory, store: Path) -> None:
    app = app_factory(store, CACHE_DIR="", WARM_PRESETS=0, UPLOAD_MAX_MB=0.01)
    before = snapshot(store)
    client = sign_in(app.test_client())
    status, html = post_files(client, [(JULY.read_bytes(), JULY.name)])  # ~40 kB > 10 kB
    assert status == 413 and "too large" in html
    assert "At most 0.01 MB may be sent at once" in html  # the limit, not Werkzeug's words
    assert snapshot(store) == before


def test_only_analysts_and_admins_upload_and_only_with_the_form_token(app: Flask) -> None:
    officer = sign_in(app.test_client(), "officer")
    assert officer.get("/upload").status_code == 403
    analyst = sign_in(app.test_client())
    response = analyst.post(
        "/upload",
        data={"files": [(io.BytesIO(JULY.read_bytes()), JULY.name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400  # no CSRF token: refused before anything is read
    assert post_files(analyst, [])[0] == 400


def test_upload_page_lists_the_limits(app: Flask) -> None:
    html = sign_in(app.test_client()).get("/upload").get_data(as_text=True)
    assert 'type="file"' in html and "multiple" in html and "64 MB" in html


@pytest.mark.parametrize("name", ["2025-07-cambridgeshire-street.csv"])
def test_store_copy_kept_for_provenance(app: Flask, store: Path, name: str) -> None:
    """A file that changed the store is kept as uploaded (the demo's own July would change
    nothing: its copy is not kept, :func:`test_uploads_count_against_the_compute_budget`)."""
    changed = republished("2025-07", "Under investigation")
    assert post_files(sign_in(app.test_client()), [(changed, name)])[0] == 200
    (copy,) = (store / "uploads").rglob(name)
    assert copy.read_bytes() == changed
    shutil.rmtree(store / "uploads")


def test_text_planted_in_uploads_is_escaped_everywhere(app: Flask) -> None:
    """Script tags in a location and an operation name reach no page, map, export or log raw."""
    evil_op, evil_place = '<script>alert("op")</script>', "<img src=x onerror=alert(1)>"
    header = (
        "raid_id,date,longitude,latitude,location,operation,warrant_type,arrests,charges,"
        "seizure_gbp,drugs_seized,synthetic"
    )
    quoted_op = evil_op.replace('"', '""')
    rows = [
        f'EVIL-{i},2025-10-0{i + 1},0.1258,52.2033,"{evil_place}","{quoted_op}",'
        "supply,1,0,100,cannabis,true"
        for i in range(3)
    ]
    client = sign_in(app.test_client())
    csv_text = "\n".join([header, *rows]) + "\n"
    status, html = post_files(client, [(csv_text.encode(), "SYNTHETIC-evil-raids.csv")])
    assert status == 200, html
    q = "from=2025-10&to=2025-12"
    pages = [
        f"/?{q}",
        f"/map/frame?{q}",
        f"/compare?{q}",
        f"/compare/frame?{q}",
        f"/briefing?{q}",
        "/patrol?to=2025-12",
        "/patrol.gpx?to=2025-12",
    ]
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert(" not in body and "<img src=x" not in body, url
    # data exports keep the text as recorded, as data: never served as HTML, never sniffed
    raids = client.get(f"/api/v1/events?{q}&layer=raid")
    assert raids.mimetype == "application/geo+json"
    assert raids.headers["X-Content-Type-Options"] == "nosniff"
    assert evil_op in {f["properties"]["operation"] for f in raids.get_json()["features"]}
    frame = client.get(f"/map/frame?{q}").get_data(as_text=True)
    assert "alert" in frame  # the text is there, escaped
    admin = sign_in(app.test_client(), "admin")
    assert "<script>alert(" not in admin.get("/admin/audit").get_data(as_text=True)


def test_a_header_only_file_for_a_stored_month_is_refused_unless_confirmed(
    app: Flask, store: Path
) -> None:
    """The page used to say "every file reconciles" while July's offences were gone."""
    stored = Store(store).manifest()["sources"]["street:2025-07:cambridgeshire"]["kept"]
    assert stored > 0
    header_only = JULY.read_text(encoding="utf-8").splitlines()[0] + "\n"
    client = sign_in(app.test_client())
    before = snapshot(store)
    status, html = post_files(client, [(header_only.encode(), JULY.name)])
    assert status == 400
    assert "The upload was refused" in html and "every file reconciles" not in html
    assert f"stored {stored:,} rows kept, new 0 (none)" in html and JULY.name in html
    assert str(store) not in html and "/uploads/" not in html
    assert 'name="allow_shrink"' in html
    assert snapshot(store) == before
    assert not list((store / "uploads").glob("*/*"))
    # confirmed: replaced, and the page shows the month now keeps nothing
    data = {
        "csrf_token": csrf_token(client, "/upload"),
        "allow_shrink": "1",
        "files": [(io.BytesIO(header_only.encode()), JULY.name)],
    }
    response = client.post("/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert Store(store).manifest()["sources"]["street:2025-07:cambridgeshire"]["kept"] == 0


def test_refusals_name_files_never_server_folders(app: Flask, store: Path) -> None:
    good = JULY.read_text(encoding="utf-8").splitlines()
    broken = "\n".join([good[0], good[1][:40]]) + "\n"
    status, html = post_files(
        sign_in(app.test_client()), [(broken.encode(), "2025-08-cambridgeshire-street.csv")]
    )
    assert status == 400 and "2025-08-cambridgeshire-street.csv, line 2" in html
    assert str(store) not in html and str(store.resolve()) not in html
    assert "/uploads/" not in html and "/tmp" not in html
    entry = UserStore(store / "users.sqlite3").recent(1)[0]
    assert entry.action == "upload_refused" and str(store) not in entry.detail["reason"]


def test_another_forces_file_is_stored_rejected_and_warned_of(app: Flask, store: Path) -> None:
    """Merseyside walkthrough: a file whose every located row is outside the force area was
    accepted with 0 rows kept and no word. Its rows are still rejected (nothing lost); the
    result now says plainly that none lies in the force area. July's rows moved to Liverpool."""
    header, *rows = JULY.read_text(encoding="utf-8").splitlines()
    moved = []
    for row in rows:
        cells = row.split(",")
        if cells[4] and cells[5]:  # Longitude, Latitude: located rows go to Liverpool
            cells[4], cells[5] = "-2.983", "53.408"
        moved.append(",".join(["m" + cells[0], "2026-02", *cells[2:]]))
    located = sum(1 for row in rows if row.split(",")[4])
    name = "2026-02-merseyside-street.csv"
    text = "\n".join([header, *moved]) + "\n"
    status, html = post_files(sign_in(app.test_client()), [(text.encode(), name)])
    assert status == 200, html
    assert "every file reconciles" in html
    assert (
        f"no row of {name} lies in the force area ({located:,} rows outside): "
        "is it another force&#39;s file?"
    ) in html
    assert int((Store(store).load(months=["2026-02"])["layer"] == "offence").sum()) == 0


def test_uploads_count_against_the_compute_budget(
    app_factory: AppFactory, store: Path, tmp_path: Path
) -> None:
    """An upload that changes the store gives it a new data version, so every cached analysis,
    map and plan of every visitor is made again (0.6 s an upload of one month on the demo):
    uploads were not counted, so an analyst looping over files kept every cache cold. An upload
    now counts against the account's budget (``COMPUTE_PER_MINUTE``); refused, it leaves the
    store (and the upload folder) as it was.

    The same file again changes nothing, and was not counted: yet its ingest reads every row
    (a 60 MB street file, the most one upload may send: 1.6-4 s of CPU, the process at ~1 GB,
    each time) and its copy was kept (60 MB of disk each time), so an analyst re-sending one
    file kept the server busy and filled its disk, free. It counts now like any upload, and
    its copy, the bytes the store already holds, is not kept (insider5)."""
    app = app_factory(
        store,
        CACHE_DIR=str(tmp_path / "c"),
        USERS_DB=str(tmp_path / "users.sqlite3"),
        WARM_PRESETS=0,
        COMPUTE_PER_MINUTE=3,
    )
    client = sign_in(app.test_client())
    for outcome in ("Under investigation", "Status update unavailable"):
        assert post_files(client, [(republished("2025-07", outcome), JULY.name)])[0] == 200
    uploads = sorted((store / "uploads").glob("*"))
    assert len(uploads) == 1  # the copy of the rows held (the second replaced the first)
    status, html = post_files(client, [(republished(), JULY.name)])  # the stored file again
    assert status == 200 and "Nothing changed" in html
    assert sorted((store / "uploads").glob("*")) == uploads  # its copy was not kept
    before = snapshot(store)
    for content in (republished(), JULY.read_bytes()):  # a no-op, a change: both refused
        status, html = post_files(client, [(content, JULY.name)])
        assert status == 429 and "COMPUTE_PER_MINUTE" in html
    assert snapshot(store) == before
    assert sorted((store / "uploads").glob("*")) == uploads  # the refused copies are gone


def test_an_upload_copy_is_kept_while_the_store_holds_its_rows(app: Flask, store: Path) -> None:
    """Every changed upload's copy stayed under ``store/uploads/``: an analyst alternating two
    versions of one 60 MB month could fill 1.2 GB of disk a minute (20 x 60 MB) within
    ``COMPUTE_PER_MINUTE`` (insider5). A copy is the provenance of rows the store holds: kept
    while it holds them, removed when a later upload replaces that source. Files outside the
    store (the demo's own, named by the manifest) are never touched."""
    client = sign_in(app.test_client())
    outside = {str(e["path"]) for e in Store(store).manifest()["sources"].values()}
    first = republished("2025-07", "Under investigation")
    assert post_files(client, [(first, JULY.name)])[0] == 200
    (kept,) = (store / "uploads").rglob(JULY.name)
    assert kept.read_bytes() == first
    second = republished("2025-07", "Status update unavailable")
    assert post_files(client, [(second, JULY.name)])[0] == 200
    (now,) = (store / "uploads").rglob(JULY.name)  # the first copy is gone, and its folder
    assert now.read_bytes() == second and not kept.parent.exists()
    entry = Store(store).manifest()["sources"]["street:2025-07:cambridgeshire"]
    assert Path(entry["path"]) == now.resolve()
    assert all(Path(p).is_file() for p in outside)  # the demo's files, outside the store


def test_of_one_upload_only_the_files_that_changed_the_store_are_kept(
    app: Flask, store: Path
) -> None:
    """An upload of a file the store holds as it is (the demo's own July) and one it changes
    (December re-published): only December's copy is kept, the one the manifest names."""
    december = republished("2025-12", "Under investigation")
    files = [(JULY.read_bytes(), JULY.name), (december, "2025-12-cambridgeshire-street.csv")]
    status, html = post_files(sign_in(app.test_client()), files)
    assert status == 200, html
    (folder,) = (store / "uploads").iterdir()
    assert [p.name for p in folder.iterdir()] == ["2025-12-cambridgeshire-street.csv"]
    named = {e["path"] for e in Store(store).manifest()["sources"].values()}
    assert str((folder / "2025-12-cambridgeshire-street.csv").resolve()) in named


def test_the_stored_file_again_changes_nothing(app: Flask, store: Path) -> None:
    """The demo's own July uploaded: nothing written, the version and the caches kept."""
    client = sign_in(app.test_client())
    assert client.get("/?from=2025-07&to=2025-07").status_code == 200
    analyses = app.extensions["hotspots"]["analyses"]
    made, version = analyses.misses, Store(store).manifest()["version"]
    before = snapshot(store)
    status, html = post_files(client, [(JULY.read_bytes(), JULY.name)])
    assert status == 200, html
    assert "Nothing changed: the store already holds these rows" in html
    assert f"data version ({version})" in html and "Stored: rows read" not in html
    assert "1 file(s) read, none written; every file reconciles" in html
    assert "file(s) ingested" not in html
    assert snapshot(store) == before
    assert client.get("/?from=2025-07&to=2025-07").status_code == 200
    assert analyses.misses == made  # the analysis from the cache: the version is the same
    entry = UserStore(store / "users.sqlite3").recent(1, "upload")[0]
    assert entry.detail["changed"] is False
