"""The disk cache the server's worker processes share: made once, atomic, private, bounded."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time
from pathlib import Path

from tests.accounts import sign_in
from tests.helpers import AppFactory
from web.diskcache import STALE_VERSION_S, DiskCache


def _text(value: str) -> bytes:
    return value.encode()


def test_made_once_then_read_from_disk(tmp_path: Path) -> None:
    made: list[str] = []

    def make() -> str:
        made.append("x")
        return "value"

    cache = DiskCache(tmp_path / "c")
    assert cache.get_or_make("v1", "k", make, _text, bytes.decode) == "value"
    # a second cache object on the same folder (another worker process) reads the file
    other = DiskCache(tmp_path / "c")
    assert other.get_or_make("v1", "k", make, _text, bytes.decode) == "value"
    assert made == ["x"]
    assert other.writes == 0
    # another key, another version: made again
    assert cache.get_or_make("v1", "k2", lambda: "two", _text, bytes.decode) == "two"
    assert cache.get_or_make("v2", "k", lambda: "new", _text, bytes.decode) == "new"


def test_folder_is_private_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    cache.get_or_make("v1", "k", lambda: "value", _text, bytes.decode)
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "c" / "v1").stat().st_mode) == 0o700
    names = [p.name for p in (tmp_path / "c" / "v1").iterdir()]
    assert len(names) == 1 and "." not in names[0]  # the value only: no .tmp-, no .lock


def test_stale_versions_are_deleted_recent_ones_kept(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    cache.get_or_make("old", "k", lambda: "a", _text, bytes.decode)
    cache.get_or_make("recent", "k", lambda: "b", _text, bytes.decode)
    long_ago = time.time() - STALE_VERSION_S - 60
    os.utime(tmp_path / "c" / "old", (long_ago, long_ago))
    cache.get_or_make("new", "k", lambda: "c", _text, bytes.decode)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["new", "recent"]


def test_unusable_folder_makes_the_value_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = DiskCache(blocker / "c")
    assert cache.get_or_make("v1", "k", lambda: "value", _text, bytes.decode) == "value"
    assert cache.writes == 0


def test_bounded_in_bytes_least_recently_used_first(tmp_path: Path) -> None:
    """Ten values of 100 bytes under a 500-byte cap: five stay, the least recently used go."""
    cache = DiskCache(tmp_path / "c", max_bytes=500)
    value = "x" * 100
    for i in range(5):
        cache.get_or_make("v1", f"k{i}", lambda: value, _text, bytes.decode)
        time.sleep(0.01)  # distinct modification times
    made: list[str] = []
    # k0 read again (another version's value counts against the same cap)
    assert cache.get_or_make("v1", "k0", lambda: made.append("k0") or value, _text, bytes.decode)
    time.sleep(0.01)
    cache.get_or_make("v2", "new", lambda: value, _text, bytes.decode)
    assert made == [] and cache.size_bytes() == 500
    kept = {k for k in ("k0", "k1", "k2", "k3", "k4") if _on_disk(cache, "v1", k)}
    assert kept == {"k0", "k2", "k3", "k4"}  # k1, the least recently used, went
    for i in range(5, 10):
        cache.get_or_make("v1", f"k{i}", lambda: value, _text, bytes.decode)
        time.sleep(0.01)
    assert cache.size_bytes() == 500
    assert [k for k in ("k5", "k6", "k7", "k8", "k9") if _on_disk(cache, "v1", k)] == [
        "k5",
        "k6",
        "k7",
        "k8",
        "k9",
    ]


def test_a_value_larger_than_the_cap_is_served_not_stored(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c", max_bytes=10)
    assert cache.get_or_make("v1", "big", lambda: "y" * 11, _text, bytes.decode) == "y" * 11
    assert cache.size_bytes() == 0 and cache.writes == 0


def _on_disk(cache: DiskCache, version: str, key: str) -> bool:
    import hashlib

    return (cache.version_folder(version) / hashlib.sha256(key.encode()).hexdigest()[:40]).is_file()


def _worker(folder: str, log: str, start: float) -> str:
    def make() -> str:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(0.5)
        return f"made by {os.getpid()}"

    time.sleep(max(0.0, start - time.time()))
    return DiskCache(folder).get_or_make("v1", "same key", make, _text, bytes.decode)


def test_processes_asking_at_once_make_it_once(tmp_path: Path) -> None:
    log = tmp_path / "makers.log"
    start = time.time() + 1.0
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(_worker, [(str(tmp_path / "c"), str(log), start)] * 4)
    makers = log.read_text().split()
    assert len(makers) == 1
    assert set(results) == {f"made by {makers[0]}"}


def test_two_app_processes_share_analyses_and_pages(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """A second app (another gunicorn worker) serves a view the first made, making only the page
    around it (pages carry the session's banner: kept in memory, never on disk)."""
    config = {"CACHE_DIR": str(tmp_path / "shared"), "WARM_PRESETS": 0}
    first, second = app_factory(**config), app_factory(**config)
    one, two = sign_in(first.test_client()), sign_in(second.test_client())
    url = "/?from=2025-04&to=2025-06"
    body = one.get(url).get_data()
    frame = one.get("/map/frame?from=2025-04&to=2025-06").get_data()
    # the analysis, the parameters' choice (what `auto` means to June), the table of back-test
    # PAIs it is read from (one per data version) and the back-test score, next month's
    # forecast (the analyst's map layer, one for every role) and the frame (not the page)
    assert first.extensions["hotspots"]["disk"].writes == 6
    page = two.get(url).get_data()
    assert page != body and page.split(b"<main")[1] == body.split(b"<main")[1]
    assert two.get("/map/frame?from=2025-04&to=2025-06").get_data() == frame
    assert second.extensions["hotspots"]["disk"].writes == 0  # its page in memory, nothing else
    # the frame's analysis came from the page's: one analysis file for the period (6 files:
    # analysis, choice, table, score, forecast, frame)
    files = list((tmp_path / "shared").rglob("*"))
    assert len([f for f in files if f.is_file()]) == 6


def test_disk_cache_off_with_an_empty_setting(app_factory: AppFactory) -> None:
    app = app_factory(CACHE_DIR="")
    assert app.extensions["hotspots"]["disk"] is None
    assert sign_in(app.test_client()).get("/?from=2025-04&to=2025-06").status_code == 200


def test_default_folder_is_in_the_instance_folder(app_factory: AppFactory) -> None:
    app = app_factory(CACHE_DIR=None)  # the setting's default
    assert app.extensions["hotspots"]["disk"].folder == Path(app.instance_path) / "cache"


def test_a_changed_setting_never_gets_pages_made_under_the_old_one(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """The disk cache outlives the process: a restart with another marking makes new pages."""
    config = {"CACHE_DIR": str(tmp_path / "c"), "WARM_PRESETS": 0}
    before = app_factory(**config, PROTECTIVE_MARKING="OFFICIAL")
    after = app_factory(**config, PROTECTIVE_MARKING="OFFICIAL-SENSITIVE")
    url = "/?from=2025-04&to=2025-06"
    old = sign_in(before.test_client()).get(url)
    new = sign_in(after.test_client()).get(url)
    assert "OFFICIAL-SENSITIVE" not in old.get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in new.get_data(as_text=True)
    assert old.headers["ETag"] != new.headers["ETag"]


def test_a_value_that_no_longer_decodes_is_made_again(tmp_path: Path) -> None:
    """After an upgrade, a pickle of a class that moved is remade, not a server error."""
    import pickle

    cache = DiskCache(tmp_path / "c")
    cache.get_or_make("v1", "k", lambda: "old", _text, bytes.decode)
    (file,) = [p for p in (tmp_path / "c" / "v1").iterdir()]
    file.write_bytes(b"\x80\x04garbage")
    value = cache.get_or_make("v1", "k", lambda: "new", pickle.dumps, pickle.loads)
    assert value == "new"
    assert pickle.loads(file.read_bytes()) == "new"


def test_pages_with_a_visitors_name_and_token_never_reach_the_disk(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """Every page with the site banner, as two roles: the disk holds no name and no token."""
    from tests.accounts import csrf_token

    app = app_factory(CACHE_DIR=str(tmp_path / "c"), WARM_PRESETS=0)
    secrets = []
    for role in ("analyst", "commissioner"):
        client = sign_in(app.test_client(), role)
        for url in (
            "/?from=2025-04&to=2025-06",
            "/compare?from=2025-04&to=2025-06",
            "/briefing?from=2025-04&to=2025-06",
            "/patrol?from=2025-04&to=2025-06",
        ):
            response = client.get(url)
            if role != "analyst" and response.status_code == 403:
                continue  # a page this role may not see
            assert response.status_code == 200, url
            assert response.headers["ETag"].strip('"').startswith("s-")
            assert client.get(url).get_data() == response.get_data()  # from memory
        secrets += [f"test-{role}".encode(), csrf_token(client, "/").encode()]
    assert app.extensions["hotspots"]["disk"].writes > 0  # analyses and frames are shared
    for file in (tmp_path / "c").rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert not any(secret in data for secret in secrets), file


def test_eps_m_is_one_cache_key_per_whole_metre(app_factory: AppFactory, tmp_path: Path) -> None:
    """New decimals of eps_m make no new analyses: 150.2, 149.6 and 1.5e2 are eps_m=150."""
    app = app_factory(CACHE_DIR=str(tmp_path / "c"), WARM_PRESETS=0)
    client = sign_in(app.test_client())
    frames = [
        client.get(f"/map/frame?from=2025-04&to=2025-06&eps_m={eps}")
        for eps in ("150.2", "149.6", "1.5e2", "150")
    ]
    assert all(f.status_code == 200 for f in frames)
    assert len({f.headers["ETag"] for f in frames}) == 1
    disk = app.extensions["hotspots"]["disk"]
    assert disk.writes == 4  # one analysis, one score, one forecast (the map layer), one frame
    meta = client.get("/map.json?from=2025-04&to=2025-06&eps_m=150.4").get_json()
    assert meta["metadata"]["parameters"]["eps_m"] == 150  # the analysis used the normalised value
    other = client.get("/map.json?from=2025-04&to=2025-06&eps_m=150.5").get_json()
    assert other["metadata"]["parameters"]["eps_m"] == 151  # half up
    assert disk.writes == 6  # eps_m=151: its analysis and score
