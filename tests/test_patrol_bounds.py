"""What one account can make the server compute: bounded parameters and a budget of new
computations per minute (web/budget.py, web/plans.py).

A patrol plan costs about 1.5 s of CPU on the demo (an analysis with tuned parameters more);
each new combination of its parameters (every subset of wards, every ``n``) was a new plan,
with no bound on how many one account could ask for in a row, so an insider could keep the
2-core server busy. Everything runs on the shared demo store (read-only), each app with a
cache of its own so that every new request is a new computation.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from werkzeug.exceptions import TooManyRequests

from tests.accounts import client_as
from tests.helpers import AppFactory
from web.access import Access
from web.budget import charge
from web.plans import MAX_PLAN_WARDS


def _app(app_factory: AppFactory, folder: Path, per_minute: int) -> Flask:
    return app_factory(
        CACHE_DIR=str(folder / "cache"),
        USERS_DB=str(folder / "users.sqlite3"),
        WARM_PRESETS=0,
        SIGNIFICANCE_SIMS=9,
        COMPUTE_PER_MINUTE=per_minute,
    )


def test_a_plan_names_at_most_max_plan_wards_wards(app_factory: AppFactory, tmp_path: Path) -> None:
    """Any number of wards was taken (each subset a new plan); more than the bound is a 400
    saying what to choose instead, before anything is computed."""
    app = _app(app_factory, tmp_path, 0)
    wards = [f"E0501{n:04d}" for n in range(3000, 3000 + MAX_PLAN_WARDS + 1)]
    for url in (
        "/patrol?to=2025-11&area=wards&wards=" + ",".join(wards),
        "/patrol.csv?to=2025-11&area=wards&wards=" + "&wards=".join(wards),
    ):
        response = client_as(app, "analyst").get(url)
        assert response.status_code == 400, url
        body = response.get_data(as_text=True)
        assert f"at most {MAX_PLAN_WARDS} ward codes" in body and "district" in body


def test_an_account_starts_at_most_compute_per_minute_new_plans(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """Two new plans a minute allowed: the third new one is 429 with Retry-After and says why;
    a plan already made still opens at once, and another account has its own budget."""
    app = _app(app_factory, tmp_path, 2)
    analyst = client_as(app, "analyst")
    assert analyst.get("/patrol.csv?to=2025-11&n=3&rank=hotspots").status_code == 200
    assert analyst.get("/patrol.csv?to=2025-11&n=4&rank=hotspots").status_code == 200
    refused = analyst.get("/patrol.csv?to=2025-11&n=5&rank=hotspots")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "COMPUTE_PER_MINUTE" in refused.get_data(as_text=True)
    assert analyst.get("/patrol.csv?to=2025-11&n=3&rank=hotspots").status_code == 200  # cached
    admin = client_as(app, "admin")
    assert admin.get("/patrol.csv?to=2025-11&n=5&rank=hotspots").status_code == 200


def test_new_analyses_count_too_and_the_api_gets_json(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """An analyst tuning DBSCAN parameters starts a new analysis per pair (1,991 x 9,999
    pairs): the same budget bounds them, with the API's JSON error shape. (Budget 2: the
    first answer is a new analysis and a download.)"""
    app = _app(app_factory, tmp_path, 2)
    analyst = client_as(app, "analyst")
    base = "/api/v1/hotspots?from=2025-09&to=2025-11"
    assert analyst.get(f"{base}&eps_m=150&min_samples=5").status_code == 200
    refused = analyst.get(f"{base}&eps_m=151&min_samples=5")
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.get_json()["error"]["status"] == 429


@pytest.mark.parametrize("per_minute", [0])
def test_no_limit_when_the_setting_is_0(
    app_factory: AppFactory, tmp_path: Path, per_minute: int
) -> None:
    app = _app(app_factory, tmp_path, per_minute)
    analyst = client_as(app, "analyst")
    for n in (3, 4, 5):
        assert analyst.get(f"/patrol.csv?to=2025-11&n={n}&rank=hotspots").status_code == 200


def test_api_downloads_count_too(app_factory: AppFactory, tmp_path: Path) -> None:
    """An API download is written anew for every request (a GeoPackage of a whole force's
    events is seconds on a large store): a script looping over them was unbounded. A repeat
    with If-None-Match is a 304 before any work and costs nothing."""
    app = _app(app_factory, tmp_path, 2)
    analyst = client_as(app, "analyst")
    url = "/api/v1/events?from=2025-09&to=2025-11&layer=raid&format=gpkg"
    first = analyst.get(url)
    assert first.status_code == 200
    assert analyst.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert analyst.get(url.replace("gpkg", "csv")).status_code == 200
    assert analyst.get(url.replace("gpkg", "parquet")).status_code == 429


def test_the_budget_is_one_across_worker_processes(app_factory: AppFactory, tmp_path: Path) -> None:
    """Each worker process kept its own count, so ``gunicorn --workers 2`` let an account start
    twice the setting. Two apps on one ``USERS_DB`` (two workers of one server, each its own
    cache) now share the account's budget: two new plans allowed, the third refused whichever
    worker gets it."""
    first = _app(app_factory, tmp_path, 2)
    second = app_factory(
        CACHE_DIR=str(tmp_path / "cache-2"),
        USERS_DB=str(tmp_path / "users.sqlite3"),
        WARM_PRESETS=0,
        SIGNIFICANCE_SIMS=9,
        COMPUTE_PER_MINUTE=2,
    )
    assert (
        client_as(first, "analyst").get("/patrol.csv?to=2025-11&n=3&rank=hotspots").status_code
        == 200
    )
    assert (
        client_as(second, "analyst").get("/patrol.csv?to=2025-11&n=4&rank=hotspots").status_code
        == 200
    )
    assert (
        client_as(first, "analyst").get("/patrol.csv?to=2025-11&n=5&rank=hotspots").status_code
        == 429
    )
    assert (
        client_as(second, "analyst").get("/patrol.csv?to=2025-11&n=6&rank=hotspots").status_code
        == 429
    )
    assert (
        client_as(second, "admin").get("/patrol.csv?to=2025-11&n=6&rank=hotspots").status_code
        == 200
    )


def _charge_in_turn(app: Flask, account: str, tries: int, barrier: Any, admitted: Any) -> None:
    """A worker process: ``tries`` new computations for ``account`` as soon as every worker is
    ready; puts how many the budget let through."""
    barrier.wait()
    through = 0
    for _ in range(tries):
        with app.test_request_context("/"):
            g.access = Access("analyst", account)
            try:
                charge()
                through += 1
            except TooManyRequests:
                pass
    admitted.put(through)


@pytest.mark.parametrize("account", ["racer-1", "racer-2", "racer-3", "racer-4", "racer-5"])
def test_workers_checking_at_once_let_no_more_than_the_budget_through(
    app_factory: AppFactory, tmp_path: Path, account: str
) -> None:
    """Eight worker processes charging one account at the same instant, ten times each, against
    a budget of 5: pyrate-limiter's SQLite bucket counted, then opened a transaction for the
    entry only, so two workers counting at once both got in (6 or 7 through in two runs of
    three on a 2-core machine). The count and the entry are one ``BEGIN IMMEDIATE``
    transaction now: exactly 5."""
    app = _app(app_factory, tmp_path, 5)  # no budget used in this process before the fork
    context = multiprocessing.get_context("fork")
    barrier, admitted = context.Barrier(8), context.Queue()
    workers = [
        context.Process(target=_charge_in_turn, args=(app, account, 10, barrier, admitted))
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert sum(admitted.get(timeout=5) for _ in workers) == 5


def test_an_ogc_page_that_starts_a_new_analysis_counts(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """OGC API pages are free while they page through an analysis already made (a GIS client
    asks for many), but a page of a new period is a new analysis like any other door's: an
    officer asking for a third new period in a minute is refused (the GeoJSON error shape),
    while the next page of a period already made still opens."""
    app = _app(app_factory, tmp_path, 2)
    officer = client_as(app, "officer")
    items = "/ogc/collections/hotspots/items?limit=1&datetime="
    for period in ("2025-09/2025-11", "2025-08/2025-10"):
        assert officer.get(items + period).status_code == 200
    refused = officer.get(items + "2025-07/2025-09")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert officer.get("/ogc/collections/wards/items?datetime=2025-06/2025-08").status_code == 429
    for offset in (1, 2):
        assert officer.get(f"{items}2025-09/2025-11&offset={offset}").status_code == 200
    assert officer.get("/ogc/collections/wards/items?datetime=2025-08/2025-10").status_code == 200


def test_maps_and_briefing_images_drawn_anew_count_too(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """Only analyses, plans and downloads were counted: on an analysis already made (by
    pre-warming or anyone else), every display option of a map frame (0.1-1 s of CPU each on
    the demo) and the briefing's PNG (1.3 s) and PDF (0.8 s) were drawn anew free of charge,
    72 frames a period (3 shadings x 3 offence views x searches x raids x significant).
    Drawing one anew now counts, once per request (a new analysis and its
    frame are one); a frame already drawn is free."""
    app = _app(app_factory, tmp_path, 2)
    period = "from=2025-09&to=2025-11"
    assert client_as(app, "admin").get(f"/map.json?{period}").status_code == 200  # made
    analyst = client_as(app, "analyst")
    assert analyst.get(f"/map/frame?{period}").status_code == 200
    assert analyst.get(f"/briefing.png?{period}").status_code == 200
    refused = analyst.get(f"/map/frame?{period}&measure=change")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert analyst.get(f"/briefing.pdf?{period}").status_code == 429
    assert analyst.get(f"/map/frame?{period}").status_code == 200  # drawn already
    commissioner = client_as(app, "commissioner")  # a new analysis and its frame: one count
    assert commissioner.get("/map/frame?from=2025-08&to=2025-10").status_code == 200
    assert commissioner.get(f"/map/frame?{period}").status_code == 200
    assert commissioner.get(f"/map/frame?{period}&measure=change").status_code == 429
