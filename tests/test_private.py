"""Private state: every file and folder the command and the service create is their user's alone
(0600 / 0700), and no response names a software version in ``Server``.

Each test starts from the usual umask 022 (what a login shell gives), so a file is private only
because this code made it so: the entry points' umask 077, or the explicit modes where the store,
uploads and the cache create files (:mod:`hotspots.private`).
"""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotspots.cli import main
from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import csrf_token, sign_in
from tests.helpers import DEMO, AppFactory, street_row

JULY = DEMO / "police_uk" / "2025-07-cambridgeshire-street.csv"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """Umask 022 for the test, the process's own restored after."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def not_private(root: Path) -> list[str]:
    """Everything under ``root`` (and ``root``) with group or other permission bits."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            found.append(f"{path.relative_to(root.parent)}: {mode:o}")
    return found


def test_demo_store_accounts_and_exports_are_private(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)  # a folder the user made: left as it is
    store = existing / "store"
    assert main(["demo", "--store", str(store)]) == 0
    names = {p.name for p in store.rglob("*")}
    assert {"manifest.json", "users.sqlite3", "DEMO-ACCOUNTS.txt", "events", "rejected"} <= names
    assert any(p.suffix == ".csv" for p in (store / "rejected").iterdir())
    out = tmp_path / "exports"
    args = ["export", "wards", "--from", "2025-09", "--to", "2025-11", "--format", "geojson"]
    assert main([*args, "-o", str(out / "wards.geojson"), "--store", str(store)]) == 0
    users = ["users", "--store", str(store)]
    assert main([*users, "add", "ana", "--role", "analyst", "--generate"]) == 0
    assert not_private(store) == []
    assert not_private(out) == []
    assert stat.S_IMODE(existing.stat().st_mode) == 0o755
    assert os.umask(0o022) == 0o022  # the command restored the caller's umask


def test_the_library_alone_writes_a_private_store(
    toy_boundaries: tuple[Path, Path], write_street, tmp_path: Path
) -> None:
    """Without the command's umask: the explicit modes of the store."""
    wards, area = read_wards(toy_boundaries[0]), read_force_area(toy_boundaries[1])
    file = write_street([street_row("a", 500100, 200100), street_row("b", None, None)])
    store = Store(tmp_path / "new" / "store")
    report = ingest([file], wards=wards, force_area=area, store=store)
    assert report.sources[0]["rejected"] == {"no location": 1}
    assert not_private(tmp_path / "new" / "store") == []


def test_uploads_cache_and_accounts_of_the_service_are_private(
    demo_store_copy: Path, app_factory: AppFactory, tmp_path: Path
) -> None:
    demo_copy = demo_store_copy
    app = app_factory(demo_copy, CACHE_DIR=str(tmp_path / "c"), WARM_PRESETS=0)
    assert os.umask(0o022) == 0o077  # the app set it; back to 022 to test the explicit modes
    client = sign_in(app.test_client(), "admin")  # an account made by the service
    assert client.get("/?from=2025-04&to=2025-06").status_code == 200  # cache writes
    assert client.get("/map/frame?from=2025-04&to=2025-06").status_code == 200
    # July less its last row: a file the store does not hold yet (a copy of the demo's own July
    # changes nothing, and an upload keeps only the copies the manifest then names)
    july = JULY.read_bytes()
    july = july[: july.rstrip(b"\r\n").rfind(b"\n") + 1]
    data = {
        "csrf_token": csrf_token(client, "/upload"),
        "files": [(io.BytesIO(july), JULY.name)],
    }
    response = client.post("/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert list((demo_copy / "uploads").glob(f"*/{JULY.name}"))
    assert app.extensions["hotspots"]["disk"].writes > 0
    assert not_private(tmp_path / "c") == []
    assert not_private(demo_copy) == []  # uploads, new store files, accounts, secret key


def test_hotspots_serve_names_no_versions(demo_store_copy: Path, tmp_path: Path) -> None:
    """`Server` of a real `hotspots serve`, on a page and on the server's own error answer."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HOTSPOTS_CACHE_DIR": str(tmp_path / "c"), "HOTSPOTS_WARM_PRESETS": "0"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotspots.cli",
            "serve",
            "--store",
            str(demo_store_copy),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        headers = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
                    headers = page.headers
                break
            except OSError:
                time.sleep(0.2)
        assert headers is not None, "the server did not answer"
        assert headers.get_all("Server") == ["hotspots"]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\n" + b"X-Many: headers\r\n" * 101 + b"\r\n")
            answer = raw.recv(4096).decode("latin-1")
        assert answer.startswith("HTTP/1.") and " 431 " in answer.split("\r\n")[0]
        server_lines = [h for h in answer.split("\r\n") if h.lower().startswith("server:")]
        assert server_lines == ["Server: hotspots"]
    finally:
        server.terminate()
        server.wait(timeout=30)
