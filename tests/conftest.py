"""Shared fixtures: the real public data (skipped when absent), the shipped demo data, the web
app, and a small hand-made world whose answers are worked out by hand. Plain helpers (paths,
street rows, snapshots) are in ``tests/helpers.py``; this module is never imported.

- ``demo_store_path`` / ``demo_store``: the demo data ingested once per session, **read-only**
  (checked at the end of the session); ``demo_store_copy``: a private copy for a test that
  writes to it (ingest, upload, accounts in the store).
- ``app_factory(store=None, **config)``: a Flask app for a store (default: the demo store) with
  config overrides; on the demo store its accounts are in a session copy of the demo's accounts
  file, never in the store; the disk cache is a session folder per store unless ``CACHE_DIR``
  is given.
- ``app``: the demo app (a module overrides it for its own settings); ``client_for(role)`` a
  client of ``app`` signed in as ``role`` (None: anonymous); ``client``: an analyst's client.
- ``store_of(months)``: a store of the demo's files for some months; ``gap_store``: without May.
- ``toy``: the hand-made wards and force area, read.
- ``merseyside_store``: another force (real data): Merseyside's drug offences of 2019-07..12 and
  its drug searches of 2019-07..09, ingested once per session, read-only.

The hand-made world, in British National Grid metres (EPSG:27700)::

    y=201500 +-------------------------------+   force area: x 500000..502000, y 200000..201500
             |   strip with no ward          |   (the strip y > 201000 is in no ward)
    y=201000 +---------------+---------------+
             | ward E05000001| ward E05000002|
             |   "Alpha"     |   "Bravo"     |   shared edge at x = 501000
    y=200000 +---------------+---------------+
           x=500000        501000          502000

Alpha is in district E07000001 "Northshire", Bravo in E07000002 "Southshire".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import box

from hotspots.sources.boundaries import Boundaries, read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import client_as
from tests.helpers import (
    DEMO_ALWAYS,
    DEMO_AREA,
    DEMO_MONTHS,
    DEMO_STREET,
    DEMO_WARDS,
    REAL,
    STREET_HEADER,
    AppFactory,
    ClientFor,
    snapshot,
)


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``XDG_CACHE_HOME`` in a session folder: the command line's per-user cache (the parameter
    choices of :mod:`hotspots.evaluate.auto_parameters`) never touches the home folder."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture
def real_data() -> Path:
    """The real public data beside the project, or a skip with the reason."""
    if not REAL.is_dir():
        pytest.skip(f"real data not found at {REAL} (present in CI; optional for a clone)")
    return REAL


@pytest.fixture(scope="session")
def toy_boundaries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Write the hand-made wards (GeoPackage) and force area (Shapefile), both EPSG:27700."""
    folder = tmp_path_factory.mktemp("toy_boundaries")
    wards = gpd.GeoDataFrame(
        {
            "WD24CD": ["E05000002", "E05000001"],  # deliberately not in code order
            "WD24NM": ["Bravo", "Alpha"],
            "LAD24CD": ["E07000002", "E07000001"],
            "LAD24NM": ["Southshire", "Northshire"],
        },
        geometry=[box(501000, 200000, 502000, 201000), box(500000, 200000, 501000, 201000)],
        crs="EPSG:27700",
    )
    wards_path = folder / "wards.gpkg"
    wards.to_file(wards_path, driver="GPKG")
    area = gpd.GeoDataFrame(
        {"PFA24CD": ["E23000099"], "PFA24NM": ["Toyshire"]},
        geometry=[box(500000, 200000, 502000, 201500)],
        crs="EPSG:27700",
    )
    area_path = folder / "area.shp"
    area.to_file(area_path, driver="ESRI Shapefile")
    return wards_path, area_path


@pytest.fixture
def toy(toy_boundaries: tuple[Path, Path]) -> tuple[Boundaries, Boundaries]:
    """The hand-made wards and force area as the ingest takes them (read afresh per test)."""
    wards_path, area_path = toy_boundaries
    return read_wards(wards_path), read_force_area(area_path)


@pytest.fixture
def write_street(tmp_path: Path) -> Callable[..., Path]:
    """Write a street CSV from rows of field lists (header optional, BOM/CRLF optional)."""

    def _write(
        rows: list[list[str]],
        name: str = "2025-01-toyshire-street.csv",
        *,
        header: bool = True,
        bom: bool = False,
        crlf: bool = False,
    ) -> Path:
        newline = "\r\n" if crlf else "\n"
        lines = ([STREET_HEADER] if header else []) + [",".join(r) for r in rows]
        data = (newline.join(lines) + newline).encode("utf-8")
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return _write


# -- the demo store and the web app --------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The shipped demo data ingested once for the whole session (`hotspots demo`).

    Read-only: a test that writes to a store (ingest, upload, accounts or caches inside it)
    takes ``demo_store_copy``. The session fails at its end if any file here changed."""
    from hotspots.cli import main

    path = tmp_path_factory.mktemp("demo") / "store"
    assert main(["demo", "--store", str(path)]) == 0
    before = snapshot(path)
    yield path
    changed = sorted(set(before.items()) ^ set(snapshot(path).items()))
    assert not changed, f"a test wrote to the shared demo store: {sorted({n for n, _ in changed})}"


@pytest.fixture(scope="session")
def demo_store(demo_store_path: Path) -> Store:
    """The shared demo store (read-only, see ``demo_store_path``)."""
    return Store(demo_store_path)


@pytest.fixture
def demo_store_copy(demo_store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store (its data version included) for one test to change."""
    return Path(shutil.copytree(demo_store_path, tmp_path / "demo-store"))


@pytest.fixture(scope="session")
def store_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[frozenset[str]], Path]:
    """``store_of(months)``: a store holding the demo's street files of the given months (plus
    its July searches and its raids), ingested once per set of months for the whole session."""
    from hotspots.ingest import ingest

    folder = tmp_path_factory.mktemp("gaps")
    wards, area = read_wards([DEMO_WARDS]), read_force_area(DEMO_AREA)
    made: dict[frozenset[str], Path] = {}

    def build(months: frozenset[str]) -> Path:
        if months not in made:
            path = folder / ("store-" + "-".join(sorted(m[5:] for m in months)))
            files = [DEMO_STREET[m] for m in sorted(months)] + DEMO_ALWAYS
            report = ingest(files, wards=wards, force_area=area, store=Store(path))
            assert report.reconciles()
            made[months] = path
        return made[months]

    return build


@pytest.fixture(scope="session")
def gap_store(store_of: Callable[[frozenset[str]], Path]) -> Path:
    """The demo store without May 2025's street file."""
    return store_of(frozenset(DEMO_MONTHS) - {"2025-05"})


@pytest.fixture(scope="session")
def app_factory(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> AppFactory:
    """``make(store=None, **config)``: ``web.create_app`` for ``store`` (default: the shared demo
    store) with ``config`` over the settings (``WARM_PATROL`` and ``COMPUTE_PER_MINUTE`` off
    unless given).

    On the shared demo store, ``USERS_DB`` defaults to one session copy of the demo's accounts
    file (so the store stays unchanged; the signing key is kept beside that copy); ``CACHE_DIR``
    defaults to one session folder per store (not the checkout's ``instance/``). A key given in
    ``config`` (``None`` included) wins."""
    from web import create_app

    folder = tmp_path_factory.mktemp("apps")
    demo_users = folder / "demo-accounts" / "users.sqlite3"
    demo_users.parent.mkdir()
    shutil.copy2(demo_store_path / "users.sqlite3", demo_users)

    caches: dict[Path, Path] = {}

    def make(store: Path | str | None = None, /, **config: Any) -> Flask:
        path = Path(store) if store is not None else demo_store_path
        if path not in caches:  # a copy of a store has its data version: a cache of its own
            caches[path] = folder / f"cache-{len(caches)}"
        # WARM_PATROL off: the default patrol plan (seconds) is made at start-up only where a
        # test asks for it (tests/test_warm.py), not in every app of the suite
        # COMPUTE_PER_MINUTE off: the suite's few accounts start hundreds of new analyses a
        # minute; the budget is tested where a test sets it (tests/test_patrol_bounds.py)
        defaults: dict[str, Any] = {
            "STORE": str(path),
            "CACHE_DIR": str(caches[path]),
            "WARM_PATROL": False,
            "COMPUTE_PER_MINUTE": 0,
        }
        if path == demo_store_path:
            defaults["USERS_DB"] = str(demo_users)
        return create_app({**defaults, **config})

    return make


@pytest.fixture(scope="session")
def app(app_factory: AppFactory) -> Flask:
    """The app on the shared demo store (``TESTING``); a module overrides it for its settings."""
    return app_factory(TESTING=True)


@pytest.fixture
def client_for(app: Flask) -> ClientFor:
    """``client_for(role, scope=())``: a new client of ``app`` signed in as ``role`` through the
    sign-in form (an account made if missing); ``None``: an anonymous client."""

    def make(role: str | None, scope: tuple[str, ...] = ()) -> FlaskClient:
        return client_as(app, role, scope)

    return make


@pytest.fixture
def client(client_for: ClientFor) -> FlaskClient:
    """An analyst's client of ``app``."""
    return client_for("analyst")


@pytest.fixture(scope="session")
def merseyside_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Another force than the demo's: Merseyside's street files of 2019-07..12 (drug offences)
    and stop-and-search files of 2019-07..09 with its own wards and force area; read-only."""
    from hotspots.ingest import ingest

    real_data = REAL
    if not (real_data / "police_uk" / "merseyside").is_dir():
        pytest.skip(f"real Merseyside data not found under {REAL} (present in CI)")
    mersey = real_data / "police_uk" / "merseyside"
    files = sorted((mersey / "street").glob("2019-*.csv"))
    files += sorted((mersey / "stop_and_search").glob("2019-*.csv"))
    bounds = real_data / "boundaries" / "merseyside_dec2023_bsc"
    store = Store(tmp_path_factory.mktemp("merseyside") / "store")
    report = ingest(
        files,
        wards=read_wards([bounds / "merseyside_wards_dec2023_bsc.geojson"]),
        force_area=read_force_area(bounds / "merseyside_pfa_dec2023_bsc.geojson"),
        store=store,
    )
    assert report.reconciles()
    return store
