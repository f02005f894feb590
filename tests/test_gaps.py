"""Gaps in the store fail no page (issue 12, finding 7).

A store may lack a month: uploaded out of order, or a month police.uk never published for a
force. Periods that hold every month must work whatever else is missing; the default period is
the latest complete one; back-tests run inside runs of consecutive months or say why they
cannot; a period with a missing month is a 400 naming it. Stores are built from the demo data's
monthly files (the real Cambridgeshire 2025 street files cover the same months): the raid file
covers every month of 2025, so a missing street month is a gap although raids hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotspots.analysis import store_months
from hotspots.cli import main
from hotspots.dates import month_words, months_words
from hotspots.evaluate import Grid, backtest, parameter_score
from hotspots.ingest import ingest
from hotspots.periods import (
    Period,
    complete_ends,
    complete_pair,
    complete_period,
    describe_months,
    month_range,
    month_runs,
)
from hotspots.sources.boundaries import read_force_area, read_wards
from hotspots.store import Store
from tests.accounts import sign_in
from tests.helpers import DEMO_MONTHS, REAL, AppFactory

#: Routes whose answer is about one period (``from``/``to``).
PERIOD_ROUTES = (
    "/",
    "/map/frame",
    "/map.json",
    "/briefing",
    "/briefing.png",
    "/briefing.pdf",
    "/api/v1/wards",
    "/api/v1/hotspots",
    "/api/v1/events",
)
PATROL_ROUTES = ("/patrol", "/patrol.csv", "/patrol.gpx")
COMPARE_ROUTES = ("/compare", "/compare/frame")
ROLES = ("analyst", "officer", "commissioner")
APP_CONFIG = {"TESTING": True, "WARM_PRESETS": 0, "CACHE_DIR": "", "SIGNIFICANCE_SIMS": 19}


def runs_by_hand(months: list[str]) -> list[list[str]]:
    """Runs of consecutive 2025 months, worked out from month numbers (not month_runs)."""
    out: list[list[str]] = []
    for m in sorted(months):
        if out and int(m[5:]) == int(out[-1][-1][5:]) + 1:
            out[-1].append(m)
        else:
            out.append([m])
    return out


@pytest.fixture(scope="module")
def gap_app(app_factory: AppFactory, gap_store: Path) -> Flask:
    return app_factory(gap_store, **APP_CONFIG)


@pytest.fixture(scope="module")
def analyst(gap_app: Flask) -> FlaskClient:
    return sign_in(gap_app.test_client(), "analyst")


# -- the one rule: runs of consecutive months ---------------------------------------------------


def test_month_runs_and_the_complete_periods_they_allow() -> None:
    held = ["2025-06", "2025-01", "2025-02", "2025-03", "2025-04", "2025-07", "2025-02"]
    assert month_runs(held) == [
        ("2025-01", "2025-02", "2025-03", "2025-04"),
        ("2025-06", "2025-07"),
    ]
    assert month_runs(["2024-12", "2025-01"]) == [("2024-12", "2025-01")]  # across a year
    assert month_runs([]) == []
    assert describe_months(held) == "2025-01..2025-04, 2025-06, 2025-07"
    # the default: the latest held month, reaching back to the start of its run
    assert complete_period(held, 12) == Period.months("2025-06", "2025-07")
    assert complete_period(held, 3, end="2025-04") == Period.months("2025-02", "2025-04")
    assert complete_period(held, 12, end="2025-04") == Period.months("2025-01", "2025-04")
    assert complete_period(held, 3, end="2025-05") is None
    assert complete_period([], 3) is None
    # comparison: the last 2n months of the latest run, split in two
    assert complete_pair(held, 12) == (
        Period.months("2025-07", "2025-07"),
        Period.months("2025-06", "2025-06"),
    )
    assert complete_pair(["2025-01"], 12) is None
    # patrol plans: months whose 3 months to them are held
    assert complete_ends(held, 3) == ["2025-03", "2025-04"]


def test_held_months_are_the_offence_months(gap_store: Path) -> None:
    store = Store(gap_store)
    raid_months = {m for e in store.sources("raid") for m in e["months"]}
    assert "2025-05" in raid_months  # the raids cover May ...
    assert store_months(store) == [m for m in DEMO_MONTHS if m != "2025-05"]  # ... offences do not


# -- back-tests over runs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def grid() -> Grid:
    import geopandas as gpd
    from shapely.geometry import box

    area = gpd.GeoDataFrame(geometry=[box(500_000, 200_000, 503_000, 203_000)], crs="EPSG:27700")
    return Grid.over(area, 250)


def _points(months: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each month: 20 offences on one spot and 20 spread at random over the 3 km square."""
    rng = np.random.default_rng(5)
    xy, out = [], []
    for m in months:
        xy += [
            np.repeat([[501_125.0, 201_875.0]], 20, axis=0),
            rng.uniform([500_000, 200_000], [503_000, 203_000], (20, 2)),
        ]
        out += [m] * 40
    return np.vstack(xy), np.array(out)


def test_backtest_tests_inside_runs_of_consecutive_months_only(grid: Grid) -> None:
    held = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-06", "2025-07", "2025-08", "2025-09"]
    xy, months = _points(held)
    rows = backtest(
        xy, months, grid, methods=("grid",), ks=(1, 3), coverages=(0.01,), curve_coverages=()
    ).rows
    three = rows[rows["k"] == 3]
    # Apr (fit Jan-Mar) and Sep (fit Jun-Aug); Jun..Aug would need May
    assert sorted(set(three["test_month"])) == ["2025-04", "2025-09"]
    assert sorted(set(three["fit_months"])) == ["2025-01..2025-03", "2025-06..2025-08"]
    one = rows[rows["k"] == 1]
    assert sorted(set(one["test_month"])) == [
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-07",
        "2025-08",
        "2025-09",
    ]


def test_parameter_score_says_why_it_is_unavailable(grid: Grid) -> None:
    xy, months = _points(["2025-01", "2025-02", "2025-04", "2025-05"])
    score = parameter_score(xy, months, grid, area_km2=0.0625)
    assert score["months"] == 0 and score["pai_median"] is None
    assert score["reason"] == (
        "it needs 4 consecutive stored months (fit on 3, test on the next) and the longest run "
        "is 2 months (the store holds 2025-01, 2025-02, 2025-04, 2025-05)"
    )
    xy, months = _points(["2025-01", "2025-02", "2025-03", "2025-04", "2025-06"])
    score = parameter_score(xy, months, grid, area_km2=0.0625)
    assert score["months"] == 1 and score["reason"] is None  # tests Apr only


# -- the web app on the demo store without May ---------------------------------------------------

AUTUMN = "from=2025-09&to=2025-11"


@pytest.mark.parametrize("route", PERIOD_ROUTES + PATROL_ROUTES + COMPARE_ROUTES)
def test_periods_that_hold_every_month_work_with_a_gap(analyst: FlaskClient, route: str) -> None:
    query = "to=2025-11" if route in PATROL_ROUTES else AUTUMN
    response = analyst.get(f"{route}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("route", PERIOD_ROUTES + PATROL_ROUTES + COMPARE_ROUTES)
def test_a_period_with_the_missing_month_is_a_400_naming_it(
    analyst: FlaskClient, route: str
) -> None:
    query = "to=2025-07" if route in PATROL_ROUTES else "from=2025-04&to=2025-06"
    response = analyst.get(f"{route}?{query}")
    assert response.status_code == 400
    assert "none for May 2025" in response.get_data(as_text=True)  # months in words


def test_comparing_with_a_previous_period_that_misses_a_month_names_it(
    analyst: FlaskClient,
) -> None:
    # "no data" for the comparison, not a 400 (tests/test_compare_unheld.py)
    response = analyst.get("/compare?from=2025-06&to=2025-08")
    assert response.status_code == 200
    text = " ".join(response.get_data(as_text=True).split())
    assert "no data for the comparison period Mar–May 2025" in text
    assert "The store holds no records for May 2025" in text  # the previous period, Mar-May


def test_the_default_period_is_the_latest_complete_one(analyst: FlaskClient) -> None:
    periods = analyst.get("/api/v1/periods").get_json()
    # the last 3 months whose 3 months before are held too (Jul-Sep: no May in either)
    assert periods["default"] == {"from": "2025-10", "to": "2025-12"}
    assert "Drug hotspots, Oct–Dec 2025" in analyst.get("/").get_data(as_text=True)
    assert analyst.get("/map.json").get_json()["metadata"]["period_months"] == [
        "2025-10",
        "2025-12",
    ]
    assert "Oct–Dec 2025" in analyst.get("/briefing").get_data(as_text=True)
    compare = analyst.get("/compare").get_data(as_text=True)  # the same, against Jul-Sep
    assert "Oct–Dec 2025" in compare and "Jul–Sep 2025" in compare
    patrol = analyst.get("/patrol.csv")
    assert patrol.status_code == 200 and "2025-12" in patrol.headers["Content-Disposition"]
    # only ends whose 3 months are held are offered: not Jun or Jul (May is missing)
    page = analyst.get("/patrol").get_data(as_text=True)
    assert 'value="2025-08"' in page and 'value="2025-07"' not in page


def test_only_to_given_reaches_back_within_its_run(analyst: FlaskClient) -> None:
    data = analyst.get("/map.json?to=2025-04").get_json()  # DEFAULT_MONTHS (3) to April
    assert data["metadata"]["period_months"] == ["2025-02", "2025-04"]
    data = analyst.get("/map.json?to=2025-07").get_json()  # 3 months would hold May
    assert data["metadata"]["period_months"] == ["2025-06", "2025-07"]


def test_the_forecast_check_runs_over_the_runs(analyst: FlaskClient) -> None:
    score = analyst.get(f"/map.json?{AUTUMN}").get_json()["metadata"]["parameters"][
        "parameter_score"
    ]
    # fit on 3 months: Apr (Jan-Mar) and Sep..Dec (Jun-Aug ...); never across May
    assert score["months"] == 5 and score["reason"] is None and score["pai_median"] > 0
    assert "How well these parameters forecast:" in analyst.get(f"/?{AUTUMN}").get_data(
        as_text=True
    )


def test_the_forecast_check_says_why_it_is_unavailable(
    app_factory: AppFactory,
    store_of: Callable[[frozenset[str]], Path],
) -> None:
    path = store_of(frozenset({"2025-01", "2025-02", "2025-04", "2025-05", "2025-06"}))
    client = sign_in(app_factory(path, **APP_CONFIG).test_client())
    why = "it needs 4 consecutive stored months (fit on 3, test on the next)"
    assert why in client.get("/").get_data(as_text=True)
    assert why in client.get("/briefing").get_data(as_text=True)
    assert why in client.get("/patrol").get_data(as_text=True)


def test_the_full_demo_store_compares_by_default(app_factory: AppFactory) -> None:
    client = sign_in(app_factory(**APP_CONFIG).test_client())
    response = client.get("/compare")
    assert response.status_code == 200  # was a 400: 2025 against 2024, which is not held
    text = response.get_data(as_text=True)
    assert "Oct–Dec 2025" in text and "Jul–Sep 2025" in text


# -- the real Cambridgeshire files: 2014-04, 2019-07..09, 2021-01, 2025-01..12 ------------------


@pytest.fixture(scope="module")
def real_gappy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every real Cambridgeshire street and stop-and-search file, no raid file: five runs."""
    if not REAL.is_dir():  # as the `real_data` fixture, for a module-scoped store
        pytest.skip(f"real data not found at {REAL} (present in CI; optional for a clone)")
    real_data = REAL
    folder = real_data / "police_uk" / "cambridgeshire"
    files = sorted((folder / "street").glob("*.csv")) + sorted(
        (folder / "stop_and_search").glob("*.csv")
    )
    boundaries = real_data / "boundaries"
    path = tmp_path_factory.mktemp("real-gaps") / "store"
    report = ingest(
        files,
        wards=read_wards(
            [boundaries / "wards_dec2023_bsc" / "cambs_peterborough_wards_dec2023_bsc.geojson"]
        ),
        force_area=read_force_area(
            boundaries / "pfa_dec2023_bsc" / "cambridgeshire_pfa_dec2023_bsc.geojson"
        ),
        store=Store(path),
    )
    assert report.reconciles()
    return path


def test_real_store_with_gaps_serves_every_complete_period(
    app_factory: AppFactory, real_gappy_store: Path, capsys: pytest.CaptureFixture
) -> None:
    assert describe_months(store_months(Store(real_gappy_store))) == (
        "2014-04, 2019-07..2019-09, 2021-01, 2025-01..2025-12"
    )
    client = sign_in(app_factory(real_gappy_store, **APP_CONFIG).test_client())
    assert client.get("/api/v1/periods").get_json()["default"] == {
        "from": "2025-10",
        "to": "2025-12",
    }
    for url in (
        "/?from=2019-07&to=2019-09",
        "/briefing?from=2019-07&to=2019-09",
        "/patrol.csv?to=2019-09",
        "/?from=2014-04&to=2014-04",
        "/compare",
    ):
        assert client.get(url).status_code == 200, url
    data = client.get("/map.json?from=2019-07&to=2019-09").get_json()
    score = data["metadata"]["parameters"]["parameter_score"]
    assert score["months"] == 9 and score["reason"] is None  # Apr..Dec 2025, fit on 3 months
    response = client.get("/?from=2019-09&to=2021-01")
    assert response.status_code == 400
    assert "none for Oct 2019–Dec 2020" in response.get_data(as_text=True)
    assert client.get("/patrol?to=2025-02").status_code == 400  # Dec 2024 is missing
    store = ["--store", str(real_gappy_store)]
    assert main(["evaluate", "--methods", "grid", "--k", "1", "3", *store]) == 0
    out = capsys.readouterr().out
    assert "(2014-04, 2019-07..2019-09, 2021-01, 2025-01..2025-12)" in out
    # k = 1: Aug, Sep 2019 and Feb..Dec 2025 (13 months); k = 3: Apr..Dec 2025 (9)
    assert "grid    1  1%        13" in out and "grid    3  1%        9" in out


# -- the command line ---------------------------------------------------------------------------


def test_analyse_and_evaluate_with_a_gap(gap_store: Path, capsys: pytest.CaptureFixture) -> None:
    store = ["--store", str(gap_store)]
    assert main(["analyse", "--from", "2025-09", "--to", "2025-11", "--sims", "0", *store]) == 0
    out = capsys.readouterr().out
    # every stored month, as the web pages score it: Apr (fit Jan-Mar) and Sep..Dec (Jun-Aug ...)
    assert "Parameters' back-test score: median PAI" in out and "over 5 month(s)" in out
    assert main(["analyse", "--year", "2025", *store]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hotspots: error: no data for 2025-05 in 2025") and "Traceback" not in err
    assert main(["evaluate", "--methods", "grid", "--k", "3", *store]) == 0
    out = capsys.readouterr().out
    assert "(2025-01..2025-04, 2025-06..2025-12)" in out
    assert "grid    3  1%" in out


def test_evaluate_says_why_no_month_can_be_tested(
    store_of: Callable[[frozenset[str]], Path], capsys: pytest.CaptureFixture
) -> None:
    store = ["--store", str(store_of(frozenset({"2025-01", "2025-02", "2025-04", "2025-05"})))]
    assert main(["evaluate", "--methods", "grid", "--k", "3", *store]) == 0
    out = capsys.readouterr().out
    assert "Back-test not available: it needs 4 consecutive stored months" in out
    assert main(["analyse", "--from", "2025-04", "--to", "2025-05", "--sims", "0", *store]) == 0
    out = capsys.readouterr().out
    assert "Parameters' back-test score: not available (it needs 4 consecutive" in out


# -- property: any set of stored months, every route, every role ----------------------------------


def _get_routes(app: Flask) -> list[str]:
    return sorted(
        r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ()) and "<" not in r.rule
    )


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(held=st.sets(st.sampled_from(DEMO_MONTHS), min_size=1))
@example(held=set(DEMO_MONTHS) - {"2025-05"})
@example(held={"2025-12"})
@example(held={"2025-01", "2025-03", "2025-04", "2025-12"})
def test_no_route_answers_5xx_whatever_months_are_stored(
    app_factory: AppFactory, store_of: Callable[[frozenset[str]], Path], held: set[str]
) -> None:
    app = app_factory(store_of(frozenset(held)), **APP_CONFIG)
    runs = runs_by_hand(sorted(held))
    inside = runs[0][-3:]  # a period holding every month
    latest = runs[-1]
    queries = {"default": "", "inside": f"from={inside[0]}&to={inside[-1]}"}
    if len(runs) > 1:  # spanning the first gap
        queries["gap"] = f"from={runs[0][-1]}&to={runs[1][0]}"
        # named: the gap's first month (a period), its last (a plan's 3 months to runs[1][0])
        first_missing = f"2025-{int(runs[0][-1][5:]) + 1:02d}"
        last_missing = f"2025-{int(runs[1][0][5:]) - 1:02d}"
        gap = months_words(month_range(first_missing, last_missing))
    patrol_ok = any(len(r) >= 3 for r in runs)
    for role in ROLES:
        client = sign_in(app.test_client(), role)
        for route in _get_routes(app):
            for kind, query in queries.items():
                if route in PATROL_ROUTES and query:
                    query = "to=" + query.rsplit("=", 1)[1]
                response = client.get(f"{route}?{query}" if query else route)
                status = response.status_code
                text = response.get_data().decode("utf-8", "replace")
                where = f"{role} {route}?{query} -> {status}: {text[:300]}"
                assert status < 500, where
                if status in (401, 403):
                    continue  # not this role's route (test_access holds who may call what)
                if kind == "gap" and route in PERIOD_ROUTES + COMPARE_ROUTES:
                    assert status == 400 and f"none for {gap}" in text, where
                if kind == "gap" and route in PATROL_ROUTES:
                    assert status == 400 and month_words(last_missing) in text, where
                if role != "analyst":
                    continue
                if kind == "inside" and route in PERIOD_ROUTES:
                    assert status == 200, where
                if kind == "default" and route in PERIOD_ROUTES:
                    assert status == 200, where
                if kind == "default" and route in PATROL_ROUTES:  # the page: says why not
                    assert status == (200 if patrol_ok or route == "/patrol" else 400), where
                    assert patrol_ok or route != "/patrol" or "no 3 months in a row" in text
                if kind == "default" and route == "/compare":  # the menu's link: never an error
                    assert status == 200, where
                if kind == "default" and route == "/compare/frame":
                    assert status == (200 if len(held) > 1 else 400), where
    periods = sign_in(app.test_client()).get("/api/v1/periods").get_json()
    n = min(3, len(latest) // 2)  # the last n months with the n before them held, else 1 month
    assert periods["default"] == {"from": latest[-n] if n else latest[-1], "to": latest[-1]}
