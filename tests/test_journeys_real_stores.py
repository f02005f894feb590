"""No default link answers an error on a store built from any subset of the shared real data
(issue 14, "Done when").

Each store holds a small subset of ``../shared/data/real`` (skipped with the reason when it is
absent): Cambridgeshire street files only (a run of three 2019 months, then 2021-01 and 2025-12
alone: gaps, old LSOA codes); one month only; two months with a gap; stop-and-search only, for
one month (no offences at all); Merseyside (another force: its own wards and force area, three
months of street crime and searches). For each store and each role, every page reached from
``/`` by menu links, every map frame those pages embed, and every GET form on them submitted
with the values it shows (what "Update" sends untouched) answers 200 (or 3xx), never 4xx/5xx.

Stores are ingested once per session, apps made once per store (analyses shared by the roles).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from hotspots.ingest import ingest
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import sign_in
from tests.crawl import walk
from tests.helpers import REAL, AppFactory
from tests.test_gaps import APP_CONFIG
from tests.test_journeys_map import ROLES

pytestmark = pytest.mark.realdata

CAMBS = "police_uk/cambridgeshire"
MERSEY = "police_uk/merseyside"
CAMBS_BOUNDS = (
    "boundaries/wards_dec2023_bsc/cambs_peterborough_wards_dec2023_bsc.geojson",
    "boundaries/pfa_dec2023_bsc/cambridgeshire_pfa_dec2023_bsc.geojson",
)
MERSEY_BOUNDS = (
    "boundaries/merseyside_dec2023_bsc/merseyside_wards_dec2023_bsc.geojson",
    "boundaries/merseyside_dec2023_bsc/merseyside_pfa_dec2023_bsc.geojson",
)
#: name -> (files under the real data folder, wards and force area files).
SUBSETS: dict[str, tuple[tuple[str, ...], tuple[str, str]]] = {
    "cambs-street-only": (
        tuple(
            f"{CAMBS}/street/{m}-cambridgeshire-street.csv"
            for m in ("2019-07", "2019-08", "2019-09", "2021-01", "2025-12")
        ),
        CAMBS_BOUNDS,
    ),
    "one-month": ((f"{CAMBS}/street/2025-07-cambridgeshire-street.csv",), CAMBS_BOUNDS),
    "two-months-gap": (
        (
            f"{CAMBS}/street/2025-01-cambridgeshire-street.csv",
            f"{CAMBS}/street/2025-03-cambridgeshire-street.csv",
        ),
        CAMBS_BOUNDS,
    ),
    "searches-one-month": (
        (f"{CAMBS}/stop_and_search/2025-07-cambridgeshire-stop-and-search.csv",),
        CAMBS_BOUNDS,
    ),
    "merseyside": (
        tuple(
            f"{MERSEY}/{kind}/2019-{m}-merseyside-{kind.replace('_', '-')}.csv"
            for kind in ("street", "stop_and_search")
            for m in ("07", "08", "09")
        ),
        MERSEY_BOUNDS,
    ),
}
#: Subsets without drug offence records.
NO_OFFENCES = {"searches-one-month"}


@pytest.fixture(scope="session")
def real_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Each subset's store, ingested the first time a test asks for it."""
    if not REAL.is_dir():
        pytest.skip(f"real data not found at {REAL} (present in CI; optional for a clone)")
    folder = tmp_path_factory.mktemp("real-subsets")

    class Stores(dict[str, Path]):
        def __missing__(self, name: str) -> Path:
            files, (wards_file, area_file) = SUBSETS[name]
            path = folder / name
            report = ingest(
                [REAL / f for f in files],
                wards=read_wards([REAL / wards_file]),
                force_area=read_force_area(REAL / area_file),
                store=Store(path),
            )
            assert report.reconciles(), name
            self[name] = path
            return path

    yield Stores()


@pytest.fixture(scope="session")
def real_apps(real_stores: dict[str, Path], app_factory: AppFactory) -> Iterator[dict[str, Flask]]:
    """One app per subset's store (``PUBLIC_MODE`` on for the public role)."""

    class Apps(dict[str, Flask]):
        def __missing__(self, name: str) -> Flask:
            app = app_factory(real_stores[name], **APP_CONFIG, PUBLIC_MODE=True)
            self[name] = app
            return app

    yield Apps()


def officer_scope(app: Flask) -> tuple[str, ...]:
    """An officer's area on this store: its first district (Cambridge on Cambridgeshire)."""
    with app.app_context():
        wards = Store(app.config["STORE"]).load_boundary("wards")
    districts = sorted(set(wards["district_code"]))
    return ("E07000008",) if "E07000008" in districts else (districts[0],)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("subset", list(SUBSETS))
def test_no_default_link_or_form_answers_an_error_on_a_real_subset(
    subset: str, role: str, real_apps: dict[str, Flask]
) -> None:
    app = real_apps[subset]
    client = app.test_client()
    if role != "public":
        sign_in(client, role, officer_scope(app) if role == "officer" else ())
    statuses = walk(client)
    bad = {url: status for url, status in statuses.items() if status >= 400}
    assert not bad, bad
    assert "/compare" in statuses, statuses
    if subset in NO_OFFENCES:  # the pages say what is held instead
        assert "No drug offences held yet" in client.get("/").get_data(as_text=True)
    else:  # the forms were sent too (the map's at least), not only the links followed
        assert any(u.startswith("/?") for u in statuses), statuses


def test_a_store_without_a_plan_or_without_offences_says_why(real_apps: dict[str, Flask]) -> None:
    officer = real_apps["one-month"].test_client()
    sign_in(officer, "officer")
    page = officer.get("/patrol")
    assert page.status_code == 200
    text = " ".join(page.get_data(as_text=True).split())
    assert "Patrol plan: Cambridge" in text
    assert "the store holds no 3 months in a row: it holds Jul 2025" in text
    assert officer.get("/patrol?to=2025-07").status_code == 400  # asked for: still an error
    analyst = sign_in(real_apps["searches-one-month"].test_client(), "analyst")
    for path in ("/", "/compare", "/briefing", "/patrol"):
        held = " ".join(analyst.get(path).get_data(as_text=True).split())
        assert "<h1>No drug offences held yet</h1>" in held, path
        assert "Drug offence records: none held" in held
        assert "Stop-and-search records: held for Jul 2025" in held
        assert "Raid records: none held" in held
