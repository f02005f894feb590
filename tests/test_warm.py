"""Preset views are made when the app starts and after a new ingest, before anyone asks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import Flask

from tests.accounts import sign_in
from tests.helpers import AppFactory, ingest_republished_july
from web import warm


def test_preset_urls_of_the_demo_year() -> None:
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    # last 3 months, last 12 months (= calendar 2025, listed once), no complete financial year
    assert warm.preset_urls(months, 4) == [
        "/?from=2025-10&to=2025-12",
        "/map/frame?from=2025-10&to=2025-12",
        "/?from=2025-01&to=2025-12",
        "/map/frame?from=2025-01&to=2025-12",
        "/?from=2025-01&to=2025-12",
        "/map/frame?from=2025-01&to=2025-12",
    ]
    assert warm.preset_urls(months, 1) == [
        "/?from=2025-10&to=2025-12",
        "/map/frame?from=2025-10&to=2025-12",
    ]
    assert warm.preset_urls(months, 0) == []
    assert warm.preset_urls([], 4) == []


def test_app_start_makes_the_presets(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(CACHE_DIR=str(tmp_path / "c"))
    pages = app.extensions["hotspots"]["pages"]
    analyses = app.extensions["hotspots"]["analyses"]
    made, analysed = pages.misses, analyses.misses
    # two presets (3 and 12 months; calendar 2025 repeats) x their map frame x (analyst,
    # commissioner)
    assert made == 4
    client = sign_in(app.test_client())
    for url in ("/map/frame?from=2025-01&to=2025-12", "/map/frame?from=2025-10&to=2025-12"):
        assert client.get(url).status_code == 200
    assert pages.misses == made  # the presets' maps: from the cache
    for url in ("/", "/?from=2025-01&to=2025-12"):  # "/" is the 3-month preset, Oct-Dec
        assert client.get(url).status_code == 200
    assert pages.misses == made + 2  # the pages themselves are this session's...
    assert analyses.misses == analysed  # ...made from the analyses already made
    assert client.get("/?from=2025-02&to=2025-04").status_code == 200
    assert analyses.misses > analysed  # any other period is analysed on request


def test_no_warming_when_switched_off(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(CACHE_DIR=str(tmp_path / "c"), WARM_PRESETS=0)
    assert app.extensions["hotspots"]["pages"].misses == 0


def test_unreadable_store_makes_nothing(app_factory: AppFactory, tmp_path: Path) -> None:
    app = app_factory(tmp_path / "missing", CACHE_DIR=str(tmp_path / "c"))
    assert app.extensions["hotspots"]["pages"].misses == 0


def test_a_new_ingest_is_made_in_the_background(
    demo_store_copy: Path, app_factory: AppFactory, tmp_path: Path
) -> None:
    store = demo_store_copy
    app = app_factory(store, CACHE_DIR=str(tmp_path / "c"))
    before = app.extensions["hotspots"]["state"].version
    assert ingest_republished_july(store, tmp_path) == 0  # a re-published month: new version
    client = sign_in(app.test_client())
    assert client.get("/api/v1/meta").status_code == 200  # sees the new version
    for thread in [t for t in threading.enumerate() if t.name == "hotspots-warm"]:
        thread.join(timeout=60)
    after = app.extensions["hotspots"]["state"].version
    assert after != before
    folder = app.extensions["hotspots"]["disk"].version_folder(after)
    assert folder.parent == tmp_path / "c"
    # 2 analyses, the parameters' score, the parameters' choice (what `auto` means to the
    # presets' end month: web.analyses.parameter_choice_of) and the table of back-test PAIs
    # it is read from (one per data version, web.analyses.parameter_table), next month's
    # forecast (the analysts' map layer, shared with every patrol plan of that month), 2 map
    # frames per role
    assert len([p for p in folder.iterdir() if p.is_file()]) == 2 + 1 + 1 + 1 + 1 + 4


def _patrol_app(app_factory: AppFactory, tmp_path: Path, warm_patrol: bool, **config: Any) -> Flask:
    return app_factory(CACHE_DIR=str(tmp_path / "c"), WARM_PATROL=warm_patrol, **config)


def test_app_start_makes_the_default_patrol_plan_and_its_forecast(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = _patrol_app(app_factory, tmp_path, True, WARM_PRESETS=0)
    analyses = app.extensions["hotspots"]["analyses"]
    made = analyses.misses
    # next month's forecast (analysts' cells = officers' snap grid), the plan, the parameters'
    # score its page states
    assert made == 3
    analyst = sign_in(app.test_client())
    page = analyst.get("/patrol")  # the default: the whole force, ranked by the forecast
    assert page.status_code == 200 and "forecast" in page.get_data(as_text=True)
    assert analyses.misses == made  # neither the forecast nor the plan made again
    # an officer's plan covers their own district (made on request), ranked by the forecast of
    # their area's offences alone (web.analyses.forecast_after): two more values, the plan and
    # that forecast
    officer = sign_in(app.test_client(), "officer", scope=("E07000008",))
    assert officer.get("/patrol").status_code == 200
    assert analyses.misses == made + 2


def test_without_warming_the_first_plan_makes_the_forecast_once_per_area(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = _patrol_app(app_factory, tmp_path, False, WARM_PRESETS=0)
    analyses = app.extensions["hotspots"]["analyses"]
    assert analyses.misses == 0
    assert sign_in(app.test_client()).get("/patrol").status_code == 200
    assert analyses.misses == 3  # the forecast, the plan, the parameters' score
    officer = sign_in(app.test_client(), "officer", scope=("E07000008",))
    assert officer.get("/patrol").status_code == 200
    assert analyses.misses == 5  # the officer's plan and their area's own forecast


def test_the_maps_forecast_layer_and_the_plans_share_one_forecast(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    # the presets' analyst map (Oct-Dec 2025) shows next month's forecast layer: the default
    # plan (to Dec 2025) ranks by that same forecast
    app = _patrol_app(app_factory, tmp_path, False)
    analyses = app.extensions["hotspots"]["analyses"]
    made = analyses.misses
    assert sign_in(app.test_client()).get("/patrol").status_code == 200
    assert analyses.misses == made + 1  # the plan only
